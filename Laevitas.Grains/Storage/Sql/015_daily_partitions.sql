-- Daily partitions of the market-data tables (deribit_prices, deribit_trades). Idempotent: safe to run at every start.
--
-- Both tables are partitioned by range on "timestamp" (exchange Unix ms), one partition per UTC day named
-- {table}_YYYYMMDD: retention drops a day as one cheap DROP (Laevitas.Grains/Retention), and the name is how it finds
-- the day. One function makes them for every table, so the naming and the bounds retention relies on cannot drift
-- apart between tables. Partitions are created here (migrations: today and tomorrow) and by the writers for any other
-- day they are about to insert (Laevitas.Grains/Storage/DailyPartitions.cs); there is no default partition on
-- purpose: rows in it would block creating the day's real partition later.

-- Creates the partition of `parent` holding UTC day `day` if it is missing; returns its name. Concurrent callers
-- (several writer grains meeting a new day at once) serialise on a transaction-scoped advisory lock per parent, so
-- only one runs the DDL; writers of different tables do not wait on each other.
CREATE OR REPLACE FUNCTION ensure_daily_partition(parent text, day date) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    partition_name text := parent || '_' || to_char(day, 'YYYYMMDD');
    -- extract(epoch from a timestamp without time zone) reads it as UTC, which is what a UTC day needs.
    lower_ms bigint := (extract(epoch FROM day::timestamp) * 1000)::bigint;
BEGIN
    IF to_regclass(partition_name) IS NULL THEN
        PERFORM pg_advisory_xact_lock(hashtext(parent || '_ensure_partition'));
        EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF %I FOR VALUES FROM (%s) TO (%s)',
                       partition_name, parent, lower_ms, lower_ms + 86400000);
    END IF;
    RETURN partition_name;
END
$$;
