//! The social layer: follows and blocks, posts with images, hashtags and mentions, likes, saves, shares,
//! comments, feeds, notifications and reports.

use crate::media::{Media, MediaError, StoredImage};
use crate::{ServiceError, ServiceResult, Viewer};
use souk_domain::social::{self, DiscoverWeights};
use souk_domain::{AccountKind, FieldError, Role, Timestamp};
use souk_store::accounts::{self, UserRecord};
use souk_store::comments::{self, CommentRecord};
use souk_store::notifications::{self, NewNotification, NotificationRecord};
use souk_store::posts::{self, Counter, ImageRecord, NewPost, PostRecord};
use souk_store::{Db, Tx, follows, reports};
use std::collections::HashMap;
use std::sync::Arc;

/// The folder part of a stored image key (`img/<id>/orig.jpg` → `img/<id>`).
pub fn media_prefix(key: &str) -> &str {
    key.rsplit_once('/').map(|(p, _)| p).unwrap_or(key)
}

/// Which image failed matters to the person uploading ten of them.
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

pub const PAGE_MAX: i64 = 50;
/// Reasons a report may give, in the order forms list them.
pub const REPORT_REASONS: [&str; 8] = [
    "spam",
    "scam",
    "harassment",
    "hate",
    "nudity",
    "violence",
    "counterfeit",
    "other",
];
/// Profile photos are shown at most ~100 px wide; the stored key is the smallest image at least this wide.
pub const AVATAR_WIDTH: u32 = 320;
pub const PAGE_DEFAULT: i64 = 20;
/// Discover ranks the most recent posts of this window.
const DISCOVER_WINDOW_DAYS: i64 = 30;
const DISCOVER_CANDIDATES: i64 = 500;

/// A public profile with its counters and the viewer's relationship to it.
#[derive(Debug, Clone)]
pub struct ProfileView {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub bio: String,
    pub website: String,
    pub kind: AccountKind,
    pub avatar_key: Option<String>,
    pub followers_count: i64,
    pub following_count: i64,
    pub posts_count: i64,
    pub created_at: Timestamp,
    pub is_me: bool,
    pub followed_by_me: bool,
    pub follows_me: bool,
    pub blocked_by_me: bool,
}

#[derive(Debug, Clone)]
pub struct PostView {
    pub post: PostRecord,
    pub images: Vec<ImageRecord>,
    pub hashtags: Vec<(String, String)>,
    pub liked: bool,
    pub saved: bool,
    /// Product tags on the post's images (only those of products still for sale).
    pub tags: Vec<souk_store::tags::TagRecord>,
    /// For a share: the post being shared (None if it is gone or hidden from the viewer).
    pub original: Option<Box<PostView>>,
}

#[derive(Debug, Clone)]
pub struct CommentView {
    pub comment: CommentRecord,
    pub liked: bool,
    pub can_delete: bool,
}

/// A group of notifications shown as one line ("Mina and 12 others liked your post").
#[derive(Debug, Clone)]
pub struct NotificationGroup {
    pub kind: String,
    pub post_id: Option<i64>,
    pub comment_id: Option<i64>,
    pub shop_handle: Option<String>,
    pub subject_id: Option<i64>,
    /// Up to three most recent actors: (username, display name).
    pub actors: Vec<(String, String)>,
    pub actor_count: usize,
    pub latest_at: Timestamp,
    pub unread: bool,
    /// The newest notification id in the group (cursor for the next page).
    pub newest_id: i64,
    pub oldest_id: i64,
}

/// A reported comment or account as the operator sees it in the queue.
#[derive(Debug, Clone)]
pub struct ReportSubject {
    pub username: String,
    /// The post a comment is on.
    pub post_id: Option<i64>,
    /// The comment's text, or the account's bio.
    pub text: String,
}

pub struct NewImage {
    pub media_key: String,
    pub width: u32,
    pub height: u32,
    pub alt_text: String,
}

pub struct CreatePost {
    pub caption: String,
    pub location: String,
    pub images: Vec<NewImage>,
}

/// A page of items and the cursor for the next one.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagSort {
    Newest,
    Top,
}

#[derive(Clone)]
pub struct SocialService {
    db: Db,
    weights: DiscoverWeights,
    media: Arc<Media>,
}

/// An uploaded photo before processing (or a drawing, stored in the background: see
/// [`crate::media::Drawing`]).
pub struct Upload {
    pub image: crate::media::ImageSource,
    pub alt_text: String,
}

fn limit(requested: Option<i64>) -> i64 {
    requested.unwrap_or(PAGE_DEFAULT).clamp(1, PAGE_MAX)
}

/// Cursors are opaque to clients; internally a decimal number (an id or an offset).
fn parse_cursor(cursor: Option<&str>, default: i64) -> ServiceResult<i64> {
    match cursor.map(str::trim).filter(|c| !c.is_empty()) {
        None => Ok(default),
        Some(c) => c.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
            ServiceError::field("cursor", "cursor_invalid", "The cursor is not valid.")
        }),
    }
}

/// Pages are fetched one row long: an extra row means there is a next page, whose cursor is taken from
/// the last row kept.
fn split_page<T>(
    mut rows: Vec<T>,
    n: i64,
    cursor_of: impl Fn(&T) -> String,
) -> (Vec<T>, Option<String>) {
    let keep = usize::try_from(n).unwrap_or(0);
    let more = rows.len() > keep;
    rows.truncate(keep);
    let next = if more {
        rows.last().map(cursor_of)
    } else {
        None
    };
    (rows, next)
}

fn viewer_id(v: Option<&Viewer>) -> i64 {
    v.map(|v| v.user_id).unwrap_or(0)
}

impl SocialService {
    pub fn new(db: Db, weights: DiscoverWeights, media: Arc<Media>) -> Self {
        Self { db, weights, media }
    }

    /// Creates a post from uploaded photos: the text is checked before any image work, every photo goes
    /// through the media pipeline, and if anything fails the stored files are removed again.
    pub async fn publish(
        &self,
        viewer: &Viewer,
        caption: String,
        location: String,
        uploads: Vec<Upload>,
    ) -> ServiceResult<PostView> {
        self.publish_as_of(viewer, caption, location, uploads, Timestamp::now())
            .await
    }

    /// [`Self::publish`] with an explicit publication time, for importing posts that already exist
    /// elsewhere (and for demo data). Callers importing several posts must go oldest first, because
    /// feeds page by id.
    pub async fn publish_as_of(
        &self,
        viewer: &Viewer,
        caption: String,
        location: String,
        uploads: Vec<Upload>,
        at: Timestamp,
    ) -> ServiceResult<PostView> {
        let placeholder = CreatePost {
            caption: caption.clone(),
            location: location.clone(),
            images: uploads
                .iter()
                .map(|u| NewImage {
                    media_key: String::new(),
                    width: 0,
                    height: 0,
                    alt_text: u.alt_text.clone(),
                })
                .collect(),
        };
        validate_post(&placeholder)?;
        let mut stored: Vec<(StoredImage, String)> = Vec::with_capacity(uploads.len());
        for (i, u) in uploads.into_iter().enumerate() {
            match self.media.pipeline.ingest_source(u.image).await {
                Ok(img) => stored.push((img, u.alt_text)),
                Err(e) => {
                    self.forget(stored.iter().map(|(s, _)| s.key_prefix.clone()))
                        .await;
                    return Err(image_error(i, e));
                }
            }
        }
        let prefixes: Vec<String> = stored.iter().map(|(s, _)| s.key_prefix.clone()).collect();
        let cmd = CreatePost {
            caption,
            location,
            images: stored
                .into_iter()
                .map(|(s, alt)| NewImage {
                    media_key: s.original_key(),
                    width: s.width,
                    height: s.height,
                    alt_text: alt,
                })
                .collect(),
        };
        match self.create_post_at(viewer, cmd, at).await {
            Ok(v) => Ok(v),
            Err(e) => {
                self.forget(prefixes.into_iter()).await;
                Err(e)
            }
        }
    }

    /// Sets (or with `None` removes) the viewer's profile photo; the previous photo's files are deleted.
    pub async fn set_avatar(
        &self,
        viewer: &Viewer,
        image: Option<Vec<u8>>,
    ) -> ServiceResult<ProfileView> {
        let stored = match image {
            Some(bytes) => Some(self.media.pipeline.ingest(&bytes).await.map_err(|e| {
                if e.is_user_error() {
                    ServiceError::Validation(vec![FieldError::new(
                        "avatar",
                        e.code(),
                        e.to_string(),
                    )])
                } else {
                    ServiceError::Internal(e.to_string())
                }
            })?),
            None => None,
        };
        let previous = {
            let mut h = self.db.read().await?;
            accounts::find_by_id(h.conn(), viewer.user_id)
                .await?
                .and_then(|u| u.avatar_key)
        };
        let mut tx = self.db.begin().await?;
        accounts::set_avatar(
            tx.conn(),
            viewer.user_id,
            stored
                .as_ref()
                .map(|s| s.key_for_width(AVATAR_WIDTH))
                .as_deref(),
        )
        .await?;
        tx.commit().await?;
        if let Some(old) = previous {
            self.forget(std::iter::once(media_prefix(&old).to_owned()))
                .await;
        }
        self.profile(Some(viewer), &viewer.username).await
    }

    /// Deletes a post and then its image files.
    pub async fn remove_post(&self, viewer: &Viewer, id: i64) -> ServiceResult<()> {
        let keys = self.delete_post(viewer, id).await?;
        self.forget(keys.iter().map(|k| media_prefix(k).to_owned()))
            .await;
        Ok(())
    }

    /// Best-effort file cleanup: a leftover file wastes space but breaks nothing, so failures are logged.
    async fn forget(&self, prefixes: impl Iterator<Item = String>) {
        for p in prefixes {
            if let Err(e) = self.media.store.delete_prefix(&p).await {
                tracing::warn!(prefix = %p, error = %e, "could not delete image files");
            }
        }
    }

    async fn user_by_name(&self, username: &str) -> ServiceResult<UserRecord> {
        let mut h = self.db.read().await?;
        accounts::find_by_username(h.conn(), &username.trim().to_ascii_lowercase())
            .await?
            .filter(|u| u.suspended_at.is_none())
            .ok_or(ServiceError::NotFound)
    }

    /// A profile as seen by `viewer`. Someone who blocked the viewer does not exist for them.
    pub async fn profile(
        &self,
        viewer: Option<&Viewer>,
        username: &str,
    ) -> ServiceResult<ProfileView> {
        let u = self.user_by_name(username).await?;
        let me = viewer_id(viewer);
        let mut h = self.db.read().await?;
        let (followed_by_me, follows_me, blocked_by_me) = if me != 0 && me != u.id {
            let r = follows::relationship(h.conn(), me, u.id).await?;
            if r.they_blocked_me {
                return Err(ServiceError::NotFound);
            }
            (r.me_follows_them, r.they_follow_me, r.me_blocked_them)
        } else {
            (false, false, false)
        };
        Ok(ProfileView {
            is_me: me == u.id,
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            bio: u.bio,
            website: u.website,
            kind: u.kind,
            avatar_key: u.avatar_key,
            followers_count: u.followers_count,
            following_count: u.following_count,
            posts_count: u.posts_count,
            created_at: u.created_at,
            followed_by_me,
            follows_me,
            blocked_by_me,
        })
    }

    pub async fn follow(&self, viewer: &Viewer, username: &str) -> ServiceResult<ProfileView> {
        let target = self.user_by_name(username).await?;
        if target.id == viewer.user_id {
            return Err(ServiceError::field(
                "username",
                "cannot_follow_self",
                "You cannot follow yourself.",
            ));
        }
        let now = Timestamp::now();
        let mut tx = self.db.begin().await?;
        if follows::blocked_either_way(tx.conn(), viewer.user_id, target.id).await? {
            return Err(ServiceError::NotFound);
        }
        if follows::insert(tx.conn(), viewer.user_id, target.id, now).await? {
            follows::adjust_counts(tx.conn(), viewer.user_id, target.id, 1).await?;
            notify(
                &mut tx,
                target.id,
                "follow",
                viewer.user_id,
                None,
                None,
                now,
            )
            .await?;
        }
        tx.commit().await?;
        self.profile(Some(viewer), username).await
    }

    pub async fn unfollow(&self, viewer: &Viewer, username: &str) -> ServiceResult<ProfileView> {
        let target = self.user_by_name(username).await?;
        let mut tx = self.db.begin().await?;
        if follows::delete(tx.conn(), viewer.user_id, target.id).await? {
            follows::adjust_counts(tx.conn(), viewer.user_id, target.id, -1).await?;
        }
        tx.commit().await?;
        self.profile(Some(viewer), username).await
    }

    /// Blocks a user: both follow links are cut, and neither can see or interact with the other's content.
    pub async fn block(&self, viewer: &Viewer, username: &str) -> ServiceResult<()> {
        let target = self.user_by_name(username).await?;
        if target.id == viewer.user_id {
            return Err(ServiceError::field(
                "username",
                "cannot_block_self",
                "You cannot block yourself.",
            ));
        }
        let mut tx = self.db.begin().await?;
        follows::block(tx.conn(), viewer.user_id, target.id, Timestamp::now()).await?;
        for (a, b) in [(viewer.user_id, target.id), (target.id, viewer.user_id)] {
            if follows::delete(tx.conn(), a, b).await? {
                follows::adjust_counts(tx.conn(), a, b, -1).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn unblock(&self, viewer: &Viewer, username: &str) -> ServiceResult<()> {
        let target = self.user_by_name(username).await?;
        let mut tx = self.db.begin().await?;
        follows::unblock(tx.conn(), viewer.user_id, target.id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Followers (or followings) of a user, newest first. Cursor: `<micros>_<id>` of the last item.
    pub async fn follow_list(
        &self,
        viewer: Option<&Viewer>,
        username: &str,
        followers: bool,
        cursor: Option<&str>,
        requested: Option<i64>,
    ) -> ServiceResult<Page<ProfileView>> {
        let owner = self.profile(viewer, username).await?;
        let before = match cursor.filter(|c| !c.is_empty()) {
            None => None,
            Some(c) => Some(
                c.split_once('_')
                    .and_then(|(t, i)| Some((t.parse::<i64>().ok()?, i.parse::<i64>().ok()?)))
                    .ok_or_else(|| {
                        ServiceError::field("cursor", "cursor_invalid", "The cursor is not valid.")
                    })?,
            ),
        };
        let n = limit(requested);
        let mut h = self.db.read().await?;
        let rows = follows::list(h.conn(), owner.id, followers, before, n + 1).await?;
        let (rows, next_cursor) = split_page(rows, n, |(id, t)| format!("{t}_{id}"));
        let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
        let users = accounts::by_ids(h.conn(), &ids).await?;
        drop(h);
        let items = rows
            .iter()
            .filter_map(|(id, _)| {
                users
                    .iter()
                    .find(|u| u.id == *id && u.suspended_at.is_none())
            })
            .map(|u| ProfileView {
                is_me: viewer_id(viewer) == u.id,
                id: u.id,
                username: u.username.clone(),
                display_name: u.display_name.clone(),
                bio: u.bio.clone(),
                website: u.website.clone(),
                kind: u.kind,
                avatar_key: u.avatar_key.clone(),
                followers_count: u.followers_count,
                following_count: u.following_count,
                posts_count: u.posts_count,
                created_at: u.created_at,
                followed_by_me: false,
                follows_me: false,
                blocked_by_me: false,
            })
            .collect();
        Ok(Page { items, next_cursor })
    }

    /// Creates a post from images already stored by the media pipeline.
    pub async fn create_post(&self, viewer: &Viewer, cmd: CreatePost) -> ServiceResult<PostView> {
        self.create_post_at(viewer, cmd, Timestamp::now()).await
    }

    async fn create_post_at(
        &self,
        viewer: &Viewer,
        cmd: CreatePost,
        now: Timestamp,
    ) -> ServiceResult<PostView> {
        let (caption, location) = validate_post(&cmd)?;
        let mut tx = self.db.begin().await?;
        let id = posts::insert(
            tx.conn(),
            &NewPost {
                author_id: viewer.user_id,
                caption: &caption,
                location: &location,
                repost_of: None,
                now,
            },
        )
        .await?;
        for (i, img) in cmd.images.iter().enumerate() {
            let record = ImageRecord {
                post_id: id,
                position: i32::try_from(i).unwrap_or(i32::MAX),
                media_key: img.media_key.clone(),
                width: i32::try_from(img.width).unwrap_or(i32::MAX),
                height: i32::try_from(img.height).unwrap_or(i32::MAX),
                alt_text: img.alt_text.clone(),
            };
            posts::insert_image(tx.conn(), &record).await?;
        }
        link_hashtags(&mut tx, id, &caption).await?;
        crate::search::post_changed(tx.conn(), "post.created", id).await?;
        posts::adjust_posts_count(tx.conn(), viewer.user_id, 1).await?;
        notify_mentions(&mut tx, viewer.user_id, &caption, Some(id), None, now).await?;
        tx.commit().await?;
        self.post(Some(viewer), id).await
    }

    /// Validates a post's text and image count without writing anything (so uploads can be refused
    /// before any image is processed).
    pub fn check_post(&self, cmd: &CreatePost) -> ServiceResult<()> {
        validate_post(cmd).map(|_| ())
    }

    pub async fn post(&self, viewer: Option<&Viewer>, id: i64) -> ServiceResult<PostView> {
        let mut h = self.db.read().await?;
        let record = posts::by_id(h.conn(), viewer_id(viewer), id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        drop(h);
        let mut views = self.assemble(viewer, vec![record]).await?;
        views.pop().ok_or(ServiceError::NotFound)
    }

    /// The posts among `ids` the viewer may see, assembled in one batch (in no particular order).
    pub async fn posts_by_ids(
        &self,
        viewer: Option<&Viewer>,
        ids: &[i64],
    ) -> ServiceResult<Vec<PostView>> {
        let mut h = self.db.read().await?;
        let records = posts::by_ids(h.conn(), viewer_id(viewer), ids).await?;
        drop(h);
        self.assemble(viewer, records).await
    }

    /// Joins images, hashtags, the viewer's likes/saves and shared originals onto post records.
    async fn assemble(
        &self,
        viewer: Option<&Viewer>,
        records: Vec<PostRecord>,
    ) -> ServiceResult<Vec<PostView>> {
        let me = viewer_id(viewer);
        let mut h = self.db.read().await?;
        let original_ids: Vec<i64> = records.iter().filter_map(|p| p.repost_of).collect();
        let originals = posts::by_ids(h.conn(), me, &original_ids).await?;
        let mut all_ids: Vec<i64> = records.iter().map(|p| p.id).collect();
        all_ids.extend(originals.iter().map(|p| p.id));
        let (images, marks) = posts::images_and_marks(h.conn(), me, &all_ids).await?;
        let tags = souk_store::tags::for_posts(h.conn(), &all_ids).await?;
        drop(h);
        let build = |p: PostRecord| -> PostView {
            PostView {
                images: images
                    .iter()
                    .filter(|i| i.post_id == p.id)
                    .cloned()
                    .collect(),
                hashtags: social::hashtags(&p.caption),
                liked: marks.iter().any(|(id, like)| *id == p.id && *like),
                saved: marks.iter().any(|(id, like)| *id == p.id && !*like),
                tags: tags.iter().filter(|t| t.post_id == p.id).cloned().collect(),
                original: None,
                post: p,
            }
        };
        let originals: Vec<PostView> = originals.into_iter().map(build).collect();
        Ok(records
            .into_iter()
            .map(|p| {
                let original = p
                    .repost_of
                    .and_then(|oid| originals.iter().find(|o| o.post.id == oid).cloned())
                    .map(Box::new);
                let mut v = build(p);
                v.original = original;
                v
            })
            .collect())
    }

    /// The author, for edits and deletes; someone who cannot see the post gets 404, a viewer who can see
    /// it but is not its author gets 403.
    async fn authorise_author(
        &self,
        viewer: &Viewer,
        id: i64,
        allow_admin: bool,
    ) -> ServiceResult<PostRecord> {
        let mut h = self.db.read().await?;
        let post = posts::by_id(h.conn(), viewer.user_id, id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        if post.author_id != viewer.user_id && !(allow_admin && viewer.role == Role::Admin) {
            return Err(ServiceError::Forbidden);
        }
        Ok(post)
    }

    pub async fn edit_caption(
        &self,
        viewer: &Viewer,
        id: i64,
        caption: &str,
    ) -> ServiceResult<PostView> {
        self.authorise_author(viewer, id, false).await?;
        let caption = social::parse_caption(caption)?;
        let now = Timestamp::now();
        let mut tx = self.db.begin().await?;
        posts::set_caption(tx.conn(), id, &caption, now).await?;
        crate::search::post_changed(tx.conn(), "post.edited", id).await?;
        for tag in posts::unlink_hashtags(tx.conn(), id).await? {
            posts::adjust_hashtag_count(tx.conn(), tag, -1).await?;
        }
        link_hashtags(&mut tx, id, &caption).await?;
        tx.commit().await?;
        self.post(Some(viewer), id).await
    }

    /// Deletes a post and everything derived from it; returns the media keys whose files should go too.
    pub async fn delete_post(&self, viewer: &Viewer, id: i64) -> ServiceResult<Vec<String>> {
        let post = self.authorise_author(viewer, id, true).await?;
        let mut tx = self.db.begin().await?;
        let keys = posts::media_keys(tx.conn(), id).await?;
        crate::search::post_deleted(tx.conn(), id).await?;
        for tag in posts::unlink_hashtags(tx.conn(), id).await? {
            posts::adjust_hashtag_count(tx.conn(), tag, -1).await?;
        }
        if let Some(original) = post.repost_of {
            posts::adjust_counter(tx.conn(), original, Counter::Shares, -1).await?;
        }
        // Its shares go with it (foreign-key cascade); their sharers' and hashtags' counters must follow.
        for (share, sharer) in posts::shares_of(tx.conn(), id).await? {
            for tag in posts::unlink_hashtags(tx.conn(), share).await? {
                posts::adjust_hashtag_count(tx.conn(), tag, -1).await?;
            }
            posts::adjust_posts_count(tx.conn(), sharer, -1).await?;
        }
        posts::delete(tx.conn(), id).await?;
        posts::adjust_posts_count(tx.conn(), post.author_id, -1).await?;
        tx.commit().await?;
        Ok(keys)
    }

    /// The post if the viewer may interact with it (visible, no block either way).
    async fn interactable(
        &self,
        tx: &mut Tx,
        viewer: &Viewer,
        id: i64,
    ) -> ServiceResult<PostRecord> {
        posts::by_id(tx.conn(), viewer.user_id, id)
            .await?
            .ok_or(ServiceError::NotFound)
    }

    /// Likes (`like = true`) or saves a post; idempotent, counters exact under concurrency because the
    /// counter moves only when the row really changed, in the same transaction.
    pub async fn mark(
        &self,
        viewer: &Viewer,
        id: i64,
        like: bool,
        on: bool,
    ) -> ServiceResult<PostView> {
        let now = Timestamp::now();
        let mut tx = self.db.begin().await?;
        let post = self.interactable(&mut tx, viewer, id).await?;
        let counter = if like { Counter::Likes } else { Counter::Saves };
        if on {
            if posts::insert_mark(tx.conn(), like, id, viewer.user_id, now).await? {
                posts::adjust_counter(tx.conn(), id, counter, 1).await?;
                if like && post.author_id != viewer.user_id {
                    notify(
                        &mut tx,
                        post.author_id,
                        "like",
                        viewer.user_id,
                        Some(id),
                        None,
                        now,
                    )
                    .await?;
                }
            }
        } else if posts::delete_mark(tx.conn(), like, id, viewer.user_id).await? {
            posts::adjust_counter(tx.conn(), id, counter, -1).await?;
        }
        tx.commit().await?;
        self.post(Some(viewer), id).await
    }

    /// Shares a post to the viewer's followers, optionally with a comment. Sharing a share shares the
    /// original.
    pub async fn share(&self, viewer: &Viewer, id: i64, comment: &str) -> ServiceResult<PostView> {
        let caption = social::parse_caption(comment)?;
        let now = Timestamp::now();
        let mut tx = self.db.begin().await?;
        let post = self.interactable(&mut tx, viewer, id).await?;
        let original_id = post.repost_of.unwrap_or(post.id);
        let original = if original_id == post.id {
            post
        } else {
            self.interactable(&mut tx, viewer, original_id).await?
        };
        let new_id = posts::insert(
            tx.conn(),
            &NewPost {
                author_id: viewer.user_id,
                caption: &caption,
                location: "",
                repost_of: Some(original.id),
                now,
            },
        )
        .await?;
        link_hashtags(&mut tx, new_id, &caption).await?;
        crate::search::post_changed(tx.conn(), "post.shared", new_id).await?;
        posts::adjust_counter(tx.conn(), original.id, Counter::Shares, 1).await?;
        posts::adjust_posts_count(tx.conn(), viewer.user_id, 1).await?;
        if original.author_id != viewer.user_id {
            notify(
                &mut tx,
                original.author_id,
                "share",
                viewer.user_id,
                Some(original.id),
                None,
                now,
            )
            .await?;
        }
        notify_mentions(&mut tx, viewer.user_id, &caption, Some(new_id), None, now).await?;
        tx.commit().await?;
        self.post(Some(viewer), new_id).await
    }

    pub async fn comments(
        &self,
        viewer: Option<&Viewer>,
        post_id: i64,
        cursor: Option<&str>,
        requested: Option<i64>,
    ) -> ServiceResult<Page<CommentView>> {
        let after = parse_cursor(cursor, 0)?;
        let n = limit(requested.or(Some(PAGE_MAX)));
        let me = viewer_id(viewer);
        let mut h = self.db.read().await?;
        // Only the visibility check and the author are needed here, not the post's photos and tags.
        let post_author = posts::by_id(h.conn(), me, post_id)
            .await?
            .ok_or(ServiceError::NotFound)?
            .author_id;
        let rows = comments::for_post(h.conn(), me, post_id, after, n + 1).await?;
        let (rows, next_cursor) = split_page(rows, n, |c| c.id.to_string());
        let ids: Vec<i64> = rows.iter().map(|c| c.id).collect();
        let liked = comments::liked_by(h.conn(), me, &ids).await?;
        let items = rows
            .into_iter()
            .map(|c| CommentView {
                liked: liked.contains(&c.id),
                can_delete: me != 0 && (c.author_id == me || post_author == me),
                comment: c,
            })
            .collect();
        Ok(Page { items, next_cursor })
    }

    /// Adds a comment or a reply. A reply to a reply joins the same thread (one level of nesting).
    pub async fn add_comment(
        &self,
        viewer: &Viewer,
        post_id: i64,
        body: &str,
        parent_id: Option<i64>,
    ) -> ServiceResult<CommentView> {
        self.add_comment_as_of(viewer, post_id, body, parent_id, Timestamp::now())
            .await
    }

    /// [`Self::add_comment`] with an explicit time, for imported conversations (and demo data).
    pub async fn add_comment_as_of(
        &self,
        viewer: &Viewer,
        post_id: i64,
        body: &str,
        parent_id: Option<i64>,
        now: Timestamp,
    ) -> ServiceResult<CommentView> {
        let body = social::parse_comment(body)?;
        let mut tx = self.db.begin().await?;
        let post = self.interactable(&mut tx, viewer, post_id).await?;
        let parent = match parent_id {
            None => None,
            Some(pid) => {
                let gone = || {
                    ServiceError::field(
                        "parent_id",
                        "parent_not_found",
                        "The comment you reply to is gone.",
                    )
                };
                let p = comments::by_id(tx.conn(), pid)
                    .await?
                    .filter(|c| c.post_id == post_id)
                    .ok_or_else(gone)?;
                // A comment by someone blocked either way is hidden from the viewer, so it is gone for them too.
                if follows::blocked_either_way(tx.conn(), viewer.user_id, p.author_id).await? {
                    return Err(gone());
                }
                Some(p)
            }
        };
        let thread_parent = parent.as_ref().map(|p| p.parent_id.unwrap_or(p.id));
        let id = comments::insert(
            tx.conn(),
            post_id,
            viewer.user_id,
            thread_parent,
            &body,
            now,
        )
        .await?;
        posts::adjust_counter(tx.conn(), post_id, Counter::Comments, 1).await?;
        if let Some(p) = &parent
            && p.author_id != viewer.user_id
        {
            notify(
                &mut tx,
                p.author_id,
                "reply",
                viewer.user_id,
                Some(post_id),
                Some(id),
                now,
            )
            .await?;
        }
        if post.author_id != viewer.user_id
            && parent
                .as_ref()
                .is_none_or(|p| p.author_id != post.author_id)
        {
            notify(
                &mut tx,
                post.author_id,
                "comment",
                viewer.user_id,
                Some(post_id),
                Some(id),
                now,
            )
            .await?;
        }
        notify_mentions(&mut tx, viewer.user_id, &body, Some(post_id), Some(id), now).await?;
        let comment = comments::by_id(tx.conn(), id)
            .await?
            .ok_or_else(|| ServiceError::Internal("comment vanished".into()))?;
        tx.commit().await?;
        Ok(CommentView {
            comment,
            liked: false,
            can_delete: true,
        })
    }

    /// The comment's author, or the author of the post it is on, may delete it (with its replies).
    pub async fn delete_comment(&self, viewer: &Viewer, comment_id: i64) -> ServiceResult<()> {
        let mut tx = self.db.begin().await?;
        let comment = comments::by_id(tx.conn(), comment_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let post = self.interactable(&mut tx, viewer, comment.post_id).await?;
        if comment.author_id != viewer.user_id
            && post.author_id != viewer.user_id
            && viewer.role != Role::Admin
        {
            return Err(ServiceError::Forbidden);
        }
        let removed = comments::delete(tx.conn(), comment_id).await?;
        posts::adjust_counter(tx.conn(), comment.post_id, Counter::Comments, -removed).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn like_comment(
        &self,
        viewer: &Viewer,
        comment_id: i64,
        on: bool,
    ) -> ServiceResult<i64> {
        let mut tx = self.db.begin().await?;
        let comment = comments::by_id(tx.conn(), comment_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        self.interactable(&mut tx, viewer, comment.post_id).await?;
        if follows::blocked_either_way(tx.conn(), viewer.user_id, comment.author_id).await? {
            return Err(ServiceError::NotFound);
        }
        let delta = if on {
            i64::from(
                comments::insert_like(tx.conn(), comment_id, viewer.user_id, Timestamp::now())
                    .await?,
            )
        } else {
            -i64::from(comments::delete_like(tx.conn(), comment_id, viewer.user_id).await?)
        };
        if delta != 0 {
            comments::adjust_likes(tx.conn(), comment_id, delta).await?;
        }
        tx.commit().await?;
        Ok(comment.like_count + delta)
    }

    pub async fn home_feed(
        &self,
        viewer: &Viewer,
        cursor: Option<&str>,
        requested: Option<i64>,
    ) -> ServiceResult<Page<PostView>> {
        let before = parse_cursor(cursor, i64::MAX)?;
        let n = limit(requested);
        let mut h = self.db.read().await?;
        let rows = posts::home(h.conn(), viewer.user_id, before, n + 1).await?;
        drop(h);
        let (rows, next_cursor) = split_page(rows, n, |p| p.id.to_string());
        Ok(Page {
            items: self.assemble(Some(viewer), rows).await?,
            next_cursor,
        })
    }

    /// Posts from accounts the viewer does not follow, ranked by [`social::discover_score`].
    pub async fn discover(
        &self,
        viewer: Option<&Viewer>,
        cursor: Option<&str>,
        requested: Option<i64>,
    ) -> ServiceResult<Page<PostView>> {
        let offset = parse_cursor(cursor, 0)?;
        let n = limit(requested);
        let now = Timestamp::now();
        let since = now.plus_seconds(-DISCOVER_WINDOW_DAYS * 86_400);
        let mut h = self.db.read().await?;
        let mut rows =
            posts::discover_candidates(h.conn(), viewer_id(viewer), since, DISCOVER_CANDIDATES)
                .await?;
        drop(h);
        let score = |p: &PostRecord| {
            let age = (now.as_micros() - p.created_at.as_micros()) / 1_000_000;
            social::discover_score(
                &self.weights,
                p.like_count,
                p.comment_count,
                p.share_count,
                p.save_count,
                age,
            )
        };
        rows.sort_by(|a, b| score(b).total_cmp(&score(a)).then(b.id.cmp(&a.id)));
        let total = rows.len() as i64;
        let page: Vec<PostRecord> = rows
            .into_iter()
            .skip(offset as usize)
            .take(n as usize)
            .collect();
        let next_cursor = (offset + n < total).then(|| (offset + n).to_string());
        Ok(Page {
            items: self.assemble(viewer, page).await?,
            next_cursor,
        })
    }

    pub async fn user_posts(
        &self,
        viewer: Option<&Viewer>,
        username: &str,
        cursor: Option<&str>,
        requested: Option<i64>,
    ) -> ServiceResult<Page<PostView>> {
        let owner = self.profile(viewer, username).await?;
        self.posts_of(viewer, &owner, cursor, requested).await
    }

    /// [`Self::user_posts`] for a profile the caller already loaded for this viewer with
    /// [`Self::profile`] (which refuses authors who blocked the viewer), so profile pages load it once.
    pub async fn posts_of(
        &self,
        viewer: Option<&Viewer>,
        owner: &ProfileView,
        cursor: Option<&str>,
        requested: Option<i64>,
    ) -> ServiceResult<Page<PostView>> {
        let before = parse_cursor(cursor, i64::MAX)?;
        let n = limit(requested);
        let mut h = self.db.read().await?;
        let rows = posts::by_author(h.conn(), viewer_id(viewer), owner.id, before, n + 1).await?;
        drop(h);
        let (rows, next_cursor) = split_page(rows, n, |p| p.id.to_string());
        Ok(Page {
            items: self.assemble(viewer, rows).await?,
            next_cursor,
        })
    }

    /// Posts that tag a product ("As seen in"), newest first. Tags of an archived product are hidden, so
    /// the grid is empty for it rather than broken.
    pub async fn posts_tagging(
        &self,
        viewer: Option<&Viewer>,
        product_id: i64,
        cursor: Option<&str>,
        requested: Option<i64>,
    ) -> ServiceResult<Page<PostView>> {
        let before = parse_cursor(cursor, i64::MAX)?;
        let n = limit(requested);
        let me = viewer_id(viewer);
        let mut h = self.db.read().await?;
        let ids =
            souk_store::tags::posts_for_product(h.conn(), me, product_id, before, n + 1).await?;
        let (ids, next_cursor) = split_page(ids, n, |id| id.to_string());
        let mut rows = posts::by_ids(h.conn(), me, &ids).await?;
        drop(h);
        rows.sort_by_key(|p| std::cmp::Reverse(p.id));
        let items = self
            .assemble(viewer, rows)
            .await?
            .into_iter()
            .filter(|v| v.tags.iter().any(|t| t.product_id == product_id))
            .collect();
        Ok(Page { items, next_cursor })
    }

    /// A hashtag page: the tag as first written, its post count, and posts (newest or top).
    pub async fn hashtag(
        &self,
        viewer: Option<&Viewer>,
        tag: &str,
        sort: TagSort,
        cursor: Option<&str>,
        requested: Option<i64>,
    ) -> ServiceResult<(String, i64, Page<PostView>)> {
        let key = social::hashtag_key(tag.trim().trim_start_matches(['#', '＃']));
        let n = limit(requested);
        let me = viewer_id(viewer);
        let mut h = self.db.read().await?;
        let (display, count) = posts::hashtag(h.conn(), &key)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let (rows, next_cursor) = match sort {
            TagSort::Newest => {
                let before = parse_cursor(cursor, i64::MAX)?;
                let rows = posts::by_hashtag(h.conn(), me, &key, before, n + 1).await?;
                split_page(rows, n, |p| p.id.to_string())
            }
            TagSort::Top => {
                let offset = parse_cursor(cursor, 0)?;
                let rows = posts::top_by_hashtag(h.conn(), me, &key, offset, n + 1).await?;
                split_page(rows, n, |_| (offset + n).to_string())
            }
        };
        drop(h);
        Ok((
            display,
            count,
            Page {
                items: self.assemble(viewer, rows).await?,
                next_cursor,
            },
        ))
    }

    pub async fn trending(&self, n: i64) -> ServiceResult<Vec<(String, String, i64)>> {
        let mut h = self.db.read().await?;
        Ok(posts::trending_hashtags(h.conn(), n.clamp(1, 50)).await?)
    }

    pub async fn saved(
        &self,
        viewer: &Viewer,
        cursor: Option<&str>,
        requested: Option<i64>,
    ) -> ServiceResult<Page<PostView>> {
        let offset = parse_cursor(cursor, 0)?;
        let n = limit(requested);
        let mut h = self.db.read().await?;
        let rows = posts::saved_by(h.conn(), viewer.user_id, offset, n + 1).await?;
        drop(h);
        let (rows, next_cursor) = split_page(rows, n, |_| (offset + n).to_string());
        Ok(Page {
            items: self.assemble(Some(viewer), rows).await?,
            next_cursor,
        })
    }

    /// Notifications grouped by kind and target within the page, newest first.
    pub async fn notifications(
        &self,
        viewer: &Viewer,
        cursor: Option<&str>,
        requested: Option<i64>,
    ) -> ServiceResult<Page<NotificationGroup>> {
        let before = parse_cursor(cursor, i64::MAX)?;
        let n = limit(requested);
        let mut h = self.db.read().await?;
        let rows = notifications::list(h.conn(), viewer.user_id, before, n + 1).await?;
        drop(h);
        let (rows, next_cursor) = split_page(rows, n, |r| r.id.to_string());
        Ok(Page {
            items: group_notifications(rows),
            next_cursor,
        })
    }

    pub async fn unread_notifications(&self, viewer: &Viewer) -> ServiceResult<i64> {
        let mut h = self.db.read().await?;
        Ok(notifications::unread_count(h.conn(), viewer.user_id).await?)
    }

    pub async fn mark_notifications_read(&self, viewer: &Viewer) -> ServiceResult<()> {
        let mut tx = self.db.begin().await?;
        notifications::mark_all_read(tx.conn(), viewer.user_id, Timestamp::now()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Files a report. The target must exist and be visible to the reporter.
    pub async fn report(
        &self,
        viewer: &Viewer,
        kind: &str,
        target: &str,
        reason: &str,
        note: &str,
    ) -> ServiceResult<i64> {
        if !REPORT_REASONS.contains(&reason) {
            return Err(ServiceError::field(
                "reason",
                "report_reason_invalid",
                format!("Reason must be one of {}.", REPORT_REASONS.join(", ")),
            ));
        }
        if note.chars().count() > 1000 {
            return Err(ServiceError::field(
                "note",
                "report_note_too_long",
                "Note must be at most 1000 characters.",
            ));
        }
        let target_id = match kind {
            "post" => {
                let id = target.parse::<i64>().map_err(|_| ServiceError::NotFound)?;
                self.post(Some(viewer), id).await?.post.id
            }
            "comment" => {
                let id = target.parse::<i64>().map_err(|_| ServiceError::NotFound)?;
                let mut h = self.db.read().await?;
                comments::by_id(h.conn(), id)
                    .await?
                    .ok_or(ServiceError::NotFound)?
                    .id
            }
            "account" => self.user_by_name(target).await?.id,
            _ => {
                return Err(ServiceError::field(
                    "target_kind",
                    "report_target_invalid",
                    "Report a post, a comment or an account.",
                ));
            }
        };
        let mut tx = self.db.begin().await?;
        let id = reports::insert(
            tx.conn(),
            viewer.user_id,
            kind,
            target_id,
            reason,
            note.trim(),
            Timestamp::now(),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn reports(
        &self,
        viewer: &Viewer,
        open_only: bool,
    ) -> ServiceResult<Vec<reports::ReportRecord>> {
        require_admin(viewer)?;
        let mut h = self.db.read().await?;
        Ok(reports::list(h.conn(), open_only, 200).await?)
    }

    /// What reported comments and accounts say, for the moderation queue: keyed by (kind, id), loaded in
    /// one statement per kind however many reports there are. Posts are previewed with
    /// [`Self::posts_by_ids`].
    pub async fn report_subjects(
        &self,
        viewer: &Viewer,
        targets: &[(String, i64)],
    ) -> ServiceResult<HashMap<(String, i64), ReportSubject>> {
        require_admin(viewer)?;
        let ids_of = |kind: &str| -> Vec<i64> {
            targets
                .iter()
                .filter(|(k, _)| k == kind)
                .map(|(_, id)| *id)
                .collect()
        };
        let mut h = self.db.read().await?;
        let mut out = HashMap::new();
        for c in comments::by_ids(h.conn(), &ids_of("comment")).await? {
            out.insert(
                ("comment".to_owned(), c.id),
                ReportSubject {
                    username: c.author_username,
                    post_id: Some(c.post_id),
                    text: c.body,
                },
            );
        }
        for u in accounts::by_ids(h.conn(), &ids_of("account")).await? {
            out.insert(
                ("account".to_owned(), u.id),
                ReportSubject {
                    username: u.username,
                    post_id: None,
                    text: u.bio,
                },
            );
        }
        Ok(out)
    }

    /// Resolves a report: `dismiss`, `remove` (hide the post or comment) or `suspend` (the account that
    /// was reported or that authored the reported content; they can no longer log in and their content
    /// is hidden).
    pub async fn resolve_report(
        &self,
        viewer: &Viewer,
        report_id: i64,
        action: &str,
    ) -> ServiceResult<()> {
        require_admin(viewer)?;
        let now = Timestamp::now();
        let mut tx = self.db.begin().await?;
        let (kind, target) = reports::target(tx.conn(), report_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let resolution = match (action, kind.as_str()) {
            ("dismiss", _) => "dismissed",
            ("remove", "post") => {
                reports::hide_post(tx.conn(), target, now).await?;
                crate::search::post_changed(tx.conn(), "post.hidden", target).await?;
                "removed"
            }
            ("remove", "comment") => {
                comments::hide(tx.conn(), target, now).await?;
                "removed"
            }
            ("suspend", _) => {
                let user = match kind.as_str() {
                    "account" => Some(target),
                    "post" => posts::owner(tx.conn(), target).await?.map(|(a, _)| a),
                    _ => comments::by_id(tx.conn(), target)
                        .await?
                        .map(|c| c.author_id),
                }
                .ok_or(ServiceError::NotFound)?;
                if user == viewer.user_id {
                    return Err(ServiceError::field(
                        "action",
                        "cannot_suspend_self",
                        "You cannot suspend yourself.",
                    ));
                }
                accounts::set_suspended(tx.conn(), user, Some(now)).await?;
                crate::search::account_changed(tx.conn(), "account.suspended", user).await?;
                "suspended"
            }
            _ => {
                return Err(ServiceError::field(
                    "action",
                    "report_action_invalid",
                    "Action must be dismiss, remove or suspend.",
                ));
            }
        };
        reports::resolve(tx.conn(), &kind, target, resolution, now).await?;
        tx.commit().await?;
        Ok(())
    }
}

fn require_admin(viewer: &Viewer) -> ServiceResult<()> {
    if viewer.role == Role::Admin {
        Ok(())
    } else {
        Err(ServiceError::NotFound)
    }
}

fn validate_post(cmd: &CreatePost) -> ServiceResult<(String, String)> {
    let mut errors = Vec::new();
    let caption = social::parse_caption(&cmd.caption)
        .map_err(|e| errors.push(e))
        .ok();
    let location = social::parse_location(&cmd.location)
        .map_err(|e| errors.push(e))
        .ok();
    if cmd.images.is_empty() {
        errors.push(FieldError::new(
            "images",
            "images_required",
            "Add at least one photo.",
        ));
    }
    if cmd.images.len() > social::MAX_IMAGES {
        errors.push(FieldError::new(
            "images",
            "too_many_images",
            format!("A post has at most {} photos.", social::MAX_IMAGES),
        ));
    }
    for img in &cmd.images {
        if let Err(e) = social::parse_alt_text(&img.alt_text) {
            errors.push(e);
        }
    }
    match (caption, location) {
        (Some(c), Some(l)) if errors.is_empty() => Ok((c, l)),
        _ => Err(ServiceError::Validation(errors)),
    }
}

async fn link_hashtags(tx: &mut Tx, post_id: i64, caption: &str) -> ServiceResult<()> {
    for (display, key) in social::hashtags(caption) {
        let tag = posts::upsert_hashtag(tx.conn(), &display, &key).await?;
        posts::link_hashtag(tx.conn(), tag, post_id).await?;
        posts::adjust_hashtag_count(tx.conn(), tag, 1).await?;
    }
    Ok(())
}

async fn notify(
    tx: &mut Tx,
    user_id: i64,
    kind: &str,
    actor_id: i64,
    post_id: Option<i64>,
    comment_id: Option<i64>,
    now: Timestamp,
) -> ServiceResult<()> {
    notifications::insert(
        tx.conn(),
        &NewNotification {
            user_id,
            kind,
            actor_id,
            post_id,
            comment_id,
            shop_id: None,
            subject_id: None,
            now,
        },
    )
    .await?;
    Ok(())
}

/// Notifies each mentioned account once, except the author and anyone who blocked them (or was blocked).
async fn notify_mentions(
    tx: &mut Tx,
    author: i64,
    text: &str,
    post_id: Option<i64>,
    comment_id: Option<i64>,
    now: Timestamp,
) -> ServiceResult<()> {
    let names = social::mentions(text);
    for (id, _) in accounts::ids_by_usernames(tx.conn(), &names).await? {
        if id != author && !follows::blocked_either_way(tx.conn(), author, id).await? {
            notify(tx, id, "mention", author, post_id, comment_id, now).await?;
        }
    }
    Ok(())
}

/// Groups notifications of the same kind about the same post (likes, shares) or, for follows, all
/// together; comments, replies and mentions stay individual because each carries its own text.
pub fn group_notifications(rows: Vec<NotificationRecord>) -> Vec<NotificationGroup> {
    let mut groups: Vec<NotificationGroup> = Vec::new();
    for r in rows {
        let groupable = matches!(r.kind.as_str(), "like" | "share" | "follow");
        let existing = groups
            .iter_mut()
            .find(|g| groupable && g.kind == r.kind && g.post_id == r.post_id);
        match existing {
            Some(g) => {
                if !g.actors.iter().any(|(u, _)| *u == r.actor_username) {
                    g.actor_count += 1;
                    if g.actors.len() < 3 {
                        g.actors
                            .push((r.actor_username.clone(), r.actor_display_name.clone()));
                    }
                }
                g.unread |= !r.read;
                g.oldest_id = r.id;
            }
            None => groups.push(NotificationGroup {
                kind: r.kind.clone(),
                post_id: r.post_id,
                comment_id: r.comment_id,
                shop_handle: r.shop_handle.clone(),
                subject_id: r.subject_id,
                actors: vec![(r.actor_username.clone(), r.actor_display_name.clone())],
                actor_count: 1,
                latest_at: r.created_at,
                unread: !r.read,
                newest_id: r.id,
                oldest_id: r.id,
            }),
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(id: i64, kind: &str, actor: &str, post: Option<i64>, read: bool) -> NotificationRecord {
        NotificationRecord {
            id,
            kind: kind.into(),
            actor_id: id,
            actor_username: actor.into(),
            actor_display_name: actor.to_uppercase(),
            post_id: post,
            comment_id: None,
            shop_handle: None,
            subject_id: None,
            created_at: Timestamp::from_micros(id),
            read,
        }
    }

    #[test]
    fn groups_likes_per_post_and_keeps_comments_apart() {
        let rows = vec![
            n(9, "like", "mina", Some(1), false),
            n(8, "comment", "wei", Some(1), true),
            n(7, "like", "wei", Some(1), true),
            n(6, "like", "mina", Some(1), true),
            n(5, "like", "alex", Some(2), true),
            n(4, "comment", "wei", Some(1), true),
        ];
        let g = group_notifications(rows);
        assert_eq!(g.len(), 4);
        assert_eq!(g[0].kind, "like");
        assert_eq!(g[0].actor_count, 2);
        assert!(g[0].unread);
        assert_eq!(g[0].actors[0].0, "mina");
        assert_eq!(g[1].kind, "comment");
        assert_eq!(g[2].post_id, Some(2));
        assert_eq!(g[3].kind, "comment");
    }
}
