-- Delivery (settlement) prices of Deribit's indexes, from public/get_delivery_prices (issue 25 item 4). Idempotent:
-- safe at every start.
--
-- One row per index and delivery date: Deribit settles each index once a day at 08:00 UTC, and get_delivery_prices
-- lists one price per date. The backfill upserts (INSERT ... ON CONFLICT (index_name, delivery_date) DO UPDATE), so a
-- page fetched twice (a second silo, a retried pass) stores nothing twice, and a price the exchange corrected replaces
-- the stored one. Small (a row per index per day), so not partitioned and never dropped by retention.
CREATE TABLE IF NOT EXISTS deribit_delivery_prices (
    index_name     text             NOT NULL,
    delivery_date  date             NOT NULL,
    delivery_price double precision NOT NULL,
    -- When this silo first stored the row, and when a different price last replaced it.
    "createdAt"    timestamptz      NOT NULL DEFAULT now(),
    updated_at     timestamptz      NOT NULL DEFAULT now(),
    CONSTRAINT deribit_delivery_prices_pkey PRIMARY KEY (index_name, delivery_date)
);
