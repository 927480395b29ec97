import type { CqlClient } from '../../cassandra/connections';
import { fromDriverError } from '../../cassandra/driver-errors';
import { newRole, qualified } from '../../cassandra/identifiers';
import type { TableCheck, VerificationReport } from '../../../src-shared/contract/portability';
import { isTenantKeyspace, tenantConsoleKeyspace } from '../../../src-shared/rules/lifecycle';
import { TenantRegistry } from '../../tenancy/registry';
import { TableDigest } from './digest';
import { normalizeResource, selectAllCql, type TableShape } from './import-cql';
import { CERTS_TABLE, CONFIG_TABLE, isTenantRole, mapResource, mergeGrants, renamer, type PlannedGrant } from './import-plan';

/**
 * Verification (issue 11 item 2): the same comparison whether the source is a bundle's manifest
 * or a live tenant — per-table row counts and order-independent digests (core/digest.ts, paged
 * reads), the tenant roles' grants as sets after id mapping, configuration, certificate counts.
 * `ok` only when everything matches.
 */

export interface TableFigure {
  keyspace: string;
  table: string;
  rows: number;
  digest: string;
}

const PAGE = 1000;

async function guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw fromDriverError(e, what);
  }
}

/** Paged read of one table, digested exactly as the export digests it (every column of the shape). */
export async function digestTable(client: CqlClient, ks: string, shape: TableShape, signal?: AbortSignal): Promise<TableFigure> {
  return guard(`reading ${ks}.${shape.table}`, async () => {
    const d = new TableDigest();
    const cols = shape.columns.map((c) => c.name);
    for await (const r of await client.execute(selectAllCql(ks, shape), [], { prepare: true, fetchSize: PAGE })) {
      if (signal?.aborted) throw new Error('cancelled');
      d.add(r as Record<string, unknown>, cols);
    }
    return { keyspace: ks, table: shape.table, rows: d.rows, digest: d.hex() };
  });
}

/** The tenant's keyspaces on a cluster (by name; the console keyspace included). */
export async function tenantKeyspacesLive(client: CqlClient, tenant: string): Promise<string[]> {
  return guard(`listing the keyspaces of ${tenant}`, async () => {
    const out: string[] = [];
    for await (const r of await client.execute('SELECT keyspace_name FROM system_schema.keyspaces', [], { fetchSize: 5000 })) {
      const ks = String(r['keyspace_name']);
      if (isTenantKeyspace(tenant, ks)) out.push(ks);
    }
    return out.sort();
  });
}

/** Table shapes of a keyspace from system_schema (what a live comparison digests). */
export async function shapesOf(client: CqlClient, ks: string): Promise<TableShape[]> {
  return guard(`reading the schema of ${ks}`, async () => {
    const rs = await client.execute('SELECT table_name, column_name, kind, position, type, clustering_order FROM system_schema.columns WHERE keyspace_name = ?', [ks], { prepare: true });
    const by = new Map<string, Record<string, unknown>[]>();
    for (const c of rs.rows) by.set(String(c['table_name']), [...(by.get(String(c['table_name'])) ?? []), c as Record<string, unknown>]);
    const out: TableShape[] = [];
    for (const [table, cs] of [...by].sort(([a], [b]) => a.localeCompare(b))) {
      const ordered = (kind: string) => cs.filter((c) => c['kind'] === kind).sort((a, b) => Number(a['position']) - Number(b['position']));
      out.push({
        table,
        columns: cs.map((c) => ({ name: String(c['column_name']), type: String(c['type']) })).sort((a, b) => a.name.localeCompare(b.name)),
        partitionKey: ordered('partition_key').map((c) => String(c['column_name'])),
        clustering: ordered('clustering').map((c) => ({ name: String(c['column_name']), order: String(c['clustering_order']).toLowerCase() === 'desc' ? ('DESC' as const) : ('ASC' as const) })),
        statics: cs.filter((c) => c['kind'] === 'static').map((c) => String(c['column_name'])),
      });
    }
    return out;
  });
}

/** The tenant's roles on a cluster: admin, auditor, service, users. */
export async function tenantRolesLive(client: CqlClient, tenant: string): Promise<string[]> {
  return guard(`listing the roles of ${tenant}`, async () => {
    // The exact role rules: tenant ab does not pick up tenant ab_u_x's roles (tenant_ab_u_x_admin).
    const others = (await new TenantRegistry(client).all()).map((t) => t.id);
    return (await client.execute('LIST ROLES')).rows
      .map((r) => String(r['role']))
      .filter((r) => isTenantRole(tenant, r, others))
      .sort();
  });
}

/** Grants held directly by the given roles (NORECURSIVE still lists inherited rows under the granting role: only each role's own rows count). */
export async function grantsLive(client: CqlClient, roles: readonly string[]): Promise<PlannedGrant[]> {
  return guard('reading tenant grants', async () => {
    const mine = new Set(roles);
    const rows: PlannedGrant[] = [];
    for (const role of roles) {
      const rs = await client.execute(`LIST ALL PERMISSIONS OF ${newRole(role)} NORECURSIVE`);
      for (const p of rs.rows ?? []) {
        const r = String(p['role']);
        if (!mine.has(r)) continue;
        rows.push({ role: r, resource: normalizeResource(String(p['resource'])), permissions: [String(p['permission'])] });
      }
    }
    return mergeGrants(rows);
  });
}

export async function countRows(client: CqlClient, ks: string, table: string): Promise<number> {
  return guard(`counting ${ks}.${table}`, async () => {
    let n = 0;
    for await (const _r of await client.execute(`SELECT * FROM ${qualified(ks, table)}`, [], { fetchSize: PAGE })) n++;
    return n;
  }).catch((e: unknown) => {
    // A tenant provisioned before certificates existed has no table: none.
    if (e instanceof Error && /unconfigured table|does not exist/i.test(e.message)) return 0;
    throw e;
  });
}

export async function certificateCount(client: CqlClient, tenant: string): Promise<number> {
  return countRows(client, tenantConsoleKeyspace(tenant), CERTS_TABLE);
}

/** Table checks: source figures (already mapped to target keyspace names) against target figures. */
export function compareTables(source: readonly TableFigure[], target: readonly TableFigure[]): TableCheck[] {
  const key = (t: { keyspace: string; table: string }) => `${t.keyspace}.${t.table}`;
  const tgt = new Map(target.map((t) => [key(t), t]));
  const src = new Map(source.map((t) => [key(t), t]));
  const names = [...new Set([...src.keys(), ...tgt.keys()])].sort();
  return names.map((n) => {
    const s = src.get(n);
    const t = tgt.get(n);
    const [keyspace, table] = [(s ?? t)!.keyspace, (s ?? t)!.table];
    return {
      keyspace,
      table,
      sourceRows: s?.rows ?? null,
      targetRows: t?.rows ?? null,
      sourceDigest: s?.digest ?? null,
      targetDigest: t?.digest ?? null,
      ok: s !== undefined && t !== undefined && s.rows === t.rows && s.digest === t.digest,
    };
  });
}

/** Grants as sets of (role, resource, permission) after mapping; one line per (role, resource, side). */
export function compareGrants(source: readonly PlannedGrant[], target: readonly PlannedGrant[]): { grants: VerificationReport['grants']; equal: boolean } {
  const flat = (gs: readonly PlannedGrant[]) => new Set(gs.flatMap((g) => g.permissions.map((p) => `${g.role}\u0000${g.resource}\u0000${p}`)));
  const s = flat(source);
  const t = flat(target);
  const lines = new Map<string, { role: string; resource: string; permissions: string[]; side: 'both' | 'source' | 'target' }>();
  for (const k of new Set([...s, ...t])) {
    const [role, resource, perm] = k.split('\u0000') as [string, string, string];
    const side = s.has(k) && t.has(k) ? 'both' : s.has(k) ? 'source' : 'target';
    const lk = `${role}\u0000${resource}\u0000${side}`;
    const cur = lines.get(lk) ?? { role, resource, permissions: [], side };
    cur.permissions.push(perm);
    lines.set(lk, cur);
  }
  const grants = [...lines.values()].map((g) => ({ ...g, permissions: g.permissions.sort() })).sort((a, b) => a.role.localeCompare(b.role) || a.resource.localeCompare(b.resource) || a.side.localeCompare(b.side));
  return { grants, equal: grants.every((g) => g.side === 'both') };
}

/** Map a live source tenant's grants to the target id; one the mapping refuses stays as it was (and cannot match). */
export function mapGrants(grants: readonly PlannedGrant[], source: string, target: string): PlannedGrant[] {
  const rename = renamer(source, target);
  return mergeGrants(
    grants.map((g) => {
      let resource = g.resource;
      try {
        resource = mapResource(g.resource, source, target);
      } catch {
        // kept unmapped: it shows as a source-only line
      }
      return { role: rename(g.role) ?? g.role, resource, permissions: g.permissions };
    }),
  );
}

export function buildReport(parts: { tables: TableCheck[]; grants: { grants: VerificationReport['grants']; equal: boolean }; configEqual: boolean; certificates: { source: number; target: number }; notes: string[]; newTenantId?: boolean }): VerificationReport {
  const tablesOk = parts.tables.every((t) => t.ok);
  // Under a new tenant id the source's keys and CA do not come along (a CA key shared by two
  // tenants would break their isolation): the new tenant has its own CA and no certificates yet.
  const certsOk = parts.newTenantId === true || parts.certificates.source === parts.certificates.target;
  const notes = [...parts.notes];
  if (!tablesOk) notes.push(`${parts.tables.filter((t) => !t.ok).length} table(s) differ`);
  if (!parts.grants.equal) notes.push(`${parts.grants.grants.filter((g) => g.side !== 'both').length} grant line(s) differ`);
  if (parts.newTenantId === true && parts.certificates.source !== parts.certificates.target) {
    notes.push(`certificates: ${parts.certificates.source} at the source are not carried to a new tenant id (the new tenant has its own keys and CA; issue new certificates from it)`);
  } else if (!certsOk) notes.push(`certificates: ${parts.certificates.source} at the source, ${parts.certificates.target} at the target`);
  return {
    ok: tablesOk && parts.grants.equal && parts.configEqual && certsOk,
    tables: parts.tables,
    grants: parts.grants.grants,
    grantsEqual: parts.grants.equal,
    configEqual: parts.configEqual,
    certificates: parts.certificates,
    notes,
  };
}

export { CONFIG_TABLE };
