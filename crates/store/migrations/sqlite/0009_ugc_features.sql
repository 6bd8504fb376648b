-- Shoppers' posts a shop features, with the author's consent: a shop asks, the author approves or
-- declines, and may withdraw later. Only 'approved' rows show anywhere; withdrawing keeps the row (the
-- consent record) with its time, so the history of consent survives.
CREATE TABLE ugc_features (
    id INTEGER PRIMARY KEY,
    shop_id BIGINT NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    post_id BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    author_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    requested_by BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN ('requested', 'approved', 'declined', 'withdrawn')),
    message TEXT NOT NULL DEFAULT '',
    requested_at BIGINT NOT NULL,
    decided_at BIGINT,
    withdrawn_at BIGINT,
    CONSTRAINT ugc_features_shop_post_unique UNIQUE (shop_id, post_id)
);
CREATE INDEX ugc_features_author_idx ON ugc_features (author_id, status, id);
CREATE INDEX ugc_features_shop_idx ON ugc_features (shop_id, status, id);
