-- Shoppers' posts a shop features, with the author's consent: a shop asks, the author approves or
-- declines, and may withdraw later. Only 'approved' rows show anywhere; withdrawing keeps the row (the
-- consent record) with its time, so the history of consent survives.
CREATE TABLE ugc_features (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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

-- Every step of a feature's consent history, oldest first: the request (with its message), the author's
-- approval or refusal, a withdrawal. The feature row above holds only the current state, and a re-request
-- after a decline or withdrawal resets it; this log keeps what came before, so consent stays provable.
CREATE TABLE ugc_feature_events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    feature_id BIGINT NOT NULL REFERENCES ugc_features (id) ON DELETE CASCADE,
    action TEXT NOT NULL CHECK (action IN ('requested', 'approved', 'declined', 'withdrawn')),
    actor_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    message TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX ugc_feature_events_feature_idx ON ugc_feature_events (feature_id, id);
-- The product gallery marks posts a shop features: looked up by post.
CREATE INDEX ugc_features_post_idx ON ugc_features (post_id, status);
