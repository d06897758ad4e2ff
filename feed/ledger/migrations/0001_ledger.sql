-- The identity ledger: one row per item id. Ids and hashes are bytea so
-- that any byte string a source yields is stored exactly and sorts byte by
-- byte, as the embedded store sorts them. Ids may be longer than a B-tree
-- index entry can hold, so uniqueness and lookups go through their SHA-256.
CREATE TABLE feedpub_items (
    id         bytea       NOT NULL,
    id_sha256  bytea       GENERATED ALWAYS AS (sha256(id)) STORED,
    first_seen timestamptz NOT NULL,
    hash       bytea       NOT NULL,
    changed    timestamptz NOT NULL,
    CONSTRAINT feedpub_items_pkey PRIMARY KEY (id_sha256),
    CONSTRAINT feedpub_items_id_length CHECK (octet_length(id) BETWEEN 1 AND 32768),
    CONSTRAINT feedpub_items_whole_seconds CHECK (
        extract(epoch FROM first_seen) = floor(extract(epoch FROM first_seen))
        AND extract(epoch FROM changed) = floor(extract(epoch FROM changed)))
);

-- Small values sources keep between builds: a remote feed's HTTP
-- validators and last good items, the record of the last build.
CREATE TABLE feedpub_state (
    key   text  PRIMARY KEY,
    value bytea NOT NULL
);
