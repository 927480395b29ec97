import { TenantAccessTables } from '../access/repo';
import { ConfigTables } from '../config/tables';
import { ensureTables as ensureUserTables } from '../users/tables';
import { provisionTenantCa } from '../pki/provision';
import { ensureAuditTables } from '../audit/streams/tables';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../app/errors';
import type { ConnectionManager, CqlClient } from '../cassandra/connections';
import { fromDriverError } from '../cassandra/driver-errors';
import { column, newRole, qualified } from '../cassandra/identifiers';
import { waitForAgreement } from '../cassandra/system-schema';
import { assertWithinBoundary } from '../compliance/boundary';
import { tenantKeyTables } from '../keys/cassandra-stores';
import type { KeyService } from '../keys/hierarchy';
import type { SecretStore } from '../secrets/types';
import { secretKey } from '../secrets/secret-key';
import { isTenantKeyspace, tenantConsoleKeyspace } from '../../src-shared/rules/lifecycle';
import { templateSchema, tenantUserNameSchema, type Template } from '../../src-shared/rules/templates';
import { CQL_NAME_PATTERN, dcNameSchema, tenantIdSchema } from '../../src-shared/rules/names';
import {
  alterLogin,
  alterPassword,
  consoleTables,
  createGroupRole,
  createKeyspace,
  createLoginRole,
  createLoginRoleHashed,
  createTable,
  dropKeyspace,
  dropRole,
  fixedRoles,
  grantRole,
  replication,
  tenantGrants,
  tenantUserRole,
  TENANT_CONFIG_TABLE,
  TENANT_INFO_TABLE,
  TENANT_USERS_TABLE,
} from './cql';
import type { TenantRegistry } from './registry';
import type { StepDef } from './saga';

export interface CreateParams {
  name: string;
  tier: string;
  isolation: 'keyspace' | 'cluster';
  dataCenters: string[];
  color: string | null;
  templateName: string;
  /** The template as it was when the saga started: a resume builds exactly the same tenant. */
  template: Template;
  keyspaces: string[];
  adminUser: string;
  cloneOf?: { tenant: string; withData: boolean };
}

/**
 * Parameters come back from csm_system.tenant_jobs on resume: parsed again like any input, since
 * column types and names from them reach CQL (a row there is not more trusted than a caller).
 */
export const createParamsSchema = z.object({
  name: z.string().max(80),
  tier: z.string().max(20),
  isolation: z.enum(['keyspace', 'cluster']),
  dataCenters: z.array(dcNameSchema),
  color: z.string().nullable(),
  templateName: z.string().max(80),
  template: templateSchema,
  keyspaces: z.array(z.string().regex(CQL_NAME_PATTERN)),
  adminUser: tenantUserNameSchema,
  cloneOf: z.object({ tenant: tenantIdSchema, withData: z.boolean() }).optional(),
});

export function parseParams(tenantId: string, raw: unknown): CreateParams {
  const r = createParamsSchema.safeParse(raw);
  if (!r.success) throw new AppError('CONFLICT', `the saga's stored parameters are not valid (${r.error.issues[0]?.path.join('.') ?? '?'}: ${r.error.issues[0]?.message ?? ''}); it cannot be resumed or rolled back automatically`);
  const foreign = r.data.keyspaces.find((k) => !isTenantKeyspace(tenantId, k));
  if (foreign) throw new AppError('CONFLICT', `the saga's stored parameters name keyspace ${foreign}, which is not tenant ${tenantId}'s`);
  return r.data as CreateParams;
}

export interface SagaCtx {
  cluster: string;
  client: CqlClient;
  registry: TenantRegistry;
  keys: KeyService;
  secrets: SecretStore;
  connections: ConnectionManager;
  tenantId: string;
  jobId: string;
  operator: string;
  params: CreateParams;
  /** Removes the tenant's values from this console's encrypted cache and mirror. */
  wipeLocal(tenantId: string): Promise<number>;
  signal: AbortSignal;
  /** The initial admin's password, in memory only, when this console was given it (create, resume). */
  adminPassword?: string;
  /** Import only: the initial admin's bcrypt hash from the bundle, so the admin keeps its password (wins over adminPassword). */
  adminPasswordHash?: string;
}

export const SECRET_SERVICE_PASSWORD = 'service-password';

/**
 * Where a saga keeps the initial admin's password until its step has used it: keyed by the job,
 * so two sagas for one tenant id never share (or overwrite) the entry.
 */
export function pendingAdminKey(tenantId: string, jobId: string): string {
  return secretKey.tenant(tenantId, `pending-admin-${jobId.replace(/-/g, '').slice(0, 12)}`);
}

/** Does a role exist? Only "does not exist" means no; anything else (a dead node) is an error. */
export async function roleExists(client: CqlClient, role: string): Promise<boolean> {
  try {
    await client.execute(`LIST ROLES OF ${newRole(role)}`);
    return true;
  } catch (e) {
    if (e instanceof Error && /doesn't exist|does not exist/i.test(e.message)) return false;
    throw fromDriverError(e, `looking up role ${role}`);
  }
}

async function exec(ctx: SagaCtx, stmt: string, params: unknown[] = [], what = 'a tenant statement'): Promise<void> {
  try {
    await ctx.client.execute(stmt, params, { prepare: params.length > 0 });
  } catch (e) {
    throw fromDriverError(e, `${what} for tenant ${ctx.tenantId}`);
  }
}

/** Nodes per data centre, limited to the tenant's boundary. */
function topology(ctx: SagaCtx): Map<string, number> {
  const perDc = new Map<string, number>();
  for (const h of ctx.client.hosts.values()) perDc.set(h.datacenter, (perDc.get(h.datacenter) ?? 0) + 1);
  const out = new Map<string, number>();
  for (const dc of ctx.params.dataCenters) {
    const n = perDc.get(dc);
    if (n === undefined) throw new AppError('BAD_INPUT', `data centre ${dc} is not part of cluster ${ctx.cluster} (it has ${[...perDc.keys()].join(', ')})`);
    out.set(dc, n);
  }
  return out;
}

async function loginRolesOf(ctx: SagaCtx): Promise<string[]> {
  const prefix = `tenant_${ctx.tenantId}_u_`;
  const users: string[] = [];
  try {
    const rs = await ctx.client.execute('LIST ROLES');
    for (const r of rs.rows) if (String(r['role']).startsWith(prefix)) users.push(String(r['role']));
  } catch (e) {
    throw fromDriverError(e, `listing the roles of tenant ${ctx.tenantId}`);
  }
  return [fixedRoles(ctx.tenantId).service, ...users.sort()];
}

const reserveStep: StepDef<SagaCtx> = {
  name: 'reserve',
  label: 'Reserve the tenant id',
  async run(ctx) {
    const now = new Date().toISOString();
    const p = ctx.params;
    const won = await ctx.registry.reserve({
      id: ctx.tenantId,
      name: p.name,
      tier: p.tier,
      state: 'draft',
      cluster: ctx.cluster,
      isolation: p.isolation,
      template: p.templateName,
      dataCenters: p.dataCenters,
      color: p.color,
      keyspaces: p.keyspaces,
      roles: [],
      jobId: ctx.jobId,
      createdAt: now,
      updatedAt: now,
      suspendedAt: null,
    });
    if (!won) {
      const row = await ctx.registry.get(ctx.tenantId);
      if (row?.jobId !== ctx.jobId) throw new AppError('CONFLICT', `tenant id ${ctx.tenantId} is already registered on ${ctx.cluster}`);
    }
    // Only once the id is ours: the password waits in the keychain (never in the saga record) so
    // that a resume after a crash still has it; the admin-user step deletes it.
    if (ctx.adminPassword) await ctx.secrets.set(pendingAdminKey(ctx.tenantId, ctx.jobId), ctx.adminPassword);
  },
  async undo(ctx) {
    await ctx.registry.release(ctx.tenantId, ctx.jobId);
    await ctx.secrets.delete(pendingAdminKey(ctx.tenantId, ctx.jobId));
  },
};

const placementStep: StepDef<SagaCtx> = {
  name: 'placement',
  label: 'Allocate placement',
  async run(ctx, report) {
    topology(ctx); // the boundary's DCs must exist before anything is created there
    await ctx.registry.transition(ctx.tenantId, ['draft', 'failed', 'provisioning'], 'provisioning');
    report(`${ctx.cluster} (${ctx.params.isolation} isolation), data centres ${ctx.params.dataCenters.join(', ')}`);
  },
};

const keyspacesStep: StepDef<SagaCtx> = {
  name: 'keyspaces',
  label: 'Create keyspaces and tables',
  async run(ctx, report) {
    // A resumed saga's tenant may have been given a compliance boundary since it started.
    await assertWithinBoundary(ctx.client, ctx.tenantId, ctx.params.dataCenters, 'replication to');
    const repl = replication(topology(ctx), ctx.params.template.replicationFactor);
    const t = ctx.tenantId;
    for (const k of ctx.params.template.keyspaces) {
      const ks = `tenant_${t}_${k.suffix}`;
      await exec(ctx, createKeyspace(ks, repl), [], `creating keyspace ${ks}`);
      for (const def of k.tables) await exec(ctx, createTable(ks, def), [], `creating table ${ks}.${def.name}`);
      report(`keyspace ${ks}: ${k.tables.length} tables`);
    }
    const cks = tenantConsoleKeyspace(t);
    await exec(ctx, createKeyspace(cks, repl), [], `creating keyspace ${cks}`);
    for (const stmt of [...consoleTables(t), ...tenantKeyTables(t)]) await exec(ctx, stmt, [], `creating the console tables of ${cks}`);
    await waitForAgreement(ctx.client, `creating the keyspaces of ${t}`);
  },
  async undo(ctx) {
    // Only the names recorded at reservation: never a prefix match (tenant_acme_x_… may be acme_x's).
    for (const ks of ctx.params.keyspaces) await exec(ctx, dropKeyspace(ks), [], `dropping keyspace ${ks}`);
    await waitForAgreement(ctx.client, `dropping the keyspaces of ${ctx.tenantId}`);
  },
};

const keysStep: StepDef<SagaCtx> = {
  name: 'keys',
  label: 'Generate tenant keys',
  async run(ctx, report) {
    const st = await ctx.keys.ensureTenantKeys(ctx.tenantId);
    report(`KEK v${st.kek.current}, data keys and Ed25519 signing key`);
  },
  async undo(ctx) {
    await ctx.keys.shred(ctx.tenantId);
  },
};

const rolesStep: StepDef<SagaCtx> = {
  name: 'roles',
  label: 'Create tenant roles and grants',
  async run(ctx, report) {
    const r = fixedRoles(ctx.tenantId);
    const dcs = ctx.params.dataCenters;
    await assertWithinBoundary(ctx.client, ctx.tenantId, dcs, 'DC access to');
    // The service role's password is written to the keychain before the role exists, so a crash
    // between the two never leaves a role whose password nobody holds.
    const key = secretKey.tenant(ctx.tenantId, SECRET_SERVICE_PASSWORD);
    let password = await ctx.secrets.get(key);
    let fresh = false;
    if (!password) {
      password = randomBytes(24).toString('base64url');
      await ctx.secrets.set(key, password);
      fresh = true;
    }
    await ctx.registry.update(ctx.tenantId, { roles: [r.admin, r.auditor, r.service] });
    await exec(ctx, createGroupRole(r.admin, dcs), [], `creating role ${r.admin}`);
    await exec(ctx, createGroupRole(r.auditor, dcs), [], `creating role ${r.auditor}`);
    if (fresh && (await roleExists(ctx.client, r.service))) {
      // Another console (now gone) created the role with a password only its keychain holds:
      // this console, taking the saga over, sets its own.
      await exec(ctx, alterPassword(r.service, password), [], `resetting the password of ${r.service}`);
    } else {
      await exec(ctx, createLoginRole(r.service, password, dcs), [], `creating role ${r.service}`);
    }
    for (const g of tenantGrants(ctx.tenantId, ctx.params.keyspaces)) await exec(ctx, g, [], 'granting tenant permissions');
    report(`${r.admin}, ${r.auditor}, ${r.service}; permissions on ${ctx.params.keyspaces.length} keyspaces; DCs ${dcs.join(', ')}`);
  },
  async undo(ctx) {
    const r = fixedRoles(ctx.tenantId);
    for (const role of [r.service, r.auditor, r.admin]) {
      await ctx.connections.closeRole(ctx.cluster, role);
      await exec(ctx, dropRole(role), [], `dropping role ${role}`);
    }
    await ctx.secrets.delete(secretKey.tenant(ctx.tenantId, SECRET_SERVICE_PASSWORD));
  },
};

const adminUserStep: StepDef<SagaCtx> = {
  name: 'admin-user',
  label: 'Create the initial tenant admin',
  async run(ctx, report) {
    const user = tenantUserRole(ctx.tenantId, ctx.params.adminUser);
    const pendingKey = pendingAdminKey(ctx.tenantId, ctx.jobId);
    const password = ctx.adminPassword ?? (await ctx.secrets.get(pendingKey));
    const exists = await roleExists(ctx.client, user);
    if (!password && !exists) {
      throw new AppError('CONFLICT', `the initial admin's password is not held by this console: resume with the password (--admin-password-stdin)`);
    }
    if (ctx.adminPasswordHash && !exists) await exec(ctx, createLoginRoleHashed(user, ctx.adminPasswordHash, ctx.params.dataCenters), [], `creating user ${user}`);
    else if (password && !exists) await exec(ctx, createLoginRole(user, password, ctx.params.dataCenters), [], `creating user ${user}`);
    await exec(ctx, grantRole(fixedRoles(ctx.tenantId).admin, user), [], `granting the admin role to ${user}`);
    await exec(
      ctx,
      `INSERT INTO ${qualified(tenantConsoleKeyspace(ctx.tenantId), TENANT_USERS_TABLE)} (name, role, created_by, created_at) VALUES (?, ?, ?, ?)`,
      [ctx.params.adminUser, user, ctx.operator, new Date()],
      'recording the admin user',
    );
    await ctx.registry.update(ctx.tenantId, { roles: [user] });
    await ctx.secrets.delete(pendingKey);
    report(user);
  },
  async undo(ctx) {
    const user = tenantUserRole(ctx.tenantId, ctx.params.adminUser);
    await ctx.connections.closeRole(ctx.cluster, user);
    await exec(ctx, dropRole(user), [], `dropping user ${user}`);
    await ctx.secrets.delete(pendingAdminKey(ctx.tenantId, ctx.jobId));
  },
};

const configStep: StepDef<SagaCtx> = {
  name: 'config',
  label: 'Apply the template configuration',
  async run(ctx, report) {
    const ks = tenantConsoleKeyspace(ctx.tenantId);
    const t = ctx.params.template;
    const entries: [string, string][] = [
      ...Object.entries(t.config),
      ...Object.entries(t.policies).map(([k, v]): [string, string] => [`policy.${k}`, v]),
      ...Object.entries(t.features).map(([k, v]): [string, string] => [`feature.${k}`, String(v)]),
      ...Object.entries(t.quotas).map(([k, v]): [string, string] => [`quota.${k}`, String(v)]),
    ];
    for (const [k, v] of entries) {
      await exec(ctx, `INSERT INTO ${qualified(ks, TENANT_CONFIG_TABLE)} (key, value, version, updated_by, updated_at) VALUES (?, ?, 1, ?, ?) IF NOT EXISTS`, [k, v, ctx.operator, new Date()], 'writing the initial configuration');
    }
    // The tenant's own copy of its registry facts: a tenant-scoped console cannot read csm_system.
    const info: [string, string][] = [
      ['id', ctx.tenantId],
      ['name', ctx.params.name],
      ['tier', ctx.params.tier],
      ['color', ctx.params.color ?? ''],
      ['cluster', ctx.cluster],
      ['isolation', ctx.params.isolation],
      ['template', ctx.params.templateName],
      ['data_centers', JSON.stringify(ctx.params.dataCenters)],
    ];
    for (const [k, v] of info) await exec(ctx, `INSERT INTO ${qualified(ks, TENANT_INFO_TABLE)} (key, value) VALUES (?, ?)`, [k, v], 'writing tenant info');
    // The tables a tenant admin writes (versioned config, user requests, support decisions), with
    // MODIFY on exactly those for the tenant's admin role: ready from the start, so a tenant-scoped
    // console never waits for a platform console to have opened the tenant once.
    await new ConfigTables().ensure(ctx.client, ctx.tenantId);
    await ensureUserTables(ctx.client, ctx.tenantId);
    await new TenantAccessTables().ensure(ctx.client, ctx.cluster, ctx.tenantId);
    // The tenant's audit stream (issue 9): chain, idempotency keys, and the inbox a tenant-admin console writes.
    await ensureAuditTables(ctx.client, ctx.tenantId);
    // The tenant's certificate tables and CA (issue 8); never fails the step (see provisionTenantCa).
    const ca = await provisionTenantCa({ client: ctx.client, keys: ctx.keys, secrets: ctx.secrets, tenantId: ctx.tenantId, operator: ctx.operator, template: ctx.params.template });
    report(`${entries.length} configuration entries; ${ca}`);
  },
};

const activateStep: StepDef<SagaCtx> = {
  name: 'activate',
  label: 'Activate',
  async run(ctx) {
    await ctx.registry.transition(ctx.tenantId, ['provisioning'], 'active');
  },
};

/** Clone only: copy the source's configuration (and, when asked, its rows) into the new tenant. */
const copyStep: StepDef<SagaCtx> = {
  name: 'copy',
  label: 'Copy configuration and data from the source',
  async run(ctx, report) {
    const src = ctx.params.cloneOf!;
    const from = tenantConsoleKeyspace(src.tenant);
    const to = tenantConsoleKeyspace(ctx.tenantId);
    let n = 0;
    const read = (stmt: string) => ctx.client.execute(stmt, [], { fetchSize: 1000 }).catch((e: unknown) => Promise.reject(fromDriverError(e, `reading tenant ${src.tenant}`)));
    for await (const r of await read(`SELECT key, value FROM ${qualified(from, TENANT_CONFIG_TABLE)}`)) {
      await exec(ctx, `INSERT INTO ${qualified(to, TENANT_CONFIG_TABLE)} (key, value, version, updated_by, updated_at) VALUES (?, ?, 1, ?, ?)`, [r['key'], r['value'], ctx.operator, new Date()], 'copying configuration');
      n++;
    }
    let rows = 0;
    if (src.withData) {
      for (const k of ctx.params.template.keyspaces) {
        for (const t of k.tables) {
          const cols = t.columns.map((c) => c.name);
          const select = `SELECT ${cols.map(column).join(', ')} FROM ${qualified(`tenant_${src.tenant}_${k.suffix}`, t.name)}`;
          const insert = `INSERT INTO ${qualified(`tenant_${ctx.tenantId}_${k.suffix}`, t.name)} (${cols.map(column).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`;
          for await (const r of await read(select)) {
            if (ctx.signal.aborted) throw new AppError('CANCELLED', 'clone cancelled while copying data');
            await exec(ctx, insert, cols.map((c) => r[c]), `copying ${k.suffix}.${t.name}`);
            rows++;
          }
        }
      }
    }
    report(`${n} configuration entries${src.withData ? `, ${rows} rows` : ''}`);
  },
};

export function createSteps(clone: boolean): StepDef<SagaCtx>[] {
  return [reserveStep, placementStep, keyspacesStep, keysStep, rolesStep, adminUserStep, configStep, ...(clone ? [copyStep] : []), activateStep];
}

// Deletion ----------------------------------------------------------------------------------------

export interface DeleteReport {
  rolesDropped: number;
  keyspacesDropped: number;
  shredVerified: boolean;
}

export function deleteSteps(): StepDef<SagaCtx>[] {
  return [
    {
      name: 'decommission',
      label: 'Mark decommissioning',
      async run(ctx) {
        await ctx.registry.transition(ctx.tenantId, ['active', 'suspended', 'migrating', 'failed', 'decommissioning'], 'decommissioning');
      },
    },
    {
      name: 'lock-out',
      label: 'Revoke logins and close sessions',
      async run(ctx, report) {
        const roles = await loginRolesOf(ctx);
        for (const r of roles) {
          await ctx.connections.closeRole(ctx.cluster, r);
          await exec(ctx, alterLogin(r, false), [], `revoking LOGIN of ${r}`).catch((e: unknown) => {
            // Already gone (a re-run after the roles step): nothing to lock out.
            if (!(e instanceof AppError) || !/doesn't exist|does not exist/i.test(e.message)) throw e;
          });
        }
        report(`${roles.length} login roles locked`);
      },
    },
    {
      name: 'roles',
      label: 'Drop tenant roles',
      async run(ctx, report) {
        const r = fixedRoles(ctx.tenantId);
        const users = (await loginRolesOf(ctx)).filter((x) => x !== r.service);
        const row = await ctx.registry.get(ctx.tenantId);
        const all = [...new Set([...users, ...(row?.roles ?? []), r.service, r.auditor, r.admin])];
        for (const role of all) await exec(ctx, dropRole(role), [], `dropping role ${role}`);
        report(`${all.length} roles dropped`);
      },
    },
    {
      name: 'shred',
      label: 'Crypto-shred keys',
      async run(ctx, report) {
        await ctx.keys.shred(ctx.tenantId);
        const v = await ctx.keys.verifyShred(ctx.tenantId);
        if (!v.shredded) throw new AppError('INTERNAL', `shred verification failed: ${v.unexpectedlyDecrypted} values still decrypt, ${v.kekVersionsRemaining} KEK versions remain`);
        report(`verified: ${v.attempted} cached values tried, ${v.failed} refused, 0 decrypted; no KEK left`);
      },
    },
    {
      name: 'keyspaces',
      label: 'Drop keyspaces',
      async run(ctx, report) {
        const row = await ctx.registry.get(ctx.tenantId);
        const names = row?.keyspaces ?? [];
        for (const ks of names) await exec(ctx, dropKeyspace(ks), [], `dropping keyspace ${ks}`);
        await waitForAgreement(ctx.client, `dropping the keyspaces of ${ctx.tenantId}`);
        report(`${names.length} keyspaces dropped`);
      },
    },
    {
      name: 'wipe',
      label: 'Wipe cached data and stored credentials',
      async run(ctx, report) {
        const n = await ctx.wipeLocal(ctx.tenantId);
        await ctx.secrets.delete(secretKey.tenant(ctx.tenantId, SECRET_SERVICE_PASSWORD));
        const row = await ctx.registry.get(ctx.tenantId);
        if (row?.jobId) await ctx.secrets.delete(pendingAdminKey(ctx.tenantId, row.jobId));
        await ctx.registry.deleteSuspension(ctx.tenantId);
        report(`${n} cached values removed`);
      },
    },
    {
      name: 'deleted',
      label: 'Mark deleted (the audit trail stays)',
      async run(ctx) {
        await ctx.registry.transition(ctx.tenantId, ['decommissioning'], 'deleted');
      },
    },
  ];
}
