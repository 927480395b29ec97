import type { CapacityReport, ClusterHealth } from '../../src-shared/contract/availability';
import type { PlacementReport } from '../../src-shared/contract/tenants';
import { AppError } from '../app/errors';
import type { CqlClient } from '../cassandra/connections';
import { fromDriverError } from '../cassandra/driver-errors';
import { DEFAULT_THRESHOLDS } from '../tenancy/placement';
import type { TenantRow } from '../tenancy/registry';

interface NodeRow {
  address: string;
  hostId: string | null;
  dc: string;
  rack: string | null;
  releaseVersion: string | null;
  up: boolean;
  local: boolean;
}

/**
 * Nodes and data centres of a cluster: the driver's view of each host (up/down, as its control
 * connection and pools see it) merged with what system.local/system.peers_v2 say about them.
 * With every node down the system tables cannot be read; the driver's host list still names
 * them, all down — a dead cluster is reported, not an error.
 */
export async function clusterHealth(cluster: string, client: CqlClient, failing: { probed: number; failing: number }, now: Date): Promise<ClusterHealth> {
  const nodes = new Map<string, NodeRow>();
  for (const h of client.hosts.values()) {
    const address = String(h.address);
    nodes.set(address.split(':')[0]!, {
      address,
      hostId: h.hostId ? String(h.hostId) : null,
      dc: h.datacenter ?? 'unknown',
      rack: h.rack ?? null,
      releaseVersion: h.cassandraVersion ?? null,
      up: h.isUp(),
      local: false,
    });
  }
  try {
    const local = (await client.execute('SELECT host_id, data_center, rack, release_version, rpc_address FROM system.local')).rows[0];
    const peers = (await client.execute('SELECT peer, host_id, data_center, rack, release_version, native_address, native_port FROM system.peers_v2')).rows;
    const merge = (ip: string, r: Record<string, unknown>, isLocal: boolean): void => {
      const known = nodes.get(ip);
      const row: NodeRow = {
        address: known?.address ?? ip,
        hostId: r['host_id'] ? String(r['host_id']) : (known?.hostId ?? null),
        dc: r['data_center'] ? String(r['data_center']) : (known?.dc ?? 'unknown'),
        rack: r['rack'] ? String(r['rack']) : (known?.rack ?? null),
        releaseVersion: r['release_version'] ? String(r['release_version']) : (known?.releaseVersion ?? null),
        // A node the system tables list but the driver has no pool for is not known to be up.
        up: isLocal ? true : (known?.up ?? false),
        local: isLocal,
      };
      nodes.set(ip, row);
    };
    if (local) merge(String(local['rpc_address']), local, true);
    for (const p of peers) merge(String(p['native_address'] ?? p['peer']), p, false);
  } catch {
    // Nothing answered: the driver's host states stand (all down).
  }
  const dcs = new Map<string, NodeRow[]>();
  for (const n of nodes.values()) dcs.set(n.dc, [...(dcs.get(n.dc) ?? []), n]);
  const list = [...dcs].sort(([a], [b]) => a.localeCompare(b)).map(([name, ns]) => ({
    name,
    up: ns.filter((n) => n.up).length,
    down: ns.filter((n) => !n.up).length,
    nodes: ns.sort((a, b) => a.address.localeCompare(b.address)),
  }));
  return {
    cluster,
    checkedAt: now.toISOString(),
    up: list.reduce((s, d) => s + d.up, 0),
    down: list.reduce((s, d) => s + d.down, 0),
    dcs: list,
    tenantsFailing: failing.failing,
    tenantsProbed: failing.probed,
  };
}

/**
 * Guardrail-style thresholds (issue 12 item 2). Cassandra 5's own guardrails
 * (tables_warn_threshold / keyspaces_warn_threshold) are off by default; these are the figures
 * operators usually set, and the fail levels are where the placement policy stops placing.
 */
export const CAPACITY_THRESHOLDS = {
  tables: {
    warn: 150,
    fail: DEFAULT_THRESHOLDS.maxTablesPerCluster,
    note: 'user tables in the cluster — every node keeps every table (~1 MB of heap each), so more nodes do not lower it; warn at 150 (the long-standing Cassandra warning), fail where the placement policy stops placing',
  },
  keyspaces: { warn: 100, fail: 500, note: 'user keyspaces in the cluster (a guardrail keyspaces_warn/fail_threshold)' },
  tenants: {
    warn: Math.floor(DEFAULT_THRESHOLDS.maxTenantsPerCluster * 0.8),
    fail: DEFAULT_THRESHOLDS.maxTenantsPerCluster,
    note: "tenants not deleted; warn at 80 % of the placement policy's limit, fail at the limit",
  },
} as const;

const SYSTEM_KEYSPACES = new Set(['system', 'system_auth', 'system_schema', 'system_distributed', 'system_traces', 'system_views', 'system_virtual_schema']);

const status = (value: number, t: { warn: number; fail: number }): 'ok' | 'warn' | 'fail' => (value >= t.fail ? 'fail' : value >= t.warn ? 'warn' : 'ok');
const worst = (xs: ('ok' | 'warn' | 'fail')[]): 'ok' | 'warn' | 'fail' => (xs.includes('fail') ? 'fail' : xs.includes('warn') ? 'warn' : 'ok');

/** One cluster's capacity: one paged registry read and one paged system_schema.tables read. */
export async function clusterCapacity(cluster: string, client: CqlClient, registry: () => Promise<TenantRow[]>): Promise<CapacityReport['clusters'][number]> {
  try {
    const rows = (await registry()).filter((r) => r.state !== 'deleted');
    let tables = 0;
    const keyspaces = new Set<string>();
    for await (const r of await client.execute('SELECT keyspace_name FROM system_schema.tables', [], { fetchSize: 5000 })) {
      const ks = String(r['keyspace_name']);
      if (SYSTEM_KEYSPACES.has(ks)) continue;
      tables++;
      keyspaces.add(ks);
    }
    const perDc = new Map<string, number>();
    for (const h of client.hosts.values()) perDc.set(h.datacenter, (perDc.get(h.datacenter) ?? 0) + 1);
    const nodes = [...perDc.values()].reduce((a, b) => a + b, 0);
    const checks = [
      { name: 'tables', value: tables, ...pick(CAPACITY_THRESHOLDS.tables) },
      { name: 'keyspaces', value: keyspaces.size, ...pick(CAPACITY_THRESHOLDS.keyspaces) },
      { name: 'tenants', value: rows.length, ...pick(CAPACITY_THRESHOLDS.tenants) },
    ].map((c) => ({ ...c, status: status(c.value, c) }));
    return { cluster, nodes, tenants: rows.length, keyspaces: keyspaces.size, tables, status: worst(checks.map((c) => c.status)), checks, error: null };
  } catch (e) {
    const err = e instanceof AppError ? e : fromDriverError(e, `reading the capacity of ${cluster}`);
    return { cluster, nodes: client.hosts.length, tenants: 0, keyspaces: 0, tables: 0, status: 'fail', checks: [], error: `${err.code}: ${err.message}` };
  }
}

const pick = (t: { warn: number; fail: number }): { warn: number; fail: number } => ({ warn: t.warn, fail: t.fail });

export function capacityReport(clusters: CapacityReport['clusters'], placement: PlacementReport | null, placementError: string | null, now: Date): CapacityReport {
  return {
    checkedAt: now.toISOString(),
    clusters,
    thresholds: Object.fromEntries(Object.entries(CAPACITY_THRESHOLDS).map(([k, v]) => [k, { warn: v.warn, fail: v.fail, note: v.note }])),
    placement,
    placementError,
  };
}
