//! JSON shapes shared by the social endpoints: profiles, posts, images, comments, notifications, pages.

use serde::Serialize;
use souk_service::social::{CommentView, NotificationGroup, PostView, ProfileView};
use souk_store::posts::ImageRecord;
use utoipa::ToSchema;

/// Display widths the media pipeline stores (never wider than the original).
pub const IMAGE_WIDTHS: [u32; 3] = [320, 640, 1080];

/// URL of a stored image at the smallest size at least `want` wide.
pub fn image_url(original_key: &str, original_width: u32, want: u32) -> String {
    let (prefix, file) = original_key.rsplit_once('/').unwrap_or(("", original_key));
    let ext = file.rsplit_once('.').map(|(_, e)| e).unwrap_or("jpg");
    match IMAGE_WIDTHS
        .iter()
        .find(|w| **w >= want && **w <= original_width)
    {
        Some(w) => format!("/media/{prefix}/{w}.{ext}"),
        None => format!("/media/{original_key}"),
    }
}

/// `srcset` entries for every stored width.
pub fn image_srcset(original_key: &str, original_width: u32) -> Vec<(u32, String)> {
    let mut out: Vec<(u32, String)> = IMAGE_WIDTHS
        .iter()
        .filter(|w| **w <= original_width)
        .map(|w| (*w, image_url(original_key, original_width, *w)))
        .collect();
    if out.is_empty() {
        out.push((original_width, format!("/media/{original_key}")));
    }
    out
}

#[derive(Serialize, ToSchema)]
pub struct ImageJson {
    /// Display URL (1080 px wide, or the original when smaller).
    pub url: String,
    /// Smaller sizes: `{"width": 320, "url": "…"}`.
    pub sizes: Vec<ImageSizeJson>,
    pub width: i32,
    pub height: i32,
    pub alt_text: String,
}

#[derive(Serialize, ToSchema)]
pub struct ImageSizeJson {
    pub width: u32,
    pub url: String,
}

impl From<&ImageRecord> for ImageJson {
    fn from(i: &ImageRecord) -> Self {
        let w = u32::try_from(i.width).unwrap_or(0);
        Self {
            url: image_url(&i.media_key, w, 1080),
            sizes: image_srcset(&i.media_key, w)
                .into_iter()
                .map(|(width, url)| ImageSizeJson { width, url })
                .collect(),
            width: i.width,
            height: i.height,
            alt_text: i.alt_text.clone(),
        }
    }
}

/// A profile photo: the stored key already names the display-sized image (see `AVATAR_WIDTH`).
pub fn avatar_url(key: &str) -> String {
    format!("/media/{key}")
}

/// A product tag on a post image: its place as fractions of the image and the product it shows.
#[derive(Serialize, ToSchema)]
pub struct TagJson {
    pub id: i64,
    pub post_id: i64,
    /// 0-based index of the image in the post.
    pub image: i32,
    /// Horizontal position, 0 (left) to 1 (right).
    pub x: f64,
    /// Vertical position, 0 (top) to 1 (bottom).
    pub y: f64,
    pub product_id: i64,
    pub variant_id: Option<i64>,
    pub title: String,
    /// The tagged variant's price, or the product's.
    pub price: Option<MoneyJson>,
    pub shop: String,
    pub shop_name: String,
    /// Without JavaScript the tag is this link: it records the click and opens the product page.
    pub url: String,
}

impl From<&souk_store::tags::TagRecord> for TagJson {
    fn from(t: &souk_store::tags::TagRecord) -> Self {
        Self {
            id: t.id,
            post_id: t.post_id,
            image: t.image_position,
            x: f64::from(t.x_bp) / 10_000.0,
            y: f64::from(t.y_bp) / 10_000.0,
            product_id: t.product_id,
            variant_id: t.variant_id,
            title: t.title.clone(),
            price: t.price().map(MoneyJson::from),
            shop: t.shop_handle.clone(),
            shop_name: t.shop_name.clone(),
            url: format!("/t/{}", t.id),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AuthorJson {
    pub username: String,
    pub display_name: String,
    pub kind: String,
    pub avatar_url: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PostJson {
    pub id: i64,
    pub author: AuthorJson,
    pub caption: String,
    pub location: String,
    /// Hashtags in the caption, as written (without `#`).
    pub hashtags: Vec<String>,
    pub images: Vec<ImageJson>,
    /// Product tags on the images (products no longer for sale are left out).
    pub tags: Vec<TagJson>,
    pub like_count: i64,
    pub comment_count: i64,
    pub share_count: i64,
    pub save_count: i64,
    /// Whether the requesting user liked / saved it (false when anonymous).
    pub liked: bool,
    pub saved: bool,
    /// For a share: the shared post (null if it was removed or is hidden from you).
    #[schema(no_recursion)]
    pub shared_post: Option<Box<PostJson>>,
    /// True for a share, even when the shared post is no longer visible.
    pub is_share: bool,
    pub created_at: String,
    /// Web page of the post.
    pub url: String,
}

impl From<&PostView> for PostJson {
    fn from(v: &PostView) -> Self {
        let p = &v.post;
        Self {
            id: p.id,
            author: AuthorJson {
                username: p.author_username.clone(),
                display_name: p.author_display_name.clone(),
                kind: p.author_kind.as_str().to_owned(),
                avatar_url: p.author_avatar.as_deref().map(avatar_url),
            },
            caption: p.caption.clone(),
            location: p.location.clone(),
            hashtags: v.hashtags.iter().map(|(d, _)| d.clone()).collect(),
            images: v.images.iter().map(ImageJson::from).collect(),
            tags: v.tags.iter().map(TagJson::from).collect(),
            like_count: p.like_count,
            comment_count: p.comment_count,
            share_count: p.share_count,
            save_count: p.save_count,
            liked: v.liked,
            saved: v.saved,
            shared_post: v.original.as_deref().map(|o| Box::new(PostJson::from(o))),
            is_share: p.repost_of.is_some(),
            created_at: p.created_at.to_rfc3339(),
            url: format!("/p/{}", p.id),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ProfileViewJson {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub bio: String,
    pub website: String,
    /// `personal`, `business` or `creator`.
    pub kind: String,
    /// Profile photo (320 px wide), or null for the letter avatar.
    pub avatar_url: Option<String>,
    pub followers_count: i64,
    pub following_count: i64,
    pub posts_count: i64,
    pub created_at: String,
    /// Relationship to the requesting user (all false when anonymous).
    pub is_me: bool,
    pub followed_by_me: bool,
    pub follows_me: bool,
    pub blocked_by_me: bool,
}

impl From<&ProfileView> for ProfileViewJson {
    fn from(p: &ProfileView) -> Self {
        Self {
            id: p.id,
            username: p.username.clone(),
            display_name: p.display_name.clone(),
            bio: p.bio.clone(),
            website: p.website.clone(),
            kind: p.kind.as_str().to_owned(),
            avatar_url: p.avatar_key.as_deref().map(avatar_url),
            followers_count: p.followers_count,
            following_count: p.following_count,
            posts_count: p.posts_count,
            created_at: p.created_at.to_rfc3339(),
            is_me: p.is_me,
            followed_by_me: p.followed_by_me,
            follows_me: p.follows_me,
            blocked_by_me: p.blocked_by_me,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CommentJson {
    pub id: i64,
    pub post_id: i64,
    /// The thread's top-level comment for a reply; null for a top-level comment.
    pub parent_id: Option<i64>,
    pub author: AuthorJson,
    pub body: String,
    pub like_count: i64,
    pub liked: bool,
    /// Whether the requesting user may delete it (its author or the post's author).
    pub can_delete: bool,
    pub created_at: String,
}

impl From<&CommentView> for CommentJson {
    fn from(v: &CommentView) -> Self {
        let c = &v.comment;
        Self {
            id: c.id,
            post_id: c.post_id,
            parent_id: c.parent_id,
            author: AuthorJson {
                username: c.author_username.clone(),
                display_name: c.author_display_name.clone(),
                kind: c.author_kind.as_str().to_owned(),
                avatar_url: None,
            },
            body: c.body.clone(),
            like_count: c.like_count,
            liked: v.liked,
            can_delete: v.can_delete,
            created_at: c.created_at.to_rfc3339(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ActorJson {
    pub username: String,
    pub display_name: String,
}

#[derive(Serialize, ToSchema)]
pub struct NotificationJson {
    /// `follow`, `like`, `comment`, `reply`, `mention` or `share`.
    pub kind: String,
    /// Up to three most recent actors.
    pub actors: Vec<ActorJson>,
    /// How many distinct people did this (e.g. 13 for "Mina and 12 others liked your post").
    pub actor_count: usize,
    pub post_id: Option<i64>,
    pub comment_id: Option<i64>,
    pub unread: bool,
    pub latest_at: String,
}

impl From<&NotificationGroup> for NotificationJson {
    fn from(g: &NotificationGroup) -> Self {
        Self {
            kind: g.kind.clone(),
            actors: g
                .actors
                .iter()
                .map(|(u, d)| ActorJson {
                    username: u.clone(),
                    display_name: d.clone(),
                })
                .collect(),
            actor_count: g.actor_count,
            post_id: g.post_id,
            comment_id: g.comment_id,
            unread: g.unread,
            latest_at: g.latest_at.to_rfc3339(),
        }
    }
}

/// A page of results; pass `next_cursor` back as `cursor` for the next page (null: no more).
#[derive(Serialize, ToSchema)]
pub struct PageJson<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// `?cursor=&limit=` (limit 1–50, default 20).
#[derive(serde::Deserialize, utoipa::IntoParams)]
pub struct PageQuery {
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

pub fn post_page(p: &souk_service::social::Page<PostView>) -> PageJson<PostJson> {
    PageJson {
        items: p.items.iter().map(PostJson::from).collect(),
        next_cursor: p.next_cursor.clone(),
    }
}

/// Money as design.md §5 spells it, in and out: `{"amount_minor": 1500, "currency": "USD"}`. Every
/// commerce endpoint uses this one type.
#[derive(Debug, Clone, Copy, Serialize, serde::Deserialize, ToSchema)]
pub struct MoneyJson {
    /// Integer minor units (cents; won for KRW, which has none).
    pub amount_minor: i64,
    /// ISO 4217 code.
    #[schema(value_type = String, example = "USD")]
    pub currency: souk_domain::Currency,
}

impl From<souk_domain::Money> for MoneyJson {
    fn from(m: souk_domain::Money) -> Self {
        MoneyJson {
            amount_minor: m.amount_minor,
            currency: m.currency,
        }
    }
}

impl From<MoneyJson> for souk_domain::Money {
    fn from(m: MoneyJson) -> Self {
        souk_domain::Money::new(m.amount_minor, m.currency)
    }
}
