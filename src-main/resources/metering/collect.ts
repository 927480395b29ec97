import type { CqlClient } from '../../cassandra/connections';
import { fromDriverError } from '../../cassandra/driver-errors';
import { qualified } from '../../cassandra/identifiers';
import { tenantConsoleKeyspace } from '../../../src-shared/rules/lifecycle';
import type { ClientRow, ClusterReading, HostReading, LatencyRow } from './maths';

/**
 * Reading the cluster for usage metering, as a platform operator. Virtual tables (system_views)
 * are node-local: they describe the node that answered, so they are read on EVERY up node (the
 * driver's `host` execution option) and kept per host id; a node down or not answering is listed
 * as missing. Schema and role counts are exact.
 * `keyspaces` narrows the per-keyspace reads to one tenant's keyspaces; 'all' scans once for every
 * tenant (usage.collect without a tenant, the bench).
 */
const P = { prepare: true, fetchSize: 2000 } as const;

type Row = Record<string, unknown>;
type Host = ReturnType<CqlClient['hosts']['values']>[number];

/** The node cluster-wide queries (schema, roles, peers, size estimates) go to: an up host of the local data centre, else any up host. */
export function pickHost(client: CqlClient): Host | null {
  const up = client.hosts.values().filter((h) => h.isUp());
  // `options` is on the client at run time, not in the driver's typings.
  const dc = (client as unknown as { options?: { localDataCenter?: string } }).options?.localDataCenter;
  return up.find((h) => h.datacenter === dc) ?? up[0] ?? null;
}

async function rows(client: CqlClient, q: string, params: unknown[] = [], host: Host | null = null): Promise<Row[]> {
  const out: Row[] = [];
  for await (const r of await client.execute(q, params, host ? { ...P, host } : P)) out.push(r as unknown as Row);
  return out;
}

/** Rows of a query on each keyspace (or the whole table for 'all'). */
async function perKeyspace(client: CqlClient, base: string, keyspaces: string[] | 'all', host: Host | null): Promise<Row[]> {
  if (keyspaces === 'all') return rows(client, base, [], host);
  const parts = await Promise.all(keyspaces.map((k) => rows(client, `${base} WHERE keyspace_name = ?`, [k], host)));
  return parts.flat();
}

/** A view some nodes do not have (older versions) reads as null, not as a failed sample. */
async function optional<T>(fn: () => Promise<T>): Promise<T | null> {
  try {
    return await fn();
  } catch (e) {
    const err = fromDriverError(e, 'reading a virtual table');
    if (err.code === 'UNAVAILABLE' || err.code === 'TIMEOUT' || err.code === 'AUTH_FAILED') throw err;
    return null;
  }
}

const num = (v: unknown): number => (typeof v === 'number' ? v : v === null || v === undefined ? 0 : Number(String(v)));
const key = (r: Row): string => `${String(r['keyspace_name'])}.${String(r['table_name'])}`;

export const hostKey = (h: Host): string => String(h.hostId ?? h.address);

/** One node's virtual tables, every query on that node; null when the node does not answer (unavailable, timeout). */
async function readHost(client: CqlClient, h: Host, keyspaces: string[] | 'all'): Promise<HostReading | null> {
  try {
    const [disk, reads, writes, clients] = await Promise.all([
      optional(() => perKeyspace(client, 'SELECT keyspace_name, table_name, mebibytes FROM system_views.disk_usage', keyspaces, h)),
      optional(() => perKeyspace(client, 'SELECT keyspace_name, table_name, count, p99th_ms FROM system_views.local_read_latency', keyspaces, h)),
      optional(() => perKeyspace(client, 'SELECT keyspace_name, table_name, count, p99th_ms FROM system_views.local_write_latency', keyspaces, h)),
      optional(() => rows(client, 'SELECT address, port, username, request_count, client_options FROM system_views.clients', [], h)),
    ]);
    const latency = (rs: Row[] | null): Map<string, LatencyRow> | null => (rs ? new Map(rs.map((r) => [key(r), { count: num(r['count']), p99Ms: num(r['p99th_ms']) }])) : null);
    return {
      host: hostKey(h),
      disk: disk ? new Map(disk.map((r) => [key(r), num(r['mebibytes'])])) : null,
      reads: latency(reads),
      writes: latency(writes),
      clients: clients
        ? clients.map((r): ClientRow => {
            const opts = (r['client_options'] ?? {}) as Record<string, string>;
            return { key: `${String(r['address'])}:${num(r['port'])}/${String(r['username'] ?? '')}/${opts['CLIENT_ID'] ?? ''}`, username: String(r['username'] ?? ''), requests: num(r['request_count']) };
          })
        : null,
    };
  } catch (e) {
    const err = fromDriverError(e, `reading the virtual tables of node ${hostKey(h)}`);
    if (err.code === 'UNAVAILABLE' || err.code === 'TIMEOUT') return null;
    throw err;
  }
}

export async function readCluster(client: CqlClient, keyspaces: string[] | 'all', now: number): Promise<ClusterReading> {
  try {
    const h = pickHost(client);
    const q = (text: string, params: unknown[] = []): Promise<Row[]> => rows(client, text, params, h);
    const all = client.hosts.values();
    const up = all.filter((x) => x.isUp());
    const [peers, ks, tbls, roles, perHost] = await Promise.all([
      q('SELECT peer FROM system.peers_v2').catch(() => q('SELECT peer FROM system.peers')),
      keyspaces === 'all' ? q('SELECT keyspace_name FROM system_schema.keyspaces') : Promise.all(keyspaces.map((k) => q('SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = ?', [k]))).then((x) => x.flat()),
      perKeyspace(client, 'SELECT keyspace_name, table_name FROM system_schema.tables', keyspaces, h),
      q('SELECT role FROM system_auth.roles'),
      Promise.all(up.map((x) => readHost(client, x, keyspaces))),
    ]);
    const hosts = perHost.filter((x): x is HostReading => x !== null);
    const answered = new Set(hosts.map((x) => x.host));
    const missing = all.map(hostKey).filter((id) => !answered.has(id)).sort();
    const tables = new Map<string, string[]>();
    for (const r of ks) tables.set(String(r['keyspace_name']), []);
    for (const r of tbls) tables.get(String(r['keyspace_name']))?.push(String(r['table_name']));
    let sizeEstimates: Map<string, number> | null = null;
    if (!hosts.some((x) => x.disk)) {
      const est = await optional(() => perKeyspace(client, 'SELECT keyspace_name, table_name, mean_partition_size, partitions_count FROM system.size_estimates', keyspaces, h));
      if (est) {
        sizeEstimates = new Map();
        for (const r of est) sizeEstimates.set(key(r), (sizeEstimates.get(key(r)) ?? 0) + num(r['mean_partition_size']) * num(r['partitions_count']));
      }
    }
    return { at: now, nodes: Math.max(1 + peers.length, all.length), tables, roles: roles.map((r) => String(r['role'])), hosts, missing, sizeEstimates };
  } catch (e) {
    throw fromDriverError(e, 'reading usage from the cluster');
  }
}

/** The certificates quota's rule: status active, not replaced by a renewal, not past its end. */
export function activeCertificate(r: Record<string, unknown>, now: number): boolean {
  const end = r['not_after'] instanceof Date ? r['not_after'].getTime() : 0;
  const renewedBy = r['renewed_by'];
  return r['status'] === 'active' && (renewedBy === null || renewedBy === undefined || renewedBy === '') && end > now;
}

/** Active certificates (not revoked, not expired) in the tenant's PKI inventory; 0 when it has none yet. */
export async function activeCertificates(client: CqlClient, tenant: string, consoleTables: string[] | undefined, now: number): Promise<{ value: number | null; note: string | null }> {
  if (!consoleTables) return { value: null, note: `console keyspace ${tenantConsoleKeyspace(tenant)} missing` };
  if (!consoleTables.includes('pki_certs')) return { value: 0, note: 'no certificate inventory yet' };
  try {
    let n = 0;
    for (const r of await rows(client, `SELECT status, renewed_by, not_after FROM ${qualified(tenantConsoleKeyspace(tenant), 'pki_certs')}`)) {
      if (activeCertificate(r, now)) n++;
    }
    return { value: n, note: 'active, not renewed away and not expired (the rule of the certificates quota)' };
  } catch (e) {
    throw fromDriverError(e, `counting the certificates of ${tenant}`);
  }
}
