import { z } from 'zod';
import { defineChannel, defineEvent } from './core';
import { clusterNameSchema, dcNameSchema, tenantIdSchema } from '../rules/names';
import { TENANT_STATES } from '../rules/lifecycle';
import { templateSchema, tenantUserNameSchema } from '../rules/templates';

export { templateSchema };

export const tenantStateSchema = z.enum(TENANT_STATES);
export const isolationSchema = z.enum(['keyspace', 'cluster']);
export const TENANT_TIERS = ['basic', 'standard', 'premium', 'enterprise'] as const;
export const tenantTierSchema = z.enum(TENANT_TIERS);
export const tenantColorSchema = z.string().regex(/^#[0-9a-f]{6}$/, 'colour: #rrggbb in lower case');
export const tenantDisplayNameSchema = z
  .string()
  .min(1, 'name: required')
  .max(80, 'name: at most 80 characters')
  // Shown in titles, lists and CLI tables: no control characters, no bidi overrides.
  .refine((s) => !/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/.test(s), 'name: no control or direction-override characters');
const passwordSchema = z.string().min(12, 'password: at least 12 characters').max(512);

/** One row of the tenant registry as every face shows it (local mirror of csm_system.tenants). */
export const tenantSummarySchema = z.object({
  id: tenantIdSchema,
  cluster: clusterNameSchema,
  name: z.string(),
  tier: tenantTierSchema,
  state: tenantStateSchema,
  isolation: isolationSchema,
  template: z.string(),
  dataCenters: z.array(z.string()),
  color: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** false when this console is not signed in to the tenant's cluster: the row is the cached copy. */
  online: z.boolean(),
  syncedAt: z.string(),
});
export type TenantSummary = z.infer<typeof tenantSummarySchema>;

export const SAGA_KINDS = ['create', 'delete', 'clone'] as const;
export const SAGA_STATES = ['running', 'failed', 'succeeded', 'rolling_back', 'rolled_back'] as const;
export const STEP_STATES = ['pending', 'running', 'done', 'failed', 'undone'] as const;

/** A provisioning (or deletion, or clone) saga, persisted step by step in csm_system. */
export const sagaSchema = z.object({
  jobId: z.string(),
  cluster: clusterNameSchema,
  tenantId: tenantIdSchema,
  kind: z.enum(SAGA_KINDS),
  state: z.enum(SAGA_STATES),
  steps: z.array(z.object({ name: z.string(), label: z.string(), state: z.enum(STEP_STATES), message: z.string().nullable() })),
  error: z.string().nullable(),
  startedBy: z.string(),
  startedAt: z.string(),
  updatedAt: z.string(),
  /** The saga needs the initial admin's password again to resume (this console never stored it). */
  needsAdminPassword: z.boolean(),
});
export type Saga = z.infer<typeof sagaSchema>;

export const tenantKeyspaceInfoSchema = z.object({ name: z.string(), tables: z.array(z.string()), replication: z.record(z.string(), z.string()) });
export const tenantRoleInfoSchema = z.object({ name: z.string(), kind: z.enum(['admin', 'auditor', 'service', 'user', 'other']), login: z.boolean(), memberOf: z.array(z.string()), dataCenters: z.string() });

export const tenantDetailSchema = z.object({
  tenant: tenantSummarySchema,
  keyspaces: z.array(tenantKeyspaceInfoSchema),
  roles: z.array(tenantRoleInfoSchema),
  jobs: z.array(sagaSchema),
  config: z.record(z.string(), z.string()),
  features: z.record(z.string(), z.boolean()),
  quotas: z.record(z.string(), z.number()),
  suspendedAt: z.string().nullable(),
  /** Scope the detail was read with: what this operator may do here. */
  access: z.enum(['platform', 'tenant', 'auditor']),
});
export type TenantDetail = z.infer<typeof tenantDetailSchema>;

export const placementCandidateSchema = z.object({
  cluster: clusterNameSchema,
  tenants: z.number().int(),
  tables: z.number().int(),
  /** Why the cluster cannot take the tenant (threshold reached, holds a dedicated tenant …); null when eligible. */
  refusal: z.string().nullable(),
  dedicated: z.boolean(),
});
export const placementReportSchema = z.object({
  isolation: isolationSchema,
  chosen: clusterNameSchema.nullable(),
  reason: z.string(),
  candidates: z.array(placementCandidateSchema),
  thresholds: z.object({ maxTenantsPerCluster: z.number().int(), maxTablesPerCluster: z.number().int() }),
});
export type PlacementReport = z.infer<typeof placementReportSchema>;

const tenantRef = z.object({ cluster: clusterNameSchema, tenant: tenantIdSchema }).strict();
const jobStarted = z.object({ jobId: z.string(), tenant: tenantSummarySchema });

export const tenantCreateInputSchema = z
  .object({
    /** Omitted: the placement policy picks among the clusters this console has platform scope on. */
    cluster: clusterNameSchema.optional(),
    id: tenantIdSchema,
    name: tenantDisplayNameSchema,
    tier: tenantTierSchema.default('standard'),
    template: z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, 'template: lower-case name').default('default'),
    isolation: isolationSchema.default('keyspace'),
    /** The tenant's compliance boundary: its keyspaces are replicated there and its roles may only connect there. Default: every DC of the cluster. */
    dataCenters: z.array(dcNameSchema).max(16).optional(),
    color: tenantColorSchema.optional(),
    adminUser: tenantUserNameSchema,
    adminPassword: passwordSchema,
  })
  .strict();
export type TenantCreateInput = z.input<typeof tenantCreateInputSchema>;

export const securityAlertSchema = z.object({
  at: z.string(),
  channel: z.string(),
  operator: z.string().nullable(),
  cluster: z.string().nullable(),
  tenant: z.string().nullable(),
  message: z.string(),
});
export type SecurityAlert = z.infer<typeof securityAlertSchema>;

export const tenantChannels = {
  'tenant.list': defineChannel({
    input: z.object({ refresh: z.boolean().default(false) }).strict(),
    output: z.array(tenantSummarySchema),
    scope: 'local',
    mutates: false,
    summary: 'Tenants of every cluster in this console’s cache, limited to the signed-in scope; refresh re-reads the registries',
  }),
  'tenant.show': defineChannel({
    input: tenantRef,
    output: tenantDetailSchema,
    scope: 'auditor',
    mutates: false,
    summary: 'Overview, keyspaces, roles and jobs of one tenant',
  }),
  'tenant.config': defineChannel({
    input: tenantRef,
    output: z.array(z.object({ key: z.string(), value: z.string(), version: z.number().int(), updatedAt: z.string().nullable() })),
    scope: 'auditor',
    mutates: false,
    summary: 'The tenant’s configuration, read in its own context (as its own role where this console holds it)',
  }),
  'tenant.create': defineChannel({
    input: tenantCreateInputSchema,
    output: jobStarted,
    scope: 'platform',
    mutates: true,
    changesGrants: true,
    clusterOptional: true,
    summary: 'Provision a tenant: keyspaces, keys, roles, admin user, template config (a resumable saga)',
  }),
  'tenant.suspend': defineChannel({
    input: tenantRef.extend({ reason: z.string().max(200).optional() }).strict(),
    output: tenantSummarySchema,
    scope: 'platform',
    mutates: true,
    changesGrants: true,
    approvable: true,
    summary: 'Lock the tenant out: LOGIN and permissions of every tenant role revoked, sessions closed',
  }),
  'tenant.resume': defineChannel({
    input: tenantRef,
    output: tenantSummarySchema,
    scope: 'platform',
    mutates: true,
    changesGrants: true,
    approvable: true,
    summary: 'Restore exactly the logins and permissions a suspension took away',
  }),
  'tenant.delete': defineChannel({
    input: tenantRef.extend({ purge: z.literal(true), confirm: z.string() }).strict(),
    output: jobStarted,
    scope: 'platform',
    mutates: true,
    changesGrants: true,
    approvable: true,
    summary: 'Delete with purge: drop keyspaces and roles, shred keys, wipe cached data; the audit trail stays',
  }),
  'tenant.clone': defineChannel({
    input: tenantRef
      .extend({
        newId: tenantIdSchema,
        name: tenantDisplayNameSchema.optional(),
        withData: z.boolean().default(false),
        adminUser: tenantUserNameSchema,
        adminPassword: passwordSchema,
      })
      .strict(),
    output: jobStarted,
    scope: 'platform',
    mutates: true,
    changesGrants: true,
    summary: 'A new tenant with the same template, schema and config (optionally data), new keys and credentials',
  }),
  'tenant.jobs': defineChannel({
    input: z.object({ cluster: clusterNameSchema, tenant: tenantIdSchema.optional() }).strict(),
    output: z.array(sagaSchema),
    scope: 'platform',
    mutates: false,
    summary: 'Provisioning, deletion and clone sagas recorded on a cluster',
  }),
  'tenant.resumeJob': defineChannel({
    input: z.object({ cluster: clusterNameSchema, jobId: z.string().uuid(), adminPassword: passwordSchema.optional(), force: z.boolean().default(false) }).strict(),
    output: sagaSchema,
    scope: 'platform',
    mutates: true,
    changesGrants: true,
    summary: 'Finish a failed or interrupted saga from its first unfinished step',
  }),
  'tenant.rollbackJob': defineChannel({
    input: z.object({ cluster: clusterNameSchema, jobId: z.string().uuid(), force: z.boolean().default(false) }).strict(),
    output: sagaSchema,
    scope: 'platform',
    mutates: true,
    changesGrants: true,
    summary: 'Undo a failed or interrupted saga: nothing it created is left behind',
  }),
  'tenant.placement': defineChannel({
    input: z.object({ isolation: isolationSchema.default('keyspace') }).strict(),
    output: placementReportSchema,
    scope: 'local',
    mutates: false,
    summary: 'Which signed-in cluster the placement policy would pick, and why',
  }),
  'template.list': defineChannel({
    input: z.object({ cluster: clusterNameSchema }).strict(),
    output: z.array(templateSchema.extend({ builtIn: z.boolean() })),
    scope: 'platform',
    mutates: false,
    summary: 'Tenant templates: the platform default and custom ones',
  }),
  'template.save': defineChannel({
    input: z.object({ cluster: clusterNameSchema, template: templateSchema }).strict(),
    output: templateSchema.extend({ builtIn: z.boolean() }),
    scope: 'platform',
    mutates: true,
    summary: 'Validate and store a custom tenant template',
  }),
  'template.delete': defineChannel({
    input: z.object({ cluster: clusterNameSchema, name: z.string().min(1).max(40) }).strict(),
    output: z.object({ deleted: z.boolean() }),
    scope: 'platform',
    mutates: true,
    summary: 'Remove a custom template (tenants made from it keep their schema)',
  }),
  'security.alerts': defineChannel({
    input: z.object({ limit: z.number().int().min(1).max(500).default(50) }).strict(),
    output: z.array(securityAlertSchema),
    scope: 'local',
    mutates: false,
    summary: 'Refused calls (out-of-scope tenant operations) recorded by this console, newest first',
  }),
};

export const tenantEvents = {
  /** The whole saga after every step change, for the wizard's stepper and the detail view. */
  'tenant.saga': defineEvent(sagaSchema),
  /** A call outside the operator's scope was refused. */
  'security.alert': defineEvent(securityAlertSchema),
};
