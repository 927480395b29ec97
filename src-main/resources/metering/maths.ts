import type { UsageFigure, UsageMetric, UsageSample } from '../../../src-shared/contract/resources';

/**
 * Pure parts of usage metering (issue 10 items 1 and 5): counter deltas across resets, the
 * figures of one tenant from one reading of the cluster, downsampling, noisy-neighbour shares.
 * No I/O here: the collector (collect.ts) reads the cluster, the handlers store.
 */

export const MIB = 1024 * 1024;

/** One connection as system_views.clients shows it. request_count is cumulative per connection. */
export interface ClientRow {
  /** address:port/username/client id: a new connection on a reused port is told apart by its client id. */
  key: string;
  username: string;
  requests: number;
}

export interface LatencyRow {
  /** Cumulative since the node started (local_{read,write}_latency.count). */
  count: number;
  p99Ms: number;
}

/** One node's virtual tables (node-local: they describe only the node that answered). */
export interface HostReading {
  /** The node's host id: its counters are compared only with the same node's. */
  host: string;
  /** "ks.t" → MiB on disk (system_views.disk_usage) of this node's replicas; null when unreadable. */
  disk: Map<string, number> | null;
  reads: Map<string, LatencyRow> | null;
  writes: Map<string, LatencyRow> | null;
  clients: ClientRow[] | null;
}

/** What the collector read from the cluster: every up node's virtual tables + schema + roles. */
export interface ClusterReading {
  at: number;
  /** Nodes in the cluster (1 + peers). */
  nodes: number;
  /** Existing keyspaces → their tables (system_schema), for the keyspaces asked about. */
  tables: Map<string, string[]>;
  /** Every role name (system_auth.roles). */
  roles: string[];
  /** Each node that answered, its virtual tables read on it (driver `host` option). */
  hosts: HostReading[];
  /** Host ids of the nodes known to the driver that were down or did not answer: their figures are missing. */
  missing: string[];
  /** "ks.t" → estimated bytes (system.size_estimates); read only when no node gave disk_usage. */
  sizeEstimates: Map<string, number> | null;
}

/** One node's cumulative counters, kept so the next sample can take that node's deltas. */
export interface HostCounters {
  /** "ks.t" → [reads, writes] cumulative. */
  tables: Record<string, [number, number]>;
  /** connection key → request_count. */
  clients: Record<string, number>;
  /** A view was unreadable and there was no earlier counter to carry forward: not a base for deltas. */
  incomplete?: true;
}

/** The counters a sample keeps, per node (host id). */
export interface RawCounters {
  hosts: Record<string, HostCounters>;
  /** Read from the older single-node format: no node's base, the next sample is a baseline. */
  legacy?: true;
}

export interface TenantInputs {
  tenant: string;
  /** The tenant's data keyspaces (registry), console keyspace excluded. */
  keyspaces: string[];
  certificates: { value: number | null; precision: UsageFigure['precision']; source: string; note: string | null };
  consoleOps: number;
}

export interface CounterDelta {
  delta: number;
  /** A counter went down: the node restarted or the connection was replaced; counted from zero. */
  reset: boolean;
}

/**
 * The increase of a cumulative counter. A counter that goes down was reset (node restart, new
 * connection on the same key): everything it shows now happened since, so the delta is `cur`.
 * A counter never seen before counts from zero too.
 */
export function counterDelta(prev: number | undefined, cur: number): CounterDelta {
  if (prev === undefined) return { delta: cur, reset: false };
  if (cur >= prev) return { delta: cur - prev, reset: false };
  return { delta: cur, reset: true };
}

/** Sum of deltas over keyed counters; keys gone since `prev` contribute nothing (their last part is lost). */
export function sumDeltas(prev: Record<string, number>, cur: Record<string, number>): CounterDelta {
  let delta = 0;
  let reset = false;
  for (const [k, v] of Object.entries(cur)) {
    const d = counterDelta(prev[k], v);
    delta += d.delta;
    reset ||= d.reset;
  }
  return { delta, reset };
}

/** Does this role belong to the tenant (its fixed roles or a user `tenant_<id>_u_*`)? Ids never contain `_u_`. */
export function isTenantRole(tenant: string, role: string): boolean {
  const p = `tenant_${tenant}_`;
  if (!role.startsWith(p)) return false;
  const rest = role.slice(p.length);
  return rest === 'admin' || rest === 'auditor' || rest === 'svc' || (rest.startsWith('u_') && rest.length > 2);
}
export const isTenantUser = (tenant: string, role: string): boolean => role.startsWith(`tenant_${tenant}_u_`) && role.length > `tenant_${tenant}_u_`.length;

const fig = (metric: UsageMetric, value: number | null, unit: string, precision: UsageFigure['precision'], source: string, note: string | null = null): UsageFigure => ({
  metric,
  value: value === null ? null : Number.isFinite(value) ? value : null,
  unit,
  precision: value === null ? 'unavailable' : precision,
  source,
  note,
});

/**
 * The figures of one tenant from one reading. `prevStored` is the previous sample's raw counters
 * (null for the first sample). Node-local counters are taken per node: each node's delta against
 * that node's previous counters, then summed. A node with no previous counters (new, or the old
 * single-node format) is a baseline for that node, never a reset; a node down now has no figure,
 * which makes the sum an estimate naming it (its counters are carried forward for when it is back).
 */
export function deriveFigures(input: TenantInputs, r: ClusterReading, prevStored: RawCounters | null): { figures: UsageFigure[]; raw: RawCounters } {
  const t = input.tenant;
  const prevHosts: Record<string, HostCounters> = prevStored && !prevStored.legacy ? prevStored.hosts : {};
  const existing = input.keyspaces.filter((k) => r.tables.has(k)).sort();
  const qualifiedTables = existing.flatMap((k) => (r.tables.get(k) ?? []).map((tb) => `${k}.${tb}`));
  const list = (xs: string[]): string => xs.join(', ');
  const missingNote = r.missing.length ? `no figure from ${r.missing.length === 1 ? 'node' : 'nodes'} ${list(r.missing)} (down or not answering)` : null;
  const summed = r.hosts.length > 1 ? `summed over ${r.hosts.length} nodes` : null;
  const figures: UsageFigure[] = [];

  // Storage: SSTables on disk per table on every node (MiB, as each node rounds it), else size estimates.
  let storage: UsageFigure;
  const withDisk = r.hosts.filter((h) => h.disk);
  const anyOnDisk = qualifiedTables.some((q) => withDisk.some((h) => h.disk!.has(q)));
  if (withDisk.length > 0 && (anyOnDisk || qualifiedTables.length === 0)) {
    const mib = withDisk.reduce((s, h) => s + qualifiedTables.reduce((x, q) => x + (h.disk!.get(q) ?? 0), 0), 0);
    const noDisk = r.hosts.filter((h) => !h.disk).map((h) => h.host);
    const note = [
      'SSTables on disk across replicas (each node\u2019s copy counted: the on-disk bytes of every replica), per table in whole MiB as each node reports them; writes still in memtables count once flushed',
      summed,
      missingNote,
      noDisk.length ? `disk_usage unreadable on ${list(noDisk)}` : null,
    ].filter(Boolean).join('; ');
    storage = fig('storage_bytes', mib * MIB, 'bytes', 'estimate', 'system_views.disk_usage', note);
  } else if (r.sizeEstimates) {
    const bytes = qualifiedTables.reduce((s, q) => s + (r.sizeEstimates!.get(q) ?? 0), 0);
    storage = fig('storage_bytes', bytes, 'bytes', 'estimate', 'system.size_estimates', 'mean partition size × partitions, recomputed by the node every few minutes; SSTables only');
  } else {
    storage = fig('storage_bytes', null, 'bytes', 'unavailable', 'system_views.disk_usage', 'neither disk_usage nor size_estimates could be read');
  }
  figures.push(storage);

  figures.push(fig('keyspaces', existing.length, 'count', 'exact', 'system_schema.keyspaces', 'data keyspaces in the registry that exist (the console keyspace is not counted)'));
  figures.push(fig('tables', qualifiedTables.length, 'count', 'exact', 'system_schema.tables', null));
  figures.push(fig('users', r.roles.filter((x) => isTenantUser(t, x)).length, 'count', 'exact', 'system_auth.roles', `roles tenant_${t}_u_*`));
  figures.push(fig('certificates', input.certificates.value, 'count', input.certificates.precision, input.certificates.source, input.certificates.note));

  // Per node: counters now (a view that could not be read carries that node's previous counters
  // forward, never 0: the next sample would bill everything the node ever counted), and deltas.
  type Acc = { delta: number; reset: boolean; from: number; unread: string[] };
  const acc = (): Acc => ({ delta: 0, reset: false, from: 0, unread: [] });
  const sums = { reads: acc(), writes: acc(), requests: acc() };
  const baselines: string[] = [];
  const conns = { n: 0, read: 0, unread: [] as string[] };
  const raw: RawCounters = { hosts: {} };
  for (const h of r.hosts) {
    const before = prevHosts[h.host];
    const base = before && !before.incomplete ? before : null;
    const mine = h.clients?.filter((c) => isTenantRole(t, c.username)) ?? null;
    if (mine) (conns.n += mine.length), conns.read++;
    else conns.unread.push(h.host);
    const clients: Record<string, number> = {};
    if (mine) for (const c of mine) clients[c.key] = c.requests;
    else if (base) Object.assign(clients, base.clients);
    const tables: Record<string, [number, number]> = {};
    for (const q of qualifiedTables) {
      const b = base?.tables[q];
      const rd = h.reads ? (h.reads.get(q)?.count ?? 0) : b?.[0];
      const wr = h.writes ? (h.writes.get(q)?.count ?? 0) : b?.[1];
      if (rd === undefined || wr === undefined) continue;
      tables[q] = [rd, wr];
    }
    const counters: HostCounters = { tables, clients };
    if ((!h.reads || !h.writes || !mine) && !base) counters.incomplete = true;
    raw.hosts[h.host] = counters;
    if (!base) {
      baselines.push(before ? `${h.host} (its previous counters were incomplete)` : h.host);
      continue;
    }
    const column = (i: 0 | 1, from: Record<string, [number, number]>): Record<string, number> => Object.fromEntries(Object.entries(from).map(([q, v]) => [q, v[i]]));
    const add = (a: Acc, readable: boolean, d: () => CounterDelta): void => {
      if (!readable) return void a.unread.push(h.host);
      const x = d();
      a.delta += x.delta;
      a.reset ||= x.reset;
      a.from++;
    };
    add(sums.reads, !!h.reads, () => sumDeltas(column(0, base.tables), column(0, tables)));
    add(sums.writes, !!h.writes, () => sumDeltas(column(1, base.tables), column(1, tables)));
    add(sums.requests, !!mine, () => sumDeltas(base.clients, clients));
  }
  // A node down now keeps its last counters: when it answers again its deltas start from them.
  for (const id of r.missing) if (prevHosts[id] && !raw.hosts[id]) raw.hosts[id] = prevHosts[id]!;

  figures.push(
    fig('connections', conns.read ? conns.n : null, 'count', conns.unread.length || r.missing.length ? 'estimate' : 'exact', 'system_views.clients', [
      'connections open at the time of the sample',
      summed,
      missingNote,
      conns.unread.length ? `clients unreadable on ${list(conns.unread)}` : null,
    ].filter(Boolean).join('; ')),
  );

  const firstNote = prevStored?.legacy
    ? 'the previous sample stored one node\u2019s counters (older format): counters recorded as the baseline, deltas start with the next sample'
    : 'first sample: counters recorded as the baseline, deltas start with the next sample';
  const counterFigure = (metric: 'reads' | 'writes' | 'requests', source: string, view: string, a: Acc, always?: string): UsageFigure => {
    if (a.from === 0) {
      const why = r.hosts.length === 0 ? 'no node answered' : a.unread.length === r.hosts.length ? `${view} unreadable` : a.unread.length === 0 && Object.keys(prevHosts).length === 0 ? firstNote : `no node had a base: baseline for ${list(baselines)}; deltas start with the next sample`;
      return fig(metric, null, 'count', 'unavailable', source, [why, missingNote].filter(Boolean).join('; '));
    }
    const exact = !always && !a.reset && a.unread.length === 0 && baselines.length === 0 && r.missing.length === 0;
    const note = [
      always ?? 'since the previous sample',
      a.reset ? (metric === 'requests' ? 'a connection was replaced or a node restarted: counted from zero' : 'a counter went down (node restarted): counted from zero since') : null,
      summed ? `per-node deltas ${summed}` : null,
      baselines.length ? `baseline for ${list(baselines)} (first reading of that node): its part counts from the next sample` : null,
      a.unread.length ? `${view} unreadable on ${list(a.unread)}` : null,
      missingNote,
    ].filter(Boolean).join('; ');
    return fig(metric, a.delta, 'count', exact ? 'exact' : 'estimate', source, note);
  };
  figures.push(counterFigure('reads', 'system_views.local_read_latency', 'local_read_latency', sums.reads));
  figures.push(counterFigure('writes', 'system_views.local_write_latency', 'local_write_latency', sums.writes));
  figures.push(counterFigure('requests', 'system_views.clients', 'clients', sums.requests, 'request_count deltas of the tenant roles\u2019 connections since the previous sample; requests of connections closed in between are missed'));

  const p99 = (pick: (h: HostReading) => Map<string, LatencyRow> | null): number | null => {
    const vals = r.hosts.flatMap((h) => {
      const m = pick(h);
      return m ? qualifiedTables.map((q) => m.get(q)).filter((x): x is LatencyRow => !!x && x.count > 0).map((x) => x.p99Ms) : [];
    });
    return vals.length ? Math.round(Math.max(...vals) * 1000) / 1000 : null;
  };
  const latNote = ['the highest per-table p99 of the nodes\u2019 recent (decaying) histograms', missingNote].filter(Boolean).join('; ');
  const rp = p99((h) => h.reads);
  const wp = p99((h) => h.writes);
  figures.push(fig('read_latency_p99_ms', rp, 'ms', 'estimate', 'system_views.local_read_latency', rp === null ? 'no reads recorded on the tenant\u2019s tables' : latNote));
  figures.push(fig('write_latency_p99_ms', wp, 'ms', 'estimate', 'system_views.local_write_latency', wp === null ? 'no writes recorded on the tenant\u2019s tables' : latNote));
  figures.push(fig('console_ops', input.consoleOps, 'count', 'exact', 'console audit (this console)', 'router-audited calls naming the tenant in the last hour, made through this console only'));
  return { figures, raw };
}

export const figureOf = (s: UsageSample | null | undefined, metric: UsageMetric): UsageFigure | undefined => s?.figures.find((f) => f.metric === metric);
export const valueOf = (s: UsageSample | null | undefined, metric: UsageMetric): number | null => figureOf(s, metric)?.value ?? null;

/** Metrics whose value is a count over the interval since the previous sample (summed when downsampled). */
export const DELTA_METRICS: ReadonlySet<UsageMetric> = new Set<UsageMetric>(['reads', 'writes', 'requests']);

export interface Point {
  at: number;
  value: number | null;
}

/**
 * At most `max` points over [from, to]: equal time buckets; a delta metric sums its bucket (the
 * total is kept), a level (storage, counts, latency) keeps the bucket's last value. Nulls only
 * when a bucket holds nothing but nulls. Input oldest first; output oldest first.
 */
export function downsample(points: Point[], max: number, delta: boolean, from: number, to: number): Point[] {
  if (points.length <= max) return points;
  const span = Math.max(1, to - from);
  const buckets = new Map<number, Point[]>();
  for (const p of points) {
    const i = Math.min(max - 1, Math.max(0, Math.floor(((p.at - from) / span) * max)));
    const b = buckets.get(i);
    if (b) b.push(p);
    else buckets.set(i, [p]);
  }
  const out: Point[] = [];
  for (const i of [...buckets.keys()].sort((a, b) => a - b)) {
    const b = buckets.get(i)!;
    const vals = b.map((p) => p.value).filter((v): v is number => v !== null);
    const at = b[b.length - 1]!.at;
    if (vals.length === 0) out.push({ at, value: null });
    else if (delta) out.push({ at, value: vals.reduce((s, v) => s + v, 0) });
    else out.push({ at, value: [...b].reverse().find((p) => p.value !== null)!.value });
  }
  return out;
}

export interface NoisyInput {
  tenant: string;
  /** Samples oldest first, including the last one before the window (the growth base). */
  samples: UsageSample[];
}
export interface NoisyRow {
  tenant: string;
  requests: number;
  storageGrowthBytes: number;
  requestShare: number;
  storageGrowthShare: number;
  over: boolean;
  samples: number;
}

export const NOISY_MIN_TENANTS = 3;

/**
 * Each tenant's share of the requests in (from, to] and of the storage growth over it. Requests
 * are the client request deltas (reads + writes where the node gave no client figure). Growth is
 * last − first storage figure (the first being the last sample at or before `from` when there is
 * one); shrinking counts as no growth in the shares. `over` needs ≥ 3 tenants with samples.
 */
export function noisyShares(inputs: NoisyInput[], from: number, to: number, threshold: number): { rows: NoisyRow[]; note: string | null } {
  const base = inputs.map((i) => {
    const t = (s: UsageSample) => Date.parse(s.at);
    const inWindow = i.samples.filter((s) => t(s) > from && t(s) <= to);
    let requests = 0;
    for (const s of inWindow) {
      const r = valueOf(s, 'requests');
      requests += r ?? (valueOf(s, 'reads') ?? 0) + (valueOf(s, 'writes') ?? 0);
    }
    const withStorage = i.samples.filter((s) => t(s) <= to && valueOf(s, 'storage_bytes') !== null);
    const before = withStorage.filter((s) => t(s) <= from);
    const first = before.length ? before[before.length - 1] : withStorage[0];
    const last = withStorage[withStorage.length - 1];
    const growth = first && last && first !== last ? valueOf(last, 'storage_bytes')! - valueOf(first, 'storage_bytes')! : 0;
    return { tenant: i.tenant, requests, storageGrowthBytes: growth, samples: inWindow.length };
  });
  const counted = base.filter((b) => b.samples > 0);
  const totalReq = counted.reduce((s, b) => s + b.requests, 0);
  const totalGrowth = counted.reduce((s, b) => s + Math.max(0, b.storageGrowthBytes), 0);
  const enough = counted.length >= NOISY_MIN_TENANTS;
  const round = (x: number): number => Math.round(x * 1e6) / 1e6;
  const rows = base.map((b) => {
    const requestShare = b.samples > 0 && totalReq > 0 ? round(b.requests / totalReq) : 0;
    const storageGrowthShare = b.samples > 0 && totalGrowth > 0 ? round(Math.max(0, b.storageGrowthBytes) / totalGrowth) : 0;
    return { ...b, requestShare, storageGrowthShare, over: enough && (requestShare > threshold || storageGrowthShare > threshold) };
  });
  rows.sort((a, b) => Math.max(b.requestShare, b.storageGrowthShare) - Math.max(a.requestShare, a.storageGrowthShare) || a.tenant.localeCompare(b.tenant));
  return { rows, note: enough ? null : `only ${counted.length} tenant(s) with samples in the window: a share means something from ${NOISY_MIN_TENANTS} on, so none is flagged` };
}
