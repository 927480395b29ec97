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

/** What the collector read from the cluster (one node's virtual tables + schema + roles). */
export interface ClusterReading {
  at: number;
  /** The node every query of this reading went to (its host id): node-local counters are compared only with the same node's. */
  host?: string | null;
  /** Nodes in the cluster (1 + peers): virtual tables are node-local, so with more they are estimates. */
  nodes: number;
  /** Existing keyspaces → their tables (system_schema), for the keyspaces asked about. */
  tables: Map<string, string[]>;
  /** Every role name (system_auth.roles). */
  roles: string[];
  /** "ks.t" → MiB on disk (system_views.disk_usage); null when the view could not be read. */
  disk: Map<string, number> | null;
  /** "ks.t" → estimated bytes (system.size_estimates); read only where disk_usage lacks. */
  sizeEstimates: Map<string, number> | null;
  reads: Map<string, LatencyRow> | null;
  writes: Map<string, LatencyRow> | null;
  clients: ClientRow[] | null;
}

/** The counters a sample keeps so the next one can take deltas. */
export interface RawCounters {
  /** "ks.t" → [reads, writes] cumulative. */
  tables: Record<string, [number, number]>;
  /** connection key → request_count. */
  clients: Record<string, number>;
  /** The node these node-local counters were read from (absent: unknown, never a base for deltas). */
  host?: string;
  /** A view was unreadable and there was no earlier counter to carry forward: not a base for deltas. */
  incomplete?: true;
}

/**
 * The previous counters usable as the base of deltas for this reading: from the same node, and
 * complete. Anything else makes this sample a baseline (deltas unavailable), never a "reset" that
 * would bill a node's lifetime counts.
 */
export function usableBase(prev: RawCounters | null, r: ClusterReading): { base: RawCounters | null; why: string | null } {
  if (!prev) return { base: null, why: null };
  if (prev.incomplete) return { base: null, why: 'the previous sample lacked a counter view' };
  if (!r.host || !prev.host) return { base: null, why: 'the previous sample does not name the node it read' };
  if (prev.host !== r.host) return { base: null, why: `the previous sample read another node (${prev.host})` };
  return { base: prev, why: null };
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
 * The figures of one tenant from one reading. `prev` is the previous sample's raw counters (null
 * for the first sample: its counters are the baseline, its deltas unavailable).
 */
export function deriveFigures(input: TenantInputs, r: ClusterReading, prevStored: RawCounters | null): { figures: UsageFigure[]; raw: RawCounters } {
  const t = input.tenant;
  const { base: prev, why: noBase } = usableBase(prevStored, r);
  const existing = input.keyspaces.filter((k) => r.tables.has(k)).sort();
  const qualifiedTables = existing.flatMap((k) => (r.tables.get(k) ?? []).map((tb) => `${k}.${tb}`));
  const multi = r.nodes > 1;
  const nodeNote = multi ? `node-local view of 1 of ${r.nodes} nodes` : null;
  const figures: UsageFigure[] = [];

  // Storage: SSTables on disk per table (MiB, as the node rounds it), else size estimates.
  let storage: UsageFigure;
  const onDisk = r.disk ? qualifiedTables.filter((q) => r.disk!.has(q)) : [];
  if (r.disk && (onDisk.length > 0 || qualifiedTables.length === 0)) {
    const mib = onDisk.reduce((s, q) => s + (r.disk!.get(q) ?? 0), 0);
    const note = ['SSTables on disk, per table in whole MiB as the node reports them; writes still in memtables count once flushed', nodeNote].filter(Boolean).join('; ');
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

  // Connections and requests of the tenant's roles.
  const mine = r.clients?.filter((c) => isTenantRole(t, c.username)) ?? null;
  figures.push(fig('connections', mine ? mine.length : null, 'count', multi ? 'estimate' : 'exact', 'system_views.clients', nodeNote ?? 'connections open at the time of the sample'));
  // A view that could not be read carries the previous counters forward (never 0: the next
  // sample would bill everything the node ever counted); with nothing to carry, the raw counters
  // are marked incomplete and the next sample is a baseline.
  const clients: Record<string, number> = {};
  if (mine) for (const c of mine) clients[c.key] = c.requests;
  else if (prev) Object.assign(clients, prev.clients);

  // Per-table cumulative counters.
  const tables: Record<string, [number, number]> = {};
  for (const q of qualifiedTables) {
    const before = prev?.tables[q];
    const rd = r.reads ? (r.reads.get(q)?.count ?? 0) : before?.[0];
    const wr = r.writes ? (r.writes.get(q)?.count ?? 0) : before?.[1];
    if (rd === undefined || wr === undefined) continue;
    tables[q] = [rd, wr];
  }
  const incomplete = (!r.reads || !r.writes || !mine) && !prev;

  const baseline = noBase ? `${noBase}: counters recorded as the baseline, deltas start with the next sample` : 'first sample: counters recorded as the baseline, deltas start with the next sample';
  if (!prev) {
    figures.push(fig('reads', null, 'count', 'unavailable', 'system_views.local_read_latency', r.reads ? baseline : 'local_read_latency unreadable'));
    figures.push(fig('writes', null, 'count', 'unavailable', 'system_views.local_write_latency', r.writes ? baseline : 'local_write_latency unreadable'));
    figures.push(fig('requests', null, 'count', 'unavailable', 'system_views.clients', mine ? baseline : 'clients unreadable'));
  } else {
    const prevReads: Record<string, number> = {};
    const prevWrites: Record<string, number> = {};
    for (const [q, [a, b]] of Object.entries(prev.tables)) (prevReads[q] = a), (prevWrites[q] = b);
    const curReads: Record<string, number> = {};
    const curWrites: Record<string, number> = {};
    for (const [q, [a, b]] of Object.entries(tables)) (curReads[q] = a), (curWrites[q] = b);
    const dr = sumDeltas(prevReads, curReads);
    const dw = sumDeltas(prevWrites, curWrites);
    const resetNote = 'a counter went down (node restarted): counted from zero since';
    const counterNote = (d: CounterDelta): string | null => [d.reset ? resetNote : null, nodeNote].filter(Boolean).join('; ') || 'since the previous sample';
    figures.push(fig('reads', r.reads ? dr.delta : null, 'count', multi || dr.reset ? 'estimate' : 'exact', 'system_views.local_read_latency', counterNote(dr)));
    figures.push(fig('writes', r.writes ? dw.delta : null, 'count', multi || dw.reset ? 'estimate' : 'exact', 'system_views.local_write_latency', counterNote(dw)));
    const dc = sumDeltas(prev.clients, clients);
    figures.push(
      fig('requests', mine ? dc.delta : null, 'count', 'estimate', 'system_views.clients', [
        'request_count deltas of the tenant roles\u2019 connections since the previous sample; requests of connections closed in between are missed',
        dc.reset ? 'a connection was replaced or the node restarted: counted from zero' : null,
        nodeNote,
      ]
        .filter(Boolean)
        .join('; ')),
    );
  }

  const p99 = (m: Map<string, LatencyRow> | null): number | null => {
    if (!m) return null;
    const vals = qualifiedTables.map((q) => m.get(q)).filter((x): x is LatencyRow => !!x && x.count > 0).map((x) => x.p99Ms);
    return vals.length ? Math.round(Math.max(...vals) * 1000) / 1000 : null;
  };
  const latNote = 'the highest per-table p99 of the node\u2019s recent (decaying) histogram';
  const rp = p99(r.reads);
  const wp = p99(r.writes);
  figures.push(fig('read_latency_p99_ms', rp, 'ms', 'estimate', 'system_views.local_read_latency', rp === null ? 'no reads recorded on the tenant\u2019s tables' : latNote));
  figures.push(fig('write_latency_p99_ms', wp, 'ms', 'estimate', 'system_views.local_write_latency', wp === null ? 'no writes recorded on the tenant\u2019s tables' : latNote));
  figures.push(fig('console_ops', input.consoleOps, 'count', 'exact', 'console audit (this console)', 'router-audited calls naming the tenant in the last hour, made through this console only'));
  const raw: RawCounters = { tables, clients };
  if (r.host) raw.host = r.host;
  if (incomplete) raw.incomplete = true;
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
