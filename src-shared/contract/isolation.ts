import { z } from 'zod';
import { defineChannel, defineEvent, errorCodeSchema } from './core';
import { clusterNameSchema, tenantIdSchema } from '../rules/names';

/** Isolation verification (issue 6, item 1): the scanner's report, its fixes and its signed export. */

export const FINDING_KINDS = [
  'cross-tenant-grant',
  'cross-tenant-membership',
  'superuser-role',
  'platform-role-member',
  'broad-grant',
  'unowned-role-tenant-access',
  'tenant-role-authorize',
  'login-without-dc-restriction',
  'login-without-cidr-restriction',
  'allow-all-auth',
  'config-unreadable',
  'schema-visibility',
] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];
export const SEVERITIES = ['critical', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** A finding id: the first 16 hex digits of sha256(kind, anchor) — the same violation keeps its id across scans. */
export const findingIdSchema = z.string().regex(/^[0-9a-f]{16}$/, 'finding id: 16 hex digits (from csm isolation scan)');

/**
 * One path by which a role reaches something: `chain` is the membership chain from the role the
 * finding is about to the role that holds the permission (one element for a direct grant).
 */
export const evidencePathSchema = z.object({
  chain: z.array(z.string()),
  permissions: z.array(z.string()),
  /** Display form: `KEYSPACE tenant_b_data`, `ALL KEYSPACES`, `ROLE tenant_b_admin`; null for a role attribute. */
  resource: z.string().nullable(),
  /** Tenant owning the resource (or the role reached), when one does. */
  owner: z.string().nullable(),
  text: z.string(),
});
export type EvidencePath = z.infer<typeof evidencePathSchema>;

export const findingSchema = z.object({
  id: findingIdSchema,
  kind: z.enum(FINDING_KINDS),
  severity: z.enum(SEVERITIES),
  title: z.string(),
  /** Tenants involved (the one whose role reaches, and the one reached). Empty for cluster-wide findings. */
  tenants: z.array(z.string()),
  /** Affects every tenant of the cluster (configuration, an unowned role with ALL KEYSPACES …). */
  global: z.boolean(),
  /** The role the finding is about, if any. */
  subject: z.string().nullable(),
  evidence: z.array(evidencePathSchema),
  /** Paths left out of `evidence` to keep the report readable. */
  moreEvidence: z.number().int(),
  /** Exact CQL that removes the finding; empty when it needs a manual change (see fixNote). */
  fix: z.array(z.string()),
  fixNote: z.string().nullable(),
});
export type Finding = z.infer<typeof findingSchema>;

export const severityCountsSchema = z.object({ critical: z.number().int(), warning: z.number().int(), info: z.number().int() });
export type SeverityCounts = z.infer<typeof severityCountsSchema>;

export const isolationReportSchema = z.object({
  cluster: z.string(),
  scannedAt: z.string(),
  scannedBy: z.string().nullable(),
  /** Set when the report was limited to findings involving one tenant (cluster-wide findings stay in). */
  tenant: z.string().nullable(),
  counts: severityCountsSchema,
  stats: z.object({
    tenants: z.number().int(),
    roles: z.number().int(),
    memberships: z.number().int(),
    grants: z.number().int(),
    readMs: z.number(),
    analysisMs: z.number(),
  }),
  auth: z.object({
    authenticator: z.string().nullable(),
    authorizer: z.string().nullable(),
    roleManager: z.string().nullable(),
    networkAuthorizer: z.string().nullable(),
    cidrAuthorizer: z.string().nullable(),
  }),
  findings: z.array(findingSchema),
});
export type IsolationReport = z.infer<typeof isolationReportSchema>;

export const fixResultSchema = z.object({
  finding: findingSchema,
  applied: z.array(z.string()),
  before: severityCountsSchema,
  after: isolationReportSchema,
  /** The finding is gone from the re-scan. */
  resolved: z.boolean(),
});
export type FixResult = z.infer<typeof fixResultSchema>;

export const reportVerificationSchema = z.object({
  valid: z.boolean(),
  /** sha256 of the signing public key, first 16 hex digits. */
  keyId: z.string().nullable(),
  /** The report was signed by this installation's own report key. */
  signedByThisInstallation: z.boolean(),
  cluster: z.string().nullable(),
  scannedAt: z.string().nullable(),
  counts: severityCountsSchema.nullable(),
  reason: z.string().nullable(),
});
export type ReportVerification = z.infer<typeof reportVerificationSchema>;


/** Continuous checks (issue 6, item 2): what triggered a monitor scan. */
export const SCAN_TRIGGERS = ['schedule', 'grant-change', 'sign-in', 'manual'] as const;
export type ScanTrigger = (typeof SCAN_TRIGGERS)[number];
/** Default minutes between scheduled scans, and the bounds a schedule may take. */
export const DEFAULT_SCAN_MINUTES = 15;
export const MIN_SCAN_MINUTES = 1;
export const MAX_SCAN_MINUTES = 1440;
export const alertIdSchema = z.string().uuid('alert id: a UUID (from csm isolation status)');

/** A new violation of warning severity or worse, raised by the monitor the first time a scan saw it. */
export const isolationAlertSchema = z.object({
  id: alertIdSchema,
  /** The cluster as the console that reads the alert names it. */
  cluster: z.string(),
  findingId: findingIdSchema,
  kind: z.enum(FINDING_KINDS),
  severity: z.enum(SEVERITIES),
  tenants: z.array(z.string()),
  title: z.string(),
  trigger: z.enum(SCAN_TRIGGERS),
  raisedAt: z.string(),
  /** The role the scanning console was signed in with. */
  raisedBy: z.string().nullable(),
  acknowledgedBy: z.string().nullable(),
  acknowledgedAt: z.string().nullable(),
  /** Set by the first later scan that no longer finds the violation. */
  resolvedAt: z.string().nullable(),
});
export type IsolationAlert = z.infer<typeof isolationAlertSchema>;

/** `off`, or minutes between scheduled scans. Shared by every console through csm_system. */
export const scanScheduleSchema = z.object({
  everyMinutes: z.number().int().min(MIN_SCAN_MINUTES).max(MAX_SCAN_MINUTES).nullable(),
  /** No schedule was ever set: the default applies. */
  isDefault: z.boolean(),
  updatedBy: z.string().nullable(),
  updatedAt: z.string().nullable(),
});
export type ScanSchedule = z.infer<typeof scanScheduleSchema>;

export const monitorStatusSchema = z.object({
  cluster: z.string(),
  schedule: scanScheduleSchema,
  /** The latest monitor scan of this cluster by any console (shared through csm_system). */
  lastScan: z
    .object({
      at: z.string(),
      by: z.string().nullable(),
      trigger: z.enum(SCAN_TRIGGERS),
      counts: severityCountsSchema,
      /** Cluster-wide findings (configuration, schema visibility …): not counted per tenant. */
      global: severityCountsSchema,
    })
    .nullable(),
  /** The last failed scan of this console, cleared by the next successful one. */
  lastError: z.object({ at: z.string(), code: errorCodeSchema, message: z.string(), trigger: z.enum(SCAN_TRIGGERS) }).nullable(),
  /** This console's next scheduled scan; null when the schedule is off or this host does not schedule (CLI). */
  nextScanAt: z.string().nullable(),
  scanning: z.boolean(),
  /** csm_system could not be read (node down, signed out): schedule, last scan and alerts below are unknown, see lastError. */
  stale: z.boolean(),
  /** Unacknowledged alerts and acknowledged ones whose violation is still there, newest first. */
  openAlerts: z.array(isolationAlertSchema),
  unacknowledged: z.number().int(),
  /** Finding counts per tenant from the latest scan; tenants without findings are absent (read as zeros). */
  byTenant: z.record(z.string(), severityCountsSchema),
});
export type MonitorStatus = z.infer<typeof monitorStatusSchema>;

const scanInput = z.object({ cluster: clusterNameSchema, tenant: tenantIdSchema.optional() }).strict();
/** The CLI's `--cluster` is optional for a scan: with one signed-in platform cluster, that one. */
const scanAnyInput = z.object({ cluster: clusterNameSchema.optional(), tenant: tenantIdSchema.optional() }).strict();

export const isolationChannels = {
  'isolation.scan': defineChannel({
    input: scanAnyInput,
    output: isolationReportSchema,
    scope: 'platform',
    mutates: false,
    clusterOptional: true,
    summary: 'Read system_auth and the tenant registry, resolve inherited roles, and report every path across a tenant boundary',
  }),
  'isolation.fix': defineChannel({
    input: z.object({ cluster: clusterNameSchema, findingId: findingIdSchema }).strict(),
    output: fixResultSchema,
    scope: 'platform',
    mutates: true,
    changesGrants: true,
    summary: 'Re-scan, run the fix statements of one finding, re-scan, and return before and after',
  }),
  'isolation.export': defineChannel({
    input: scanInput,
    output: z.object({ fileName: z.string(), text: z.string(), keyId: z.string(), counts: severityCountsSchema }),
    scope: 'platform',
    mutates: true,
    summary: 'Scan and sign the report with this installation’s Ed25519 report key (public key included, verifiable offline)',
  }),
  'isolation.verifyReport': defineChannel({
    input: z.object({ text: z.string().min(1).max(900 * 1024) }).strict(),
    output: reportVerificationSchema,
    scope: 'local',
    mutates: false,
    summary: 'Check the signature of an exported isolation report, offline',
  }),
  'isolation.status': defineChannel({
    input: scanAnyInput.omit({ tenant: true }).strict(),
    output: monitorStatusSchema,
    scope: 'platform',
    mutates: false,
    clusterOptional: true,
    summary: 'The isolation monitor of a cluster: schedule, last and next scan, last error, open alerts, findings per tenant',
  }),
  'isolation.acknowledge': defineChannel({
    input: z.object({ cluster: clusterNameSchema, alertId: alertIdSchema }).strict(),
    output: isolationAlertSchema,
    scope: 'platform',
    mutates: true,
    summary: 'Acknowledge an isolation alert (who and when are recorded; acknowledging twice changes nothing)',
  }),
  'isolation.setSchedule': defineChannel({
    input: z
      .object({
        cluster: clusterNameSchema,
        everyMinutes: z.union([z.number().int().min(MIN_SCAN_MINUTES, `everyMinutes: at least ${MIN_SCAN_MINUTES}`).max(MAX_SCAN_MINUTES, `everyMinutes: at most ${MAX_SCAN_MINUTES} (a day)`), z.literal('off')]),
      })
      .strict(),
    output: scanScheduleSchema,
    scope: 'platform',
    mutates: true,
    summary: 'Minutes between scheduled isolation scans of a cluster (1–1440) or off; shared by every console',
  }),
};
export const isolationEvents = {
  /** An alert was raised, acknowledged or resolved (the nav badge counts unacknowledged ones). */
  'isolation.alert': defineEvent(isolationAlertSchema),
};
