import type { CqlClient } from '../cassandra/connections';
import { fromDriverError } from '../cassandra/driver-errors';
import { tenantConsoleKeyspace } from '../../src-shared/rules/lifecycle';
import { parseReplication, type KeyspaceReplication, type RoleAccess } from './drift';

/**
 * Reads what the drift analysis needs for one tenant: replication from system_schema.keyspaces
 * (every role may read it), roles' LOGIN from system_auth.roles and their DC access from
 * system_auth.network_permissions (platform sessions only: a tenant admin's read is refused, and
 * roles come back null so the controls say "unknown" instead of guessing).
 */

const PAGE = { prepare: true, fetchSize: 5000 } as const;
const strs = (v: unknown): string[] => (Array.isArray(v) || v instanceof Set ? [...(v as Iterable<unknown>)].map(String) : []);

export async function readKeyspaces(client: CqlClient, names: readonly string[]): Promise<KeyspaceReplication[]> {
  if (names.length === 0) return [];
  try {
    const rs = await client.execute('SELECT keyspace_name, replication FROM system_schema.keyspaces WHERE keyspace_name IN ?', [[...new Set(names)]], { prepare: true });
    return rs.rows.map((r) => parseReplication(String(r['keyspace_name']), (r['replication'] as Record<string, string>) ?? {})).sort((a, b) => a.name.localeCompare(b.name));
  } catch (e) {
    throw fromDriverError(e, 'reading system_schema.keyspaces');
  }
}

/** Every keyspace name (tenant-scope reads, which have no registry to list a tenant's keyspaces). */
export async function keyspaceNames(client: CqlClient): Promise<string[]> {
  try {
    return (await client.execute('SELECT keyspace_name FROM system_schema.keyspaces')).rows.map((r) => String(r['keyspace_name']));
  } catch (e) {
    throw fromDriverError(e, 'reading system_schema.keyspaces');
  }
}

/** The tenant's roles: those the registry recorded, its fixed roles, and every `tenant_<id>_u_*` user. */
export async function readRoles(client: CqlClient, tenant: string, registryRoles: readonly string[]): Promise<RoleAccess[] | null> {
  const fixed = [`tenant_${tenant}_admin`, `tenant_${tenant}_auditor`, `tenant_${tenant}_svc`];
  const userPrefix = `tenant_${tenant}_u_`;
  const wanted = new Set([...registryRoles, ...fixed]);
  const login = new Map<string, boolean>();
  try {
    for await (const r of await client.execute('SELECT role, can_login FROM system_auth.roles', [], PAGE)) {
      const name = String(r['role']);
      if (wanted.has(name) || name.startsWith(userPrefix)) login.set(name, r['can_login'] === true);
    }
  } catch (e) {
    const err = fromDriverError(e, 'reading system_auth.roles');
    if (err.code === 'UNAUTHORIZED_STATEMENT') return null;
    throw err;
  }
  const names = [...login.keys()].sort();
  const dcs = new Map<string, string[]>();
  if (names.length) {
    try {
      const rs = await client.execute('SELECT role, dcs FROM system_auth.network_permissions WHERE role IN ?', [names.map((n) => `roles/${n}`)], { prepare: true });
      for (const r of rs.rows) dcs.set(String(r['role']).replace(/^roles\//, ''), strs(r['dcs']));
    } catch (e) {
      const err = fromDriverError(e, 'reading system_auth.network_permissions');
      if (err.code === 'UNAUTHORIZED_STATEMENT') return null;
      throw err;
    }
  }
  return names.map((name) => {
    const d = dcs.get(name);
    // An absent row, or an empty set (how ACCESS TO ALL DATACENTERS is stored), is no restriction.
    return { name, login: login.get(name) ?? false, dcs: d && d.length ? d.sort() : null };
  });
}

export function clusterDcs(client: CqlClient): Record<string, number> {
  const out: Record<string, number> = {};
  for (const h of client.hosts.values()) out[h.datacenter] = (out[h.datacenter] ?? 0) + 1;
  return out;
}

export const consoleKeyspaceOf = tenantConsoleKeyspace;
