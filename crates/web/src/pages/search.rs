//! The search page: one box, a tab per type, product facets as plain links (no JavaScript needed), and
//! results as a product grid, post cards, account rows or hashtags.

use super::feed::{PostCard, Seg};
use super::products::{ProductCard, cards_of};
use super::{Origin, Ui, path_segment, query_value, render};
use crate::context::RequestCtx;
use crate::error::AppError;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use souk_domain::{Currency, Money};
use souk_service::search::{FacetsView, SearchItems, SearchKind, SearchQuery};

/// The page's query string. Everything is text so an empty form field (`price_min=`) is simply unset.
#[derive(Deserialize, Default, Clone)]
pub struct SearchParams {
    pub q: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub shop: Option<String>,
    pub price_min: Option<String>,
    pub price_max: Option<String>,
    pub currency: Option<String>,
    pub rating_min: Option<String>,
    pub in_stock: Option<String>,
    pub cursor: Option<String>,
}

fn set(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl SearchParams {
    const FILTERS: [&'static str; 6] = [
        "shop",
        "price_min",
        "price_max",
        "currency",
        "rating_min",
        "in_stock",
    ];

    fn get(&self, name: &str) -> Option<&str> {
        match name {
            "q" => set(&self.q),
            "type" => set(&self.kind),
            "shop" => set(&self.shop),
            "price_min" => set(&self.price_min),
            "price_max" => set(&self.price_max),
            "currency" => set(&self.currency),
            "rating_min" => set(&self.rating_min),
            "in_stock" => set(&self.in_stock),
            "cursor" => set(&self.cursor),
            _ => None,
        }
    }

    fn filtered(&self) -> bool {
        Self::FILTERS.iter().any(|f| self.get(f).is_some())
    }

    /// This search with some parameters changed (`None` removes one), on its first page.
    fn href(&self, changes: &[(&str, Option<&str>)]) -> String {
        let mut pairs: Vec<(String, String)> = Vec::new();
        for name in ["q", "type"].iter().chain(Self::FILTERS.iter()) {
            let value = match changes.iter().find(|(n, _)| n == name) {
                Some((_, v)) => *v,
                None => self.get(name),
            };
            if let Some(v) = value {
                pairs.push(((*name).to_owned(), v.to_owned()));
            }
        }
        let query: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", query_value(v)))
            .collect();
        format!("/search?{}", query.join("&"))
    }

    fn to_query(&self) -> SearchQuery {
        let num = |name: &str| self.get(name).and_then(|v| v.parse::<i64>().ok());
        SearchQuery {
            q: self.get("q").unwrap_or("").to_owned(),
            kind: self.get("type").map(str::to_owned),
            shop: self.get("shop").map(str::to_owned),
            price_min: num("price_min"),
            price_max: num("price_max"),
            currency: self.get("currency").map(str::to_owned),
            rating_min: self.get("rating_min").and_then(|v| v.parse::<f64>().ok()),
            in_stock: match self.get("in_stock") {
                Some("true") | Some("1") | Some("on") => Some(true),
                Some("false") | Some("0") => Some(false),
                _ => None,
            },
            limit: Some(24),
            cursor: self.get("cursor").map(str::to_owned),
        }
    }
}

pub struct Tab {
    pub label: &'static str,
    pub href: String,
    pub on: bool,
}

pub struct FacetOption {
    pub label: String,
    pub count: u64,
    pub href: String,
    pub on: bool,
}

pub struct FacetGroup {
    pub title: String,
    pub options: Vec<FacetOption>,
}

pub struct PersonRow {
    pub username: String,
    pub name: String,
    pub initial: String,
    pub kind: String,
    pub bio: String,
}

pub struct TagRow {
    pub tag: String,
    pub href: String,
    pub count: String,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    ui: Ui,
    q: String,
    kind: &'static str,
    tabs: Vec<Tab>,
    /// Whether a search ran (something typed or a filter chosen).
    searched: bool,
    count_text: String,
    facets: Vec<FacetGroup>,
    filtered: bool,
    clear_href: String,
    cards: Vec<ProductCard>,
    posts: Vec<PostCard>,
    people: Vec<PersonRow>,
    tags: Vec<TagRow>,
    more: Option<String>,
}

impl SearchPage {
    fn empty(&self) -> bool {
        self.cards.is_empty()
            && self.posts.is_empty()
            && self.people.is_empty()
            && self.tags.is_empty()
    }
}

fn facet_groups(ui: &Ui, p: &SearchParams, f: &FacetsView) -> Vec<FacetGroup> {
    let mut groups = Vec::new();
    let shop_on = p.get("shop").map(str::to_ascii_lowercase);
    let shops: Vec<FacetOption> = f
        .shops
        .iter()
        .map(|s| {
            let on = shop_on.as_deref() == Some(s.handle.to_ascii_lowercase().as_str());
            FacetOption {
                label: s.name.clone(),
                count: s.count,
                href: p.href(&[("shop", (!on).then_some(s.handle.as_str()))]),
                on,
            }
        })
        .collect();
    if !shops.is_empty() {
        groups.push(FacetGroup {
            title: ui.t("search.facet.shop").into_owned(),
            options: shops,
        });
    }
    let prices: Vec<FacetOption> = f
        .prices
        .iter()
        .filter_map(|b| {
            let cur = Currency::parse(&b.currency).ok()?;
            let min = Money::new(b.min_minor, cur).format(ui.locale);
            let label = match b.max_minor {
                Some(max) => crate::i18n::t_args(
                    ui.locale,
                    "search.price_range",
                    &[
                        ("min", &min),
                        ("max", &Money::new(max, cur).format(ui.locale)),
                    ],
                ),
                None => ui.t_with("search.price_over", "min", &min),
            };
            let min_s = b.min_minor.to_string();
            let max_s = b.max_minor.map(|m| m.to_string());
            let on = p.get("currency") == Some(cur.code())
                && p.get("price_min") == Some(min_s.as_str())
                && p.get("price_max") == max_s.as_deref();
            let href = if on {
                p.href(&[("price_min", None), ("price_max", None), ("currency", None)])
            } else {
                p.href(&[
                    ("price_min", Some(&min_s)),
                    ("price_max", max_s.as_deref()),
                    ("currency", Some(cur.code())),
                ])
            };
            Some(FacetOption {
                label,
                count: b.count,
                href,
                on,
            })
        })
        .collect();
    if !prices.is_empty() {
        groups.push(FacetGroup {
            title: ui.t("search.facet.price").into_owned(),
            options: prices,
        });
    }
    let rating_on = p.get("rating_min").and_then(|r| r.parse::<f64>().ok());
    let ratings: Vec<FacetOption> = f
        .ratings
        .iter()
        .filter(|(_, count)| *count > 0)
        .map(|(stars, count)| {
            let on = rating_on == Some(f64::from(*stars));
            let value = stars.to_string();
            FacetOption {
                label: ui.t_with("search.rating_at_least", "stars", &value),
                count: *count,
                href: p.href(&[("rating_min", (!on).then_some(value.as_str()))]),
                on,
            }
        })
        .collect();
    if !ratings.is_empty() {
        groups.push(FacetGroup {
            title: ui.t("search.facet.rating").into_owned(),
            options: ratings,
        });
    }
    let stock_on = p.to_query().in_stock;
    let mut stock = Vec::new();
    for (value, key, count) in [
        (true, "search.in_stock", f.in_stock),
        (false, "search.sold_out", f.out_of_stock),
    ] {
        if count == 0 {
            continue;
        }
        let on = stock_on == Some(value);
        let v = if value { "true" } else { "false" };
        stock.push(FacetOption {
            label: ui.t(key).into_owned(),
            count,
            href: p.href(&[("in_stock", (!on).then_some(v))]),
            on,
        });
    }
    if !stock.is_empty() {
        groups.push(FacetGroup {
            title: ui.t("search.facet.availability").into_owned(),
            options: stock,
        });
    }
    groups
}

pub async fn page(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Origin(origin): Origin,
    Query(p): Query<SearchParams>,
) -> Result<Response, AppError> {
    let ui = Ui::load(&state, &ctx).await;
    let kind = SearchKind::parse(p.get("type")).unwrap_or(SearchKind::Products);
    let q = p.get("q").unwrap_or("").to_owned();
    let tabs = [
        (SearchKind::Products, "search.tab.products"),
        (SearchKind::Posts, "search.tab.posts"),
        (SearchKind::Users, "search.tab.users"),
        (SearchKind::Tags, "search.tab.tags"),
    ]
    .into_iter()
    .map(|(k, label)| Tab {
        label,
        href: if k == SearchKind::Products {
            p.href(&[("type", None)])
        } else {
            let only_q = SearchParams {
                q: p.q.clone(),
                ..SearchParams::default()
            };
            only_q.href(&[("type", Some(k.as_str()))])
        },
        on: k == kind,
    })
    .collect();
    let searched = !q.is_empty() || (kind == SearchKind::Products && p.filtered());
    let mut page = SearchPage {
        ui,
        q,
        kind: kind.as_str(),
        tabs,
        searched,
        count_text: String::new(),
        facets: Vec::new(),
        filtered: p.filtered(),
        clear_href: p.href(&SearchParams::FILTERS.map(|f| (f, None))),
        cards: Vec::new(),
        posts: Vec::new(),
        people: Vec::new(),
        tags: Vec::new(),
        more: None,
    };
    if searched {
        let mut query = p.to_query();
        query.kind = Some(kind.as_str().to_owned());
        let result = state
            .services
            .search
            .search(ctx.viewer.as_ref(), &query)
            .await?;
        let ui = &page.ui;
        page.count_text = if result.total == 1 {
            ui.t("search.result_one").into_owned()
        } else {
            ui.t_with("search.results", "count", &result.total.to_string())
        };
        if let Some(f) = &result.facets {
            page.facets = facet_groups(ui, &p, f);
        }
        match &result.items {
            SearchItems::Products(v) => page.cards = cards_of(ui, v),
            SearchItems::Posts(v) => {
                page.posts = v.iter().map(|x| PostCard::new(ui, x, &origin)).collect()
            }
            SearchItems::Users(v) => {
                page.people = v
                    .iter()
                    .map(|a| {
                        let name = if a.display_name.is_empty() {
                            a.username.clone()
                        } else {
                            a.display_name.clone()
                        };
                        PersonRow {
                            initial: ui.initial(&name),
                            name,
                            kind: a.kind.clone(),
                            bio: a.bio.clone(),
                            username: a.username.clone(),
                        }
                    })
                    .collect()
            }
            SearchItems::Tags(v) => {
                page.tags = v
                    .iter()
                    .map(|t| TagRow {
                        href: format!(
                            "/tags/{}",
                            path_segment(&souk_domain::social::hashtag_key(&t.tag))
                        ),
                        count: if t.post_count == 1 {
                            ui.t("tag.post_count_one").into_owned()
                        } else {
                            ui.t_with("tag.post_count", "count", &t.post_count.to_string())
                        },
                        tag: t.tag.clone(),
                    })
                    .collect()
            }
        }
        page.more = result.next_cursor.as_deref().map(|c| {
            let base = p.href(&[("type", Some(kind.as_str()))]);
            format!("{base}&cursor={}", query_value(c))
        });
    }
    Ok(render(StatusCode::OK, &page))
}
