import { AppError } from '../app/errors';
import type { CqlClient } from '../cassandra/connections';
import { fromDriverError } from '../cassandra/driver-errors';
import { TenantRegistry } from '../tenancy/registry';
import type { AuthConfig, AuthSnapshot } from './analyze';

/**
 * Loads what the analysis needs from the real cluster, over the signed-in operator's session:
 * direct SELECTs from system_auth (one pass per table, paged) rather than LIST … per role, so a
 * cluster with 10,000 tenants is a handful of paged reads, not 40,000 round trips.
 */
const PAGE = { prepare: false, fetchSize: 5000 } as const;
const strs = (v: unknown): string[] => (Array.isArray(v) || v instanceof Set ? [...(v as Iterable<unknown>)].map(String) : []);

async function rows(client: CqlClient, cql: string, what: string): Promise<Record<string, unknown>[]> {
  try {
    const out: Record<string, unknown>[] = [];
    for await (const r of await client.execute(cql, [], PAGE)) out.push(r as Record<string, unknown>);
    return out;
  } catch (e) {
    const err = fromDriverError(e, `reading ${what}`);
    if (err.code === 'UNAUTHORIZED_STATEMENT') {
      throw new AppError('UNAUTHORIZED_STATEMENT', `the isolation scanner reads ${what}: sign in with a superuser, or grant SELECT on KEYSPACE system_auth to csm_platform_admin`);
    }
    throw err;
  }
}

const SETTINGS = ['authenticator', 'authenticator.class_name', 'authorizer', 'authorizer.class_name', 'role_manager', 'role_manager.class_name', 'network_authorizer', 'network_authorizer.class_name', 'cidr_authorizer', 'cidr_authorizer.class_name'];

async function readAuthConfig(client: CqlClient): Promise<AuthConfig> {
  const none: AuthConfig = { authenticator: null, authorizer: null, roleManager: null, networkAuthorizer: null, cidrAuthorizer: null };
  let found: Record<string, unknown>[];
  try {
    found = (await client.execute(`SELECT name, value FROM system_views.settings WHERE name IN (${SETTINGS.map(() => '?').join(', ')})`, SETTINGS, { prepare: true })).rows;
  } catch {
    return none; // older node or no permission: the analysis reports it as unreadable
  }
  const v = new Map(found.map((r) => [String(r['name']), r['value'] === null || r['value'] === undefined ? null : String(r['value'])]));
  // 5.0 prints both `x` and `x.class_name`; older nodes only `x`. "null" is how an unset class shows.
  const pick = (k: string): string | null => {
    const s = v.get(`${k}.class_name`) ?? v.get(k) ?? null;
    return s === null || s === 'null' || s === '' ? null : s;
  };
  return { authenticator: pick('authenticator'), authorizer: pick('authorizer'), roleManager: pick('role_manager'), networkAuthorizer: pick('network_authorizer'), cidrAuthorizer: pick('cidr_authorizer') };
}

export async function readSnapshot(client: CqlClient): Promise<AuthSnapshot> {
  const authTables = new Set((await rows(client, "SELECT table_name FROM system_schema.tables WHERE keyspace_name = 'system_auth'", 'system_schema.tables')).map((r) => String(r['table_name'])));
  const [roleRows, permRows, netRows, cidrRows, ksRows, tenants, auth] = await Promise.all([
    rows(client, 'SELECT role, is_superuser, can_login, member_of FROM system_auth.roles', 'system_auth.roles'),
    rows(client, 'SELECT role, resource, permissions FROM system_auth.role_permissions', 'system_auth.role_permissions'),
    authTables.has('network_permissions') ? rows(client, 'SELECT role, dcs FROM system_auth.network_permissions', 'system_auth.network_permissions') : Promise.resolve(null),
    authTables.has('cidr_permissions') ? rows(client, 'SELECT role, cidr_groups FROM system_auth.cidr_permissions', 'system_auth.cidr_permissions') : Promise.resolve(null),
    rows(client, 'SELECT keyspace_name FROM system_schema.keyspaces', 'system_schema.keyspaces'),
    new TenantRegistry(client).all(),
    readAuthConfig(client),
  ]);
  // network_permissions keys rows by resource name (`roles/x`); cidr_permissions by the bare name.
  const bare = (r: unknown): string => String(r).replace(/^roles\//, '');
  return {
    roles: roleRows.map((r) => ({ name: String(r['role']), superuser: r['is_superuser'] === true, login: r['can_login'] === true, memberOf: strs(r['member_of']) })),
    permissions: permRows.map((r) => ({ role: String(r['role']), resource: String(r['resource']), permissions: strs(r['permissions']) })),
    network: netRows === null ? null : new Map(netRows.map((r) => [bare(r['role']), strs(r['dcs'])])),
    cidr: cidrRows === null ? null : new Map(cidrRows.map((r) => [bare(r['role']), strs(r['cidr_groups'])])),
    tenants: tenants.filter((t) => t.state !== 'deleted').map((t) => ({ id: t.id, keyspaces: t.keyspaces, roles: t.roles, dataCenters: t.dataCenters })),
    auth,
    keyspaces: ksRows.map((r) => String(r['keyspace_name'])),
  };
}
