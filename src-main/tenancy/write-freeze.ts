import type { CqlClient } from '../cassandra/connections';
import { AppError } from '../app/errors';
import { fromDriverError } from '../cassandra/driver-errors';
import { existingRole, existingTable, keyspace } from '../cassandra/identifiers';
import { tenantConsoleKeyspace } from '../../src-shared/rules/lifecycle';

/**
 * Pausing a tenant's writes for real (issues 10 and 11): MODIFY is revoked in Cassandra from
 * every tenant role that holds it on the tenant's keyspaces/tables, and CREATE on the tenant's
 * keyspaces (a frozen tenant creating a table would own ALL on it and write there), and the exact grants revoked
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
 * Concurrency: several consoles (and the quotas sweep and a migration in one console) act on the
 * same record, so every change is a lightweight transaction on what was read — first freeze
 * INSERT IF NOT EXISTS, a further reason `reasons + {r}` IF EXISTS, a thaw `reasons - {r}` IF reasons
 * = <read>, the end DELETE IF reasons = {} AND revoked = <read>, a re-application `revoked = …` IF
 * revoked = <read> — retried on a lost race. After revoking, the record is read again: if a thaw
 * ended (or is ending) the freeze meanwhile, what was just revoked is granted back.
 *
 * One REVOKE or GRANT that fails (a role or table name Cassandra refuses, a dropped role) does not
 * stop the others: it is reported in `failed`.
 *
 * Implemented by the quotas owner (issue 10); the migration (issue 11) uses it as is.
 */
export type FreezeReason = 'storage-quota' | 'migration' | 'restore';
const REASONS: readonly FreezeReason[] = ['storage-quota', 'migration', 'restore'];

export type FreezePermission = 'MODIFY' | 'CREATE';

export interface FreezeGrant {
  role: string;
  /** CQL form as LIST PERMISSIONS prints it: "<keyspace ks>", "<table ks.t>". */
  resource: string;
  permission: FreezePermission;
}

export interface FailedGrant extends FreezeGrant {
  error: string;
}

export interface FreezeState {
  tenant: string;
  reasons: FreezeReason[];
  /** The grants revoked while frozen (first reason, and every re-application since): role, resource (CQL form), permission. */
  revoked: FreezeGrant[];
  since: string | null;
  /** Grants this call could not revoke (freeze) or restore (thaw): the others were done; a thaw keeps these on record to retry. */
  failed?: FailedGrant[];
}

export interface WriteFreeze {
  /**
   * Add a reason; the first reason revokes MODIFY (and CREATE on the keyspaces). Called again with a
   * reason already held, it re-applies: whatever was granted (or created) since is revoked and recorded.
   */
  freeze(client: CqlClient, tenant: string, reason: FreezeReason, by: string | null): Promise<FreezeState>;
  /** Lift a reason; when none is left the recorded grants are restored exactly. */
  thaw(client: CqlClient, tenant: string, reason: FreezeReason, by: string | null): Promise<FreezeState>;
  state(client: CqlClient, tenant: string): Promise<FreezeState>;
}

export interface Reapplied {
  /** Grants found again (or new: a table created since) and revoked now. */
  revoked: FreezeGrant[];
  failed: FailedGrant[];
}

/** What the storage sweep needs on top: MODIFY granted again during a freeze is revoked again (and recorded, so a thaw restores it too). */
export interface WriteFreezeEnforcer extends WriteFreeze {
  /** Frozen tenants only: revoke MODIFY/CREATE found again on the tenant's resources. */
  reapply(client: CqlClient, tenant: string, by: string | null): Promise<Reapplied>;
}

type Grant = FreezeGrant;

const SYS = keyspace('csm_system');
// LOCAL_QUORUM / LOCAL_SERIAL (the driver's enums stay in src-main/cassandra/).
const Q = { prepare: true, consistency: 0x06 } as const;
const LWT = { prepare: true, consistency: 0x06, serialConsistency: 0x09 } as const;
const SERIAL_READ = { prepare: true, consistency: 0x09 } as const;
const TRIES = 12;

async function run<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw fromDriverError(e, what);
  }
}

const applied = (rs: { rows: Record<string, unknown>[] }): boolean => rs.rows[0]?.['[applied]'] === true;
const backoff = (attempt: number): Promise<void> => new Promise((r) => setTimeout(r, 10 + Math.floor(Math.random() * 20 * (attempt + 1))));
const lostRaces = (tenant: string): AppError => new AppError('CONFLICT', `the write freeze of ${tenant} kept changing under this console (${TRIES} attempts); try again`);

/** system_auth form ("data/ks", "data/ks/t") → CQL form ("<keyspace ks>", "<table ks.t>") as LIST PERMISSIONS prints it. */
export function cqlResource(authResource: string): string | null {
  const m = /^data\/([a-z][a-z0-9_]{0,47})(?:\/([A-Za-z0-9_]{1,48}))?$/.exec(authResource);
  if (!m) return null;
  return m[2] === undefined ? `<keyspace ${m[1]}>` : `<table ${m[1]}.${m[2]}>`;
}

/** "<keyspace ks>" / "<table ks.t>" → the quoted GRANT/REVOKE clause, through identifiers.ts (tables a tenant created may be mixed-case). */
export function resourceClause(resource: string): string {
  let m: RegExpExecArray | null;
  if ((m = /^<keyspace ([a-z][a-z0-9_]{0,47})>$/.exec(resource))) return `KEYSPACE ${keyspace(m[1]!)}`;
  if ((m = /^<table ([a-z][a-z0-9_]{0,47})\.([A-Za-z0-9_]{1,48})>$/.exec(resource))) return `TABLE ${keyspace(m[1]!)}.${existingTable(m[2]!)}`;
  throw new AppError('BAD_INPUT', `not a keyspace or table resource: ${JSON.stringify(resource.slice(0, 80))}`);
}

const key = (g: Grant): string => `${g.role}\u0000${g.resource}\u0000${g.permission}`;

export function parseRevoked(text: unknown): Grant[] {
  if (typeof text !== 'string' || text === '') return [];
  try {
    const v = JSON.parse(text) as unknown;
    if (!Array.isArray(v)) return [];
    return v
      .filter((g): g is Grant => typeof g === 'object' && g !== null && typeof (g as Grant).role === 'string' && typeof (g as Grant).resource === 'string')
      // Records written before CREATE was taken carry MODIFY only.
      .map((g) => ({ role: g.role, resource: g.resource, permission: g.permission === 'CREATE' ? ('CREATE' as const) : ('MODIFY' as const) }));
  } catch {
    return [];
  }
}

interface Stored {
  exists: boolean;
  state: FreezeState;
  /** As stored, for compare-and-set. */
  rawReasons: string[];
  rawRevoked: string | null;
}

async function readStored(client: CqlClient, tenant: string): Promise<Stored> {
  return run(`reading the write freeze of ${tenant}`, async () => {
    // SERIAL: sees every committed (and completes any in-flight) lightweight transaction.
    const r = (await client.execute(`SELECT reasons, revoked, since FROM ${SYS}.write_freezes WHERE tenant_id = ?`, [tenant], SERIAL_READ)).rows[0];
    if (!r) return { exists: false, state: { tenant, reasons: [], revoked: [], since: null }, rawReasons: [], rawRevoked: null };
    const rawReasons = ((r['reasons'] as string[] | null) ?? []).map(String);
    const reasons = rawReasons.filter((x): x is FreezeReason => (REASONS as readonly string[]).includes(x)).sort();
    const rawRevoked = typeof r['revoked'] === 'string' ? r['revoked'] : null;
    return { exists: true, state: { tenant, reasons, revoked: parseRevoked(rawRevoked), since: r['since'] instanceof Date ? r['since'].toISOString() : null }, rawReasons, rawRevoked };
  });
}

async function readState(client: CqlClient, tenant: string): Promise<FreezeState> {
  return (await readStored(client, tenant)).state;
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

/**
 * Every (role, resource, permission) where a non-superuser role holds, directly, MODIFY on the
 * tenant's data keyspaces or their tables, or CREATE on those keyspaces.
 */
export async function freezableGrants(client: CqlClient, tenant: string): Promise<Grant[]> {
  const keyspaces = await dataKeyspaces(client, tenant);
  return run('reading system_auth.role_permissions', async () => {
    const supers = new Set<string>();
    for await (const r of await client.execute('SELECT role, is_superuser FROM system_auth.roles', [], { fetchSize: 1000 })) if (r['is_superuser'] === true) supers.add(String(r['role']));
    const out: Grant[] = [];
    for await (const r of await client.execute('SELECT role, resource, permissions FROM system_auth.role_permissions', [], { fetchSize: 1000 })) {
      const role = String(r['role']);
      if (supers.has(role)) continue;
      const perms = (r['permissions'] as string[] | null) ?? [];
      const resource = cqlResource(String(r['resource']));
      if (!resource) continue;
      const ks = /^<(?:keyspace|table) ([a-z0-9_]+)/.exec(resource)?.[1];
      if (!ks || !keyspaces.has(ks)) continue;
      if (perms.includes('MODIFY')) out.push({ role, resource, permission: 'MODIFY' });
      if (perms.includes('CREATE') && resource.startsWith('<keyspace ')) out.push({ role, resource, permission: 'CREATE' });
    }
    return out.sort((a, b) => a.role.localeCompare(b.role) || a.resource.localeCompare(b.resource) || a.permission.localeCompare(b.permission));
  });
}

/** Kept for callers of the earlier name: now MODIFY and CREATE. */
export const modifyGrants = freezableGrants;

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e)).slice(0, 300);

/** Revoke each; one failure does not stop the others. */
async function revokeAll(client: CqlClient, grants: Grant[]): Promise<FailedGrant[]> {
  const failed: FailedGrant[] = [];
  for (const g of grants) {
    try {
      await client.execute(`REVOKE ${g.permission} ON ${resourceClause(g.resource)} FROM ${existingRole(g.role)}`);
    } catch (e) {
      failed.push({ ...g, error: message(e) });
    }
  }
  return failed;
}

/** Restore each; a role or table dropped during the freeze has nothing to restore (not a failure); any other error is reported and the rest carry on. */
async function restoreAll(client: CqlClient, grants: Grant[]): Promise<FailedGrant[]> {
  const failed: FailedGrant[] = [];
  for (const g of grants) {
    try {
      await client.execute(`GRANT ${g.permission} ON ${resourceClause(g.resource)} TO ${existingRole(g.role)}`);
    } catch (e) {
      const m = message(e);
      if (/doesn't exist|does not exist|not found|unconfigured/i.test(m)) continue;
      failed.push({ ...g, error: m });
    }
  }
  return failed;
}

function merge(a: Grant[], b: Grant[]): Grant[] {
  const seen = new Set(a.map(key));
  return [...a, ...b.filter((g) => !seen.has(key(g)) && seen.add(key(g)))];
}

export function writeFreeze(): WriteFreezeEnforcer {
  /**
   * After revoking on behalf of the freeze that began at `since`: if that freeze ended meanwhile
   * (record gone, replaced, or no reason left — a thaw is restoring), grant back what we just took.
   */
  async function undoIfThawed(client: CqlClient, tenant: string, since: string | null, took: Grant[]): Promise<void> {
    if (took.length === 0) return;
    const now = await readStored(client, tenant);
    if (now.exists && now.state.since === since && now.state.reasons.length > 0) return;
    await restoreAll(client, took);
  }

  async function reapplyOnce(client: CqlClient, tenant: string, by: string | null): Promise<Reapplied & { state: FreezeState }> {
    for (let attempt = 0; attempt < TRIES; attempt++) {
      const cur = await readStored(client, tenant);
      if (!cur.exists || cur.state.reasons.length === 0) return { revoked: [], failed: [], state: cur.state };
      const found = await freezableGrants(client, tenant);
      if (found.length === 0) return { revoked: [], failed: [], state: cur.state };
      const revoked = merge(cur.state.revoked, found);
      if (revoked.length !== cur.state.revoked.length) {
        // Recorded before the REVOKE (a crash half-way leaves a record a thaw restores from).
        const ok = applied(
          await run(`recording the write freeze of ${tenant}`, () =>
            client.execute(`UPDATE ${SYS}.write_freezes SET revoked = ?, updated_by = ?, updated_at = ? WHERE tenant_id = ? IF revoked = ?`, [JSON.stringify(revoked), by, new Date(), tenant, cur.rawRevoked], LWT),
          ),
        );
        if (!ok) {
          await backoff(attempt);
          continue;
        }
      }
      const failed = await revokeAll(client, found);
      await undoIfThawed(client, tenant, cur.state.since, found.filter((g) => !failed.some((f) => key(f) === key(g))));
      return { revoked: found, failed, state: { ...cur.state, revoked } };
    }
    throw lostRaces(tenant);
  }

  const self: WriteFreezeEnforcer = {
    state: (client, tenant) => readState(client, tenant),

    async freeze(client, tenant, reason, by) {
      if (!REASONS.includes(reason)) throw new AppError('BAD_INPUT', `unknown freeze reason ${JSON.stringify(String(reason).slice(0, 40))}`);
      for (let attempt = 0; attempt < TRIES; attempt++) {
        const cur = await readStored(client, tenant);
        if (!cur.exists) {
          const grants = await freezableGrants(client, tenant);
          const since = new Date();
          const ok = applied(
            await run(`recording the write freeze of ${tenant}`, () =>
              client.execute(`INSERT INTO ${SYS}.write_freezes (tenant_id, reasons, revoked, since, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?) IF NOT EXISTS`, [tenant, [reason], JSON.stringify(grants), since, by, since], LWT),
            ),
          );
          if (!ok) {
            await backoff(attempt);
            continue;
          }
          // Recorded before the first REVOKE: a crash half-way leaves a record a thaw restores from
          // (granting back a permission that was never taken changes nothing).
          const failed = await revokeAll(client, grants);
          await undoIfThawed(client, tenant, since.toISOString(), grants.filter((g) => !failed.some((f) => key(f) === key(g))));
          return { tenant, reasons: [reason], revoked: grants, since: since.toISOString(), failed };
        }
        if (!cur.state.reasons.includes(reason)) {
          const ok = applied(
            await run(`recording the write freeze of ${tenant}`, () =>
              client.execute(`UPDATE ${SYS}.write_freezes SET reasons = reasons + ?, updated_by = ?, updated_at = ? WHERE tenant_id = ? IF EXISTS`, [[reason], by, new Date(), tenant], LWT),
            ),
          );
          if (!ok) {
            await backoff(attempt);
            continue;
          }
        }
        // Already frozen (for this or another reason), or a thaw was under way: whatever is held
        // now (granted or created since, or restored by that thaw) is revoked and recorded.
        const r = await reapplyOnce(client, tenant, by);
        const now = await readState(client, tenant);
        return { ...now, failed: r.failed };
      }
      throw lostRaces(tenant);
    },

    async thaw(client, tenant, reason, by) {
      let lifted = false;
      for (let attempt = 0; attempt < TRIES; attempt++) {
        const cur = await readStored(client, tenant);
        if (!cur.exists) return cur.state;
        if (cur.state.reasons.length > 0 && lifted) {
          // Our reason is gone and grants were restored, but another reason froze the tenant
          // meanwhile: that freeze holds, so what was restored is revoked again.
          await reapplyOnce(client, tenant, by);
          return readState(client, tenant);
        }
        if (cur.state.reasons.length > 0) {
          if (!cur.state.reasons.includes(reason)) return cur.state;
          const ok = applied(
            await run(`lifting ${reason} from the write freeze of ${tenant}`, () =>
              client.execute(`UPDATE ${SYS}.write_freezes SET reasons = reasons - ?, updated_by = ?, updated_at = ? WHERE tenant_id = ? IF reasons = ?`, [[reason], by, new Date(), tenant, cur.rawReasons], LWT),
            ),
          );
          if (!ok) {
            await backoff(attempt);
            continue;
          }
          const left = cur.state.reasons.filter((r) => r !== reason);
          if (left.length > 0) return { ...cur.state, reasons: left };
        }
        // No reason left (now, or a thaw that stopped half-way): restore what the record lists.
        const last = await readStored(client, tenant);
        if (!last.exists) return last.state;
        if (last.state.reasons.length > 0) {
          // Frozen again meanwhile: that freeze holds; anything restored under it is revoked again.
          await reapplyOnce(client, tenant, by);
          return readState(client, tenant);
        }
        lifted = true;
        const failed = await restoreAll(client, last.state.revoked);
        if (failed.length > 0) {
          // Keep on record what could not be restored: the next thaw (any reason) retries it.
          const keep: Grant[] = failed.map(({ role, resource, permission }) => ({ role, resource, permission }));
          await run(`recording the write freeze of ${tenant}`, () =>
            client.execute(`UPDATE ${SYS}.write_freezes SET revoked = ?, updated_by = ?, updated_at = ? WHERE tenant_id = ? IF reasons = ? AND revoked = ?`, [JSON.stringify(keep), by, new Date(), tenant, [], last.rawRevoked], LWT),
          );
          return { ...last.state, revoked: keep, failed };
        }
        const ended = applied(
          await run(`ending the write freeze of ${tenant}`, () => client.execute(`DELETE FROM ${SYS}.write_freezes WHERE tenant_id = ? IF reasons = ? AND revoked = ?`, [tenant, [], last.rawRevoked], LWT)),
        );
        if (ended) return { tenant, reasons: [], revoked: [], since: null, failed: [] };
        // Re-applied or frozen again meanwhile: read again and finish (or re-apply) from there.
        await backoff(attempt);
      }
      throw lostRaces(tenant);
    },

    async reapply(client, tenant, by) {
      const { revoked, failed } = await reapplyOnce(client, tenant, by);
      return { revoked, failed };
    },
  };
  return self;
}
