//! Shops: opening one, settings, branding drafts and publishing, staff, and the one permission check every
//! shop-scoped action goes through ([`require_staff`]).

use crate::media::Media;
use crate::social::Page;
use crate::{Refusal, ServiceError, ServiceResult, Viewer};
use souk_domain::commerce::{CheckoutMode, Color, ShopFont, ShopHandle, ShopRole};
use souk_domain::{AccountKind, Currency, Email, FieldError, Timestamp};
use souk_store::shops::{self, ShopRecord, ShopSettings};
use souk_store::{Conn, Db};
use std::sync::Arc;

#[derive(Clone)]
pub struct ShopService {
    db: Db,
    media: Arc<Media>,
}

/// A shop's look: live columns, or the unpublished draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrandingView {
    pub accent_color: String,
    pub background_color: String,
    pub font: ShopFont,
    pub logo_key: Option<String>,
    pub cover_key: Option<String>,
    /// Featured collections in order, when the draft changes them (live ones live on the collections).
    pub featured: Option<Vec<i64>>,
}

/// A shop as one viewer sees it.
#[derive(Debug, Clone)]
pub struct ShopView {
    pub shop: ShopRecord,
    pub currency: Currency,
    pub checkout_mode: CheckoutMode,
    /// The viewer's role, when they are staff.
    pub role: Option<ShopRole>,
    /// Published branding.
    pub branding: BrandingView,
    /// Unpublished branding (staff only; None when nothing is pending).
    pub draft: Option<BrandingView>,
}

impl ShopView {
    pub fn is_staff(&self) -> bool {
        self.role.is_some()
    }

    pub fn is_owner(&self) -> bool {
        self.role == Some(ShopRole::Owner)
    }
}

/// Opening a shop.
#[derive(Debug, Clone, Default)]
pub struct OpenShop {
    pub handle: String,
    pub name: String,
    pub currency: String,
    pub settings: ShopPatch,
}

/// Shop settings to change; `None` keeps the current value.
#[derive(Debug, Clone, Default)]
pub struct ShopPatch {
    pub name: Option<String>,
    pub description: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub return_policy: Option<String>,
    pub checkout_mode: Option<String>,
    pub website_url: Option<String>,
}

/// A staff member as listed on the staff page.
#[derive(Debug, Clone)]
pub struct StaffMember {
    pub user_id: i64,
    pub username: String,
    pub role: ShopRole,
}

/// An absolute http(s) URL or empty; anything else (javascript:, data:, relative) is refused.
pub fn parse_http_url(raw: &str, field: &'static str) -> Result<String, FieldError> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(String::new());
    }
    let lower = s.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    let host_ok = rest
        .map(|r| r.split(['/', '?', '#']).next().unwrap_or(""))
        .is_some_and(|h| !h.is_empty() && !h.contains(char::is_whitespace));
    if !host_ok || s.chars().count() > 2000 || s.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            "invalid_url",
            "Enter a full web address starting with http:// or https://.",
        ));
    }
    Ok(s.to_owned())
}

pub(crate) fn text(
    raw: &str,
    field: &'static str,
    max: usize,
    required: bool,
) -> Result<String, FieldError> {
    let s = raw.trim();
    if required && s.is_empty() {
        return Err(FieldError::new(
            field,
            "required",
            format!("{field} is required."),
        ));
    }
    if s.chars().count() > max {
        return Err(FieldError::new(
            field,
            "too_long",
            format!("{field} can be at most {max} characters."),
        ));
    }
    Ok(s.to_owned())
}

fn apply_patch(current: &mut ShopSettings, p: &ShopPatch) -> ServiceResult<()> {
    let mut errors = Vec::new();
    let mut take = |r: Result<String, FieldError>, slot: &mut String| match r {
        Ok(v) => *slot = v,
        Err(e) => errors.push(e),
    };
    if let Some(v) = &p.name {
        take(text(v, "name", 80, true), &mut current.name);
    }
    if let Some(v) = &p.description {
        take(
            text(v, "description", 2000, false),
            &mut current.description,
        );
    }
    if let Some(v) = &p.contact_email {
        let r = if v.trim().is_empty() {
            Ok(String::new())
        } else {
            Email::parse(v)
                .map(|e| e.as_str().to_owned())
                .map_err(|e| FieldError::new("contact_email", e.code, e.message))
        };
        take(r, &mut current.contact_email);
    }
    if let Some(v) = &p.contact_phone {
        take(
            text(v, "contact_phone", 40, false),
            &mut current.contact_phone,
        );
    }
    if let Some(v) = &p.return_policy {
        take(
            text(v, "return_policy", 5000, false),
            &mut current.return_policy,
        );
    }
    if let Some(v) = &p.checkout_mode {
        take(
            CheckoutMode::parse(v, "checkout_mode").map(|m| m.as_str().to_owned()),
            &mut current.checkout_mode,
        );
    }
    if let Some(v) = &p.website_url {
        take(parse_http_url(v, "website_url"), &mut current.website_url);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ServiceError::Validation(errors))
    }
}

fn settings_of(s: &ShopRecord) -> ShopSettings {
    ShopSettings {
        name: s.name.clone(),
        description: s.description.clone(),
        contact_email: s.contact_email.clone(),
        contact_phone: s.contact_phone.clone(),
        return_policy: s.return_policy.clone(),
        checkout_mode: s.checkout_mode.clone(),
        website_url: s.website_url.clone(),
    }
}

fn live_branding(s: &ShopRecord) -> BrandingView {
    BrandingView {
        accent_color: s.accent_color.clone(),
        background_color: s.background_color.clone(),
        font: ShopFont::parse(&s.font, "font").unwrap_or(ShopFont::System),
        logo_key: s.logo_key.clone(),
        cover_key: s.cover_key.clone(),
        featured: None,
    }
}

/// The draft JSON, laid over the live branding (fields missing from the draft keep their live value).
fn draft_branding(s: &ShopRecord) -> Option<BrandingView> {
    let raw = s.branding_draft.as_deref()?;
    let v: serde_json::Value = serde_json::from_str(raw).ok()?;
    let live = live_branding(s);
    let str_of = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_owned);
    let key_of = |k: &str, live: Option<String>| match v.get(k) {
        Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        _ => live,
    };
    Some(BrandingView {
        accent_color: str_of("accent_color").unwrap_or(live.accent_color),
        background_color: str_of("background_color").unwrap_or(live.background_color),
        font: str_of("font")
            .and_then(|f| ShopFont::parse(&f, "font").ok())
            .unwrap_or(live.font),
        logo_key: key_of("logo_key", live.logo_key),
        cover_key: key_of("cover_key", live.cover_key),
        featured: v.get("featured").and_then(|f| {
            f.as_array()
                .map(|a| a.iter().filter_map(serde_json::Value::as_i64).collect())
        }),
    })
}

fn draft_json(b: &BrandingView) -> String {
    serde_json::json!({
        "accent_color": b.accent_color,
        "background_color": b.background_color,
        "font": b.font.as_str(),
        "logo_key": b.logo_key,
        "cover_key": b.cover_key,
        "featured": b.featured,
    })
    .to_string()
}

/// Branding edits; `None` keeps the current (draft or live) value.
#[derive(Debug, Clone, Default)]
pub struct BrandingPatch {
    pub accent_color: Option<String>,
    pub background_color: Option<String>,
    pub font: Option<String>,
    /// Featured collections in display order (replaces the list).
    pub featured: Option<Vec<i64>>,
}

pub(crate) fn view_of(shop: ShopRecord, role: Option<ShopRole>) -> ServiceResult<ShopView> {
    // The column is only ever written from a parsed Currency.
    let currency =
        Currency::parse(&shop.currency).map_err(|e| ServiceError::Internal(e.message))?;
    let checkout_mode =
        CheckoutMode::parse(&shop.checkout_mode, "checkout_mode").unwrap_or(CheckoutMode::Souk);
    let branding = live_branding(&shop);
    let draft = role.and_then(|_| draft_branding(&shop));
    Ok(ShopView {
        shop,
        currency,
        checkout_mode,
        role,
        branding,
        draft,
    })
}

impl ShopService {
    pub fn new(db: Db, media: Arc<Media>) -> Self {
        Self { db, media }
    }

    /// Opens the viewer's shop (business and creator accounts only, one each) and makes them its owner.
    pub async fn open(&self, viewer: &Viewer, cmd: OpenShop) -> ServiceResult<ShopView> {
        if viewer.kind == AccountKind::Personal {
            return Err(ServiceError::refused(
                Refusal::Forbidden,
                "business_account_required",
                "Only business and creator accounts can open a shop.",
            ));
        }
        let mut errors = Vec::new();
        let handle = ShopHandle::parse(&cmd.handle)
            .map_err(|e| errors.push(e))
            .ok();
        let currency = Currency::parse(&cmd.currency)
            .map_err(|e| errors.push(e))
            .ok();
        let mut settings = ShopSettings {
            name: String::new(),
            description: String::new(),
            contact_email: String::new(),
            contact_phone: String::new(),
            return_policy: String::new(),
            checkout_mode: CheckoutMode::Souk.as_str().to_owned(),
            website_url: String::new(),
        };
        let mut patch = cmd.settings.clone();
        patch.name = Some(cmd.name.clone());
        if let Err(ServiceError::Validation(mut e)) = apply_patch(&mut settings, &patch) {
            errors.append(&mut e);
        }
        let (Some(handle), Some(currency), true) = (handle, currency, errors.is_empty()) else {
            return Err(ServiceError::Validation(errors));
        };
        let now = Timestamp::now();
        let mut tx = self.db.begin().await?;
        if shops::by_owner(tx.conn(), viewer.user_id).await?.is_some() {
            return Err(shop_exists());
        }
        if shops::by_handle_key(tx.conn(), &handle.key())
            .await?
            .is_some()
        {
            return Err(handle_taken());
        }
        let id = match shops::insert(
            tx.conn(),
            viewer.user_id,
            handle.as_str(),
            currency.code(),
            &settings,
            now,
        )
        .await
        {
            Ok(id) => id,
            // Two requests racing past the checks above.
            Err(e) if e.is_unique_on("handle_key") => return Err(handle_taken()),
            Err(e) if e.is_unique_on("owner") => return Err(shop_exists()),
            Err(e) => return Err(e.into()),
        };
        shops::add_staff(tx.conn(), id, viewer.user_id, ShopRole::Owner.as_str(), now).await?;
        let shop = shops::by_id(tx.conn(), id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        tx.commit().await?;
        view_of(shop, Some(ShopRole::Owner))
    }

    /// A shop by handle, with the viewer's role.
    pub async fn get(&self, viewer: Option<&Viewer>, handle: &str) -> ServiceResult<ShopView> {
        let mut h = self.db.read().await?;
        let shop = shops::by_handle_key(h.conn(), &handle.trim().to_ascii_lowercase())
            .await?
            .ok_or(ServiceError::NotFound)?;
        let role = role_in(h.conn(), viewer, shop.id).await?;
        view_of(shop, role)
    }

    /// A shop by id, with the viewer's role.
    pub async fn get_by_id(&self, viewer: Option<&Viewer>, id: i64) -> ServiceResult<ShopView> {
        let mut h = self.db.read().await?;
        let shop = shops::by_id(h.conn(), id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let role = role_in(h.conn(), viewer, shop.id).await?;
        view_of(shop, role)
    }

    /// The shop a user owns or works for (the oldest, if several), for profile tabs and navigation.
    pub async fn shop_of_user(&self, user_id: i64) -> ServiceResult<Option<ShopRecord>> {
        let mut h = self.db.read().await?;
        if let Some(s) = shops::by_owner(h.conn(), user_id).await? {
            return Ok(Some(s));
        }
        Ok(shops::first_for_staff(h.conn(), user_id).await?)
    }

    /// The shop a user owns, for their profile's Shop tab.
    pub async fn owned_by(&self, user_id: i64) -> ServiceResult<Option<ShopRecord>> {
        let mut h = self.db.read().await?;
        Ok(shops::by_owner(h.conn(), user_id).await?)
    }

    /// All shops, newest first.
    pub async fn list(
        &self,
        cursor: Option<&str>,
        limit: Option<i64>,
    ) -> ServiceResult<Page<ShopView>> {
        let n = limit.unwrap_or(20).clamp(1, 50);
        let before = match cursor.map(str::trim).filter(|c| !c.is_empty()) {
            None => i64::MAX,
            Some(c) => c.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
                ServiceError::field("cursor", "cursor_invalid", "The cursor is not valid.")
            })?,
        };
        let mut h = self.db.read().await?;
        let mut rows = shops::list(h.conn(), before, n + 1).await?;
        let more = rows.len() > usize::try_from(n).unwrap_or(0);
        rows.truncate(usize::try_from(n).unwrap_or(0));
        let next_cursor = if more {
            rows.last().map(|s| s.id.to_string())
        } else {
            None
        };
        Ok(Page {
            items: rows
                .into_iter()
                .map(|s| view_of(s, None))
                .collect::<ServiceResult<Vec<_>>>()?,
            next_cursor,
        })
    }

    /// Changes shop settings (owner only).
    pub async fn update(
        &self,
        viewer: &Viewer,
        handle: &str,
        patch: ShopPatch,
    ) -> ServiceResult<ShopView> {
        let mut tx = self.db.begin().await?;
        let access = require_staff(tx.conn(), viewer, ShopRef::Handle(handle), true).await?;
        let shop = shops::by_id(tx.conn(), access.shop_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let mut settings = settings_of(&shop);
        apply_patch(&mut settings, &patch)?;
        shops::update_settings(tx.conn(), shop.id, &settings, Timestamp::now()).await?;
        if settings.name != shop.name {
            // Product documents carry the shop's name.
            crate::search::shop_changed(tx.conn(), "shop.updated", shop.id).await?;
        }
        let shop = shops::by_id(tx.conn(), shop.id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        tx.commit().await?;
        view_of(shop, Some(access.role))
    }

    /// Saves branding edits to the draft (owner only). Colours must keep text readable (422 `low_contrast`).
    pub async fn edit_branding(
        &self,
        viewer: &Viewer,
        handle: &str,
        patch: BrandingPatch,
    ) -> ServiceResult<ShopView> {
        let mut tx = self.db.begin().await?;
        let access = require_staff(tx.conn(), viewer, ShopRef::Handle(handle), true).await?;
        let shop = shops::by_id(tx.conn(), access.shop_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let mut draft = draft_branding(&shop).unwrap_or_else(|| live_branding(&shop));
        let mut errors = Vec::new();
        if let Some(a) = &patch.accent_color {
            match Color::parse(a, "accent_color") {
                Ok(c) => draft.accent_color = c.to_hex(),
                Err(e) => errors.push(e),
            }
        }
        if let Some(b) = &patch.background_color {
            match Color::parse(b, "background_color") {
                Ok(c) => draft.background_color = c.to_hex(),
                Err(e) => errors.push(e),
            }
        }
        if let Some(f) = &patch.font {
            match ShopFont::parse(f, "font") {
                Ok(f) => draft.font = f,
                Err(e) => errors.push(e),
            }
        }
        if !errors.is_empty() {
            return Err(ServiceError::Validation(errors));
        }
        check_colors(&draft)?;
        if let Some(ids) = &patch.featured {
            draft.featured =
                Some(crate::catalog::check_shop_collections(tx.conn(), shop.id, ids).await?);
        }
        shops::set_branding_draft(
            tx.conn(),
            shop.id,
            Some(&draft_json(&draft)),
            Timestamp::now(),
        )
        .await?;
        let shop = shops::by_id(tx.conn(), shop.id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        tx.commit().await?;
        view_of(shop, Some(access.role))
    }

    /// Puts an already-stored image into the draft as logo or cover (owner only).
    pub async fn set_branding_image(
        &self,
        viewer: &Viewer,
        handle: &str,
        cover: bool,
        key: Option<String>,
    ) -> ServiceResult<ShopView> {
        let mut tx = self.db.begin().await?;
        let access = require_staff(tx.conn(), viewer, ShopRef::Handle(handle), true).await?;
        let shop = shops::by_id(tx.conn(), access.shop_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let mut draft = draft_branding(&shop).unwrap_or_else(|| live_branding(&shop));
        if cover {
            draft.cover_key = key;
        } else {
            draft.logo_key = key;
        }
        shops::set_branding_draft(
            tx.conn(),
            shop.id,
            Some(&draft_json(&draft)),
            Timestamp::now(),
        )
        .await?;
        let shop = shops::by_id(tx.conn(), shop.id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        tx.commit().await?;
        view_of(shop, Some(access.role))
    }

    /// Stores an uploaded logo or cover through the image pipeline and puts it into the draft (owner only);
    /// `None` removes it from the draft.
    pub async fn upload_branding_image(
        &self,
        viewer: &Viewer,
        handle: &str,
        cover: bool,
        image: Option<crate::media::ImageSource>,
    ) -> ServiceResult<ShopView> {
        {
            let mut h = self.db.read().await?;
            require_staff(h.conn(), viewer, ShopRef::Handle(handle), true).await?;
        }
        let field = if cover { "cover" } else { "logo" };
        let key = match image {
            None => None,
            Some(source) => {
                let stored = self
                    .media
                    .pipeline
                    .ingest_source(source)
                    .await
                    .map_err(|e| {
                        if e.is_user_error() {
                            ServiceError::Validation(vec![FieldError::new(
                                field,
                                e.code(),
                                e.to_string(),
                            )])
                        } else {
                            ServiceError::Internal(e.to_string())
                        }
                    })?;
                // Logos are shown small, covers across the page.
                Some(stored.key_for_width(if cover { 1080 } else { 320 }))
            }
        };
        self.set_branding_image(viewer, handle, cover, key).await
    }

    /// Makes the draft branding live (owner only); without a draft nothing changes.
    pub async fn publish_branding(&self, viewer: &Viewer, handle: &str) -> ServiceResult<ShopView> {
        let mut tx = self.db.begin().await?;
        let access = require_staff(tx.conn(), viewer, ShopRef::Handle(handle), true).await?;
        let shop = shops::by_id(tx.conn(), access.shop_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        if let Some(d) = draft_branding(&shop) {
            check_colors(&d)?;
            if let Some(ids) = &d.featured {
                // Collections deleted since the draft was saved are skipped.
                let existing: Vec<i64> = souk_store::collections::by_shop(tx.conn(), shop.id)
                    .await?
                    .iter()
                    .map(|c| c.id)
                    .collect();
                let ids: Vec<i64> = ids
                    .iter()
                    .copied()
                    .filter(|i| existing.contains(i))
                    .collect();
                souk_store::collections::set_featured(tx.conn(), shop.id, &ids).await?;
            }
            shops::publish_branding(
                tx.conn(),
                shop.id,
                &shops::Branding {
                    logo_key: d.logo_key,
                    cover_key: d.cover_key,
                    accent_color: d.accent_color,
                    background_color: d.background_color,
                    font: d.font.as_str().to_owned(),
                },
                Timestamp::now(),
            )
            .await?;
        }
        let shop = shops::by_id(tx.conn(), shop.id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        tx.commit().await?;
        view_of(shop, Some(access.role))
    }

    /// Throws the draft away (owner only).
    pub async fn discard_branding(&self, viewer: &Viewer, handle: &str) -> ServiceResult<ShopView> {
        let mut tx = self.db.begin().await?;
        let access = require_staff(tx.conn(), viewer, ShopRef::Handle(handle), true).await?;
        shops::set_branding_draft(tx.conn(), access.shop_id, None, Timestamp::now()).await?;
        let shop = shops::by_id(tx.conn(), access.shop_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        tx.commit().await?;
        view_of(shop, Some(access.role))
    }

    /// The shop's staff (any staff member may see who else is).
    pub async fn staff(&self, viewer: &Viewer, handle: &str) -> ServiceResult<Vec<StaffMember>> {
        let mut h = self.db.read().await?;
        let access = require_staff(h.conn(), viewer, ShopRef::Handle(handle), false).await?;
        let rows = shops::staff(h.conn(), access.shop_id).await?;
        Ok(rows
            .into_iter()
            .map(|(user_id, username, role)| StaffMember {
                user_id,
                username,
                role: ShopRole::parse(&role, "role").unwrap_or(ShopRole::Staff),
            })
            .collect())
    }

    /// Adds a staff member by username (owner only).
    pub async fn add_staff(
        &self,
        viewer: &Viewer,
        handle: &str,
        username: &str,
    ) -> ServiceResult<Vec<StaffMember>> {
        {
            let mut tx = self.db.begin().await?;
            let access = require_staff(tx.conn(), viewer, ShopRef::Handle(handle), true).await?;
            let user = souk_store::accounts::find_by_username(
                tx.conn(),
                &username.trim().to_ascii_lowercase(),
            )
            .await?
            .filter(|u| u.suspended_at.is_none())
            .ok_or_else(|| {
                ServiceError::field(
                    "username",
                    "user_not_found",
                    "No account has that username.",
                )
            })?;
            shops::add_staff(
                tx.conn(),
                access.shop_id,
                user.id,
                ShopRole::Staff.as_str(),
                Timestamp::now(),
            )
            .await?;
            tx.commit().await?;
        }
        self.staff(viewer, handle).await
    }

    /// Removes a staff member (owner only; the owner cannot be removed).
    pub async fn remove_staff(
        &self,
        viewer: &Viewer,
        handle: &str,
        username: &str,
    ) -> ServiceResult<Vec<StaffMember>> {
        {
            let mut tx = self.db.begin().await?;
            let access = require_staff(tx.conn(), viewer, ShopRef::Handle(handle), true).await?;
            let user = souk_store::accounts::find_by_username(
                tx.conn(),
                &username.trim().to_ascii_lowercase(),
            )
            .await?
            .ok_or(ServiceError::NotFound)?;
            if !shops::remove_staff(tx.conn(), access.shop_id, user.id).await? {
                return Err(ServiceError::NotFound);
            }
            tx.commit().await?;
        }
        self.staff(viewer, handle).await
    }
}

fn check_colors(b: &BrandingView) -> ServiceResult<()> {
    let accent = Color::parse(&b.accent_color, "accent_color")?;
    let background = Color::parse(&b.background_color, "background_color")?;
    souk_domain::commerce::check_palette(accent, background).map_err(|e| {
        ServiceError::refused(Refusal::Unprocessable, "low_contrast", e.message.clone())
            .with_details(serde_json::json!({ "field": e.field }))
    })
}

fn shop_exists() -> ServiceError {
    ServiceError::refused(
        Refusal::Conflict,
        "shop_exists",
        "This account already has a shop.",
    )
}

fn handle_taken() -> ServiceError {
    ServiceError::refused(
        Refusal::Conflict,
        "handle_taken",
        "Another shop already uses this handle.",
    )
}

/// The viewer's role in a shop, if any (anonymous viewers have none), for deciding what to show. It asks
/// [`require_staff`] so there is still only one place that decides who is staff.
pub(crate) async fn role_in(
    c: Conn<'_>,
    viewer: Option<&Viewer>,
    shop_id: i64,
) -> ServiceResult<Option<ShopRole>> {
    let Some(v) = viewer else {
        return Ok(None);
    };
    match require_staff(c, v, ShopRef::Id(shop_id), false).await {
        Ok(access) => Ok(Some(access.role)),
        Err(ServiceError::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Proof that the viewer may act for a shop, and in which role.
#[derive(Debug, Clone)]
pub struct ShopAccess {
    pub shop_id: i64,
    pub handle: String,
    pub role: ShopRole,
}

/// Which shop an action targets.
#[derive(Debug, Clone, Copy)]
pub enum ShopRef<'a> {
    Id(i64),
    Handle(&'a str),
}

/// The single permission check for shop-scoped actions. Someone who is not staff of the shop gets
/// `NotFound`, never `Forbidden`, so ids and handles of other merchants' private objects are not revealed;
/// staff asking for an owner-only action get `Forbidden`. Operators (admins) are not staff by default.
pub async fn require_staff(
    c: Conn<'_>,
    viewer: &Viewer,
    shop: ShopRef<'_>,
    owner_only: bool,
) -> ServiceResult<ShopAccess> {
    let row = match shop {
        ShopRef::Id(id) => souk_store::shops::staff_role_by_id(c, id, viewer.user_id).await?,
        ShopRef::Handle(h) => {
            souk_store::shops::staff_role_by_handle(
                c,
                &h.trim().to_ascii_lowercase(),
                viewer.user_id,
            )
            .await?
        }
    };
    let Some((shop_id, handle, role)) = row else {
        return Err(ServiceError::NotFound);
    };
    let role = ShopRole::parse(&role, "role").map_err(|e| ServiceError::Internal(e.to_string()))?;
    if owner_only && role != ShopRole::Owner {
        return Err(ServiceError::Forbidden);
    }
    Ok(ShopAccess {
        shop_id,
        handle,
        role,
    })
}
