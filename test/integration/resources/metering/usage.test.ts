import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../../../../src-shared/contract';
import type { UsageMetric, UsageSample } from '../../../../src-shared/contract/resources';
import { localClient, type LocalClient } from '../../../../src-main/ipc/local-client';
import { driverClient, node, realServices, SUPERUSER, unique } from '../../../support/cassandra';
import { platformConsole, provision, scrub, userClient, type Svc } from '../../tenancy/support';
import { csmRunner, type CliRun } from '../../../support/cli';

/**
 * Issue 10 items 1 and 5 against the real node: a platform console samples a tenant from the
 * virtual tables, schema and roles; data written by the tenant's own user makes its measured
 * storage and write counter rise; samples land in csm_system and in the tenant's console
 * keyspace, which the tenant admin reads with its own session — and only for its own tenant.
 */
const PW = 'correct-horse-battery';

function value<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}
const code = (r: Result<unknown>): string => (r.ok ? 'ok' : r.error.code);
type Run = CliRun;
/** The real `csm` binary with its own data dir and keychain service, as an operator runs it. */
const keychain = unique('csm-usage-cli');
const csm = csmRunner(keychain);
const fig = (s: UsageSample, m: UsageMetric) => s.figures.find((f) => f.metric === m)!;

describe('usage metering on the real node', () => {
  let p: Svc;
  let papi: LocalClient;
  let cluster: string;
  let t: Svc;
  let tapi: LocalClient;
  const tcluster = unique('tu').replace(/_/g, '-');
  let su: cassandra.Client;
  let writer: cassandra.Client | null = null;
  const a = unique('ua');
  const b = unique('ub');
  const c = unique('uc');
  const events: { name: string; payload: unknown }[] = [];
  let first: UsageSample;
  let second: UsageSample;

  beforeAll(async () => {
    ({ svc: p, api: papi, cluster } = await platformConsole());
    su = await driverClient();
    const [sa, sb, sc] = [await provision(p, papi, cluster, a, 'boss', PW), await provision(p, papi, cluster, b, 'boss', PW), await provision(p, papi, cluster, c, 'boss', PW)];
    expect([sa.state, sb.state, sc.state]).toEqual(['succeeded', 'succeeded', 'succeeded']);
    p.bus.subscribe((name, payload) => events.push({ name, payload }));
    t = await realServices();
    tapi = localClient(t.router, { host: 'cli' });
    value(await tapi.call('cluster.add', { name: tcluster, contactPoints: [node().contactPoint], localDc: node().localDc, username: `tenant_${a}_u_boss`, password: PW }));
    const scope = value(await tapi.call('session.signIn', { cluster: tcluster }));
    expect([scope.platform, scope.tenantAdmin]).toEqual([false, [a]]);
  }, 240_000);

  afterAll(async () => {
    await writer?.shutdown();
    await su?.shutdown();
    for (const s of [t, p]) await s?.close().catch(() => undefined);
    await scrub([a, b, c]);
  }, 120_000);

  it('samples keyspace, table and user counts exactly as the schema and roles say; the first sample is the counters\u2019 baseline', async () => {
    first = value(await papi.call('usage.collect', { cluster, tenant: a })).samples[0]!;
    expect(first.tenant).toBe(a);
    expect(first.trigger).toBe('manual');
    const ks = (await su.execute('SELECT keyspaces FROM csm_system.tenants WHERE id = ?', [a], { prepare: true })).first()!['keyspaces'] as string[];
    const data = ks.filter((k) => k !== `tenant_${a}_csm`);
    let tables = 0;
    for (const k of data) tables += (await su.execute('SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?', [k], { prepare: true })).rowLength;
    const users = (await su.execute('SELECT role FROM system_auth.roles')).rows.filter((r) => String(r['role']).startsWith(`tenant_${a}_u_`)).length;
    expect(fig(first, 'keyspaces')).toMatchObject({ value: data.length, precision: 'exact', source: 'system_schema.keyspaces' });
    expect(fig(first, 'tables')).toMatchObject({ value: tables, precision: 'exact' });
    expect(tables).toBeGreaterThan(0);
    expect(fig(first, 'users')).toMatchObject({ value: users, precision: 'exact' });
    expect(users).toBe(1);
    expect(fig(first, 'certificates')).toMatchObject({ value: 0, precision: 'exact' });
    expect(fig(first, 'storage_bytes')).toMatchObject({ precision: 'estimate', source: 'system_views.disk_usage' });
    // No earlier sample: the counters are the baseline.
    expect(fig(first, 'writes')).toMatchObject({ value: null, precision: 'unavailable' });
    expect(fig(first, 'console_ops').value).toBeGreaterThanOrEqual(0);
  });

  it("rises when the tenant's own user writes data: storage (after the flush), writes, requests and the table count", async () => {
    const data = `tenant_${a}_data`;
    writer = await userClient(`tenant_${a}_u_boss`, PW);
    // The tenant's table flushes its memtable every second (a table option the tenant may set): Cassandra
    // counts storage from SSTables only, so this is how the write reaches disk on a node without JMX.
    await writer.execute(`CREATE TABLE ${data}.blobs (id int PRIMARY KEY, v blob) WITH memtable_flush_period_in_ms = 1000`);
    const before = fig(first, 'storage_bytes').value ?? 0;
    for (let i = 0; i < 40; i++) await writer.execute(`INSERT INTO ${data}.blobs (id, v) VALUES (?, ?)`, [i, randomBytes(64 * 1024)], { prepare: true });
    // Wait for the flush (bounded; what is asserted is the figure, not the time).
    for (let i = 0; i < 60; i++) {
      const r = (await su.execute('SELECT mebibytes FROM system_views.disk_usage WHERE keyspace_name = ? AND table_name = ?', [data, 'blobs'], { prepare: true })).first();
      if (r && Number(r['mebibytes']) > 0) break;
      await new Promise((res) => setTimeout(res, 500));
    }
    second = value(await papi.call('usage.collect', { cluster, tenant: a })).samples[0]!;
    expect(fig(second, 'storage_bytes').value!).toBeGreaterThan(before);
    expect(fig(second, 'storage_bytes').value! - before).toBeGreaterThanOrEqual(2 * 1024 * 1024); // 2.5 MiB of random bytes
    expect(fig(second, 'writes').value!).toBeGreaterThanOrEqual(40);
    expect(fig(second, 'writes').precision).toBe('exact');
    expect(fig(second, 'requests').value!).toBeGreaterThanOrEqual(40);
    expect(fig(second, 'requests').precision).toBe('estimate');
    expect(fig(second, 'connections').value!).toBeGreaterThanOrEqual(1);
    expect(fig(second, 'tables').value).toBe(fig(first, 'tables').value! + 1);
    expect(fig(second, 'write_latency_p99_ms').value).not.toBeNull();
    // No new writes: the next delta is zero (deltas, not cumulative counts).
    const third = value(await papi.call('usage.collect', { cluster, tenant: a })).samples[0]!;
    expect(fig(third, 'writes').value).toBe(0);
  }, 90_000);

  it('stores the platform copy in csm_system and the tenant\u2019s own copy in its console keyspace', async () => {
    const platform = await su.execute('SELECT at FROM csm_system.usage_samples WHERE tenant_id = ? AND day = ?', [a, second.at.slice(0, 10)], { prepare: true });
    expect(platform.rows.map((r) => (r['at'] as Date).toISOString())).toContain(second.at);
    const own = await su.execute(`SELECT at, figures FROM tenant_${a}_csm.usage_samples WHERE day = ?`, [second.at.slice(0, 10)], { prepare: true });
    expect(own.rows.map((r) => (r['at'] as Date).toISOString())).toContain(second.at);
    const view = value(await papi.call('usage.show', { cluster, tenant: a }));
    expect(view.latest?.at).not.toBe(first.at);
    const storage = view.series.find((s) => s.metric === 'storage_bytes')!;
    expect(storage.points.length).toBeGreaterThanOrEqual(3);
    expect(storage.precision).toBe('estimate');
  });

  it('lets the tenant admin read its own usage from its console keyspace; another tenant\u2019s is FORBIDDEN', async () => {
    const mine = value(await tapi.call('usage.show', { cluster: tcluster, tenant: a }));
    expect(mine.series.find((s) => s.metric === 'storage_bytes')!.points.map((x) => x.at)).toContain(second.at);
    expect(mine.latest).not.toBeNull();
    expect(code(await tapi.call('usage.show', { cluster: tcluster, tenant: b }))).toBe('FORBIDDEN');
    expect(code(await tapi.call('usage.collect', { cluster: tcluster, tenant: a }))).toBe('FORBIDDEN');
  });

  it('refuses bad input: unknown tenant NOT_FOUND, bad or reversed dates BAD_INPUT', async () => {
    const ghost = unique('ug');
    expect(code(await papi.call('usage.collect', { cluster, tenant: ghost }))).toBe('NOT_FOUND');
    expect(code(await papi.call('usage.show', { cluster, tenant: ghost }))).toBe('NOT_FOUND');
    expect(code(await papi.call('usage.show', { cluster, tenant: a, from: 'yesterday' }))).toBe('BAD_INPUT');
    expect(code(await papi.call('usage.show', { cluster, tenant: a, from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' }))).toBe('BAD_INPUT');
    expect(code(await papi.call('usage.noisy', { cluster, threshold: 2 }))).toBe('BAD_INPUT');
  });

  it('collects every tenant in one pass and reports each one\u2019s share of requests and storage growth', async () => {
    const all = value(await papi.call('usage.collect', { cluster }));
    expect(all.samples.map((s) => s.tenant)).toEqual(expect.arrayContaining([a, b]));
    const noisy = value(await papi.call('usage.noisy', { cluster, windowHours: 1 }));
    const ra = noisy.rows.find((r) => r.tenant === a)!;
    expect(ra.requests).toBeGreaterThanOrEqual(40);
    expect(ra.storageGrowthBytes).toBeGreaterThan(0);
    const counted = noisy.rows.filter((r) => r.samples > 0);
    const sum = counted.reduce((s, r) => s + r.requestShare, 0);
    expect(sum).toBeCloseTo(1, 3);
    for (const r of noisy.rows) expect(r.over).toBe(counted.length >= 3 && (r.requestShare > 0.5 || r.storageGrowthShare > 0.5));
    expect(events.some((e) => e.name === 'usage.sampled' && (e.payload as { tenant: string }).tenant === c)).toBe(true);

    // a, b and c (at least) have samples in the window; a alone wrote: over a low threshold it is a noisy neighbour.
    const low = value(await papi.call('usage.noisy', { cluster, windowHours: 1, threshold: 0.01 }));
    expect(low.note).toBeNull();
    expect(low.rows.find((r) => r.tenant === a)!.over).toBe(true);
    expect(low.rows.find((r) => r.tenant === c)!.over).toBe(false);
    expect(low.alerts.filter((x) => x.tenant === a).map((x) => x.kind).sort()).toEqual(['requests', 'storage']);
    expect(events.filter((e) => e.name === 'usage.alert' && (e.payload as { tenant: string }).tenant === a)).toHaveLength(2);
    const recorded = await su.execute('SELECT kind, share, threshold FROM csm_system.usage_alerts WHERE tenant_id = ?', [a], { prepare: true });
    expect(recorded.rows.map((r) => String(r['kind'])).sort()).toEqual(['requests', 'storage']);
    // Raised once per window, not on every look.
    const again = value(await papi.call('usage.noisy', { cluster, windowHours: 1, threshold: 0.01 }));
    expect(again.alerts.filter((x) => x.tenant === a)).toHaveLength(2);
    expect(events.filter((e) => e.name === 'usage.alert' && (e.payload as { tenant: string }).tenant === a)).toHaveLength(2);
  }, 90_000);

  it('has a CLI face: csm usage collect|show|noisy with --json, estimates marked in text, bad input exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'csm-usage-cli-'));
    const added = await csm(dir, ['cluster', 'add', 'main', '--contact-point', node().contactPoint, '--dc', node().localDc, '--username', SUPERUSER.username, '--password-stdin', '--json'], `${SUPERUSER.password}\n`);
    expect(added.code, added.stderr).toBe(0);
    const collected = await csm(dir, ['usage', 'collect', '--tenant', a, '--cluster', 'main', '--json']);
    expect(collected.code, collected.stderr).toBe(0);
    const sample = (JSON.parse(collected.stdout) as { samples: UsageSample[] }).samples[0]!;
    expect(fig(sample, 'tables').value).toBe(fig(second, 'tables').value);
    const text = await csm(dir, ['usage', 'show', '--tenant', a, '--cluster', 'main']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/storage_bytes\s+~[0-9.]+ MiB \(estimate\)/);
    expect(text.stdout).toMatch(/tables\s+[0-9]+ \(exact\)/);
    const shown = await csm(dir, ['usage', 'show', '--tenant', a, '--cluster', 'main', '--json']);
    expect((JSON.parse(shown.stdout) as { latest: UsageSample }).latest.at).toBe(sample.at);
    const bad = await csm(dir, ['usage', 'show', '--tenant', a, '--cluster', 'main', '--from', 'last-week', '--json']);
    expect(bad.code).toBe(2);
    expect((JSON.parse(bad.stdout) as { error: { code: string } }).error.code).toBe('BAD_INPUT');
    const noisy = await csm(dir, ['usage', 'noisy', '--cluster', 'main', '--threshold', '0.9', '--json']);
    expect([0, 1]).toContain(noisy.code);
    expect((JSON.parse(noisy.stdout) as { threshold: number }).threshold).toBe(0.9);
  }, 120_000);
});
