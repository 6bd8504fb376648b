//! Product pages: the product page, the merchant's product list and editor, and collections.

use super::shops::{Empty, ShopHead};
use super::{FormErrors, Ui, login_redirect, render};
use crate::api::views::image_url;
use crate::context::RequestCtx;
use crate::error::AppError;
use crate::extract::CsrfForm;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use souk_domain::Money;
use souk_domain::commerce::{
    AgeGroup, Availability, CheckoutMode, Condition, Gender, MAX_LINE_QUANTITY, ProductStatus,
};
use souk_service::catalog::{
    CollectionInput, CollectionView, PriceInput, ProductInput, ProductView, RuleField,
    StatusFilter, VariantInput, VariantView,
};
use souk_service::shops::ShopView;
use souk_service::social::Upload;

pub(super) fn routes(upload_limit: usize) -> Router<AppState> {
    Router::new()
        .route("/products/{id}", get(show))
        .route("/s/{handle}/products", get(manage_list))
        .route("/s/{handle}/products/new", get(new_page).post(new_submit))
        .route("/products/{id}/edit", get(edit_page).post(edit_submit))
        .route("/products/{id}/delete", post(delete_product))
        .route("/products/{id}/variants", post(add_variant))
        .route("/variants/{id}", post(edit_variant))
        .route("/variants/{id}/delete", post(delete_variant))
        .route(
            "/products/{id}/images",
            post(add_images).layer(axum::extract::DefaultBodyLimit::max(upload_limit)),
        )
        .route(
            "/products/{id}/images/{position}/delete",
            post(delete_image),
        )
        .route(
            "/s/{handle}/collections",
            get(collections_page).post(collection_create),
        )
        .route("/collections/{id}", get(collection_show))
        .route(
            "/collections/{id}/edit",
            get(collection_edit_page).post(collection_edit),
        )
        .route("/collections/{id}/delete", post(collection_delete))
}

/// A product in a grid.
pub struct ProductCard {
    pub id: i64,
    pub title: String,
    pub price: String,
    pub from: bool,
    pub compare_at: String,
    pub thumb: String,
    pub alt: String,
    pub status: &'static str,
    pub sold_out: bool,
}

pub fn cards_of(ui: &Ui, items: &[ProductView]) -> Vec<ProductCard> {
    items
        .iter()
        .map(|p| {
            let img = p.images.first();
            ProductCard {
                id: p.product.id,
                title: p.product.title.clone(),
                price: p.min_price().format(ui.locale),
                from: p.has_price_range(),
                compare_at: if p.has_price_range() {
                    String::new()
                } else {
                    p.variants
                        .first()
                        .and_then(|v| v.compare_at)
                        .map(|m| m.format(ui.locale))
                        .unwrap_or_default()
                },
                thumb: img
                    .map(|i| image_url(&i.media_key, u32::try_from(i.width).unwrap_or(0), 640))
                    .unwrap_or_default(),
                alt: img.map(|i| i.alt_text.clone()).unwrap_or_default(),
                status: p.status.as_str(),
                sold_out: !p.purchasable(),
            }
        })
        .collect()
}

/// A short availability text key for a variant.
fn availability_key(v: &VariantView) -> &'static str {
    match v.availability {
        Availability::InStock => "product.availability.in_stock",
        Availability::OutOfStock => "product.availability.out_of_stock",
        Availability::Preorder => "product.availability.preorder",
        Availability::Backorder => "product.availability.backorder",
        Availability::Discontinued => "product.availability.discontinued",
    }
}

pub struct Slide {
    pub src: String,
    pub width: i32,
    pub height: i32,
    pub alt: String,
}

pub struct OptionAxis {
    pub index: usize,
    pub name: String,
    /// (value, checked, available in some purchasable variant)
    pub values: Vec<(String, bool, bool)>,
}

#[derive(Template)]
#[template(path = "product_page.html")]
struct ProductPage {
    ui: Ui,
    head: ShopHead,
    p: ProductView,
    slides: Vec<Slide>,
    axes: Vec<OptionAxis>,
    selected: VariantView,
    price: String,
    compare_at: String,
    stock_text: String,
    max_quantity: i64,
    reviews: super::reviews::ReviewSection,
    /// Customer photos (see pages/ugc.rs).
    ugc: super::ugc::GallerySection,
    /// Posts that tag this product ("As seen in").
    seen_in: Vec<super::feed::PostCard>,
    seen_in_more: bool,
}

impl ProductPage {
    fn mode(&self) -> &'static str {
        self.p.checkout_mode.as_str()
    }
}

#[derive(Deserialize, Default)]
pub struct VariantQuery {
    pub o1: Option<String>,
    pub o2: Option<String>,
    pub o3: Option<String>,
    pub variant: Option<i64>,
}

/// How many posts the product page's "As seen in" grid shows.
const SEEN_IN_TILES: i64 = 9;

/// The option axes of the variant picker, with the selected variant's values checked.
pub(super) fn option_axes(p: &ProductView, selected: &VariantView) -> Vec<OptionAxis> {
    p.options
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let mut values: Vec<(String, bool, bool)> = Vec::new();
            for v in &p.variants {
                let Some(val) = v.options.get(i) else {
                    continue;
                };
                match values.iter_mut().find(|(x, _, _)| x == val) {
                    Some(entry) => entry.2 |= v.purchasable,
                    None => values.push((
                        val.clone(),
                        selected.options.get(i) == Some(val),
                        v.purchasable,
                    )),
                }
            }
            OptionAxis {
                index: i + 1,
                name: name.clone(),
                values,
            }
        })
        .collect()
}

/// "Only 3 left" when few are left, else the availability in words.
pub(super) fn stock_text(ui: &Ui, selected: &VariantView) -> String {
    match (selected.purchasable, selected.stock()) {
        (true, Some(n)) if n <= 5 => ui.t_with("product.only_left", "n", &n.to_string()),
        _ => ui.t(availability_key(selected)).into_owned(),
    }
}

/// The most the quantity field offers: the stock when tracked, never more than a line may hold.
pub(super) fn max_quantity(selected: &VariantView) -> i64 {
    selected
        .stock()
        .unwrap_or(MAX_LINE_QUANTITY)
        .clamp(1, MAX_LINE_QUANTITY)
}

/// The variant the picker points at: an explicit id, else the one matching the chosen option values,
/// else the first purchasable one, else the first.
pub(super) fn choose_variant(p: &ProductView, q: &VariantQuery) -> Option<VariantView> {
    if let Some(id) = q.variant
        && let Some(v) = p.variants.iter().find(|v| v.record.id == id)
    {
        return Some(v.clone());
    }
    let wanted: Vec<Option<&String>> = vec![q.o1.as_ref(), q.o2.as_ref(), q.o3.as_ref()];
    if wanted.iter().take(p.options.len()).all(Option::is_some) && !p.options.is_empty() {
        let found = p.variants.iter().find(|v| {
            v.options
                .iter()
                .zip(&wanted)
                .all(|(have, want)| want.is_some_and(|w| w == have))
        });
        if let Some(v) = found {
            return Some(v.clone());
        }
    }
    p.variants
        .iter()
        .find(|v| v.purchasable)
        .or_else(|| p.variants.first())
        .cloned()
}

async fn show(
    State(state): State<AppState>,
    ctx: RequestCtx,
    super::Origin(origin): super::Origin,
    Path(id): Path<i64>,
    Query(q): Query<VariantQuery>,
) -> Result<Response, AppError> {
    let viewer = ctx.viewer.as_ref();
    let p = state.services.catalog.product(viewer, id).await?;
    let shop = state.services.shops.get_by_id(viewer, p.shop.id).await?;
    let ui = Ui::load(&state, &ctx).await;
    let selected = choose_variant(&p, &q).ok_or_else(AppError::not_found)?;
    let axes = option_axes(&p, &selected);
    let slides = p
        .images
        .iter()
        .map(|i| Slide {
            src: image_url(&i.media_key, u32::try_from(i.width).unwrap_or(0), 1080),
            width: i.width,
            height: i.height,
            alt: if i.alt_text.is_empty() {
                p.product.title.clone()
            } else {
                i.alt_text.clone()
            },
        })
        .collect();
    let stock_text = stock_text(&ui, &selected);
    let max_quantity = max_quantity(&selected);
    let reviews = super::reviews::section(&state, &ctx, &ui, &p).await;
    let ugc = super::ugc::gallery_section(&state, &ctx, &p).await;
    let (seen_in, seen_in_more) = match state
        .services
        .social
        .posts_tagging(viewer, p.product.id, None, Some(SEEN_IN_TILES))
        .await
    {
        Ok(page) => (
            super::feed::cards(&ui, &page, &origin),
            page.next_cursor.is_some(),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "could not load the posts tagging a product");
            (Vec::new(), false)
        }
    };
    Ok(render(
        StatusCode::OK,
        &ProductPage {
            reviews,
            ugc,
            seen_in,
            seen_in_more,
            head: ShopHead::new(&shop, false),
            price: selected.price.format(ui.locale),
            compare_at: selected
                .compare_at
                .map(|m| m.format(ui.locale))
                .unwrap_or_default(),
            stock_text,
            max_quantity,
            slides,
            axes,
            selected,
            p,
            ui,
        },
    ))
}

// ---- merchant product list -------------------------------------------------------------------------

#[derive(Deserialize, Default)]
pub struct ListQuery {
    status: Option<String>,
    cursor: Option<String>,
}

pub struct ManageRow {
    pub card: ProductCard,
    pub variants: usize,
    pub stock: String,
}

#[derive(Template)]
#[template(path = "product_list.html")]
struct ManageList {
    ui: Ui,
    head: ShopHead,
    rows: Vec<ManageRow>,
    status: String,
    more: Option<String>,
}

impl ManageList {
    fn statuses(&self) -> [&'static str; 4] {
        ["all", "active", "draft", "archived"]
    }
}

async fn staff_shop(
    state: &AppState,
    ctx: &RequestCtx,
    handle: &str,
) -> Result<Result<ShopView, Response>, AppError> {
    let Some(viewer) = ctx.viewer.as_ref() else {
        return Ok(Err(login_redirect(ctx)));
    };
    let v = state.services.shops.get(Some(viewer), handle).await?;
    if !v.is_staff() {
        return Err(AppError::not_found());
    }
    Ok(Ok(v))
}

async fn manage_list(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(handle): Path<String>,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let shop = match staff_shop(&state, &ctx, &handle).await? {
        Ok(v) => v,
        Err(r) => return Ok(r),
    };
    let status = q.status.clone().unwrap_or_else(|| "all".into());
    let page = state
        .services
        .catalog
        .shop_products(
            ctx.viewer.as_ref(),
            &handle,
            StatusFilter::parse(Some(&status))?,
            q.cursor.as_deref(),
            Some(50),
        )
        .await?;
    let ui = Ui::load(&state, &ctx).await;
    let cards = cards_of(&ui, &page.items);
    let rows = cards
        .into_iter()
        .zip(&page.items)
        .map(|(card, p)| {
            let tracked: Vec<i64> = p.variants.iter().filter_map(VariantView::stock).collect();
            ManageRow {
                card,
                variants: p.variants.len(),
                stock: if tracked.is_empty() {
                    ui.t("product.not_tracked").into_owned()
                } else {
                    tracked.iter().sum::<i64>().to_string()
                },
            }
        })
        .collect();
    let more = page
        .next_cursor
        .map(|c| format!("/s/{handle}/products?status={status}&cursor={c}"));
    Ok(render(
        StatusCode::OK,
        &ManageList {
            head: ShopHead::new(&shop, false),
            rows,
            status,
            more,
            ui,
        },
    ))
}

// ---- product editor --------------------------------------------------------------------------------

/// The product form as typed. Prices are decimal text in the shop's currency ("12.50", "15,000").
#[derive(Deserialize, Default, Clone)]
pub struct ProductForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub price: String,
    #[serde(default)]
    pub compare_at_price: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub brand: String,
    #[serde(default)]
    pub condition: String,
    #[serde(default)]
    pub product_type: String,
    #[serde(default)]
    pub google_category: String,
    #[serde(default)]
    pub gender: String,
    #[serde(default)]
    pub age_group: String,
    /// Comma-separated.
    #[serde(default)]
    pub tags: String,
    #[serde(default)]
    pub custom_label_0: String,
    #[serde(default)]
    pub custom_label_1: String,
    #[serde(default)]
    pub custom_label_2: String,
    #[serde(default)]
    pub custom_label_3: String,
    #[serde(default)]
    pub custom_label_4: String,
    #[serde(default)]
    pub checkout_mode: String,
    #[serde(default)]
    pub external_url: String,
    #[serde(default)]
    pub weight_grams: String,
    #[serde(default)]
    pub item_id: String,
    /// Comma-separated option names, e.g. "Colour, Size".
    #[serde(default)]
    pub options: String,
    /// Stock of the default variant (new products); empty = not tracked.
    #[serde(default)]
    pub stock: String,
}

fn opt_text(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_owned)
        .collect()
}

impl ProductForm {
    fn from_view(ui: &Ui, p: &ProductView) -> Self {
        let r = &p.product;
        let _ = ui;
        Self {
            title: r.title.clone(),
            description: r.description.clone(),
            price: p.price.to_decimal_string(),
            compare_at_price: p
                .compare_at
                .map(Money::to_decimal_string)
                .unwrap_or_default(),
            status: r.status.clone(),
            brand: r.brand.clone(),
            condition: r.condition.clone(),
            product_type: r.product_type.clone(),
            google_category: r.google_category.clone(),
            gender: r.gender.clone().unwrap_or_default(),
            age_group: r.age_group.clone().unwrap_or_default(),
            tags: p.tags.join(", "),
            custom_label_0: r.custom_labels[0].clone(),
            custom_label_1: r.custom_labels[1].clone(),
            custom_label_2: r.custom_labels[2].clone(),
            custom_label_3: r.custom_labels[3].clone(),
            custom_label_4: r.custom_labels[4].clone(),
            checkout_mode: r.checkout_mode.clone().unwrap_or_default(),
            external_url: r.external_url.clone(),
            weight_grams: r.weight_grams.to_string(),
            item_id: r.item_id.clone().unwrap_or_default(),
            options: p.options.join(", "),
            stock: String::new(),
        }
    }

    /// Builds the service input; a weight that is not a number becomes a field error.
    fn input(&self, create: bool) -> Result<ProductInput, souk_service::ServiceError> {
        let weight = match self.weight_grams.trim() {
            "" => 0,
            w => w.parse::<i64>().map_err(|_| {
                souk_service::ServiceError::field(
                    "weight_grams",
                    "invalid_weight",
                    "Weight is a whole number of grams.",
                )
            })?,
        };
        let stock = if create {
            match self.stock.trim() {
                "" => Some(None),
                s => Some(Some(s.parse::<i64>().map_err(|_| {
                    souk_service::ServiceError::field(
                        "stock",
                        "invalid_stock",
                        "Stock is a whole number.",
                    )
                })?)),
            }
        } else {
            None
        };
        Ok(ProductInput {
            title: Some(self.title.clone()),
            description: Some(self.description.clone()),
            price: Some(PriceInput::Text(self.price.clone())),
            compare_at_price: Some(opt_text(&self.compare_at_price).map(PriceInput::Text)),
            status: opt_text(&self.status),
            brand: Some(self.brand.clone()),
            condition: opt_text(&self.condition),
            product_type: Some(self.product_type.clone()),
            google_category: Some(self.google_category.clone()),
            gender: Some(opt_text(&self.gender)),
            age_group: Some(opt_text(&self.age_group)),
            tags: Some(split_list(&self.tags)),
            custom_labels: Some(vec![
                self.custom_label_0.clone(),
                self.custom_label_1.clone(),
                self.custom_label_2.clone(),
                self.custom_label_3.clone(),
                self.custom_label_4.clone(),
            ]),
            checkout_mode: Some(opt_text(&self.checkout_mode)),
            external_url: Some(self.external_url.clone()),
            weight_grams: Some(weight),
            item_id: Some(opt_text(&self.item_id)),
            options: if create {
                None
            } else {
                Some(split_list(&self.options))
            },
            stock,
            variants: None,
        })
    }
}

pub struct VariantRow {
    pub id: i64,
    pub sku: String,
    pub options: String,
    pub price: String,
    pub compare_at: String,
    pub stock: String,
    pub availability: String,
}

pub struct ImageRow {
    pub position: i32,
    pub thumb: String,
    pub alt: String,
}

#[derive(Template)]
#[template(path = "product_edit.html")]
struct EditPage {
    ui: Ui,
    head: ShopHead,
    /// None while creating.
    product: Option<ProductView>,
    form: ProductForm,
    variants: Vec<VariantRow>,
    images: Vec<ImageRow>,
    errors: FormErrors,
    currency: String,
    decimals: u32,
    saved: bool,
}

impl EditPage {
    fn statuses(&self) -> Vec<&'static str> {
        ProductStatus::ALL.iter().map(|s| s.as_str()).collect()
    }
    fn conditions(&self) -> Vec<&'static str> {
        Condition::ALL.iter().map(|s| s.as_str()).collect()
    }
    fn genders(&self) -> Vec<&'static str> {
        Gender::ALL.iter().map(|s| s.as_str()).collect()
    }
    fn age_groups(&self) -> Vec<&'static str> {
        AgeGroup::ALL.iter().map(|s| s.as_str()).collect()
    }
    fn modes(&self) -> Vec<&'static str> {
        CheckoutMode::ALL.iter().map(|s| s.as_str()).collect()
    }
    fn availabilities(&self) -> Vec<&'static str> {
        Availability::ALL.iter().map(|s| s.as_str()).collect()
    }
    fn action(&self) -> String {
        match &self.product {
            Some(p) => format!("/products/{}/edit", p.product.id),
            None => format!("/s/{}/products/new", self.head.handle),
        }
    }
    fn has_options(&self) -> bool {
        self.product.as_ref().is_some_and(|p| !p.options.is_empty())
    }
    fn option_names(&self) -> String {
        self.product
            .as_ref()
            .map(|p| p.options.join(", "))
            .unwrap_or_default()
    }
    fn can_add_image(&self) -> bool {
        self.images.len() < souk_service::catalog::MAX_PRODUCT_IMAGES
    }
}

fn variant_rows(p: &ProductView) -> Vec<VariantRow> {
    p.variants
        .iter()
        .map(|v| VariantRow {
            id: v.record.id,
            sku: v.record.sku.clone(),
            options: v.options.join(", "),
            price: v
                .record
                .price_minor
                .map(|m| Money::new(m, p.shop.currency).to_decimal_string())
                .unwrap_or_default(),
            compare_at: v
                .record
                .compare_at_minor
                .map(|m| Money::new(m, p.shop.currency).to_decimal_string())
                .unwrap_or_default(),
            stock: v.stock().map(|s| s.to_string()).unwrap_or_default(),
            availability: v.record.availability.clone(),
        })
        .collect()
}

fn image_rows(p: &ProductView) -> Vec<ImageRow> {
    p.images
        .iter()
        .map(|i| ImageRow {
            position: i.position,
            thumb: image_url(&i.media_key, u32::try_from(i.width).unwrap_or(0), 320),
            alt: i.alt_text.clone(),
        })
        .collect()
}

// Every caller knows a different subset (new/edit, with or without the typed form and errors).
#[allow(clippy::too_many_arguments)]
async fn edit_view(
    state: &AppState,
    ctx: &RequestCtx,
    shop: &ShopView,
    product: Option<ProductView>,
    form: Option<ProductForm>,
    errors: FormErrors,
    status: StatusCode,
    saved: bool,
) -> Result<Response, AppError> {
    let ui = Ui::load(state, ctx).await;
    let form = match (form, &product) {
        (Some(f), _) => f,
        (None, Some(p)) => ProductForm::from_view(&ui, p),
        (None, None) => ProductForm {
            status: "draft".into(),
            condition: "new".into(),
            ..ProductForm::default()
        },
    };
    let page = EditPage {
        head: ShopHead::new(shop, false),
        variants: product.as_ref().map(variant_rows).unwrap_or_default(),
        images: product.as_ref().map(image_rows).unwrap_or_default(),
        currency: shop.currency.code().to_owned(),
        decimals: shop.currency.exponent(),
        product,
        form,
        errors,
        saved,
        ui,
    };
    Ok(render(status, &page))
}

async fn new_page(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(handle): Path<String>,
) -> Result<Response, AppError> {
    let shop = match staff_shop(&state, &ctx, &handle).await? {
        Ok(v) => v,
        Err(r) => return Ok(r),
    };
    edit_view(
        &state,
        &ctx,
        &shop,
        None,
        None,
        FormErrors::default(),
        StatusCode::OK,
        false,
    )
    .await
}

async fn new_submit(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(handle): Path<String>,
    CsrfForm(form): CsrfForm<ProductForm>,
) -> Result<Response, AppError> {
    let shop = match staff_shop(&state, &ctx, &handle).await? {
        Ok(v) => v,
        Err(r) => return Ok(r),
    };
    let Some(viewer) = ctx.viewer.as_ref() else {
        return Ok(login_redirect(&ctx));
    };
    let result = match form.input(true) {
        Ok(mut input) => {
            input.options = Some(split_list(&form.options));
            if !split_list(&form.options).is_empty() {
                // A product with options starts with one variant of "Default" values, edited below.
                let n = split_list(&form.options).len();
                input.variants = Some(vec![VariantInput {
                    options: Some(vec!["Default".to_owned(); n]),
                    stock: input.stock.take(),
                    ..VariantInput::default()
                }]);
            }
            state
                .services
                .catalog
                .create_product(viewer, &handle, input)
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(p) => {
            Ok(Redirect::to(&format!("/products/{}/edit?saved=1", p.product.id)).into_response())
        }
        Err(e) => {
            let err = AppError::from(e);
            if err.status == StatusCode::NOT_FOUND {
                return Err(err);
            }
            let errors = FormErrors::from_app_error(&Ui::new(&ctx), &err);
            edit_view(
                &state,
                &ctx,
                &shop,
                None,
                Some(form),
                errors,
                err.status,
                false,
            )
            .await
        }
    }
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    saved: Option<String>,
}

async fn load_for_edit(
    state: &AppState,
    ctx: &RequestCtx,
    id: i64,
) -> Result<Result<(ShopView, ProductView), Response>, AppError> {
    let Some(viewer) = ctx.viewer.as_ref() else {
        return Ok(Err(login_redirect(ctx)));
    };
    let p = state.services.catalog.product(Some(viewer), id).await?;
    if !p.can_edit {
        return Err(AppError::not_found());
    }
    let shop = state
        .services
        .shops
        .get_by_id(Some(viewer), p.shop.id)
        .await?;
    Ok(Ok((shop, p)))
}

async fn edit_page(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<i64>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, AppError> {
    let (shop, p) = match load_for_edit(&state, &ctx, id).await? {
        Ok(x) => x,
        Err(r) => return Ok(r),
    };
    edit_view(
        &state,
        &ctx,
        &shop,
        Some(p),
        None,
        FormErrors::default(),
        StatusCode::OK,
        q.saved.is_some(),
    )
    .await
}

async fn edit_submit(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<ProductForm>,
) -> Result<Response, AppError> {
    let (shop, p) = match load_for_edit(&state, &ctx, id).await? {
        Ok(x) => x,
        Err(r) => return Ok(r),
    };
    let Some(viewer) = ctx.viewer.as_ref() else {
        return Ok(login_redirect(&ctx));
    };
    let result = match form.input(false) {
        Ok(input) => {
            state
                .services
                .catalog
                .update_product(viewer, id, input)
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/products/{id}/edit?saved=1")).into_response()),
        Err(e) => {
            let err = AppError::from(e);
            let errors = FormErrors::from_app_error(&Ui::new(&ctx), &err);
            edit_view(
                &state,
                &ctx,
                &shop,
                Some(p),
                Some(form),
                errors,
                err.status,
                false,
            )
            .await
        }
    }
}

async fn delete_product(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let (shop, _) = match load_for_edit(&state, &ctx, id).await? {
        Ok(x) => x,
        Err(r) => return Ok(r),
    };
    let Some(viewer) = ctx.viewer.as_ref() else {
        return Ok(login_redirect(&ctx));
    };
    state.services.catalog.delete_product(viewer, id).await?;
    Ok(Redirect::to(&format!("/s/{}/products", shop.shop.handle)).into_response())
}

/// One variant row of the editor, as typed.
#[derive(Deserialize, Default)]
pub struct VariantForm {
    #[serde(default)]
    sku: String,
    /// Comma-separated values, one per option.
    #[serde(default)]
    options: String,
    #[serde(default)]
    price: String,
    #[serde(default)]
    compare_at_price: String,
    /// Empty = not tracked.
    #[serde(default)]
    stock: String,
    #[serde(default)]
    availability: String,
}

impl VariantForm {
    fn input(&self, has_options: bool) -> Result<VariantInput, souk_service::ServiceError> {
        let stock = match self.stock.trim() {
            "" => None,
            s => Some(s.parse::<i64>().map_err(|_| {
                souk_service::ServiceError::field(
                    "stock",
                    "invalid_stock",
                    "Stock is a whole number.",
                )
            })?),
        };
        Ok(VariantInput {
            sku: opt_text(&self.sku),
            options: has_options.then(|| {
                self.options
                    .split(',')
                    .map(|s| s.trim().to_owned())
                    .collect()
            }),
            price: Some(opt_text(&self.price).map(PriceInput::Text)),
            compare_at_price: Some(opt_text(&self.compare_at_price).map(PriceInput::Text)),
            stock: Some(stock),
            availability: opt_text(&self.availability),
            weight_grams: None,
        })
    }
}

async fn variant_error(
    state: &AppState,
    ctx: &RequestCtx,
    product_id: i64,
    e: souk_service::ServiceError,
) -> Result<Response, AppError> {
    let err = AppError::from(e);
    if err.status == StatusCode::NOT_FOUND {
        return Err(err);
    }
    let (shop, p) = match load_for_edit(state, ctx, product_id).await? {
        Ok(x) => x,
        Err(r) => return Ok(r),
    };
    let errors = FormErrors::from_app_error(&Ui::new(ctx), &err);
    edit_view(state, ctx, &shop, Some(p), None, errors, err.status, false).await
}

async fn add_variant(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<VariantForm>,
) -> Result<Response, AppError> {
    let (_, p) = match load_for_edit(&state, &ctx, id).await? {
        Ok(x) => x,
        Err(r) => return Ok(r),
    };
    let Some(viewer) = ctx.viewer.as_ref() else {
        return Ok(login_redirect(&ctx));
    };
    let result = match form.input(!p.options.is_empty()) {
        Ok(input) => state
            .services
            .catalog
            .add_variant(viewer, id, input)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => {
            Ok(Redirect::to(&format!("/products/{id}/edit?saved=1#variants")).into_response())
        }
        Err(e) => variant_error(&state, &ctx, id, e).await,
    }
}

async fn edit_variant(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(vid): Path<i64>,
    CsrfForm(form): CsrfForm<VariantForm>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.as_ref() else {
        return Ok(login_redirect(&ctx));
    };
    // The variant's product decides whether option values are expected; the service re-checks access.
    let product_id = variant_product(&state, viewer, vid).await?;
    let p = state
        .services
        .catalog
        .product(Some(viewer), product_id)
        .await?;
    let result = match form.input(!p.options.is_empty()) {
        Ok(input) => state
            .services
            .catalog
            .update_variant(viewer, vid, input)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(
            Redirect::to(&format!("/products/{product_id}/edit?saved=1#variants")).into_response(),
        ),
        Err(e) => variant_error(&state, &ctx, product_id, e).await,
    }
}

/// The product a variant belongs to, for staff of its shop only (others 404).
async fn variant_product(
    state: &AppState,
    viewer: &souk_service::Viewer,
    vid: i64,
) -> Result<i64, AppError> {
    let mut h = state
        .services
        .catalog
        .db()
        .read()
        .await
        .map_err(souk_service::ServiceError::from)?;
    let v = souk_store::products::variant_by_id(h.conn(), vid)
        .await
        .map_err(souk_service::ServiceError::from)?
        .ok_or_else(AppError::not_found)?;
    souk_service::shops::require_staff(
        h.conn(),
        viewer,
        souk_service::shops::ShopRef::Id(v.shop_id),
        false,
    )
    .await?;
    Ok(v.product_id)
}

async fn delete_variant(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(vid): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.as_ref() else {
        return Ok(login_redirect(&ctx));
    };
    let product_id = variant_product(&state, viewer, vid).await?;
    match state.services.catalog.delete_variant(viewer, vid).await {
        Ok(_) => Ok(Redirect::to(&format!("/products/{product_id}/edit#variants")).into_response()),
        Err(e) => variant_error(&state, &ctx, product_id, e).await,
    }
}

async fn add_images(
    State(state): State<AppState>,
    ctx: RequestCtx,
    _: crate::extract::SameSite,
    Path(id): Path<i64>,
    mp: Multipart,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    let form = crate::api::posts::read_post_form(mp).await?;
    if !crate::context::csrf_matches(&ctx.csrf_token, &form.csrf_token) {
        return Err(AppError::csrf());
    }
    let uploads: Vec<Upload> = form.uploads;
    match state
        .services
        .catalog
        .add_images(&viewer, id, uploads)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/products/{id}/edit?saved=1#images")).into_response()),
        Err(e) => variant_error(&state, &ctx, id, e).await,
    }
}

async fn delete_image(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((id, position)): Path<(i64, i32)>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.as_ref() else {
        return Ok(login_redirect(&ctx));
    };
    state
        .services
        .catalog
        .delete_image(viewer, id, position)
        .await?;
    Ok(Redirect::to(&format!("/products/{id}/edit#images")).into_response())
}

// ---- collections -----------------------------------------------------------------------------------

pub struct CollectionRow {
    pub c: CollectionView,
    pub summary: String,
}

#[derive(Template)]
#[template(path = "collection_edit.html")]
struct CollectionsPage {
    ui: Ui,
    head: ShopHead,
    rows: Vec<CollectionRow>,
    /// The collection being edited, if any.
    editing: Option<CollectionView>,
    form: CollectionForm,
    products: Vec<ProductCard>,
    errors: FormErrors,
}

impl CollectionsPage {
    fn fields(&self) -> [&'static str; 13] {
        RuleField::NAMES
    }
    fn rule_slots(&self) -> Vec<(usize, String, String)> {
        let mut out: Vec<(usize, String, String)> = self
            .form
            .rule_pairs()
            .into_iter()
            .enumerate()
            .map(|(i, (f, v))| (i, f, v))
            .collect();
        let n = out.len();
        for i in n..(n + 2).max(3) {
            out.push((i, String::new(), String::new()));
        }
        out
    }
    fn is_picked(&self, id: &i64) -> bool {
        self.form.picked().contains(id)
    }
    fn action(&self) -> String {
        match &self.editing {
            Some(c) => format!("/collections/{}/edit", c.id),
            None => format!("/s/{}/collections", self.head.handle),
        }
    }
}

fn rule_summary(ui: &Ui, c: &CollectionView, currency: souk_domain::Currency) -> String {
    if c.manual {
        ui.t_with(
            "product.collection.manual_count",
            "n",
            &c.product_ids.len().to_string(),
        )
    } else {
        c.rules
            .iter()
            .map(|r| {
                let value = match (r.field, r.value.parse::<i64>()) {
                    (RuleField::PriceMin | RuleField::PriceMax, Ok(minor)) => {
                        Money::new(minor, currency).format(ui.locale)
                    }
                    _ => r.value.clone(),
                };
                format!(
                    "{} = {value}",
                    ui.t(&format!("product.rule.{}", r.field.name()))
                )
            })
            .collect::<Vec<_>>()
            .join(" · ")
    }
}

/// The collection form: `rule_field_N`/`rule_value_N` pairs and `product_<id>` checkboxes with optional
/// `order_<id>` numbers.
#[derive(Deserialize, Default, Clone)]
pub struct CollectionForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    kind: String,
    #[serde(flatten)]
    rest: std::collections::HashMap<String, String>,
}

impl CollectionForm {
    fn rule_pairs(&self) -> Vec<(String, String)> {
        let mut pairs: Vec<(usize, String, String)> = self
            .rest
            .iter()
            .filter_map(|(k, f)| {
                let i = k.strip_prefix("rule_field_")?.parse::<usize>().ok()?;
                let v = self.rest.get(&format!("rule_value_{i}"))?.clone();
                (!f.trim().is_empty() && !v.trim().is_empty()).then(|| (i, f.clone(), v))
            })
            .collect();
        pairs.sort();
        pairs.into_iter().map(|(_, f, v)| (f, v)).collect()
    }

    fn picked(&self) -> Vec<i64> {
        let mut picked: Vec<(i64, i64)> = self
            .rest
            .keys()
            .filter_map(|k| {
                let id = k.strip_prefix("product_")?.parse::<i64>().ok()?;
                let order = self
                    .rest
                    .get(&format!("order_{id}"))
                    .and_then(|o| o.trim().parse::<i64>().ok())
                    .unwrap_or(i64::MAX);
                Some((order, id))
            })
            .collect();
        picked.sort();
        picked.into_iter().map(|(_, id)| id).collect()
    }

    /// Price bounds are stored in minor units and shown as decimals in the shop's currency.
    fn from_view(c: &CollectionView, currency: souk_domain::Currency) -> Self {
        let mut rest = std::collections::HashMap::new();
        for (i, r) in c.rules.iter().enumerate() {
            let value = match (r.field, r.value.parse::<i64>()) {
                (RuleField::PriceMin | RuleField::PriceMax, Ok(minor)) => {
                    Money::new(minor, currency).to_decimal_string()
                }
                _ => r.value.clone(),
            };
            rest.insert(format!("rule_field_{i}"), r.field.name().to_owned());
            rest.insert(format!("rule_value_{i}"), value);
        }
        for (i, id) in c.product_ids.iter().enumerate() {
            rest.insert(format!("product_{id}"), "1".into());
            rest.insert(format!("order_{id}"), (i + 1).to_string());
        }
        Self {
            title: c.title.clone(),
            kind: if c.manual { "manual" } else { "rule" }.into(),
            rest,
        }
    }

    fn order_of(&self, id: &i64) -> String {
        self.rest
            .get(&format!("order_{id}"))
            .cloned()
            .unwrap_or_default()
    }

    /// Price bounds are typed as decimals in the shop's currency and stored in minor units.
    fn input(&self, shop: &ShopView) -> Result<CollectionInput, souk_service::ServiceError> {
        let mut rules = Vec::new();
        for (f, v) in self.rule_pairs() {
            let value = if f == "price_min" || f == "price_max" {
                Money::parse(&v, shop.currency, "rules")?
                    .amount_minor
                    .to_string()
            } else {
                v
            };
            rules.push((f, value));
        }
        Ok(CollectionInput {
            title: Some(self.title.clone()),
            kind: opt_text(&self.kind),
            rules: Some(rules),
            product_ids: Some(self.picked()),
        })
    }
}

impl CollectionsPage {
    fn order_of(&self, id: &i64) -> String {
        self.form.order_of(id)
    }
}

#[allow(clippy::too_many_arguments)]
async fn collections_view(
    state: &AppState,
    ctx: &RequestCtx,
    shop: &ShopView,
    editing: Option<CollectionView>,
    form: Option<CollectionForm>,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, AppError> {
    let viewer = ctx.viewer.as_ref();
    let ui = Ui::load(state, ctx).await;
    let list = state
        .services
        .catalog
        .shop_collections(viewer, &shop.shop.handle)
        .await?;
    let rows = list
        .into_iter()
        .map(|c| CollectionRow {
            summary: rule_summary(&ui, &c, shop.currency),
            c,
        })
        .collect();
    let products = state
        .services
        .catalog
        .shop_products(
            viewer,
            &shop.shop.handle,
            StatusFilter::All,
            None,
            Some(100),
        )
        .await?;
    let form = form.unwrap_or_else(|| match &editing {
        Some(c) => CollectionForm::from_view(c, shop.currency),
        None => CollectionForm {
            kind: "manual".into(),
            ..CollectionForm::default()
        },
    });
    let page = CollectionsPage {
        head: ShopHead::new(shop, false),
        rows,
        editing,
        form,
        products: cards_of(&ui, &products.items),
        errors,
        ui,
    };
    Ok(render(status, &page))
}

async fn collections_page(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(handle): Path<String>,
) -> Result<Response, AppError> {
    let shop = match staff_shop(&state, &ctx, &handle).await? {
        Ok(v) => v,
        Err(r) => return Ok(r),
    };
    collections_view(
        &state,
        &ctx,
        &shop,
        None,
        None,
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

async fn collection_create(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(handle): Path<String>,
    CsrfForm(form): CsrfForm<CollectionForm>,
) -> Result<Response, AppError> {
    let shop = match staff_shop(&state, &ctx, &handle).await? {
        Ok(v) => v,
        Err(r) => return Ok(r),
    };
    let Some(viewer) = ctx.viewer.as_ref() else {
        return Ok(login_redirect(&ctx));
    };
    let result = match form.input(&shop) {
        Ok(input) => {
            state
                .services
                .catalog
                .create_collection(viewer, &handle, input)
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/s/{handle}/collections")).into_response()),
        Err(e) => {
            let err = AppError::from(e);
            let errors = FormErrors::from_app_error(&Ui::new(&ctx), &err);
            collections_view(&state, &ctx, &shop, None, Some(form), errors, err.status).await
        }
    }
}

async fn load_collection(
    state: &AppState,
    ctx: &RequestCtx,
    id: i64,
) -> Result<Result<(ShopView, CollectionView), Response>, AppError> {
    let Some(viewer) = ctx.viewer.as_ref() else {
        return Ok(Err(login_redirect(ctx)));
    };
    let c = state.services.catalog.collection(Some(viewer), id).await?;
    if !c.can_edit {
        return Err(AppError::not_found());
    }
    let shop = state
        .services
        .shops
        .get_by_id(Some(viewer), c.shop_id)
        .await?;
    Ok(Ok((shop, c)))
}

async fn collection_edit_page(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let (shop, c) = match load_collection(&state, &ctx, id).await? {
        Ok(x) => x,
        Err(r) => return Ok(r),
    };
    collections_view(
        &state,
        &ctx,
        &shop,
        Some(c),
        None,
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

async fn collection_edit(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<CollectionForm>,
) -> Result<Response, AppError> {
    let (shop, c) = match load_collection(&state, &ctx, id).await? {
        Ok(x) => x,
        Err(r) => return Ok(r),
    };
    let Some(viewer) = ctx.viewer.as_ref() else {
        return Ok(login_redirect(&ctx));
    };
    let result = match form.input(&shop) {
        Ok(input) => {
            state
                .services
                .catalog
                .update_collection(viewer, id, input)
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/s/{}/collections", shop.shop.handle)).into_response()),
        Err(e) => {
            let err = AppError::from(e);
            let errors = FormErrors::from_app_error(&Ui::new(&ctx), &err);
            collections_view(&state, &ctx, &shop, Some(c), Some(form), errors, err.status).await
        }
    }
}

async fn collection_delete(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let (shop, _) = match load_collection(&state, &ctx, id).await? {
        Ok(x) => x,
        Err(r) => return Ok(r),
    };
    let Some(viewer) = ctx.viewer.as_ref() else {
        return Ok(login_redirect(&ctx));
    };
    state.services.catalog.delete_collection(viewer, id).await?;
    Ok(Redirect::to(&format!("/s/{}/collections", shop.shop.handle)).into_response())
}

#[derive(Template)]
#[template(path = "collection_page.html")]
struct CollectionPage {
    ui: Ui,
    head: ShopHead,
    c: CollectionView,
    products: Vec<ProductCard>,
    more: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct CursorQuery {
    cursor: Option<String>,
}

async fn collection_show(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<i64>,
    Query(q): Query<CursorQuery>,
) -> Result<Response, AppError> {
    let viewer = ctx.viewer.as_ref();
    let c = state.services.catalog.collection(viewer, id).await?;
    let shop = state.services.shops.get_by_id(viewer, c.shop_id).await?;
    let page = state
        .services
        .catalog
        .collection_products(viewer, id, q.cursor.as_deref(), Some(24))
        .await?;
    let ui = Ui::load(&state, &ctx).await;
    let more = page
        .next_cursor
        .map(|cur| format!("/collections/{id}?cursor={cur}"));
    Ok(render(
        StatusCode::OK,
        &CollectionPage {
            head: ShopHead::new(&shop, false),
            products: cards_of(&ui, &page.items),
            c,
            more,
            ui,
        },
    ))
}
