import { EventBus } from '../app/events';
import { JobRunner } from '../app/jobs';
import { silentLogger } from '../app/log';
import { createRouter, type Handlers } from '../ipc/router';
import type { ClusterReads, OfflineTenant, RegistryTenant } from './derive';
import { MspService } from './service';
import type { TenantState } from '../../src-shared/rules/lifecycle';
import type { Services } from '../app/services';

type Figure = Record<string, number | string | null>;
const round = (x: number): number => Math.round(x * 1000) / 1000;
const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const STATES: TenantState[] = ['active', 'active', 'active', 'active', 'active', 'active', 'suspended', 'provisioning', 'failed', 'active'];

/**
 * `n` tenants spread over two signed-in clusters as the reads would return them (registry rows,
 * a table count per keyspace, a saga per tenant, key status, findings for one tenant in 50,
 * pending approvals for one in 100), plus n/10 cached rows of a third cluster not signed in.
 */
export function syntheticReads(n: number): { reads: ClusterReads[]; offline: OfflineTenant[] } {
  const at = '2026-01-01T00:00:00.000Z';
  const clusters = ['bench-a', 'bench-b'];
  const reads = clusters.map((cluster, ci) => {
    const tenants: RegistryTenant[] = [];
    const tables = new Map<string, number>();
    const sagas: { tenantId: string; state: string }[] = [];
    const keys: { tenantId: string; due: boolean; overdueDays: number; daysLeft: number; unfinished: boolean }[] = [];
    const byTenant = new Map<string, { critical: number; warning: number; info: number }>();
    const approvals = new Map<string, number>();
    for (let i = ci; i < n; i += clusters.length) {
      const id = `t${i.toString(36).padStart(6, '0')}`;
      const ks = [`tenant_${id}_csm`, `tenant_${id}_data`, `tenant_${id}_logs`];
      tenants.push({ id, name: `Tenant ${i}`, tier: 'standard', template: 'default', state: STATES[i % STATES.length]!, createdAt: at, updatedAt: at, suspendedAt: null, keyspaces: ks, roles: [`tenant_${id}_admin`, `tenant_${id}_auditor`, `tenant_${id}_svc`, `tenant_${id}_u_boss`, `tenant_${id}_u_dev`] });
      for (const k of ks) tables.set(k, 4);
      sagas.push({ tenantId: id, state: i % 97 === 5 ? 'failed' : 'succeeded' });
      keys.push({ tenantId: id, due: i % 13 === 0, overdueDays: i % 13 === 0 ? 3 : 0, daysLeft: 40, unfinished: false });
      if (i % 50 === 7) byTenant.set(id, { critical: 1, warning: 2, info: 0 });
      if (i % 100 === 3) approvals.set(id, 1);
    }
    const ok = <T>(value: T) => ({ status: 'ok' as const, value, at });
    return {
      cluster,
      at,
      registry: ok(tenants),
      tables: ok(tables),
      sagas: ok(sagas),
      keys: ok(keys),
      isolation: ok({ scannedAt: '2026-01-02T00:00:00.000Z', byTenant }),
      compliance: { status: 'unavailable' as const, message: 'compliance.list is not available in this console' },
      approvals: ok(approvals),
      support: ok(new Map<string, number>()),
    };
  });
  const offline: OfflineTenant[] = [];
  for (let i = 0; i < n / 10; i++) offline.push({ cluster: 'bench-offline', id: `o${i.toString(36).padStart(6, '0')}`, name: `Cached ${i}`, tier: 'basic', template: 'default', state: 'active', createdAt: at, updatedAt: at, syncedAt: at });
  return { reads, offline };
}

/**
 * `msp.dashboard` for 1,000 and 10,000 synthetic tenants through a real router (input parse,
 * scope hook, handler, output contract parse): what the dashboard costs beyond its bounded reads,
 * which are one registry read, one schema read and one call per source per cluster whatever the
 * tenant count. The reads themselves are not timed here (in memory).
 */
export async function mspDashboardBenchmarks(): Promise<Record<string, Figure>> {
  const figures: Record<string, Figure> = {};
  const per: Record<number, number> = {};
  for (const n of [1000, 10_000]) {
    const data = syntheticReads(n);
    const svc = new MspService({
      platformClusters: () => ['bench-a', 'bench-b'],
      operatorOf: () => 'bench',
      readCluster: async (c) => data.reads.find((r) => r.cluster === c)!,
      mirror: async () => data.offline,
      registry: async () => [],
      dispatch: async () => ({ ok: false, error: { code: 'UNKNOWN_CHANNEL', message: 'bench' } }),
      hasChannel: () => false,
      approvalPolicy: { requiresApproval: async () => false },
      jobs: new JobRunner({ store: { upsert: () => undefined, list: () => [] }, bus: new EventBus() }),
      records: () => {
        throw new Error('bench: no records');
      },
      emitResult: () => undefined,
      logger: silentLogger,
      ownerId: 'bench',
    });
    const router = createRouter({
      handlers: { 'msp.dashboard': async (i: { cluster?: string; refresh: boolean }) => svc.dashboard(i) } as unknown as Handlers,
      scope: { check: async () => ({ operator: 'bench', tenant: null, cluster: null }) },
      audit: { record: () => undefined },
      logger: silentLogger,
      emit: () => undefined,
    });
    const runs: number[] = [];
    let rows = 0;
    for (let k = 0; k < 12; k++) {
      const t0 = process.hrtime.bigint();
      const r = await router.dispatch('msp.dashboard', {}, { host: 'cli' });
      const took = ms(t0);
      if (!r.ok) return { 'msp.dashboard': { skipped: `${r.error.code}: ${r.error.message}` } };
      rows = (r.value as { rows: unknown[] }).rows.length;
      if (k >= 4) runs.push(took); // the first calls warm the JIT
    }
    per[n] = median(runs);
    figures[`msp.dashboard.${n}`] = { unit: 'ms', tenants: n, rows, clusters_online: 2, p50: round(per[n]), max: round(Math.max(...runs)), us_per_row: round((per[n] * 1000) / rows) };
  }
  figures['msp.dashboard.linearity'] = { unit: 'ratio', time_10k_over_1k: round(per[10_000]! / per[1000]!), rows_10k_over_1k: 10 };
  return figures;
}

/**
 * `msp.dashboard` against the real node as it is (whatever tenants its registry holds), through
 * the console's own router: the bounded reads included. The first call fills the keys cache.
 */
export async function mspDashboardLiveBenchmarks(services: Services, cluster: string): Promise<Record<string, Figure>> {
  const runs: number[] = [];
  let rows = 0;
  let cold = 0;
  for (let k = 0; k < 6; k++) {
    const t0 = process.hrtime.bigint();
    const r = await services.router.dispatch('msp.dashboard', { cluster }, { host: 'cli' });
    const took = ms(t0);
    if (!r.ok) return { 'msp.dashboard.live': { skipped: `${r.error.code}: ${r.error.message}` } };
    rows = (r.value as { rows: unknown[] }).rows.length;
    if (k === 0) cold = took;
    else runs.push(took);
  }
  return { 'msp.dashboard.live': { unit: 'ms', tenants: rows, first_call: round(cold), p50: round(median(runs)), max: round(Math.max(...runs)) } };
}
