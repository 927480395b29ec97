import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EventBus } from '../../../src-main/app/events';
import { OperationStore } from '../../../src-main/portability/core/operations';
import { openStore } from '../../../src-main/store';

const dir = mkdtempSync(join(tmpdir(), 'csm-ops-'));
const store = openStore({ dir });
afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('portability operation records (cache migration 9)', () => {
  it('records, updates, filters newest first, and emits progress events', () => {
    const bus = new EventBus();
    const seen: unknown[] = [];
    bus.subscribe((name, payload) => {
      if (name === 'portability.progress') seen.push(payload);
    });
    const ops = new OperationStore(store.db, bus);
    const a = ops.start({ kind: 'export', cluster: 'c1', tenant: 'ab_00000001', path: '/tmp/a', startedAt: '2026-01-01T00:00:00.000Z' });
    const b = ops.start({ kind: 'import', cluster: 'c1', tenant: 'ab_00000002', targetCluster: 'c2', startedAt: '2026-01-02T00:00:00.000Z' });
    ops.update(a.id, { state: 'succeeded', rows: 42, tables: 3, sha256: 'f'.repeat(64), bytes: 1000, endedAt: '2026-01-01T00:01:00.000Z' });
    expect(ops.get(a.id)).toMatchObject({ state: 'succeeded', rows: 42, tables: 3, sha256: 'f'.repeat(64), bytes: 1000, path: '/tmp/a' });
    expect(ops.list({}).map((o) => o.id)).toEqual([b.id, a.id]);
    expect(ops.list({ kind: 'export' }).map((o) => o.id)).toEqual([a.id]);
    expect(ops.list({ tenant: 'ab_00000002' }).map((o) => o.id)).toEqual([b.id]);
    expect(ops.get('nope')).toBeNull();
    expect(() => ops.update('nope', { state: 'failed' })).toThrow(/no operation/);
    ops.progress(ops.get(b.id)!, { phase: 'load', done: 1, total: 2, message: 'half' });
    expect(seen).toEqual([expect.objectContaining({ operationId: b.id, kind: 'import', phase: 'load', done: 1, total: 2 })]);
  });

  it('a running record whose process is gone reads as interrupted', () => {
    const ops = new OperationStore(store.db);
    const dead = spawnSync(process.execPath, ['-e', '']).pid as number;
    const op = ops.start({ kind: 'export', cluster: 'c1', tenant: 'ab_00000003' });
    expect(ops.get(op.id)?.state).toBe('running');
    store.db.prepare('UPDATE portability_operations SET pid = ? WHERE id = ?').run(dead, op.id);
    expect(ops.get(op.id)?.state).toBe('interrupted');
  });
});
