//! Shops API: opening a shop, settings, branding (draft, preview, publish), staff.

use super::views::{PageJson, PageQuery, avatar_url};
use crate::context::RequestCtx;
use crate::error::{ApiResult, AppError, ErrorBody};
use crate::extract::{ApiJson, ApiViewer};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use souk_service::shops::{
    BrandingPatch, BrandingView, OpenShop, ShopPatch, ShopView, StaffMember,
};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(Serialize, ToSchema)]
pub struct BrandingJson {
    pub accent_color: String,
    pub background_color: String,
    /// One of system, serif, rounded, mono.
    pub font: String,
    pub logo_url: Option<String>,
    pub cover_url: Option<String>,
    /// In the draft only: featured collection ids in order, when the draft changes them.
    pub featured_collections: Option<Vec<i64>>,
}

impl From<&BrandingView> for BrandingJson {
    fn from(b: &BrandingView) -> Self {
        Self {
            accent_color: b.accent_color.clone(),
            background_color: b.background_color.clone(),
            font: b.font.as_str().to_owned(),
            logo_url: b.logo_key.as_deref().map(avatar_url),
            cover_url: b.cover_key.as_deref().map(avatar_url),
            featured_collections: b.featured.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ShopJson {
    pub id: i64,
    pub handle: String,
    pub name: String,
    #[schema(example = "USD")]
    pub currency: String,
    /// souk, website or message.
    pub checkout_mode: String,
    pub website_url: String,
    pub description: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub return_policy: String,
    /// Published branding (with `?preview=1`, staff get the draft here instead).
    pub branding: BrandingJson,
    /// Unpublished branding; staff only, null when nothing is pending.
    pub branding_draft: Option<BrandingJson>,
    /// The owner's username.
    pub owner: String,
    /// Active products.
    pub product_count: i64,
    /// The viewer's role (owner or staff), or null.
    pub role: Option<String>,
    pub url: String,
    pub created_at: String,
}

impl ShopJson {
    pub fn new(v: &ShopView, preview: bool) -> Self {
        let s = &v.shop;
        let branding = match (&v.draft, preview && v.is_staff()) {
            (Some(d), true) => d,
            _ => &v.branding,
        };
        Self {
            id: s.id,
            handle: s.handle.clone(),
            name: s.name.clone(),
            currency: s.currency.clone(),
            checkout_mode: s.checkout_mode.clone(),
            website_url: s.website_url.clone(),
            description: s.description.clone(),
            contact_email: s.contact_email.clone(),
            contact_phone: s.contact_phone.clone(),
            return_policy: s.return_policy.clone(),
            branding: BrandingJson::from(branding),
            branding_draft: v.draft.as_ref().map(BrandingJson::from),
            owner: s.owner_username.clone(),
            product_count: s.product_count,
            role: v.role.map(|r| r.as_str().to_owned()),
            url: format!("/s/{}", s.handle),
            created_at: s.created_at.to_rfc3339(),
        }
    }
}

impl From<&ShopView> for ShopJson {
    fn from(v: &ShopView) -> Self {
        ShopJson::new(v, false)
    }
}

#[derive(Deserialize, ToSchema, Default)]
pub struct OpenShopRequest {
    #[serde(default)]
    pub handle: String,
    #[serde(default)]
    pub name: String,
    /// ISO 4217 code, e.g. USD or KRW.
    #[serde(default)]
    pub currency: String,
    pub description: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub return_policy: Option<String>,
    /// souk (default), website or message.
    pub checkout_mode: Option<String>,
    pub website_url: Option<String>,
}

#[derive(Deserialize, ToSchema, Default)]
pub struct ShopPatchRequest {
    pub name: Option<String>,
    pub description: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub return_policy: Option<String>,
    pub checkout_mode: Option<String>,
    pub website_url: Option<String>,
}

impl From<ShopPatchRequest> for ShopPatch {
    fn from(r: ShopPatchRequest) -> Self {
        ShopPatch {
            name: r.name,
            description: r.description,
            contact_email: r.contact_email,
            contact_phone: r.contact_phone,
            return_policy: r.return_policy,
            checkout_mode: r.checkout_mode,
            website_url: r.website_url,
        }
    }
}

/// Open a shop. Business and creator accounts only (personal → 403 `business_account_required`); one
/// shop per account (409 `shop_exists`); handles are unique ignoring case (409 `handle_taken`).
#[utoipa::path(post, path = "/api/v1/shops", tag = "shops",
    security(("bearer" = []), ("session_cookie" = [])), request_body = OpenShopRequest,
    responses((status = 201, body = ShopJson), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "`business_account_required`"),
        (status = 409, body = ErrorBody, description = "`shop_exists`, `handle_taken`"),
        (status = 422, body = ErrorBody)))]
async fn open_shop(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    ApiJson(r): ApiJson<OpenShopRequest>,
) -> ApiResult<impl IntoResponse> {
    let shop = s
        .services
        .shops
        .open(
            &v,
            OpenShop {
                handle: r.handle,
                name: r.name,
                currency: r.currency,
                settings: ShopPatch {
                    name: None,
                    description: r.description,
                    contact_email: r.contact_email,
                    contact_phone: r.contact_phone,
                    return_policy: r.return_policy,
                    checkout_mode: r.checkout_mode,
                    website_url: r.website_url,
                },
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(ShopJson::from(&shop))))
}

/// Shops, newest first.
#[utoipa::path(get, path = "/api/v1/shops", tag = "shops", params(PageQuery),
    responses((status = 200, body = PageJson<ShopJson>)))]
async fn list_shops(
    State(s): State<AppState>,
    Query(q): Query<PageQuery>,
) -> ApiResult<Json<PageJson<ShopJson>>> {
    let page = s.services.shops.list(q.cursor.as_deref(), q.limit).await?;
    Ok(Json(PageJson {
        items: page.items.iter().map(ShopJson::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

#[derive(Deserialize, IntoParams)]
pub struct PreviewQuery {
    /// `1`: staff see the unpublished branding in `branding`.
    pub preview: Option<String>,
}

/// A shop.
#[utoipa::path(get, path = "/api/v1/shops/{handle}", tag = "shops",
    params(("handle" = String, Path), PreviewQuery),
    responses((status = 200, body = ShopJson), (status = 404, body = ErrorBody)))]
async fn get_shop(
    State(s): State<AppState>,
    ctx: RequestCtx,
    Path(handle): Path<String>,
    Query(q): Query<PreviewQuery>,
) -> ApiResult<Json<ShopJson>> {
    let shop = s.services.shops.get(ctx.viewer.as_ref(), &handle).await?;
    Ok(Json(ShopJson::new(
        &shop,
        q.preview.as_deref() == Some("1"),
    )))
}

/// Change shop settings (owner only; staff get 403, others 404).
#[utoipa::path(patch, path = "/api/v1/shops/{handle}", tag = "shops", params(("handle" = String, Path)),
    security(("bearer" = []), ("session_cookie" = [])), request_body = ShopPatchRequest,
    responses((status = 200, body = ShopJson), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn patch_shop(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(handle): Path<String>,
    ApiJson(r): ApiJson<ShopPatchRequest>,
) -> ApiResult<Json<ShopJson>> {
    let shop = s.services.shops.update(&v, &handle, r.into()).await?;
    Ok(Json(ShopJson::from(&shop)))
}

#[derive(Deserialize, ToSchema, Default)]
pub struct BrandingRequest {
    /// `#rrggbb`.
    pub accent_color: Option<String>,
    pub background_color: Option<String>,
    /// system, serif, rounded or mono.
    pub font: Option<String>,
    /// Featured collections in display order (replaces the list when published).
    pub featured_collections: Option<Vec<i64>>,
}

/// Edit the branding draft (owner only). Colours are checked for contrast (422 `low_contrast`); nothing is
/// visible to shoppers until it is published.
#[utoipa::path(patch, path = "/api/v1/shops/{handle}/branding", tag = "shops", params(("handle" = String, Path)),
    security(("bearer" = []), ("session_cookie" = [])), request_body = BrandingRequest,
    responses((status = 200, body = ShopJson), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "`low_contrast`, `validation_failed`")))]
async fn patch_branding(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(handle): Path<String>,
    ApiJson(r): ApiJson<BrandingRequest>,
) -> ApiResult<Json<ShopJson>> {
    let shop = s
        .services
        .shops
        .edit_branding(
            &v,
            &handle,
            BrandingPatch {
                accent_color: r.accent_color,
                background_color: r.background_color,
                font: r.font,
                featured: r.featured_collections,
            },
        )
        .await?;
    Ok(Json(ShopJson::new(&shop, true)))
}

/// Publish the branding draft (owner only).
#[utoipa::path(post, path = "/api/v1/shops/{handle}/branding/publish", tag = "shops", params(("handle" = String, Path)),
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 200, body = ShopJson), (status = 404, body = ErrorBody)))]
async fn publish_branding(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(handle): Path<String>,
) -> ApiResult<Json<ShopJson>> {
    let shop = s.services.shops.publish_branding(&v, &handle).await?;
    Ok(Json(ShopJson::from(&shop)))
}

/// Reads the first non-empty `image` part of a multipart body.
pub async fn read_single_image(mut mp: Multipart) -> Result<(Option<Vec<u8>>, String), AppError> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        AppError::new(
            e.status(),
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                "payload_too_large"
            } else {
                "invalid_form"
            },
            e.body_text(),
        )
    };
    let mut image = None;
    let mut csrf = String::new();
    while let Some(field) = mp.next_field().await.map_err(bad)? {
        match field.name().unwrap_or("") {
            "image" | "images" => {
                let bytes = field.bytes().await.map_err(bad)?;
                if !bytes.is_empty() && image.is_none() {
                    image = Some(bytes.to_vec());
                }
            }
            "csrf_token" => csrf = field.text().await.map_err(bad)?,
            _ => {}
        }
    }
    Ok((image, csrf))
}

/// Upload the logo into the branding draft (multipart field `image`; owner only).
#[utoipa::path(post, path = "/api/v1/shops/{handle}/branding/logo", tag = "shops", params(("handle" = String, Path)),
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 200, body = ShopJson), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn upload_logo(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(handle): Path<String>,
    mp: Multipart,
) -> ApiResult<Json<ShopJson>> {
    let (image, _) = read_single_image(mp).await?;
    let shop = s
        .services
        .shops
        .upload_branding_image(&v, &handle, false, image.map(Into::into))
        .await?;
    Ok(Json(ShopJson::new(&shop, true)))
}

/// Upload the cover image into the branding draft (multipart field `image`; owner only).
#[utoipa::path(post, path = "/api/v1/shops/{handle}/branding/cover", tag = "shops", params(("handle" = String, Path)),
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 200, body = ShopJson), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn upload_cover(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(handle): Path<String>,
    mp: Multipart,
) -> ApiResult<Json<ShopJson>> {
    let (image, _) = read_single_image(mp).await?;
    let shop = s
        .services
        .shops
        .upload_branding_image(&v, &handle, true, image.map(Into::into))
        .await?;
    Ok(Json(ShopJson::new(&shop, true)))
}

#[derive(Serialize, ToSchema)]
pub struct StaffJson {
    pub username: String,
    /// owner or staff.
    pub role: String,
}

fn staff_json(list: &[StaffMember]) -> Vec<StaffJson> {
    list.iter()
        .map(|m| StaffJson {
            username: m.username.clone(),
            role: m.role.as_str().to_owned(),
        })
        .collect()
}

#[derive(Deserialize, ToSchema)]
pub struct StaffRequest {
    #[serde(default)]
    pub username: String,
}

/// The shop's staff (any staff member; others 404).
#[utoipa::path(get, path = "/api/v1/shops/{handle}/staff", tag = "shops", params(("handle" = String, Path)),
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 200, body = Vec<StaffJson>), (status = 404, body = ErrorBody)))]
async fn list_staff(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(handle): Path<String>,
) -> ApiResult<Json<Vec<StaffJson>>> {
    Ok(Json(staff_json(
        &s.services.shops.staff(&v, &handle).await?,
    )))
}

/// Add a staff member (owner only). Staff manage products and collections but not settings or staff.
#[utoipa::path(post, path = "/api/v1/shops/{handle}/staff", tag = "shops", params(("handle" = String, Path)),
    security(("bearer" = []), ("session_cookie" = [])), request_body = StaffRequest,
    responses((status = 201, body = Vec<StaffJson>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_staff(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(handle): Path<String>,
    ApiJson(r): ApiJson<StaffRequest>,
) -> ApiResult<impl IntoResponse> {
    let list = s.services.shops.add_staff(&v, &handle, &r.username).await?;
    Ok((StatusCode::CREATED, Json(staff_json(&list))))
}

/// Remove a staff member (owner only; the owner stays).
#[utoipa::path(delete, path = "/api/v1/shops/{handle}/staff/{username}", tag = "shops",
    params(("handle" = String, Path), ("username" = String, Path)),
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 200, body = Vec<StaffJson>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn remove_staff(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path((handle, username)): Path<(String, String)>,
) -> ApiResult<Json<Vec<StaffJson>>> {
    let list = s
        .services
        .shops
        .remove_staff(&v, &handle, &username)
        .await?;
    Ok(Json(staff_json(&list)))
}

/// Remove a staff member named in the body (owner only); same as `DELETE …/staff/{username}`.
#[utoipa::path(delete, path = "/api/v1/shops/{handle}/staff", tag = "shops", params(("handle" = String, Path)),
    security(("bearer" = []), ("session_cookie" = [])), request_body = StaffRequest,
    responses((status = 200, body = Vec<StaffJson>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn remove_staff_by_body(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(handle): Path<String>,
    ApiJson(r): ApiJson<StaffRequest>,
) -> ApiResult<Json<Vec<StaffJson>>> {
    let list = s
        .services
        .shops
        .remove_staff(&v, &handle, &r.username)
        .await?;
    Ok(Json(staff_json(&list)))
}

pub(super) fn routes(upload_limit: usize) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(upload_logo))
        .routes(routes!(upload_cover))
        .layer(axum::extract::DefaultBodyLimit::max(upload_limit))
        .routes(routes!(open_shop, list_shops))
        .routes(routes!(get_shop, patch_shop))
        .routes(routes!(patch_branding))
        .routes(routes!(publish_branding))
        .routes(routes!(list_staff, add_staff, remove_staff_by_body))
        .routes(routes!(remove_staff))
}
