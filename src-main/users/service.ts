import { randomBytes } from 'node:crypto';
import { limitsFor } from '../resources/quotas/store';
import { refusal as quotaRefusal } from '../resources/quotas/rules';
import type { TenantUser, UserRequest, UserTemplate } from '../../src-shared/contract/users';
import { userTemplateSchema } from '../../src-shared/contract/users';
import { checkPassword, type PasswordPolicy } from '../../src-shared/rules/password-policy';
import { isTenantKeyspace, tenantConsoleKeyspace } from '../../src-shared/rules/lifecycle';
import { PLATFORM_ADMIN_ROLE, tenantAdminRole } from '../../src-shared/rules/names';
import { tenantUserNameSchema } from '../../src-shared/rules/templates';
import { AppError } from '../app/errors';
import type { Logger } from '../app/log';
import type { ConnectionManager, CqlClient } from '../cassandra/connections';
import { fromDriverError } from '../cassandra/driver-errors';
import { dcLiteral, existingRole, hashedPasswordLiteral, newRole, qualified } from '../cassandra/identifiers';
import { assertWithinBoundary } from '../compliance/boundary';
import type { TenantPolicySource } from '../config/ports';
import type { SessionService } from '../identity/sessions';
import type { AuditEntry, HostKind } from '../ipc/router';
import { alterLogin, dropRole, tenantUserRole, TENANT_USERS_TABLE } from '../tenancy/cql';
import type { TenantService } from '../tenancy/service';
import { roleExists } from '../tenancy/steps';
import { adminHoldsUser, bcryptHash, checkedUserHash, customGrantStatement, customGrantTarget, historyHash, historyMatches, templateGrants, throttleMessage } from './rules';
import { ensureTables, guard, history, LWT, meta, Q, requests, tablesExist, USER_REQUESTS_TABLE } from './tables';

export interface UsersDeps {
  host: HostKind;
  connections: Pick<ConnectionManager, 'operator' | 'closeRole'>;
  sessions: Pick<SessionService, 'scopeOf'>;
  tenants: Pick<TenantService, 'registry'>;
  policies: TenantPolicySource;
  logger: Logger;
  audit(e: AuditEntry): void;
}

type Grant = { verb: 'GRANT' | 'REVOKE'; permission: string; keyspace: string; table?: string | undefined };
const iso = (v: unknown): string | null => (v instanceof Date ? v.toISOString() : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const REGISTRY = qualified('csm_system', 'tenants');

/**
 * Tenant users (issue 7 item 1). Creating roles and granting need cluster-wide authority (DESIGN §2):
 * a platform console does them itself; a tenant-admin console files a request in the tenant's
 * console keyspace, which a platform console carries out (`user.process`, and at every platform
 * sign-in). Password, lock, unlock and drop run on the caller's own session, so Cassandra decides:
 * the tenant's admin role holds ALTER/DROP/DESCRIBE on the roles this feature created.
 */
export class UsersService {
  constructor(private readonly deps: UsersDeps) {}

  private client(cluster: string): CqlClient {
    const c = this.deps.connections.operator(cluster);
    if (!c) throw new AppError('NOT_SIGNED_IN', `sign in to cluster ${cluster} first`);
    return c;
  }

  private scope(cluster: string) {
    const s = this.deps.sessions.scopeOf(cluster);
    if (!s) throw new AppError('NOT_SIGNED_IN', `sign in to cluster ${cluster} first`);
    return s;
  }

  private async tenantRow(cluster: string, tenant: string) {
    const row = await this.deps.tenants.registry(cluster).get(tenant);
    if (!row || row.state === 'deleted') throw new AppError('NOT_FOUND', `tenant ${tenant} is not registered on ${cluster}`);
    if (row.state !== 'active') throw new AppError('CONFLICT', `tenant ${tenant} is ${row.state}: users are managed only while it is active`);
    return row;
  }

  private async exec(client: CqlClient, stmt: string, what: string, params: unknown[] = []): Promise<void> {
    try {
      await client.execute(stmt, params, { prepare: params.length > 0 });
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      const t = throttleMessage(msg);
      if (t) throw new AppError('CONFLICT', `${what}: ${t}`);
      const err = fromDriverError(e, what);
      if (err.code === 'UNAUTHORIZED_STATEMENT') throw new AppError('FORBIDDEN', `${what}: Cassandra refused it for this role (${msg.slice(0, 160)}); a user not created through the console is managed by a platform console`);
      throw err;
    }
  }

  // Reads ------------------------------------------------------------------------------------------

  async list(cluster: string, tenant: string): Promise<TenantUser[]> {
    const client = this.client(cluster);
    const platform = this.scope(cluster).platform;
    const base = new Map<string, TenantUser>();
    await guard(`reading the users of ${tenant}`, async () => {
      for await (const r of await client.execute(`SELECT name, role, created_by, created_at FROM ${qualified(tenantConsoleKeyspace(tenant), TENANT_USERS_TABLE)}`, [], { ...Q, fetchSize: 1000 })) {
        const name = String(r['name']);
        base.set(name, { name, role: String(r['role'] ?? tenantUserRole(tenant, name)), template: null, locked: false, createdBy: str(r['created_by']), createdAt: iso(r['created_at']), passwordChangedAt: null });
      }
      if (!(await tablesExist(client, tenant))) return;
      for await (const r of await client.execute(`SELECT * FROM ${meta(tenant)}`, [], { ...Q, fetchSize: 1000 })) {
        const name = String(r['name']);
        if (r['dropped'] === true) {
          base.delete(name);
          continue;
        }
        const t = userTemplateSchema.safeParse(r['template']);
        const prev = base.get(name);
        base.set(name, {
          name,
          role: tenantUserRole(tenant, name),
          template: t.success ? t.data : null,
          locked: r['locked'] === true,
          createdBy: prev?.createdBy ?? str(r['created_by']),
          createdAt: prev?.createdAt ?? iso(r['created_at']),
          passwordChangedAt: iso(r['password_changed_at']),
        });
      }
    });
    if (platform && base.size > 0) {
      // The platform reads Cassandra's own word on LOGIN (a lock made in cqlsh shows too) and drops
      // rows whose role is gone.
      const roles = await guard('reading system_auth.roles', async () => (await client.execute(`SELECT role, can_login FROM system_auth.roles WHERE role IN (${[...base.values()].map(() => '?').join(', ')})`, [...base.values()].map((u) => u.role), { prepare: true })).rows);
      const login = new Map(roles.map((r) => [String(r['role']), r['can_login'] === true]));
      for (const [name, u] of base) {
        if (!login.has(u.role)) base.delete(name);
        else u.locked = !login.get(u.role);
      }
    }
    return [...base.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  async permissions(cluster: string, tenant: string, name: string): Promise<{ user: string; role: string; permissions: { permission: string; resource: string; via: string }[] }> {
    const role = tenantUserRole(tenant, name);
    const client = this.client(cluster);
    const rows = await guard(`reading the permissions of ${role}`, async () => {
      try {
        return (await client.execute(`LIST ALL PERMISSIONS OF ${newRole(role)}`)).rows;
      } catch (e) {
        if (e instanceof Error && /doesn't exist|does not exist/i.test(e.message)) throw new AppError('NOT_FOUND', `user ${name} of tenant ${tenant} does not exist`);
        throw e;
      }
    });
    const permissions = rows
      .map((r) => ({ permission: String(r['permission']), resource: String(r['resource']), via: String(r['role'] ?? r['username'] ?? role) }))
      .sort((a, b) => a.resource.localeCompare(b.resource) || a.permission.localeCompare(b.permission) || a.via.localeCompare(b.via));
    return { user: name, role, permissions };
  }

  // Password rules -----------------------------------------------------------------------------------

  /**
   * `withHistory`: also refuse one of the user's last N passwords. Only for a password change: a new
   * user has no previous passwords (a drop deletes its history), and checking a create against the
   * history of a user that exists would tell the caller whether a guess was once that user's password.
   */
  private async checkNewPassword(client: CqlClient, cluster: string, tenant: string, name: string, password: string, withHistory: boolean, policy?: PasswordPolicy): Promise<void> {
    const p = policy ?? (await this.deps.policies.passwordPolicy(cluster, tenant));
    const failed = checkPassword(p, name, password);
    if (failed.length) throw new AppError('BAD_INPUT', `password refused by tenant ${tenant}'s policy: ${failed.map((f) => `${f.rule} (${f.message})`).join('; ')}`);
    if (withHistory && p.historyCount > 0 && (await tablesExist(client, tenant))) {
      const rows = await guard('reading the password history', async () => (await client.execute(`SELECT hash FROM ${history(tenant)} WHERE name = ? LIMIT ?`, [name, p.historyCount], Q)).rows);
      if (rows.some((r) => historyMatches(password, String(r['hash'])))) {
        throw new AppError('BAD_INPUT', `password refused by tenant ${tenant}'s policy: historyCount (must not be one of the last ${p.historyCount} passwords)`);
      }
    }
  }

  private async recordHistory(client: CqlClient, tenant: string, name: string, hash: string, at: Date): Promise<void> {
    await guard('recording the password history', () => client.execute(`INSERT INTO ${history(tenant)} (name, at, hash) VALUES (?, ?, ?)`, [name, at, hash], Q));
    await guard('recording the password change', () => client.execute(`UPDATE ${meta(tenant)} SET password_changed_at = ? WHERE name = ?`, [at, name], Q));
  }

  /** The limit in force is decided by the quotas part (a quota row or raise, else quotas.maxUsers): one decider for the gate and here. */
  private async checkQuota(cluster: string, tenant: string, name: string): Promise<void> {
    const limits = await limitsFor(this.client(cluster), tenant, 'users', { platform: this.scope(cluster).platform, configMax: await this.deps.policies.maxUsers(cluster, tenant) });
    if (limits.hard === null) return;
    const users = (await this.list(cluster, tenant)).filter((u) => u.name !== name);
    if (users.length >= limits.hard) {
      if (limits.source === 'config') throw new AppError('QUOTA_EXCEEDED', `tenant ${tenant} has ${users.length} users; its quota is ${limits.hard}`);
      throw quotaRefusal(tenant, 'users', users.length, 1, limits);
    }
  }

  // Create -------------------------------------------------------------------------------------------

  async create(input: { cluster: string; tenant: string; name: string; template: UserTemplate; password: string }, operator: string | null): Promise<{ state: 'applied' | 'requested'; requestId: string | null; user: string }> {
    const { cluster, tenant, name } = input;
    const client = this.client(cluster);
    await this.checkNewPassword(client, cluster, tenant, name, input.password, false);
    // An existing user is a CONFLICT before anything is filed or hashed. A tenant-admin console may
    // not be allowed to look a role up; then the platform's own check decides when it carries it out.
    if (await roleExists(client, tenantUserRole(tenant, name)).catch(() => false)) throw new AppError('CONFLICT', `user ${name} of tenant ${tenant} already exists`);
    await this.checkQuota(cluster, tenant, name);
    const hash = bcryptHash(input.password);
    const hist = historyHash(input.password);
    if (!this.scope(cluster).platform) {
      if (!(await tablesExist(client, tenant))) throw new AppError('CONFLICT', `tenant ${tenant}'s user tables are not prepared yet: a platform console prepares them (csm user process --tenant ${tenant}, or any user change it makes in this tenant)`);
      const id = randomBytes(8).toString('hex');
      await guard('filing the user request', () =>
        client.execute(
          `INSERT INTO ${requests(tenant)} (id, kind, user_name, template, password_hash, history_hash, requested_by, requested_at, state) VALUES (?, 'create', ?, ?, ?, ?, ?, ?, 'pending') IF NOT EXISTS`,
          [id, name, input.template, hash, hist, operator ?? this.scope(cluster).role, new Date()],
          LWT,
        ),
      );
      return { state: 'requested', requestId: id, user: name };
    }
    await this.createAsPlatform(cluster, tenant, name, input.template, hash, hist, operator);
    return { state: 'applied', requestId: null, user: name };
  }

  private async createAsPlatform(cluster: string, tenant: string, name: string, template: UserTemplate, hash: string, hist: string, by: string | null): Promise<void> {
    const client = this.client(cluster);
    const row = await this.tenantRow(cluster, tenant);
    const role = tenantUserRole(tenant, name);
    await assertWithinBoundary(client, tenant, row.dataCenters, 'DC access to');
    if (await roleExists(client, role)) throw new AppError('CONFLICT', `user ${name} of tenant ${tenant} already exists`);
    await ensureTables(client, tenant);
    const dcs = row.dataCenters.map(dcLiteral).join(', ');
    // HASHED PASSWORD: the clear password never reaches a CQL statement, a request row or a log.
    await this.exec(client, `CREATE ROLE ${newRole(role)} WITH LOGIN = true AND SUPERUSER = false AND HASHED PASSWORD = ${hashedPasswordLiteral(checkedUserHash(hash))} AND ACCESS TO DATACENTERS {${dcs}}`, `creating user ${name}`);
    await this.deps.tenants.registry(cluster).update(tenant, { roles: [role] });
    const withFunctions = new Set<string>();
    if (template === 'application') {
      const fns = await guard('reading functions', async () => (await client.execute('SELECT keyspace_name FROM system_schema.functions')).rows.map((r) => String(r['keyspace_name'])));
      for (const k of fns) if (row.keyspaces.includes(k)) withFunctions.add(k);
    }
    for (const g of [...templateGrants(tenant, template, role, row.keyspaces, withFunctions), ...adminHoldsUser(tenant, role)]) await this.exec(client, g, `granting the ${template} template to ${name}`);
    const now = new Date();
    await guard('recording the user', async () => {
      await client.execute(`INSERT INTO ${qualified(tenantConsoleKeyspace(tenant), TENANT_USERS_TABLE)} (name, role, created_by, created_at) VALUES (?, ?, ?, ?)`, [name, role, by, now], Q);
      await client.execute(`INSERT INTO ${meta(tenant)} (name, template, locked, dropped, created_by, created_at, password_changed_at) VALUES (?, ?, false, false, ?, ?, ?)`, [name, template, by, now, now], Q);
      await client.execute(`INSERT INTO ${history(tenant)} (name, at, hash) VALUES (?, ?, ?)`, [name, now, hist], Q);
    });
  }

  // Existing users: the caller's own session; Cassandra enforces -----------------------------------

  async passwd(input: { cluster: string; tenant: string; name: string; newPassword: string }): Promise<{ user: string; changedAt: string }> {
    const { cluster, tenant, name } = input;
    const client = this.client(cluster);
    await this.existing(client, tenant, name);
    await this.checkNewPassword(client, cluster, tenant, name, input.newPassword, true);
    const role = tenantUserRole(tenant, name);
    const hash = bcryptHash(input.newPassword);
    await this.exec(client, `ALTER ROLE ${newRole(role)} WITH HASHED PASSWORD = ${hashedPasswordLiteral(checkedUserHash(hash))}`, `changing the password of ${name}`);
    const at = new Date();
    if (await tablesExist(client, tenant)) await this.recordHistory(client, tenant, name, historyHash(input.newPassword), at);
    return { user: name, changedAt: at.toISOString() };
  }

  private async existing(client: CqlClient, tenant: string, name: string): Promise<void> {
    if (!(await roleExists(client, tenantUserRole(tenant, name)).catch(() => true))) throw new AppError('NOT_FOUND', `user ${name} of tenant ${tenant} does not exist`);
  }

  async setLogin(input: { cluster: string; tenant: string; name: string }, login: boolean): Promise<TenantUser> {
    const { cluster, tenant, name } = input;
    const client = this.client(cluster);
    const role = tenantUserRole(tenant, name);
    await this.existing(client, tenant, name);
    // LOGIN = false also ends the role's open sessions in Cassandra; the console closes its own.
    await this.exec(client, alterLogin(role, login), `${login ? 'unlocking' : 'locking'} user ${name}`);
    if (!login) await this.deps.connections.closeRole(cluster, role);
    if (await tablesExist(client, tenant)) await guard('recording the lock', () => client.execute(`UPDATE ${meta(tenant)} SET locked = ? WHERE name = ?`, [!login, name], Q));
    const u = (await this.list(cluster, tenant)).find((x) => x.name === name);
    return u ?? { name, role, template: null, locked: !login, createdBy: null, createdAt: null, passwordChangedAt: null };
  }

  async drop(input: { cluster: string; tenant: string; name: string }): Promise<{ user: string; dropped: boolean }> {
    const { cluster, tenant, name } = input;
    const client = this.client(cluster);
    const role = tenantUserRole(tenant, name);
    await this.existing(client, tenant, name);
    await this.deps.connections.closeRole(cluster, role);
    await this.exec(client, dropRole(role), `dropping user ${name}`);
    if (await tablesExist(client, tenant)) {
      await guard('recording the drop', async () => {
        await client.execute(`UPDATE ${meta(tenant)} SET dropped = true, locked = true WHERE name = ?`, [name], Q);
        await client.execute(`DELETE FROM ${history(tenant)} WHERE name = ?`, [name], Q);
      });
    }
    if (this.scope(cluster).platform) {
      await guard('updating the registry', async () => {
        await client.execute(`DELETE FROM ${qualified(tenantConsoleKeyspace(tenant), TENANT_USERS_TABLE)} WHERE name = ?`, [name], Q);
        await client.execute(`UPDATE ${REGISTRY} SET roles = roles - ? WHERE id = ?`, [[role], tenant], Q);
      });
    }
    return { user: name, dropped: true };
  }

  // Custom grants ------------------------------------------------------------------------------------

  /** The tenant's own keyspaces: the registry (platform) or what its admin role holds (tenant admin). */
  private async ownKeyspaces(client: CqlClient, cluster: string, tenant: string): Promise<string[]> {
    if (this.scope(cluster).platform) return (await this.tenantRow(cluster, tenant)).keyspaces;
    const rows = await guard(`reading the keyspaces of ${tenant}`, async () => (await client.execute(`LIST ALL PERMISSIONS OF ${newRole(tenantAdminRole(tenant))}`)).rows);
    const out = new Set<string>();
    for (const r of rows) {
      const m = /^<keyspace ([a-z][a-z0-9_]*)>$/.exec(String(r['resource']));
      if (m && isTenantKeyspace(tenant, m[1]!)) out.add(m[1]!);
    }
    return [...out];
  }

  async grant(input: { cluster: string; tenant: string; name: string; permission: string; keyspace: string; table?: string | undefined }, verb: 'GRANT' | 'REVOKE', operator: string | null): Promise<{ state: 'applied' | 'requested'; requestId: string | null; user: string }> {
    const { cluster, tenant, name } = input;
    const client = this.client(cluster);
    const own = await this.ownKeyspaces(client, cluster, tenant);
    const target = customGrantTarget(tenant, own, input.keyspace, input.table);
    const stmt = customGrantStatement(verb, input.permission, target.resource, tenantUserRole(tenant, name));
    if (!this.scope(cluster).platform) {
      if (!(await tablesExist(client, tenant))) throw new AppError('CONFLICT', `tenant ${tenant}'s user tables are not prepared yet: a platform console prepares them (csm user process --tenant ${tenant}, or any user change it makes in this tenant)`);
      const id = randomBytes(8).toString('hex');
      const spec = JSON.stringify({ verb, permission: input.permission, keyspace: input.keyspace, ...(input.table ? { table: input.table } : {}) } satisfies Grant);
      await guard('filing the grant request', () =>
        client.execute(`INSERT INTO ${requests(tenant)} (id, kind, user_name, grant_spec, requested_by, requested_at, state) VALUES (?, ?, ?, ?, ?, ?, 'pending') IF NOT EXISTS`, [id, verb === 'GRANT' ? 'grant' : 'revoke', name, spec, operator ?? this.scope(cluster).role, new Date()], LWT),
      );
      return { state: 'requested', requestId: id, user: name };
    }
    await this.existing(client, tenant, name);
    await this.exec(client, stmt, `${verb === 'GRANT' ? 'granting' : 'revoking'} ${input.permission} on ${target.display} ${verb === 'GRANT' ? 'to' : 'from'} ${name}`);
    return { state: 'applied', requestId: null, user: name };
  }

  // Requests -----------------------------------------------------------------------------------------

  async requests(cluster: string, tenant: string): Promise<UserRequest[]> {
    const client = this.client(cluster);
    if (!(await tablesExist(client, tenant))) return [];
    const out: UserRequest[] = [];
    await guard(`reading the user requests of ${tenant}`, async () => {
      for await (const r of await client.execute(`SELECT id, kind, user_name, template, grant_spec, requested_by, requested_at, state, processed_by, processed_at, error FROM ${requests(tenant)}`, [], { ...Q, fetchSize: 1000 })) {
        out.push(requestOf(tenant, r));
      }
    });
    return out.sort((a, b) => b.requestedAt.localeCompare(a.requestedAt) || a.id.localeCompare(b.id));
  }

  /**
   * Platform: carry out pending requests. A row is only as trusted as its writer, so every field is
   * parsed again and the requester must, right now, be a member of the tenant's admin role and not
   * a platform role. Claimed with an LWT (`IF state = 'pending'`) so two consoles never both act.
   */
  async process(cluster: string, tenant?: string): Promise<{ processed: number; done: number; failed: number }> {
    const client = this.client(cluster);
    // Named tenant: prepare its tables (that is how a tenant admin gets somewhere to file). Every
    // tenant (sign-in sweep): only those already prepared — a sign-in never changes schema.
    let tenants: string[];
    if (tenant) {
      await this.tenantRow(cluster, tenant);
      await ensureTables(client, tenant);
      tenants = [tenant];
    } else {
      const prepared = await guard('reading system_schema.tables', async () => (await client.execute('SELECT keyspace_name, table_name FROM system_schema.tables', [], { fetchSize: 5000 })).rows.filter((r) => r['table_name'] === USER_REQUESTS_TABLE).map((r) => String(r['keyspace_name'])));
      const active = new Set((await this.deps.tenants.registry(cluster).all()).filter((t) => t.state === 'active').map((t) => t.id));
      tenants = [...active].filter((t) => prepared.includes(tenantConsoleKeyspace(t))).sort();
    }
    const me = this.scope(cluster).role;
    let processed = 0;
    let done = 0;
    for (const t of tenants) {
      const pending = (await guard(`reading the user requests of ${t}`, async () => (await client.execute(`SELECT * FROM ${requests(t)}`, [], { ...Q, fetchSize: 1000 })).rows)).filter((r) => r['state'] === 'pending');
      for (const r of pending) {
        const id = String(r['id']);
        const claimed = await guard('claiming a user request', async () => (await client.execute(`UPDATE ${requests(t)} SET state = 'processing', processed_by = ? WHERE id = ? IF state = 'pending'`, [me, id], LWT)).rows[0]?.['[applied]'] === true);
        if (!claimed) continue;
        processed++;
        const req = requestOf(t, r);
        let error: string | null = null;
        let code: string | null = null;
        try {
          await this.carryOut(client, cluster, t, r);
          done++;
        } catch (e) {
          error = e instanceof AppError ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e);
          code = e instanceof AppError ? e.code : 'INTERNAL';
          this.deps.logger.warn('user request failed', { tenant: t, id, error });
        }
        await guard('closing a user request', () => client.execute(`UPDATE ${requests(t)} SET state = ?, processed_at = ?, error = ?, password_hash = null WHERE id = ?`, [error ? 'failed' : 'done', new Date(), error, id], Q));
        this.deps.audit({ at: new Date().toISOString(), host: this.deps.host, channel: `user.${req.kind}`, operator: me, tenant: t, input: { cluster, tenant: t, request: id, name: req.user, template: req.template, grant: req.grant, requestedBy: req.requestedBy }, outcome: error ? 'error' : 'ok', errorCode: code });
      }
    }
    return { processed, done, failed: processed - done };
  }

  private async carryOut(client: CqlClient, cluster: string, tenant: string, r: Record<string, unknown>): Promise<void> {
    const by = String(r['requested_by'] ?? '');
    await this.checkRequester(client, tenant, by);
    const name = tenantUserNameSchema.safeParse(r['user_name']);
    if (!name.success) throw new AppError('BAD_INPUT', 'the request names no valid user');
    const kind = String(r['kind']);
    if (kind === 'create') {
      const template = userTemplateSchema.safeParse(r['template']);
      if (!template.success) throw new AppError('BAD_INPUT', 'the request names no valid template');
      const hash = String(r['password_hash'] ?? '');
      checkedUserHash(hash); // a bcrypt $2a$ hash or nothing
      const hist = String(r['history_hash'] ?? '');
      if (!/^scrypt\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/.test(hist)) throw new AppError('BAD_INPUT', 'the request carries no valid history hash');
      await this.checkQuota(cluster, tenant, name.data);
      await this.createAsPlatform(cluster, tenant, name.data, template.data, hash, hist, by);
      return;
    }
    if (kind === 'grant' || kind === 'revoke') {
      let g: Grant;
      try {
        g = JSON.parse(String(r['grant_spec'] ?? '')) as Grant;
      } catch {
        throw new AppError('BAD_INPUT', 'the request carries no valid grant');
      }
      const own = (await this.tenantRow(cluster, tenant)).keyspaces;
      const target = customGrantTarget(tenant, own, String(g.keyspace), g.table === undefined ? undefined : String(g.table));
      const verb = kind === 'grant' ? 'GRANT' : 'REVOKE';
      await this.existing(client, tenant, name.data);
      await this.exec(client, customGrantStatement(verb, String(g.permission), target.resource, tenantUserRole(tenant, name.data)), `${kind} for ${name.data}`);
      return;
    }
    throw new AppError('BAD_INPUT', `unknown request kind ${JSON.stringify(kind.slice(0, 20))}`);
  }

  private async checkRequester(client: CqlClient, tenant: string, by: string): Promise<void> {
    let roles: { role: string; super: boolean }[];
    try {
      roles = (await client.execute(`LIST ROLES OF ${existingRole(by)}`)).rows.map((x) => ({ role: String(x['role']), super: Boolean(x['super']) }));
    } catch (e) {
      throw new AppError('FORBIDDEN', `the requester ${JSON.stringify(by.slice(0, 64))} could not be checked (${e instanceof Error ? e.message.slice(0, 120) : 'error'})`);
    }
    if (roles.some((x) => x.super || x.role === PLATFORM_ADMIN_ROLE)) throw new AppError('FORBIDDEN', `the request was written by a platform role (${by}), not a tenant admin`);
    if (!roles.some((x) => x.role === tenantAdminRole(tenant))) throw new AppError('FORBIDDEN', `${by} is not an admin of tenant ${tenant}`);
  }
}

function requestOf(tenant: string, r: Record<string, unknown>): UserRequest {
  const t = userTemplateSchema.safeParse(r['template']);
  const kind = String(r['kind']);
  const state = String(r['state']);
  let grant: string | null = null;
  if (typeof r['grant_spec'] === 'string') {
    try {
      const g = JSON.parse(r['grant_spec']) as Grant;
      grant = `${String(g.permission)} ON ${String(g.keyspace)}${g.table ? `.${String(g.table)}` : ''}`;
    } catch {
      grant = '(unreadable)';
    }
  }
  return {
    id: String(r['id']),
    tenant,
    kind: kind === 'grant' || kind === 'revoke' ? kind : 'create',
    user: String(r['user_name'] ?? ''),
    template: t.success ? t.data : null,
    grant,
    state: state === 'processing' || state === 'done' || state === 'failed' ? state : 'pending',
    requestedBy: String(r['requested_by'] ?? ''),
    requestedAt: iso(r['requested_at']) ?? new Date(0).toISOString(),
    processedBy: str(r['processed_by']),
    processedAt: iso(r['processed_at']),
    error: str(r['error']),
  };
}

