import type { CqlClient } from '../cassandra/connections';
import { AppError } from '../app/errors';
import { fromDriverError } from '../cassandra/driver-errors';
import { existingRole, keyspace, qualified } from '../cassandra/identifiers';
import { tenantConsoleKeyspace } from '../../src-shared/rules/lifecycle';

/**
 * Pausing a tenant's writes for real (issues 10 and 11): MODIFY is revoked in Cassandra from
 * every tenant role that holds it on the tenant's keyspaces/tables, and the exact grants revoked
 * are recorded in csm_system so a thaw restores exactly those — no more, no fewer. Several reasons
 * may hold a freeze at once (storage quota enforcement, a migration's cut-over); the grants come
 * back only when the last reason is lifted. Every step is the caller's to audit.
 *
 * Scope: the tenant's data keyspaces as the registry lists them (csm_system.tenants.keyspaces),
 * not its console keyspace (tenant_<id>_csm: the console's own service role writes audit, config
 * and key rows there, which a freeze must not break). Every non-superuser role holding MODIFY
 * directly on one of those keyspaces or one of their tables loses it (the tenant's admin role —
 * which its users and service role inherit —, users with direct grants, support roles); superusers
 * cannot lose anything by a REVOKE and are left alone.
 *
 * Implemented by the quotas owner (issue 10); the migration (issue 11) uses it as is.
 */
export type FreezeReason = 'storage-quota' | 'migration' | 'restore';
const REASONS: readonly FreezeReason[] = ['storage-quota', 'migration', 'restore'];

export interface FreezeState {
  tenant: string;
  reasons: FreezeReason[];
  /** The grants revoked when the first reason froze the tenant: role, resource (CQL form), permission. */
  revoked: { role: string; resource: string; permission: 'MODIFY' }[];
  since: string | null;
}

export interface WriteFreeze {
  /** Add a reason; the first reason revokes MODIFY (idempotent: a second call with the same reason changes nothing). */
  freeze(client: CqlClient, tenant: string, reason: FreezeReason, by: string | null): Promise<FreezeState>;
  /** Lift a reason; when none is left the recorded grants are restored exactly. */
  thaw(client: CqlClient, tenant: string, reason: FreezeReason, by: string | null): Promise<FreezeState>;
  state(client: CqlClient, tenant: string): Promise<FreezeState>;
}

/** What the storage sweep needs on top: MODIFY granted again during a freeze is revoked again (and recorded, so a thaw restores it too). */
export interface WriteFreezeEnforcer extends WriteFreeze {
  /** Frozen tenants only: revoke MODIFY found again on the tenant's resources; returns the grants it revoked now. */
  reapply(client: CqlClient, tenant: string, by: string | null): Promise<FreezeState['revoked']>;
}

type Grant = FreezeState['revoked'][number];

const SYS = keyspace('csm_system');
// localQuorum (the driver's enum stays in src-main/cassandra/).
const Q = { prepare: true, consistency: 0x06 } as const;

async function run<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw fromDriverError(e, what);
  }
}

/** system_auth form ("data/ks", "data/ks/t") → CQL form ("<keyspace ks>", "<table ks.t>") as LIST PERMISSIONS prints it. */
export function cqlResource(authResource: string): string | null {
  const m = /^data\/([a-z][a-z0-9_]{0,47})(?:\/([A-Za-z0-9_]{1,48}))?$/.exec(authResource);
  if (!m) return null;
  return m[2] === undefined ? `<keyspace ${m[1]}>` : `<table ${m[1]}.${m[2]}>`;
}

/** "<keyspace ks>" / "<table ks.t>" → the quoted GRANT/REVOKE clause, through identifiers.ts. */
function clause(resource: string): string {
  let m: RegExpExecArray | null;
  if ((m = /^<keyspace ([a-z][a-z0-9_]{0,47})>$/.exec(resource))) return `KEYSPACE ${keyspace(m[1]!)}`;
  if ((m = /^<table ([a-z][a-z0-9_]{0,47})\.([a-z][a-z0-9_]{0,47})>$/.exec(resource))) return `TABLE ${qualified(m[1]!, m[2]!)}`;
  throw new AppError('BAD_INPUT', `not a keyspace or table resource: ${JSON.stringify(resource.slice(0, 80))}`);
}

const key = (g: Grant): string => `${g.role}\u0000${g.resource}`;

function parseRevoked(text: unknown): Grant[] {
  if (typeof text !== 'string' || text === '') return [];
  try {
    const v = JSON.parse(text) as unknown;
    if (!Array.isArray(v)) return [];
    return v.filter((g): g is Grant => typeof g === 'object' && g !== null && typeof (g as Grant).role === 'string' && typeof (g as Grant).resource === 'string').map((g) => ({ role: g.role, resource: g.resource, permission: 'MODIFY' as const }));
  } catch {
    return [];
  }
}

async function readState(client: CqlClient, tenant: string): Promise<FreezeState> {
  return run(`reading the write freeze of ${tenant}`, async () => {
    const r = (await client.execute(`SELECT reasons, revoked, since FROM ${SYS}.write_freezes WHERE tenant_id = ?`, [tenant], Q)).rows[0];
    if (!r) return { tenant, reasons: [], revoked: [], since: null };
    const reasons = ((r['reasons'] as string[] | null) ?? []).filter((x): x is FreezeReason => (REASONS as readonly string[]).includes(x)).sort();
    return { tenant, reasons, revoked: parseRevoked(r['revoked']), since: r['since'] instanceof Date ? r['since'].toISOString() : null };
  });
}

async function writeState(client: CqlClient, s: FreezeState, by: string | null): Promise<void> {
  await run(`recording the write freeze of ${s.tenant}`, () =>
    client.execute(`INSERT INTO ${SYS}.write_freezes (tenant_id, reasons, revoked, since, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?)`, [s.tenant, s.reasons, JSON.stringify(s.revoked), s.since ? new Date(s.since) : null, by, new Date()], Q),
  );
}

/** The tenant's data keyspaces from the registry (never guessed by name prefix). */
async function dataKeyspaces(client: CqlClient, tenant: string): Promise<Set<string>> {
  return run(`reading the keyspaces of ${tenant}`, async () => {
    const r = (await client.execute(`SELECT keyspaces FROM ${SYS}.tenants WHERE id = ?`, [tenant], Q)).rows[0];
    if (!r) throw new AppError('NOT_FOUND', `tenant ${tenant} is not registered on this cluster`);
    const all = (r['keyspaces'] as string[] | null) ?? [];
    return new Set(all.filter((k) => k !== tenantConsoleKeyspace(tenant)));
  });
}

/** Every (role, resource) where a non-superuser role holds MODIFY directly on the tenant's data keyspaces or their tables. */
export async function modifyGrants(client: CqlClient, tenant: string): Promise<Grant[]> {
  const keyspaces = await dataKeyspaces(client, tenant);
  return run('reading system_auth.role_permissions', async () => {
    const supers = new Set<string>();
    for await (const r of await client.execute('SELECT role, is_superuser FROM system_auth.roles', [], { fetchSize: 1000 })) if (r['is_superuser'] === true) supers.add(String(r['role']));
    const out: Grant[] = [];
    for await (const r of await client.execute('SELECT role, resource, permissions FROM system_auth.role_permissions', [], { fetchSize: 1000 })) {
      const role = String(r['role']);
      const perms = (r['permissions'] as string[] | null) ?? [];
      if (supers.has(role) || !perms.includes('MODIFY')) continue;
      const resource = cqlResource(String(r['resource']));
      if (!resource) continue;
      const ks = /^<(?:keyspace|table) ([a-z0-9_]+)/.exec(resource)?.[1];
      if (ks && keyspaces.has(ks)) out.push({ role, resource, permission: 'MODIFY' });
    }
    return out.sort((a, b) => a.role.localeCompare(b.role) || a.resource.localeCompare(b.resource));
  });
}

async function revoke(client: CqlClient, g: Grant): Promise<void> {
  await run(`revoking MODIFY on ${g.resource} from ${g.role}`, () => client.execute(`REVOKE MODIFY ON ${clause(g.resource)} FROM ${existingRole(g.role)}`));
}

/** Restore one grant; a role or table dropped during the freeze has nothing to restore (reported, not fatal). */
async function restore(client: CqlClient, g: Grant): Promise<boolean> {
  try {
    await client.execute(`GRANT MODIFY ON ${clause(g.resource)} TO ${existingRole(g.role)}`);
    return true;
  } catch (e) {
    const m = e instanceof Error ? e.message : String(e);
    if (/doesn't exist|does not exist|not found|unconfigured/i.test(m)) return false;
    throw fromDriverError(e, `restoring MODIFY on ${g.resource} to ${g.role}`);
  }
}

export function writeFreeze(): WriteFreezeEnforcer {
  const self: WriteFreezeEnforcer = {
    state: (client, tenant) => readState(client, tenant),

    async freeze(client, tenant, reason, by) {
      if (!REASONS.includes(reason)) throw new AppError('BAD_INPUT', `unknown freeze reason ${JSON.stringify(String(reason).slice(0, 40))}`);
      const cur = await readState(client, tenant);
      if (cur.reasons.includes(reason)) return cur;
      if (cur.reasons.length > 0) {
        const next: FreezeState = { ...cur, reasons: [...cur.reasons, reason].sort() };
        await writeState(client, next, by);
        return next;
      }
      const grants = await modifyGrants(client, tenant);
      // Recorded before the first REVOKE: a crash half-way leaves a record a thaw restores from
      // (granting back a permission that was never taken changes nothing).
      const next: FreezeState = { tenant, reasons: [reason], revoked: grants, since: new Date().toISOString() };
      await writeState(client, next, by);
      for (const g of grants) await revoke(client, g);
      return next;
    },

    async thaw(client, tenant, reason, by) {
      const cur = await readState(client, tenant);
      if (!cur.reasons.includes(reason)) return cur;
      const left = cur.reasons.filter((r) => r !== reason);
      if (left.length > 0) {
        const next = { ...cur, reasons: left };
        await writeState(client, next, by);
        return next;
      }
      for (const g of cur.revoked) await restore(client, g);
      await run(`ending the write freeze of ${tenant}`, () => client.execute(`DELETE FROM ${SYS}.write_freezes WHERE tenant_id = ?`, [tenant], Q));
      return { tenant, reasons: [], revoked: [], since: null };
    },

    async reapply(client, tenant, by) {
      const cur = await readState(client, tenant);
      if (cur.reasons.length === 0) return [];
      const found = await modifyGrants(client, tenant);
      if (found.length === 0) return [];
      const known = new Set(cur.revoked.map(key));
      const revoked = [...cur.revoked, ...found.filter((g) => !known.has(key(g)))];
      await writeState(client, { ...cur, revoked }, by);
      for (const g of found) await revoke(client, g);
      return found;
    },
  };
  return self;
}
