-- Orleans cluster membership in PostgreSQL, for Microsoft.Orleans.Clustering.AdoNet (10.x, invariant "Npgsql").
--
-- The provider issues no SQL of its own: at start it reads every row of OrleansQuery and later runs the text stored
-- under each key, binding named parameters (@DeploymentId, @Address, ...) and reading result columns by name. Those
-- names, and the shape of each result, are the contract; the tables behind them are ours. Identifiers are unquoted,
-- so PostgreSQL folds them to lower case and Npgsql matches the provider's column names case-insensitively.
--
-- Concurrency follows the Orleans membership protocol: every change to a silo row must also advance the cluster's
-- version row, and only when the caller saw the current version (@Version). The version row is updated FIRST in each
-- statement, so a second writer holding the same @Version blocks on that row lock, re-checks, finds the version moved
-- and changes nothing (returns 0). Heartbeats (IAmAlive) deliberately do not touch the version.
--
-- Idempotent: safe to apply on every start (DatabaseMigrator runs it under an advisory lock).

-- The query table all Orleans ADO.NET providers share, normally created by 001_orleans_query.sql; repeated here so
-- that this script stands on its own (the providers only need QueryKey and QueryText).
CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  varchar(64)   NOT NULL PRIMARY KEY,
    QueryText varchar(8000) NOT NULL
);

-- One row per cluster (DeploymentId = ClusterId): the optimistic-concurrency token of the whole membership view.
CREATE TABLE IF NOT EXISTS orleans_membership_version
(
    deployment_id text        NOT NULL PRIMARY KEY,
    version       integer     NOT NULL DEFAULT 0,
    changed_at    timestamptz NOT NULL DEFAULT now()
);

-- One row per silo incarnation (address, port and generation identify it; a restarted silo gets a new generation).
-- status holds Orleans' SiloStatus: 1 Created, 2 Joining, 3 Active, 4 ShuttingDown, 5 Stopping, 6 Dead.
-- suspect_times is Orleans' own text encoding of the votes against this silo ("silo,date|silo,date").
CREATE TABLE IF NOT EXISTS orleans_membership
(
    deployment_id   text        NOT NULL REFERENCES orleans_membership_version (deployment_id) ON DELETE CASCADE,
    address         text        NOT NULL,
    port            integer     NOT NULL,
    generation      integer     NOT NULL,
    silo_name       text        NOT NULL,
    host_name       text        NOT NULL,
    status          integer     NOT NULL CHECK (status BETWEEN 0 AND 6),
    proxy_port      integer     NOT NULL DEFAULT 0,
    suspect_times   text        NULL,
    start_time      timestamptz NOT NULL,
    i_am_alive_time timestamptz NOT NULL,
    PRIMARY KEY (deployment_id, address, port, generation)
);

-- Clients ask for the active gateways of one cluster every minute or so.
CREATE INDEX IF NOT EXISTS ix_orleans_membership_gateways
    ON orleans_membership (deployment_id, status) WHERE proxy_port > 0;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES

-- First silo of a cluster: create the version row. Returns 1 if this call created it, 0 if it existed.
('InsertMembershipVersionKey', $q$
WITH created AS (
    INSERT INTO orleans_membership_version (deployment_id)
    VALUES (@DeploymentId)
    ON CONFLICT (deployment_id) DO NOTHING
    RETURNING 1
)
SELECT count(*)::integer AS created FROM created;
$q$),

-- A silo joins: add its row and advance the version, both or neither. Returns 1 on success, 0 when @Version is stale
-- or the row exists. A concurrent insert of the same key fails the whole statement (unique violation), which the
-- provider treats as a failed attempt and retries with a fresh read.
('InsertMembershipKey', $q$
WITH advanced AS (
    UPDATE orleans_membership_version AS v
       SET version = v.version + 1, changed_at = now()
     WHERE v.deployment_id = @DeploymentId
       AND v.version = @Version
       AND NOT EXISTS (SELECT 1 FROM orleans_membership AS m
                        WHERE m.deployment_id = @DeploymentId AND m.address = @Address
                          AND m.port = @Port AND m.generation = @Generation)
    RETURNING v.deployment_id
), inserted AS (
    INSERT INTO orleans_membership
        (deployment_id, address, port, generation, silo_name, host_name, status, proxy_port, start_time, i_am_alive_time)
    SELECT a.deployment_id, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort, @StartTime, @IAmAliveTime
      FROM advanced AS a
    RETURNING 1
)
SELECT count(*)::integer AS inserted FROM inserted;
$q$),

-- Status change or suspicion vote: update the row and advance the version, only if @Version is current.
-- Returns 1 on success, 0 otherwise.
('UpdateMembershipKey', $q$
WITH advanced AS (
    UPDATE orleans_membership_version AS v
       SET version = v.version + 1, changed_at = now()
     WHERE v.deployment_id = @DeploymentId
       AND v.version = @Version
       AND EXISTS (SELECT 1 FROM orleans_membership AS m
                    WHERE m.deployment_id = @DeploymentId AND m.address = @Address
                      AND m.port = @Port AND m.generation = @Generation)
    RETURNING v.deployment_id
), updated AS (
    UPDATE orleans_membership AS m
       SET status = @Status, suspect_times = @SuspectTimes, i_am_alive_time = @IAmAliveTime
      FROM advanced AS a
     WHERE m.deployment_id = a.deployment_id AND m.address = @Address
       AND m.port = @Port AND m.generation = @Generation
    RETURNING 1
)
SELECT count(*)::integer AS updated FROM updated;
$q$),

-- Heartbeat: diagnostic and staleness signal only, so no version change and no result.
('UpdateIAmAlivetimeKey', $q$
UPDATE orleans_membership
   SET i_am_alive_time = @IAmAliveTime
 WHERE deployment_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation;
$q$),

-- One silo's row plus the cluster version. The version row is the left side so the version comes back even when
-- the silo has no row (the provider then sees StartTime null and reports no entry).
('MembershipReadRowKey', $q$
SELECT v.deployment_id AS DeploymentId, m.address AS Address, m.port AS Port, m.generation AS Generation,
       m.silo_name AS SiloName, m.host_name AS HostName, m.status AS Status, m.proxy_port AS ProxyPort,
       m.suspect_times AS SuspectTimes, m.start_time AS StartTime, m.i_am_alive_time AS IAmAliveTime,
       v.version AS Version
  FROM orleans_membership_version AS v
  LEFT JOIN orleans_membership AS m
         ON m.deployment_id = v.deployment_id AND m.address = @Address
        AND m.port = @Port AND m.generation = @Generation
 WHERE v.deployment_id = @DeploymentId;
$q$),

-- Every silo row of the cluster plus the version (one row with null silo columns when the cluster has no silo yet).
('MembershipReadAllKey', $q$
SELECT v.deployment_id AS DeploymentId, m.address AS Address, m.port AS Port, m.generation AS Generation,
       m.silo_name AS SiloName, m.host_name AS HostName, m.status AS Status, m.proxy_port AS ProxyPort,
       m.suspect_times AS SuspectTimes, m.start_time AS StartTime, m.i_am_alive_time AS IAmAliveTime,
       v.version AS Version
  FROM orleans_membership_version AS v
  LEFT JOIN orleans_membership AS m ON m.deployment_id = v.deployment_id
 WHERE v.deployment_id = @DeploymentId;
$q$),

-- Gateways a client may connect to: silos in @Status (Active) that opened a gateway port.
('GatewaysQueryKey', $q$
SELECT address AS Address, proxy_port AS ProxyPort, generation AS Generation
  FROM orleans_membership
 WHERE deployment_id = @DeploymentId AND status = @Status AND proxy_port > 0;
$q$),

-- Forget a whole cluster (tests and tooling); the silo rows go with the version row (ON DELETE CASCADE).
('DeleteMembershipTableEntriesKey', $q$
DELETE FROM orleans_membership_version WHERE deployment_id = @DeploymentId;
$q$),

-- Bulk cleanup by age, used by providers that lack CleanupDefunctSiloEntryKey below: any silo not Active whose last
-- heartbeat is older than the cut-off. Membership rows are not versioned individually, so no version change.
('CleanupDefunctSiloEntriesKey', $q$
DELETE FROM orleans_membership
 WHERE deployment_id = @DeploymentId
   AND status <> 3
   AND i_am_alive_time < @IAmAliveTime;
$q$),

-- Per-row cleanup (10.4 providers prefer it when present): the provider has read the table, picked Dead silos whose
-- times and votes are all older than the cut-off, and passes back what it read. The row goes only if it is still
-- exactly that, so a row changed since the read (a new vote, a status change) survives until the next pass.
('CleanupDefunctSiloEntryKey', $q$
DELETE FROM orleans_membership
 WHERE deployment_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation
   AND status = 6
   AND start_time = @StartTime
   AND i_am_alive_time = @IAmAliveTime
   AND suspect_times IS NOT DISTINCT FROM @SuspectTimes;
$q$)

ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;
