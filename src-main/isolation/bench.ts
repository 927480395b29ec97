import { randomBytes } from 'node:crypto';
import type { Services } from '../app/services';
import type { CqlClient } from '../cassandra/connections';
import { keyspace, newRole } from '../cassandra/identifiers';
import { waitForAgreement } from '../cassandra/system-schema';
import { createGroupRole, createKeyspace, createLoginRole, dropKeyspace, dropRole, grantRole, replication } from '../tenancy/cql';
import { TenantRegistry } from '../tenancy/registry';
import { analyze, type AuthSnapshot } from './analyze';
import { diffBaseline, summarize, type BaselineEntry } from './diff';
import type { Finding } from '../../src-shared/contract/isolation';

type Figure = Record<string, number | string | null>;
const round = (x: number): number => Math.round(x * 1000) / 1000;
const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * n tenants as provisioning makes them (admin, auditor, svc, two users; grants on two keyspaces),
 * plus one violation per 100 tenants of each membership/grant kind, so the boundary-edge walk is
 * exercised and not just the clean path.
 */
export function syntheticSnapshot(n: number): AuthSnapshot {
  const roles: AuthSnapshot['roles'] = [{ name: 'cassandra', superuser: true, login: true, memberOf: [] }];
  const permissions: AuthSnapshot['permissions'] = [];
  const network = new Map<string, string[]>();
  const tenants: AuthSnapshot['tenants'] = [];
  const keyspaces: string[] = [];
  const id = (i: number): string => `t${i.toString(36).padStart(5, '0')}`;
  for (let i = 0; i < n; i++) {
    const t = id(i);
    const admin = `tenant_${t}_admin`;
    const auditor = `tenant_${t}_auditor`;
    const svc = `tenant_${t}_svc`;
    const users = [`tenant_${t}_u_boss`, `tenant_${t}_u_dev`];
    const data = `tenant_${t}_data`;
    const csm = `tenant_${t}_csm`;
    const other = id((i + 1) % n);
    roles.push({ name: admin, superuser: false, login: false, memberOf: [] }, { name: auditor, superuser: false, login: false, memberOf: [] }, { name: svc, superuser: false, login: true, memberOf: [admin] });
    for (const u of users) roles.push({ name: u, superuser: false, login: true, memberOf: i % 100 === 7 && u.endsWith('dev') ? [admin, `tenant_${other}_admin`] : [admin] });
    permissions.push(
      { role: admin, resource: `data/${data}`, permissions: ['ALTER', 'CREATE', 'DROP', 'MODIFY', 'SELECT'] },
      { role: admin, resource: `data/${csm}`, permissions: ['SELECT'] },
      { role: auditor, resource: `data/${csm}`, permissions: ['SELECT'] },
      { role: svc, resource: `data/${csm}`, permissions: ['MODIFY'] },
    );
    if (i % 100 === 3) permissions.push({ role: admin, resource: `data/tenant_${other}_data`, permissions: ['SELECT'] });
    for (const r of [svc, ...users]) network.set(r, ['dc1']);
    tenants.push({ id: t, keyspaces: [csm, data], roles: [admin, auditor, svc, ...users], dataCenters: ['dc1'] });
    keyspaces.push(data, csm);
  }
  return {
    roles,
    permissions,
    network,
    cidr: null,
    tenants,
    auth: { authenticator: 'PasswordAuthenticator', authorizer: 'CassandraAuthorizer', roleManager: 'CassandraRoleManager', networkAuthorizer: 'CassandraNetworkAuthorizer', cidrAuthorizer: null },
    keyspaces,
  };
}

/** Analysis time alone, in memory, for 1,000 / 5,000 / 10,000 tenants: near-linear means ms per grant stays flat. */
export function isolationAnalysisBenchmarks(): Record<string, Figure> {
  const figures: Record<string, Figure> = {};
  analyze(syntheticSnapshot(1000)); // warm the JIT
  const per: Record<number, { ms: number; grants: number }> = {};
  for (const n of [1000, 5000, 10_000]) {
    const s = syntheticSnapshot(n);
    const runs: number[] = [];
    let result = analyze(s);
    for (let k = 0; k < 5; k++) {
      const t0 = process.hrtime.bigint();
      result = analyze(s);
      runs.push(ms(t0));
    }
    const m = median(runs);
    per[n] = { ms: m, grants: result.stats.grants };
    figures[`isolation.analysis.${n}`] = { unit: 'ms', tenants: n, roles: result.stats.roles, memberships: result.stats.memberships, grants: result.stats.grants, findings: result.findings.length, p50: round(m), us_per_grant: round((m * 1000) / result.stats.grants) };
  }
  const a = per[1000]!;
  const c = per[10_000]!;
  // 1.0 is perfectly linear; memoization keeps it there (no per-role closure over everything).
  figures['isolation.analysis.linearity'] = { unit: 'ratio', time_10k_over_1k: round(c.ms / a.ms), grants_10k_over_1k: round(c.grants / a.grants), time_per_grant_10k_over_1k: round(c.ms / c.grants / (a.ms / a.grants)) };
  Object.assign(figures, monitorDiffBenchmarks());
  return figures;
}

const BENCH_ID = /^bi_[0-9a-f]{8}$/;

async function dropBenchTenant(client: CqlClient, id: string): Promise<void> {
  for (const r of [`tenant_${id}_u_boss`, `tenant_${id}_svc`, `tenant_${id}_auditor`, `tenant_${id}_admin`]) await client.execute(dropRole(r)).catch(() => undefined);
  await client.execute(dropKeyspace(`tenant_${id}_data`)).catch(() => undefined);
  await client.execute('DELETE FROM csm_system.tenants WHERE id = ?', [id], { prepare: true }).catch(() => undefined);
}

/**
 * Scan time against the real node with `count` tenants present (roles, grants, a data keyspace
 * and a registry row each, made straight through the driver: provisioning's own cost is measured
 * by the tenancy bench). Everything made here is dropped again, leftovers of a killed run first.
 */
export async function isolationScanBenchmarks(services: Services, cluster: string, count = 50): Promise<Record<string, Figure>> {
  const client = services.connections.operator(cluster);
  if (!client) return { 'isolation.scan.live': { skipped: `not signed in to ${cluster}` } };
  for (const r of (await client.execute('SELECT id FROM csm_system.tenants')).rows) if (BENCH_ID.test(String(r['id']))) await dropBenchTenant(client, String(r['id']));
  const dcs = new Map<string, number>();
  for (const h of client.hosts.values()) dcs.set(h.datacenter, (dcs.get(h.datacenter) ?? 0) + 1);
  const repl = replication(dcs, 1);
  const ids = Array.from({ length: count }, () => `bi_${randomBytes(4).toString('hex')}`);
  const registry = new TenantRegistry(client);
  const t0 = process.hrtime.bigint();
  try {
    for (const id of ids) {
      const data = `tenant_${id}_data`;
      const [admin, auditor, svc, user] = [`tenant_${id}_admin`, `tenant_${id}_auditor`, `tenant_${id}_svc`, `tenant_${id}_u_boss`];
      const now = new Date().toISOString();
      await registry.reserve({ id, name: id, tier: 'standard', state: 'active', cluster, isolation: 'keyspace', template: 'default', dataCenters: [...dcs.keys()], color: null, keyspaces: [data], roles: [admin, auditor, svc, user], jobId: null, createdAt: now, updatedAt: now, suspendedAt: null });
      await client.execute(createKeyspace(data, repl));
      await client.execute(createGroupRole(admin, [...dcs.keys()]));
      await client.execute(createGroupRole(auditor, [...dcs.keys()]));
      await client.execute(createLoginRole(svc, `bench-${randomBytes(8).toString('hex')}`, [...dcs.keys()]));
      await client.execute(createLoginRole(user, `bench-${randomBytes(8).toString('hex')}`, [...dcs.keys()]));
      for (const p of ['SELECT', 'MODIFY']) await client.execute(`GRANT ${p} ON KEYSPACE ${keyspace(data)} TO ${newRole(admin)}`);
      await client.execute(`GRANT SELECT ON KEYSPACE ${keyspace(data)} TO ${newRole(auditor)}`);
      await client.execute(grantRole(admin, svc));
      await client.execute(grantRole(admin, user));
    }
    await waitForAgreement(client, 'isolation bench');
    const setupMs = ms(t0);
    const runs: number[] = [];
    let last: { readMs: number; analysisMs: number; roles: number; grants: number; findings: number } | null = null;
    for (let k = 0; k < 6; k++) {
      const t1 = process.hrtime.bigint();
      const r = await services.router.dispatch('isolation.scan', { cluster }, { host: 'cli' });
      const took = ms(t1);
      if (!r.ok) return { 'isolation.scan.live': { skipped: `${r.error.code}: ${r.error.message}` } };
      const v = r.value as { stats: { readMs: number; analysisMs: number; roles: number; grants: number }; findings: unknown[] };
      if (k > 0) runs.push(took); // the first scan warms the driver's paging and the JIT
      last = { ...v.stats, findings: v.findings.length };
    }
    return {
      'isolation.scan.live': { unit: 'ms', tenants_planted: count, roles: last!.roles, grants: last!.grants, findings: last!.findings, p50: round(median(runs)), read_ms_last: last!.readMs, analysis_ms_last: last!.analysisMs, setup_s: round(setupMs / 1000) },
    };
  } finally {
    for (const id of ids) await dropBenchTenant(client, id);
  }
}

/**
 * The monitor's own work per scan, in memory: diff against the baseline and the per-tenant
 * summary, for 10,000 tenants' findings. "Dirty" gives every tenant three alertable findings
 * (30,000+), the worst a first scan of a legacy cluster could see; steady state has all but one
 * already in the baseline, so exactly one is new.
 */
export function monitorDiffBenchmarks(): Record<string, Figure> {
  const figures: Record<string, Figure> = {};
  const clean = analyze(syntheticSnapshot(10_000)).findings;
  const dirty: Finding[] = [...clean];
  for (let i = 0; i < 10_000; i++) {
    for (const k of ['a', 'b', 'c']) dirty.push({ ...clean[0]!, id: (i * 3 + k.charCodeAt(0)).toString(16).padStart(16, '0'), tenants: [`t${i}`], global: false });
  }
  for (const [name, findings] of [['10000', clean], ['10000.dirty', dirty]] as const) {
    const alertable = findings.filter((f) => f.severity !== 'info');
    const baseline: BaselineEntry[] = alertable.slice(1).map((f) => ({ findingId: f.id, kind: f.kind, severity: f.severity, title: f.title, tenants: f.tenants, firstSeen: '', alertId: null }));
    const diffRuns: number[] = [];
    const sumRuns: number[] = [];
    let fresh = 0;
    for (let k = 0; k < 6; k++) {
      const t0 = process.hrtime.bigint();
      fresh = diffBaseline(baseline, findings).fresh.length;
      if (k > 0) diffRuns.push(ms(t0)); // the first run warms the JIT
      const t1 = process.hrtime.bigint();
      summarize(findings);
      if (k > 0) sumRuns.push(ms(t1));
    }
    figures[`isolation.monitor.diff.${name}`] = { unit: 'ms', tenants: 10_000, findings: findings.length, baseline: baseline.length, fresh, p50: round(median(diffRuns)), summarize_p50: round(median(sumRuns)), us_per_finding: round((median(diffRuns) * 1000) / findings.length) };
  }
  return figures;
}
