import { z } from 'zod';
import { defineChannel, defineEvent } from './core';
import { clusterNameSchema, tenantIdSchema } from '../rules/names';

/**
 * Tenant portability (issue 11): export bundles, import (same or another cluster, optional new
 * id, DC remapping), migration between clusters with cut-over, and per-tenant logical backups
 * with RPO/RTO targets, restore and verification.
 *
 * A bundle is one file: a signed manifest plus per-table chunks, each compressed, encrypted and
 * checksummed; private keys inside stay wrapped (to a passphrase, or to this installation's
 * master key when no passphrase is given). Long operations run as jobs: the start channel answers
 * with a jobId and progress streams as `portability.progress`; the outcome is read with
 * `portability.result` (also after a restart: operations are recorded in the cache).
 */

const isoSchema = z.string().datetime({ offset: true });
const pathSchema = z.string().trim().min(1).max(4096);
/** Optional bundle passphrase: at least 12 characters; absent → wrapped to this installation's master key. */
export const bundlePassphraseSchema = z.string().min(12, 'passphrase: at least 12 characters').max(512, 'passphrase: at most 512 characters');

export const OPERATION_KINDS = ['export', 'import', 'migrate', 'backup', 'restore', 'verify-backup'] as const;
export const operationKindSchema = z.enum(OPERATION_KINDS);
export const OPERATION_STATES = ['running', 'paused', 'succeeded', 'failed', 'aborted', 'interrupted'] as const;
export const operationStateSchema = z.enum(OPERATION_STATES);

export const tableCheckSchema = z.object({
  keyspace: z.string(),
  table: z.string(),
  sourceRows: z.number().int().nullable(),
  targetRows: z.number().int().nullable(),
  /** Order-independent content digest of every row (hex); equal on both sides when the data is identical. */
  sourceDigest: z.string().nullable(),
  targetDigest: z.string().nullable(),
  ok: z.boolean(),
});
export type TableCheck = z.infer<typeof tableCheckSchema>;

export const grantCheckSchema = z.object({
  role: z.string(),
  resource: z.string(),
  permissions: z.array(z.string()),
  /** present on both sides / only at the source / only at the target (after id remapping). */
  side: z.enum(['both', 'source', 'target']),
});

export const verificationReportSchema = z.object({
  ok: z.boolean(),
  tables: z.array(tableCheckSchema),
  grants: z.array(grantCheckSchema),
  grantsEqual: z.boolean(),
  configEqual: z.boolean(),
  certificates: z.object({ source: z.number().int(), target: z.number().int() }),
  notes: z.array(z.string()),
});
export type VerificationReport = z.infer<typeof verificationReportSchema>;

export const operationSchema = z.object({
  id: z.string(),
  jobId: z.string().nullable(),
  kind: operationKindSchema,
  state: operationStateSchema,
  cluster: z.string(),
  tenant: tenantIdSchema,
  /** Import/migrate/restore: where it went (cluster, tenant id). */
  targetCluster: z.string().nullable(),
  targetTenant: z.string().nullable(),
  /** Migration phase: copy, verify, cutover, switch, cleanup, done (null for others). */
  phase: z.string().nullable(),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  path: z.string().nullable(),
  bytes: z.number().int().nullable(),
  tables: z.number().int(),
  rows: z.number().int(),
  /** Bundle digest (sha256 hex) once written. */
  sha256: z.string().nullable(),
  error: z.string().nullable(),
  report: verificationReportSchema.nullable(),
  /**
   * Absent or 'cache': this console's own record. 'cluster': a migration another console ran, read
   * from csm_system.tenant_moves of a signed-in cluster (a `paused` one is orphaned: its console
   * stopped heartbeating; `migration.abort` recovers it from here).
   */
  recordedIn: z.enum(['cache', 'cluster']).optional(),
  /** Migration recorded in csm_system: the last heartbeat of the console running it (updated_at). */
  heartbeatAt: z.string().nullable().optional(),
  /** Migration recorded in csm_system: the role that started it. */
  startedBy: z.string().nullable().optional(),
});
export type Operation = z.infer<typeof operationSchema>;

export const backupSchema = z.object({
  id: z.string(),
  cluster: z.string(),
  tenant: tenantIdSchema,
  at: z.string(),
  path: z.string(),
  bytes: z.number().int(),
  rows: z.number().int(),
  sha256: z.string(),
  trigger: z.enum(['schedule', 'manual']),
  /** Result of the last "verify backup" run on it, null when never verified. */
  verified: z.object({ at: z.string(), ok: z.boolean() }).nullable(),
});
export type Backup = z.infer<typeof backupSchema>;

export const backupPolicySchema = z
  .object({
    /** Hours between scheduled backups; 0 = not scheduled. */
    everyHours: z.number().int().min(0).max(24 * 30),
    /** How many backups to keep (older ones deleted after a newer one is verified written). */
    keep: z.number().int().min(1).max(1000),
    /** Targets: most data that may be lost (minutes) and longest a restore may take (minutes). */
    rpoMinutes: z.number().int().min(1).max(60 * 24 * 90),
    rtoMinutes: z.number().int().min(1).max(60 * 24 * 30),
    withData: z.boolean(),
  })
  .strict();
export type BackupPolicy = z.infer<typeof backupPolicySchema>;

export const backupStatusSchema = z.object({
  cluster: z.string(),
  tenant: tenantIdSchema,
  policy: backupPolicySchema,
  backups: z.array(backupSchema),
  /** Age of the newest good backup against the RPO, and the last measured restore time against the RTO. */
  rpo: z.object({ met: z.boolean().nullable(), newestAgeMinutes: z.number().nullable() }),
  rto: z.object({ met: z.boolean().nullable(), lastRestoreMinutes: z.number().nullable() }),
  nextDueAt: z.string().nullable(),
});
export type BackupStatus = z.infer<typeof backupStatusSchema>;

export const bundleInfoSchema = z.object({
  format: z.number().int(),
  sourceCluster: z.string(),
  tenant: tenantIdSchema,
  createdAt: z.string(),
  createdBy: z.string().nullable(),
  withData: z.boolean(),
  wrap: z.enum(['passphrase', 'installation']),
  /** sha256: the table's order-independent content digest (sum of row SHA-256s, core/digest.ts). */
  tables: z.array(z.object({ keyspace: z.string(), table: z.string(), rows: z.number().int(), sha256: z.string() })),
  dataCenters: z.array(z.string()),
  /** HMAC and Ed25519 signature over the manifest and every chunk hash verified, and every chunk checked. */
  signatureOk: z.boolean(),
  /** False for an export that was interrupted (its .partial and .journal exist): resume it. */
  complete: z.boolean(),
  /** SHA-256 of the whole file and its size (null for an unfinished export). */
  sha256: z.string().nullable(),
  bytes: z.number().int().nullable(),
  /** Fingerprint (SHA-256 of the SPKI) of the installation key that signed it, and whether it is this installation's (null: no master key here). */
  signer: z.string(),
  signedByThisInstallation: z.boolean().nullable(),
  keyspaces: z.array(z.string()),
  roles: z.number().int(),
  grants: z.number().int(),
  /** Rows exported so far and sealed chunks (for an unfinished export: what the journal records). */
  rows: z.number().int(),
  chunks: z.number().int(),
});
export type BundleInfo = z.infer<typeof bundleInfoSchema>;

const jobStarted = z.object({ jobId: z.string(), operationId: z.string() });
const dcMapSchema = z.record(z.string().min(1).max(48), z.string().min(1).max(48));

export const portabilityChannels = {
  'tenant.export': defineChannel({
    input: z
      .object({
        cluster: clusterNameSchema,
        tenant: tenantIdSchema,
        out: pathSchema,
        withData: z.boolean().default(false),
        passphrase: bundlePassphraseSchema.optional(),
        /** Continue an interrupted export into the same file. */
        resume: z.boolean().default(false),
      })
      .strict(),
    output: jobStarted,
    scope: 'platform',
    mutates: true,
    summary: 'Export a tenant to a signed, encrypted bundle file (a job; resumable)',
  }),
  'tenant.inspectBundle': defineChannel({
    input: z.object({ path: pathSchema, passphrase: bundlePassphraseSchema.optional() }).strict(),
    output: bundleInfoSchema,
    scope: 'local',
    mutates: false,
    summary: "Read a bundle's manifest and check its signature and checksums",
  }),
  'tenant.import': defineChannel({
    input: z
      .object({
        cluster: clusterNameSchema,
        path: pathSchema,
        newId: tenantIdSchema.optional(),
        passphrase: bundlePassphraseSchema.optional(),
        /** Source DC → target DC; unmapped DCs must already satisfy the target's compliance boundary. */
        dcMap: dcMapSchema.optional(),
        /** SHA-256 fingerprint (hex) of a foreign signer to accept: a bundle not signed by this installation is refused without it. */
        trustSigner: z.string().regex(/^[0-9a-fA-F]{64}$/, 'a signer fingerprint is 64 hex digits').optional(),
      })
      .strict(),
    output: jobStarted,
    scope: 'platform',
    mutates: true,
    changesGrants: true,
    summary: 'Import a bundle as a tenant on this cluster, then verify it against the bundle (a job)',
  }),
  'tenant.migrate': defineChannel({
    input: z.object({ cluster: clusterNameSchema, tenant: tenantIdSchema, to: clusterNameSchema, dcMap: dcMapSchema.optional() }).strict(),
    output: jobStarted,
    scope: 'platform',
    mutates: true,
    changesGrants: true,
    approvable: true,
    summary: 'Move a tenant to another cluster: copy, verify, cut over, switch, clean up (a job)',
  }),
  'migration.abort': defineChannel({
    input: z.object({ cluster: clusterNameSchema, operationId: z.string().min(1).max(64) }).strict(),
    output: operationSchema,
    scope: 'platform',
    mutates: true,
    changesGrants: true,
    summary: 'Abort a migration: the source is left (or put back) as it was',
  }),
  'portability.result': defineChannel({
    input: z.object({ operationId: z.string().min(1).max(64) }).strict(),
    output: operationSchema,
    scope: 'local',
    mutates: false,
    summary: 'One export/import/migration/backup operation and its report',
  }),
  'portability.list': defineChannel({
    input: z.object({ cluster: clusterNameSchema.optional(), tenant: tenantIdSchema.optional(), kind: operationKindSchema.optional() }).strict(),
    output: z.array(operationSchema),
    scope: 'local',
    mutates: false,
    summary: 'Operations recorded by this console, newest first',
  }),
  'backup.create': defineChannel({
    input: z.object({ cluster: clusterNameSchema, tenant: tenantIdSchema, withData: z.boolean().optional() }).strict(),
    output: jobStarted,
    scope: 'platform',
    mutates: true,
    summary: 'Take a logical backup of a tenant now (a job)',
  }),
  'backup.list': defineChannel({
    input: z.object({ cluster: clusterNameSchema, tenant: tenantIdSchema }).strict(),
    output: backupStatusSchema,
    // The catalogue and policies live in csm_system, which only platform roles read.
    scope: 'platform',
    mutates: false,
    summary: "A tenant's backups, policy and whether they meet its RPO/RTO",
  }),
  'backup.setPolicy': defineChannel({
    input: z.object({ cluster: clusterNameSchema, tenant: tenantIdSchema, policy: backupPolicySchema }).strict(),
    output: backupStatusSchema,
    scope: 'platform',
    mutates: true,
    summary: "Set a tenant's backup schedule, retention and RPO/RTO targets",
  }),
  'backup.restore': defineChannel({
    input: z
      .object({
        cluster: clusterNameSchema,
        tenant: tenantIdSchema,
        backupId: z.string().min(1).max(64),
        /** Restore into the tenant's own keyspaces (needs confirm = the tenant id), or into a new tenant. */
        into: z.discriminatedUnion('kind', [z.object({ kind: z.literal('same'), confirm: tenantIdSchema }).strict(), z.object({ kind: z.literal('new'), tenant: tenantIdSchema }).strict()]),
      })
      .strict(),
    output: jobStarted,
    scope: 'platform',
    mutates: true,
    changesGrants: true,
    approvable: true,
    summary: 'Restore a backup into the same tenant (after confirmation) or into a new tenant (a job)',
  }),
  'backup.verify': defineChannel({
    input: z.object({ cluster: clusterNameSchema, tenant: tenantIdSchema, backupId: z.string().min(1).max(64) }).strict(),
    output: jobStarted,
    scope: 'platform',
    mutates: true,
    summary: 'Restore a backup into a scratch tenant, compare with the backup, remove the scratch tenant (a job)',
  }),
} as const;

export const portabilityEvents = {
  'portability.progress': defineEvent(
    z.object({
      operationId: z.string(),
      kind: operationKindSchema,
      tenant: z.string(),
      phase: z.string().nullable(),
      done: z.number(),
      total: z.number().nullable(),
      message: z.string(),
      at: isoSchema,
    }),
  ),
} as const;
