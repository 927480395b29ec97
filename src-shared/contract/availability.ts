import { z } from 'zod';
import { defineChannel, defineEvent, errorCodeSchema } from './core';
import { placementReportSchema } from './tenants';
import { clusterNameSchema, tenantIdSchema } from '../rules/names';

/**
 * Availability per tenant, cluster health and capacity (issue 12 items 1, 2 and 5). A probe signs
 * in as the tenant's service role and reads the tenant's data keyspace at the tenant's read
 * consistency; samples live in this console's cache; targets and maintenance windows are shared
 * by every console in csm_system.
 */

/** The SLA target when none is set, and the range a target may take. */
export const DEFAULT_TARGET_PERCENT = 99.9;
export const MIN_TARGET_PERCENT = 50;
export const MAX_TARGET_PERCENT = 99.999;
/** Seconds between scheduled probes of one tenant (default) and the bounds an interval may take. */
export const DEFAULT_PROBE_INTERVAL_S = 60;
export const MIN_PROBE_INTERVAL_S = 1;
export const MAX_PROBE_INTERVAL_S = 3600;
export const DEFAULT_PROBE_CONCURRENCY = 8;

export const PERIODS = ['24h', '7d', '30d'] as const;
export type Period = (typeof PERIODS)[number];
export const PERIOD_MS: Record<Period, number> = { '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 };

const isoSchema = z.string().datetime({ offset: true });

export const probeSampleSchema = z.object({
  at: z.string(),
  ok: z.boolean(),
  latencyMs: z.number(),
  /** The error code of a failed probe (UNAVAILABLE, TIMEOUT, AUTH_FAILED …), null when ok. */
  errorClass: errorCodeSchema.nullable(),
  message: z.string().nullable(),
  /** The coordinator that answered (host:port), when the driver says. */
  coordinator: z.string().nullable(),
  consistency: z.string(),
  /** The role the probe ran as (the tenant's service role on a platform console). */
  role: z.string().nullable(),
  keyspace: z.string().nullable(),
  trigger: z.enum(['schedule', 'manual']),
  /** Milliseconds of time this sample stands for (since the tenant's previous sample, capped). */
  weightMs: z.number(),
});
export type ProbeSample = z.infer<typeof probeSampleSchema>;

export const periodFigureSchema = z.object({
  period: z.enum(PERIODS),
  /** null when no monitored time falls in the period. */
  percent: z.number().nullable(),
  monitoredMinutes: z.number(),
  downMinutes: z.number(),
  /** Time inside maintenance windows, left out of both sides. */
  excludedMinutes: z.number(),
  samples: z.number().int(),
  /** Minutes of downtime the target allows over the whole period, and what is left of them. */
  budgetMinutes: z.number(),
  budgetLeftMinutes: z.number(),
});
export type PeriodFigure = z.infer<typeof periodFigureSchema>;

export const incidentSchema = z.object({
  id: z.number().int(),
  startedAt: z.string(),
  /** Last failed sample; endedAt is the first ok sample after the run (null while it lasts). */
  lastFailedAt: z.string(),
  endedAt: z.string().nullable(),
  samples: z.number().int(),
  errorClass: z.string().nullable(),
  message: z.string().nullable(),
});
export type Incident = z.infer<typeof incidentSchema>;

export const maintenanceWindowSchema = z.object({
  id: z.string(),
  startsAt: z.string(),
  endsAt: z.string(),
  reason: z.string(),
  createdBy: z.string().nullable(),
});
export type MaintenanceWindow = z.infer<typeof maintenanceWindowSchema>;

export const targetSchema = z.object({
  percent: z.number(),
  isDefault: z.boolean(),
  updatedBy: z.string().nullable(),
  updatedAt: z.string().nullable(),
});

export const availabilityAlertSchema = z.object({
  cluster: z.string(),
  tenant: z.string(),
  state: z.enum(['raised', 'cleared']),
  /** Availability over the last 24 h when the alert changed state, and the target. */
  percent: z.number().nullable(),
  target: z.number(),
  at: z.string(),
});
export type AvailabilityAlert = z.infer<typeof availabilityAlertSchema>;

export const chartBucketSchema = z.object({ from: z.string(), percent: z.number().nullable(), failed: z.number().int(), samples: z.number().int() });

export const availabilityViewSchema = z.object({
  cluster: z.string(),
  tenant: z.string(),
  target: targetSchema,
  periods: z.array(periodFigureSchema),
  latest: probeSampleSchema.nullable(),
  /** 24 hourly buckets, oldest first: the uptime chart. */
  chart: z.array(chartBucketSchema),
  recent: z.array(probeSampleSchema),
  incidents: z.array(incidentSchema),
  windows: z.array(maintenanceWindowSchema),
  /** Set while the tenant is below its target over 24 h. */
  alert: availabilityAlertSchema.nullable(),
  scheduled: z.boolean(),
  intervalSeconds: z.number().int(),
});
export type AvailabilityView = z.infer<typeof availabilityViewSchema>;

export const overviewRowSchema = z.object({
  tenant: z.string(),
  percent24h: z.number().nullable(),
  percent30d: z.number().nullable(),
  target: z.number(),
  budgetLeftMinutes30d: z.number(),
  below: z.boolean(),
  lastAt: z.string().nullable(),
  lastOk: z.boolean().nullable(),
  openIncident: z.boolean(),
});
export type OverviewRow = z.infer<typeof overviewRowSchema>;

export const scheduleStatusSchema = z.object({
  host: z.string(),
  /** The CLI never schedules: only a long-running console (desktop, web host) does. */
  running: z.boolean(),
  intervalSeconds: z.number().int(),
  concurrency: z.number().int(),
  clusters: z.array(z.string()),
  tenantsPlanned: z.number().int(),
  lastTickAt: z.string().nullable(),
  probesRun: z.number().int(),
});
export type ScheduleStatus = z.infer<typeof scheduleStatusSchema>;

export const nodeHealthSchema = z.object({
  address: z.string(),
  hostId: z.string().nullable(),
  dc: z.string(),
  rack: z.string().nullable(),
  releaseVersion: z.string().nullable(),
  up: z.boolean(),
  /** The node that answered the system.local read. */
  local: z.boolean(),
});
export const clusterHealthSchema = z.object({
  cluster: z.string(),
  checkedAt: z.string(),
  up: z.number().int(),
  down: z.number().int(),
  dcs: z.array(z.object({ name: z.string(), up: z.number().int(), down: z.number().int(), nodes: z.array(nodeHealthSchema) })),
  /** Tenants of the cluster whose probe failed last, and how many are probed at all. */
  tenantsFailing: z.number().int(),
  tenantsProbed: z.number().int(),
});
export type ClusterHealth = z.infer<typeof clusterHealthSchema>;

export const CAPACITY_STATUSES = ['ok', 'warn', 'fail'] as const;
export const capacityCheckSchema = z.object({ name: z.string(), value: z.number(), warn: z.number(), fail: z.number(), status: z.enum(CAPACITY_STATUSES) });
export const clusterCapacitySchema = z.object({
  cluster: z.string(),
  nodes: z.number().int(),
  tenants: z.number().int(),
  keyspaces: z.number().int(),
  tables: z.number().int(),
  status: z.enum(CAPACITY_STATUSES),
  checks: z.array(capacityCheckSchema),
  /** The cluster could not be read (a dead node, no session): figures are zero, status fail. */
  error: z.string().nullable(),
});
export const capacityReportSchema = z.object({
  checkedAt: z.string(),
  clusters: z.array(clusterCapacitySchema),
  thresholds: z.record(z.string(), z.object({ warn: z.number(), fail: z.number(), note: z.string() })),
  /** The placement policy's next choice for a keyspace-isolated tenant; null when it could not be asked. */
  placement: placementReportSchema.nullable(),
  placementError: z.string().nullable(),
});
export type CapacityReport = z.infer<typeof capacityReportSchema>;

const tenantRef = z.object({ cluster: clusterNameSchema, tenant: tenantIdSchema }).strict();

export const availabilityChannels = {
  'availability.probe': defineChannel({
    input: tenantRef,
    output: probeSampleSchema,
    scope: 'tenant',
    mutates: false,
    summary: "Probe a tenant now: read its data keyspace as its service role at its read consistency; the sample is recorded",
  }),
  'availability.show': defineChannel({
    input: tenantRef,
    output: availabilityViewSchema,
    scope: 'auditor',
    mutates: false,
    summary: "A tenant's availability over 24 h / 7 d / 30 d, error budget, incidents, maintenance windows and recent samples",
  }),
  'availability.overview': defineChannel({
    input: z.object({ cluster: clusterNameSchema, belowOnly: z.boolean().default(false), limit: z.number().int().min(1).max(20_000).default(10_000) }).strict(),
    output: z.object({ cluster: z.string(), rows: z.array(overviewRowSchema), total: z.number().int(), below: z.number().int() }),
    scope: 'platform',
    mutates: false,
    summary: 'Availability of every tenant of a cluster (from the cache: one aggregate query)',
  }),
  'availability.setTarget': defineChannel({
    input: tenantRef.extend({ percent: z.number().min(MIN_TARGET_PERCENT, `target: at least ${MIN_TARGET_PERCENT} %`).max(MAX_TARGET_PERCENT, `target: at most ${MAX_TARGET_PERCENT} % (100 % leaves no error budget)`) }).strict(),
    output: targetSchema,
    scope: 'platform',
    mutates: true,
    summary: "Set a tenant's SLA target (shared by every console through csm_system)",
  }),
  'availability.addWindow': defineChannel({
    input: tenantRef.extend({ startsAt: isoSchema, endsAt: isoSchema, reason: z.string().trim().min(1, 'a reason').max(200) }).strict(),
    output: maintenanceWindowSchema,
    scope: 'platform',
    mutates: true,
    summary: 'Declare a maintenance window for a tenant: probes inside it count neither up nor down',
  }),
  'availability.removeWindow': defineChannel({
    input: tenantRef.extend({ id: z.string().uuid() }).strict(),
    output: z.object({ removed: z.boolean() }),
    scope: 'platform',
    mutates: true,
    summary: 'Remove a maintenance window',
  }),
  'availability.schedule': defineChannel({
    input: z
      .object({
        intervalSeconds: z.number().int().min(MIN_PROBE_INTERVAL_S).max(MAX_PROBE_INTERVAL_S).optional(),
        concurrency: z.number().int().min(1).max(64).optional(),
      })
      .strict(),
    output: scheduleStatusSchema,
    scope: 'local',
    mutates: true,
    summary: "This console's probe schedule (interval, concurrency); with no field, just its status",
  }),
  'health.show': defineChannel({
    input: z.object({ cluster: clusterNameSchema }).strict(),
    output: clusterHealthSchema,
    scope: 'platform',
    mutates: false,
    summary: 'Nodes and data centres of a cluster, up or down',
  }),
  'capacity.show': defineChannel({
    input: z.object({ cluster: clusterNameSchema.optional() }).strict(),
    output: capacityReportSchema,
    scope: 'platform',
    mutates: false,
    clusterOptional: true,
    summary: "Tenants, keyspaces and tables per cluster against guardrail thresholds, and the placement policy's next choice",
  }),
};

export const availabilityEvents = {
  'availability.alert': defineEvent(availabilityAlertSchema),
  'availability.sample': defineEvent(z.object({ cluster: z.string(), tenant: z.string(), ok: z.boolean(), at: z.string() })),
};
