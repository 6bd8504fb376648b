-- Commerce: shops with branding and staff, regions with tax and shipping rates, products with variants and
-- images, collections, carts, orders with their event log, payments, refunds, the double-entry ledger,
-- idempotency keys, website click-outs and the outgoing mail outbox.
-- Money is BIGINT minor units beside a TEXT ISO 4217 code; rates are integer basis points (1 % = 100).

CREATE TABLE shops (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    handle TEXT NOT NULL,
    handle_key TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    currency TEXT NOT NULL,
    contact_email TEXT NOT NULL DEFAULT '',
    contact_phone TEXT NOT NULL DEFAULT '',
    return_policy TEXT NOT NULL DEFAULT '',
    checkout_mode TEXT NOT NULL DEFAULT 'souk' CHECK (checkout_mode IN ('souk', 'website', 'message')),
    website_url TEXT NOT NULL DEFAULT '',
    -- Published branding; `branding_draft` (JSON) holds unpublished edits shown only in the preview.
    logo_key TEXT,
    cover_key TEXT,
    accent_color TEXT NOT NULL DEFAULT '#1f6feb',
    background_color TEXT NOT NULL DEFAULT '#ffffff',
    font TEXT NOT NULL DEFAULT 'system',
    branding_draft TEXT,
    product_count BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT shops_handle_key_unique UNIQUE (handle_key),
    CONSTRAINT shops_owner_unique UNIQUE (owner_id)
);

CREATE TABLE shop_staff (
    shop_id BIGINT NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('owner', 'staff')),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (shop_id, user_id)
);
CREATE INDEX shop_staff_user_idx ON shop_staff (user_id);

-- Where a shop ships: a region is a list of ISO 3166 country codes with one tax rate and its shipping rates.
CREATE TABLE shop_regions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shop_id BIGINT NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    countries TEXT NOT NULL,
    tax_bps BIGINT NOT NULL DEFAULT 0 CHECK (tax_bps >= 0 AND tax_bps <= 10000),
    created_at BIGINT NOT NULL
);
CREATE INDEX shop_regions_shop_idx ON shop_regions (shop_id);

-- A shipping method: flat (min/max grams NULL) or one weight band [min_grams, max_grams).
CREATE TABLE shipping_rates (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    region_id BIGINT NOT NULL REFERENCES shop_regions (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('flat', 'weight')),
    min_grams BIGINT,
    max_grams BIGINT,
    amount_minor BIGINT NOT NULL CHECK (amount_minor >= 0),
    free_over_minor BIGINT
);
CREATE INDEX shipping_rates_region_idx ON shipping_rates (region_id);

CREATE TABLE products (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shop_id BIGINT NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    -- The merchant's own id (feeds call it `id`/`item_group_id`); unique within the shop when set.
    item_id TEXT,
    item_key TEXT,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    brand TEXT NOT NULL DEFAULT '',
    condition TEXT NOT NULL DEFAULT 'new' CHECK (condition IN ('new', 'refurbished', 'used')),
    product_type TEXT NOT NULL DEFAULT '',
    google_category TEXT NOT NULL DEFAULT '',
    gender TEXT CHECK (gender IN ('female', 'male', 'unisex')),
    age_group TEXT CHECK (age_group IN ('newborn', 'infant', 'toddler', 'kids', 'adult')),
    tags TEXT NOT NULL DEFAULT '',
    custom_label_0 TEXT NOT NULL DEFAULT '',
    custom_label_1 TEXT NOT NULL DEFAULT '',
    custom_label_2 TEXT NOT NULL DEFAULT '',
    custom_label_3 TEXT NOT NULL DEFAULT '',
    custom_label_4 TEXT NOT NULL DEFAULT '',
    currency TEXT NOT NULL,
    price_minor BIGINT NOT NULL CHECK (price_minor >= 0),
    compare_at_minor BIGINT CHECK (compare_at_minor >= 0),
    status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'archived')),
    -- NULL follows the shop's checkout mode.
    checkout_mode TEXT CHECK (checkout_mode IN ('souk', 'website', 'message')),
    external_url TEXT NOT NULL DEFAULT '',
    weight_grams BIGINT NOT NULL DEFAULT 0 CHECK (weight_grams >= 0),
    -- JSON array of option axis names, e.g. ["Colour","Size"] (at most three).
    options TEXT NOT NULL DEFAULT '[]',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT products_item_key_unique UNIQUE (shop_id, item_key)
);
CREATE INDEX products_shop_idx ON products (shop_id, status, id);

CREATE TABLE product_images (
    product_id BIGINT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    media_key TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    alt_text TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (product_id, position)
);

-- `stock` is what can still be sold: checkout takes units with one conditional UPDATE
-- (`stock = stock - n WHERE stock >= n`), and cancelled or expired orders give them back.
CREATE TABLE variants (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id BIGINT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    shop_id BIGINT NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    sku TEXT NOT NULL,
    sku_key TEXT NOT NULL,
    option1 TEXT NOT NULL DEFAULT '',
    option2 TEXT NOT NULL DEFAULT '',
    option3 TEXT NOT NULL DEFAULT '',
    price_minor BIGINT CHECK (price_minor >= 0),
    compare_at_minor BIGINT CHECK (compare_at_minor >= 0),
    track_inventory BOOLEAN NOT NULL DEFAULT TRUE,
    stock BIGINT NOT NULL DEFAULT 0 CHECK (stock >= 0),
    availability TEXT NOT NULL DEFAULT 'in_stock'
        CHECK (availability IN ('in_stock', 'out_of_stock', 'preorder', 'backorder', 'discontinued')),
    weight_grams BIGINT CHECK (weight_grams >= 0),
    position INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT variants_sku_key_unique UNIQUE (shop_id, sku_key)
);
CREATE INDEX variants_product_idx ON variants (product_id, position);

CREATE TABLE collections (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shop_id BIGINT NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('manual', 'rule')),
    -- JSON list of {field, op, value} conditions, all of which must hold (rule collections only).
    rules TEXT NOT NULL DEFAULT '[]',
    -- Featured collections are shown as shop-home sections in `position` order; NULL = not featured.
    featured_position INTEGER,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX collections_shop_idx ON collections (shop_id);

CREATE TABLE collection_products (
    collection_id BIGINT NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    product_id BIGINT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    position INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (collection_id, product_id)
);

-- A cart belongs to an account or, logged out, to a random cookie token stored hashed.
CREATE TABLE carts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    token_hash BYTEA,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT carts_user_unique UNIQUE (user_id),
    CONSTRAINT carts_token_unique UNIQUE (token_hash)
);

-- `unit_price_minor` is the price the shopper saw when adding, so checkout can say when it changed.
CREATE TABLE cart_items (
    cart_id BIGINT NOT NULL REFERENCES carts (id) ON DELETE CASCADE,
    variant_id BIGINT NOT NULL REFERENCES variants (id) ON DELETE CASCADE,
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    unit_price_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    added_at BIGINT NOT NULL,
    PRIMARY KEY (cart_id, variant_id)
);

CREATE TABLE orders (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shop_id BIGINT NOT NULL REFERENCES shops (id),
    buyer_id BIGINT NOT NULL REFERENCES users (id),
    status TEXT NOT NULL CHECK (status IN ('requested', 'pending', 'paid', 'fulfilled', 'delivered', 'cancelled', 'refunded')),
    currency TEXT NOT NULL,
    subtotal_minor BIGINT NOT NULL,
    shipping_minor BIGINT NOT NULL DEFAULT 0,
    tax_minor BIGINT NOT NULL DEFAULT 0,
    total_minor BIGINT NOT NULL,
    paid_minor BIGINT NOT NULL DEFAULT 0,
    refunded_minor BIGINT NOT NULL DEFAULT 0 CHECK (refunded_minor >= 0),
    payment_provider TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    ship_name TEXT NOT NULL DEFAULT '',
    ship_line1 TEXT NOT NULL DEFAULT '',
    ship_line2 TEXT NOT NULL DEFAULT '',
    ship_city TEXT NOT NULL DEFAULT '',
    ship_region TEXT NOT NULL DEFAULT '',
    ship_postal_code TEXT NOT NULL DEFAULT '',
    ship_country TEXT NOT NULL DEFAULT '',
    ship_phone TEXT NOT NULL DEFAULT '',
    shipping_method TEXT NOT NULL DEFAULT '',
    tracking_number TEXT NOT NULL DEFAULT '',
    carrier TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    -- Stock held by a pending order is released after this time if it is still unpaid.
    reserved_until BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CHECK (refunded_minor <= paid_minor)
);
CREATE INDEX orders_shop_idx ON orders (shop_id, status, id);
CREATE INDEX orders_buyer_idx ON orders (buyer_id, id);
CREATE INDEX orders_reserved_idx ON orders (reserved_until);

CREATE TABLE order_lines (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    product_id BIGINT REFERENCES products (id) ON DELETE SET NULL,
    variant_id BIGINT REFERENCES variants (id) ON DELETE SET NULL,
    title TEXT NOT NULL,
    variant_title TEXT NOT NULL DEFAULT '',
    sku TEXT NOT NULL DEFAULT '',
    unit_price_minor BIGINT NOT NULL,
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    refunded_quantity BIGINT NOT NULL DEFAULT 0 CHECK (refunded_quantity >= 0),
    -- Whether checkout took units from `variants.stock` (untracked variants did not).
    stock_taken BOOLEAN NOT NULL DEFAULT FALSE,
    CHECK (refunded_quantity <= quantity)
);
CREATE INDEX order_lines_order_idx ON order_lines (order_id);
CREATE INDEX order_lines_variant_idx ON order_lines (variant_id);

-- Every status change, with who made it (NULL actor = Souk itself, e.g. a reservation timeout).
CREATE TABLE order_events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    from_status TEXT,
    to_status TEXT NOT NULL,
    actor_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    note TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX order_events_order_idx ON order_events (order_id, id);

CREATE TABLE payments (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    provider TEXT NOT NULL,
    provider_ref TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    amount_minor BIGINT NOT NULL CHECK (amount_minor >= 0),
    currency TEXT NOT NULL,
    failure_code TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT payments_provider_ref_unique UNIQUE (provider, provider_ref)
);
CREATE INDEX payments_order_idx ON payments (order_id);

CREATE TABLE refunds (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    payment_id BIGINT REFERENCES payments (id),
    amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
    currency TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    restock BOOLEAN NOT NULL DEFAULT FALSE,
    provider_ref TEXT NOT NULL DEFAULT '',
    actor_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX refunds_order_idx ON refunds (order_id);

CREATE TABLE refund_lines (
    refund_id BIGINT NOT NULL REFERENCES refunds (id) ON DELETE CASCADE,
    order_line_id BIGINT NOT NULL REFERENCES order_lines (id) ON DELETE CASCADE,
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (refund_id, order_line_id)
);

-- Double-entry ledger: every money movement is one transaction whose entries' debits equal its credits
-- per currency. Accounts: shopper_payments, merchant_payable, platform_fees, refunds.
CREATE TABLE ledger_transactions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('payment', 'refund')),
    order_id BIGINT REFERENCES orders (id),
    payment_id BIGINT REFERENCES payments (id),
    refund_id BIGINT REFERENCES refunds (id),
    memo TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);

CREATE TABLE ledger_entries (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    transaction_id BIGINT NOT NULL REFERENCES ledger_transactions (id),
    account TEXT NOT NULL CHECK (account IN ('shopper_payments', 'merchant_payable', 'platform_fees', 'refunds')),
    shop_id BIGINT REFERENCES shops (id),
    currency TEXT NOT NULL,
    debit_minor BIGINT NOT NULL DEFAULT 0 CHECK (debit_minor >= 0),
    credit_minor BIGINT NOT NULL DEFAULT 0 CHECK (credit_minor >= 0),
    CHECK ((debit_minor = 0) <> (credit_minor = 0))
);
CREATE INDEX ledger_entries_txn_idx ON ledger_entries (transaction_id);
CREATE INDEX ledger_entries_account_idx ON ledger_entries (account, shop_id);

-- Idempotency-Key records (design.md §5): the first request claims the key, the response is stored when it
-- finishes, and a replay within 24 h gets that response back.
CREATE TABLE idempotency_keys (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    idem_key TEXT NOT NULL,
    scope TEXT NOT NULL,
    request_hash BYTEA NOT NULL,
    response_status INTEGER,
    response_body TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    CONSTRAINT idempotency_keys_unique UNIQUE (user_id, idem_key)
);
CREATE INDEX idempotency_keys_expiry_idx ON idempotency_keys (expires_at);

-- Buy-button clicks that leave for the merchant's website (checkout mode "website").
CREATE TABLE checkout_clicks (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shop_id BIGINT NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    product_id BIGINT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX checkout_clicks_shop_idx ON checkout_clicks (shop_id, created_at);

-- Outgoing e-mail, written in the same transaction as the change that causes it and sent by a job.
CREATE TABLE mail_outbox (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    kind TEXT NOT NULL,
    order_id BIGINT REFERENCES orders (id) ON DELETE SET NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    sent_at BIGINT
);
CREATE INDEX mail_outbox_status_idx ON mail_outbox (status, id);
