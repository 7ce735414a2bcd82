-- Orleans' ADO.NET providers ship no SQL of their own: at start each provider loads the statements it runs
-- from this table by key ('WriteToStorageKey', 'ReadFromStorageKey', ... and later the clustering keys).
-- The provider selects with unquoted identifiers (SELECT QueryKey, QueryText FROM OrleansQuery), which
-- PostgreSQL folds to lower case, so the table and its columns are created unquoted as well.
CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  varchar(64) NOT NULL CONSTRAINT orleansquery_pkey PRIMARY KEY,
    QueryText text        NOT NULL
);
