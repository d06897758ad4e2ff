-- What the leader of several 'feedpub serve' replicas serves, for every
-- replica to serve the same bytes (package pgsnap). Bodies are stored once
-- by their SHA-256, so a build stores only the documents it changed.
CREATE TABLE feedpub_snapshot_bodies (
    sha256 bytea PRIMARY KEY,
    body   bytea NOT NULL,
    CONSTRAINT feedpub_snapshot_bodies_sha256 CHECK (octet_length(sha256) = 32)
);

-- One row per snapshot published: its manifest (every resource, with the
-- SHA-256 of each encoding's bytes), the digest of the manifest without
-- its build time (equal digests serve equal bytes), and when the leader
-- last confirmed it with a successful build.
CREATE TABLE feedpub_snapshots (
    generation bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    built      timestamptz NOT NULL,
    published  timestamptz NOT NULL DEFAULT now(),
    confirmed  timestamptz NOT NULL DEFAULT now(),
    digest     bytea       NOT NULL,
    manifest   bytea       NOT NULL
);
