-- Deribit index channels (issue 25 item 3): deribit_price_index.{index}, deribit_volatility_index.{index} (DVOL) and
-- estimated_expiration_price.{index}. Idempotent: safe at every start, keeps existing rows.
--
-- One table with a kind column rather than three: the three carry one number at one time per index (the estimated
-- expiration price adds seconds-to-expiry and is_estimated, null for the others), are queried together ("the index and
-- its DVOL over this hour") and written by the same grain in one statement. A few rows per index per second, so not
-- partitioned.
--
-- The key makes a replay harmless: a value written twice (a retried batch after a lost COMMIT answer, a copy from a
-- second feed that got past the grain after a reactivation) is stored once (INSERT ... ON CONFLICT DO NOTHING).
-- "timestamp" is Unix ms like deribit_prices and deribit_trades: the exchange's timestamp for the price index and
-- DVOL; the estimated expiration price has none in its notification, so it is when the silo read it.
CREATE TABLE IF NOT EXISTS deribit_index_values (
    index_name   text             NOT NULL,
    kind         text             NOT NULL CHECK (kind IN ('price', 'volatility', 'estimated_expiration')),
    "timestamp"  bigint           NOT NULL,
    value        double precision NOT NULL,
    seconds      bigint,
    is_estimated boolean,
    received_at  bigint           NOT NULL,
    CONSTRAINT deribit_index_values_pkey PRIMARY KEY (index_name, kind, "timestamp")
);

-- History reads all kinds of one index by time (the primary key serves one kind).
CREATE INDEX IF NOT EXISTS deribit_index_values_index_time ON deribit_index_values (index_name, "timestamp");
