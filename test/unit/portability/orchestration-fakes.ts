import type { Operation, VerificationReport } from '../../../src-shared/contract/portability';
import type { FreezeState } from '../../../src-main/tenancy/write-freeze';
import type { ExportRequest, ImportRequest } from '../../../src-main/portability/types';
import type { MigrationPlan, MigrationPorts, MigrationPhase } from '../../../src-main/portability/orchestration/migration';
import type { MoveRecord } from '../../../src-main/portability/orchestration/system-repo';

/**
 * An in-memory world for the orchestration's ports: clusters holding tenants (state, tables as
 * row maps, grants), a write freeze that really removes MODIFY, a keychain, bundle files. The
 * fake core copies tables between clusters, so a verification compares real (fake) content.
 */
export interface FakeTenant {
  state: string;
  tables: Map<string, Map<string, string>>;
  grants: Set<string>;
}

export class FakeWorld {
  clusters = new Map<string, Map<string, FakeTenant>>();
  files = new Map<string, { tenant: string; tables: Map<string, Map<string, string>> }>();
  frozen = new Map<string, FreezeState>();
  keychain = new Map<string, string>();
  log: string[] = [];
  failExport = false;
  failImportAt: number | null = null;
  imports = 0;

  tenant(cluster: string, id: string): FakeTenant | undefined {
    return this.clusters.get(cluster)?.get(id);
  }

  add(cluster: string, id: string, rows: Record<string, Record<string, string>>): FakeTenant {
    const t: FakeTenant = { state: 'active', tables: new Map(Object.entries(rows).map(([k, v]) => [k, new Map(Object.entries(v))])), grants: new Set([`tenant_${id}_admin|data/tenant_${id}_data|MODIFY`, `tenant_${id}_admin|data/tenant_${id}_data|SELECT`]) };
    if (!this.clusters.has(cluster)) this.clusters.set(cluster, new Map());
    this.clusters.get(cluster)!.set(id, t);
    return t;
  }

  /** Writes fail while the tenant's MODIFY is revoked, as Cassandra would refuse them. */
  write(cluster: string, id: string, table: string, key: string, value: string): void {
    const t = this.tenant(cluster, id)!;
    if (![...t.grants].some((g) => g.endsWith('|MODIFY'))) throw new Error('Unauthorized: no MODIFY');
    t.tables.get(table)!.set(key, value);
  }

  digest(t: FakeTenant): string {
    return JSON.stringify([...t.tables].map(([k, v]) => [k, [...v].sort()]).sort());
  }

  grantsOf(t: FakeTenant): string[] {
    return [...t.grants].sort();
  }

  core() {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const w = this;
    return {
      async exportTenant(req: ExportRequest) {
        w.log.push(`export ${req.cluster}/${req.tenant}`);
        if (w.failExport) throw new Error('export failed');
        const t = w.tenant(req.cluster, req.tenant);
        if (!t) throw new Error('no tenant');
        const copy = new Map([...t.tables].map(([k, v]) => [k, new Map(v)]));
        w.files.set(req.out, { tenant: req.tenant, tables: copy });
        const rows = [...copy.values()].reduce((n, m) => n + m.size, 0);
        return { path: req.out, bytes: 100, sha256: 'ab'.repeat(32), tables: copy.size, rows, resumed: false };
      },
      async importBundle(req: ImportRequest) {
        w.imports++;
        w.log.push(`import ${req.cluster}${req.intoExisting ? ' into-existing' : ''}${req.newId ? ` as ${req.newId}` : ''}`);
        if (w.failImportAt === w.imports) throw new Error('import failed');
        if (req.signal?.aborted) throw new Error('aborted');
        const file = w.files.get(req.path);
        if (!file) throw new Error('no bundle');
        const data = file.tables;
        const id = req.newId ?? file.tenant;
        const tableCopy = new Map([...data].map(([k, v]) => [k, new Map(v)]));
        if (req.intoExisting) {
          const t = w.tenant(req.cluster, id);
          if (!t) throw new Error('no tenant to restore into');
          t.tables = tableCopy;
        } else {
          if (w.tenant(req.cluster, id)) throw new Error('tenant exists');
          const t = w.add(req.cluster, id, {});
          t.tables = tableCopy;
          w.keychain.set(`tenant/${id}/service-password`, `pw-of-${req.cluster}`);
        }
        return { cluster: req.cluster, tenant: id, tables: data.size, rows: 0, report: w.report(true) };
      },
      async verifyLive(s: { cluster: string; tenant: string }, t: { cluster: string; tenant: string }): Promise<VerificationReport> {
        const a = w.tenant(s.cluster, s.tenant)!;
        const b = w.tenant(t.cluster, t.tenant)!;
        const names = [...new Set([...a.tables.keys(), ...b.tables.keys()])].sort();
        const tables = names.map((n) => {
          const x = a.tables.get(n);
          const y = b.tables.get(n);
          const dx = x ? JSON.stringify([...x].sort()) : null;
          const dy = y ? JSON.stringify([...y].sort()) : null;
          return { keyspace: 'ks', table: n, sourceRows: x?.size ?? null, targetRows: y?.size ?? null, sourceDigest: dx, targetDigest: dy, ok: dx === dy };
        });
        const ga = new Set([...a.grants].map((g) => g.replaceAll(s.tenant, 'ID')));
        const gb = new Set([...b.grants].map((g) => g.replaceAll(t.tenant, 'ID')));
        const grants = [...new Set([...ga, ...gb])].map((g) => {
          const [role, resource, perm] = g.replaceAll('ID', t.tenant).split('|') as [string, string, string];
          return { role, resource, permissions: [perm], side: (ga.has(g) && gb.has(g) ? 'both' : ga.has(g) ? 'source' : 'target') as 'both' | 'source' | 'target' };
        });
        const grantsEqual = grants.every((g) => g.side === 'both');
        return { ok: tables.every((x) => x.ok) && grantsEqual, tables, grants, grantsEqual, configEqual: true, certificates: { source: 0, target: 0 }, notes: [] };
      },
      async verifyAgainstBundle(cluster: string, tenant: string, path: string): Promise<VerificationReport> {
        const t = w.tenant(cluster, tenant)!;
        const data = w.files.get(path)!.tables;
        const ok = JSON.stringify([...t.tables].map(([k, v]) => [k, [...v].sort()]).sort()) === JSON.stringify([...data].map(([k, v]) => [k, [...v].sort()]).sort());
        return w.report(ok);
      },
    };
  }

  report(ok: boolean): VerificationReport {
    return { ok, tables: [], grants: [], grantsEqual: true, configEqual: true, certificates: { source: 0, target: 0 }, notes: ok ? [] : ['content differs'] };
  }

  migrationPorts(plan: MigrationPlan, extra: Partial<MigrationPorts> = {}): MigrationPorts & { ops: Partial<Operation>[]; phases: string[]; moves: string[] } {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const w = this;
    const ops: Partial<Operation>[] = [];
    const phases: string[] = [];
    const moves: string[] = [];
    return {
      ops,
      phases,
      moves,
      core: w.core(),
      async freeze(cluster, tenant) {
        w.log.push(`freeze ${cluster}/${tenant}`);
        const t = w.tenant(cluster, tenant)!;
        const revoked = [...t.grants].filter((g) => g.endsWith('|MODIFY'));
        for (const g of revoked) t.grants.delete(g);
        const st: FreezeState = { tenant, reasons: ['migration'], revoked: revoked.map((g) => ({ role: g.split('|')[0]!, resource: g.split('|')[1]!, permission: 'MODIFY' as const })), since: new Date().toISOString() };
        w.frozen.set(`${cluster}/${tenant}`, st);
        return st;
      },
      async thaw(cluster, tenant) {
        w.log.push(`thaw ${cluster}/${tenant}`);
        const st = w.frozen.get(`${cluster}/${tenant}`);
        const t = w.tenant(cluster, tenant)!;
        for (const r of st?.revoked ?? []) t.grants.add(`${r.role}|${r.resource}|MODIFY`);
        w.frozen.delete(`${cluster}/${tenant}`);
      },
      async freezeState(cluster, tenant) {
        return w.frozen.get(`${cluster}/${tenant}`) ?? { tenant, reasons: [], revoked: [], since: null };
      },
      async stateOf(cluster, tenant) {
        return w.tenant(cluster, tenant)?.state ?? null;
      },
      async transition(cluster, tenant, from, to) {
        const t = w.tenant(cluster, tenant)!;
        if (!from.includes(t.state)) throw new Error(`bad transition ${t.state} → ${to}`);
        w.log.push(`state ${cluster}/${tenant} ${t.state}→${to}`);
        t.state = to;
      },
      async dropTenant(cluster, tenant) {
        w.log.push(`drop ${cluster}/${tenant}`);
        w.clusters.get(cluster)?.delete(tenant);
      },
      async decommission(cluster, tenant) {
        w.log.push(`decommission ${cluster}/${tenant}`);
        w.clusters.get(cluster)?.delete(tenant);
        w.keychain.delete(`tenant/${tenant}/service-password`);
      },
      async recordMove(cluster, side, _p, phase: MigrationPhase, state) {
        moves.push(`${cluster}:${side}:${phase}:${state}`);
      },
      async saveLocal(tenant) {
        const key = `tenant/${tenant}/service-password`;
        const saved = w.keychain.get(key);
        return async () => {
          if (saved === undefined) w.keychain.delete(key);
          else w.keychain.set(key, saved);
        };
      },
      bundlePath: (id, label) => `/bundles/${id}-${label}`,
      async removeFile(path) {
        w.files.delete(path);
      },
      async refresh() {},
      update(patch) {
        ops.push(patch);
        if (patch.phase) phases.push(patch.phase);
      },
      progress() {},
      ...extra,
    };
  }
}

// Fixtures shared by the orchestration tests ------------------------------------------------------

/** acme moves from east to west. */
export const plan: MigrationPlan = { operationId: 'op1', source: { cluster: 'east', tenant: 'acme' }, target: { cluster: 'west', tenant: 'acme' }, by: 'ops' };

/** east holds acme (its orders, and any further tables), west is empty, the keychain holds acme's service password. */
export function world(tables: Record<string, Record<string, string>> = {}): FakeWorld {
  const w = new FakeWorld();
  w.add('east', 'acme', { orders: { a: '1', b: '2' }, ...tables });
  w.clusters.set('west', new Map());
  w.keychain.set('tenant/acme/service-password', 'pw-of-east');
  return w;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The clock the recovery decisions are judged at, and a time that long before it. */
export const NOW = Date.parse('2026-03-01T12:00:00.000Z');
export const ago = (ms: number): string => new Date(NOW - ms).toISOString();

/** acme's source-side move row, running at cutover, last refreshed `updatedAgoMs` before NOW. */
export function moveRow(patch: Partial<MoveRecord> = {}, updatedAgoMs = 120_000): MoveRecord {
  return {
    tenant: 'acme',
    operationId: 'op1',
    fromCluster: 'east',
    toCluster: 'west',
    targetTenant: 'acme',
    side: 'source',
    phase: 'cutover',
    state: 'running',
    error: null,
    startedBy: 'ops',
    startedAt: ago(300_000),
    updatedAt: ago(updatedAgoMs),
    abortRequestedAt: null,
    ...patch,
  };
}

/**
 * The source's tenant_moves row as the LWTs see it, a clock the test moves, and console B: it
 * claims the move (recovering) and rolls it back as MigrationRun.recover would (state-based: drops
 * the target, thaws, returns the source to active), then records it aborted (logged in w.log).
 */
export function takeover(w: FakeWorld, opts: { leaseMs?: number } = {}) {
  const clock = { now: 1_000_000 };
  const row = { state: 'running' };
  const base = w.migrationPorts(plan);
  const consoleB = async (): Promise<void> => {
    row.state = 'recovering';
    w.log.push('B claims');
    if (w.tenant('west', 'acme')) await base.dropTenant('west', 'acme');
    if (w.frozen.get('east/acme')?.reasons.includes('migration')) await base.thaw('east', 'acme');
    if (w.tenant('east', 'acme')!.state === 'migrating') await base.transition('east', 'acme', ['migrating'], 'active');
    row.state = 'aborted';
    w.log.push('B aborted');
  };
  const ports: Partial<MigrationPorts> = {
    now: () => clock.now,
    heartbeatMs: 1_000_000,
    ...(opts.leaseMs !== undefined ? { leaseMs: opts.leaseMs } : {}),
    takeoverWaitMs: 50,
    heartbeat: async (expect) => ({ outcome: row.state === expect ? 'ok' : 'lost', abortRequested: false }),
    readMove: async () => ({ state: row.state, phase: 'cutover' }),
    recordMove: async (cluster, side, p, phase, state, error, o) => {
      if (side === 'source' && o?.expect && row.state !== o.expect) return false;
      if (side === 'source') row.state = state;
      await base.recordMove(cluster, side, p, phase, state, error, o);
      return true;
    },
  };
  return { clock, row, consoleB, ports };
}
