-- Catalog feeds: imports from files and scheduled feed URLs, their per-row reports, and export settings.

-- Where an imported photo came from, so a re-import does not fetch and attach it again, and an export can
-- hand the platform the merchant's own image URL.
ALTER TABLE product_images ADD COLUMN source_url TEXT;
CREATE INDEX product_images_source_idx ON product_images (product_id, source_url);

-- Photo URLs a feed gave for a product (JSON array, in order). Kept apart from attached photos so an export
-- still names them while the fetch job has not run or could not reach them.
ALTER TABLE products ADD COLUMN feed_images TEXT NOT NULL DEFAULT '[]';

-- Identifiers feeds carry per item; kept so an export gives the platforms back what the merchant sent.
ALTER TABLE variants ADD COLUMN gtin TEXT NOT NULL DEFAULT '';
ALTER TABLE variants ADD COLUMN mpn TEXT NOT NULL DEFAULT '';

-- NULL: the shop's export feeds are public. Otherwise `?token=` must match.
ALTER TABLE shops ADD COLUMN feed_token TEXT;

-- A feed URL the shop keeps its catalog in (Meta and Pinterest call it a data source), re-fetched on a schedule.
CREATE TABLE feed_sources (
    id INTEGER PRIMARY KEY,
    shop_id BIGINT NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    url TEXT NOT NULL,
    format TEXT NOT NULL DEFAULT 'auto' CHECK (format IN ('auto', 'csv', 'tsv', 'xml')),
    schedule TEXT NOT NULL CHECK (schedule IN ('hourly', 'daily', 'weekly')),
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    next_run_at BIGINT NOT NULL,
    last_run_id BIGINT,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT feed_sources_url_unique UNIQUE (shop_id, url)
);
CREATE INDEX feed_sources_due_idx ON feed_sources (enabled, next_run_at);

-- One import of one file: its progress while it runs and its outcome after.
CREATE TABLE feed_runs (
    id INTEGER PRIMARY KEY,
    shop_id BIGINT NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    source_id BIGINT REFERENCES feed_sources (id) ON DELETE SET NULL,
    origin TEXT NOT NULL CHECK (origin IN ('upload', 'api', 'cli', 'source')),
    file_name TEXT NOT NULL DEFAULT '',
    format TEXT NOT NULL DEFAULT 'auto',
    status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
    total_rows BIGINT NOT NULL DEFAULT 0,
    processed_rows BIGINT NOT NULL DEFAULT 0,
    imported BIGINT NOT NULL DEFAULT 0,
    updated BIGINT NOT NULL DEFAULT 0,
    unchanged BIGINT NOT NULL DEFAULT 0,
    rejected BIGINT NOT NULL DEFAULT 0,
    error_code TEXT,
    error_message TEXT,
    -- JSON array of file-level warnings (unknown columns, ...).
    warnings TEXT NOT NULL DEFAULT '[]',
    started_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    started_at BIGINT,
    finished_at BIGINT
);
CREATE INDEX feed_runs_shop_idx ON feed_runs (shop_id, id);

-- The report: one line per problem with a row (a row can have several). Errors reject the row; warnings
-- note something about a row that was still imported.
CREATE TABLE feed_run_errors (
    run_id BIGINT NOT NULL REFERENCES feed_runs (id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    severity TEXT NOT NULL DEFAULT 'error' CHECK (severity IN ('error', 'warning')),
    line BIGINT NOT NULL,
    item_id TEXT,
    field TEXT NOT NULL,
    code TEXT NOT NULL,
    message TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
);
