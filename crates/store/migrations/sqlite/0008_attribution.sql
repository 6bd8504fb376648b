-- Attribution: clicks on product tags, and the post (and its author) each order is credited to.
--
-- These tables are the base for affiliates later, so they copy what they need (post, creator, product,
-- shop) instead of pointing at `post_tags`: a post edit may delete and re-create its tags, and the record
-- of where a sale came from must outlive that. Only the shop (its stats go with it), the clicking account
-- (its clicks are personal data) and the order cascade.
--
-- A click is counted once per viewer, tag and minute: `clicker_key` is `u:<user id>` or `g:<guest token>`
-- and `minute_bucket` is `clicked_at` in whole minutes, so concurrent duplicates collide on the unique key.

CREATE TABLE tag_clicks (
    id INTEGER PRIMARY KEY,
    tag_id BIGINT NOT NULL,
    post_id BIGINT NOT NULL,
    -- The post's author, who is credited.
    creator_id BIGINT NOT NULL,
    product_id BIGINT NOT NULL,
    variant_id BIGINT,
    shop_id BIGINT NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    -- The signed-in viewer, or the account a guest's clicks were claimed by after logging in.
    user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    -- A guest's random browser token (from the attribution cookie); kept after a claim.
    guest_token TEXT,
    clicker_key TEXT NOT NULL,
    minute_bucket BIGINT NOT NULL,
    clicked_at BIGINT NOT NULL,
    CONSTRAINT tag_clicks_dedupe_unique UNIQUE (tag_id, clicker_key, minute_bucket)
);
CREATE INDEX tag_clicks_user_idx ON tag_clicks (user_id, shop_id, clicked_at);
CREATE INDEX tag_clicks_guest_idx ON tag_clicks (guest_token);
CREATE INDEX tag_clicks_shop_idx ON tag_clicks (shop_id, clicked_at);

-- One attribution per order: the last qualifying click before it was placed.
CREATE TABLE order_attributions (
    order_id BIGINT PRIMARY KEY REFERENCES orders (id) ON DELETE CASCADE,
    click_id BIGINT REFERENCES tag_clicks (id) ON DELETE SET NULL,
    tag_id BIGINT NOT NULL,
    post_id BIGINT NOT NULL,
    creator_id BIGINT NOT NULL,
    shop_id BIGINT NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    -- Sum of the order's lines for products the buyer reached through a tag, at order time. Dashboards
    -- compute revenue at read time from the order's status and refunds, never from this alone.
    attributed_minor BIGINT NOT NULL CHECK (attributed_minor >= 0),
    currency TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX order_attributions_shop_idx ON order_attributions (shop_id, created_at);

-- The order lines counted in `attributed_minor`, so refunds of exactly those lines can be netted out.
CREATE TABLE order_attribution_lines (
    order_id BIGINT NOT NULL REFERENCES order_attributions (order_id) ON DELETE CASCADE,
    order_line_id BIGINT NOT NULL REFERENCES order_lines (id) ON DELETE CASCADE,
    PRIMARY KEY (order_id, order_line_id)
);
