import { z } from 'zod';
import { defineChannel, defineEvent, errorCodeSchema } from './core';
import { clusterNameSchema, tenantIdSchema } from '../rules/names';
import { TENANT_STATES } from '../rules/lifecycle';
import { channelNameSchema, FRAMEWORKS, frameworkSchema } from '../rules/compliance';
import { templateFieldChangeSchema, templateNameSchema } from './config';

/** The MSP dashboard across tenants and bulk operations with dry-run (issue 6 item 5). */

const stateSchema = z.enum(TENANT_STATES);
const countsSchema = z.object({ critical: z.number().int(), warning: z.number().int(), info: z.number().int() });

export const HEALTH_LEVELS = ['healthy', 'warning', 'critical', 'unknown'] as const;
export type HealthLevel = (typeof HEALTH_LEVELS)[number];

/** Where one part of the dashboard came from, per cluster: a missing or failing channel is "unavailable", never a crash. */
export const DASHBOARD_SOURCES = ['registry', 'schema', 'sagas', 'keys', 'isolation', 'compliance', 'approvals', 'support'] as const;
export const sourceStatusSchema = z.object({
  source: z.enum(DASHBOARD_SOURCES),
  status: z.enum(['ok', 'unavailable', 'pending', 'offline']),
  /** Why it is not ok (the channel's error code and message, "not built in this console" …). */
  message: z.string().nullable(),
  /** When the data was read (cached sources: the cache's age shows here). */
  at: z.string().nullable(),
});
export type SourceStatus = z.infer<typeof sourceStatusSchema>;

export const dashboardRowSchema = z.object({
  cluster: clusterNameSchema,
  id: tenantIdSchema,
  name: z.string(),
  tier: z.string(),
  template: z.string(),
  state: stateSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
  suspendedAt: z.string().nullable(),
  /** false: this console is not signed in to the cluster with platform scope; the row is the cached mirror copy. */
  online: z.boolean(),
  syncedAt: z.string(),
  health: z.object({ level: z.enum(HEALTH_LEVELS), reasons: z.array(z.string()) }),
  /** Sagas of the tenant not yet succeeded or rolled back; null when unknown. */
  sagas: z.object({ running: z.number().int(), failed: z.number().int() }).nullable(),
  /** null when unknown (keys.status unavailable) or the tenant has no keys yet. */
  keys: z.object({ rotationDue: z.boolean(), overdueDays: z.number().int(), daysLeft: z.number().int(), unfinished: z.boolean() }).nullable(),
  /** From the latest isolation scan; null: not scanned (or the scan is unavailable, see sources). */
  isolation: countsSchema.nullable(),
  /** null: unknown. pass/fail null when compliance gives frameworks only. */
  compliance: z.object({ frameworks: z.array(z.string()), pass: z.number().int().nullable(), fail: z.number().int().nullable() }).nullable(),
  /** What exists today, from the registry and one schema read per cluster; null when offline. Metering is a later issue. */
  usage: z.object({ keyspaces: z.number().int(), tables: z.number().int().nullable(), roles: z.number().int(), users: z.number().int() }).nullable(),
  pending: z.object({ approvals: z.number().int().nullable(), support: z.number().int().nullable() }),
});
export type DashboardRow = z.infer<typeof dashboardRowSchema>;

export const clusterTotalsSchema = z.object({
  cluster: clusterNameSchema,
  online: z.boolean(),
  tenants: z.number().int(),
  byState: z.record(z.string(), z.number().int()),
  byHealth: z.object({ healthy: z.number().int(), warning: z.number().int(), critical: z.number().int(), unknown: z.number().int() }),
  findings: countsSchema,
  rotationDue: z.number().int(),
  pendingApprovals: z.number().int().nullable(),
  sources: z.array(sourceStatusSchema),
});
export type ClusterTotals = z.infer<typeof clusterTotalsSchema>;

export const dashboardSchema = z.object({
  generatedAt: z.string(),
  /** Milliseconds spent building the answer (reads included). */
  tookMs: z.number(),
  clusters: z.array(clusterTotalsSchema),
  rows: z.array(dashboardRowSchema),
  /** Usage metering (requests, storage) is a later issue: the console says so instead of showing zeros. */
  metering: z.literal('not-available'),
});
export type Dashboard = z.infer<typeof dashboardSchema>;

// Bulk operations ------------------------------------------------------------------------------

/**
 * At most this many tenants per operation: one operation's results are one csm_system partition
 * (kept small), a run of 1,000 suspensions already takes minutes, and a wrong filter must not be
 * able to lock out a whole platform in one click. Split larger changes into several operations.
 */
export const BULK_MAX_TENANTS = 1000;

export const BULK_ACTIONS = ['suspend', 'resume', 'rotate-keys', 'policy', 'template'] as const;
export type BulkActionName = (typeof BULK_ACTIONS)[number];

export const bulkTargetSchema = z.object({ cluster: clusterNameSchema, tenant: tenantIdSchema }).strict();
export type BulkTarget = z.infer<typeof bulkTargetSchema>;

/** The Tenants screen's filter (src-shared/rules/tenant-filter.ts), applied to the registries of the platform clusters. */
export const bulkFilterSchema = z
  .object({
    text: z.string().max(200).optional(),
    states: z.array(stateSchema).max(TENANT_STATES.length).optional(),
    clusters: z.array(clusterNameSchema).max(64).optional(),
  })
  .strict();
export type BulkFilter = z.infer<typeof bulkFilterSchema>;


/** `gdpr`, `Pci-Dss` … as typed by people → the framework's own name; null when there is none. */
export function frameworkNamed(s: string): (typeof FRAMEWORKS)[number] | null {
  const u = s.trim().toUpperCase();
  return FRAMEWORKS.find((f) => f === u) ?? null;
}

export const bulkActionSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('suspend'), reason: z.string().trim().min(1, 'reason: required for a suspension').max(200) }).strict(),
  z.object({ action: z.literal('resume') }).strict(),
  z.object({ action: z.literal('rotate-keys') }).strict(),
  z
    .object({
      action: z.literal('policy'),
      /** Compliance frameworks the tenants must follow (replaces their list; compliance.set). */
      frameworks: z.array(frameworkSchema).max(FRAMEWORKS.length).optional(),
      /**
       * Channels that need a second person's approval on these tenants: replaces the tenant's
       * `approvalRequired` override, its other overrides kept (read with compliance.get, written
       * with compliance.set at the version read).
       */
      approvals: z.array(channelNameSchema).max(32).optional(),
    })
    .strict()
    .refine((p) => p.frameworks !== undefined || p.approvals !== undefined, 'policy: give frameworks, approvals or both'),
  /** Re-base the tenants on a named template (config.setTemplate each): their overrides stay, inherited fields follow the template. */
  z.object({ action: z.literal('template'), template: templateNameSchema, reason: z.string().trim().min(1, 'reason: required for a change of template (kept with the configuration version)').max(400) }).strict(),
]);
export type BulkAction = z.infer<typeof bulkActionSchema>;

export const bulkApplyInputSchema = z
  .object({
    targets: z.array(bulkTargetSchema).max(BULK_MAX_TENANTS, `at most ${BULK_MAX_TENANTS} tenants per bulk operation; split the selection`).optional(),
    filter: bulkFilterSchema.optional(),
    action: bulkActionSchema,
    dryRun: z.boolean().default(false),
  })
  .strict()
  .refine((i) => (i.targets === undefined) !== (i.filter === undefined), 'select tenants with either targets or a filter (exactly one)')
  .refine((i) => i.targets === undefined || i.targets.length > 0, 'the selection is empty: name at least one tenant');
export type BulkApplyInput = z.input<typeof bulkApplyInputSchema>;

export const planItemSchema = z.object({
  cluster: clusterNameSchema,
  tenant: tenantIdSchema,
  name: z.string().nullable(),
  state: stateSchema.nullable(),
  /** run: would be carried out; skip: nothing to do from this state; refuse: cannot be done (not found, out of scope …). */
  will: z.enum(['run', 'skip', 'refuse']),
  /** What it would change (run), or why not (skip/refuse). */
  detail: z.string(),
  code: errorCodeSchema.nullable(),
  /** The tenant's policy wants a second person for this action: the run files a request instead. */
  approval: z.enum(['required', 'not-required', 'unknown']),
  /** template action: the fields whose effective value would change (inherited), and overridden ones whose template value changes but which keep theirs. */
  fields: z.array(templateFieldChangeSchema).optional(),
});
export type PlanItem = z.infer<typeof planItemSchema>;

export const BULK_OUTCOMES = ['pending', 'ok', 'skipped', 'awaiting-approval', 'failed', 'cancelled'] as const;
export type BulkOutcome = (typeof BULK_OUTCOMES)[number];

export const bulkResultSchema = z.object({
  cluster: clusterNameSchema,
  tenant: tenantIdSchema,
  name: z.string().nullable(),
  outcome: z.enum(BULK_OUTCOMES),
  code: errorCodeSchema.nullable(),
  message: z.string().nullable(),
  /** The approval request filed for it (outcome awaiting-approval). */
  approvalId: z.string().nullable(),
  at: z.string().nullable(),
});
export type BulkResult = z.infer<typeof bulkResultSchema>;

export const bulkCountsSchema = z.object(Object.fromEntries(BULK_OUTCOMES.map((o) => [o, z.number().int()])) as Record<BulkOutcome, z.ZodNumber>);
export type BulkCounts = z.infer<typeof bulkCountsSchema>;

export const bulkSummarySchema = z.object({
  id: z.string().uuid(),
  jobId: z.string().nullable(),
  action: bulkActionSchema,
  /** How the tenants were chosen, for people: "3 named tenants", "filter: state active, text acme". */
  selection: z.string(),
  total: z.number().int(),
  /** interrupted: recorded as running, but no console has touched it for a while (the console that ran it stopped). */
  state: z.enum(['running', 'finished', 'cancelled', 'interrupted']),
  counts: bulkCountsSchema,
  startedBy: z.string(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  /** Clusters whose csm_system holds this record. */
  recordedOn: z.array(clusterNameSchema),
});
export type BulkSummary = z.infer<typeof bulkSummarySchema>;
export const bulkOperationSchema = bulkSummarySchema.extend({ results: z.array(bulkResultSchema) });
export type BulkOperation = z.infer<typeof bulkOperationSchema>;

export const bulkApplyOutputSchema = z.object({
  dryRun: z.boolean(),
  /** null for a dry run: nothing is recorded because nothing happened. */
  id: z.string().uuid().nullable(),
  jobId: z.string().nullable(),
  action: bulkActionSchema,
  selection: z.string(),
  plan: z.array(planItemSchema),
});
export type BulkApplyOutput = z.infer<typeof bulkApplyOutputSchema>;

export const mspChannels = {
  'msp.dashboard': defineChannel({
    input: z.object({ cluster: clusterNameSchema.optional(), refresh: z.boolean().default(false) }).strict(),
    output: dashboardSchema,
    scope: 'platform',
    mutates: false,
    clusterOptional: true,
    summary: 'One row per tenant of every platform cluster (cached rows of the others, marked offline): state, health, findings, keys, compliance, usage, pending approvals, totals per cluster',
  }),
  'bulk.apply': defineChannel({
    input: bulkApplyInputSchema,
    output: bulkApplyOutputSchema,
    scope: 'platform',
    mutates: true,
    clusterOptional: true,
    summary: 'Suspend, resume, rotate keys, set a compliance policy or re-base on a template over selected tenants (dry run: the per-tenant plan, nothing changed); each tenant through the router as its own audited call',
  }),
  'bulk.list': defineChannel({
    input: z.object({ cluster: clusterNameSchema.optional(), limit: z.number().int().min(1).max(200).default(20) }).strict(),
    output: z.array(bulkSummarySchema),
    scope: 'platform',
    mutates: false,
    clusterOptional: true,
    summary: 'Recent bulk operations recorded in the csm_system of the platform clusters, newest first',
  }),
  'bulk.show': defineChannel({
    input: z.object({ cluster: clusterNameSchema.optional(), id: z.string().uuid('bulk operation id: a UUID (from csm bulk list)') }).strict(),
    output: bulkOperationSchema,
    scope: 'platform',
    mutates: false,
    clusterOptional: true,
    summary: 'One bulk operation with its per-tenant results',
  }),
};

export const mspEvents = {
  /** One tenant of a running bulk operation finished (or was skipped); the UI's live results. */
  'bulk.result': defineEvent(z.object({ id: z.string().uuid(), jobId: z.string(), done: z.number().int(), total: z.number().int(), result: bulkResultSchema })),
};
