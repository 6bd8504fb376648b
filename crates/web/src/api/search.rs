//! Search API: one search over products, posts, users and hashtags with product facets, autocomplete
//! for accounts and hashtags, and the operators' index controls.

use super::products::ProductJson;
use super::views::{MoneyJson, PostJson, avatar_url};
use crate::context::RequestCtx;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiViewer;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use souk_service::search::{
    AccountCard, FacetsView, HashtagRow, SearchItems, SearchPage, SearchQuery, Suggestions,
    SyncReport,
};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(Deserialize, IntoParams, Default)]
pub struct SearchParams {
    /// What to look for, in any language: Chinese matches across traditional and simplified characters,
    /// Korean matches parts of words, English forgives one typo in words of 5+ letters (two from 8).
    /// Empty lists everything of the type, newest first.
    pub q: Option<String>,
    /// `products` (default), `posts`, `users` or `tags`.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub kind: Option<String>,
    /// Products: only this shop (handle).
    pub shop: Option<String>,
    /// Products: lowest price (inclusive), in minor units of `currency`.
    pub price_min: Option<i64>,
    /// Products: price below this (exclusive), in minor units of `currency`.
    pub price_max: Option<i64>,
    /// Products: only prices in this currency (ISO 4217). Without it, price bounds apply to each product's
    /// own currency.
    pub currency: Option<String>,
    /// Products: average rating at least this many stars (0–5).
    pub rating_min: Option<f64>,
    /// Products: `true` for buyable now, `false` for sold out.
    pub in_stock: Option<bool>,
    /// 1–50, default 24.
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

impl SearchParams {
    pub fn to_query(&self) -> SearchQuery {
        SearchQuery {
            q: self.q.clone().unwrap_or_default(),
            kind: self.kind.clone(),
            shop: self.shop.clone(),
            price_min: self.price_min,
            price_max: self.price_max,
            currency: self.currency.clone(),
            rating_min: self.rating_min,
            in_stock: self.in_stock,
            limit: self.limit,
            cursor: self.cursor.clone(),
        }
    }
}

/// An account in search results and suggestions.
#[derive(Serialize, ToSchema)]
pub struct UserHitJson {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    /// personal, business or creator.
    pub kind: String,
    pub bio: String,
    pub avatar_url: Option<String>,
    pub followers_count: i64,
    pub url: String,
}

impl From<&AccountCard> for UserHitJson {
    fn from(a: &AccountCard) -> Self {
        Self {
            id: a.id,
            username: a.username.clone(),
            display_name: a.display_name.clone(),
            kind: a.kind.clone(),
            bio: a.bio.clone(),
            avatar_url: a.avatar_key.as_deref().map(avatar_url),
            followers_count: a.followers,
            url: format!("/u/{}", a.username),
        }
    }
}

/// A hashtag in search results and suggestions.
#[derive(Serialize, ToSchema)]
pub struct TagHitJson {
    /// As first written, without `#`.
    pub tag: String,
    pub post_count: i64,
    pub url: String,
}

impl From<&HashtagRow> for TagHitJson {
    fn from(t: &HashtagRow) -> Self {
        Self {
            tag: t.tag.clone(),
            post_count: t.post_count,
            url: format!(
                "/tags/{}",
                crate::pages::path_segment(&souk_domain::social::hashtag_key(&t.tag))
            ),
        }
    }
}

/// One result: a product, post, user or hashtag, depending on the search's `type`.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum SearchItemJson {
    Product(Box<ProductJson>),
    Post(Box<PostJson>),
    User(UserHitJson),
    Tag(TagHitJson),
}

#[derive(Serialize, ToSchema)]
pub struct ShopFacetJson {
    pub handle: String,
    pub name: String,
    pub count: u64,
}

/// A price range `[min, max)`; `max` is null for the open-ended top range.
#[derive(Serialize, ToSchema)]
pub struct PriceFacetJson {
    pub min: MoneyJson,
    pub max: Option<MoneyJson>,
    pub count: u64,
}

#[derive(Serialize, ToSchema)]
pub struct RatingFacetJson {
    /// Products rated at least this many stars.
    pub stars: u8,
    pub count: u64,
}

#[derive(Serialize, ToSchema)]
pub struct AvailabilityFacetJson {
    pub in_stock: u64,
    pub out_of_stock: u64,
}

/// Counts for narrowing product results. Each facet is counted with the other filters applied but not its
/// own, so switching a choice shows what it would give.
#[derive(Serialize, ToSchema)]
pub struct FacetsJson {
    pub shops: Vec<ShopFacetJson>,
    pub prices: Vec<PriceFacetJson>,
    pub ratings: Vec<RatingFacetJson>,
    pub availability: AvailabilityFacetJson,
}

impl From<&FacetsView> for FacetsJson {
    fn from(f: &FacetsView) -> Self {
        let money = |amount: i64, currency: &str| {
            souk_domain::Currency::parse(currency)
                .ok()
                .map(|c| MoneyJson::from(souk_domain::Money::new(amount, c)))
        };
        Self {
            shops: f
                .shops
                .iter()
                .map(|s| ShopFacetJson {
                    handle: s.handle.clone(),
                    name: s.name.clone(),
                    count: s.count,
                })
                .collect(),
            prices: f
                .prices
                .iter()
                .filter_map(|b| {
                    Some(PriceFacetJson {
                        min: money(b.min_minor, &b.currency)?,
                        max: b.max_minor.and_then(|m| money(m, &b.currency)),
                        count: b.count,
                    })
                })
                .collect(),
            ratings: f
                .ratings
                .iter()
                .map(|(stars, count)| RatingFacetJson {
                    stars: *stars,
                    count: *count,
                })
                .collect(),
            availability: AvailabilityFacetJson {
                in_stock: f.in_stock,
                out_of_stock: f.out_of_stock,
            },
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SearchJson {
    /// products, posts, users or tags.
    #[serde(rename = "type")]
    pub kind: String,
    pub q: String,
    /// Matches after filters.
    pub total: u64,
    pub items: Vec<SearchItemJson>,
    pub next_cursor: Option<String>,
    /// Product searches only.
    pub facets: Option<FacetsJson>,
}

impl From<&SearchPage> for SearchJson {
    fn from(p: &SearchPage) -> Self {
        let items = match &p.items {
            SearchItems::Products(v) => v
                .iter()
                .map(|x| SearchItemJson::Product(Box::new(ProductJson::from(x))))
                .collect(),
            SearchItems::Posts(v) => v
                .iter()
                .map(|x| SearchItemJson::Post(Box::new(PostJson::from(x))))
                .collect(),
            SearchItems::Users(v) => v.iter().map(|x| SearchItemJson::User(x.into())).collect(),
            SearchItems::Tags(v) => v.iter().map(|x| SearchItemJson::Tag(x.into())).collect(),
        };
        Self {
            kind: p.kind.as_str().to_owned(),
            q: p.q.clone(),
            total: p.total,
            items,
            next_cursor: p.next_cursor.clone(),
            facets: p.facets.as_ref().map(FacetsJson::from),
        }
    }
}

/// Searches products (active ones only), posts, users or hashtags. Results follow the usual visibility
/// rules (blocked accounts and hidden posts never appear). The index follows the database within a few
/// seconds.
#[utoipa::path(get, path = "/api/v1/search", tag = "search", params(SearchParams),
    responses((status = 200, body = SearchJson), (status = 422, body = ErrorBody)))]
async fn search(
    State(s): State<AppState>,
    ctx: RequestCtx,
    Query(q): Query<SearchParams>,
) -> ApiResult<Json<SearchJson>> {
    let page = s
        .services
        .search
        .search(ctx.viewer.as_ref(), &q.to_query())
        .await?;
    Ok(Json(SearchJson::from(&page)))
}

#[derive(Deserialize, IntoParams)]
pub struct SuggestParams {
    /// The start of a username, display name or hashtag (`@` and `#` are ignored).
    pub q: Option<String>,
    /// Per kind, 1–20, default 5.
    pub limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct SuggestJson {
    /// Most followed first.
    pub users: Vec<UserHitJson>,
    /// Most used first.
    pub tags: Vec<TagHitJson>,
}

impl From<&Suggestions> for SuggestJson {
    fn from(s: &Suggestions) -> Self {
        Self {
            users: s.users.iter().map(UserHitJson::from).collect(),
            tags: s.tags.iter().map(TagHitJson::from).collect(),
        }
    }
}

/// Autocomplete: accounts and hashtags whose name (or a word of it) starts with `q`.
#[utoipa::path(get, path = "/api/v1/search/suggest", tag = "search", params(SuggestParams),
    responses((status = 200, body = SuggestJson)))]
async fn suggest(
    State(s): State<AppState>,
    ctx: RequestCtx,
    Query(q): Query<SuggestParams>,
) -> ApiResult<Json<SuggestJson>> {
    let found = s
        .services
        .search
        .suggest(ctx.viewer.as_ref(), q.q.as_deref().unwrap_or(""), q.limit)
        .await?;
    Ok(Json(SuggestJson::from(&found)))
}

#[derive(Serialize, ToSchema)]
pub struct SyncJson {
    /// Documents written.
    pub indexed: u64,
    /// Documents removed.
    pub removed: u64,
    /// The whole index was rebuilt.
    pub rebuilt: bool,
}

impl From<SyncReport> for SyncJson {
    fn from(r: SyncReport) -> Self {
        Self {
            indexed: r.indexed,
            removed: r.removed,
            rebuilt: r.rebuilt,
        }
    }
}

/// Operators: brings the search index up to date now instead of waiting for the indexer's next run:
/// applies every outbox event committed before the call (409 `search_sync_behind` if some cannot be
/// read within ten seconds because another database transaction is still open).
#[utoipa::path(post, path = "/api/v1/admin/search/sync", tag = "search",
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 200, body = SyncJson), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
async fn sync(State(s): State<AppState>, ApiViewer(v): ApiViewer) -> ApiResult<Json<SyncJson>> {
    Ok(Json(s.services.search.sync_as(&v).await?.into()))
}

/// Operators: rebuilds the search index from the database (searches use the old index until the new
/// one is complete).
#[utoipa::path(post, path = "/api/v1/admin/search/reindex", tag = "search",
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 200, body = SyncJson), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn reindex(State(s): State<AppState>, ApiViewer(v): ApiViewer) -> ApiResult<Json<SyncJson>> {
    Ok(Json(s.services.search.reindex_as(&v).await?.into()))
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(search))
        .routes(routes!(suggest))
        .routes(routes!(sync))
        .routes(routes!(reindex))
}
