import cassandra from 'cassandra-driver';

/**
 * Test tenant ids: unique()'s 1–3 letter prefix or e2e_, then 8 lower-case letters/digits.
 * Ids a person types through the sandbox (acme, bank_eu) do not look like this.
 */
export const TEST_TENANT_ID = /^(?:e2e|[a-z]{1,3})_[0-9a-z]{8}$/;

/**
 * csm_system outlives a run on a developer's node. KEKs an earlier run left behind (a crash, an
 * interrupted test) carry that run's master key fingerprint, and this run's consoles would
 * rightly refuse to mint a second hierarchy beside them: forget test tenants' KEK rows first.
 */
export async function forgetStaleTestKeys(contactPoint: string, localDc: string): Promise<number> {
  const client = new cassandra.Client({ contactPoints: [contactPoint], localDataCenter: localDc, credentials: { username: 'cassandra', password: 'cassandra' }, protocolOptions: { maxVersion: 4 } });
  let n = 0;
  try {
    await client.connect();
    const has = await client.execute("SELECT table_name FROM system_schema.tables WHERE keyspace_name = 'csm_system' AND table_name = 'tenant_keks'");
    if (has.rowLength === 0) return 0;
    const ids = new Set<string>();
    for await (const r of await client.execute('SELECT tenant_id FROM csm_system.tenant_keks', [], { fetchSize: 1000 })) ids.add(String(r['tenant_id']));
    for (const id of ids) {
      if (!TEST_TENANT_ID.test(id)) continue;
      await client.execute('DELETE FROM csm_system.tenant_keks WHERE tenant_id = ?', [id], { prepare: true });
      n++;
    }
  } finally {
    await client.shutdown();
  }
  return n;
}
