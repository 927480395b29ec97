import { z } from 'zod';
import { defineChannel, wireErrorSchema } from './core';
import { clusterNameSchema, tenantIdSchema } from '../rules/names';

/**
 * Per-tenant keys (issue 4): status, rotation, key shares, escrow, key policy. No output carries
 * a key: share and escrow files cross as armored text because they are sealed (passphrase or
 * escrow public key); passphrases only ever travel inwards and are redacted from the audit log.
 */

/** Shortest passphrase a new key share accepts (main checks it again when sealing). */
export const MIN_SHARE_PASSPHRASE = 12;
const MAX_PASSPHRASE = 1024;
/** A share file is a few KiB; main refuses anything past 256 KiB as "not a share file". */
const MAX_SHARE_TEXT = 256 * 1024;

const newPassphraseSchema = z
  .string()
  .min(MIN_SHARE_PASSPHRASE, `passphrase: at least ${MIN_SHARE_PASSPHRASE} characters`)
  .max(MAX_PASSPHRASE, `passphrase: at most ${MAX_PASSPHRASE} characters`);
const passphraseSchema = z.string().min(1, 'passphrase: required').max(MAX_PASSPHRASE);
// Named secretShare in inputs: sealed, but still kept out of the audit log (redaction matches /secret/).
const shareTextSchema = z.string().min(1, 'share file: empty').max(MAX_SHARE_TEXT, 'share file: far too large to be a key share');

export const KEY_STATES = ['active', 'retired', 'destroyed'] as const;
export const keyVersionSchema = z.object({
  version: z.number().int(),
  state: z.enum(KEY_STATES),
  createdAt: z.string().nullable(),
  retiredAt: z.string().nullable(),
  /** Data keys: the KEK version wrapping it. */
  kekVersion: z.number().int().optional(),
});
export const keyLineSchema = z.object({ current: z.number().int().nullable(), versions: z.array(keyVersionSchema) });

export const KEY_ALGORITHMS = ['rsa', 'ec', 'ed25519'] as const;
export const EC_CURVES = ['P-256', 'P-384', 'P-521'] as const;
/** Same bounds as main's parseKeyPolicy (src-main/keys/policy.ts), which checks it again. */
export const keyPolicySchema = z
  .object({
    algorithms: z.array(z.enum(KEY_ALGORITHMS)).min(1).max(KEY_ALGORITHMS.length),
    minRsaBits: z.number().int().min(2048, 'RSA below 2048 bits is never allowed').max(16384).multipleOf(1024),
    curves: z.array(z.enum(EC_CURVES)).max(EC_CURVES.length),
    rotationIntervalDays: z.number().int().min(1).max(3650),
  })
  .strict();
export type KeyPolicy = z.infer<typeof keyPolicySchema>;

export const rotationDueSchema = z.object({
  due: z.boolean(),
  dueAt: z.string().nullable(),
  daysLeft: z.number().int(),
  overdueDays: z.number().int(),
  intervalDays: z.number().int(),
});

export const tenantKeyStatusSchema = z.object({
  tenantId: tenantIdSchema,
  /** master: opened through the installation master key; tenant-share: this console holds the tenant's KEK. */
  source: z.enum(['master', 'tenant-share']),
  masterFingerprint: z.string().nullable(),
  kek: keyLineSchema,
  dataKeys: z.object({ cache: keyLineSchema, ca: keyLineSchema, signing: keyLineSchema }),
  lastRotatedAt: z.string().nullable(),
  /** An interrupted rotation left work behind: rotating again finishes it. */
  pending: z.object({
    kek: z.boolean(),
    reencrypt: z.array(z.object({ purpose: z.enum(['cache', 'ca']), toVersion: z.number().int(), done: z.number().int(), total: z.number().int() })),
  }),
  rotation: rotationDueSchema,
  /** Source tenant-share: the KEK versions the share holds; outdated when the tenant was rotated since it was exported. */
  share: z.object({ versions: z.array(z.number().int()), outdated: z.boolean(), clusterKekVersion: z.number().int().nullable() }).nullable(),
});
export type TenantKeyStatus = z.infer<typeof tenantKeyStatusSchema>;

export const rotationReportSchema = z.object({
  tenantId: tenantIdSchema,
  resumed: z.boolean(),
  kekVersion: z.number().int(),
  retiredKekVersions: z.array(z.number().int()),
  rewrapped: z.number().int(),
  dataKeyVersion: z.number().int().nullable(),
  retiredDataKeyVersions: z.array(z.number().int()),
  reencrypted: z.number().int(),
  /** Cache entries that did not open (damaged) and were left as they are. */
  unreadable: z.array(z.string()),
});
export type RotationReport = z.infer<typeof rotationReportSchema>;

/**
 * A rotation job as the console that ran it remembers it. `report` only once it succeeded;
 * `error` when it failed or was cancelled (the job's own message, already operator-facing).
 */
export const rotationOutcomeSchema = z.object({
  jobId: z.string(),
  cluster: clusterNameSchema,
  tenantId: tenantIdSchema,
  state: z.enum(['running', 'succeeded', 'failed', 'cancelled']),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  report: rotationReportSchema.nullable(),
  error: wireErrorSchema.nullable(),
});
export type RotationOutcome = z.infer<typeof rotationOutcomeSchema>;

export const masterKeyStatusSchema = z.object({
  present: z.boolean(),
  /** Public name of the installation master key; never the key. */
  fingerprint: z.string().nullable(),
});

const tenantRef = z.object({ cluster: clusterNameSchema, tenant: tenantIdSchema }).strict();

/** A sealed file as text, with the name a download or `--out` default should get. */
export const keyFileSchema = z.object({ text: z.string(), fileName: z.string() });

export const keyChannels = {
  'keys.status': defineChannel({
    // tenant scope: naming a tenant needs that tenant's admin scope (or platform); leaving it out
    // means every tenant, which the scope guard allows to platform operators only.
    input: z.object({ cluster: clusterNameSchema, tenant: tenantIdSchema.optional() }).strict(),
    output: z.array(tenantKeyStatusSchema),
    scope: 'tenant',
    mutates: false,
    summary: "Key versions of one tenant (or of every tenant with keys, platform scope): made, retired, rotation due or unfinished",
  }),
  'keys.rotate': defineChannel({
    input: tenantRef,
    // Answers as soon as the job has started: progress streams as job.progress events (kind
    // keys.rotate, this label); the report is read with keys.rotationReport once the job ends.
    output: z.object({ jobId: z.string(), cluster: clusterNameSchema, tenant: tenantIdSchema, label: z.string() }),
    scope: 'platform',
    mutates: true,
    approvable: true,
    summary: "Start rotating a tenant's keys as a job: new KEK, data keys rewrapped, cache re-encrypted; finishes an interrupted rotation first",
  }),
  'keys.rotationReport': defineChannel({
    input: tenantRef.extend({ jobId: z.string().min(1).max(64) }).strict(),
    output: rotationOutcomeSchema,
    scope: 'platform',
    mutates: false,
    summary: 'How a key rotation this console started ended: its report, or why it failed (kept in memory until the console restarts)',
  }),
  'keys.policy': defineChannel({
    input: tenantRef,
    output: z.object({ policy: keyPolicySchema, stored: z.boolean() }),
    scope: 'tenant',
    mutates: false,
    summary: "A tenant's key policy: allowed algorithms and sizes, rotation interval (the default until one is set)",
  }),
  'keys.setPolicy': defineChannel({
    input: tenantRef.extend({ policy: keyPolicySchema }).strict(),
    output: z.object({ policy: keyPolicySchema, stored: z.boolean() }),
    scope: 'platform',
    mutates: true,
    summary: "Set a tenant's key policy",
  }),
  'keys.masterStatus': defineChannel({
    input: z.object({}).strict(),
    output: masterKeyStatusSchema,
    scope: 'local',
    mutates: false,
    summary: 'Whether this console holds an installation master key, and its fingerprint',
  }),
  'keys.exportShare': defineChannel({
    input: z.object({ passphrase: newPassphraseSchema }).strict(),
    output: keyFileSchema.extend({ fingerprint: z.string() }),
    scope: 'local',
    mutates: true,
    summary: "The installation master key as a passphrase-protected share file, for a second console install",
  }),
  'keys.importShare': defineChannel({
    input: z.object({ secretShare: shareTextSchema, passphrase: passphraseSchema, force: z.boolean().default(false) }).strict(),
    output: z.object({ fingerprint: z.string(), replaced: z.string().nullable(), unchanged: z.boolean() }),
    scope: 'local',
    mutates: true,
    summary: 'Install a master key share; a different key already here is replaced only with force',
  }),
  'keys.exportTenantShare': defineChannel({
    input: tenantRef.extend({ passphrase: newPassphraseSchema }).strict(),
    output: keyFileSchema.extend({ tenant: tenantIdSchema }),
    scope: 'platform',
    mutates: true,
    summary: "One tenant's KEK as a passphrase-protected share file, for that tenant admin's console",
  }),
  'keys.importTenantShare': defineChannel({
    input: z.object({ secretShare: shareTextSchema, passphrase: passphraseSchema }).strict(),
    output: z.object({ tenant: tenantIdSchema, versions: z.array(z.number().int()) }),
    scope: 'local',
    mutates: true,
    summary: "Hold one tenant's KEK in this console's keychain (replaces an older share of that tenant)",
  }),
  'keys.exportEscrow': defineChannel({
    input: tenantRef.extend({ publicKeyPem: z.string().min(1).max(16 * 1024) }).strict(),
    output: keyFileSchema.extend({ tenant: tenantIdSchema }),
    scope: 'platform',
    mutates: true,
    summary: "A tenant's KEK sealed to an escrow agent's RSA or EC public key (PEM)",
  }),
};

export const keyEvents = {};
