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
    await retireSigningKeys(client);
  } finally {
    await client.shutdown();
  }
  return n;
}

/**
 * The platform audit-signing key (issue 9) is sealed under the master key of the console that
 * made it; a test console with its own throw-away master key cannot open it: retire it (public
 * half kept, so what it signed still verifies) and the streams make the next version on first use.
 */
async function retireSigningKeys(client: cassandra.Client): Promise<void> {
  const signing = await client.execute("SELECT table_name FROM system_schema.tables WHERE keyspace_name = 'csm_system' AND table_name = 'audit_signing_keys'");
  if (signing.rowLength === 0) return;
  for (const r of (await client.execute('SELECT version, state FROM csm_system.audit_signing_keys')).rows) {
    if (r['state'] !== 'active') continue;
    await client.execute("UPDATE csm_system.audit_signing_keys SET state = 'retired', key_wrapped = null, retired_at = toTimestamp(now()) WHERE version = ?", [r['version']], { prepare: true });
  }
}

/** Each e2e spec starts a console with its own master key: the previous spec's platform key is foreign to it. */
export async function retirePlatformSigningKeys(contactPoint: string, localDc: string): Promise<void> {
  const client = new cassandra.Client({ contactPoints: [contactPoint], localDataCenter: localDc, credentials: { username: 'cassandra', password: 'cassandra' }, protocolOptions: { maxVersion: 4 } });
  try {
    await client.connect();
    await retireSigningKeys(client);
  } finally {
    await client.shutdown();
  }
}

/**
 * Remove test tenants from the shared node straight through the driver: their keyspaces and
 * roles (test ids only, so a name prefix is safe here), registry, KEK and suspension rows. By
 * `ids`, or every registered or keyed tenant whose id matches `pattern` (what a crashed run left).
 */
export async function scrubTestTenants(opts: { contactPoint: string; localDc: string; ids?: readonly string[]; pattern?: RegExp }): Promise<void> {
  const c = new cassandra.Client({ contactPoints: [opts.contactPoint], localDataCenter: opts.localDc, credentials: { username: 'cassandra', password: 'cassandra' }, protocolOptions: { maxVersion: 4 } });
  try {
    await c.connect();
    const ks = await c.execute("SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = 'csm_system'");
    if (ks.rowLength === 0) return;
    const ids = new Set(opts.ids ?? []);
    if (opts.pattern) {
      for (const [t, col] of [['tenants', 'id'], ['tenant_keks', 'tenant_id']] as const) {
        for await (const r of await c.execute(`SELECT ${col} FROM csm_system.${t}`, [], { fetchSize: 1000 })) {
          if (opts.pattern.test(String(r[col]))) ids.add(String(r[col]));
        }
      }
    }
    if (ids.size === 0) return;
    const keyspaces = (await c.execute('SELECT keyspace_name FROM system_schema.keyspaces')).rows.map((r) => String(r['keyspace_name']));
    const roles = (await c.execute('LIST ROLES')).rows.map((r) => String(r['role']));
    for (const id of ids) {
      for (const k of keyspaces.filter((k) => k.startsWith(`tenant_${id}_`))) await c.execute(`DROP KEYSPACE IF EXISTS "${k}"`).catch(() => undefined);
      for (const r of roles.filter((r) => r.startsWith(`tenant_${id}_`))) await c.execute(`DROP ROLE IF EXISTS "${r}"`).catch(() => undefined);
      for (const [t, col] of [['tenants', 'id'], ['tenant_keks', 'tenant_id'], ['tenant_suspensions', 'tenant_id'], ['compliance_profiles', 'tenant_id']] as const) {
        await c.execute(`DELETE FROM csm_system.${t} WHERE ${col} = ?`, [id], { prepare: true }).catch(() => undefined);
      }
    }
    // Support windows and approval requests name their tenant in a plain column: scan (test-sized tables).
    for (const t of ['support_access', 'approval_requests']) {
      try {
        for await (const r of await c.execute(`SELECT id, tenant FROM csm_system.${t}`, [], { fetchSize: 1000 })) {
          if (ids.has(String(r['tenant']))) await c.execute(`DELETE FROM csm_system.${t} WHERE id = ?`, [String(r['id'])], { prepare: true });
        }
      } catch {
        // table not there (an older schema): nothing to scrub
      }
    }
  } finally {
    await c.shutdown();
  }
}
