// The benchmark suite (run through scripts/bench.mjs inside a private keyring).
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import * as node from '../cassandra/lib.mjs';
import { createServices } from '../../src-main/app/services';
import { startWebHost } from '../../src-main/web/server';
import { keyBenchmarks } from '../../src-main/keys/bench';
import { isolationAnalysisBenchmarks, isolationScanBenchmarks } from '../../src-main/isolation/bench';
import { tenancyBenchmarks } from '../../src-main/tenancy/bench';
import { mspDashboardBenchmarks, mspDashboardLiveBenchmarks } from '../../src-main/msp/bench';
import { pkiIssuanceBenchmarks } from '../../src-main/pki/bench';
import { auditIngestBenchmarks } from '../../src-main/audit/ingest/bench';
import { auditQueryBenchmarks } from '../../src-main/audit/review/bench';
import { auditVerifyBenchmarks } from '../../src-main/audit/streams/bench';
import { availabilityBenchmarks } from '../../src-main/availability/bench';
import { meteringBenchmarks } from '../../src-main/resources/metering/bench';
import { quotaBenchmarks } from '../../src-main/resources/quotas/bench';
import { billingBenchmarks } from '../../src-main/resources/billing/bench';
import { portabilityExportBenchmarks } from '../../src-main/portability/core/bench';
import { portabilityImportBenchmarks } from '../../src-main/portability/core/import-bench';

type Figure = Record<string, number | string | null>;
const figures: Record<string, Figure> = {};

function stats(samples: number[]): { p50: number; p95: number; mean: number } {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { p50: round(at(0.5)), p95: round(at(0.95)), mean: round(s.reduce((a, b) => a + b, 0) / s.length) };
}
const round = (x: number): number => Math.round(x * 1000) / 1000;
const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;

async function time(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    out.push(ms(t0));
  }
  return out;
}

const dataDir = mkdtempSync(join(tmpdir(), 'csm-bench-'));
const services = await createServices({ host: 'cli', dataDir, keychainService: `csm-bench-${process.pid}` });

// 1. Router overhead: the full dispatch path (parse, scope, handler, output parse) versus the
//    same work called directly.
{
  const n = 20_000;
  for (let i = 0; i < 2000; i++) await services.router.dispatch('jobs.list', {}, { host: 'cli' });
  const routed = await time(n, () => services.router.dispatch('jobs.list', {}, { host: 'cli' }));
  const direct = await time(n, async () => services.store.jobs.list(100));
  const r = stats(routed);
  const d = stats(direct);
  figures['ipc.router.jobsList'] = { unit: 'ms', routed_p50: r.p50, routed_p95: r.p95, direct_p50: d.p50, direct_p95: d.p95, overhead_ms_p50: round(r.p50 - d.p50), ratio_p50: round(r.p50 / d.p50) };
}

// 2. Web host round trip (loopback HTTP, cookie, Origin checks) versus the router alone.
{
  const host = await startWebHost({ router: services.router, bus: services.bus, logger: services.logger, staticDir: join(process.cwd(), 'dist', 'renderer') });
  const res = await fetch(host.url, { redirect: 'manual' });
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  const call = () => fetch(`${host.origin}/api/invoke/jobs.list`, { method: 'POST', headers: { cookie, origin: host.origin, 'content-type': 'application/json' }, body: '{}' }).then((x) => x.json());
  for (let i = 0; i < 200; i++) await call();
  const web = stats(await time(2000, call));
  const routed = stats(await time(2000, () => services.router.dispatch('jobs.list', {}, { host: 'web' })));
  figures['web.invoke.jobsList'] = { unit: 'ms', web_p50: web.p50, web_p95: web.p95, router_p50: routed.p50, ratio_p50: round(web.p50 / routed.p50) };
  await host.close();
}

// 3. Against the real node (if one is running): cluster.test and sign-in versus the driver floor.
const st = await node.status();
if (st.running) {
  const spec = { name: 'bench', contactPoints: [st.contactPoint], localDc: st.localDataCenter, username: 'cassandra', password: 'cassandra' };
  await services.router.dispatch('cluster.add', spec, { host: 'cli' });
  const test = stats(await time(10, () => services.router.dispatch('cluster.test', { name: 'bench' }, { host: 'cli' })));
  const floor = stats(
    await time(10, async () => {
      const c = new cassandra.Client({ contactPoints: [st.contactPoint], localDataCenter: st.localDataCenter, credentials: { username: 'cassandra', password: 'cassandra' } });
      await c.connect();
      await c.execute('SELECT release_version FROM system.local');
      await c.shutdown();
    }),
  );
  figures['cluster.test'] = { unit: 'ms', console_p50: test.p50, console_p95: test.p95, bare_driver_connect_query_p50: floor.p50, ratio_p50: round(test.p50 / floor.p50) };
  const signIn = stats(await time(10, () => services.router.dispatch('session.signIn', { cluster: 'bench' }, { host: 'cli' })));
  figures['session.signIn'] = { unit: 'ms', console_p50: signIn.p50, console_p95: signIn.p95, bare_driver_connect_query_p50: floor.p50, ratio_p50: round(signIn.p50 / floor.p50) };
  const nodeInfo = st.nodes[0]!;
  figures['cassandra.node'] = { unit: 'MB', rss: nodeInfo.rssMB };
  // 3b. Tenancy (issue 5): provisioning, tenant switch, tenant-scoped read, filter, memory.
  try {
    Object.assign(figures, await tenancyBenchmarks(services, 'bench', await services.clusters.spec('bench')));
  } catch (e) {
    // e.g. the node's csm_system holds KEKs of another installation: say so, measure the rest.
    figures['tenant.provision'] = { skipped: e instanceof Error ? e.message : String(e) };
  }
  // 3c. Isolation scanner (issue 6): a full scan through the router with 50 tenants present.
  try {
    Object.assign(figures, await isolationScanBenchmarks(services, 'bench', 50));
  } catch (e) {
    figures['isolation.scan.live'] = { skipped: e instanceof Error ? e.message : String(e) };
  }
  // 3d. MSP dashboard (issue 6 item 5) through the router on the live node.
  try {
    Object.assign(figures, await mspDashboardLiveBenchmarks(services, 'bench'));
  } catch (e) {
    figures['msp.dashboard.live'] = { skipped: e instanceof Error ? e.message : String(e) };
  }
  // 3e. Usage metering (issue 10): collect for 20 throwaway tenants and for one, against the bare virtual-table scans.
  try {
    Object.assign(figures, await meteringBenchmarks(services, 'bench', 20));
  } catch (e) {
    figures['usage.collect'] = { skipped: e instanceof Error ? e.message : String(e) };
  }
  // 3f. Tenant export (issue 11): rows/s and MB/s against a bare driver paging read of the same table.
  try {
    const op = services.connections.operator('bench');
    if (!op) throw new Error('not signed in to bench');
    Object.assign(figures, await portabilityExportBenchmarks(op));
  } catch (e) {
    figures['tenant.export'] = { skipped: e instanceof Error ? e.message : String(e) };
  }
  // 3g. Tenant import (issue 11): load rows/s against bare unlogged batches; verification read against a bare paging read.
  try {
    const op = services.connections.operator('bench');
    if (!op) throw new Error('not signed in to bench');
    Object.assign(figures, await portabilityImportBenchmarks(op));
  } catch (e) {
    figures['tenant.import'] = { skipped: e instanceof Error ? e.message : String(e) };
  }
} else {
  figures['cluster.test'] = { skipped: 'no Cassandra node running (npm run cassandra:start)' };
}

// 4. CLI cold start: `csm info --json` as a process, versus `node -e ''`.
{
  const cli = join(process.cwd(), 'src-main', 'cli', 'csm.mjs');
  const runs = (args: string[]): number[] =>
    Array.from({ length: 5 }, () => {
      const t0 = process.hrtime.bigint();
      spawnSync(process.execPath, args, { env: { ...process.env, CSM_KEYCHAIN_SERVICE: `csm-bench-${process.pid}` }, stdio: 'ignore' });
      return ms(t0);
    });
  const csm = stats(runs([cli, 'info', '--json', '--data-dir', dataDir]));
  const bare = stats(runs(['-e', '']));
  figures['cli.coldStart'] = { unit: 'ms', csm_info_p50: csm.p50, node_empty_p50: bare.p50, ratio_p50: round(csm.p50 / bare.p50) };
}

// 5. Per-tenant keys (in process): wrap/unwrap, encrypt/decrypt, rotation, encrypted-cache overhead.
Object.assign(figures, await keyBenchmarks());

// 6. Isolation analysis alone (in memory): 1,000 / 5,000 / 10,000 tenants' grants, near-linear.
Object.assign(figures, isolationAnalysisBenchmarks());
Object.assign(figures, await mspDashboardBenchmarks());

// 7. Certificate issuance (issue 8): key generation + signing, console vs a bare openssl pair.
Object.assign(figures, await pkiIssuanceBenchmarks());

// 8. Audit (issue 9): ingest of a 1,000,000-line FileAuditLogger log vs reading and splitting it;
// query p95 over 1,000,000 events; chain verification of 100,000 events vs hashing alone.
Object.assign(figures, await auditIngestBenchmarks());
Object.assign(figures, await auditQueryBenchmarks());
Object.assign(figures, auditVerifyBenchmarks());

// 9. Availability (issue 12): 10,000 tenants × 30 days of samples; planning 10,000 probe slots.
Object.assign(figures, await availabilityBenchmarks());

// 10. Resources (issue 10) in process: the quota gate's sliding-hour counter, statements and private analytics.
Object.assign(figures, await quotaBenchmarks());
Object.assign(figures, billingBenchmarks());

await services.close();
process.stdout.write(JSON.stringify({ at: new Date().toISOString(), machine: { cores: (await import('node:os')).cpus().length, node: process.version }, figures }, null, 2) + '\n');
