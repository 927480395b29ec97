import { AUDIT_CACHE_DDL, AUDIT_INDEX_DDL } from '../audit/index-schema';
import { AVAILABILITY_CACHE_DDL } from '../availability/schema';
import { METERING_CACHE_DDL } from '../resources/metering/schema';
import { QUOTA_CACHE_DDL } from '../resources/quotas/schema';
import { BILLING_CACHE_DDL } from '../resources/billing/schema';
import { PORTABILITY_CORE_CACHE_DDL } from '../portability/core/schema';
import { ORCHESTRATION_CACHE_DDL } from '../portability/orchestration/schema';
import { AUDIT_CACHE_V2_DDL } from '../audit/index-schema';
import type { Db } from './db';

/**
 * Numbered schema steps, tracked by `PRAGMA user_version`. A migration is never edited once
 * released: a file at version N must mean the same schema on every install. Add a new step
 * (and its own test in test/unit/store/) instead.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  up(db: Db): void;
}

const foundation: Migration = {
  version: 1,
  name: 'foundation',
  up(db) {
    // STRICT tables: a wrong type is an error at write time, not a surprise at read time.
    // cluster_profiles has no password column on purpose: secrets live in the SecretStore only.
    db.exec(`
      CREATE TABLE cluster_profiles (
        name           TEXT PRIMARY KEY NOT NULL,
        contact_points TEXT NOT NULL CHECK (json_valid(contact_points) AND json_type(contact_points) = 'array'),
        local_dc       TEXT NOT NULL,
        username       TEXT NOT NULL,
        tls            TEXT CHECK (tls IS NULL OR json_valid(tls)),
        sandbox        INTEGER NOT NULL DEFAULT 0 CHECK (sandbox IN (0, 1)),
        created_at     TEXT NOT NULL,
        updated_at     TEXT NOT NULL
      ) STRICT;

      CREATE TABLE jobs (
        id          TEXT PRIMARY KEY NOT NULL,
        kind        TEXT NOT NULL,
        label       TEXT NOT NULL,
        state       TEXT NOT NULL CHECK (state IN ('running', 'succeeded', 'failed', 'cancelled')),
        step        TEXT NOT NULL,
        fraction    REAL CHECK (fraction IS NULL OR (fraction >= 0 AND fraction <= 1)),
        started_at  TEXT NOT NULL,
        finished_at TEXT,
        message     TEXT,
        payload     TEXT CHECK (payload IS NULL OR json_valid(payload))
      ) STRICT;
      CREATE INDEX jobs_by_started_at ON jobs (started_at);

      -- The console's own call log until the platform audit trail (Cassandra) takes over.
      -- operator is null for calls made before anyone signed in (e.g. cluster.add).
      CREATE TABLE audit_local (
        seq            INTEGER PRIMARY KEY AUTOINCREMENT,
        at             TEXT NOT NULL,
        host           TEXT NOT NULL,
        channel        TEXT NOT NULL,
        operator       TEXT,
        tenant         TEXT,
        input_redacted TEXT NOT NULL CHECK (json_valid(input_redacted)),
        outcome        TEXT NOT NULL CHECK (outcome IN ('ok', 'error', 'refused')),
        error_code     TEXT
      ) STRICT;

      -- Offline audit snapshots: the one thing in this cache that Cassandra cannot give back,
      -- which is why a damaged cache is moved aside, never deleted (see integrity.ts).
      CREATE TABLE imported_evidence (
        id          TEXT PRIMARY KEY NOT NULL,
        imported_at TEXT NOT NULL,
        source      TEXT NOT NULL,
        sha256      TEXT NOT NULL CHECK (length(sha256) = 64),
        payload     BLOB NOT NULL
      ) STRICT;

      CREATE TABLE kv_settings (
        key   TEXT PRIMARY KEY NOT NULL,
        value TEXT NOT NULL CHECK (json_valid(value))
      ) STRICT, WITHOUT ROWID;
    `);
  },
};

const tenantMirrorAndKeyCache: Migration = {
  version: 2,
  name: 'tenant mirror and encrypted key cache',
  up(db) {
    // tenant_mirror: csm_system.tenants of every cluster this console signed in to, for fast and
    // offline listing. Nothing secret: the registry holds names and states only.
    // sealed_values/key_rotation_journal: the encrypted cache (issue 4); values are envelopes only.
    // IF NOT EXISTS: installs that ran the keys module before this migration already have them.
    db.exec(`
      CREATE TABLE tenant_mirror (
        cluster      TEXT NOT NULL,
        id           TEXT NOT NULL,
        name         TEXT NOT NULL,
        tier         TEXT NOT NULL,
        state        TEXT NOT NULL,
        isolation    TEXT NOT NULL CHECK (isolation IN ('keyspace', 'cluster')),
        template     TEXT NOT NULL,
        data_centers TEXT NOT NULL CHECK (json_valid(data_centers) AND json_type(data_centers) = 'array'),
        color        TEXT,
        created_at   TEXT NOT NULL,
        updated_at   TEXT NOT NULL,
        synced_at    TEXT NOT NULL,
        PRIMARY KEY (cluster, id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX tenant_mirror_by_id ON tenant_mirror (id);

      CREATE TABLE IF NOT EXISTS sealed_values (
        tenant_id   TEXT NOT NULL,
        key         TEXT NOT NULL,
        purpose     TEXT NOT NULL CHECK (purpose IN ('cache', 'ca')),
        key_version INTEGER NOT NULL CHECK (key_version >= 1),
        ciphertext  BLOB NOT NULL,
        updated_at  TEXT NOT NULL,
        PRIMARY KEY (tenant_id, key)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS sealed_values_by_key_version ON sealed_values (tenant_id, purpose, key_version);

      CREATE TABLE IF NOT EXISTS key_rotation_journal (
        tenant_id  TEXT NOT NULL,
        purpose    TEXT NOT NULL CHECK (purpose IN ('cache', 'ca')),
        to_version INTEGER NOT NULL CHECK (to_version >= 1),
        cursor     TEXT,
        done       INTEGER NOT NULL CHECK (done >= 0),
        total      INTEGER NOT NULL CHECK (total >= 0),
        started_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (tenant_id, purpose)
      ) STRICT, WITHOUT ROWID;
    `);
  },
};

const jobOwner: Migration = {
  version: 3,
  name: 'job owner',
  up(db) {
    // Which console process wrote a job row, so that a console opening the cache can tell a job
    // left `running` by a dead process (marked failed) from one a live process is still running
    // (a CLI next to the desktop app shares this file). Columns, not the payload: the payload
    // belongs to the job and is replaced whole when the job writes one.
    // owner_start: an OS marker of that process's start (Linux: boot id and start tick), so a
    // recycled pid is not mistaken for the owner; NULL where the OS gives none.
    // owner_instance: the store instance within that process (one process may open the file twice).
    db.exec(`
      ALTER TABLE jobs ADD COLUMN owner_pid INTEGER CHECK (owner_pid IS NULL OR owner_pid > 0);
      ALTER TABLE jobs ADD COLUMN owner_host TEXT;
      ALTER TABLE jobs ADD COLUMN owner_start TEXT;
      ALTER TABLE jobs ADD COLUMN owner_instance TEXT;
      CREATE INDEX jobs_running ON jobs (state) WHERE state = 'running';
    `);
  },
};

const audit: Migration = {
  version: 4,
  name: 'audit mirror, snapshots, saved filters, ingest progress',
  up(db) {
    // Issue 9. The index tables are the same DDL an imported snapshot gets in memory.
    db.exec(AUDIT_INDEX_DDL);
    db.exec(AUDIT_CACHE_DDL);
  },
};

const availability: Migration = {
  version: 5,
  name: 'availability samples, hourly rollups, incidents, targets and windows mirror',
  up(db) {
    // Issue 12: see src-main/availability/schema.ts.
    db.exec(AVAILABILITY_CACHE_DDL);
  },
};

/** Issue 10 and 11 steps, one per part so parts built in parallel never edit each other's DDL. */
const step = (version: number, name: string, ddl: () => string): Migration => ({
  version,
  name,
  up(db) {
    const sql = ddl();
    if (sql.trim()) db.exec(sql);
  },
});

export const MIGRATIONS: readonly Migration[] = [
  foundation,
  tenantMirrorAndKeyCache,
  jobOwner,
  audit,
  availability,
  step(6, 'usage samples', () => METERING_CACHE_DDL),
  step(7, 'quota state', () => QUOTA_CACHE_DDL),
  step(8, 'billing and privacy budget', () => BILLING_CACHE_DDL),
  step(9, 'portability operations', () => PORTABILITY_CORE_CACHE_DDL),
  step(10, 'backups and migrations', () => ORCHESTRATION_CACHE_DDL),
  step(11, 'audit: live index in memory, stream heads as witnesses', () => AUDIT_CACHE_V2_DDL),
];

export const LATEST_SCHEMA_VERSION: number = MIGRATIONS.length;
