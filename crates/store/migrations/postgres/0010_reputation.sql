-- Reputation alerts: each shop's thresholds for the negative-feedback check, and the alerts it fired.
--
-- Shares and ratios are integers in basis points (10000 = 100 % or 1.0×), so SQLite and PostgreSQL
-- compare them exactly. A shop without a settings row uses the defaults written here (the service keeps
-- the same numbers in `souk_service::reputation::Settings::default`).

CREATE TABLE reputation_settings (
    shop_id BIGINT PRIMARY KEY REFERENCES shops (id) ON DELETE CASCADE,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    -- The recent window whose negative share is compared with the baseline.
    window_hours INTEGER NOT NULL DEFAULT 24 CHECK (window_hours >= 1 AND window_hours <= 168),
    -- How far back before the window the baseline reaches.
    baseline_days INTEGER NOT NULL DEFAULT 30 CHECK (baseline_days >= 7 AND baseline_days <= 90),
    -- The window's negative share must be at least this multiple of the baseline share (20000 = 2.0×).
    ratio_bp INTEGER NOT NULL DEFAULT 20000 CHECK (ratio_bp >= 10000 AND ratio_bp <= 100000),
    -- ... and at least this share on its own (3000 = 30 %).
    min_negative_bp INTEGER NOT NULL DEFAULT 3000 CHECK (min_negative_bp >= 100 AND min_negative_bp <= 10000),
    -- ... over at least this many signals.
    min_signals INTEGER NOT NULL DEFAULT 5 CHECK (min_signals >= 1 AND min_signals <= 1000),
    -- No second alert within this many hours of the last one.
    cooldown_hours INTEGER NOT NULL DEFAULT 24 CHECK (cooldown_hours >= 1 AND cooldown_hours <= 720),
    -- When the last alert fired. Firing claims it with a conditional update (only when it is older than the
    -- cooldown), so two nodes checking the same shop at once fire one alert.
    last_alert_at BIGINT,
    updated_at BIGINT NOT NULL
);

CREATE TABLE reputation_alerts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shop_id BIGINT NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    fired_at BIGINT NOT NULL,
    window_hours INTEGER NOT NULL,
    window_signals BIGINT NOT NULL,
    window_negative BIGINT NOT NULL,
    window_share_bp INTEGER NOT NULL,
    baseline_signals BIGINT NOT NULL,
    baseline_negative BIGINT NOT NULL,
    baseline_share_bp INTEGER NOT NULL,
    acknowledged_at BIGINT,
    acknowledged_by BIGINT REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX reputation_alerts_shop_idx ON reputation_alerts (shop_id, fired_at);
