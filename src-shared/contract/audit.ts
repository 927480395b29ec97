import { z } from 'zod';
import { defineChannel } from './core';
import { clusterNameSchema, tenantIdSchema } from '../rules/names';

/**
 * Audit (issue 9): a hash-chained, batch-signed stream per tenant (in `tenant_<id>_csm`) and a
 * platform stream (in `csm_system`), both mirrored into the local cache; ingestion of Cassandra's
 * own FileAuditLogger output; signed snapshots for offline review; search, reports, retention.
 *
 * Two families of channels over one service:
 * - live (`audit.query`, `audit.verify`, …): a signed-in operator reads a stream of a cluster.
 *   `tenant` names a tenant stream (auditor scope: platform, the tenant's admin or auditor);
 *   leaving it out names the platform stream (platform operators and `csm_auditor` only).
 * - offline (`audit.snapshot*`, `audit.import`): imported snapshot files on this machine, usable
 *   with no network and no cluster (local scope: whoever holds the laptop holds the evidence).
 */

export const AUDIT_SOURCES = ['console', 'cassandra', 'retention'] as const;
export const AUDIT_OUTCOMES = ['ok', 'error', 'refused'] as const;
/** Cassandra's categories plus the console's own. */
export const AUDIT_CATEGORIES = ['QUERY', 'DML', 'DDL', 'DCL', 'OTHER', 'AUTH', 'ERROR', 'PREPARE', 'CONSOLE', 'RETENTION'] as const;

/** `tenant:<id>` or `platform`. */
export const streamIdSchema = z.string().regex(/^(?:platform|tenant:[a-z][a-z0-9_]{1,29})$/, 'stream: platform or tenant:<id>');

export const auditEventSchema = z.object({
  stream: z.string(),
  /** Position in the stream, from 1, no gaps. */
  seq: z.number().int(),
  at: z.string(),
  source: z.enum(AUDIT_SOURCES),
  /** Console: the channel (tenant.create …); Cassandra: its type (SELECT, LOGIN_ERROR …); retention: TOMBSTONE. */
  type: z.string(),
  category: z.enum(AUDIT_CATEGORIES),
  /** Console operator role or Cassandra user. */
  user: z.string().nullable(),
  keyspace: z.string().nullable(),
  /** Table, when Cassandra names one. */
  scope: z.string().nullable(),
  /** Cassandra's operation text, or a one-line summary of the console call. */
  operation: z.string(),
  outcome: z.enum(AUDIT_OUTCOMES),
  errorCode: z.string().nullable(),
  /** Console host kind, or the Cassandra node (host:port) that logged it. */
  origin: z.string().nullable(),
  /** Redacted call input (console) or the parsed fields (Cassandra); JSON. */
  detail: z.unknown(),
  hash: z.string(),
  prevHash: z.string(),
});
export type AuditEventView = z.infer<typeof auditEventSchema>;

export const auditFilterSchema = z
  .object({
    since: z.string().datetime({ offset: true }).optional(),
    until: z.string().datetime({ offset: true }).optional(),
    type: z.string().max(100).optional(),
    category: z.enum(AUDIT_CATEGORIES).optional(),
    source: z.enum(AUDIT_SOURCES).optional(),
    user: z.string().max(200).optional(),
    keyspace: z.string().max(200).optional(),
    outcome: z.enum(AUDIT_OUTCOMES).optional(),
    /** Full-text search over operation, type, user and keyspace (SQLite FTS5; words, not a query language). */
    text: z.string().max(200).optional(),
    limit: z.number().int().min(1).max(5000).default(200),
    /** Page backwards: events with seq below this. */
    beforeSeq: z.number().int().min(1).optional(),
  })
  .strict();
export type AuditFilter = z.infer<typeof auditFilterSchema>;

export const auditPageSchema = z.object({
  stream: z.string(),
  events: z.array(auditEventSchema),
  /** Matching events in total (capped at 100,000 for speed; `totalCapped` says so). */
  total: z.number().int(),
  totalCapped: z.boolean(),
  nextBeforeSeq: z.number().int().nullable(),
});

/**
 * `manifest`: a snapshot file's manifest does not hold (its signature fails, a part of the file
 * does not match the digest it signed, or its counts, range or heads disagree with the content).
 */
export const TAMPER_KINDS = ['edited', 'deleted', 'inserted', 'reordered', 'bad-signature', 'unsigned', 'unknown-key', 'head-mismatch', 'manifest'] as const;
export const tamperSchema = z.object({ kind: z.enum(TAMPER_KINDS), seq: z.number().int().nullable(), batch: z.number().int().nullable(), message: z.string() });

export const verificationSchema = z.object({
  stream: z.string(),
  intact: z.boolean(),
  events: z.number().int(),
  batches: z.number().int(),
  firstSeq: z.number().int().nullable(),
  lastSeq: z.number().int().nullable(),
  headHash: z.string().nullable(),
  /** Fingerprints (sha256 of SPKI) of the signing keys that signed the batches. */
  signers: z.array(z.string()),
  problems: z.array(tamperSchema),
  verifiedAt: z.string(),
});
export type Verification = z.infer<typeof verificationSchema>;

export const chainProofSchema = z.object({
  event: auditEventSchema,
  /** The canonical bytes that were hashed, as text. */
  canonical: z.string(),
  recomputedHash: z.string(),
  hashMatches: z.boolean(),
  previous: z.object({ seq: z.number().int(), hash: z.string() }).nullable(),
  linkMatches: z.boolean(),
  batch: z.object({ batch: z.number().int(), firstSeq: z.number().int(), lastSeq: z.number().int(), signer: z.string(), signatureValid: z.boolean() }).nullable(),
});

export const ingestReportSchema = z.object({
  cluster: z.string(),
  files: z.array(z.object({ path: z.string(), lines: z.number().int(), ingested: z.number().int(), duplicates: z.number().int(), malformed: z.number().int(), resumedAt: z.number().int() })),
  linesRead: z.number().int(),
  ingested: z.number().int(),
  duplicates: z.number().int(),
  malformed: z.object({ count: z.number().int(), first: z.array(z.object({ file: z.string(), line: z.number().int(), reason: z.string() })) }),
  /** Events per stream (`platform`, `tenant:<id>`). */
  perStream: z.record(z.string(), z.number().int()),
  alerts: z.array(z.object({ kind: z.enum(['cross-tenant-attempt', 'login-error-burst', 'forged-record-suspected']), stream: z.string(), user: z.string().nullable(), count: z.number().int(), first: z.string(), last: z.string(), message: z.string() })),
  /**
   * Events a tenant stream could not take (the tenant was deleted meanwhile, or its stream cannot
   * be signed by this console: NOT_FOUND/FORBIDDEN): they went to the platform stream, flagged.
   */
  undelivered: z.array(z.object({ stream: z.string(), events: z.number().int(), reason: z.string() })).optional(),
  cancelled: z.boolean(),
  seconds: z.number(),
});
export type IngestReport = z.infer<typeof ingestReportSchema>;

export const snapshotInfoSchema = z.object({
  id: z.string(),
  stream: z.string(),
  tenant: z.string().nullable(),
  cluster: z.string(),
  events: z.number().int(),
  firstSeq: z.number().int().nullable(),
  lastSeq: z.number().int().nullable(),
  since: z.string().nullable(),
  until: z.string().nullable(),
  createdAt: z.string(),
  createdBy: z.string(),
  signerFingerprint: z.string(),
  importedAt: z.string(),
  sha256: z.string(),
  verification: verificationSchema,
});
export type SnapshotInfo = z.infer<typeof snapshotInfoSchema>;

export const savedFilterSchema = z.object({ name: z.string(), filter: auditFilterSchema, createdAt: z.string() });

export const complianceReportSchema = z.object({
  stream: z.string(),
  generatedAt: z.string(),
  /** Self-contained HTML (inline CSS, no scripts), prints to PDF. */
  html: z.string(),
  file: z.object({ path: z.string(), sha256: z.string(), bytes: z.number().int() }).nullable(),
});

const outPath = z.string().min(1).max(4096).refine((p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p), 'path: an absolute path');
const inPath = outPath;
const live = { cluster: clusterNameSchema, tenant: tenantIdSchema.optional() };
const snapshotId = z.string().regex(/^[0-9a-f]{32}$/, 'snapshot id: 32 hex digits');
const filterName = z.string().trim().min(1).max(80).regex(/^[A-Za-z0-9 ._-]+$/, 'filter name: letters, digits, space, . _ -');

export const auditChannels = {
  // ---- live streams -------------------------------------------------------------------------
  'audit.query': defineChannel({
    input: z.object({ ...live, filter: auditFilterSchema.default({ limit: 200 }) }).strict(),
    output: auditPageSchema,
    scope: 'auditor',
    mutates: false,
    summary: "Events of a tenant's stream (or the platform stream) from the local mirror, newest first, with filters and full-text search",
  }),
  'audit.event': defineChannel({
    input: z.object({ ...live, seq: z.number().int().min(1) }).strict(),
    output: chainProofSchema,
    scope: 'auditor',
    mutates: false,
    summary: 'One event with its chain proof: canonical bytes, recomputed hash, link to the previous event, batch signature',
  }),
  'audit.verify': defineChannel({
    input: z.object(live).strict(),
    output: verificationSchema,
    scope: 'auditor',
    mutates: false,
    summary: 'Verify a stream as Cassandra holds it: hash chain, batch signatures, heads; says what was tampered with and where',
  }),
  'audit.sync': defineChannel({
    input: z.object(live).strict(),
    output: z.object({ stream: z.string(), fetched: z.number().int(), lastSeq: z.number().int().nullable() }),
    scope: 'auditor',
    mutates: false,
    summary: 'Bring the local mirror of a stream up to date from Cassandra',
  }),
  'audit.ingest': defineChannel({
    input: z
      .object({
        cluster: clusterNameSchema,
        files: z.array(inPath).max(1000).default([]),
        dirs: z.array(inPath).max(100).default([]),
      })
      .strict()
      .refine((v) => v.files.length + v.dirs.length > 0, 'name at least one file or directory'),
    output: ingestReportSchema,
    scope: 'platform',
    mutates: true,
    summary: "Ingest Cassandra FileAuditLogger output (files, rotated files, directories) into the tenants' streams; idempotent and resumable",
  }),
  'audit.export': defineChannel({
    input: z.object({ ...live, since: z.string().datetime({ offset: true }).optional(), until: z.string().datetime({ offset: true }).optional(), out: outPath, overwrite: z.boolean().default(false) }).strict(),
    output: z.object({ path: z.string(), sha256: z.string(), bytes: z.number().int(), events: z.number().int(), stream: z.string(), signerFingerprint: z.string() }),
    scope: 'auditor',
    mutates: true,
    summary: "Write a signed snapshot file of a tenant's stream for a time range, widened to whole signed batches (events, manifest, chain heads, signature, signer key); tenant required",
  }),
  'audit.report': defineChannel({
    input: z.object({ ...live, since: z.string().datetime({ offset: true }).optional(), until: z.string().datetime({ offset: true }).optional(), out: outPath.optional(), overwrite: z.boolean().default(false) }).strict(),
    output: complianceReportSchema,
    scope: 'auditor',
    mutates: false,
    summary: 'Compliance report of a stream (HTML that prints to PDF): counts, alerts, verification status',
  }),
  'audit.csv': defineChannel({
    input: z.object({ ...live, filter: auditFilterSchema.default({ limit: 200 }), out: outPath, overwrite: z.boolean().default(false) }).strict(),
    output: z.object({ path: z.string(), rows: z.number().int(), sha256: z.string() }),
    scope: 'auditor',
    mutates: false,
    summary: 'Write every event matching the filter as CSV, newest first, up to 100,000 rows (limit and beforeSeq are paging settings and do not apply); formula-leading cells are quoted',
  }),
  'audit.prune': defineChannel({
    input: z.object({ cluster: clusterNameSchema, tenant: tenantIdSchema }).strict(),
    output: z.object({ stream: z.string(), pruned: z.number().int(), tombstoneSeq: z.number().int().nullable(), retentionDays: z.number().int(), cutoff: z.string() }),
    scope: 'platform',
    mutates: true,
    summary: "Apply the tenant's retention: prune expired events behind a signed tombstone so the chain still verifies",
  }),
  // ---- offline: imported snapshots ---------------------------------------------------------
  'audit.import': defineChannel({
    input: z.object({ file: inPath }).strict(),
    output: snapshotInfoSchema,
    scope: 'local',
    mutates: true,
    summary: 'Import a snapshot file (no network or cluster needed); verified on import; kept encrypted at rest',
  }),
  'audit.snapshots': defineChannel({
    input: z.object({}).strict(),
    output: z.array(snapshotInfoSchema),
    scope: 'local',
    mutates: false,
    summary: 'Snapshots imported on this machine',
  }),
  'audit.verifySnapshot': defineChannel({
    input: z.union([z.object({ file: inPath }).strict(), z.object({ snapshotId }).strict()]),
    output: verificationSchema,
    scope: 'local',
    mutates: false,
    summary: 'Verify a snapshot file or an imported snapshot: "intact" or exactly what was tampered with',
  }),
  'audit.snapshotQuery': defineChannel({
    input: z.object({ snapshotId, filter: auditFilterSchema.default({ limit: 200 }) }).strict(),
    output: auditPageSchema,
    scope: 'local',
    mutates: false,
    summary: 'Events of an imported snapshot, with filters and full-text search',
  }),
  'audit.snapshotEvent': defineChannel({
    input: z.object({ snapshotId, seq: z.number().int().min(1) }).strict(),
    output: chainProofSchema,
    scope: 'local',
    mutates: false,
    summary: 'One event of an imported snapshot with its chain proof',
  }),
  'audit.snapshotReport': defineChannel({
    input: z.object({ snapshotId, out: outPath.optional(), overwrite: z.boolean().default(false) }).strict(),
    output: complianceReportSchema,
    scope: 'local',
    mutates: false,
    summary: 'Compliance report of an imported snapshot',
  }),
  'audit.snapshotCsv': defineChannel({
    input: z.object({ snapshotId, filter: auditFilterSchema.default({ limit: 200 }), out: outPath, overwrite: z.boolean().default(false) }).strict(),
    output: z.object({ path: z.string(), rows: z.number().int(), sha256: z.string() }),
    scope: 'local',
    mutates: false,
    summary: "Write an imported snapshot's events matching the filter as CSV (as audit.csv)",
  }),
  'audit.removeSnapshot': defineChannel({
    input: z.object({ snapshotId }).strict(),
    output: z.object({ removed: z.boolean() }),
    scope: 'local',
    mutates: true,
    summary: 'Remove an imported snapshot from this machine',
  }),
  // ---- saved filters (local) ----------------------------------------------------------------
  'audit.filters': defineChannel({
    input: z.object({}).strict(),
    output: z.array(savedFilterSchema),
    scope: 'local',
    mutates: false,
    summary: 'Saved review filters',
  }),
  'audit.saveFilter': defineChannel({
    input: z.object({ name: filterName, filter: auditFilterSchema }).strict(),
    output: savedFilterSchema,
    scope: 'local',
    mutates: true,
    summary: 'Save a review filter under a name (replaces one of the same name)',
  }),
  'audit.deleteFilter': defineChannel({
    input: z.object({ name: filterName }).strict(),
    output: z.object({ removed: z.boolean() }),
    scope: 'local',
    mutates: true,
    summary: 'Delete a saved review filter',
  }),
};

export const auditEvents = {};
