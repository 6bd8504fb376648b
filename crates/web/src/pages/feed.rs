//! Feeds: the home page (following feed, or the landing hero with Discover for visitors), Discover with
//! trending hashtags, hashtag pages, saved posts; and the post card every feed and grid is made of.

use super::{Origin, PageParams, Ui, login_redirect, path_segment, query_value, render};
use crate::api::views::{image_srcset, image_url};
use crate::context::RequestCtx;
use crate::error::AppError;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use souk_domain::social::{Segment, segments};
use souk_service::accounts::Profile;
use souk_service::social::{Page, PostView, TagSort};
use souk_store::posts::ImageRecord;
use souk_store::tags::TagRecord;

/// Sizes hint for feed images: full width on phones, the 600px column on larger screens.
const FEED_SIZES: &str = "(min-width: 640px) 600px, 100vw";

/// One photo of a post, ready for `<img>`.
pub struct ImageView {
    pub src: String,
    pub srcset: String,
    pub thumb: String,
    pub width: i32,
    pub height: i32,
    pub alt: String,
    /// Product tags placed on this photo.
    pub tags: Vec<TagDot>,
}

/// A product tag on a photo: a dot at its place that links to the product (through the click
/// recorder), with the name and price shown on the first tap and the product sheet on the second.
pub struct TagDot {
    pub id: i64,
    /// Whole percents of the photo's width and height. The strict content security policy forbids
    /// style attributes, so the stylesheet has one class per percent (`tx-37`, `ty-52`).
    pub left: i32,
    pub top: i32,
    /// The label opens towards the middle of the photo so it stays inside it.
    pub flip: bool,
    pub title: String,
    pub price: String,
}

/// Basis points to the nearest whole percent (0–100).
pub fn percent(bp: i32) -> i32 {
    ((bp + 50) / 100).clamp(0, 100)
}

impl TagDot {
    fn new(ui: &Ui, t: &TagRecord) -> Self {
        Self {
            id: t.id,
            left: percent(t.x_bp),
            top: percent(t.y_bp),
            flip: t.x_bp > 6_000,
            title: t.title.clone(),
            price: t.price().map(|m| m.format(ui.locale)).unwrap_or_default(),
        }
    }
}

impl ImageView {
    fn new(i: &ImageRecord) -> Self {
        let w = u32::try_from(i.width).unwrap_or(0);
        Self {
            src: image_url(&i.media_key, w, 1080),
            srcset: image_srcset(&i.media_key, w)
                .into_iter()
                .map(|(width, url)| format!("{url} {width}w"))
                .collect::<Vec<_>>()
                .join(", "),
            thumb: image_url(&i.media_key, w, 320),
            width: i.width,
            height: i.height,
            alt: i.alt_text.clone(),
            tags: Vec::new(),
        }
    }

    fn with_tags(ui: &Ui, i: &ImageRecord, tags: &[TagRecord]) -> Self {
        let mut v = Self::new(i);
        v.tags = tags
            .iter()
            .filter(|t| t.image_position == i.position)
            .map(|t| TagDot::new(ui, t))
            .collect();
        v
    }
}

/// A run of caption or comment text: plain, a hashtag link or a mention link. Rendered with escaping.
pub enum Seg {
    Text(String),
    Tag { display: String, href: String },
    Mention(String),
}

pub fn rich_text(text: &str) -> Vec<Seg> {
    segments(text)
        .into_iter()
        .map(|s| match s {
            Segment::Text(t) => Seg::Text(t.to_owned()),
            Segment::Hashtag { display, key } => Seg::Tag {
                display: display.to_owned(),
                href: format!("/tags/{}", path_segment(&key)),
            },
            Segment::Mention(m) => Seg::Mention(m.to_owned()),
        })
        .collect()
}

/// Everything a feed card (or the post page) shows about a post, in the reader's language.
pub struct PostCard {
    pub id: i64,
    pub author: String,
    pub author_name: String,
    pub initial: String,
    /// Profile photo URL, empty for the letter avatar.
    pub avatar: String,
    pub kind: String,
    pub can_edit: bool,
    pub can_delete: bool,
    pub images: Vec<ImageView>,
    /// Shape class of the carousel, from the first photo (`r-34`, `r-11`, `r-43`, `r-169`).
    pub ratio: &'static str,
    pub caption: Vec<Seg>,
    pub location: String,
    pub ago: String,
    pub date: String,
    pub datetime: String,
    pub likes: i64,
    pub comments: i64,
    pub shares: i64,
    pub liked: bool,
    pub saved: bool,
    pub is_share: bool,
    pub original: Option<Box<PostCard>>,
    /// Absolute URL for the share sheet.
    pub share_url: String,
    /// The post carries product tags (the shopping-bag badge).
    pub has_tags: bool,
}

fn ratio_class(images: &[ImageRecord]) -> &'static str {
    let Some(first) = images.first() else {
        return "r-11";
    };
    let (w, h) = (
        f64::from(first.width.max(1)),
        f64::from(first.height.max(1)),
    );
    let r = w / h;
    if r < 0.9 {
        "r-34"
    } else if r < 1.15 {
        "r-11"
    } else if r < 1.55 {
        "r-43"
    } else {
        "r-169"
    }
}

impl PostCard {
    pub fn new(ui: &Ui, v: &PostView, origin: &str) -> Self {
        let p = &v.post;
        let name = if p.author_display_name.is_empty() {
            p.author_username.clone()
        } else {
            p.author_display_name.clone()
        };
        let mine = ui.username.as_deref() == Some(p.author_username.as_str());
        Self {
            id: p.id,
            initial: ui.initial(&name),
            avatar: p
                .author_avatar
                .as_deref()
                .map(crate::api::views::avatar_url)
                .unwrap_or_default(),
            author: p.author_username.clone(),
            author_name: name,
            kind: p.author_kind.as_str().to_owned(),
            can_edit: mine,
            can_delete: mine || ui.admin,
            images: v
                .images
                .iter()
                .map(|i| ImageView::with_tags(ui, i, &v.tags))
                .collect(),
            has_tags: !v.tags.is_empty(),
            ratio: ratio_class(&v.images),
            caption: rich_text(&p.caption),
            location: p.location.clone(),
            ago: ui.ago(p.created_at),
            date: p.created_at.date_string(),
            datetime: p.created_at.to_rfc3339(),
            likes: p.like_count,
            comments: p.comment_count,
            shares: p.share_count,
            liked: v.liked,
            saved: v.saved,
            is_share: p.repost_of.is_some(),
            original: v
                .original
                .as_deref()
                .map(|o| Box::new(PostCard::new(ui, o, origin))),
            share_url: format!("{origin}/p/{}", p.id),
        }
    }

    pub fn has_caption(&self) -> bool {
        !self.caption.is_empty()
    }

    pub fn multi(&self) -> bool {
        self.images.len() > 1
    }

    /// The photo shown on grid tiles: its own first photo, or the shared post's.
    pub fn cover(&self) -> Option<&ImageView> {
        self.images
            .first()
            .or_else(|| self.original.as_ref().and_then(|o| o.images.first()))
    }

    /// Whether the grid tile shows the several-photos icon.
    pub fn cover_multi(&self) -> bool {
        self.multi() || self.original.as_ref().is_some_and(|o| o.multi())
    }

    /// Text for a grid tile without any photo.
    pub fn plain_text(&self) -> String {
        self.caption
            .iter()
            .map(|s| match s {
                Seg::Text(t) => t.clone(),
                Seg::Tag { display, .. } => format!("#{display}"),
                Seg::Mention(m) => format!("@{m}"),
            })
            .collect::<String>()
            .chars()
            .take(80)
            .collect()
    }

    pub fn sizes(&self) -> &'static str {
        FEED_SIZES
    }
}

pub fn cards(ui: &Ui, page: &Page<PostView>, origin: &str) -> Vec<PostCard> {
    page.items
        .iter()
        .map(|v| PostCard::new(ui, v, origin))
        .collect()
}

/// The "More" link at the end of a list: the same page with the next cursor (and sort, on tag pages).
pub fn more_href(base: &str, cursor: Option<&str>, sort: Option<&str>) -> Option<String> {
    cursor.map(|c| {
        let mut href = format!("{base}?cursor={}", query_value(c));
        if let Some(s) = sort {
            href.push_str(&format!("&sort={}", query_value(s)));
        }
        href
    })
}

/// Just the next cards and the next "More" link, appended by infinite scroll.
#[derive(Template)]
#[template(path = "feed_partial.html")]
pub struct FeedPartial {
    pub ui: Ui,
    pub posts: Vec<PostCard>,
    pub more: Option<String>,
    pub grid: bool,
}

/// A person suggested to follow.
pub struct Suggestion {
    pub profile: Profile,
    pub name: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    ui: Ui,
    /// Logged in: the following feed; visitors: Discover.
    posts: Vec<PostCard>,
    more: Option<String>,
    /// Shown when a member's home feed is empty.
    suggestions: Vec<Suggestion>,
    discover: Vec<PostCard>,
    discover_more: Option<String>,
    /// The sign-up link to pass on, shown when a member has nobody to follow yet.
    invite_url: String,
    /// Shops to browse, as a row of logos above the feed (first page only).
    shops: Vec<ShopCard>,
}

/// One shop in the home page's row of shops.
pub struct ShopCard {
    pub handle: String,
    pub name: String,
    pub logo: String,
    pub initial: String,
    pub products: i64,
}

/// The newest shops for the home page's row; a failure only hides the row.
async fn shop_cards(state: &AppState, ui: &Ui) -> Vec<ShopCard> {
    match state.services.shops.list(None, Some(12)).await {
        Ok(page) => page
            .items
            .iter()
            .filter(|v| v.shop.product_count > 0)
            .map(|v| ShopCard {
                handle: v.shop.handle.clone(),
                name: v.shop.name.clone(),
                logo: v
                    .branding
                    .logo_key
                    .as_deref()
                    .map(crate::api::views::avatar_url)
                    .unwrap_or_default(),
                initial: ui.initial(&v.shop.name),
                products: v.shop.product_count,
            })
            .collect(),
        Err(e) => {
            tracing::warn!(error = %e, "could not list shops for the home page");
            Vec::new()
        }
    }
}

pub async fn home(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Origin(origin): Origin,
    Query(q): Query<PageParams>,
) -> Result<Response, AppError> {
    let social = &state.services.social;
    let ui = Ui::load(&state, &ctx).await;
    let Some(viewer) = &ctx.viewer else {
        let page = social.discover(None, q.cursor(), None).await?;
        let posts = cards(&ui, &page, &origin);
        let more = more_href("/", page.next_cursor.as_deref(), None);
        if q.is_partial() {
            return Ok(partial(ui, posts, more, false));
        }
        let shops = shop_cards(&state, &ui).await;
        return Ok(render(
            StatusCode::OK,
            &HomePage {
                ui,
                posts,
                more,
                suggestions: Vec::new(),
                discover: Vec::new(),
                discover_more: None,
                invite_url: String::new(),
                shops,
            },
        ));
    };
    let page = social.home_feed(viewer, q.cursor(), None).await?;
    let posts = cards(&ui, &page, &origin);
    let more = more_href("/", page.next_cursor.as_deref(), None);
    if q.is_partial() {
        return Ok(partial(ui, posts, more, false));
    }
    let (mut suggestions, mut discover, mut discover_more) = (Vec::new(), Vec::new(), None);
    if posts.is_empty() && q.cursor().is_none() {
        suggestions = state
            .services
            .accounts
            .recent_profiles(8)
            .await?
            .into_iter()
            .filter(|p| p.id != viewer.user_id)
            .map(|p| Suggestion {
                name: if p.display_name.is_empty() {
                    p.username.clone()
                } else {
                    p.display_name.clone()
                },
                profile: p,
            })
            .collect();
        let d = social.discover(Some(viewer), None, None).await?;
        discover = cards(&ui, &d, &origin);
        discover_more = more_href("/discover", d.next_cursor.as_deref(), None);
    }
    Ok(render(
        StatusCode::OK,
        &HomePage {
            shops: if q.cursor().is_none() {
                shop_cards(&state, &ui).await
            } else {
                Vec::new()
            },
            ui,
            posts,
            more,
            suggestions,
            discover,
            discover_more,
            invite_url: format!("{origin}/signup"),
        },
    ))
}

pub fn partial(ui: Ui, posts: Vec<PostCard>, more: Option<String>, grid: bool) -> Response {
    render(
        StatusCode::OK,
        &FeedPartial {
            ui,
            posts,
            more,
            grid,
        },
    )
}

pub struct TagChip {
    pub display: String,
    pub href: String,
    pub count: i64,
}

#[derive(Template)]
#[template(path = "discover.html")]
struct DiscoverPage {
    ui: Ui,
    trending: Vec<TagChip>,
    posts: Vec<PostCard>,
    more: Option<String>,
}

pub async fn discover(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Origin(origin): Origin,
    Query(q): Query<PageParams>,
) -> Result<Response, AppError> {
    let social = &state.services.social;
    let ui = Ui::load(&state, &ctx).await;
    let page = social
        .discover(ctx.viewer.as_ref(), q.cursor(), None)
        .await?;
    let posts = cards(&ui, &page, &origin);
    let more = more_href("/discover", page.next_cursor.as_deref(), None);
    if q.is_partial() {
        return Ok(partial(ui, posts, more, false));
    }
    let trending = social
        .trending(12)
        .await?
        .into_iter()
        .map(|(display, key, count)| TagChip {
            display,
            href: format!("/tags/{}", path_segment(&key)),
            count,
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &DiscoverPage {
            ui,
            trending,
            posts,
            more,
        },
    ))
}

#[derive(Template)]
#[template(path = "tag.html")]
struct TagPage {
    ui: Ui,
    tag: String,
    count: i64,
    top: bool,
    base: String,
    posts: Vec<PostCard>,
    more: Option<String>,
}

pub async fn tag(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Origin(origin): Origin,
    Path(tag): Path<String>,
    Query(q): Query<PageParams>,
) -> Result<Response, AppError> {
    let top = q.sort.as_deref() == Some("top");
    let sort = if top { TagSort::Top } else { TagSort::Newest };
    let (display, count, page) = state
        .services
        .social
        .hashtag(ctx.viewer.as_ref(), &tag, sort, q.cursor(), Some(30))
        .await?;
    let ui = Ui::load(&state, &ctx).await;
    let base = format!(
        "/tags/{}",
        path_segment(&souk_domain::social::hashtag_key(
            tag.trim().trim_start_matches(['#', '＃'])
        ))
    );
    let posts = cards(&ui, &page, &origin);
    let more = more_href(&base, page.next_cursor.as_deref(), top.then_some("top"));
    if q.is_partial() {
        return Ok(partial(ui, posts, more, true));
    }
    Ok(render(
        StatusCode::OK,
        &TagPage {
            ui,
            tag: display,
            count,
            top,
            base,
            posts,
            more,
        },
    ))
}

#[derive(Template)]
#[template(path = "saved.html")]
struct SavedPage {
    ui: Ui,
    posts: Vec<PostCard>,
    more: Option<String>,
}

pub async fn saved(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Origin(origin): Origin,
    Query(q): Query<PageParams>,
) -> Result<Response, AppError> {
    let Some(viewer) = &ctx.viewer else {
        return Ok(login_redirect(&ctx));
    };
    let page = state
        .services
        .social
        .saved(viewer, q.cursor(), Some(30))
        .await?;
    let ui = Ui::load(&state, &ctx).await;
    let posts = cards(&ui, &page, &origin);
    let more = more_href("/saved", page.next_cursor.as_deref(), None);
    if q.is_partial() {
        return Ok(partial(ui, posts, more, true));
    }
    Ok(render(StatusCode::OK, &SavedPage { ui, posts, more }))
}
