import { z } from 'zod';
import { defineChannel } from './core';
import { clusterNameSchema, tenantIdSchema } from '../rules/names';
import {
  endpointSchema,
  fieldPathSchema,
  fieldValueSchema,
  hexColorSchema,
  INTEGRATION_KINDS,
  integrationNameSchema,
  LOGO_TYPES,
  SECTIONS,
  tenantPoliciesSchema,
} from '../rules/tenant-config';

/** Tenant policies, versioned configuration, feature flags, branding and integrations (issue 7 items 2–4). */

const tenantRef = z.object({ cluster: clusterNameSchema, tenant: tenantIdSchema }).strict();
const reasonSchema = z.string().trim().min(1, 'reason: say why (it is kept with the version)').max(500, 'reason: at most 500 characters');
const versionNo = z.number().int().min(1).max(1_000_000_000);

export const configChangeSchema = z.object({
  path: z.string(),
  kind: z.enum(['set', 'cleared', 'changed']),
  before: fieldValueSchema,
  after: fieldValueSchema,
});

export const configFieldSchema = z.object({
  path: z.string(),
  section: z.enum(SECTIONS),
  label: z.string(),
  value: fieldValueSchema,
  origin: z.enum(['inherited', 'overridden']),
  inheritedValue: fieldValueSchema,
  inheritedFrom: z.enum(['template', 'builtin', 'none']),
});

export const configIssueSchema = z.object({ path: z.string(), message: z.string() });

export const configViewSchema = z.object({
  cluster: clusterNameSchema,
  tenant: tenantIdSchema,
  /** The template the defaults come from; found=false: it is gone or unreadable, built-in defaults apply. */
  template: z.object({ name: z.string().nullable(), found: z.boolean(), syncedAt: z.string().nullable() }),
  /** 0: nothing saved yet (every field inherited). */
  version: z.number().int(),
  updatedBy: z.string().nullable(),
  updatedAt: z.string().nullable(),
  overrides: z.record(z.string(), fieldValueSchema),
  effective: tenantPoliciesSchema,
  fields: z.array(configFieldSchema),
  /** Minimums of the tenant's compliance profile (null = none set). */
  compliance: z.object({ retentionYears: z.number().nullable(), minRsaBits: z.number().nullable(), minEcBits: z.number().nullable(), maxKeyAgeDays: z.number().nullable() }).nullable(),
  /** Template values that were ignored and stored overrides that no longer validate. */
  warnings: z.array(configIssueSchema),
});
export type ConfigView = z.infer<typeof configViewSchema>;

export const configVersionSchema = z.object({
  version: z.number().int(),
  author: z.string(),
  at: z.string(),
  reason: z.string(),
  /** The full override document of this version. */
  overrides: z.record(z.string(), fieldValueSchema),
  /** Against the version before it. */
  changes: z.array(configChangeSchema),
});
export type ConfigVersion = z.infer<typeof configVersionSchema>;

export const brandingSchema = z.object({
  cluster: clusterNameSchema,
  tenant: tenantIdSchema,
  /** false: never set (the UI uses the tenant's name and the default theme). */
  set: z.boolean(),
  displayName: z.string().nullable(),
  primaryColor: z.string().nullable(),
  accentColor: z.string().nullable(),
  logo: z.object({ type: z.enum(LOGO_TYPES), width: z.number().int(), height: z.number().int(), bytes: z.number().int(), dataUrl: z.string() }).nullable(),
  updatedBy: z.string().nullable(),
  updatedAt: z.string().nullable(),
});
export type Branding = z.infer<typeof brandingSchema>;

export const integrationSchema = z.object({
  name: z.string(),
  kind: z.enum(INTEGRATION_KINDS),
  endpoint: z.string(),
  /** Whether this console's keychain holds a secret for it — never the secret. */
  secretStored: z.boolean(),
  updatedBy: z.string().nullable(),
  updatedAt: z.string().nullable(),
});
export type Integration = z.infer<typeof integrationSchema>;

/** A template name as tenant.create takes it. */
export const templateNameSchema = z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, 'template: a lower-case name (as template.list shows it)');

export const templateFieldChangeSchema = z.object({
  path: z.string(),
  label: z.string(),
  /** inherited: the effective value changes; overridden: only the template value does (the override stays in force). */
  origin: z.enum(['inherited', 'overridden']),
  before: fieldValueSchema,
  after: fieldValueSchema,
});

/** What re-basing a tenant on a template would do (config.templatePreview), computed without writing. */
export const templatePreviewSchema = z.object({
  cluster: clusterNameSchema,
  tenant: tenantIdSchema,
  from: z.string().nullable(),
  to: z.string(),
  /** The tenant already uses `to` and its copy of the template defaults is current: nothing to do. */
  current: z.boolean(),
  /** The tenant's copy of its template's defaults differs from the template as stored now. */
  snapshotStale: z.boolean(),
  version: z.number().int(),
  /** Inherited fields whose effective value changes. */
  changes: z.array(templateFieldChangeSchema),
  /** Overridden fields whose template value changes; their effective value does not. */
  shadowed: z.array(templateFieldChangeSchema),
  /** Fields the template would make weaker than the compliance profile: config.setTemplate refuses them (BAD_INPUT). */
  problems: z.array(configIssueSchema),
  /** Template values that do not validate (ignored, built-in default kept). */
  ignored: z.array(configIssueSchema),
});
export type TemplatePreview = z.infer<typeof templatePreviewSchema>;

export const configChannels = {
  'config.show': defineChannel({
    input: tenantRef,
    output: configViewSchema,
    scope: 'auditor',
    mutates: false,
    summary: "A tenant's effective policies field by field: inherited from its template or overridden, with the template value next to each override",
  }),
  'config.set': defineChannel({
    input: tenantRef
      .extend({
        set: z.record(fieldPathSchema, fieldValueSchema).default({}),
        clear: z.array(fieldPathSchema).max(200).default([]),
        reason: reasonSchema,
        /** Refuse (CONFLICT) unless the latest version is this one. */
        expectedVersion: z.number().int().min(0).optional(),
      })
      .strict(),
    output: configViewSchema,
    scope: 'tenant',
    mutates: true,
    summary: "Change (set) or clear (back to inherited) fields of a tenant's policies: validated, then saved as a new version with author, time, reason and diff",
  }),
  'config.history': defineChannel({
    input: tenantRef.extend({ limit: z.number().int().min(1).max(1000).default(100) }).strict(),
    output: z.array(configVersionSchema),
    scope: 'auditor',
    mutates: false,
    summary: "A tenant's configuration versions, newest first",
  }),
  'config.version': defineChannel({
    input: tenantRef.extend({ version: versionNo }).strict(),
    output: configVersionSchema,
    scope: 'auditor',
    mutates: false,
    summary: 'One configuration version: its full document and what it changed',
  }),
  'config.diff': defineChannel({
    input: tenantRef.extend({ from: z.number().int().min(0), to: z.number().int().min(0) }).strict(),
    output: z.object({ from: z.number().int(), to: z.number().int(), changes: z.array(configChangeSchema) }),
    scope: 'auditor',
    mutates: false,
    summary: 'What differs between two configuration versions (0 = nothing overridden)',
  }),
  'config.rollback': defineChannel({
    input: tenantRef.extend({ version: z.number().int().min(0), note: z.string().trim().max(400).optional(), expectedVersion: z.number().int().min(0).optional() }).strict(),
    output: configViewSchema,
    scope: 'tenant',
    mutates: true,
    summary: 'Make a new version whose content equals an earlier one (reason "rollback to vN")',
  }),
  'config.templatePreview': defineChannel({
    input: tenantRef.extend({ template: templateNameSchema }).strict(),
    output: templatePreviewSchema,
    scope: 'platform',
    mutates: false,
    summary: 'Dry run of config.setTemplate: the effective fields that would change (inherited ones; overridden ones keep their value), refusals, nothing written',
  }),
  'config.setTemplate': defineChannel({
    input: tenantRef
      .extend({
        template: templateNameSchema,
        reason: reasonSchema,
        /** Refuse (CONFLICT) unless the latest configuration version is this one. */
        expectedVersion: z.number().int().min(0).optional(),
      })
      .strict(),
    output: configViewSchema.extend({ changes: z.array(templateFieldChangeSchema) }),
    scope: 'platform',
    mutates: true,
    summary: "Re-base a tenant on a named template: a new configuration version (reason \"template: A → B\", the effective values that change), the tenant's template name and defaults, the registry's template column",
  }),
  'branding.get': defineChannel({
    input: tenantRef,
    output: brandingSchema,
    scope: 'auditor',
    mutates: false,
    summary: "A tenant's display name, colours and logo",
  }),
  'branding.set': defineChannel({
    input: tenantRef
      .extend({
        displayName: z.string().trim().min(1).max(80),
        primaryColor: hexColorSchema,
        accentColor: hexColorSchema,
        /** base64 of a PNG or JPEG (checked by content); null removes the logo; absent keeps it. */
        logo: z.string().max(360_000, 'logo: at most 256 KiB').regex(/^[A-Za-z0-9+/]*={0,2}$/, 'logo: base64').nullable().optional(),
      })
      .strict(),
    output: brandingSchema,
    scope: 'tenant',
    mutates: true,
    summary: "Set a tenant's display name, colours and logo (PNG or JPEG, 256 KiB, 1024×1024 at most)",
  }),
  'integration.list': defineChannel({
    input: tenantRef,
    output: z.array(integrationSchema),
    scope: 'auditor',
    mutates: false,
    summary: "A tenant's integrations with external systems (secret stored: yes/no)",
  }),
  'integration.save': defineChannel({
    input: tenantRef
      .extend({
        name: integrationNameSchema,
        kind: z.enum(INTEGRATION_KINDS),
        endpoint: endpointSchema,
        /** Goes to the keychain only. Absent: keep what is stored. */
        secret: z.string().min(1).max(8192).optional(),
        clearSecret: z.boolean().default(false),
      })
      .strict(),
    output: integrationSchema,
    scope: 'tenant',
    mutates: true,
    summary: 'Add or change an integration; its secret is kept in the keychain, never in Cassandra or SQLite',
  }),
  'integration.remove': defineChannel({
    input: tenantRef.extend({ name: integrationNameSchema }).strict(),
    output: z.object({ removed: z.boolean() }),
    scope: 'tenant',
    mutates: true,
    summary: 'Remove an integration and its keychain secret',
  }),
};
export const configEvents = {};
