-- Grain state for Orleans' ADO.NET grain storage (Microsoft.Orleans.Persistence.AdoNet), provider "Postgres".
--
-- Contract (read from the provider's AdoNetGrainStorage): every statement is called with the parameters
-- @GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString, @GrainIdExtensionString, @ServiceId,
-- plus @GrainStateVersion (write/clear/delete; NULL when the grain has never read a stored version) and
-- @PayloadBinary (write). Versions are the ETag: the provider sends the version it last read or wrote and
-- expects back a *different* one on success; getting back the same value, an empty value, or no row at all
-- while it holds a version, makes it throw InconsistentStateException (optimistic concurrency).
--   WriteToStorageKey  -> one row, column NewGrainStateVersion (1 for a first insert, old + 1 for an update).
--   ReadFromStorageKey -> zero or one row, columns PayloadBinary (NULL = no state) and Version.
--   ClearStorageKey    -> first column = new version (payload nulled, row and version kept).
--   DeleteStorageKey   -> first column = deleted version + 1 (used when DeleteStateOnClear is set).
--
-- Key collisions (dotnet/orleans#9737, #8746): the provider is NOT given the grain type. GrainTypeString is
-- the *state name* of the grain's IPersistentState, and for a string-keyed grain GrainIdExtensionString is
-- the bare key. Two grain types with the same key and the same state name would therefore share one row.
-- Laevitas prevents this by convention, checked by a test: every persistent state is named after its
-- grain's [GrainType] ("instrument", "instrument-registry"), so state names are unique per grain type.
--
-- Unlike the reference script, rows have a primary key on the full identity, so two activations racing to
-- insert the first version cannot both succeed (the loser inserts nothing, gets no row back, and Orleans
-- raises InconsistentStateException) without locking the table. grain_id_string is '' when the grain has no
-- string key or extension, so it can be part of that key (a string key is never empty in Orleans).

CREATE TABLE IF NOT EXISTS orleans_grain_state
(
    service_id      varchar(150) NOT NULL,
    state_name      varchar(512) NOT NULL,
    grain_id_string varchar(512) NOT NULL,
    grain_id_n0     bigint       NOT NULL,
    grain_id_n1     bigint       NOT NULL,
    grain_id_hash   integer      NOT NULL,
    state_name_hash integer      NOT NULL,
    payload         bytea,
    version         integer      NOT NULL,
    modified_at     timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT orleans_grain_state_pkey PRIMARY KEY (service_id, state_name, grain_id_string, grain_id_n0, grain_id_n1)
);

-- Statements are stored with dollar quoting so their text needs no escaping. Parameters that may be NULL
-- are cast, because an untyped NULL leaves PostgreSQL unable to infer their type. The hashes are only stored
-- (the primary key finds rows); statements that do not need them leave them out, which Npgsql allows for
-- named parameters. ON CONFLICT DO UPDATE keeps the stored statements current when this script changes.

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('WriteToStorageKey', $sql$
WITH updated AS (
    UPDATE orleans_grain_state
       SET payload = @PayloadBinary,
           version = version + 1,
           grain_id_hash = @GrainIdHash,
           state_name_hash = @GrainTypeHash,
           modified_at = now()
     WHERE @GrainStateVersion::integer IS NOT NULL
       AND service_id = @ServiceId
       AND state_name = @GrainTypeString
       AND grain_id_string = coalesce(@GrainIdExtensionString::varchar, '')
       AND grain_id_n0 = @GrainIdN0
       AND grain_id_n1 = @GrainIdN1
       AND version = @GrainStateVersion::integer
    RETURNING version
), inserted AS (
    INSERT INTO orleans_grain_state
        (service_id, state_name, grain_id_string, grain_id_n0, grain_id_n1, grain_id_hash, state_name_hash, payload, version)
    SELECT @ServiceId, @GrainTypeString, coalesce(@GrainIdExtensionString::varchar, ''), @GrainIdN0, @GrainIdN1,
           @GrainIdHash, @GrainTypeHash, @PayloadBinary, 1
     WHERE @GrainStateVersion::integer IS NULL
    ON CONFLICT ON CONSTRAINT orleans_grain_state_pkey DO NOTHING
    RETURNING version
)
SELECT version AS "NewGrainStateVersion" FROM updated
UNION ALL
SELECT version FROM inserted
$sql$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadFromStorageKey', $sql$
SELECT payload AS "PayloadBinary", version AS "Version"
  FROM orleans_grain_state
 WHERE service_id = @ServiceId
   AND state_name = @GrainTypeString
   AND grain_id_string = coalesce(@GrainIdExtensionString::varchar, '')
   AND grain_id_n0 = @GrainIdN0
   AND grain_id_n1 = @GrainIdN1
$sql$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ClearStorageKey', $sql$
UPDATE orleans_grain_state
   SET payload = NULL,
       version = version + 1,
       modified_at = now()
 WHERE service_id = @ServiceId
   AND state_name = @GrainTypeString
   AND grain_id_string = coalesce(@GrainIdExtensionString::varchar, '')
   AND grain_id_n0 = @GrainIdN0
   AND grain_id_n1 = @GrainIdN1
   AND version = @GrainStateVersion::integer
RETURNING version AS "NewGrainStateVersion"
$sql$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('DeleteStorageKey', $sql$
DELETE FROM orleans_grain_state
 WHERE service_id = @ServiceId
   AND state_name = @GrainTypeString
   AND grain_id_string = coalesce(@GrainIdExtensionString::varchar, '')
   AND grain_id_n0 = @GrainIdN0
   AND grain_id_n1 = @GrainIdN1
   AND version = @GrainStateVersion::integer
RETURNING version + 1 AS "NewGrainStateVersion"
$sql$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;
