-- Product tags on post images, the per-shop allow-list of creators who may tag a shop's products, and
-- notification kinds for the shoppable-social features (feature requests, consent, reputation alerts).
--
-- A tag's position is stored in basis points of the image's width and height (0..=10000), so positions
-- compare exactly on both engines. Deleting a product deletes its tags; archiving hides them at read time.

CREATE TABLE post_tags (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    post_id BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    image_position INTEGER NOT NULL CHECK (image_position >= 0 AND image_position < 10),
    x_bp INTEGER NOT NULL CHECK (x_bp >= 0 AND x_bp <= 10000),
    y_bp INTEGER NOT NULL CHECK (y_bp >= 0 AND y_bp <= 10000),
    product_id BIGINT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    variant_id BIGINT REFERENCES variants (id) ON DELETE SET NULL,
    shop_id BIGINT NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    -- Who placed the tag: the author, or staff of a shop featuring the post (whose tags go when the
    -- author withdraws consent).
    placed_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX post_tags_post_idx ON post_tags (post_id, image_position);
CREATE INDEX post_tags_product_idx ON post_tags (product_id, post_id);

-- Creators a shop has approved to tag its products (the "partnership" flag).
CREATE TABLE shop_tag_partners (
    shop_id BIGINT NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (shop_id, user_id)
);
CREATE INDEX shop_tag_partners_user_idx ON shop_tag_partners (user_id);

-- New notification kinds and two optional references: the shop a notification is about and the row it
-- points at (a feature request or a reputation alert).
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check CHECK (kind IN ('follow', 'like', 'comment',
    'reply', 'mention', 'share', 'feature_request', 'feature_approved', 'feature_declined', 'feature_withdrawn',
    'reputation_alert', 'tagged'));
ALTER TABLE notifications ADD COLUMN shop_id BIGINT REFERENCES shops (id) ON DELETE CASCADE;
ALTER TABLE notifications ADD COLUMN subject_id BIGINT;
