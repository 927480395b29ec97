import { z } from 'zod';
import { defineChannel } from './core';
import { clusterNameSchema, tenantIdSchema } from '../rules/names';
import { tenantUserNameSchema } from '../rules/templates';

/**
 * Tenant users and roles through the console (issue 7 item 1). A user is the Cassandra role
 * `tenant_<id>_u_<name>`; a template says what it may do in the tenant's own keyspaces. Creating a
 * role needs cluster-wide authority (DESIGN §2): a platform console does it, a tenant-admin console
 * files a request (carrying only a bcrypt hash of the password) that a platform console carries out.
 * Password change, lock, unlock and drop are done by a tenant admin directly: Cassandra enforces the
 * ALTER/DROP/DESCRIBE permissions on the user's role granted to the tenant's admin role at creation.
 */

export const USER_TEMPLATES = ['read-only', 'read-write', 'admin', 'application'] as const;
export const userTemplateSchema = z.enum(USER_TEMPLATES);
export type UserTemplate = z.infer<typeof userTemplateSchema>;

/** Permissions a custom grant may give on the tenant's own keyspace or table. */
export const GRANT_PERMISSIONS = ['SELECT', 'MODIFY', 'CREATE', 'ALTER', 'DROP', 'EXECUTE'] as const;
export const grantPermissionSchema = z.enum(GRANT_PERMISSIONS);

export const userSchema = z.object({
  name: z.string(),
  role: z.string(),
  /** null: created outside this feature (the tenant's first admin, provisioning) or unknown. */
  template: userTemplateSchema.nullable(),
  locked: z.boolean(),
  createdBy: z.string().nullable(),
  createdAt: z.string().nullable(),
  passwordChangedAt: z.string().nullable(),
});
export type TenantUser = z.infer<typeof userSchema>;

export const USER_REQUEST_STATES = ['pending', 'processing', 'done', 'failed'] as const;
export const userRequestSchema = z.object({
  id: z.string(),
  tenant: z.string(),
  kind: z.enum(['create', 'grant', 'revoke']),
  user: z.string(),
  template: userTemplateSchema.nullable(),
  /** `PERMISSION ON keyspace[.table]` for grant/revoke requests. */
  grant: z.string().nullable(),
  state: z.enum(USER_REQUEST_STATES),
  requestedBy: z.string(),
  requestedAt: z.string(),
  processedBy: z.string().nullable(),
  processedAt: z.string().nullable(),
  error: z.string().nullable(),
});
export type UserRequest = z.infer<typeof userRequestSchema>;

export const effectivePermissionSchema = z.object({
  permission: z.string(),
  /** As Cassandra prints it: `<keyspace ks>`, `<table ks.t>`, `<role r>` … */
  resource: z.string(),
  /** The role that holds it: the user itself, or a role it is a member of. */
  via: z.string(),
});

const on = { cluster: clusterNameSchema, tenant: tenantIdSchema };
const named = { ...on, name: tenantUserNameSchema };
/** Passwords cross only in fields named `password`/`newPassword` (redacted from logs and audit). */
const passwordSchema = z.string().min(1, 'password: required').max(512, 'password: at most 512 characters');
const grantInput = z
  .object({
    ...named,
    permission: grantPermissionSchema,
    /** Checked in main: only the tenant's own data keyspaces (anything else is refused, naming why). */
    keyspace: z.string().min(1).max(200),
    table: z.string().min(1).max(200).optional(),
  })
  .strict();

const actionResult = z.object({
  /** `applied`: done in Cassandra now; `requested`: filed for a platform console (tenant-admin scope). */
  state: z.enum(['applied', 'requested']),
  requestId: z.string().nullable(),
  user: z.string(),
});

export const userChannels = {
  'user.list': defineChannel({
    input: z.object(on).strict(),
    output: z.array(userSchema),
    scope: 'tenant',
    mutates: false,
    summary: "The tenant's users: template, locked, created, last password change",
  }),
  'user.create': defineChannel({
    input: z.object({ ...named, template: userTemplateSchema, password: passwordSchema }).strict(),
    output: actionResult,
    scope: 'tenant',
    mutates: true,
    changesGrants: true,
    summary: 'Create a tenant user from a template (platform: at once; tenant admin: filed as a request carrying a bcrypt hash only)',
  }),
  'user.passwd': defineChannel({
    input: z.object({ ...named, newPassword: passwordSchema }).strict(),
    output: z.object({ user: z.string(), changedAt: z.string() }),
    scope: 'tenant',
    mutates: true,
    summary: "Change a user's password (checked against the tenant's password policy and history)",
  }),
  'user.lock': defineChannel({
    input: z.object(named).strict(),
    output: userSchema,
    scope: 'tenant',
    mutates: true,
    changesGrants: true,
    summary: 'Lock a user (LOGIN = false; Cassandra closes its open sessions)',
  }),
  'user.unlock': defineChannel({
    input: z.object(named).strict(),
    output: userSchema,
    scope: 'tenant',
    mutates: true,
    changesGrants: true,
    summary: 'Unlock a user (LOGIN = true)',
  }),
  'user.drop': defineChannel({
    input: z.object(named).strict(),
    output: z.object({ user: z.string(), dropped: z.boolean() }),
    scope: 'tenant',
    mutates: true,
    changesGrants: true,
    summary: 'Drop a user (its role and every grant to it)',
  }),
  'user.grant': defineChannel({
    input: grantInput,
    output: actionResult,
    scope: 'tenant',
    mutates: true,
    changesGrants: true,
    summary: "Grant a permission on one of the tenant's own keyspaces or tables (tenant admin: filed as a request)",
  }),
  'user.revoke': defineChannel({
    input: grantInput,
    output: actionResult,
    scope: 'tenant',
    mutates: true,
    changesGrants: true,
    summary: "Revoke a custom permission on one of the tenant's own keyspaces or tables (tenant admin: filed as a request)",
  }),
  'user.permissions': defineChannel({
    input: z.object(named).strict(),
    output: z.object({ user: z.string(), role: z.string(), permissions: z.array(effectivePermissionSchema) }),
    scope: 'tenant',
    mutates: false,
    summary: 'Who can do what: the effective permissions of a user, through its memberships (from Cassandra)',
  }),
  'user.requests': defineChannel({
    input: z.object(on).strict(),
    output: z.array(userRequestSchema),
    scope: 'tenant',
    mutates: false,
    summary: "User requests filed by the tenant's admins and their state",
  }),
  'user.process': defineChannel({
    input: z.object({ cluster: clusterNameSchema, tenant: tenantIdSchema.optional() }).strict(),
    output: z.object({ processed: z.number().int(), done: z.number().int(), failed: z.number().int() }),
    scope: 'platform',
    mutates: true,
    changesGrants: true,
    summary: 'Carry out pending user requests of one tenant or of every tenant (platform console)',
  }),
};
export const userEvents = {};
