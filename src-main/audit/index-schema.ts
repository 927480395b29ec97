/**
 * The audit index schema (issue 9), shared by the live mirror (cache migration 4, on the cache
 * file) and by imported snapshots (an in-memory database built from the decrypted snapshot, so
 * an auditor's laptop never holds a snapshot's events in clear on disk). Same tables, same
 * queries (src-main/audit/index.ts) for both.
 *
 * `source` tells apart the streams held in one database: `live:<cluster>` for a mirror of a
 * cluster's stream, `snapshot:<id>` for imported evidence. `stream` is `platform` or
 * `tenant:<id>`. Events are append-only; (source, stream, seq) is their identity.
 */
export const AUDIT_INDEX_DDL = `
  CREATE TABLE IF NOT EXISTS audit_events (
    id          INTEGER PRIMARY KEY,
    source      TEXT NOT NULL,
    stream      TEXT NOT NULL,
    seq         INTEGER NOT NULL CHECK (seq >= 1),
    at          TEXT NOT NULL,
    at_ms       INTEGER NOT NULL,
    origin_kind TEXT NOT NULL CHECK (origin_kind IN ('console', 'cassandra', 'retention')),
    type        TEXT NOT NULL,
    category    TEXT NOT NULL,
    user        TEXT,
    keyspace    TEXT,
    scope       TEXT,
    operation   TEXT NOT NULL,
    outcome     TEXT NOT NULL CHECK (outcome IN ('ok', 'error', 'refused')),
    error_code  TEXT,
    origin      TEXT,
    detail      TEXT NOT NULL CHECK (json_valid(detail)),
    hash        TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    UNIQUE (source, stream, seq)
  ) STRICT;
  CREATE INDEX IF NOT EXISTS audit_events_time ON audit_events (source, stream, at_ms);
  CREATE INDEX IF NOT EXISTS audit_events_type ON audit_events (source, stream, type, at_ms);
  CREATE VIRTUAL TABLE IF NOT EXISTS audit_events_fts USING fts5 (
    operation, type, user, keyspace,
    content = 'audit_events', content_rowid = 'id', tokenize = 'unicode61'
  );
  CREATE TRIGGER IF NOT EXISTS audit_events_fts_insert AFTER INSERT ON audit_events BEGIN
    INSERT INTO audit_events_fts (rowid, operation, type, user, keyspace) VALUES (new.id, new.operation, new.type, new.user, new.keyspace);
  END;
  CREATE TRIGGER IF NOT EXISTS audit_events_fts_delete AFTER DELETE ON audit_events BEGIN
    INSERT INTO audit_events_fts (audit_events_fts, rowid, operation, type, user, keyspace) VALUES ('delete', old.id, old.operation, old.type, old.user, old.keyspace);
  END;
  CREATE TABLE IF NOT EXISTS audit_batches (
    source      TEXT NOT NULL,
    stream      TEXT NOT NULL,
    batch       INTEGER NOT NULL CHECK (batch >= 1),
    first_seq   INTEGER NOT NULL,
    last_seq    INTEGER NOT NULL,
    head_hash   TEXT NOT NULL,
    key_version INTEGER NOT NULL,
    signer      TEXT NOT NULL,
    signature   BLOB NOT NULL,
    signed_at   TEXT NOT NULL,
    PRIMARY KEY (source, stream, batch)
  ) STRICT, WITHOUT ROWID;
`;

/** Cache-only tables: imported snapshots (sealed), saved filters, ingest progress. */
export const AUDIT_CACHE_DDL = `
  CREATE TABLE IF NOT EXISTS audit_snapshots (
    id          TEXT PRIMARY KEY NOT NULL,
    stream      TEXT NOT NULL,
    cluster     TEXT NOT NULL,
    info        TEXT NOT NULL CHECK (json_valid(info)),
    sealed      BLOB NOT NULL,
    imported_at TEXT NOT NULL
  ) STRICT;
  CREATE TABLE IF NOT EXISTS audit_saved_filters (
    name       TEXT PRIMARY KEY NOT NULL,
    filter     TEXT NOT NULL CHECK (json_valid(filter)),
    created_at TEXT NOT NULL
  ) STRICT;
  CREATE TABLE IF NOT EXISTS audit_ingest_files (
    cluster     TEXT NOT NULL,
    file_id     TEXT NOT NULL,
    path        TEXT NOT NULL,
    offset      INTEGER NOT NULL,
    line        INTEGER NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (cluster, file_id)
  ) STRICT, WITHOUT ROWID;
`;

/**
 * Cache migration 11 (issue 9 follow-up): the live mirror leaves the disk (events in clear
 * contradicted DESIGN §5); only stream heads stay, as witnesses (`audit_witness_heads`, carried
 * over from the old mirror), and signer keys are pinned on first use (`audit_signer_pins`,
 * streams/pins.ts). The dropped tables' pages are zeroed (secure_delete).
 */
export const AUDIT_CACHE_V2_DDL = `
  CREATE TABLE IF NOT EXISTS audit_witness_heads (
    source  TEXT NOT NULL,
    stream  TEXT NOT NULL,
    seq     INTEGER NOT NULL CHECK (seq >= 1),
    hash    TEXT NOT NULL,
    seen_at TEXT NOT NULL,
    PRIMARY KEY (source, stream)
  ) STRICT, WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS audit_signer_pins (
    cluster     TEXT NOT NULL,
    stream      TEXT NOT NULL,
    version     INTEGER NOT NULL CHECK (version >= 1),
    fingerprint TEXT NOT NULL,
    pinned_at   TEXT NOT NULL,
    PRIMARY KEY (cluster, stream, version)
  ) STRICT, WITHOUT ROWID;
  INSERT OR IGNORE INTO audit_witness_heads (source, stream, seq, hash, seen_at)
    SELECT e.source, e.stream, e.seq, e.hash, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    FROM audit_events e
    WHERE e.source LIKE 'live:%' AND e.seq = (SELECT max(seq) FROM audit_events m WHERE m.source = e.source AND m.stream = e.stream);
  PRAGMA secure_delete = ON;
  DROP TRIGGER IF EXISTS audit_events_fts_insert;
  DROP TRIGGER IF EXISTS audit_events_fts_delete;
  DROP TABLE IF EXISTS audit_events_fts;
  DROP TABLE IF EXISTS audit_events;
  DROP TABLE IF EXISTS audit_batches;
`;
