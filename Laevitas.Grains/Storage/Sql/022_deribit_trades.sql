-- Trades of the public trades.{kind}.{currency}.100ms channels (issue 25 item 2). Idempotent: safe at every start.
--
-- One row per trade: Deribit numbers trades per currency, so (currency, trade_id) identifies a trade, and a trade
-- delivered twice (a Kafka replay, or the same print seen on two channels) is stored once (INSERT ... ON CONFLICT DO
-- NOTHING on the primary key).
-- Partitioned by day on "timestamp" like deribit_prices (daily partitions deribit_trades_YYYYMMDD, UTC, made by
-- ensure_daily_partition in 015_daily_partitions.sql), so that retention drops a day of trades as it drops a day of
-- ticks (issue 23 item 1). A partition key must be part of the primary key, so the key is (currency, trade_id,
-- "timestamp"): a given trade always carries the same exchange timestamp, so a replayed trade still conflicts with
-- its stored row (same partition, same key) and is stored once. The history query (one instrument, a time range) is
-- served by the (instrument_name, "timestamp") index and pruned to the days of the range.
-- Like deribit_prices: typed columns for the known fields, extra (jsonb) for the rest as sent (a combo trade's
-- legs), fields_present (bit per Laevitas.Grains.Abstractions.Trades.TradeField) to tell null from absent.

-- An earlier build created deribit_trades as one plain table keyed by (currency, trade_id). It is set aside here and
-- its rows moved into the partitioned table below. The migrator runs this script in one transaction (and under its
-- advisory lock), so the conversion happens whole or not at all: a failure leaves the old table as it was, and
-- writers of other silos wait on the rename's lock until the commit. Its key and index are renamed because their
-- names are the ones the partitioned table's key and index take.
DO $$
BEGIN
    IF (SELECT relkind FROM pg_class WHERE oid = to_regclass('deribit_trades')) = 'r' THEN
        ALTER TABLE deribit_trades RENAME TO deribit_trades_unpartitioned;
        ALTER TABLE deribit_trades_unpartitioned RENAME CONSTRAINT deribit_trades_pkey TO deribit_trades_unpartitioned_pkey;
        ALTER INDEX IF EXISTS deribit_trades_instrument_time RENAME TO deribit_trades_unpartitioned_instrument_time;
    END IF;
END
$$;

CREATE TABLE IF NOT EXISTS deribit_trades (
    currency              text             NOT NULL,
    trade_id              text             NOT NULL,
    instrument_name       text             NOT NULL,
    "timestamp"           bigint           NOT NULL,
    trade_seq             bigint,
    kind                  text,
    price                 double precision,
    amount                double precision,
    contracts             double precision,
    direction             text,
    iv                    double precision,
    index_price           double precision,
    mark_price            double precision,
    tick_direction        integer,
    liquidation           text,
    block_trade_id        text,
    block_trade_leg_count integer,
    combo_id              text,
    combo_trade_id        text,
    extra                 jsonb,
    fields_present        bigint           NOT NULL,
    received_at           timestamptz,
    "createdAt"           timestamptz      NOT NULL DEFAULT now(),
    CONSTRAINT deribit_trades_pkey PRIMARY KEY (currency, trade_id, "timestamp")
) PARTITION BY RANGE ("timestamp");

CREATE INDEX IF NOT EXISTS deribit_trades_instrument_time ON deribit_trades (instrument_name, "timestamp");

-- The old rows, every column as stored ("createdAt" included), into the partitions of their days. Columns are named,
-- not taken in table order, so a column order that differs between the two tables cannot swap values.
DO $$
BEGIN
    IF to_regclass('deribit_trades_unpartitioned') IS NOT NULL THEN
        PERFORM ensure_daily_partition('deribit_trades', day)
        FROM (SELECT DISTINCT DATE '1970-01-01' + floor("timestamp" / 86400000.0)::integer AS day
              FROM deribit_trades_unpartitioned) AS days;
        INSERT INTO deribit_trades (
            currency, trade_id, instrument_name, "timestamp", trade_seq, kind, price, amount, contracts, direction, iv,
            index_price, mark_price, tick_direction, liquidation, block_trade_id, block_trade_leg_count, combo_id,
            combo_trade_id, extra, fields_present, received_at, "createdAt")
        SELECT
            currency, trade_id, instrument_name, "timestamp", trade_seq, kind, price, amount, contracts, direction, iv,
            index_price, mark_price, tick_direction, liquidation, block_trade_id, block_trade_leg_count, combo_id,
            combo_trade_id, extra, fields_present, received_at, "createdAt"
        FROM deribit_trades_unpartitioned;
        DROP TABLE deribit_trades_unpartitioned;
    END IF;
END
$$;

COMMENT ON TABLE deribit_trades IS 'Deribit trades, one row per (currency, trade_id), keyed with the exchange timestamp; daily partitions deribit_trades_YYYYMMDD (UTC).';
COMMENT ON COLUMN deribit_trades.currency IS 'Currency the instrument settles in (BTC for inverse, USDC for linear): Deribit trade ids are unique per currency.';
COMMENT ON COLUMN deribit_trades."timestamp" IS 'Exchange timestamp of the trade, Unix milliseconds.';
COMMENT ON COLUMN deribit_trades.extra IS 'Trade fields with no column of their own, as sent (e.g. legs of a combo trade); NULL when none.';
COMMENT ON COLUMN deribit_trades.fields_present IS 'Bit per field with a column (TradeField): set when the trade carried it, even as null.';

SELECT ensure_daily_partition('deribit_trades', (now() AT TIME ZONE 'UTC')::date);
SELECT ensure_daily_partition('deribit_trades', (now() AT TIME ZONE 'UTC')::date + 1);
