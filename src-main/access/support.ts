import { randomBytes } from 'node:crypto';
import { supportGrantSchema, type SupportGrant } from '../../src-shared/contract/access';
import type { EventPayload } from '../../src-shared/contract';
import { isTenantKeyspace, tenantConsoleKeyspace } from '../../src-shared/rules/lifecycle';
import { PLATFORM_ADMIN_ROLE, tenantAdminRole } from '../../src-shared/rules/names';
import { AppError } from '../app/errors';
import type { Logger } from '../app/log';
import type { ConnectionManager, CqlClient } from '../cassandra/connections';
import { fromDriverError } from '../cassandra/driver-errors';
import { existingRole, keyspace, newRole, qualified } from '../cassandra/identifiers';
import type { SessionService } from '../identity/sessions';
import type { AuditEntry, HostKind } from '../ipc/router';
import type { SecretStore } from '../secrets/types';
import { AccessRepo, entry, type TenantAccessTables } from './repo';
import { addMinutes, newAccessId, pendingDeadline, supportRoleName, supportSecretKey, sweepDecision, SUPPORT_ROLE_PATTERN } from './rules';
import { alterLogin, createLoginRole, dropRole, grantRole } from '../tenancy/cql';
import type { TenantService } from '../tenancy/service';

export interface SupportDeps {
  host: HostKind;
  connections: Pick<ConnectionManager, 'operator'>;
  sessions: Pick<SessionService, 'scopeOf'>;
  tenants: Pick<TenantService, 'registry'>;
  secrets: SecretStore;
  tables: TenantAccessTables;
  logger: Logger;
  audit(e: AuditEntry): void;
  emit(payload: EventPayload<'support.revoked'>): void;
  now?: () => Date;
}

const REGISTRY = qualified('csm_system', 'tenants');
const ORDER: Record<SupportGrant['state'], number> = { pending: 0, approved: 1, activating: 2, active: 2, rejected: 3, revoked: 3, expired: 3 };
export const sortGrants = (list: SupportGrant[]): SupportGrant[] => [...list].sort((a, b) => ORDER[a.state] - ORDER[b.state] || b.requestedAt.localeCompare(a.requestedAt) || a.id.localeCompare(b.id));

async function guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw fromDriverError(e, what);
  }
}

/**
 * Support access (issue 6 item 5). Requests and windows live in csm_system (platform only); the
 * tenant's side — what its admins see and the decision they write — lives in tenant_<id>_csm,
 * since a tenant-scoped role cannot read csm_system. The platform takes a decision over only
 * after checking who wrote it (an admin of the tenant, not the requester, not a platform role).
 */
export class SupportAccess {
  constructor(private readonly deps: SupportDeps) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

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

  private async row(cluster: string, id: string, tenant?: string): Promise<SupportGrant> {
    const g = await new AccessRepo(this.client(cluster)).support(id);
    if (!g || (tenant !== undefined && g.tenant !== tenant)) throw new AppError('NOT_FOUND', `support request ${id} does not exist${tenant ? ` for tenant ${tenant}` : ''} on ${cluster}`);
    return g;
  }

  private async publish(cluster: string, id: string): Promise<SupportGrant> {
    const client = this.client(cluster);
    const g = (await new AccessRepo(client).support(id))!;
    try {
      await this.deps.tables.publishSupport(client, g);
    } catch (e) {
      this.deps.logger.warn('could not publish a support request to the tenant', { id, error: e instanceof Error ? e.message : String(e) });
    }
    return g;
  }

  async request(input: { cluster: string; tenant: string; minutes: number; readOnly: boolean; reason: string }): Promise<SupportGrant> {
    const me = this.scope(input.cluster).role;
    const client = this.client(input.cluster);
    const t = await this.deps.tenants.registry(input.cluster).get(input.tenant);
    if (!t) throw new AppError('NOT_FOUND', `tenant ${input.tenant} is not registered on ${input.cluster}`);
    if (t.state !== 'active') throw new AppError('CONFLICT', `tenant ${input.tenant} is ${t.state}; support access is for active tenants`);
    // The tenant side must exist before the request: its admins decide there.
    await this.deps.tables.ensure(client, input.cluster, input.tenant);
    const id = newAccessId();
    const at = this.now();
    await new AccessRepo(client).insertSupport({ id, cluster: input.cluster, tenant: input.tenant, requestedBy: me, requestedAt: at, minutes: input.minutes, readOnly: input.readOnly, reason: input.reason, decideBy: pendingDeadline(at) });
    return this.publish(input.cluster, id);
  }

  /**
   * A tenant admin's decision. Platform operators are refused even though their scope covers every
   * tenant: support access is the tenant letting the provider in, and a provider approving its own
   * way in on the tenant's behalf would make the approval meaningless.
   */
  async decide(input: { cluster: string; tenant: string; id: string; note?: string | undefined; reason?: string | undefined }, decision: 'approved' | 'rejected'): Promise<SupportGrant> {
    const scope = this.scope(input.cluster);
    if (scope.platform) throw new AppError('FORBIDDEN', `support access to tenant ${input.tenant} is decided by an admin of that tenant; a platform operator (${scope.role}) cannot ${decision === 'approved' ? 'approve' : 'reject'} it on the tenant's behalf`);
    if (!scope.tenantAdmin.includes(input.tenant)) throw new AppError('FORBIDDEN', `${scope.role} is not an admin of tenant ${input.tenant}`);
    const client = this.client(input.cluster);
    const g = await this.tenantView(input.cluster, input.tenant, input.id);
    if (g.requestedBy === scope.role) throw new AppError('FORBIDDEN', `request ${input.id} was filed by you (${scope.role}): a second person must decide it`);
    if (g.state !== 'pending' || g.decidedBy !== null) throw new AppError('CONFLICT', `support request ${input.id} is ${g.decidedBy ? `already decided by ${g.decidedBy}` : g.state}`);
    if (g.decideBy !== null && Date.parse(g.decideBy) <= this.now().getTime()) throw new AppError('CONFLICT', `support request ${input.id} expired at ${g.decideBy}`);
    const note = decision === 'approved' ? (input.note ?? null) : (input.reason ?? null);
    if (!(await this.deps.tables.decide(client, input.tenant, input.id, decision, scope.role, note))) throw new AppError('CONFLICT', `support request ${input.id} was decided meanwhile`);
    return this.tenantView(input.cluster, input.tenant, input.id);
  }

  /** What a tenant admin sees: the platform's copy with the tenant-side decision laid over it. */
  private async tenantView(cluster: string, tenant: string, id: string): Promise<SupportGrant> {
    const hit = (await this.tenantList(cluster, tenant)).find((g) => g.id === id);
    if (!hit) throw new AppError('NOT_FOUND', `support request ${id} does not exist for tenant ${tenant}`);
    return hit;
  }

  private async tenantList(cluster: string, tenant: string): Promise<SupportGrant[]> {
    const rows = await this.deps.tables.supportRows(this.client(cluster), tenant);
    return rows.flatMap(({ body, decision }) => {
      const p = supportGrantSchema.safeParse(body);
      if (!p.success || p.data.tenant !== tenant) return [];
      const g = p.data;
      if (g.state === 'pending' && decision.decision !== null) return [{ ...g, state: decision.decision, decidedBy: decision.decidedBy, decidedAt: decision.decidedAt, decisionNote: decision.note }];
      if (g.state === 'active' && decision.revokeRequestedBy !== null) return [{ ...g, revokeRequestedBy: decision.revokeRequestedBy }];
      return [g];
    });
  }

  /**
   * Platform: take over decisions written on the tenant side. A decision counts only when its
   * writer is, right now, a member of the tenant's admin role, is not the requester and holds no
   * platform role — anything else is left pending and logged.
   */
  private async syncDecisions(cluster: string, grants: SupportGrant[]): Promise<SupportGrant[]> {
    const client = this.client(cluster);
    const repo = new AccessRepo(client);
    const out: SupportGrant[] = [];
    const byTenant = new Map<string, Map<string, Awaited<ReturnType<TenantAccessTables['supportRows']>>[number]['decision']>>();
    for (const g of grants) {
      if (!(g.state === 'pending' || (g.state === 'active' && g.revokeRequestedBy === null))) {
        out.push(g);
        continue;
      }
      let side = byTenant.get(g.tenant);
      if (!side) {
        side = new Map((await this.deps.tables.supportRows(client, g.tenant).catch(() => [])).map((r) => [r.id, r.decision]));
        byTenant.set(g.tenant, side);
      }
      const d = side.get(g.id);
      if (g.state === 'pending' && d?.decision && d.decidedBy) {
        const why = await this.deciderProblem(client, g, d.decidedBy);
        if (why) {
          this.deps.logger.warn('support decision ignored', { id: g.id, tenant: g.tenant, why });
          out.push(g);
          continue;
        }
        const at = d.decidedAt ? new Date(d.decidedAt) : this.now();
        if (await repo.moveSupport(g.id, 'pending', d.decision, { decided_by: d.decidedBy, decided_at: at, decision_note: d.note }, entry(d.decidedBy, d.decision, d.note, at))) {
          out.push(await this.publish(cluster, g.id));
          continue;
        }
      } else if (g.state === 'active' && d?.revokeRequestedBy) {
        if (await repo.moveSupport(g.id, 'active', null, { revoke_requested_by: d.revokeRequestedBy }, entry(d.revokeRequestedBy, 'revoke requested', d.revokeReason))) {
          out.push({ ...g, revokeRequestedBy: d.revokeRequestedBy, revokeReason: d.revokeReason });
          continue;
        }
      }
      out.push((await repo.support(g.id)) ?? g);
    }
    return out;
  }

  private async deciderProblem(client: CqlClient, g: SupportGrant, by: string): Promise<string | null> {
    if (by === g.requestedBy) return 'decided by the requester';
    if (SUPPORT_ROLE_PATTERN.test(by)) return 'decided by a support role';
    let roles: { role: string; super: boolean }[];
    try {
      roles = (await client.execute(`LIST ROLES OF ${existingRole(by)}`)).rows.map((r) => ({ role: String(r['role']), super: Boolean(r['super']) }));
    } catch (e) {
      // Gone, or this platform role may not DESCRIBE roles: either way the decision is not taken over.
      return `the deciding role ${by} could not be checked (${e instanceof Error ? e.message.slice(0, 120) : 'error'})`;
    }
    if (roles.some((r) => r.super || r.role === PLATFORM_ADMIN_ROLE)) return 'decided by a platform role';
    if (!roles.some((r) => r.role === tenantAdminRole(g.tenant))) return `${by} is not an admin of tenant ${g.tenant}`;
    return null;
  }

  async list(input: { cluster: string; tenant?: string | undefined }): Promise<SupportGrant[]> {
    const scope = this.scope(input.cluster);
    if (!scope.platform) return sortGrants(await this.tenantList(input.cluster, input.tenant!));
    const all = (await new AccessRepo(this.client(input.cluster)).supports()).filter((g) => input.tenant === undefined || g.tenant === input.tenant);
    return sortGrants(await this.syncDecisions(input.cluster, all));
  }

  /**
   * Activation, by the requester's platform console (DESIGN §2: a tenant admin cannot create
   * roles). Explicit rather than automatic: the password lands in the activator's keychain, so it
   * happens where and when the person who asked is ready to use it, and the window starts then.
   */
  async activate(input: { cluster: string; id: string }): Promise<SupportGrant> {
    const { cluster, id } = input;
    const me = this.scope(cluster).role;
    const client = this.client(cluster);
    const repo = new AccessRepo(client);
    let g = (await this.syncDecisions(cluster, [await this.row(cluster, id)]))[0]!;
    if (g.state === 'pending') throw new AppError('CONFLICT', `support request ${id} is still waiting for an admin of tenant ${g.tenant}`);
    if (g.state !== 'approved') throw new AppError('CONFLICT', `support request ${id} is ${g.state}; only an approved request can be activated`);
    if (g.requestedBy !== me) throw new AppError('FORBIDDEN', `tenant ${g.tenant} approved access for ${g.requestedBy}; only that operator may activate it`);
    if (g.decideBy !== null && Date.parse(g.decideBy) <= this.now().getTime()) throw new AppError('CONFLICT', `support request ${id} was not activated in time (by ${g.decideBy})`);
    // One window per operator and tenant at a time: a second would only extend the first.
    const open = (await repo.supports()).filter((x) => x.id !== id && x.tenant === g.tenant && x.requestedBy === me && (x.state === 'active' || x.state === 'activating'));
    if (open.length) throw new AppError('CONFLICT', `you already hold support window ${open[0]!.id} on tenant ${g.tenant}; revoke it first`);
    const t = await this.deps.tenants.registry(cluster).get(g.tenant);
    if (!t || t.state !== 'active') throw new AppError('CONFLICT', `tenant ${g.tenant} is ${t?.state ?? 'not registered'}; support access is for active tenants`);
    if (t.dataCenters.length === 0) throw new AppError('CONFLICT', `the registry records no data centres for tenant ${g.tenant}: a support role would not be pinned to any`);
    const role = supportRoleName(g.tenant);
    const at = this.now();
    const expires = addMinutes(at, g.minutes);
    // Claimed first, with the end time: a console that dies half-way leaves a row the sweep ends.
    if (!(await repo.moveSupport(id, 'approved', 'activating', { activated_by: me, activated_at: at, role, expires_at: expires }, entry(me, 'activating', role, at)))) throw new AppError('CONFLICT', `support request ${id} was activated or ended meanwhile`);
    const password = randomBytes(24).toString('base64url');
    try {
      await this.deps.secrets.set(supportSecretKey(g.tenant, id), password);
      await guard(`creating support role ${role}`, async () => {
        // Owned by the tenant in the registry: tenant deletion drops it, suspension locks it, and
        // the isolation scanner sees a tenant role inside its own tenant.
        await client.execute(`UPDATE ${REGISTRY} SET roles = roles + ? WHERE id = ?`, [[role], g.tenant], { prepare: true });
        await client.execute(createLoginRole(role, password, t.dataCenters));
        // Data keyspaces only, never the console keyspace, and never membership of the tenant's
        // admin role: the admin may write the tenant's support decisions, so a window that
        // inherited it could approve its holder's next window without the tenant's consent.
        const perms = g.readOnly ? 'SELECT' : 'SELECT, MODIFY';
        for (const ks of t.keyspaces) {
          if (ks === tenantConsoleKeyspace(g.tenant) || !isTenantKeyspace(g.tenant, ks)) continue;
          for (const p of perms.split(', ')) await client.execute(`GRANT ${p} ON KEYSPACE ${keyspace(ks)} TO ${newRole(role)}`);
        }
      });
    } catch (e) {
      await this.dropWindow(client, g.tenant, id, role).catch(() => undefined);
      await repo.moveSupport(id, 'activating', 'approved', { role: null, activated_by: null, activated_at: null, expires_at: null }, entry(me, 'activation failed', e instanceof Error ? e.message.slice(0, 200) : null));
      await this.publish(cluster, id);
      throw e;
    }
    if (!(await repo.moveSupport(id, 'activating', 'active', {}, entry(me, 'active', `until ${expires.toISOString()}`)))) {
      // Revoked or swept while the role was being made: the row says ended, so the role must not live on.
      await this.dropWindow(client, g.tenant, id, role).catch((e: unknown) => this.deps.logger.error('support role left after a lost activation', { cluster, id, role, error: e instanceof Error ? e.message : String(e) }));
      await this.publish(cluster, id).catch(() => undefined);
      throw new AppError('CONFLICT', `support request ${id} was revoked while it was being activated; its role was dropped`);
    }
    g = await this.publish(cluster, id);
    return g;
  }

  /** LOGIN off first (Cassandra refuses the next request of every open session), then the role goes. */
  private async dropWindow(client: CqlClient, tenant: string, id: string, role: string): Promise<void> {
    await guard(`revoking support role ${role}`, async () => {
      // Gone already (an earlier attempt, a tenant deletion): nothing to switch off.
      const gone = await client.execute(alterLogin(role, false)).then(
        () => false,
        (e: unknown) => {
          if (e instanceof Error && /doesn't exist|does not exist/i.test(e.message)) return true;
          throw e;
        },
      );
      if (!gone) await client.execute(dropRole(role));
      await client.execute(`UPDATE ${REGISTRY} SET roles = roles - ? WHERE id = ?`, [[role], tenant], { prepare: true });
    });
    await this.deps.secrets.delete(supportSecretKey(tenant, id)).catch(() => false);
  }

  private async end(cluster: string, g: SupportGrant, by: string, why: string, to: 'revoked' | 'expired'): Promise<boolean> {
    const client = this.client(cluster);
    const repo = new AccessRepo(client);
    if (g.role) await this.dropWindow(client, g.tenant, g.id, g.role);
    const at = this.now();
    const done = await repo.moveSupport(g.id, g.state, to, { revoked_by: by, revoked_at: at, revoke_reason: why }, entry(by, to, why, at));
    if (done) await this.publish(cluster, g.id);
    return done;
  }

  async revoke(input: { cluster: string; tenant: string; id: string; reason?: string | undefined }): Promise<SupportGrant> {
    const scope = this.scope(input.cluster);
    if (!scope.platform) {
      // A tenant admin cannot drop roles (DESIGN §2): the request is recorded on the tenant side and
      // the next platform sweep (every minute while a platform window runs, and at every platform
      // sign-in) drops the role.
      const g = await this.tenantView(input.cluster, input.tenant, input.id);
      if (g.state !== 'active' && g.state !== 'activating') throw new AppError('CONFLICT', `support request ${input.id} is ${g.state}; there is no open window to revoke`);
      if (!(await this.deps.tables.requestRevoke(this.client(input.cluster), input.tenant, input.id, scope.role, input.reason ?? null))) throw new AppError('CONFLICT', `revocation of ${input.id} was already requested`);
      return this.tenantView(input.cluster, input.tenant, input.id);
    }
    const g = await this.row(input.cluster, input.id, input.tenant);
    if (!['pending', 'approved', 'activating', 'active'].includes(g.state)) throw new AppError('CONFLICT', `support request ${input.id} is ${g.state} already`);
    if (!(await this.end(input.cluster, g, scope.role, input.reason ?? `revoked by ${scope.role}`, 'revoked'))) throw new AppError('CONFLICT', `support request ${input.id} changed meanwhile; list it again`);
    return (await new AccessRepo(this.client(input.cluster)).support(input.id))!;
  }

  /** The password, to the activator's CLI only: the renderer never receives it. */
  async credentials(input: { cluster: string; id: string }, host: HostKind): Promise<{ id: string; tenant: string; username: string; password: string; expiresAt: string }> {
    if (host !== 'cli') throw new AppError('FORBIDDEN', `support credentials are delivered by the CLI only (csm support credentials ${input.id} --cluster ${input.cluster} --out FILE)`);
    const me = this.scope(input.cluster).role;
    const g = await this.row(input.cluster, input.id);
    if (g.state !== 'active' || !g.role || !g.expiresAt) throw new AppError('CONFLICT', `support request ${input.id} is ${g.state}; there is no open window`);
    if (g.activatedBy !== me) throw new AppError('FORBIDDEN', `only ${g.activatedBy ?? 'the activator'}, who activated window ${input.id}, may fetch its password`);
    const password = await this.deps.secrets.get(supportSecretKey(g.tenant, g.id));
    if (!password) throw new AppError('NOT_FOUND', `the password of window ${input.id} is not in this console's keychain (it was activated from another installation)`);
    return { id: g.id, tenant: g.tenant, username: g.role, password, expiresAt: g.expiresAt };
  }

  /**
   * End what is due: windows past expires_at, windows a tenant admin asked to end, requests not
   * decided or activated in time. Not channel calls, so each end is written to the local audit here.
   */
  async sweep(cluster: string, only?: string): Promise<number> {
    const scope = this.deps.sessions.scopeOf(cluster);
    if (!scope?.platform) return 0;
    const repo = new AccessRepo(this.client(cluster));
    const now = this.now();
    const all = await this.syncDecisions(cluster, (await repo.supports()).filter((g) => ['pending', 'approved', 'activating', 'active'].includes(g.state)));
    const states = new Map<string, string>();
    const stateOf = async (tenant: string): Promise<string> => {
      if (!states.has(tenant)) states.set(tenant, (await this.deps.tenants.registry(cluster).get(tenant))?.state ?? 'deleted');
      return states.get(tenant)!;
    };
    let n = 0;
    for (const g of all) {
      if (only !== undefined && g.tenant !== only) continue;
      const d = sweepDecision(g, now, await stateOf(g.tenant));
      if (!d) continue;
      let outcome: 'ok' | 'error' = 'ok';
      let code: string | null = null;
      try {
        // A window that had a role is revoked (by the sweep, for its reason); a request that never opened one expires.
        const by = d.why.startsWith('revoked by tenant admin') && g.revokeRequestedBy ? g.revokeRequestedBy : `${scope.role} (sweep)`;
        if (await this.end(cluster, g, by, d.why, d.end === 'revoke' ? 'revoked' : 'expired')) {
          n++;
          this.deps.emit({ cluster, tenant: g.tenant, id: g.id, why: d.why });
        }
      } catch (e) {
        outcome = 'error';
        code = e instanceof AppError ? e.code : 'INTERNAL';
        this.deps.logger.warn('support sweep could not end a window', { id: g.id, error: e instanceof Error ? e.message : String(e) });
      }
      this.deps.audit({ at: new Date().toISOString(), host: this.deps.host, channel: 'support.sweep', operator: scope.role, tenant: g.tenant, input: { cluster, id: g.id, role: g.role, why: d.why, end: d.end }, outcome, errorCode: code });
    }
    return n;
  }
}
