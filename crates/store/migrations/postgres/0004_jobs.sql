-- Background jobs and the domain-event outbox (design.md §7).
--
-- `jobs` is a table-backed queue: a job is `queued` until `run_at`, `running` while a worker holds its lease
-- (`locked_until`, `locked_by`), then `done` or `failed`. A worker that dies leaves the job `running` with an
-- expired lease, and the next claim takes it again. `dedupe_key` makes enqueueing idempotent: one queued or
-- running job per (kind, key); once it is done or failed the same key can be enqueued again, which is why
-- the unique index is partial instead of a plain UNIQUE constraint.
CREATE TABLE jobs (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind TEXT NOT NULL,
    dedupe_key TEXT,
    payload TEXT NOT NULL DEFAULT '{}',
    status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
    attempts BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL DEFAULT 5 CHECK (max_attempts >= 1),
    run_at BIGINT NOT NULL,
    locked_until BIGINT,
    locked_by TEXT,
    last_error TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX jobs_dedupe_idx ON jobs (kind, dedupe_key)
    WHERE dedupe_key IS NOT NULL AND status IN ('queued', 'running');
-- Claiming looks for queued jobs by run_at and running jobs by lease expiry.
CREATE INDEX jobs_claim_idx ON jobs (status, run_at);
CREATE INDEX jobs_lease_idx ON jobs (status, locked_until);

-- Domain events written in the same transaction as the change they describe. `tx_id` is the writing
-- transaction's id: readers only take events from transactions older than every one still in progress, so a
-- slow transaction holding a lower `id` is never skipped (see store::events). SQLite keeps it 0.
CREATE TABLE events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tx_id BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
    kind TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}',
    created_at BIGINT NOT NULL
);
CREATE INDEX events_order_idx ON events (tx_id, id);

-- How far each subscriber has read: the (tx_id, id) of the last event it acknowledged.
CREATE TABLE event_cursors (
    subscriber TEXT PRIMARY KEY,
    last_tx BIGINT NOT NULL DEFAULT 0,
    last_id BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL
);
