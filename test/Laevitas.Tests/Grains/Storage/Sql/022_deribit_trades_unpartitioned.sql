-- deribit_trades as builds before daily partitioning created it (Laevitas.Grains/Storage/Sql/022_deribit_trades.sql at
-- 710759a): the starting point of the migration test. Kept as it was, not maintained.

-- Trades of the public trades.{kind}.{currency}.100ms channels (issue 25 item 2). Idempotent: safe at every start.
--
-- One row per trade: Deribit numbers trades per currency, so (currency, trade_id) is the key and a trade delivered
-- twice (a Kafka replay, or the same print seen on two channels) is stored once (INSERT ... ON CONFLICT DO NOTHING).
-- Not partitioned: a partition key must be part of the primary key, and the key is the exchange's id; trades are a
-- small fraction of the ticker rows. The history query (one instrument, a time range) is served by the
-- (instrument_name, "timestamp") index.
-- Like deribit_prices: typed columns for the known fields, extra (jsonb) for the rest as sent (a combo trade's
-- legs), fields_present (bit per Laevitas.Grains.Abstractions.Trades.TradeField) to tell null from absent.

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
    CONSTRAINT deribit_trades_pkey PRIMARY KEY (currency, trade_id)
);

CREATE INDEX IF NOT EXISTS deribit_trades_instrument_time ON deribit_trades (instrument_name, "timestamp");

COMMENT ON TABLE deribit_trades IS 'Deribit trades, one row per (currency, trade_id).';
COMMENT ON COLUMN deribit_trades.currency IS 'Currency the instrument settles in (BTC for inverse, USDC for linear): Deribit trade ids are unique per currency.';
COMMENT ON COLUMN deribit_trades."timestamp" IS 'Exchange timestamp of the trade, Unix milliseconds.';
COMMENT ON COLUMN deribit_trades.extra IS 'Trade fields with no column of their own, as sent (e.g. legs of a combo trade); NULL when none.';
COMMENT ON COLUMN deribit_trades.fields_present IS 'Bit per field with a column (TradeField): set when the trade carried it, even as null.';
