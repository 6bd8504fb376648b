-- Product reviews by buyers of delivered order lines (one per line), their photos, the merchant's single
-- public reply, helpful votes, reports decided through moderation, the audit log of every hide, unhide,
-- dismissal and reply, and exact rating aggregates per product.
--
-- `product_ratings` counts visible reviews only. Every write that changes what counts (a new review, an
-- edited rating, a delete, a hide or unhide) adjusts it with relative increments in the same transaction,
-- so concurrent writers never overwrite each other's counts.

CREATE TABLE reviews (
    id INTEGER PRIMARY KEY,
    order_line_id BIGINT NOT NULL REFERENCES order_lines (id) ON DELETE CASCADE,
    product_id BIGINT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    variant_id BIGINT REFERENCES variants (id) ON DELETE SET NULL,
    shop_id BIGINT NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    author_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    rating INTEGER NOT NULL CHECK (rating >= 1 AND rating <= 5),
    title TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL DEFAULT '',
    -- What the buyer says about fit or variant, e.g. "size M, usually wear S".
    fit_note TEXT NOT NULL DEFAULT '',
    -- The variant as bought (copied from the order line, so it survives variant edits).
    variant_title TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'visible' CHECK (status IN ('visible', 'hidden')),
    -- The moderation reason while hidden (one of the fixed list).
    hidden_reason TEXT,
    photo_count INTEGER NOT NULL DEFAULT 0 CHECK (photo_count >= 0 AND photo_count <= 5),
    helpful_count BIGINT NOT NULL DEFAULT 0 CHECK (helpful_count >= 0),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT reviews_order_line_unique UNIQUE (order_line_id)
);
CREATE INDEX reviews_product_idx ON reviews (product_id, status, id);
CREATE INDEX reviews_product_helpful_idx ON reviews (product_id, helpful_count, id);
CREATE INDEX reviews_shop_idx ON reviews (shop_id, id);
CREATE INDEX reviews_author_idx ON reviews (author_id, id);

CREATE TABLE review_photos (
    review_id BIGINT NOT NULL REFERENCES reviews (id) ON DELETE CASCADE,
    position INTEGER NOT NULL CHECK (position >= 0 AND position < 5),
    media_key TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    alt_text TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (review_id, position)
);

CREATE TABLE review_replies (
    id INTEGER PRIMARY KEY,
    review_id BIGINT NOT NULL REFERENCES reviews (id) ON DELETE CASCADE,
    author_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT review_replies_review_unique UNIQUE (review_id)
);

CREATE TABLE review_helpful (
    review_id BIGINT NOT NULL REFERENCES reviews (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (review_id, user_id)
);

CREATE TABLE review_reports (
    id INTEGER PRIMARY KEY,
    review_id BIGINT NOT NULL REFERENCES reviews (id) ON DELETE CASCADE,
    reporter_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reason TEXT NOT NULL CHECK (reason IN ('spam', 'offensive', 'off_topic', 'personal_info', 'not_about_product')),
    note TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'upheld', 'dismissed')),
    decided_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    decided_at BIGINT,
    decision_note TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX review_reports_review_idx ON review_reports (review_id, status);

-- Kept when a review is deleted (review_id is not a foreign key), so the operator's record outlives it.
CREATE TABLE review_audit (
    id INTEGER PRIMARY KEY,
    review_id BIGINT NOT NULL,
    shop_id BIGINT NOT NULL,
    product_id BIGINT NOT NULL,
    actor_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    action TEXT NOT NULL CHECK (action IN ('hide', 'unhide', 'dismiss', 'reply')),
    reason TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    report_id BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX review_audit_shop_idx ON review_audit (shop_id, id);

CREATE TABLE product_ratings (
    product_id BIGINT PRIMARY KEY REFERENCES products (id) ON DELETE CASCADE,
    rating_count BIGINT NOT NULL DEFAULT 0 CHECK (rating_count >= 0),
    rating_sum BIGINT NOT NULL DEFAULT 0 CHECK (rating_sum >= 0),
    star_1 BIGINT NOT NULL DEFAULT 0 CHECK (star_1 >= 0),
    star_2 BIGINT NOT NULL DEFAULT 0 CHECK (star_2 >= 0),
    star_3 BIGINT NOT NULL DEFAULT 0 CHECK (star_3 >= 0),
    star_4 BIGINT NOT NULL DEFAULT 0 CHECK (star_4 >= 0),
    star_5 BIGINT NOT NULL DEFAULT 0 CHECK (star_5 >= 0)
);
