//! Product reviews: who may write one (the buyer of a delivered order line, once per line), photos through
//! the image pipeline, the merchant's single public reply, helpful votes, reports, and moderation.
//!
//! Merchants cannot delete or hide a review directly. A review is hidden only by deciding an open report
//! ("uphold") with a reason from [`MODERATION_REASONS`]; a bad rating on its own is not one of them. Every
//! hide, unhide, dismissal and reply is written to the audit log the operator reads, and only an operator
//! can reverse an upheld report. Hidden reviews leave the product's aggregates and its page but their
//! author still sees them, marked hidden.
//!
//! Rating aggregates change in the same transaction as the review write, by relative increments, under the
//! review's row lock when an existing review changes (see `souk_store::reviews`).

use crate::media::{Media, MediaError, StoredImage};
use crate::shops::{ShopRef, require_staff};
use crate::social::{Page, Upload, media_prefix};
use crate::{Refusal, ServiceError, ServiceResult, Viewer};
use souk_domain::{FieldError, Timestamp};
use souk_store::reviews::{
    self, AuditRecord, DeliveredLine, ListFilter, NewAudit, NewReview, PhotoRecord, RatingSummary,
    ReportRecord, ReviewRecord, Sort,
};
use souk_store::{Conn, Db};
use std::sync::Arc;

pub const MAX_PHOTOS: usize = 5;
pub const TITLE_MAX: usize = 120;
pub const BODY_MAX: usize = 5000;
pub const FIT_NOTE_MAX: usize = 200;
pub const REPLY_MAX: usize = 2000;
pub const NOTE_MAX: usize = 1000;
/// Why a review may be reported and hidden. Being negative is deliberately not a reason.
pub const MODERATION_REASONS: [&str; 5] = [
    "spam",
    "offensive",
    "off_topic",
    "personal_info",
    "not_about_product",
];
const PAGE_DEFAULT: i64 = 10;
const PAGE_MAX: i64 = 50;

/// A new review as the buyer wrote it. Without `order_line_id` the buyer's oldest delivered, not yet
/// reviewed line of the product is used.
#[derive(Debug, Clone, Default)]
pub struct ReviewInput {
    pub order_line_id: Option<i64>,
    pub rating: i64,
    pub title: String,
    pub body: String,
    pub fit_note: String,
}

/// Fields the author changes; `None` keeps the current value.
#[derive(Debug, Clone, Default)]
pub struct ReviewPatch {
    pub rating: Option<i64>,
    pub title: Option<String>,
    pub body: Option<String>,
    pub fit_note: Option<String>,
}

/// Filters and order of a product's review list.
#[derive(Debug, Clone, Default)]
pub struct ReviewQuery {
    pub stars: Option<i64>,
    pub with_photos: bool,
    /// `newest` (default) or `helpful`.
    pub sort: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct ReviewView {
    pub review: ReviewRecord,
    pub photos: Vec<PhotoRecord>,
    pub helpful_by_me: bool,
    /// The viewer wrote it (and so may edit or delete it, and sees it while hidden).
    pub mine: bool,
}

impl ReviewView {
    pub fn hidden(&self) -> bool {
        self.review.status == "hidden"
    }
}

/// A decision on a report: uphold (hide the review), dismiss, or, operators only, reverse an upheld one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Uphold,
    Dismiss,
    Reverse,
}

impl Decision {
    pub fn parse(s: &str) -> ServiceResult<Decision> {
        match s.trim() {
            "uphold" => Ok(Decision::Uphold),
            "dismiss" => Ok(Decision::Dismiss),
            "reverse" => Ok(Decision::Reverse),
            _ => Err(ServiceError::field(
                "decision",
                "decision_invalid",
                "Decision must be uphold, dismiss or reverse.",
            )),
        }
    }
}

/// A shop's reviews for its staff: every review (hidden ones too) and the open reports.
pub struct ShopReviews {
    pub shop_id: i64,
    pub handle: String,
    pub reviews: Page<ReviewView>,
    pub open_reports: Vec<ReportRecord>,
}

#[derive(Clone)]
pub struct ReviewService {
    db: Db,
    media: Arc<Media>,
}

fn check_text(
    raw: &str,
    field: &'static str,
    max: usize,
    code: &'static str,
    errors: &mut Vec<FieldError>,
) -> String {
    let s = raw.trim().replace("\r\n", "\n");
    if s.chars().count() > max {
        errors.push(FieldError::new(
            field,
            code,
            format!("Must be at most {max} characters."),
        ));
    }
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        errors.push(FieldError::new(
            field,
            "control_characters",
            "Remove control characters.",
        ));
    }
    s
}

fn check_rating(rating: i64, errors: &mut Vec<FieldError>) {
    if !(1..=5).contains(&rating) {
        errors.push(FieldError::new(
            "rating",
            "rating_out_of_range",
            "Rating must be 1 to 5 stars.",
        ));
    }
}

fn not_a_buyer() -> ServiceError {
    ServiceError::refused(
        Refusal::Forbidden,
        "not_a_buyer",
        "Only a buyer whose order of this product was delivered can review it.",
    )
}

fn already_reviewed() -> ServiceError {
    ServiceError::refused(
        Refusal::Conflict,
        "already_reviewed",
        "You already reviewed this purchase. Edit your review instead.",
    )
}

fn image_error(index: usize, e: MediaError) -> ServiceError {
    if e.is_user_error() {
        ServiceError::Validation(vec![FieldError::new(
            "images",
            e.code(),
            format!("Photo {}: {e}", index + 1),
        )])
    } else {
        ServiceError::Internal(e.to_string())
    }
}

fn check_reason(reason: &str) -> ServiceResult<&'static str> {
    MODERATION_REASONS
        .iter()
        .find(|r| **r == reason.trim())
        .copied()
        .ok_or_else(|| {
            ServiceError::field(
                "reason",
                "reason_invalid",
                format!("Reason must be one of {}.", MODERATION_REASONS.join(", ")),
            )
        })
}

fn check_note(note: &str, field: &'static str) -> ServiceResult<String> {
    let mut errors = Vec::new();
    let s = check_text(note, field, NOTE_MAX, "note_too_long", &mut errors);
    if errors.is_empty() {
        Ok(s)
    } else {
        Err(ServiceError::Validation(errors))
    }
}

/// Cursor of the review list: `id` (newest first) or `helpful.id` (most helpful first).
fn parse_cursor(cursor: Option<&str>, sort: Sort) -> ServiceResult<Option<(i64, i64)>> {
    let Some(c) = cursor.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    let bad = || ServiceError::field("cursor", "cursor_invalid", "The cursor is not valid.");
    let parsed = match (sort, c.split_once('.')) {
        (Sort::Newest, None) => c.parse::<i64>().ok().map(|id| (0, id)),
        (Sort::Helpful, Some((h, id))) => h.parse::<i64>().ok().zip(id.parse::<i64>().ok()),
        _ => None,
    };
    parsed
        .filter(|(h, id)| *h >= 0 && *id > 0)
        .map(Some)
        .ok_or_else(bad)
}

fn reborrow<'a>(c: &'a mut Conn<'_>) -> Conn<'a> {
    match c {
        Conn::Sqlite(c) => Conn::Sqlite(c),
        Conn::Postgres(c) => Conn::Postgres(c),
    }
}

/// Whether the viewer is staff of the shop (without revealing anything when not).
async fn is_staff(c: Conn<'_>, viewer: Option<&Viewer>, shop_id: i64) -> ServiceResult<bool> {
    let Some(v) = viewer else {
        return Ok(false);
    };
    match require_staff(c, v, ShopRef::Id(shop_id), false).await {
        Ok(_) => Ok(true),
        Err(ServiceError::NotFound) => Ok(false),
        Err(e) => Err(e),
    }
}

impl ReviewService {
    pub fn new(db: Db, media: Arc<Media>) -> Self {
        Self { db, media }
    }

    async fn views(
        &self,
        c: Conn<'_>,
        viewer: Option<&Viewer>,
        rows: Vec<ReviewRecord>,
    ) -> ServiceResult<Vec<ReviewView>> {
        let mut c = c;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let me = viewer.map(|v| v.user_id).unwrap_or(0);
        let photos = reviews::photos_of(reborrow(&mut c), &ids).await?;
        let helpful = reviews::helpful_of(c, me, &ids).await?;
        Ok(rows
            .into_iter()
            .map(|r| ReviewView {
                photos: photos
                    .iter()
                    .filter(|p| p.review_id == r.id)
                    .cloned()
                    .collect(),
                helpful_by_me: helpful.contains(&r.id),
                mine: r.author_id == me,
                review: r,
            })
            .collect())
    }

    /// A product's reviews as `viewer` may see them: visible ones, plus the viewer's own hidden ones.
    pub async fn list(
        &self,
        viewer: Option<&Viewer>,
        product_id: i64,
        q: &ReviewQuery,
    ) -> ServiceResult<Page<ReviewView>> {
        let product = {
            let mut h = self.db.read().await?;
            crate::catalog::product_view(h.conn(), viewer, product_id).await?
        };
        self.list_of(viewer, &product, q).await
    }

    /// [`Self::list`] for a product the caller already loaded for this viewer (through the catalog
    /// service, which checked that the viewer may see it), so the product page does not load it again.
    pub async fn list_of(
        &self,
        viewer: Option<&Viewer>,
        product: &crate::catalog::ProductView,
        q: &ReviewQuery,
    ) -> ServiceResult<Page<ReviewView>> {
        let product_id = product.product.id;
        let sort = match q.sort.as_deref().map(str::trim).unwrap_or("") {
            "" | "newest" => Sort::Newest,
            "helpful" | "most_helpful" => Sort::Helpful,
            _ => {
                return Err(ServiceError::field(
                    "sort",
                    "sort_invalid",
                    "Sort by newest or helpful.",
                ));
            }
        };
        let stars = q.stars.unwrap_or(0);
        if !(0..=5).contains(&stars) {
            return Err(ServiceError::field(
                "stars",
                "rating_out_of_range",
                "Stars must be 1 to 5.",
            ));
        }
        let after = parse_cursor(q.cursor.as_deref(), sort)?;
        let n = q.limit.unwrap_or(PAGE_DEFAULT).clamp(1, PAGE_MAX);
        let mut h = self.db.read().await?;
        let mut c = h.conn();
        let rows = reviews::list(
            reborrow(&mut c),
            &ListFilter {
                product_id,
                viewer_id: viewer.map(|v| v.user_id).unwrap_or(0),
                stars,
                with_photos: q.with_photos,
                sort,
                after,
                limit: n + 1,
            },
        )
        .await?;
        let mut items = self.views(c, viewer, rows).await?;
        let keep = usize::try_from(n).unwrap_or(0);
        let more = items.len() > keep;
        items.truncate(keep);
        let next_cursor = if more {
            items.last().map(|v| match sort {
                Sort::Newest => v.review.id.to_string(),
                Sort::Helpful => format!("{}.{}", v.review.helpful_count, v.review.id),
            })
        } else {
            None
        };
        Ok(Page { items, next_cursor })
    }

    /// The product's rating aggregate (404 for a product the viewer may not see).
    pub async fn rating(
        &self,
        viewer: Option<&Viewer>,
        product_id: i64,
    ) -> ServiceResult<RatingSummary> {
        let mut h = self.db.read().await?;
        let mut c = h.conn();
        crate::catalog::product_view(reborrow(&mut c), viewer, product_id).await?;
        Ok(reviews::rating(c, product_id).await?)
    }

    /// The aggregate counted again from the reviews, for consistency checks.
    pub async fn recount(&self, product_id: i64) -> ServiceResult<RatingSummary> {
        let mut h = self.db.read().await?;
        Ok(reviews::recount(h.conn(), product_id).await?)
    }

    /// The viewer's delivered order lines (of one product and/or one order; 0 = any) with their reviews.
    pub async fn reviewable_lines(
        &self,
        viewer: &Viewer,
        product_id: i64,
        order_id: i64,
    ) -> ServiceResult<Vec<DeliveredLine>> {
        let mut h = self.db.read().await?;
        Ok(reviews::delivered_lines(h.conn(), viewer.user_id, product_id, order_id).await?)
    }

    /// One review, if the viewer may see it: visible, or their own, or staff of its shop, or an operator.
    pub async fn get(&self, viewer: Option<&Viewer>, id: i64) -> ServiceResult<ReviewView> {
        let mut h = self.db.read().await?;
        let mut c = h.conn();
        let r = self.visible_record(reborrow(&mut c), viewer, id).await?;
        self.views(c, viewer, vec![r])
            .await?
            .into_iter()
            .next()
            .ok_or(ServiceError::NotFound)
    }

    async fn visible_record(
        &self,
        c: Conn<'_>,
        viewer: Option<&Viewer>,
        id: i64,
    ) -> ServiceResult<ReviewRecord> {
        let mut c = c;
        let r = reviews::get(reborrow(&mut c), id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let ok = r.status == "visible"
            || viewer.is_some_and(|v| v.user_id == r.author_id || v.is_admin())
            || is_staff(c, viewer, r.shop_id).await?;
        if ok {
            Ok(r)
        } else {
            Err(ServiceError::NotFound)
        }
    }

    /// Writes a review of a delivered order line, with up to [`MAX_PHOTOS`] photos.
    pub async fn create(
        &self,
        viewer: &Viewer,
        product_id: i64,
        input: ReviewInput,
        uploads: Vec<Upload>,
    ) -> ServiceResult<ReviewView> {
        self.create_as_of(viewer, product_id, input, uploads, Timestamp::now())
            .await
    }

    /// [`Self::create`] at a given time (demo data spreads reviews over the past days).
    pub async fn create_as_of(
        &self,
        viewer: &Viewer,
        product_id: i64,
        input: ReviewInput,
        uploads: Vec<Upload>,
        at: Timestamp,
    ) -> ServiceResult<ReviewView> {
        let mut errors = Vec::new();
        check_rating(input.rating, &mut errors);
        let title = check_text(
            &input.title,
            "title",
            TITLE_MAX,
            "title_too_long",
            &mut errors,
        );
        let body = check_text(&input.body, "body", BODY_MAX, "body_too_long", &mut errors);
        let fit_note = check_text(
            &input.fit_note,
            "fit_note",
            FIT_NOTE_MAX,
            "fit_note_too_long",
            &mut errors,
        );
        if uploads.len() > MAX_PHOTOS {
            errors.push(FieldError::new(
                "images",
                "too_many_images",
                format!("A review has at most {MAX_PHOTOS} photos."),
            ));
        }
        for u in &uploads {
            if let Err(e) = souk_domain::social::parse_alt_text(&u.alt_text) {
                errors.push(e);
            }
        }
        if !errors.is_empty() {
            return Err(ServiceError::Validation(errors));
        }
        // Eligibility before any image work.
        let line = {
            let mut h = self.db.read().await?;
            let mut c = h.conn();
            crate::catalog::product_view(reborrow(&mut c), Some(viewer), product_id).await?;
            let lines = reviews::delivered_lines(c, viewer.user_id, product_id, 0).await?;
            pick_line(&lines, input.order_line_id)?
        };
        let mut stored: Vec<(StoredImage, String)> = Vec::with_capacity(uploads.len());
        for (i, u) in uploads.into_iter().enumerate() {
            match self.media.pipeline.ingest_source(u.image).await {
                Ok(img) => stored.push((img, u.alt_text.trim().to_owned())),
                Err(e) => {
                    self.forget(stored.iter().map(|(s, _)| s.key_prefix.clone()))
                        .await;
                    return Err(image_error(i, e));
                }
            }
        }
        let written = self
            .write_review(
                viewer,
                &line,
                &input,
                (&title, &body, &fit_note),
                &stored,
                at,
            )
            .await;
        match written {
            Ok(id) => self.get(Some(viewer), id).await,
            Err(e) => {
                self.forget(stored.iter().map(|(s, _)| s.key_prefix.clone()))
                    .await;
                Err(e)
            }
        }
    }

    async fn write_review(
        &self,
        viewer: &Viewer,
        line: &DeliveredLine,
        input: &ReviewInput,
        (title, body, fit_note): (&str, &str, &str),
        photos: &[(StoredImage, String)],
        at: Timestamp,
    ) -> ServiceResult<i64> {
        let mut tx = self.db.begin().await?;
        let inserted = reviews::insert(
            tx.conn(),
            &NewReview {
                order_line_id: line.line_id,
                product_id: line.product_id,
                variant_id: line.variant_id,
                shop_id: line.shop_id,
                author_id: viewer.user_id,
                rating: input.rating,
                title,
                body,
                fit_note,
                variant_title: &line.variant_title,
                photo_count: i64::try_from(photos.len()).unwrap_or(0),
                now: at.as_micros(),
            },
        )
        .await;
        let id = match inserted {
            Ok(id) => id,
            Err(e) if e.is_unique_on("order_line") => return Err(already_reviewed()),
            Err(e) => return Err(e.into()),
        };
        for (i, (img, alt)) in photos.iter().enumerate() {
            reviews::insert_photo(
                tx.conn(),
                &PhotoRecord {
                    review_id: id,
                    position: i32::try_from(i).unwrap_or(0),
                    media_key: img.original_key(),
                    width: i32::try_from(img.width).unwrap_or(i32::MAX),
                    height: i32::try_from(img.height).unwrap_or(i32::MAX),
                    alt_text: alt.clone(),
                },
            )
            .await?;
        }
        rate(tx.conn(), line.product_id, input.rating, 1).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The author edits their review's rating or text; the aggregates follow.
    pub async fn edit(
        &self,
        viewer: &Viewer,
        id: i64,
        patch: ReviewPatch,
    ) -> ServiceResult<ReviewView> {
        let current = self.get(Some(viewer), id).await?;
        if !current.mine {
            return Err(ServiceError::NotFound);
        }
        let mut errors = Vec::new();
        let rating = patch.rating.unwrap_or(i64::from(current.review.rating));
        check_rating(rating, &mut errors);
        let title = check_text(
            patch.title.as_deref().unwrap_or(&current.review.title),
            "title",
            TITLE_MAX,
            "title_too_long",
            &mut errors,
        );
        let body = check_text(
            patch.body.as_deref().unwrap_or(&current.review.body),
            "body",
            BODY_MAX,
            "body_too_long",
            &mut errors,
        );
        let fit_note = check_text(
            patch
                .fit_note
                .as_deref()
                .unwrap_or(&current.review.fit_note),
            "fit_note",
            FIT_NOTE_MAX,
            "fit_note_too_long",
            &mut errors,
        );
        if !errors.is_empty() {
            return Err(ServiceError::Validation(errors));
        }
        let mut tx = self.db.begin().await?;
        let locked = reviews::lock(tx.conn(), id)
            .await?
            .filter(|l| l.author_id == viewer.user_id)
            .ok_or(ServiceError::NotFound)?;
        reviews::update_text(
            tx.conn(),
            id,
            rating,
            &title,
            &body,
            &fit_note,
            Timestamp::now().as_micros(),
        )
        .await?;
        if locked.status == "visible" && locked.rating != rating {
            rate(tx.conn(), locked.product_id, locked.rating, -1).await?;
            rate(tx.conn(), locked.product_id, rating, 1).await?;
        }
        tx.commit().await?;
        self.get(Some(viewer), id).await
    }

    /// The author deletes their review (with its photos, votes and reply). The audit log keeps its entries.
    pub async fn delete(&self, viewer: &Viewer, id: i64) -> ServiceResult<()> {
        let mut tx = self.db.begin().await?;
        let locked = reviews::lock(tx.conn(), id)
            .await?
            .filter(|l| l.author_id == viewer.user_id)
            .ok_or(ServiceError::NotFound)?;
        let keys = reviews::delete(tx.conn(), id).await?;
        if locked.status == "visible" {
            rate(tx.conn(), locked.product_id, locked.rating, -1).await?;
        }
        tx.commit().await?;
        self.forget(keys.iter().map(|k| media_prefix(k).to_owned()))
            .await;
        Ok(())
    }

    /// The shop's one public reply to a review (staff of the review's shop only).
    pub async fn reply(&self, viewer: &Viewer, id: i64, body: &str) -> ServiceResult<ReviewView> {
        let mut errors = Vec::new();
        let text = check_text(body, "body", REPLY_MAX, "reply_too_long", &mut errors);
        if text.is_empty() {
            errors.push(FieldError::new("body", "reply_required", "Write a reply."));
        }
        let mut tx = self.db.begin().await?;
        let locked = reviews::lock(tx.conn(), id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        require_staff(tx.conn(), viewer, ShopRef::Id(locked.shop_id), false).await?;
        if !errors.is_empty() {
            return Err(ServiceError::Validation(errors));
        }
        let now = Timestamp::now().as_micros();
        match reviews::insert_reply(tx.conn(), id, viewer.user_id, &text, now).await {
            Ok(_) => {}
            Err(e) if e.is_unique_on("review") => {
                return Err(ServiceError::refused(
                    Refusal::Conflict,
                    "already_replied",
                    "This review already has the shop's reply.",
                ));
            }
            Err(e) => return Err(e.into()),
        }
        reviews::insert_audit(
            tx.conn(),
            &NewAudit {
                review_id: id,
                shop_id: locked.shop_id,
                product_id: locked.product_id,
                actor_id: viewer.user_id,
                action: "reply",
                reason: "",
                note: &text,
                report_id: None,
                now,
            },
        )
        .await?;
        tx.commit().await?;
        self.get(Some(viewer), id).await
    }

    /// Votes a review helpful (`on`) or withdraws the vote; one vote per account. Returns the new count.
    pub async fn set_helpful(&self, viewer: &Viewer, id: i64, on: bool) -> ServiceResult<i64> {
        self.get(Some(viewer), id).await?;
        let mut tx = self.db.begin().await?;
        let n = reviews::set_helpful(
            tx.conn(),
            id,
            viewer.user_id,
            on,
            Timestamp::now().as_micros(),
        )
        .await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Reports a review for moderation by its shop (and the operators).
    pub async fn report(
        &self,
        viewer: &Viewer,
        id: i64,
        reason: &str,
        note: &str,
    ) -> ServiceResult<i64> {
        let review = self.get(Some(viewer), id).await?;
        let reason = check_reason(reason)?;
        let note = check_note(note, "note")?;
        let mut tx = self.db.begin().await?;
        let rid = reviews::insert_report(
            tx.conn(),
            review.review.id,
            viewer.user_id,
            reason,
            &note,
            Timestamp::now().as_micros(),
        )
        .await?;
        tx.commit().await?;
        Ok(rid)
    }

    /// Decides a report. Staff of the review's shop and operators may uphold (hiding the review, with a
    /// reason from [`MODERATION_REASONS`]) or dismiss an open report; only operators may reverse an upheld
    /// one (the review is shown again). Every decision is audited.
    pub async fn decide(
        &self,
        viewer: &Viewer,
        review_id: i64,
        report_id: i64,
        decision: Decision,
        reason: &str,
        note: &str,
    ) -> ServiceResult<ReviewView> {
        let mut tx = self.db.begin().await?;
        let locked = reviews::lock(tx.conn(), review_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        if !viewer.is_admin() {
            require_staff(tx.conn(), viewer, ShopRef::Id(locked.shop_id), false).await?;
        }
        let report = reviews::report(tx.conn(), report_id)
            .await?
            .filter(|r| r.review_id == review_id)
            .ok_or(ServiceError::NotFound)?;
        let note = check_note(note, "note")?;
        let now = Timestamp::now().as_micros();
        let closed = || {
            ServiceError::refused(
                Refusal::Conflict,
                "report_closed",
                "This report has already been decided.",
            )
        };
        let (action, reason) = match decision {
            Decision::Uphold => {
                let reason = if reason.trim().is_empty() {
                    check_reason(&report.reason)?
                } else {
                    check_reason(reason)?
                };
                if !reviews::decide_report(
                    tx.conn(),
                    report_id,
                    "open",
                    "upheld",
                    viewer.user_id,
                    &note,
                    now,
                )
                .await?
                {
                    return Err(closed());
                }
                if locked.status == "visible" {
                    reviews::set_status(tx.conn(), review_id, "hidden", Some(reason), now).await?;
                    rate(tx.conn(), locked.product_id, locked.rating, -1).await?;
                }
                ("hide", reason)
            }
            Decision::Dismiss => {
                if !reviews::decide_report(
                    tx.conn(),
                    report_id,
                    "open",
                    "dismissed",
                    viewer.user_id,
                    &note,
                    now,
                )
                .await?
                {
                    return Err(closed());
                }
                ("dismiss", report.reason.as_str())
            }
            Decision::Reverse => {
                if !viewer.is_admin() {
                    return Err(ServiceError::refused(
                        Refusal::Forbidden,
                        "operator_only",
                        "Only an operator can reverse a moderation decision.",
                    ));
                }
                if !reviews::decide_report(
                    tx.conn(),
                    report_id,
                    "upheld",
                    "dismissed",
                    viewer.user_id,
                    &note,
                    now,
                )
                .await?
                {
                    return Err(ServiceError::refused(
                        Refusal::Conflict,
                        "report_not_upheld",
                        "Only an upheld report can be reversed.",
                    ));
                }
                if locked.status == "hidden" {
                    reviews::set_status(tx.conn(), review_id, "visible", None, now).await?;
                    rate(tx.conn(), locked.product_id, locked.rating, 1).await?;
                }
                ("unhide", report.reason.as_str())
            }
        };
        reviews::insert_audit(
            tx.conn(),
            &NewAudit {
                review_id,
                shop_id: locked.shop_id,
                product_id: locked.product_id,
                actor_id: viewer.user_id,
                action,
                reason,
                note: &note,
                report_id: Some(report_id),
                now,
            },
        )
        .await?;
        tx.commit().await?;
        self.get(Some(viewer), review_id).await
    }

    /// The moderation audit log for operators (others get 404), newest first.
    pub async fn audit(
        &self,
        viewer: &Viewer,
        cursor: Option<&str>,
        limit: Option<i64>,
    ) -> ServiceResult<Page<AuditRecord>> {
        if !viewer.is_admin() {
            return Err(ServiceError::NotFound);
        }
        let before = match cursor.map(str::trim).filter(|c| !c.is_empty()) {
            None => i64::MAX,
            Some(c) => c.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
                ServiceError::field("cursor", "cursor_invalid", "The cursor is not valid.")
            })?,
        };
        let n = limit.unwrap_or(50).clamp(1, 200);
        let mut h = self.db.read().await?;
        let mut items = reviews::audit(h.conn(), 0, before, n + 1).await?;
        let more = items.len() > usize::try_from(n).unwrap_or(0);
        items.truncate(usize::try_from(n).unwrap_or(0));
        let next_cursor = if more {
            items.last().map(|a| a.id.to_string())
        } else {
            None
        };
        Ok(Page { items, next_cursor })
    }

    /// Open reports across every shop with their reviews, for the operator (others get 404).
    pub async fn open_reports_all(
        &self,
        viewer: &Viewer,
    ) -> ServiceResult<Vec<(ReportRecord, ReviewView)>> {
        if !viewer.is_admin() {
            return Err(ServiceError::NotFound);
        }
        let mut h = self.db.read().await?;
        let reports = reviews::open_reports(h.conn(), 0, 200).await?;
        drop(h);
        let mut out = Vec::with_capacity(reports.len());
        for r in reports {
            if let Ok(v) = self.get(Some(viewer), r.review_id).await {
                out.push((r, v));
            }
        }
        Ok(out)
    }

    /// A shop's reviews and open reports for its staff (others get 404).
    pub async fn shop_reviews(
        &self,
        viewer: &Viewer,
        handle: &str,
        cursor: Option<&str>,
    ) -> ServiceResult<ShopReviews> {
        let before = match cursor.map(str::trim).filter(|c| !c.is_empty()) {
            None => i64::MAX,
            Some(c) => c.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
                ServiceError::field("cursor", "cursor_invalid", "The cursor is not valid.")
            })?,
        };
        let n = 20;
        let mut h = self.db.read().await?;
        let mut c = h.conn();
        let access =
            require_staff(reborrow(&mut c), viewer, ShopRef::Handle(handle), false).await?;
        let rows = reviews::list_for_shop(reborrow(&mut c), access.shop_id, before, n + 1).await?;
        let open_reports = reviews::open_reports(reborrow(&mut c), access.shop_id, 200).await?;
        let mut items = self.views(c, Some(viewer), rows).await?;
        let more = items.len() > usize::try_from(n).unwrap_or(0);
        items.truncate(usize::try_from(n).unwrap_or(0));
        let next_cursor = if more {
            items.last().map(|v| v.review.id.to_string())
        } else {
            None
        };
        Ok(ShopReviews {
            shop_id: access.shop_id,
            handle: access.handle,
            reviews: Page { items, next_cursor },
            open_reports,
        })
    }

    /// Reviews the viewer wrote, newest first (hidden ones included, so they can see the note).
    pub async fn mine(&self, viewer: &Viewer) -> ServiceResult<Vec<ReviewView>> {
        let mut h = self.db.read().await?;
        let mut c = h.conn();
        let rows = reviews::list_for_author(reborrow(&mut c), viewer.user_id, 100).await?;
        self.views(c, Some(viewer), rows).await
    }

    /// Best-effort file cleanup: a leftover file wastes space but breaks nothing.
    async fn forget(&self, prefixes: impl Iterator<Item = String>) {
        for p in prefixes {
            if let Err(e) = self.media.store.delete_prefix(&p).await {
                tracing::warn!(prefix = %p, error = %e, "could not delete review photo files");
            }
        }
    }
}

/// The line a new review is about: the one asked for, or the oldest not yet reviewed.
fn pick_line(lines: &[DeliveredLine], wanted: Option<i64>) -> ServiceResult<DeliveredLine> {
    let line = match wanted {
        Some(id) => lines
            .iter()
            .find(|l| l.line_id == id)
            .ok_or_else(not_a_buyer)?,
        None => {
            if lines.is_empty() {
                return Err(not_a_buyer());
            }
            lines
                .iter()
                .find(|l| l.review_id.is_none())
                .ok_or_else(already_reviewed)?
        }
    };
    if line.review_id.is_some() {
        return Err(already_reviewed());
    }
    Ok(line.clone())
}

/// Moves a product's rating aggregate and announces the change to search, whose rating facet and
/// filter read it, in the same transaction.
async fn rate(mut c: Conn<'_>, product_id: i64, rating: i64, delta: i64) -> ServiceResult<()> {
    reviews::adjust_rating(crate::ledger::rb(&mut c), product_id, rating, delta).await?;
    crate::search::product_changed(c, "product.rated", product_id).await
}
