-- Ticker rows written by the tick writer grains (Laevitas.Grains/Writing). Idempotent: safe to run at every start.
--
-- Column names and meaning follow the seed pipeline's deribit_prices (instrument_name ... "createdAt"), then what the
-- seed dropped (kind, underlying_index, estimated_delivery_price, state, greeks, stats, received_at).
-- Prices, amounts, ivs and greeks are double precision: they arrive as JSON doubles, and binary COPY of float8 is the
-- cheapest encoding. "timestamp" is the exchange's Unix milliseconds (bigint) exactly as sent.
--
-- Partitioned by day on "timestamp" (UTC days). Measured at 6 M rows (1 M/day; figures in the stream branch report):
-- inserts run at the same rate as into one table; a one-hour range over all instruments takes 169 ms instead of
-- 726 ms without any index help (pruning to one day), and a day of retention is a 13 ms DROP instead of a 1.5 s
-- DELETE plus vacuum. At a billion rows the difference grows: an unpartitioned table is one ~80 GB primary-key index,
-- one vacuum/freeze unit and no cheap retention; a day's partition stays small. The BRIN index on "timestamp"
-- (ticks arrive nearly in time order) brings range queries inside a day to ~15 ms for a few KB of index.
-- Partitions are created by ensure_daily_partition('deribit_prices', day) (015_daily_partitions.sql): here for today
-- and tomorrow, and by the writer for any other day it is about to insert (replays of old ticks included).

CREATE TABLE IF NOT EXISTS deribit_prices (
    instrument_name          text             NOT NULL,
    underlying_price         double precision,
    "timestamp"              bigint           NOT NULL,
    settlement_price         double precision,
    open_interest            double precision,
    min_price                double precision,
    max_price                double precision,
    mark_price               double precision,
    mark_iv                  double precision,
    last_price               double precision,
    interest_rate            double precision,
    index_price              double precision,
    bid_iv                   double precision,
    best_bid_price           double precision,
    best_bid_amount          double precision,
    best_ask_price           double precision,
    best_ask_amount          double precision,
    ask_iv                   double precision,
    currency                 text,
    maturity                 date,
    strike                   double precision,
    type                     text             CHECK (type IN ('C', 'P')),
    "createdAt"              timestamptz      NOT NULL DEFAULT now(),
    kind                     text,
    underlying_index         text,
    estimated_delivery_price double precision,
    state                    text,
    delta                    double precision,
    gamma                    double precision,
    vega                     double precision,
    theta                    double precision,
    rho                      double precision,
    stats_volume             double precision,
    stats_price_change       double precision,
    stats_low                double precision,
    stats_high               double precision,
    received_at              timestamptz,
    -- A tick delivered twice (Kafka replay) is stored once: the writer inserts with ON CONFLICT DO NOTHING.
    CONSTRAINT deribit_prices_pkey PRIMARY KEY (instrument_name, "timestamp")
) PARTITION BY RANGE ("timestamp");

CREATE INDEX IF NOT EXISTS deribit_prices_timestamp_brin ON deribit_prices USING brin ("timestamp");

COMMENT ON TABLE deribit_prices IS 'Deribit ticker snapshots, one row per (instrument_name, exchange timestamp in ms); daily partitions deribit_prices_YYYYMMDD (UTC).';
COMMENT ON COLUMN deribit_prices."timestamp" IS 'Exchange timestamp of the tick, Unix milliseconds.';
COMMENT ON COLUMN deribit_prices.maturity IS 'Expiry date parsed from the instrument name (Deribit settles at 08:00 UTC); null for perpetuals.';
COMMENT ON COLUMN deribit_prices.type IS 'C or P for options, null otherwise.';
COMMENT ON COLUMN deribit_prices.kind IS 'option, future, perpetual, future_combo, option_combo, spot; null when the name is not recognised.';
COMMENT ON COLUMN deribit_prices."createdAt" IS 'When the row was inserted (transaction time).';
COMMENT ON COLUMN deribit_prices.received_at IS 'When the silo read the tick off the exchange socket.';

-- Kept for silos of an earlier build during a rolling update: their writers still call it.
CREATE OR REPLACE FUNCTION deribit_prices_ensure_partition(day date) RETURNS text
LANGUAGE sql AS $$ SELECT ensure_daily_partition('deribit_prices', day) $$;

SELECT ensure_daily_partition('deribit_prices', (now() AT TIME ZONE 'UTC')::date);
SELECT ensure_daily_partition('deribit_prices', (now() AT TIME ZONE 'UTC')::date + 1);
