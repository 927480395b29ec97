import { z } from 'zod';
import { defineChannel } from './core';
import { clusterNameSchema, dcNameSchema, tenantIdSchema } from '../rules/names';
import { FRAMEWORKS, frameworkSchema, overridesSchema, POLICY_FIELDS, regionSchema } from '../rules/compliance';

/**
 * Compliance boundaries (allowed DCs with region labels, drift scan) and profiles (framework tags,
 * presets, overrides, controls) per tenant — issue 6 items 3–4. Presets live in rules/compliance.ts.
 */

export const boundaryEntrySchema = z.object({ dc: dcNameSchema, region: regionSchema }).strict();
export type BoundaryEntry = z.infer<typeof boundaryEntrySchema>;

export const effectiveFieldSchema = z.object({
  field: z.enum(POLICY_FIELDS as unknown as [string, ...string[]]),
  value: z.union([z.number(), z.boolean(), z.array(z.string()), z.null()]),
  origin: z.enum(['preset', 'override', 'none']),
  frameworks: z.array(frameworkSchema),
  sources: z.array(z.string()),
});
export type EffectiveFieldWire = z.infer<typeof effectiveFieldSchema>;

export const compliancePolicySchema = z.object({
  retentionYears: z.number().int().nullable(),
  minRsaBits: z.number().int().nullable(),
  minEcBits: z.number().int().nullable(),
  maxKeyAgeDays: z.number().int().nullable(),
  approvalRequired: z.array(z.string()),
  boundaryRequired: z.boolean(),
});

export const complianceProfileSchema = z.object({
  cluster: clusterNameSchema,
  tenant: tenantIdSchema,
  /** null: no boundary set (the tenant may be placed in any DC the platform chooses). */
  boundary: z.array(boundaryEntrySchema).nullable(),
  frameworks: z.array(frameworkSchema),
  overrides: overridesSchema,
  effective: compliancePolicySchema,
  fields: z.array(effectiveFieldSchema),
  /** 0 when nothing was stored yet; compliance.set may pass it back as expectedVersion. */
  version: z.number().int(),
  updatedBy: z.string().nullable(),
  updatedAt: z.string().nullable(),
  /** csm_system (platform read) or the copy kept in the tenant's console keyspace (tenant admins, auditors). */
  readFrom: z.enum(['csm_system', 'tenant-keyspace', 'none']),
});
export type ComplianceProfile = z.infer<typeof complianceProfileSchema>;

export const DRIFT_KINDS = [
  'replication-outside-boundary',
  'replication-not-registered',
  'replication-strategy',
  'dc-access-outside-boundary',
  'dc-access-not-registered',
  'login-without-dc-restriction',
] as const;
export type DriftKind = (typeof DRIFT_KINDS)[number];
export const driftIdSchema = z.string().regex(/^[0-9a-f]{16}$/, 'drift id: 16 hex digits (from csm compliance scan)');

export const driftSchema = z.object({
  id: driftIdSchema,
  kind: z.enum(DRIFT_KINDS),
  severity: z.enum(['critical', 'warning']),
  /** The keyspace or role that drifted. */
  subject: z.string(),
  title: z.string(),
  /** What was read from Cassandra, and what it was compared with. */
  evidence: z.array(z.string()),
  /** The DCs this subject should be limited to (boundary ∩ registry). */
  allowed: z.array(z.string()),
  /** The DCs it actually reaches; null = every DC (no restriction). */
  actual: z.array(z.string()).nullable(),
  fix: z.array(z.string()),
  fixNote: z.string().nullable(),
});
export type Drift = z.infer<typeof driftSchema>;

export const CONTROL_IDS = [
  'boundary-set',
  'no-drift',
  'replication-within-boundary',
  'login-roles-dc-restricted',
  'isolation-clean',
  'key-rotation',
  'key-sizes',
  'approval-required',
  'retention',
] as const;
export type ControlId = (typeof CONTROL_IDS)[number];
export const controlSchema = z.object({
  id: z.enum(CONTROL_IDS),
  title: z.string(),
  /** unknown: this console could not read what the control needs (e.g. a tenant admin cannot read system_auth). */
  status: z.enum(['pass', 'fail', 'unknown']),
  /** Which framework(s) demand it; empty when it is baseline hygiene. */
  frameworks: z.array(frameworkSchema),
  evidence: z.array(z.string()),
  /** Where to look in the UI, and the CLI command that shows the same. */
  href: z.string(),
  cli: z.string(),
});
export type Control = z.infer<typeof controlSchema>;

export const complianceScanSchema = z.object({
  cluster: clusterNameSchema,
  tenant: tenantIdSchema,
  scannedAt: z.string(),
  profile: complianceProfileSchema,
  registeredDataCenters: z.array(z.string()),
  keyspaces: z.array(z.object({ name: z.string(), strategy: z.string(), dcs: z.record(z.string(), z.number()) })),
  /** null: this session cannot read system_auth, so roles were not checked. */
  roles: z.array(z.object({ name: z.string(), login: z.boolean(), dcs: z.array(z.string()).nullable() })).nullable(),
  drift: z.array(driftSchema),
  controls: z.array(controlSchema),
  counts: z.object({ drift: z.number().int(), failed: z.number().int(), unknown: z.number().int() }),
  readMs: z.number(),
});
export type ComplianceScan = z.infer<typeof complianceScanSchema>;

const tenantRef = z.object({ cluster: clusterNameSchema, tenant: tenantIdSchema }).strict();

export const complianceSetInputSchema = tenantRef
  .extend({
    /** Replace the boundary; null removes it; left out keeps it. */
    boundary: z.array(boundaryEntrySchema).min(1, 'boundary: at least one data centre (or null to remove it)').max(64).nullable().optional(),
    frameworks: z.array(frameworkSchema).max(FRAMEWORKS.length).optional(),
    /** Replaces the stored overrides as a whole. */
    overrides: overridesSchema.optional(),
    /** Refuse (CONFLICT) when another console changed the profile since this version was read. */
    expectedVersion: z.number().int().min(0).optional(),
  })
  .strict();

export const complianceSummarySchema = z.object({
  tenant: tenantIdSchema,
  frameworks: z.array(frameworkSchema),
  boundary: z.array(z.string()).nullable(),
  version: z.number().int(),
  /** From the last compliance scan this console ran of the tenant (null: not scanned since the console started). */
  pass: z.number().int().nullable(),
  fail: z.number().int().nullable(),
  drift: z.number().int().nullable(),
  scannedAt: z.string().nullable(),
});
export type ComplianceSummary = z.infer<typeof complianceSummarySchema>;

export const complianceChannels = {
  'compliance.list': defineChannel({
    input: z.object({ cluster: clusterNameSchema }).strict(),
    output: z.array(complianceSummarySchema),
    scope: 'platform',
    mutates: false,
    summary: 'Every stored compliance profile of a cluster, with the counts of the last scan this console ran (for the MSP dashboard)',
  }),
  'compliance.get': defineChannel({
    input: tenantRef,
    output: complianceProfileSchema,
    scope: 'auditor',
    mutates: false,
    summary: "A tenant's compliance boundary, frameworks, overrides and the effective policy field by field",
  }),
  'compliance.set': defineChannel({
    input: complianceSetInputSchema,
    output: complianceProfileSchema,
    scope: 'platform',
    mutates: true,
    changesGrants: false,
    // Needs a second person when it would weaken a tenant's two-person rule (see ComplianceService.requiresApproval).
    approvable: true,
    summary: "Set a tenant's boundary (DCs and regions), frameworks and overrides; refused when the tenant already lies outside it or an override is weaker than a framework",
  }),
  'compliance.scan': defineChannel({
    input: tenantRef,
    output: complianceScanSchema,
    scope: 'tenant',
    mutates: false,
    summary: 'Drift scan (replication and DC access against the boundary and the registry) and pass/fail per compliance control',
  }),
  'compliance.fix': defineChannel({
    input: tenantRef.extend({ driftId: driftIdSchema }).strict(),
    output: z.object({ drift: driftSchema, applied: z.array(z.string()), resolved: z.boolean(), after: complianceScanSchema }),
    scope: 'platform',
    mutates: true,
    changesGrants: true,
    summary: 'Re-scan, run one drift’s fix statements (ALTER KEYSPACE / ALTER ROLE), re-scan',
  }),
};
export const complianceEvents = {};
