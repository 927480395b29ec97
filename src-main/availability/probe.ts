import { performance } from 'node:perf_hooks';
import type { ErrorCode } from '../../src-shared/contract/core';
import { isTenantKeyspace, tenantConsoleKeyspace } from '../../src-shared/rules/lifecycle';
import { AppError } from '../app/errors';
import type { CqlClient } from '../cassandra/connections';
import { fromDriverError } from '../cassandra/driver-errors';
import { qualified } from '../cassandra/identifiers';

/** The driver's consistency codes (cassandra.types.consistencies), by the names tenant policies use. */
export const CONSISTENCY_CODES: Record<string, number> = {
  ANY: 0x00,
  ONE: 0x01,
  TWO: 0x02,
  THREE: 0x03,
  QUORUM: 0x04,
  ALL: 0x05,
  LOCAL_QUORUM: 0x06,
  EACH_QUORUM: 0x07,
  SERIAL: 0x08,
  LOCAL_SERIAL: 0x09,
  LOCAL_ONE: 0x0a,
};

/** What a probe reads: a table of the tenant's data keyspace, or (no data table yet) its console config. */
export interface ProbeTarget {
  keyspace: string;
  table: string;
  /** LIMIT 1 over the data table; a single-partition read of the console config row. */
  kind: 'data' | 'console';
}

export interface ProbeOutcome {
  ok: boolean;
  latencyMs: number;
  errorClass: ErrorCode | null;
  message: string | null;
  coordinator: string | null;
  keyspace: string | null;
}

/**
 * Where to read: the first table (by name) of the tenant's first data keyspace (by name), found
 * through the probing session itself (so a tenant-scoped console finds what it may read).
 * `keyspaces` comes from the registry when the console has it; else from system_schema.
 *
 * The console deliberately does not create a probe table of its own in the tenant's data
 * keyspace: tables there count against the tenant's quota and are what the tenant's admin sees
 * as theirs. `LIMIT 1` over an existing table at the tenant's consistency touches the same
 * replicas the tenant's own reads need (an empty table makes the coordinator walk every token
 * range, which is exactly "is all of it readable").
 */
export async function resolveTarget(session: CqlClient, tenant: string, keyspaces: string[] | null): Promise<ProbeTarget> {
  let names = keyspaces;
  if (names === null) {
    names = [];
    for await (const r of await session.execute('SELECT keyspace_name FROM system_schema.keyspaces', [], { fetchSize: 5000 })) {
      const ks = String(r['keyspace_name']);
      if (isTenantKeyspace(tenant, ks)) names.push(ks);
    }
  }
  const consoleKs = tenantConsoleKeyspace(tenant);
  for (const ks of names.filter((k) => k !== consoleKs).sort()) {
    const rs = await session.execute('SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?', [ks], { prepare: true });
    const tables = rs.rows.map((r) => String(r['table_name'])).sort();
    if (tables.length) return { keyspace: ks, table: tables[0]!, kind: 'data' };
  }
  return { keyspace: consoleKs, table: 'config', kind: 'console' };
}

/** One read at the tenant's consistency; never throws (the failure is the observation). */
export async function runProbe(session: CqlClient, target: ProbeTarget, consistency: string): Promise<ProbeOutcome> {
  const code = CONSISTENCY_CODES[consistency];
  if (code === undefined) throw new AppError('BAD_INPUT', `unknown consistency level ${consistency}`);
  const q =
    target.kind === 'data'
      ? { cql: `SELECT * FROM ${qualified(target.keyspace, target.table)} LIMIT 1`, params: [] as unknown[] }
      : { cql: `SELECT value FROM ${qualified(target.keyspace, target.table)} WHERE key = ?`, params: ['consistency.read'] as unknown[] };
  const started = performance.now();
  try {
    const rs = await session.execute(q.cql, q.params, { prepare: true, consistency: code });
    const host = (rs.info as { queriedHost?: unknown } | undefined)?.queriedHost;
    return { ok: true, latencyMs: performance.now() - started, errorClass: null, message: null, coordinator: typeof host === 'string' ? host : null, keyspace: target.keyspace };
  } catch (e) {
    return failure(e, started, target.keyspace);
  }
}

/** A probe that could not even get a session or a target: the error is still a sample. */
export function failure(e: unknown, started: number, keyspace: string | null): ProbeOutcome {
  const err = e instanceof AppError ? e : fromDriverError(e, 'probe');
  return { ok: false, latencyMs: performance.now() - started, errorClass: err.code, message: err.message.slice(0, 300), coordinator: null, keyspace };
}
