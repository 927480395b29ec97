import type { CqlClient } from '../../cassandra/connections';
import { fromDriverError } from '../../cassandra/driver-errors';
import { qualified } from '../../cassandra/identifiers';
import { tenantConsoleKeyspace } from '../../../src-shared/rules/lifecycle';
import type { ClientRow, ClusterReading, LatencyRow } from './maths';

/**
 * Reading the cluster for usage metering, as a platform operator. Virtual tables (system_views)
 * are node-local: they describe the node that answered. Schema and role counts are exact.
 * `keyspaces` narrows the per-keyspace reads to one tenant's keyspaces; 'all' scans once for every
 * tenant (usage.collect without a tenant, the bench).
 */
const P = { prepare: true, fetchSize: 2000 } as const;

type Row = Record<string, unknown>;

async function rows(client: CqlClient, q: string, params: unknown[] = []): Promise<Row[]> {
  const out: Row[] = [];
  for await (const r of await client.execute(q, params, P)) out.push(r as unknown as Row);
  return out;
}

/** Rows of a query on each keyspace (or the whole table for 'all'). */
async function perKeyspace(client: CqlClient, base: string, keyspaces: string[] | 'all'): Promise<Row[]> {
  if (keyspaces === 'all') return rows(client, base);
  const parts = await Promise.all(keyspaces.map((k) => rows(client, `${base} WHERE keyspace_name = ?`, [k])));
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

export async function readCluster(client: CqlClient, keyspaces: string[] | 'all', now: number): Promise<ClusterReading> {
  try {
    const [peers, ks, tbls, roles, disk, reads, writes, clients] = await Promise.all([
      rows(client, 'SELECT peer FROM system.peers_v2').catch(() => rows(client, 'SELECT peer FROM system.peers')),
      keyspaces === 'all' ? rows(client, 'SELECT keyspace_name FROM system_schema.keyspaces') : Promise.all(keyspaces.map((k) => rows(client, 'SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = ?', [k]))).then((x) => x.flat()),
      perKeyspace(client, 'SELECT keyspace_name, table_name FROM system_schema.tables', keyspaces),
      rows(client, 'SELECT role FROM system_auth.roles'),
      optional(() => perKeyspace(client, 'SELECT keyspace_name, table_name, mebibytes FROM system_views.disk_usage', keyspaces)),
      optional(() => perKeyspace(client, 'SELECT keyspace_name, table_name, count, p99th_ms FROM system_views.local_read_latency', keyspaces)),
      optional(() => perKeyspace(client, 'SELECT keyspace_name, table_name, count, p99th_ms FROM system_views.local_write_latency', keyspaces)),
      optional(() => rows(client, 'SELECT address, port, username, request_count, client_options FROM system_views.clients')),
    ]);
    const tables = new Map<string, string[]>();
    for (const r of ks) tables.set(String(r['keyspace_name']), []);
    for (const r of tbls) tables.get(String(r['keyspace_name']))?.push(String(r['table_name']));
    const latency = (rs: Row[] | null): Map<string, LatencyRow> | null => (rs ? new Map(rs.map((r) => [key(r), { count: num(r['count']), p99Ms: num(r['p99th_ms']) }])) : null);
    let sizeEstimates: Map<string, number> | null = null;
    if (!disk) {
      const est = await optional(() => perKeyspace(client, 'SELECT keyspace_name, table_name, mean_partition_size, partitions_count FROM system.size_estimates', keyspaces));
      if (est) {
        sizeEstimates = new Map();
        for (const r of est) sizeEstimates.set(key(r), (sizeEstimates.get(key(r)) ?? 0) + num(r['mean_partition_size']) * num(r['partitions_count']));
      }
    }
    return {
      at: now,
      nodes: 1 + peers.length,
      tables,
      roles: roles.map((r) => String(r['role'])),
      disk: disk ? new Map(disk.map((r) => [key(r), num(r['mebibytes'])])) : null,
      sizeEstimates,
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
    throw fromDriverError(e, 'reading usage from the cluster');
  }
}

/** Active certificates (not revoked, not expired) in the tenant's PKI inventory; 0 when it has none yet. */
export async function activeCertificates(client: CqlClient, tenant: string, consoleTables: string[] | undefined, now: number): Promise<{ value: number | null; note: string | null }> {
  if (!consoleTables) return { value: null, note: `console keyspace ${tenantConsoleKeyspace(tenant)} missing` };
  if (!consoleTables.includes('pki_certs')) return { value: 0, note: 'no certificate inventory yet' };
  try {
    let n = 0;
    for (const r of await rows(client, `SELECT status, not_after FROM ${qualified(tenantConsoleKeyspace(tenant), 'pki_certs')}`)) {
      const end = r['not_after'] instanceof Date ? (r['not_after'] as Date).getTime() : 0;
      if (r['status'] !== 'revoked' && end > now) n++;
    }
    return { value: n, note: 'not revoked and not expired' };
  } catch (e) {
    throw fromDriverError(e, `counting the certificates of ${tenant}`);
  }
}
