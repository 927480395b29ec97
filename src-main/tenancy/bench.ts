import { randomBytes } from 'node:crypto';
import type { Services } from '../app/services';
import type { ConnectionSpec, CqlClient } from '../cassandra/connections';
import { waitForAgreement } from '../cassandra/system-schema';
import { tenantKeyTables } from '../keys/cassandra-stores';
import { filterTenants } from '../../src-shared/rules/tenant-filter';
import { DEFAULT_TEMPLATE } from '../../src-shared/rules/templates';
import { TENANT_STATES } from '../../src-shared/rules/lifecycle';
import { consoleTables, createGroupRole, createKeyspace, createLoginRole, createTable, dropKeyspace, dropRole, fixedRoles, grantRole, replication, tenantGrants, tenantKeyspaces, tenantServiceRole } from './cql';

type Figure = Record<string, number | string | null>;
const round = (x: number): number => Math.round(x * 1000) / 1000;
const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;
function stats(samples: number[]): { p50: number; p95: number } {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { p50: round(at(0.5)), p95: round(at(0.95)) };
}
const mb = (b: number): number => round(b / 1024 / 1024);
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

/** The same DDL and role statements a provisioning saga issues, straight through the driver: the floor. */
async function bareProvision(client: CqlClient, id: string): Promise<void> {
  const dcs = new Map<string, number>();
  for (const h of client.hosts.values()) dcs.set(h.datacenter, (dcs.get(h.datacenter) ?? 0) + 1);
  const repl = replication(dcs, DEFAULT_TEMPLATE.replicationFactor);
  const keyspaces = tenantKeyspaces(id, DEFAULT_TEMPLATE);
  for (const ks of keyspaces) await client.execute(createKeyspace(ks, repl));
  for (const k of DEFAULT_TEMPLATE.keyspaces) for (const t of k.tables) await client.execute(createTable(`tenant_${id}_${k.suffix}`, t));
  for (const stmt of [...consoleTables(id), ...tenantKeyTables(id)]) await client.execute(stmt);
  await waitForAgreement(client, 'bench');
  const r = fixedRoles(id);
  const dc = [...dcs.keys()];
  await client.execute(createGroupRole(r.admin, dc));
  await client.execute(createGroupRole(r.auditor, dc));
  await client.execute(createLoginRole(r.service, 'bench-password-1', dc));
  for (const g of tenantGrants(id, keyspaces)) await client.execute(g);
  await client.execute(createLoginRole(`tenant_${id}_u_boss`, 'bench-password-2', dc));
  await client.execute(grantRole(r.admin, `tenant_${id}_u_boss`));
}

async function bareDrop(client: CqlClient, id: string): Promise<void> {
  const r = fixedRoles(id);
  for (const role of [`tenant_${id}_u_boss`, r.service, r.auditor, r.admin]) await client.execute(dropRole(role));
  for (const ks of tenantKeyspaces(id, DEFAULT_TEMPLATE)) await client.execute(dropKeyspace(ks));
}

const BENCH_ID = /^b[nb]_[0-9a-f]{8}$/;

/** Remove what an interrupted bench run left: tenants with bench ids, their keyspaces, roles and KEKs. */
async function scrubBenchTenants(client: CqlClient): Promise<void> {
  const rows = (await client.execute('SELECT id, keyspaces FROM csm_system.tenants')).rows;
  const ids = new Set(rows.map((r) => String(r['id'])).filter((id) => BENCH_ID.test(id)));
  for await (const r of await client.execute('SELECT tenant_id FROM csm_system.tenant_keks', [], { fetchSize: 1000 })) if (BENCH_ID.test(String(r['tenant_id']))) ids.add(String(r['tenant_id']));
  for (const id of ids) {
    for (const ks of tenantKeyspaces(id, DEFAULT_TEMPLATE)) await client.execute(dropKeyspace(ks));
    for (const role of [`tenant_${id}_u_boss`, ...Object.values(fixedRoles(id))]) await client.execute(dropRole(role));
    await client.execute('DELETE FROM csm_system.tenants WHERE id = ?', [id], { prepare: true });
    await client.execute('DELETE FROM csm_system.tenant_keks WHERE tenant_id = ?', [id], { prepare: true });
  }
}

/**
 * Issue 5's figures against the real node: provisioning time and its ratio to the bare DDL floor,
 * tenant switch time in the router, router overhead on a tenant-scoped read, filter over 10,000
 * tenants, console memory per idle tenant. The cluster `cluster` must be signed in with platform scope.
 */
export async function tenancyBenchmarks(services: Services, cluster: string, spec: ConnectionSpec): Promise<Record<string, Figure>> {
  const figures: Record<string, Figure> = {};
  const call = async (channel: string, input: unknown): Promise<unknown> => {
    const r = await services.router.dispatch(channel, input, { host: 'cli' });
    if (!r.ok) throw new Error(`${channel}: ${r.error.code}: ${r.error.message}`);
    return r.value;
  };
  const suffix = (): string => randomBytes(4).toString('hex');
  const op = services.connections.operator(cluster)!;
  await scrubBenchTenants(op);
  try {
    return await measure(services, cluster, spec, call, suffix, op, figures);
  } finally {
    await scrubBenchTenants(op).catch(() => undefined);
  }
}

async function measure(
  services: Services,
  cluster: string,
  spec: ConnectionSpec,
  call: (channel: string, input: unknown) => Promise<unknown>,
  suffix: () => string,
  op: CqlClient,
  figures: Record<string, Figure>,
): Promise<Record<string, Figure>> {

  // 1. Provisioning: 10 tenants through the console (saga, persisted steps, keys, mirror) versus
  //    the same statements from a bare script.
  const ids: string[] = [];
  const provision: number[] = [];
  const n = 10;
  for (let i = 0; i < n; i++) {
    const id = `bn_${suffix()}`;
    ids.push(id);
    const t0 = process.hrtime.bigint();
    const r = (await call('tenant.create', { cluster, id, name: `Bench ${i}`, adminUser: 'boss', adminPassword: 'bench-password-123' })) as { jobId: string };
    await services.jobs.wait(r.jobId);
    const saga = (await call('tenant.jobs', { cluster, tenant: id })) as { state: string; error: string | null }[];
    if (saga[0]?.state !== 'succeeded') throw new Error(`provisioning ${id} did not succeed: ${saga[0]?.error ?? 'unknown'}`);
    provision.push(ms(t0));
  }
  const bare: number[] = [];
  for (let i = 0; i < n; i++) {
    const id = `bb_${suffix()}`;
    const t0 = process.hrtime.bigint();
    await bareProvision(op, id);
    bare.push(ms(t0));
    await bareDrop(op, id);
  }
  const p = stats(provision);
  const b = stats(bare);
  figures['tenant.provision'] = { unit: 'ms', tenants: n, console_p50: p.p50, console_p95: p.p95, bare_ddl_p50: b.p50, bare_ddl_p95: b.p95, ratio_p50: round(p.p50 / b.p50), story_bound_ms: 300_000 };

  // 2. Tenant switch in the router: scope check + per-call tenant context + its session, alternating
  //    tenants (sessions warm in the LRU), and the cold switch that opens a tenant session.
  {
    const def = (await import('../../src-shared/contract')).contract['tenant.config'];
    const cold: number[] = [];
    for (const id of ids) {
      const t0 = process.hrtime.bigint();
      await services.sessions.check('tenant.config', def, { cluster, tenant: id }, { host: 'cli' });
      await services.tenants.context(cluster, id, 'bench').session();
      cold.push(ms(t0));
    }
    const warm: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const id = ids[i % ids.length]!;
      const t0 = process.hrtime.bigint();
      await services.sessions.check('tenant.config', def, { cluster, tenant: id }, { host: 'cli' });
      await services.tenants.context(cluster, id, 'bench').session();
      warm.push(ms(t0));
    }
    const w = stats(warm);
    const c = stats(cold);
    figures['tenant.switch'] = { unit: 'ms', warm_p50: w.p50, warm_p95: w.p95, cold_open_session_p50: c.p50, cold_open_session_p95: c.p95, story_bound_ms: 10 };
  }

  // 3. Router overhead on a tenant-scoped read (tenant.config: one SELECT as the tenant's own
  //    role) versus the same SELECT on a raw driver session as that role.
  {
    const id = ids[0]!;
    const password = (await services.secrets.get(`tenant/${id}/service-password`))!;
    const raw = await services.connections.connect({ ...spec, username: tenantServiceRole(id), password }, 'tenant');
    const q = `SELECT key, value, version, updated_at FROM "tenant_${id}_csm"."config"`;
    for (let i = 0; i < 200; i++) {
      await raw.execute(q);
      await call('tenant.config', { cluster, tenant: id });
    }
    // Interleaved, so drift in the node's latency hits both sides alike.
    const routed: number[] = [];
    const direct: number[] = [];
    for (let i = 0; i < 2000; i++) {
      let t0 = process.hrtime.bigint();
      await call('tenant.config', { cluster, tenant: id });
      routed.push(ms(t0));
      t0 = process.hrtime.bigint();
      await raw.execute(q);
      direct.push(ms(t0));
    }
    await raw.shutdown();
    const r = stats(routed);
    const d = stats(direct);
    figures['tenant.read.routerOverhead'] = { unit: 'ms', routed_p50: r.p50, routed_p95: r.p95, raw_driver_p50: d.p50, raw_driver_p95: d.p95, overhead_pct_p50: round(((r.p50 - d.p50) / d.p50) * 100), story_bound_pct: 5 };
  }

  // 4. Filter over 10,000 tenants (the Tenants screen's rule), and listing them from the mirror.
  {
    const rows = Array.from({ length: 10_000 }, (_, i) => ({
      id: `t${i.toString(36).padStart(5, '0')}_${(i * 7919).toString(36)}`,
      name: `Tenant ${i} ${['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli'][i % 5]}`,
      cluster: `cluster-${i % 7}`,
      state: TENANT_STATES[i % TENANT_STATES.length]!,
      tier: ['basic', 'standard', 'premium', 'enterprise'][i % 4]!,
      template: 'default',
      createdAt: new Date(1_700_000_000_000 + i * 60_000).toISOString(),
      updatedAt: new Date(1_700_000_000_000 + i * 90_000).toISOString(),
    }));
    const runs = (fn: () => unknown): number[] =>
      Array.from({ length: 50 }, () => {
        const t0 = process.hrtime.bigint();
        fn();
        return ms(t0);
      });
    const text = stats(runs(() => filterTenants(rows, { text: 'acme 12', sort: { key: 'name', dir: 'asc' } })));
    const states = stats(runs(() => filterTenants(rows, { states: ['active', 'suspended'], clusters: ['cluster-1', 'cluster-3'], sort: { key: 'updatedAt', dir: 'desc' } })));
    const sortOnly = stats(runs(() => filterTenants(rows, { sort: { key: 'name', dir: 'desc' } })));
    figures['tenant.filter10k'] = { unit: 'ms', text_and_sort_p50: text.p50, text_and_sort_p95: text.p95, state_cluster_sort_p50: states.p50, sort_only_p95: sortOnly.p95, story_bound_ms: 50 };

    // Memory: 10,000 mirrored tenants listed through the router, heap per tenant.
    gc();
    const heap0 = process.memoryUsage().heapUsed;
    const now = new Date().toISOString();
    services.store.withTransaction(() => {
      for (const r of rows) services.store.tenantMirror.upsert({ cluster: 'bench-offline', id: r.id, name: r.name, tier: r.tier, state: r.state, isolation: 'keyspace', template: 'default', dataCenters: ['dc1'], color: null, createdAt: r.createdAt, updatedAt: r.updatedAt, syncedAt: now });
    });
    const t0 = process.hrtime.bigint();
    const listed = (await call('tenant.list', { refresh: false })) as unknown[];
    const listMs = ms(t0);
    gc();
    const heap1 = process.memoryUsage().heapUsed;
    figures['tenant.list10k'] = { unit: 'ms', rows: listed.length, list_ms: round(listMs), heap_retained_mb: mb(heap1 - heap0), gc_exposed: typeof (globalThis as { gc?: unknown }).gc === 'function' ? 'yes' : 'no' };
    services.store.withTransaction(() => {
      for (const r of rows) services.store.tenantMirror.delete('bench-offline', r.id);
    });
  }

  // 5. Memory per idle tenant: what the console holds for a provisioned tenant it has worked
  //    with (unwrapped keys, a tenant session) — measured over the 10 bench tenants.
  {
    await services.connections.closeIdle(Date.now() + 24 * 3600_000);
    services.keys.forget(cluster);
    gc();
    const before = process.memoryUsage();
    for (const id of ids) {
      await call('tenant.config', { cluster, tenant: id });
      await services.keys.for(cluster).encrypt(id, 'cache', 'warm');
    }
    gc();
    const after = process.memoryUsage();
    figures['tenant.memoryPerIdleTenant'] = {
      unit: 'MB',
      tenants: ids.length,
      heap_per_tenant: mb((after.heapUsed - before.heapUsed) / ids.length),
      rss_per_tenant: mb((after.rss - before.rss) / ids.length),
      tenant_sessions_open: services.connections.tenantSessionCount(),
      story_bound_mb: 100,
    };
  }

  for (const id of ids) {
    const d = (await call('tenant.delete', { cluster, tenant: id, purge: true, confirm: id })) as { jobId: string };
    await services.jobs.wait(d.jobId);
  }
  return figures;
}
