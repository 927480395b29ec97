import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../store';
import { OpsCounter } from './ops';
import { decide, emptyRecord, limitsOf } from './rules';

type Figures = Record<string, Record<string, number | string>>;
const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

function opsPerSecond(n: number, fn: (i: number) => void): number {
  for (let i = 0; i < Math.min(1000, n); i++) fn(i);
  const t0 = nowMs();
  for (let i = 0; i < n; i++) fn(i);
  return Math.round((n * 1000) / (nowMs() - t0));
}

/**
 * In-process figures of the quota gate's local part: the sliding-hour counter (one insert, a
 * prune and a count per tenant-naming mutating call, real SQLite file) against a bare insert on
 * the same database as its floor, and the limit decision. The Cassandra read of the quota row is
 * one partition read and is not measured here.
 */
export async function quotaBenchmarks(): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), 'csm-quota-bench-'));
  const store = openStore({ dir });
  try {
    const db = store.db;
    db.exec('CREATE TABLE IF NOT EXISTS bench_floor (cluster TEXT, tenant TEXT, at_ms INTEGER, channel TEXT)');
    const floorStmt = db.prepare('INSERT INTO bench_floor (cluster, tenant, at_ms, channel) VALUES (?, ?, ?, ?)');
    const floor = opsPerSecond(5000, (i) => floorStmt.run('c', `t${i % 50}`, Date.now(), 'user.create'));
    const ops = new OpsCounter(db);
    const counted = opsPerSecond(5000, (i) => {
      ops.record('c', `t${i % 50}`, 'user.create');
      ops.count('c', `t${i % 50}`);
    });
    const l = limitsOf({ ...emptyRecord('users'), soft: 1_000_000, hard: 2_000_000 }, null, new Date());
    const decided = opsPerSecond(200_000, (i) => decide('bench', 'users', i, 1, l));
    return {
      quotaOpsCounter: { callsPerSecond: counted, floorInsertsPerSecond: floor, ratio: Math.round((counted / floor) * 1000) / 1000, note: 'record + prune + count per call vs one bare INSERT' },
      quotaDecide: { decisionsPerSecond: decided },
    };
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
