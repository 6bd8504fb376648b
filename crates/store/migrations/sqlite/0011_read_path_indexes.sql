-- Indexes the read path and cascading deletes were missing: shares of a post (repost_of), a comment's
-- replies (parent_id), and the child side of foreign keys that cascade, so deleting a post, comment,
-- account, variant or product does not scan whole tables.
CREATE INDEX posts_repost_of_idx ON posts (repost_of);
CREATE INDEX comments_parent_idx ON comments (parent_id);
CREATE INDEX saves_post_idx ON saves (post_id);
CREATE INDEX notifications_post_idx ON notifications (post_id);
CREATE INDEX notifications_comment_idx ON notifications (comment_id);
CREATE INDEX notifications_actor_idx ON notifications (actor_id);
CREATE INDEX cart_items_variant_idx ON cart_items (variant_id);
CREATE INDEX collection_products_product_idx ON collection_products (product_id);
