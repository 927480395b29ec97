import type cassandra from 'cassandra-driver';

/**
 * What the migration tests compare on the real nodes, read straight from Cassandra (not through
 * the console): one copy for migrate.test.ts and recover.test.ts.
 */

/** The value of a channel result, or an Error naming its code. */
export const ok = <T>(r: { ok: true; value: T } | { ok: false; error: { code: string; message: string } }): T => {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
};

/** Rows of every table of the tenant's data keyspace, order-independent. */
export async function contents(c: cassandra.Client, id: string): Promise<Record<string, string[]>> {
  const ks = `tenant_${id}_data`;
  const tables = (await c.execute('SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?', [ks], { prepare: true })).rows.map((r) => String(r['table_name'])).sort();
  const out: Record<string, string[]> = {};
  for (const t of tables) {
    const rows: string[] = [];
    for await (const r of await c.execute(`SELECT * FROM "${ks}"."${t}"`, [], { fetchSize: 1000 })) rows.push(JSON.stringify(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Buffer.isBuffer(v) ? v.toString('hex') : String(v)]))));
    out[t] = rows.sort();
  }
  return out;
}

/** Every permission held by the tenant's roles (role, resource, permission), sorted. */
export async function grants(c: cassandra.Client, id: string): Promise<string[]> {
  const roles = (await c.execute('LIST ROLES')).rows.map((r) => String(r['role'])).filter((r) => r.startsWith(`tenant_${id}_`));
  const out = new Set<string>();
  for (const role of roles) {
    for (const p of (await c.execute(`LIST ALL PERMISSIONS OF "${role}" NORECURSIVE`)).rows) out.add(`${String(p['role'])} ${String(p['resource'])} ${String(p['permission'])}`);
  }
  return [...out].sort();
}

/** The tenant's keyspaces and roles on a node. */
export async function tenantObjects(c: cassandra.Client, id: string): Promise<{ keyspaces: string[]; roles: string[] }> {
  return {
    keyspaces: (await c.execute('SELECT keyspace_name FROM system_schema.keyspaces')).rows.map((r) => String(r['keyspace_name'])).filter((k) => k.startsWith(`tenant_${id}_`)).sort(),
    roles: (await c.execute('LIST ROLES')).rows.map((r) => String(r['role'])).filter((r) => r.startsWith(`tenant_${id}_`)).sort(),
  };
}

/** The tenant's registry state on a cluster, or null when it has no row. */
export async function registryState(c: cassandra.Client, id: string): Promise<string | null> {
  const r = (await c.execute('SELECT state FROM csm_system.tenants WHERE id = ?', [id], { prepare: true })).rows[0];
  return r ? String(r['state']) : null;
}
