//! Products API: the catalog, variants, images and collections.

use super::posts::read_post_form;
use super::views::{MoneyJson, PageJson, image_url};
use crate::context::RequestCtx;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiViewer};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Deserializer, Serialize};
use souk_service::catalog::{
    CollectionInput, CollectionView, PriceInput, ProductInput, ProductView, StatusFilter,
    VariantInput, VariantView,
};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Tells "absent" (keep) from `null` (clear) for PATCH bodies.
fn double<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

fn price_in(m: MoneyJson) -> PriceInput {
    PriceInput::Minor {
        amount_minor: m.amount_minor,
        currency: m.currency.code().to_owned(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct ShopRefJson {
    pub handle: String,
    pub name: String,
    pub currency: String,
}

#[derive(Serialize, ToSchema)]
pub struct VariantJson {
    pub id: i64,
    pub product_id: i64,
    pub sku: String,
    /// One value per product option, in the product's option order.
    pub options: Vec<String>,
    /// The values joined by " / ".
    pub title: String,
    /// The variant's price (its own, or the product's).
    pub price: MoneyJson,
    pub compare_at_price: Option<MoneyJson>,
    pub track_inventory: bool,
    /// Units left, or null when stock is not tracked.
    pub stock: Option<i64>,
    /// in_stock, out_of_stock, preorder, backorder or discontinued.
    pub availability: String,
    pub weight_grams: Option<i64>,
    /// Whether a shopper can buy it now.
    pub purchasable: bool,
}

impl From<&VariantView> for VariantJson {
    fn from(v: &VariantView) -> Self {
        Self {
            id: v.record.id,
            product_id: v.record.product_id,
            sku: v.record.sku.clone(),
            options: v.options.clone(),
            title: v.title.clone(),
            price: v.price.into(),
            compare_at_price: v.compare_at.map(Into::into),
            track_inventory: v.record.track_inventory,
            stock: v.stock(),
            availability: v.availability.as_str().to_owned(),
            weight_grams: v.record.weight_grams,
            purchasable: v.purchasable,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ProductImageJson {
    /// Position among the product's photos; use it to delete one.
    pub position: i32,
    pub url: String,
    /// A smaller size for grids.
    pub thumb_url: String,
    pub width: i32,
    pub height: i32,
    pub alt: String,
}

#[derive(Serialize, ToSchema)]
pub struct ProductJson {
    pub id: i64,
    pub shop: ShopRefJson,
    pub title: String,
    /// The Markdown as written.
    pub description: String,
    /// The description rendered to safe HTML.
    pub description_html: String,
    pub price: MoneyJson,
    pub compare_at_price: Option<MoneyJson>,
    /// draft, active or archived.
    pub status: String,
    /// Effective checkout mode (the product's override, else the shop's).
    pub checkout_mode: String,
    /// The product's own override, or null.
    pub checkout_mode_override: Option<String>,
    pub external_url: String,
    pub options: Vec<String>,
    pub variants: Vec<VariantJson>,
    pub images: Vec<ProductImageJson>,
    pub brand: String,
    pub condition: String,
    pub product_type: String,
    pub google_category: String,
    pub gender: Option<String>,
    pub age_group: Option<String>,
    pub tags: Vec<String>,
    /// custom_label_0 … custom_label_4.
    pub custom_labels: Vec<String>,
    pub item_id: Option<String>,
    pub weight_grams: i64,
    pub purchasable: bool,
    pub url: String,
    pub created_at: String,
    pub updated_at: String,
    /// Average stars and number of visible reviews.
    pub rating: super::reviews::RatingJson,
}

impl From<&ProductView> for ProductJson {
    fn from(v: &ProductView) -> Self {
        let p = &v.product;
        Self {
            id: p.id,
            shop: ShopRefJson {
                handle: v.shop.handle.clone(),
                name: v.shop.name.clone(),
                currency: v.shop.currency.code().to_owned(),
            },
            title: p.title.clone(),
            description: p.description.clone(),
            description_html: v.description_html.clone(),
            price: v.price.into(),
            compare_at_price: v.compare_at.map(Into::into),
            status: v.status.as_str().to_owned(),
            checkout_mode: v.checkout_mode.as_str().to_owned(),
            checkout_mode_override: p.checkout_mode.clone(),
            external_url: p.external_url.clone(),
            options: v.options.clone(),
            variants: v.variants.iter().map(VariantJson::from).collect(),
            images: v
                .images
                .iter()
                .map(|i| {
                    let w = u32::try_from(i.width).unwrap_or(0);
                    ProductImageJson {
                        position: i.position,
                        url: image_url(&i.media_key, w, 1080),
                        thumb_url: image_url(&i.media_key, w, 320),
                        width: i.width,
                        height: i.height,
                        alt: i.alt_text.clone(),
                    }
                })
                .collect(),
            brand: p.brand.clone(),
            condition: p.condition.clone(),
            product_type: p.product_type.clone(),
            google_category: p.google_category.clone(),
            gender: p.gender.clone(),
            age_group: p.age_group.clone(),
            tags: v.tags.clone(),
            custom_labels: p.custom_labels.to_vec(),
            item_id: p.item_id.clone(),
            weight_grams: p.weight_grams,
            purchasable: v.purchasable(),
            url: format!("/products/{}", p.id),
            created_at: p.created_at.to_rfc3339(),
            updated_at: p.updated_at.to_rfc3339(),
            rating: (&v.rating).into(),
        }
    }
}

#[derive(Deserialize, ToSchema, Default)]
pub struct VariantRequest {
    pub sku: Option<String>,
    pub options: Option<Vec<String>>,
    #[serde(default, deserialize_with = "double")]
    pub price: Option<Option<MoneyJson>>,
    #[serde(default, deserialize_with = "double")]
    pub compare_at_price: Option<Option<MoneyJson>>,
    /// Units; null = not tracked.
    #[serde(default, deserialize_with = "double")]
    pub stock: Option<Option<i64>>,
    pub availability: Option<String>,
    #[serde(default, deserialize_with = "double")]
    pub weight_grams: Option<Option<i64>>,
}

impl From<VariantRequest> for VariantInput {
    fn from(r: VariantRequest) -> Self {
        VariantInput {
            sku: r.sku,
            options: r.options,
            price: r.price.map(|p| p.map(price_in)),
            compare_at_price: r.compare_at_price.map(|p| p.map(price_in)),
            stock: r.stock,
            availability: r.availability,
            weight_grams: r.weight_grams,
        }
    }
}

#[derive(Deserialize, ToSchema, Default)]
pub struct ProductRequest {
    pub title: Option<String>,
    /// Markdown (a safe subset; raw HTML is shown as text).
    pub description: Option<String>,
    pub price: Option<MoneyJson>,
    #[serde(default, deserialize_with = "double")]
    pub compare_at_price: Option<Option<MoneyJson>>,
    /// draft (default), active or archived.
    pub status: Option<String>,
    pub brand: Option<String>,
    /// new, refurbished or used.
    pub condition: Option<String>,
    pub product_type: Option<String>,
    pub google_category: Option<String>,
    #[serde(default, deserialize_with = "double")]
    pub gender: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    pub age_group: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    /// Up to five: custom_label_0 … custom_label_4.
    pub custom_labels: Option<Vec<String>>,
    /// null follows the shop's mode.
    #[serde(default, deserialize_with = "double")]
    pub checkout_mode: Option<Option<String>>,
    pub external_url: Option<String>,
    pub weight_grams: Option<i64>,
    #[serde(default, deserialize_with = "double")]
    pub item_id: Option<Option<String>>,
    /// Option axis names, at most three.
    pub options: Option<Vec<String>>,
    /// Stock of the single default variant (create without `variants` only); null = not tracked.
    #[serde(default, deserialize_with = "double")]
    pub stock: Option<Option<i64>>,
    /// Variants to create with the product (create only).
    pub variants: Option<Vec<VariantRequest>>,
}

impl From<ProductRequest> for ProductInput {
    fn from(r: ProductRequest) -> Self {
        ProductInput {
            title: r.title,
            description: r.description,
            price: r.price.map(price_in),
            compare_at_price: r.compare_at_price.map(|p| p.map(price_in)),
            status: r.status,
            brand: r.brand,
            condition: r.condition,
            product_type: r.product_type,
            google_category: r.google_category,
            gender: r.gender,
            age_group: r.age_group,
            tags: r.tags,
            custom_labels: r.custom_labels,
            checkout_mode: r.checkout_mode,
            external_url: r.external_url,
            weight_grams: r.weight_grams,
            item_id: r.item_id,
            options: r.options,
            stock: r.stock,
            variants: r
                .variants
                .map(|vs| vs.into_iter().map(VariantInput::from).collect()),
        }
    }
}

#[derive(Deserialize, IntoParams)]
pub struct ProductListQuery {
    /// draft, active, archived or all (staff only; shoppers always get active products).
    pub status: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

fn product_page(p: &souk_service::social::Page<ProductView>) -> PageJson<ProductJson> {
    PageJson {
        items: p.items.iter().map(ProductJson::from).collect(),
        next_cursor: p.next_cursor.clone(),
    }
}

/// Create a product (shop staff). Prices must be in the shop's currency (422 `currency_mismatch` on
/// `price`). Without `variants` one default variant is made. SKUs and item ids are unique per shop (409
/// `sku_taken`, `item_id_taken`).
#[utoipa::path(post, path = "/api/v1/shops/{handle}/products", tag = "products", params(("handle" = String, Path)),
    security(("bearer" = []), ("session_cookie" = [])), request_body = ProductRequest,
    responses((status = 201, body = ProductJson), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "`sku_taken`, `item_id_taken`"), (status = 422, body = ErrorBody)))]
async fn create_product(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(handle): Path<String>,
    ApiJson(r): ApiJson<ProductRequest>,
) -> ApiResult<impl IntoResponse> {
    let p = s
        .services
        .catalog
        .create_product(&v, &handle, r.into())
        .await?;
    Ok((StatusCode::CREATED, Json(ProductJson::from(&p))))
}

/// A shop's products, newest first.
#[utoipa::path(get, path = "/api/v1/shops/{handle}/products", tag = "products",
    params(("handle" = String, Path), ProductListQuery),
    responses((status = 200, body = PageJson<ProductJson>), (status = 404, body = ErrorBody)))]
async fn list_products(
    State(s): State<AppState>,
    ctx: RequestCtx,
    Path(handle): Path<String>,
    Query(q): Query<ProductListQuery>,
) -> ApiResult<Json<PageJson<ProductJson>>> {
    let page = s
        .services
        .catalog
        .shop_products(
            ctx.viewer.as_ref(),
            &handle,
            StatusFilter::parse(q.status.as_deref())?,
            q.cursor.as_deref(),
            q.limit,
        )
        .await?;
    Ok(Json(product_page(&page)))
}

/// A product. Drafts and archived products exist only for the shop's staff (others 404).
#[utoipa::path(get, path = "/api/v1/products/{id}", tag = "products", params(("id" = i64, Path)),
    responses((status = 200, body = ProductJson), (status = 404, body = ErrorBody)))]
async fn get_product(
    State(s): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<i64>,
) -> ApiResult<Json<ProductJson>> {
    let p = s.services.catalog.product(ctx.viewer.as_ref(), id).await?;
    Ok(Json(ProductJson::from(&p)))
}

/// Change a product (shop staff; others 404). Variants change through their own endpoints.
#[utoipa::path(patch, path = "/api/v1/products/{id}", tag = "products", params(("id" = i64, Path)),
    security(("bearer" = []), ("session_cookie" = [])), request_body = ProductRequest,
    responses((status = 200, body = ProductJson), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn patch_product(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<ProductRequest>,
) -> ApiResult<Json<ProductJson>> {
    let p = s.services.catalog.update_product(&v, id, r.into()).await?;
    Ok(Json(ProductJson::from(&p)))
}

/// Delete a product with its variants and photos (shop staff; others 404).
#[utoipa::path(delete, path = "/api/v1/products/{id}", tag = "products", params(("id" = i64, Path)),
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 204, description = "Deleted"), (status = 404, body = ErrorBody)))]
async fn delete_product(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    s.services.catalog.delete_product(&v, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Add a variant (shop staff). It needs one value per product option.
#[utoipa::path(post, path = "/api/v1/products/{id}/variants", tag = "products", params(("id" = i64, Path)),
    security(("bearer" = []), ("session_cookie" = [])), request_body = VariantRequest,
    responses((status = 201, body = VariantJson), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_variant(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<VariantRequest>,
) -> ApiResult<impl IntoResponse> {
    let (p, vid) = s.services.catalog.add_variant(&v, id, r.into()).await?;
    let variant = p
        .variants
        .iter()
        .find(|x| x.record.id == vid)
        .map(VariantJson::from)
        .ok_or_else(crate::error::AppError::not_found)?;
    Ok((StatusCode::CREATED, Json(variant)))
}

/// Change a variant: stock (null = not tracked), price, availability, … (shop staff; others 404).
#[utoipa::path(patch, path = "/api/v1/variants/{id}", tag = "products", params(("id" = i64, Path)),
    security(("bearer" = []), ("session_cookie" = [])), request_body = VariantRequest,
    responses((status = 200, body = VariantJson), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn patch_variant(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<VariantRequest>,
) -> ApiResult<Json<VariantJson>> {
    let p = s.services.catalog.update_variant(&v, id, r.into()).await?;
    p.variants
        .iter()
        .find(|x| x.record.id == id)
        .map(|x| Json(VariantJson::from(x)))
        .ok_or_else(crate::error::AppError::not_found)
}

/// Delete a variant (shop staff); the last one cannot be deleted (409 `last_variant`).
#[utoipa::path(delete, path = "/api/v1/variants/{id}", tag = "products", params(("id" = i64, Path)),
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 204, description = "Deleted"), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn delete_variant(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    s.services.catalog.delete_variant(&v, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Multipart: `images` once per photo (JPEG/PNG/WebP), `alt_text` once per photo in the same order.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ProductImagesForm {
    #[schema(value_type = Vec<String>, format = Binary)]
    images: Vec<Vec<u8>>,
    alt_text: Option<Vec<String>>,
}

/// Add photos (shop staff; at most ten per product). They go through the same pipeline as post photos.
#[utoipa::path(post, path = "/api/v1/products/{id}/images", tag = "products", params(("id" = i64, Path)),
    security(("bearer" = []), ("session_cookie" = [])),
    request_body(content = ProductImagesForm, content_type = "multipart/form-data"),
    responses((status = 201, body = ProductJson), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "too_many_images, images_required, image_*")))]
async fn add_images(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<i64>,
    mp: Multipart,
) -> ApiResult<impl IntoResponse> {
    let form = read_post_form(mp).await?;
    let p = s.services.catalog.add_images(&v, id, form.uploads).await?;
    Ok((StatusCode::CREATED, Json(ProductJson::from(&p))))
}

/// Delete a photo by its position (shop staff).
#[utoipa::path(delete, path = "/api/v1/products/{id}/images/{position}", tag = "products",
    params(("id" = i64, Path), ("position" = i32, Path)),
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 200, body = ProductJson), (status = 404, body = ErrorBody)))]
async fn delete_image(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path((id, position)): Path<(i64, i32)>,
) -> ApiResult<Json<ProductJson>> {
    let p = s.services.catalog.delete_image(&v, id, position).await?;
    Ok(Json(ProductJson::from(&p)))
}

#[derive(Serialize, ToSchema)]
pub struct RuleJson {
    /// product_type, price_min, price_max, gender, google_category, brand, item_id, custom_label_0…4, tag.
    pub field: String,
    /// Text to match (case-insensitive), or for price_min/price_max an amount in minor units.
    pub value: String,
}

#[derive(Serialize, ToSchema)]
pub struct CollectionJson {
    pub id: i64,
    pub shop: String,
    pub title: String,
    /// manual or rule.
    pub kind: String,
    /// Rule collections: every condition must hold.
    pub rules: Vec<RuleJson>,
    /// Manual collections: products in order.
    pub product_ids: Vec<i64>,
    /// Position among the shop home's sections, or null when not featured.
    pub featured_position: Option<i32>,
}

impl From<&CollectionView> for CollectionJson {
    fn from(c: &CollectionView) -> Self {
        Self {
            id: c.id,
            shop: c.shop_handle.clone(),
            title: c.title.clone(),
            kind: if c.manual { "manual" } else { "rule" }.to_owned(),
            rules: c
                .rules
                .iter()
                .map(|r| RuleJson {
                    field: r.field.name().to_owned(),
                    value: r.value.clone(),
                })
                .collect(),
            product_ids: c.product_ids.clone(),
            featured_position: c.featured_position,
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct RuleRequest {
    pub field: String,
    /// A string, or a number for price bounds.
    #[schema(value_type = Object)]
    pub value: serde_json::Value,
}

#[derive(Deserialize, ToSchema, Default)]
pub struct CollectionRequest {
    pub title: Option<String>,
    /// manual (default) or rule; create only.
    pub kind: Option<String>,
    pub rules: Option<Vec<RuleRequest>>,
    pub product_ids: Option<Vec<i64>>,
}

impl From<CollectionRequest> for CollectionInput {
    fn from(r: CollectionRequest) -> Self {
        CollectionInput {
            title: r.title,
            kind: r.kind,
            rules: r.rules.map(|rs| {
                rs.into_iter()
                    .map(|r| {
                        let v = match r.value {
                            serde_json::Value::String(s) => s,
                            other => other.to_string(),
                        };
                        (r.field, v)
                    })
                    .collect()
            }),
            product_ids: r.product_ids,
        }
    }
}

/// Create a collection (shop staff): a manual list of products, or rules that all must hold.
#[utoipa::path(post, path = "/api/v1/shops/{handle}/collections", tag = "products", params(("handle" = String, Path)),
    security(("bearer" = []), ("session_cookie" = [])), request_body = CollectionRequest,
    responses((status = 201, body = CollectionJson), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_collection(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(handle): Path<String>,
    ApiJson(r): ApiJson<CollectionRequest>,
) -> ApiResult<impl IntoResponse> {
    let c = s
        .services
        .catalog
        .create_collection(&v, &handle, r.into())
        .await?;
    Ok((StatusCode::CREATED, Json(CollectionJson::from(&c))))
}

/// A shop's collections, featured ones first in order.
#[utoipa::path(get, path = "/api/v1/shops/{handle}/collections", tag = "products", params(("handle" = String, Path)),
    responses((status = 200, body = Vec<CollectionJson>), (status = 404, body = ErrorBody)))]
async fn list_collections(
    State(s): State<AppState>,
    ctx: RequestCtx,
    Path(handle): Path<String>,
) -> ApiResult<Json<Vec<CollectionJson>>> {
    let list = s
        .services
        .catalog
        .shop_collections(ctx.viewer.as_ref(), &handle)
        .await?;
    Ok(Json(list.iter().map(CollectionJson::from).collect()))
}

/// A collection.
#[utoipa::path(get, path = "/api/v1/collections/{id}", tag = "products", params(("id" = i64, Path)),
    responses((status = 200, body = CollectionJson), (status = 404, body = ErrorBody)))]
async fn get_collection(
    State(s): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<i64>,
) -> ApiResult<Json<CollectionJson>> {
    let c = s
        .services
        .catalog
        .collection(ctx.viewer.as_ref(), id)
        .await?;
    Ok(Json(CollectionJson::from(&c)))
}

/// Change a collection's title, rules (rule collections) or products (manual ones) (shop staff).
#[utoipa::path(patch, path = "/api/v1/collections/{id}", tag = "products", params(("id" = i64, Path)),
    security(("bearer" = []), ("session_cookie" = [])), request_body = CollectionRequest,
    responses((status = 200, body = CollectionJson), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn patch_collection(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<CollectionRequest>,
) -> ApiResult<Json<CollectionJson>> {
    let c = s
        .services
        .catalog
        .update_collection(&v, id, r.into())
        .await?;
    Ok(Json(CollectionJson::from(&c)))
}

/// Delete a collection (shop staff); its products stay.
#[utoipa::path(delete, path = "/api/v1/collections/{id}", tag = "products", params(("id" = i64, Path)),
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 204, description = "Deleted"), (status = 404, body = ErrorBody)))]
async fn delete_collection(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    s.services.catalog.delete_collection(&v, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
pub struct CollectionProductsQuery {
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// A collection's products (active ones for shoppers).
#[utoipa::path(get, path = "/api/v1/collections/{id}/products", tag = "products",
    params(("id" = i64, Path), CollectionProductsQuery),
    responses((status = 200, body = PageJson<ProductJson>), (status = 404, body = ErrorBody)))]
async fn collection_products(
    State(s): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<i64>,
    Query(q): Query<CollectionProductsQuery>,
) -> ApiResult<Json<PageJson<ProductJson>>> {
    let page = s
        .services
        .catalog
        .collection_products(ctx.viewer.as_ref(), id, q.cursor.as_deref(), q.limit)
        .await?;
    Ok(Json(product_page(&page)))
}

pub(super) fn routes(upload_limit: usize) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(add_images))
        .layer(axum::extract::DefaultBodyLimit::max(upload_limit))
        .routes(routes!(create_product, list_products))
        .routes(routes!(get_product, patch_product, delete_product))
        .routes(routes!(add_variant))
        .routes(routes!(patch_variant, delete_variant))
        .routes(routes!(delete_image))
        .routes(routes!(create_collection, list_collections))
        .routes(routes!(get_collection, patch_collection, delete_collection))
        .routes(routes!(collection_products))
}
