import { randomBytes } from 'node:crypto';
import type { Services } from '../../app/services';
import type { CqlClient } from '../../cassandra/connections';
import { waitForAgreement } from '../../cassandra/system-schema';
import { createKeyspace, dropKeyspace, replication } from '../../tenancy/cql';
import { TenantRegistry } from '../../tenancy/registry';
import { readCluster } from './collect';

type Figure = Record<string, number | string | null>;

const BENCH_ID = /^bm_[0-9a-f]{8}$/;
const round = (x: number): number => Math.round(x * 1000) / 1000;
const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function dropBenchTenant(client: CqlClient, id: string): Promise<void> {
  await client.execute(dropKeyspace(`tenant_${id}_data`)).catch(() => undefined);
  for (const t of ['tenants', 'usage_latest']) await client.execute(`DELETE FROM csm_system.${t} WHERE ${t === 'tenants' ? 'id' : 'tenant_id'} = ?`, [id], { prepare: true }).catch(() => undefined);
  const day = new Date().toISOString().slice(0, 10);
  await client.execute('DELETE FROM csm_system.usage_samples WHERE tenant_id = ? AND day = ?', [id, day], { prepare: true }).catch(() => undefined);
}

/** The bare reads every sample needs: the four virtual tables, scanned once, in parallel. */
async function bareReads(client: CqlClient): Promise<void> {
  await Promise.all(
    ['system_views.disk_usage', 'system_views.local_read_latency', 'system_views.local_write_latency', 'system_views.clients'].map(async (t) => {
      for await (const _ of await client.execute(`SELECT * FROM ${t}`, [], { prepare: true, fetchSize: 2000 })) void _;
    }),
  );
}

/**
 * Issue 10 item 1's figures against the live node: `usage.collect` for every tenant (one shared
 * reading of the cluster, then per tenant its previous counters, certificates and three writes)
 * and for one tenant, each next to its floor from the same run — the bare scans of the four
 * virtual tables the collector reads. `count` throwaway tenants (a registry row and one data
 * keyspace each, made through the driver; `bm_` ids) are added for the run and dropped after,
 * leftovers of a killed run first. They have no console keyspace, so the tenant copy is skipped.
 */
export async function meteringBenchmarks(services: Services, cluster: string, count = 20): Promise<Record<string, Figure>> {
  const client = services.connections.operator(cluster);
  if (!client) return { 'usage.collect': { skipped: `not signed in to ${cluster}` } };
  const call = async (input: unknown): Promise<{ samples: unknown[]; failed: unknown[] }> => {
    const r = await services.router.dispatch('usage.collect', input, { host: 'cli' });
    if (!r.ok) throw new Error(`usage.collect: ${r.error.code}: ${r.error.message}`);
    return r.value as { samples: unknown[]; failed: unknown[] };
  };
  for (const r of (await client.execute('SELECT id FROM csm_system.tenants')).rows) if (BENCH_ID.test(String(r['id']))) await dropBenchTenant(client, String(r['id']));
  const dcs = new Map<string, number>();
  for (const h of client.hosts.values()) dcs.set(h.datacenter, (dcs.get(h.datacenter) ?? 0) + 1);
  const ids = Array.from({ length: count }, () => `bm_${randomBytes(4).toString('hex')}`);
  const registry = new TenantRegistry(client);
  try {
    for (const id of ids) {
      const data = `tenant_${id}_data`;
      const now = new Date().toISOString();
      await registry.reserve({ id, name: id, tier: 'standard', state: 'active', cluster, isolation: 'keyspace', template: 'default', dataCenters: [...dcs.keys()], color: null, keyspaces: [data], roles: [], jobId: null, createdAt: now, updatedAt: now, suspendedAt: null });
      await client.execute(createKeyspace(data, replication(dcs, 1)));
      await client.execute(`CREATE TABLE IF NOT EXISTS ${data}.events (id int PRIMARY KEY, v text)`);
    }
    await waitForAgreement(client, 'metering bench');
    const tenantsNow = (await registry.all()).filter((r) => r.state === 'active' || r.state === 'suspended' || r.state === 'migrating').length;

    const all: number[] = [];
    const one: number[] = [];
    const floor: number[] = [];
    const reading: number[] = [];
    let sampled = 0;
    for (let k = 0; k < 4; k++) {
      let t = process.hrtime.bigint();
      await bareReads(client);
      if (k > 0) floor.push(ms(t));
      t = process.hrtime.bigint();
      await readCluster(client, 'all', Date.now());
      if (k > 0) reading.push(ms(t));
      t = process.hrtime.bigint();
      const r = await call({ cluster });
      if (k > 0) all.push(ms(t));
      sampled = r.samples.length;
      t = process.hrtime.bigint();
      await call({ cluster, tenant: ids[0] });
      if (k > 0) one.push(ms(t)); // the first round warms the driver's prepared statements and the JIT
    }
    const f = median(floor);
    return {
      'usage.collect.all': { unit: 'ms', tenants: tenantsNow, sampled, p50: round(median(all)), per_tenant_ms: round(median(all) / Math.max(1, sampled)), floor_bare_virtual_reads_ms: round(f), ratio: round(median(all) / f) },
      'usage.collect.one': { unit: 'ms', p50: round(median(one)), floor_bare_virtual_reads_ms: round(f), ratio: round(median(one) / f) },
      'usage.readCluster': { unit: 'ms', p50: round(median(reading)), floor_bare_virtual_reads_ms: round(f), ratio: round(median(reading) / f), note: 'schema, roles and peers on top of the virtual tables' },
    };
  } finally {
    for (const id of ids) await dropBenchTenant(client, id);
  }
}
