-- Every field of a Deribit ticker is kept (design invariant 10; issue 25 item 1). Idempotent, and keeps existing rows:
-- ADD COLUMN IF NOT EXISTS with no default rewrites nothing (existing rows read NULL), and on a partitioned table it
-- reaches every partition, present and future.
--
-- Typed columns for the fields the seed schema lacked, then:
--   quote_currency / settlement_currency: derived from the name, so inverse (BTC-...: quoted and settled in BTC) and
--     linear (BTC_USDC-...: in USDC) options of one currency are told apart;
--   extra: a JSON object with only the fields that have no column (a field Deribit adds later, or a value of a
--     type its column cannot hold, e.g. estimated_delivery_price "expired"); NULL when there are none;
--   fields_present: one bit per field with a column (bit numbers: Laevitas.Grains.Abstractions.History.TickerField)
--     set when the message carried it, so a field sent as null is told from one not sent. With the listing (the
--     instrument name) a row rebuilds the message the exchange sent. NULL on rows written before this script.

ALTER TABLE deribit_prices
    ADD COLUMN IF NOT EXISTS delivery_price        double precision,
    ADD COLUMN IF NOT EXISTS funding_8h            double precision,
    ADD COLUMN IF NOT EXISTS current_funding       double precision,
    ADD COLUMN IF NOT EXISTS interest_value        double precision,
    ADD COLUMN IF NOT EXISTS stats_volume_usd      double precision,
    ADD COLUMN IF NOT EXISTS stats_volume_notional double precision,
    ADD COLUMN IF NOT EXISTS combo_state           text,
    ADD COLUMN IF NOT EXISTS implied_bid           double precision,
    ADD COLUMN IF NOT EXISTS implied_ask           double precision,
    ADD COLUMN IF NOT EXISTS quote_currency        text,
    ADD COLUMN IF NOT EXISTS settlement_currency   text,
    ADD COLUMN IF NOT EXISTS extra                 jsonb,
    ADD COLUMN IF NOT EXISTS fields_present        bigint;

COMMENT ON COLUMN deribit_prices.delivery_price IS 'Price the instrument settled at (sent by the exchange once it has delivered).';
COMMENT ON COLUMN deribit_prices.quote_currency IS 'Unit of the prices, from the name: the base currency for inverse options, USD for inverse futures/perpetuals, the quote (USDC, USDT, ...) for linear instruments and spot.';
COMMENT ON COLUMN deribit_prices.settlement_currency IS 'Currency the instrument settles in, from the name: the base currency for inverse instruments, the quote currency for linear ones.';
COMMENT ON COLUMN deribit_prices.extra IS 'Ticker fields with no column of their own, as sent (JSON object); NULL when there were none.';
COMMENT ON COLUMN deribit_prices.fields_present IS 'Bit per field with a column (TickerField): set when the message carried it, even as null. NULL on rows older than this column.';
