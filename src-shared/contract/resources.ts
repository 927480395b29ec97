import { z } from 'zod';
import { defineChannel, defineEvent } from './core';
import { clusterNameSchema, tenantIdSchema } from '../rules/names';

/**
 * Resources (issue 10): usage metering from the real cluster, quotas with soft and hard limits
 * and real enforcement, billing and cost allocation, privacy-preserving cross-tenant analytics
 * and noisy-neighbour detection.
 *
 * Money is always an integer count of minor units (cents) with its ISO 4217 currency: never a
 * float. Figures say whether they are exact (counted) or estimated (sampled, size estimates).
 */

const isoSchema = z.string().datetime({ offset: true });
const tenantInput = z.object({ cluster: clusterNameSchema, tenant: tenantIdSchema }).strict();

// ───────────────────────── metering ─────────────────────────

export const USAGE_METRICS = [
  'storage_bytes',
  'keyspaces',
  'tables',
  'users',
  'certificates',
  'connections',
  'reads',
  'writes',
  'read_latency_p99_ms',
  'write_latency_p99_ms',
  'console_ops',
  /** Requests made on the tenant's roles' connections (system_views.clients request_count deltas). */
  'requests',
] as const;
export const usageMetricSchema = z.enum(USAGE_METRICS);
export type UsageMetric = z.infer<typeof usageMetricSchema>;

/** exact: counted from schema/roles/rows; estimate: from sampled virtual tables or size estimates; unavailable: the node does not expose it. */
export const PRECISIONS = ['exact', 'estimate', 'unavailable'] as const;
export const precisionSchema = z.enum(PRECISIONS);

export const usageFigureSchema = z.object({
  metric: usageMetricSchema,
  value: z.number().nullable(),
  unit: z.string(),
  precision: precisionSchema,
  /** Where the figure came from (e.g. "system_views.disk_usage", "system_schema.tables"). */
  source: z.string(),
  note: z.string().nullable(),
});
export type UsageFigure = z.infer<typeof usageFigureSchema>;

export const usageSampleSchema = z.object({
  tenant: tenantIdSchema,
  at: z.string(),
  trigger: z.enum(['schedule', 'manual']),
  figures: z.array(usageFigureSchema),
});
export type UsageSample = z.infer<typeof usageSampleSchema>;

export const usagePointSchema = z.object({ at: z.string(), value: z.number().nullable() });
export const usageSeriesSchema = z.object({ metric: usageMetricSchema, unit: z.string(), precision: precisionSchema, points: z.array(usagePointSchema) });
export type UsageSeries = z.infer<typeof usageSeriesSchema>;

export const usageViewSchema = z.object({
  cluster: z.string(),
  tenant: tenantIdSchema,
  latest: usageSampleSchema.nullable(),
  series: z.array(usageSeriesSchema),
  /** Scheduled sampling interval in seconds (0 when no scheduler runs in this host). */
  intervalS: z.number().int(),
});
export type UsageView = z.infer<typeof usageViewSchema>;

// ───────────────────────── quotas ─────────────────────────

export const QUOTA_RESOURCES = ['users', 'certificates', 'keyspaces', 'tables', 'storage-gb', 'ops-per-hour'] as const;
export const quotaResourceSchema = z.enum(QUOTA_RESOURCES);
export type QuotaResource = z.infer<typeof quotaResourceSchema>;

const limit = z.number().nonnegative().max(1e12);

export const QUOTA_STATES = ['ok', 'soft', 'grace', 'enforced'] as const;
export const quotaStateSchema = z.enum(QUOTA_STATES);

export const quotaRowSchema = z.object({
  resource: quotaResourceSchema,
  soft: z.number().nullable(),
  hard: z.number().nullable(),
  graceHours: z.number().nullable(),
  /** A temporary hard limit in force until `until` (null when none). */
  raisedHard: z.number().nullable(),
  raisedUntil: z.string().nullable(),
  /** The limit that applies now (raised when a raise is in force, else hard). */
  effectiveHard: z.number().nullable(),
  used: z.number().nullable(),
  usedPrecision: precisionSchema,
  /** ok, over soft, over hard within grace, or enforced (writes revoked for storage). */
  state: quotaStateSchema,
  /** When the hard limit was first seen exceeded (grace started) and when grace ends. */
  overSince: z.string().nullable(),
  graceEndsAt: z.string().nullable(),
  /**
   * What a hard limit does: refuse the call that would exceed it (users, certificates, and
   * ops-per-hour for tenant consoles), revoke writes after grace (storage), or monitor only
   * (keyspaces, tables: tenants create them with CQL, which the console does not gate — over the
   * hard limit the state is 'grace' with no grace end, never 'enforced'). Always filled by the
   * quotas service; optional only for older consoles' rows.
   */
  enforcement: z.enum(['refuse', 'revoke-writes', 'monitor']).optional(),
});
export type QuotaRow = z.infer<typeof quotaRowSchema>;

export const quotaViewSchema = z.object({
  cluster: z.string(),
  tenant: tenantIdSchema,
  rows: z.array(quotaRowSchema),
  /** Storage enforcement currently holds the tenant's MODIFY grants revoked. */
  writesRevoked: z.boolean(),
});
export type QuotaView = z.infer<typeof quotaViewSchema>;

export const quotaEventSchema = z.object({
  at: z.string(),
  resource: quotaResourceSchema,
  kind: z.enum(['soft-exceeded', 'hard-exceeded', 'grace-started', 'enforced', 'restored', 'raised', 'raise-expired', 'refused']),
  detail: z.string(),
});
export type QuotaEvent = z.infer<typeof quotaEventSchema>;

// ───────────────────────── billing ─────────────────────────

export const currencySchema = z.string().regex(/^[A-Z]{3}$/, 'currency: an ISO 4217 code such as EUR');
/** Minor units (cents): a safe integer, never a float. */
export const minorSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const rateCardSchema = z
  .object({
    currency: currencySchema,
    /** Per GB-month of storage (GB = 10^9 bytes, month = 30 days), in minor units. */
    perGbMonth: minorSchema,
    /** Per user-month (time-weighted user count). */
    perUserMonth: minorSchema,
    /** Per certificate-month (time-weighted active certificates). */
    perCertificateMonth: minorSchema,
    /** Per million requests (reads + writes). */
    perMillionRequests: minorSchema,
    /** Flat monthly fee per tier. */
    tierFees: z.object({ basic: minorSchema, standard: minorSchema, premium: minorSchema, enterprise: minorSchema }).strict(),
  })
  .strict();
export type RateCard = z.infer<typeof rateCardSchema>;
/** The rate card as stored; isDefault: none was set yet, the console's default card applies. */
export const storedRateCardSchema = rateCardSchema.extend({ updatedAt: z.string().nullable(), updatedBy: z.string().nullable(), isDefault: z.boolean() });

export const statementLineSchema = z.object({
  item: z.enum(['storage', 'users', 'certificates', 'requests', 'tier']),
  /** The integrated quantity (GB-months, user-months, million requests, months), as a decimal string, exact to 6 places. */
  quantity: z.string(),
  unit: z.string(),
  rateMinor: z.number().int(),
  amountMinor: z.number().int(),
  precision: precisionSchema,
});
export const statementSchema = z.object({
  cluster: z.string(),
  tenant: tenantIdSchema,
  costCentre: z.string().nullable(),
  from: z.string(),
  to: z.string(),
  currency: z.string(),
  lines: z.array(statementLineSchema),
  totalMinor: z.number().int(),
  /** Share of the period covered by samples (0..1); gaps are not guessed. */
  coverage: z.number(),
  samples: z.number().int(),
  /** A sample holds at most this long when no newer one follows (longer gaps are not billed). */
  maxGapSeconds: z.number(),
  /** What a reader should know: counter resets, uncovered time, pro-rated tier, a default rate card … */
  notes: z.array(z.string()),
});
export type Statement = z.infer<typeof statementSchema>;

const costCentreSchema = z.string().trim().min(1).max(64).regex(/^[\p{L}\p{N} ._\-/]+$/u, 'cost centre: letters, digits, space, . _ - /');

// ───────────────────────── analytics ─────────────────────────

export const ANALYTICS_GROUPINGS = ['tier', 'region', 'costCentre'] as const;
export const analyticsCellSchema = z.object({
  group: z.string(),
  /** null when the group has fewer than k tenants (suppressed). */
  tenants: z.number().nullable(),
  suppressed: z.boolean(),
  storageGb: z.number().nullable(),
  requests: z.number().nullable(),
  findings: z.number().nullable(),
  growthPercent: z.number().nullable(),
});
/** How one figure of a noisy report was protected: each tenant's contribution clipped to `clip`, so the sensitivity is bounded; scale = sensitivity / ε-share. */
export const analyticsNoiseSchema = z.object({
  figure: z.string(),
  clip: z.string(),
  sensitivity: z.number(),
  epsilon: z.number(),
  scale: z.number(),
});
export const analyticsClipSchema = z
  .object({
    /** Per-tenant storage counted at most this many GB (default 100). */
    storageGb: z.number().positive().max(1e6).optional(),
    /** Per-tenant requests over 30 days counted at most this many (default 10^7). */
    requests: z.number().int().positive().max(1e12).optional(),
    /** Per-tenant findings counted at most this many (default 50). */
    findings: z.number().int().positive().max(1e6).optional(),
  })
  .strict();
export const analyticsReportSchema = z.object({
  k: z.number().int(),
  epsilon: z.number().nullable(),
  /** Laplace scale of a count figure (sensitivity 1 / ε-share), null without noise; every figure's own scale is in `noise`. */
  noiseScale: z.number().nullable(),
  noise: z.array(analyticsNoiseSchema),
  budgetTotal: z.number(),
  budgetSpent: z.number(),
  budgetLeft: z.number(),
  groupBy: z.enum(ANALYTICS_GROUPINGS),
  cells: z.array(analyticsCellSchema),
  /** All tenants together; null when a group is suppressed (it would give the suppressed group away by subtraction) or when all tenants together are fewer than k. */
  total: analyticsCellSchema.nullable(),
  notes: z.array(z.string()),
  /** Percentiles of per-tenant storage across all (unsuppressed) tenants. */
  distribution: z.array(z.object({ percentile: z.number(), storageGb: z.number().nullable() })),
});
export type AnalyticsReport = z.infer<typeof analyticsReportSchema>;

export const noisyRowSchema = z.object({
  tenant: tenantIdSchema,
  requestShare: z.number(),
  storageGrowthShare: z.number(),
  over: z.boolean(),
  /** Requests (reads + writes + client requests) in the window, and storage growth in bytes (negative: shrank). */
  requests: z.number(),
  storageGrowthBytes: z.number(),
  /** Samples of the tenant in the window (a share from fewer than 2 is 0: no delta). */
  samples: z.number().int(),
});

// ───────────────────────── channels ─────────────────────────

export const resourceChannels = {
  'usage.collect': defineChannel({
    input: z.object({ cluster: clusterNameSchema, tenant: tenantIdSchema.optional() }).strict(),
    output: z.object({ samples: z.array(usageSampleSchema), failed: z.array(z.object({ tenant: z.string(), message: z.string() })) }),
    scope: 'platform',
    mutates: true,
    summary: 'Sample usage from the cluster now: one tenant, or every tenant',
  }),
  'usage.show': defineChannel({
    input: tenantInput.extend({ from: isoSchema.optional(), to: isoSchema.optional(), metrics: z.array(usageMetricSchema).max(USAGE_METRICS.length).optional() }).strict(),
    output: usageViewSchema,
    scope: 'auditor',
    mutates: false,
    summary: "A tenant's latest usage and its time series",
  }),
  'quota.show': defineChannel({
    input: tenantInput,
    output: quotaViewSchema.extend({ events: z.array(quotaEventSchema) }),
    scope: 'auditor',
    mutates: false,
    summary: "A tenant's quotas, usage against them and enforcement state",
  }),
  'quota.set': defineChannel({
    input: tenantInput
      .extend({
        resource: quotaResourceSchema,
        soft: limit.nullable().optional(),
        hard: limit.nullable().optional(),
        graceHours: z.number().min(0).max(24 * 90).nullable().optional(),
      })
      .strict(),
    output: quotaRowSchema,
    scope: 'platform',
    mutates: true,
    summary: 'Set a soft and/or hard limit and grace period for one resource',
  }),
  'quota.raise': defineChannel({
    input: tenantInput.extend({ resource: quotaResourceSchema, hard: limit, until: isoSchema, reason: z.string().trim().min(1).max(500).optional() }).strict(),
    output: quotaRowSchema,
    scope: 'platform',
    mutates: true,
    summary: 'A temporary hard limit that expires by itself',
  }),
  'quota.enforce': defineChannel({
    input: z.object({ cluster: clusterNameSchema, tenant: tenantIdSchema.optional() }).strict(),
    output: z.object({ checked: z.number().int(), enforced: z.array(z.string()), restored: z.array(z.string()) }),
    scope: 'platform',
    mutates: true,
    changesGrants: true,
    summary: 'Run the storage enforcement sweep now (it also runs on a schedule)',
  }),
  'billing.rates': defineChannel({
    input: z.object({ cluster: clusterNameSchema }).strict(),
    output: storedRateCardSchema,
    scope: 'platform',
    mutates: false,
    summary: 'The rate card',
  }),
  'billing.setRates': defineChannel({
    input: z.object({ cluster: clusterNameSchema, rates: rateCardSchema }).strict(),
    output: storedRateCardSchema,
    scope: 'platform',
    mutates: true,
    summary: 'Replace the rate card',
  }),
  'billing.statement': defineChannel({
    input: tenantInput.extend({ from: isoSchema, to: isoSchema }).strict(),
    output: statementSchema,
    scope: 'tenant',
    mutates: false,
    summary: "A tenant's statement for a period, integrated over its usage samples",
  }),
  'billing.setCostCentre': defineChannel({
    input: tenantInput.extend({ costCentre: costCentreSchema.nullable() }).strict(),
    output: z.object({ tenant: tenantIdSchema, costCentre: z.string().nullable() }),
    scope: 'platform',
    mutates: true,
    summary: "Set a tenant's cost centre",
  }),
  'billing.report': defineChannel({
    input: z.object({ cluster: clusterNameSchema, from: isoSchema, to: isoSchema, out: z.string().min(1).max(4096).optional() }).strict(),
    output: z.object({
      from: z.string(),
      to: z.string(),
      currency: z.string(),
      statements: z.array(statementSchema),
      byCostCentre: z.array(z.object({ costCentre: z.string().nullable(), tenants: z.number().int(), totalMinor: z.number().int() })),
      totalMinor: z.number().int(),
      /** The CSV file written when `out` was given. */
      csvPath: z.string().nullable(),
    }),
    scope: 'platform',
    mutates: false,
    summary: 'The MSP consolidated report: every tenant statement, cost-centre totals, optional CSV',
  }),
  'analytics.report': defineChannel({
    input: z
      .object({
        cluster: clusterNameSchema,
        k: z.number().int().min(2).max(1000),
        epsilon: z.number().positive().max(10).optional(),
        groupBy: z.enum(ANALYTICS_GROUPINGS).default('tier'),
        clip: analyticsClipSchema.optional(),
      })
      .strict(),
    output: analyticsReportSchema,
    scope: 'platform',
    mutates: true,
    summary: 'Cross-tenant aggregates with k-anonymity suppression and optional Laplace noise (spends ε)',
  }),
  'analytics.budget': defineChannel({
    input: z.object({ cluster: clusterNameSchema, total: z.number().positive().max(100).optional() }).strict(),
    output: z.object({ total: z.number(), spent: z.number(), left: z.number(), reports: z.array(z.object({ at: z.string(), epsilon: z.number(), by: z.string().nullable() })) }),
    scope: 'platform',
    mutates: true,
    summary: 'Show, or (with total) set, the privacy budget for noisy reports',
  }),
  'usage.noisy': defineChannel({
    input: z.object({ cluster: clusterNameSchema, threshold: z.number().min(0.01).max(1).optional(), windowHours: z.number().min(1).max(24 * 31).optional() }).strict(),
    output: z.object({
      threshold: z.number(),
      windowHours: z.number(),
      rows: z.array(noisyRowSchema),
      /** Why no tenant can be over (fewer than 3 tenants with samples), else null. */
      note: z.string().nullable(),
      /** Noisy-neighbour alerts recorded (newest first, last 7 days). */
      alerts: z.array(z.object({ tenant: tenantIdSchema, at: z.string(), kind: z.enum(['requests', 'storage']), share: z.number(), threshold: z.number() })),
    }),
    scope: 'platform',
    mutates: false,
    summary: "Noisy neighbours: each tenant's share of requests and storage growth",
  }),
} as const;

export const resourceEvents = {
  'quota.changed': defineEvent(z.object({ cluster: z.string(), tenant: z.string(), resource: quotaResourceSchema, state: quotaStateSchema })),
  'usage.sampled': defineEvent(z.object({ cluster: z.string(), tenant: z.string(), at: z.string() })),
  /** A noisy neighbour: the tenant's share of requests or storage growth passed the threshold. */
  'usage.alert': defineEvent(z.object({ cluster: z.string(), tenant: z.string(), kind: z.enum(['requests', 'storage']), share: z.number(), threshold: z.number(), at: z.string() })),
} as const;
