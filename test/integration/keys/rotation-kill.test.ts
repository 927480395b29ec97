import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { node } from '../../support/cassandra';
import { REPO_ROOT } from '../../support/web-host';
import { KeyWorld } from './support';

const N = 20_000;
const keyOf = (i: number): string => `cfg/${String(i).padStart(6, '0')}`;
/** Deterministic, distinct originals, so the check after the crash needs no copy kept aside. */
const valueOf = (i: number): string => `original-${i}-${createHash('sha256').update(`seed-${i}`).digest('hex').slice(0, 24)}`;

interface Progress {
  phase?: string;
  done?: number;
  total?: number;
  finished?: boolean;
}

/** Run the child until it has re-encrypted at least `killAt` values, then SIGKILL it. */
function rotateAndKill(env: Record<string, string>, killAt: number): Promise<{ signal: NodeJS.Signals | null; last: Progress | null; finished: boolean; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test', 'integration', 'keys', 'rotate-child.ts')], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buf = '';
    let stderr = '';
    let last: Progress | null = null;
    let finished = false;
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!line.startsWith('{')) continue;
        const p = JSON.parse(line) as Progress;
        if (p.finished) finished = true;
        if (p.phase === 'reencrypt') last = p;
        if (p.phase === 'reencrypt' && (p.done ?? 0) >= killAt && !child.killed) child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('exit', (_code, signal) => resolve({ signal, last, finished, stderr }));
  });
}

describe('a rotation killed mid-way resumes and loses nothing (real node, keychain, SQLite, separate process)', () => {
  let w: KeyWorld;
  beforeAll(async () => {
    w = await KeyWorld.open();
  });
  afterAll(async () => {
    await w?.close();
  });

  it(`SIGKILL during re-encryption of ${N.toLocaleString('en')} values, then resume`, async () => {
    const tenant = await w.tenant('kr');
    const { service, secrets } = w.keychain();
    const first = w.sqlite();
    const c = w.console(secrets, first.cache, 60_000);
    await c.keys.ensureTenantKeys(tenant);
    const sealed = await Promise.all(Array.from({ length: N }, (_, i) => c.keys.encrypt(tenant, 'cache', valueOf(i), { context: keyOf(i) })));
    first.store.withTransaction(() => {
      const put = first.store.db.prepare('INSERT INTO sealed_values (tenant_id, key, purpose, key_version, ciphertext, updated_at) VALUES (?, ?, ?, 1, ?, ?)');
      sealed.forEach((ct, i) => put.run(tenant, keyOf(i), 'cache', ct, new Date().toISOString()));
    });
    expect(await first.cache.countStale(tenant, 'cache', 2)).toBe(N);
    first.store.close(); // the child is now the only writer, as after a restart of the console

    const run = await rotateAndKill(
      {
        KEYS_CHILD: JSON.stringify({ contactPoint: node().contactPoint, localDc: node().localDc, sysKs: w.sysKs, tenant, service, dir: first.dir, batchSize: 250, pauseMs: 40 }),
      },
      N / 4,
    );
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.signal).toBe('SIGKILL');
    expect(run.finished).toBe(false);
    expect(run.last!.done).toBeGreaterThanOrEqual(N / 4);
    expect(run.last!.done).toBeLessThan(N);

    // Restart: the journal says where it stopped; the cache holds a mix of old and new versions.
    const second = w.sqlite(first.dir);
    const journal = await second.cache.readJournal(tenant, 'cache');
    expect(journal).toMatchObject({ toVersion: 2, total: N });
    expect(journal!.done).toBeGreaterThanOrEqual(N / 4);
    expect(journal!.done).toBeLessThan(N);
    const stale = await second.cache.countStale(tenant, 'cache', 2);
    expect(stale).toBe(N - journal!.done);

    const after = w.console(secrets, second.cache, 60_000);
    const st = await after.keys.status(tenant);
    expect(st.kek.current).toBe(2);
    expect(st.pending.reencrypt).toEqual([{ purpose: 'cache', toVersion: 2, done: journal!.done, total: N }]);
    // Even before resuming, every value opens (old key version still usable).
    expect(await after.sealed.getText(tenant, keyOf(0))).toBe(valueOf(0));
    expect(await after.sealed.getText(tenant, keyOf(N - 1))).toBe(valueOf(N - 1));

    const r = await after.keys.resume(tenant, { batchSize: 1000 });
    expect(r).toMatchObject({ hadPending: true, kekVersion: 2, dataKeyVersion: 2, retiredDataKeyVersions: [1], reencrypted: N - journal!.done, unreadable: [] });
    expect(await second.cache.readJournal(tenant, 'cache')).toBeNull();
    expect(await second.cache.countStale(tenant, 'cache', 2)).toBe(0);
    expect(await second.cache.count(tenant)).toBe(N);
    let checked = 0;
    for (let after_: string | null = null; ; ) {
      const page = await after.sealed.list(tenant, { after: after_, limit: 2000 });
      if (page.length === 0) break;
      for (const { key, value } of page) {
        expect(value.toString()).toBe(valueOf(Number(key.slice(4))));
        checked++;
      }
      after_ = page[page.length - 1]!.key;
    }
    expect(checked).toBe(N);
    // No extra KEK or data key version was made by the crash or the resume.
    const keks = await w.admin.execute(`SELECT version, state FROM "${w.sysKs}".tenant_keks WHERE tenant_id = ?`, [tenant], { prepare: true });
    expect(keks.rows.map((x) => `${x['version']}:${x['state']}`).sort()).toEqual(['1:retired', '2:active']);
    const final = await after.keys.status(tenant);
    expect(final.dataKeys.cache.versions.map((v) => `${v.version}:${v.state}`)).toEqual(['2:active', '1:retired']);
    expect(final.pending).toEqual({ kek: false, reencrypt: [] });
  });
});
