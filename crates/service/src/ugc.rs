//! Customer photos as shoppable UGC: the product gallery (review photos and shoppers' posts that tag the
//! product), and shops featuring a shopper's post only with the author's recorded consent.
//!
//! Rules:
//! - A shop's owner or staff may ask to feature any public post that is not a share, has photos, and whose
//!   author is not owner or staff of that shop. A tag of the shop's product is not required: featuring is
//!   how a shop earns the right to tag its products on a shopper's photo (see the tag rules), and the
//!   author's consent is what protects them.
//! - Only the author decides (approve or decline) and only the author withdraws an approval; anyone else
//!   gets 404. Every request, decision and withdrawal is kept in the consent log with its time and actor.
//! - Only approved features show anywhere (shop home, the public featured list, the gallery's highlight), so
//!   a withdrawal takes effect on the next page view.
//! - Asking again is refused while a request is open or approved, and for [`REREQUEST_COOLDOWN_DAYS`] after
//!   a decline or a withdrawal, so an author who said no is not pestered.
//! - Notifications: a request notifies the author (`feature_request`); approve and decline notify the
//!   requester (`feature_approved`, `feature_declined`); a withdrawal notifies the requester and the shop's
//!   owner (`feature_withdrawn`).

use crate::shops::{ShopRef, require_staff};
use crate::social::Page;
use crate::{Refusal, ServiceError, ServiceResult, Viewer};
use souk_domain::Timestamp;
use souk_store::notifications::NewNotification;
use souk_store::ugc::{
    self, EventRecord, FeatureRecord, GalleryFilter, GalleryKey, GalleryRecord, NewFeature,
};
use souk_store::{Conn, Db};

/// How long after a decline or a withdrawal the same shop may not ask about the same post again.
pub const REREQUEST_COOLDOWN_DAYS: i64 = 30;
pub const MESSAGE_MAX: usize = 500;
const GALLERY_DEFAULT: i64 = 12;
const GALLERY_MAX: i64 = 48;
const LIST_DEFAULT: i64 = 20;
const LIST_MAX: i64 = 100;
const DAY_MICROS: i64 = 86_400 * 1_000_000;

/// The author's answer to a request, or the withdrawal of an earlier approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Decline,
    Withdraw,
}

impl Decision {
    pub fn parse(s: &str) -> ServiceResult<Decision> {
        match s.trim() {
            "approve" => Ok(Decision::Approve),
            "decline" => Ok(Decision::Decline),
            "withdraw" => Ok(Decision::Withdraw),
            _ => Err(ServiceError::field(
                "decision",
                "decision_invalid",
                "Decision must be approve, decline or withdraw.",
            )),
        }
    }

    /// (status it applies to, status it leads to, notification kind)
    const fn transition(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Decision::Approve => ("requested", "approved", "feature_approved"),
            Decision::Decline => ("requested", "declined", "feature_declined"),
            Decision::Withdraw => ("approved", "withdrawn", "feature_withdrawn"),
        }
    }
}

/// A feature with its consent history.
#[derive(Debug, Clone)]
pub struct FeatureView {
    pub feature: FeatureRecord,
    pub history: Vec<EventRecord>,
}

/// A shop's feature requests for its staff.
pub struct ShopFeatures {
    pub shop_id: i64,
    pub handle: String,
    pub name: String,
    pub features: Page<FeatureView>,
}

/// A shop the viewer works for, and where a request for one post stands there.
#[derive(Debug, Clone)]
pub struct RequestOption {
    pub shop_id: i64,
    pub handle: String,
    pub name: String,
    /// The current feature status for this post, if the shop ever asked.
    pub status: Option<String>,
    /// The shop may send a request now (no open or approved one, no cooldown running).
    pub can_request: bool,
}

#[derive(Clone)]
pub struct UgcService {
    db: Db,
}

fn reborrow<'a>(c: &'a mut Conn<'_>) -> Conn<'a> {
    match c {
        Conn::Sqlite(c) => Conn::Sqlite(c),
        Conn::Postgres(c) => Conn::Postgres(c),
    }
}

fn check_message(raw: &str) -> ServiceResult<String> {
    let s = raw.trim().replace("\r\n", "\n");
    if s.chars().count() > MESSAGE_MAX {
        return Err(ServiceError::field(
            "message",
            "message_too_long",
            format!("Must be at most {MESSAGE_MAX} characters."),
        ));
    }
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(ServiceError::field(
            "message",
            "control_characters",
            "Remove control characters.",
        ));
    }
    Ok(s)
}

fn id_cursor(cursor: Option<&str>) -> ServiceResult<i64> {
    match cursor.map(str::trim).filter(|c| !c.is_empty()) {
        None => Ok(i64::MAX),
        Some(c) => c.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
            ServiceError::field("cursor", "cursor_invalid", "The cursor is not valid.")
        }),
    }
}

/// Gallery cursor: `at.rank.source_id.position`.
fn gallery_cursor(cursor: Option<&str>) -> ServiceResult<Option<GalleryKey>> {
    let Some(c) = cursor.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    let parts: Vec<Option<i64>> = c.split('.').map(|p| p.parse::<i64>().ok()).collect();
    match parts.as_slice() {
        [Some(at), Some(rank), Some(id), Some(pos)]
            if *at >= 0 && (0..=1).contains(rank) && *id > 0 && *pos >= 0 =>
        {
            Ok(Some(GalleryKey {
                at: *at,
                rank: *rank,
                source_id: *id,
                position: *pos,
            }))
        }
        _ => Err(ServiceError::field(
            "cursor",
            "cursor_invalid",
            "The cursor is not valid.",
        )),
    }
}

fn status_filter(status: Option<&str>) -> ServiceResult<&'static str> {
    match status.map(str::trim).unwrap_or("") {
        "" | "all" => Ok(""),
        "requested" => Ok("requested"),
        "approved" => Ok("approved"),
        "declined" => Ok("declined"),
        "withdrawn" => Ok("withdrawn"),
        _ => Err(ServiceError::field(
            "status",
            "status_invalid",
            "Status must be requested, approved, declined or withdrawn.",
        )),
    }
}

/// Splits a fetched `limit + 1` rows into a page and the next id cursor.
fn id_page(mut items: Vec<FeatureView>, n: i64) -> Page<FeatureView> {
    let keep = usize::try_from(n).unwrap_or(0);
    let more = items.len() > keep;
    items.truncate(keep);
    let next_cursor = if more {
        items.last().map(|v| v.feature.id.to_string())
    } else {
        None
    };
    Page { items, next_cursor }
}

/// When a declined or withdrawn feature may be asked for again.
fn cooldown_until(f: &FeatureRecord) -> Option<i64> {
    let since = match f.status.as_str() {
        "declined" => f.decided_at,
        "withdrawn" => f.withdrawn_at.or(f.decided_at),
        _ => None,
    }?;
    Some(since.saturating_add(REREQUEST_COOLDOWN_DAYS * DAY_MICROS))
}

/// Why the shop may not ask (again) about this post now, if it may not.
fn refusal_for(existing: &FeatureRecord, now: i64) -> Option<ServiceError> {
    match existing.status.as_str() {
        "requested" => Some(ServiceError::refused(
            Refusal::Conflict,
            "feature_already_requested",
            "Your shop already asked to feature this post; the author has not answered yet.",
        )),
        "approved" => Some(ServiceError::refused(
            Refusal::Conflict,
            "already_featured",
            "Your shop already features this post.",
        )),
        _ => match cooldown_until(existing) {
            Some(until) if now < until => Some(
                ServiceError::refused(
                    Refusal::Conflict,
                    "feature_request_too_soon",
                    format!(
                        "The author said no recently. You can ask again {REREQUEST_COOLDOWN_DAYS} days after their answer."
                    ),
                )
                .with_details(serde_json::json!({
                    "retry_after": Timestamp::from_micros(until).to_rfc3339()
                })),
            ),
            _ => None,
        },
    }
}

impl UgcService {
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    async fn views(
        &self,
        c: Conn<'_>,
        rows: Vec<FeatureRecord>,
    ) -> ServiceResult<Vec<FeatureView>> {
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let events = ugc::events_of(c, &ids).await?;
        Ok(rows
            .into_iter()
            .map(|f| FeatureView {
                history: events
                    .iter()
                    .filter(|e| e.feature_id == f.id)
                    .cloned()
                    .collect(),
                feature: f,
            })
            .collect())
    }

    async fn view(&self, id: i64) -> ServiceResult<FeatureView> {
        let mut h = self.db.read().await?;
        let mut c = h.conn();
        let f = ugc::get(reborrow(&mut c), id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        self.views(c, vec![f])
            .await?
            .pop()
            .ok_or(ServiceError::NotFound)
    }

    /// A product's customer photos, newest first (404 for a product the viewer may not see).
    pub async fn gallery(
        &self,
        viewer: Option<&Viewer>,
        product_id: i64,
        cursor: Option<&str>,
        limit: Option<i64>,
    ) -> ServiceResult<Page<GalleryRecord>> {
        let product = {
            let mut h = self.db.read().await?;
            crate::catalog::product_view(h.conn(), viewer, product_id).await?
        };
        self.gallery_of(viewer, &product, cursor, limit).await
    }

    /// [`Self::gallery`] for a product the caller already loaded for this viewer through the catalog
    /// service (which checked that the viewer may see it), so the product page does not load it again.
    pub async fn gallery_of(
        &self,
        viewer: Option<&Viewer>,
        product: &crate::catalog::ProductView,
        cursor: Option<&str>,
        limit: Option<i64>,
    ) -> ServiceResult<Page<GalleryRecord>> {
        let product_id = product.product.id;
        let after = gallery_cursor(cursor)?;
        let n = limit.unwrap_or(GALLERY_DEFAULT).clamp(1, GALLERY_MAX);
        let mut h = self.db.read().await?;
        let mut items = ugc::gallery(
            h.conn(),
            &GalleryFilter {
                product_id,
                shop_id: product.shop.id,
                viewer_id: viewer.map(|v| v.user_id).unwrap_or(0),
                after,
                limit: n + 1,
            },
        )
        .await?;
        let keep = usize::try_from(n).unwrap_or(0);
        let more = items.len() > keep;
        items.truncate(keep);
        let next_cursor = if more {
            items.last().map(|g| {
                let k = g.key();
                format!("{}.{}.{}.{}", k.at, k.rank, k.source_id, k.position)
            })
        } else {
            None
        };
        Ok(Page { items, next_cursor })
    }

    /// Staff of the shop `handle` ask the author of `post_id` for permission to feature it.
    pub async fn request(
        &self,
        viewer: &Viewer,
        handle: &str,
        post_id: i64,
        message: &str,
    ) -> ServiceResult<FeatureView> {
        let message = check_message(message)?;
        let now = Timestamp::now();
        let mut tx = self.db.begin().await?;
        let access = require_staff(tx.conn(), viewer, ShopRef::Handle(handle), false).await?;
        // The post as the requester sees it: hidden posts, suspended authors and blocks give 404.
        let post = souk_store::posts::by_id(tx.conn(), viewer.user_id, post_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let not_featurable = |why: &str| {
            ServiceError::refused(
                Refusal::Unprocessable,
                "post_not_featurable",
                format!("This post cannot be featured: {why}."),
            )
        };
        if post.repost_of.is_some() {
            return Err(not_featurable("it is a share of another post"));
        }
        if ugc::is_staff(tx.conn(), access.shop_id, post.author_id).await? {
            return Err(not_featurable("it was posted by your shop's own team"));
        }
        let media = souk_store::posts::media_keys(tx.conn(), post_id).await?;
        if media.is_empty() {
            return Err(not_featurable("it has no photos"));
        }
        let id = match ugc::by_shop_post(tx.conn(), access.shop_id, post_id).await? {
            None => {
                let inserted = ugc::insert(
                    tx.conn(),
                    &NewFeature {
                        shop_id: access.shop_id,
                        post_id,
                        author_id: post.author_id,
                        requested_by: viewer.user_id,
                        message: &message,
                        now: now.as_micros(),
                    },
                )
                .await;
                match inserted {
                    Ok(id) => id,
                    // A colleague's request won the race.
                    Err(e) if e.is_unique_on("ugc_features") => {
                        return Err(ServiceError::refused(
                            Refusal::Conflict,
                            "feature_already_requested",
                            "Your shop already asked to feature this post.",
                        ));
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            Some(existing) => {
                if let Some(e) = refusal_for(&existing, now.as_micros()) {
                    return Err(e);
                }
                if !ugc::rerequest(
                    tx.conn(),
                    existing.id,
                    &existing.status,
                    viewer.user_id,
                    &message,
                    now.as_micros(),
                )
                .await?
                {
                    return Err(ServiceError::refused(
                        Refusal::Conflict,
                        "feature_already_requested",
                        "Your shop already asked to feature this post.",
                    ));
                }
                existing.id
            }
        };
        ugc::insert_event(
            tx.conn(),
            id,
            "requested",
            viewer.user_id,
            &message,
            now.as_micros(),
        )
        .await?;
        souk_store::notifications::insert(
            tx.conn(),
            &NewNotification {
                user_id: post.author_id,
                kind: "feature_request",
                actor_id: viewer.user_id,
                post_id: Some(post_id),
                comment_id: None,
                shop_id: Some(access.shop_id),
                subject_id: Some(id),
                now,
            },
        )
        .await?;
        tx.commit().await?;
        self.view(id).await
    }

    /// The author approves, declines, or withdraws an approval. Not the author's, or unknown: 404; not in
    /// the state the decision applies to: 409.
    pub async fn decide(
        &self,
        viewer: &Viewer,
        id: i64,
        decision: Decision,
    ) -> ServiceResult<FeatureView> {
        let (from, to, kind) = decision.transition();
        let now = Timestamp::now();
        let mut tx = self.db.begin().await?;
        let f = ugc::get(tx.conn(), id)
            .await?
            .filter(|f| f.author_id == viewer.user_id)
            .ok_or(ServiceError::NotFound)?;
        if !ugc::transition(tx.conn(), id, viewer.user_id, from, to, now.as_micros()).await? {
            return Err(if decision == Decision::Withdraw {
                ServiceError::refused(
                    Refusal::Conflict,
                    "feature_not_approved",
                    "Only an approved feature can be withdrawn.",
                )
            } else {
                ServiceError::refused(
                    Refusal::Conflict,
                    "feature_not_pending",
                    "This request has already been answered.",
                )
            });
        }
        ugc::insert_event(tx.conn(), id, to, viewer.user_id, "", now.as_micros()).await?;
        if decision == Decision::Withdraw {
            // Consent covered the shop's own tags too: they go with it, the author's stay.
            souk_store::tags::delete_placed_by_others(tx.conn(), f.post_id, f.shop_id, f.author_id)
                .await?;
        }
        let mut notify = vec![f.requested_by];
        if decision == Decision::Withdraw
            && let Some(shop) = souk_store::shops::by_id(tx.conn(), f.shop_id).await?
            && !notify.contains(&shop.owner_id)
        {
            notify.push(shop.owner_id);
        }
        for user_id in notify.into_iter().filter(|u| *u != viewer.user_id) {
            souk_store::notifications::insert(
                tx.conn(),
                &NewNotification {
                    user_id,
                    kind,
                    actor_id: viewer.user_id,
                    post_id: Some(f.post_id),
                    comment_id: None,
                    shop_id: Some(f.shop_id),
                    subject_id: Some(id),
                    now,
                },
            )
            .await?;
        }
        tx.commit().await?;
        self.view(id).await
    }

    /// Requests addressed to the viewer as an author, newest first.
    pub async fn mine(
        &self,
        viewer: &Viewer,
        status: Option<&str>,
        cursor: Option<&str>,
        limit: Option<i64>,
    ) -> ServiceResult<Page<FeatureView>> {
        let status = status_filter(status)?;
        let before = id_cursor(cursor)?;
        let n = limit.unwrap_or(LIST_DEFAULT).clamp(1, LIST_MAX);
        let mut h = self.db.read().await?;
        let mut c = h.conn();
        let rows =
            ugc::list_for_author(reborrow(&mut c), viewer.user_id, status, before, n + 1).await?;
        Ok(id_page(self.views(c, rows).await?, n))
    }

    /// A shop's requests and featured posts for its owner and staff (others 404).
    pub async fn shop_list(
        &self,
        viewer: &Viewer,
        handle: &str,
        status: Option<&str>,
        cursor: Option<&str>,
        limit: Option<i64>,
    ) -> ServiceResult<ShopFeatures> {
        let status = status_filter(status)?;
        let before = id_cursor(cursor)?;
        let n = limit.unwrap_or(LIST_DEFAULT).clamp(1, LIST_MAX);
        let mut h = self.db.read().await?;
        let mut c = h.conn();
        let access =
            require_staff(reborrow(&mut c), viewer, ShopRef::Handle(handle), false).await?;
        let name = souk_store::shops::by_id(reborrow(&mut c), access.shop_id)
            .await?
            .map(|s| s.name)
            .unwrap_or_default();
        let rows =
            ugc::list_for_shop(reborrow(&mut c), access.shop_id, status, before, n + 1).await?;
        let features = id_page(self.views(c, rows).await?, n);
        Ok(ShopFeatures {
            shop_id: access.shop_id,
            handle: access.handle,
            name,
            features,
        })
    }

    /// The posts a shop features, as the public sees them (approved only), newest feature first.
    pub async fn featured(
        &self,
        viewer: Option<&Viewer>,
        handle: &str,
        cursor: Option<&str>,
        limit: Option<i64>,
    ) -> ServiceResult<Page<FeatureRecord>> {
        let before = id_cursor(cursor)?;
        let n = limit.unwrap_or(LIST_DEFAULT).clamp(1, LIST_MAX);
        let mut h = self.db.read().await?;
        let mut c = h.conn();
        let shop =
            souk_store::shops::by_handle_key(reborrow(&mut c), &handle.trim().to_ascii_lowercase())
                .await?
                .ok_or(ServiceError::NotFound)?;
        let mut items = ugc::featured_for_shop(
            c,
            shop.id,
            viewer.map(|v| v.user_id).unwrap_or(0),
            before,
            n + 1,
        )
        .await?;
        let keep = usize::try_from(n).unwrap_or(0);
        let more = items.len() > keep;
        items.truncate(keep);
        let next_cursor = if more {
            items.last().map(|f| f.id.to_string())
        } else {
            None
        };
        Ok(Page { items, next_cursor })
    }

    /// The shops the viewer works for that could ask to feature this post, with where each stands. Empty
    /// for the post's author, for accounts without a shop, and for posts that cannot be featured.
    pub async fn request_options(
        &self,
        viewer: &Viewer,
        post_id: i64,
    ) -> ServiceResult<Vec<RequestOption>> {
        let mut h = self.db.read().await?;
        let mut c = h.conn();
        let shops = ugc::shops_of_staff(reborrow(&mut c), viewer.user_id).await?;
        if shops.is_empty() {
            return Ok(Vec::new());
        }
        let Some(post) =
            souk_store::posts::by_id(reborrow(&mut c), viewer.user_id, post_id).await?
        else {
            return Ok(Vec::new());
        };
        if post.author_id == viewer.user_id || post.repost_of.is_some() {
            return Ok(Vec::new());
        }
        let now = Timestamp::now().as_micros();
        let mut out = Vec::with_capacity(shops.len());
        for (shop_id, handle, name) in shops {
            if ugc::is_staff(reborrow(&mut c), shop_id, post.author_id).await? {
                continue;
            }
            let existing = ugc::by_shop_post(reborrow(&mut c), shop_id, post_id).await?;
            out.push(RequestOption {
                shop_id,
                handle,
                name,
                can_request: existing
                    .as_ref()
                    .is_none_or(|f| refusal_for(f, now).is_none()),
                status: existing.map(|f| f.status),
            });
        }
        Ok(out)
    }
}
