//! Product tags on posts: who may tag which product, the per-image and per-post limits, the creator
//! allow-list a shop keeps, and the product behind a tag for the feed's product sheet.
//!
//! Who may tag (checked per product, in the same transaction as the write):
//! - the post's author, for products of a shop they staff;
//! - a creator account, for products of shops that put them on their allow-list;
//! - any author, for products they bought and received (a delivered order line);
//! - a shop's staff, for their own shop's products on a shopper's post the shop features with consent.

use crate::accounts::Viewer;
use crate::catalog::{ProductView, product_view};
use crate::error::{Refusal, ServiceError, ServiceResult};
use souk_domain::{AccountKind, FieldError, Timestamp};
use souk_store::notifications::{self, NewNotification};
use souk_store::tags::{self, NewTag, TagRecord, TaggableRecord};
use souk_store::{Db, accounts, posts, products, shops};

pub const MAX_TAGS_PER_IMAGE: i64 = 5;
pub const MAX_TAGS_PER_POST: i64 = 20;

/// A tag as a client places it: the image (0-based), the position as fractions of the image's width
/// and height, and the product (optionally one variant of it).
#[derive(Debug, Clone, PartialEq)]
pub struct TagInput {
    pub image: i32,
    pub x: f64,
    pub y: f64,
    pub product_id: i64,
    pub variant_id: Option<i64>,
}

#[derive(Clone)]
pub struct TagService {
    db: Db,
}

/// What a product tag opens in the feed: the tag and the full product.
#[derive(Debug, Clone)]
pub struct TagSheet {
    pub tag: TagRecord,
    pub product: ProductView,
}

/// Fractions to basis points; anything outside 0..=1 (or not a number) is refused by field.
fn position(value: f64, field: &'static str) -> ServiceResult<i32> {
    if !value.is_finite() || !(0.0..=1.0).contains(&value) {
        return Err(ServiceError::field(
            field,
            "position_out_of_range",
            "A tag's position is a fraction of the image between 0 and 1.",
        ));
    }
    // In range, so the product is within 0..=10000 and the cast cannot truncate.
    Ok((value * 10_000.0).round() as i32)
}

/// Who is tagging: the author of the post, or the staff of a shop that features it.
enum Editor {
    Author { creator: bool },
    FeaturingShop { shop_id: i64 },
}

impl TagService {
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// The visible tags of a post the viewer can see.
    pub async fn list(
        &self,
        viewer: Option<&Viewer>,
        post_id: i64,
    ) -> ServiceResult<Vec<TagRecord>> {
        let me = viewer.map(|v| v.user_id).unwrap_or(0);
        let mut h = self.db.read().await?;
        posts::by_id(h.conn(), me, post_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        Ok(tags::for_posts(h.conn(), &[post_id]).await?)
    }

    /// Adds one tag. The author may tag any product they are allowed to; staff of a shop that features
    /// the post may add their own shop's products.
    pub async fn add(
        &self,
        viewer: &Viewer,
        post_id: i64,
        input: TagInput,
    ) -> ServiceResult<TagRecord> {
        let now = Timestamp::now();
        let mut tx = self.db.begin().await?;
        let (editor, images) = self.editor(&mut tx, viewer, post_id, Some(&input)).await?;
        let counts = tags::counts(tx.conn(), post_id).await?;
        let mut per_image = vec![0i64; images];
        let mut total = 0;
        for (image, n) in counts {
            if let Some(slot) = usize::try_from(image)
                .ok()
                .and_then(|i| per_image.get_mut(i))
            {
                *slot += n;
            }
            total += n;
        }
        let new = self
            .check(&mut tx, viewer, &editor, post_id, images, &input, now)
            .await?;
        if total >= MAX_TAGS_PER_POST {
            return Err(too_many_post());
        }
        if per_image
            .get(usize::try_from(input.image).unwrap_or(usize::MAX))
            .is_some_and(|n| *n >= MAX_TAGS_PER_IMAGE)
        {
            return Err(too_many_image());
        }
        let id = tags::insert(tx.conn(), &new).await?;
        self.notify_shop(&mut tx, viewer, &new, now).await?;
        tx.commit().await?;
        let mut h = self.db.read().await?;
        tags::by_id(h.conn(), id)
            .await?
            .ok_or(ServiceError::NotFound)
    }

    /// Replaces every tag of the viewer's own post (what the tag editor submits). All or nothing.
    pub async fn replace(
        &self,
        viewer: &Viewer,
        post_id: i64,
        inputs: Vec<TagInput>,
    ) -> ServiceResult<Vec<TagRecord>> {
        let now = Timestamp::now();
        let mut tx = self.db.begin().await?;
        let (editor, images) = self.editor(&mut tx, viewer, post_id, None).await?;
        if !matches!(editor, Editor::Author { .. }) {
            return Err(ServiceError::NotFound);
        }
        if i64::try_from(inputs.len()).unwrap_or(i64::MAX) > MAX_TAGS_PER_POST {
            return Err(too_many_post());
        }
        let mut per_image = vec![0i64; images];
        let mut news = Vec::with_capacity(inputs.len());
        for input in &inputs {
            let new = self
                .check(&mut tx, viewer, &editor, post_id, images, input, now)
                .await?;
            if let Some(n) = usize::try_from(input.image)
                .ok()
                .and_then(|i| per_image.get_mut(i))
            {
                *n += 1;
                if *n > MAX_TAGS_PER_IMAGE {
                    return Err(too_many_image());
                }
            }
            news.push(new);
        }
        let before: Vec<i64> = tags::for_posts(tx.conn(), &[post_id])
            .await?
            .into_iter()
            .map(|t| t.product_id)
            .collect();
        tags::delete_all(tx.conn(), post_id).await?;
        for new in &news {
            tags::insert(tx.conn(), new).await?;
            if !before.contains(&new.product_id) {
                self.notify_shop(&mut tx, viewer, new, now).await?;
            }
        }
        tx.commit().await?;
        let mut h = self.db.read().await?;
        Ok(tags::for_posts(h.conn(), &[post_id]).await?)
    }

    /// Removes a tag: the author may remove any, a featuring shop only its own products' tags.
    pub async fn remove(&self, viewer: &Viewer, post_id: i64, tag_id: i64) -> ServiceResult<()> {
        let mut tx = self.db.begin().await?;
        let (editor, _) = self.editor(&mut tx, viewer, post_id, None).await?;
        let shop = match editor {
            Editor::Author { .. } => None,
            Editor::FeaturingShop { shop_id } => Some(shop_id),
        };
        if !tags::delete(tx.conn(), post_id, tag_id, shop).await? {
            return Err(ServiceError::NotFound);
        }
        tx.commit().await?;
        Ok(())
    }

    /// Who the viewer is to a post's tags: `Ok(None)` the author (any tag), `Ok(Some(shop))` staff of a
    /// shop featuring it with consent (that shop's tags only); anyone else 404.
    pub async fn editor_of(&self, viewer: &Viewer, post_id: i64) -> ServiceResult<Option<i64>> {
        let mut h = self.db.read().await?;
        let post = posts::by_id(h.conn(), viewer.user_id, post_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        if post.author_id == viewer.user_id {
            return Ok(None);
        }
        for shop_id in tags::staff_shop_ids(h.conn(), viewer.user_id).await? {
            if tags::featured_by(h.conn(), shop_id, post_id).await? {
                return Ok(Some(shop_id));
            }
        }
        Err(ServiceError::NotFound)
    }

    /// Products the viewer may tag, for the tag editor's picker.
    pub async fn taggable(
        &self,
        viewer: &Viewer,
        query: &str,
    ) -> ServiceResult<Vec<TaggableRecord>> {
        let mut h = self.db.read().await?;
        Ok(tags::taggable(
            h.conn(),
            viewer.user_id,
            viewer.kind == AccountKind::Creator,
            query,
            100,
        )
        .await?)
    }

    /// The tag and its product, for the product sheet. Tags of archived products are gone (404).
    pub async fn sheet(&self, viewer: Option<&Viewer>, tag_id: i64) -> ServiceResult<TagSheet> {
        let me = viewer.map(|v| v.user_id).unwrap_or(0);
        let mut h = self.db.read().await?;
        let tag = tags::by_id(h.conn(), tag_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        posts::by_id(h.conn(), me, tag.post_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let product = product_view(h.conn(), viewer, tag.product_id).await?;
        Ok(TagSheet { tag, product })
    }

    /// What a profile's posts tag, for the profile's Shop tab: up to `limit` products still for sale, most
    /// recently tagged first. Someone the viewer cannot see has none.
    pub async fn tagged_products(
        &self,
        viewer: Option<&Viewer>,
        author_id: i64,
        limit: i64,
    ) -> ServiceResult<Vec<ProductView>> {
        let mut h = self.db.read().await?;
        let ids = tags::products_tagged_by(h.conn(), author_id, limit).await?;
        let mut rows = products::by_ids(h.conn(), &ids).await?;
        rows.sort_by_key(|p| ids.iter().position(|id| *id == p.id));
        crate::catalog::views_of(h.conn(), viewer, rows).await
    }

    /// Whether a profile's posts tag any product still for sale (whether it gets a Shop tab).
    pub async fn tags_products(&self, author_id: i64) -> ServiceResult<bool> {
        let mut h = self.db.read().await?;
        Ok(!tags::products_tagged_by(h.conn(), author_id, 1)
            .await?
            .is_empty())
    }

    /// The creators a shop lets tag its products (owner and staff only).
    pub async fn partners(
        &self,
        viewer: &Viewer,
        handle: &str,
    ) -> ServiceResult<Vec<(i64, String, String, Timestamp)>> {
        let shop_id = self.staff_shop(viewer, handle).await?;
        let mut h = self.db.read().await?;
        Ok(tags::partners(h.conn(), shop_id)
            .await?
            .into_iter()
            .map(|(id, u, d, at)| (id, u, d, Timestamp::from_micros(at)))
            .collect())
    }

    /// Puts a creator on the shop's allow-list; only creator accounts qualify.
    pub async fn add_partner(
        &self,
        viewer: &Viewer,
        handle: &str,
        username: &str,
    ) -> ServiceResult<()> {
        let shop_id = self.staff_shop(viewer, handle).await?;
        let mut tx = self.db.begin().await?;
        let user = accounts::find_by_username(
            tx.conn(),
            &username.trim().trim_start_matches('@').to_ascii_lowercase(),
        )
        .await?
        .filter(|u| u.suspended_at.is_none())
        .ok_or_else(|| {
            ServiceError::field(
                "username",
                "user_not_found",
                "There is no account with that username.",
            )
        })?;
        if user.kind != AccountKind::Creator {
            return Err(ServiceError::field(
                "username",
                "not_a_creator",
                "Only creator accounts can be tag partners.",
            ));
        }
        tags::add_partner(tx.conn(), shop_id, user.id, Timestamp::now()).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn remove_partner(
        &self,
        viewer: &Viewer,
        handle: &str,
        username: &str,
    ) -> ServiceResult<()> {
        let shop_id = self.staff_shop(viewer, handle).await?;
        let mut tx = self.db.begin().await?;
        let user = accounts::find_by_username(tx.conn(), &username.trim().to_ascii_lowercase())
            .await?
            .ok_or(ServiceError::NotFound)?;
        if !tags::remove_partner(tx.conn(), shop_id, user.id).await? {
            return Err(ServiceError::NotFound);
        }
        tx.commit().await?;
        Ok(())
    }

    async fn staff_shop(&self, viewer: &Viewer, handle: &str) -> ServiceResult<i64> {
        let mut h = self.db.read().await?;
        let (id, _, _) = shops::staff_role_by_handle(
            h.conn(),
            &handle.trim().to_ascii_lowercase(),
            viewer.user_id,
        )
        .await?
        .ok_or(ServiceError::NotFound)?;
        Ok(id)
    }

    /// Locks the post and works out who is editing its tags and how many images it has. Someone who is
    /// neither the author nor the staff of a shop featuring the post gets 404 (the post's tags are not
    /// theirs to see as editable). `input` names the product a featuring shop wants to add, whose shop
    /// decides which shop's staff rights apply.
    async fn editor(
        &self,
        tx: &mut souk_store::Tx,
        viewer: &Viewer,
        post_id: i64,
        input: Option<&TagInput>,
    ) -> ServiceResult<(Editor, usize)> {
        let post = posts::by_id(tx.conn(), viewer.user_id, post_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        tags::lock_post(tx.conn(), post_id).await?;
        let images = tags::image_count(tx.conn(), post_id).await?;
        if post.author_id == viewer.user_id {
            return Ok((
                Editor::Author {
                    creator: viewer.kind == AccountKind::Creator,
                },
                images,
            ));
        }
        // A shop's staff on a post their shop features: the shop is the product's (when adding) or, when
        // removing, any shop the viewer staffs that features the post.
        let candidate_shops: Vec<i64> = match input {
            Some(i) => products::by_id(tx.conn(), i.product_id)
                .await?
                .map(|p| vec![p.shop_id])
                .unwrap_or_default(),
            None => tags::staff_shop_ids(tx.conn(), viewer.user_id).await?,
        };
        for shop_id in candidate_shops {
            let staff = shops::staff_role_by_id(tx.conn(), shop_id, viewer.user_id)
                .await?
                .is_some();
            if staff && tags::featured_by(tx.conn(), shop_id, post_id).await? {
                return Ok((Editor::FeaturingShop { shop_id }, images));
            }
        }
        Err(ServiceError::NotFound)
    }

    /// Validates one tag and the viewer's right to tag its product; returns the row to insert.
    #[allow(clippy::too_many_arguments)]
    async fn check(
        &self,
        tx: &mut souk_store::Tx,
        viewer: &Viewer,
        editor: &Editor,
        post_id: i64,
        images: usize,
        input: &TagInput,
        now: Timestamp,
    ) -> ServiceResult<NewTag> {
        let mut errors = Vec::new();
        if usize::try_from(input.image).map_or(true, |i| i >= images) {
            errors.push(FieldError::new(
                "image",
                "no_such_image",
                "The post has no image at that position.",
            ));
        }
        let x = position(input.x, "x");
        let y = position(input.y, "y");
        for e in [&x, &y] {
            if let Err(ServiceError::Validation(v)) = e {
                errors.extend(v.iter().cloned());
            }
        }
        let product = products::by_id(tx.conn(), input.product_id)
            .await?
            .filter(|p| p.status == "active");
        let Some(product) = product else {
            errors.push(FieldError::new(
                "product_id",
                "product_unavailable",
                "That product does not exist or is not for sale.",
            ));
            return Err(ServiceError::Validation(errors));
        };
        if let Some(variant_id) = input.variant_id {
            let belongs = products::variant_by_id(tx.conn(), variant_id)
                .await?
                .is_some_and(|v| v.product_id == product.id);
            if !belongs {
                errors.push(FieldError::new(
                    "variant_id",
                    "variant_not_in_product",
                    "That variant is not one of the product's.",
                ));
            }
        }
        if !errors.is_empty() {
            return Err(ServiceError::Validation(errors));
        }
        let allowed = match editor {
            Editor::FeaturingShop { shop_id } => *shop_id == product.shop_id,
            Editor::Author { creator } => {
                shops::staff_role_by_id(tx.conn(), product.shop_id, viewer.user_id)
                    .await?
                    .is_some()
                    || (*creator
                        && tags::is_partner(tx.conn(), product.shop_id, viewer.user_id).await?)
                    || tags::bought_and_delivered(tx.conn(), viewer.user_id, product.id).await?
            }
        };
        if !allowed {
            return Err(ServiceError::refused(
                Refusal::Forbidden,
                "tag_not_allowed",
                "You can tag your own shop's products, products of shops that made you a partner, and products you bought and received.",
            ));
        }
        Ok(NewTag {
            post_id,
            image_position: input.image,
            x_bp: x?,
            y_bp: y?,
            product_id: product.id,
            variant_id: input.variant_id,
            shop_id: product.shop_id,
            placed_by: viewer.user_id,
            now,
        })
    }

    /// Tells the shop's owner that someone outside the shop tagged one of its products.
    async fn notify_shop(
        &self,
        tx: &mut souk_store::Tx,
        viewer: &Viewer,
        tag: &NewTag,
        now: Timestamp,
    ) -> ServiceResult<()> {
        let Some(shop) = shops::by_id(tx.conn(), tag.shop_id).await? else {
            return Ok(());
        };
        if shops::staff_role_by_id(tx.conn(), shop.id, viewer.user_id)
            .await?
            .is_some()
        {
            return Ok(());
        }
        notifications::insert(
            tx.conn(),
            &NewNotification {
                user_id: shop.owner_id,
                kind: "tagged",
                actor_id: viewer.user_id,
                post_id: Some(tag.post_id),
                comment_id: None,
                shop_id: Some(shop.id),
                subject_id: None,
                now,
            },
        )
        .await?;
        Ok(())
    }
}

fn too_many_post() -> ServiceError {
    ServiceError::refused(
        Refusal::Unprocessable,
        "too_many_tags_post",
        format!("A post can carry at most {MAX_TAGS_PER_POST} product tags."),
    )
}

fn too_many_image() -> ServiceError {
    ServiceError::refused(
        Refusal::Unprocessable,
        "too_many_tags_image",
        format!("An image can carry at most {MAX_TAGS_PER_IMAGE} product tags."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_fractions_stored_as_basis_points() {
        assert_eq!(position(0.0, "x").ok(), Some(0));
        assert_eq!(position(1.0, "x").ok(), Some(10_000));
        assert_eq!(position(0.33335, "x").ok(), Some(3334));
        assert!(position(1.01, "x").is_err());
        assert!(position(-0.1, "y").is_err());
        assert!(position(f64::NAN, "y").is_err());
    }
}
