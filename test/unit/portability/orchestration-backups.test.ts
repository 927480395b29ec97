import { describe, expect, it } from 'vitest';
import type { Backup, BackupPolicy } from '../../../src-shared/contract/portability';
import { tenantIdSchema } from '../../../src-shared/rules/names';
import { BackupService, type BackupPorts } from '../../../src-main/portability/orchestration/backups';
import { dueTenants, nextDue, PLATFORM_BACKUP_DEFAULTS, policyFromConfig, retentionPlan, rpoStatus, rtoStatus, scratchTenantId } from '../../../src-main/portability/orchestration/maths';
import { BackupScheduler } from '../../../src-main/portability/orchestration/scheduler';
import { ORCHESTRATION_CACHE_DDL } from '../../../src-main/portability/orchestration/schema';
import type { BackupRecord, StoredPolicy } from '../../../src-main/portability/orchestration/system-repo';
import { openDatabase } from '../../../src-main/store/db';
import { FakeWorld } from './orchestration-fakes';

const H = 3_600_000;
const T0 = Date.parse('2026-11-01T00:00:00Z');
const b = (id: string, hoursAgo: number, verified: { ok: boolean } | null = null, now = T0): Backup => ({
  id,
  cluster: 'c',
  tenant: 'acme',
  at: new Date(now - hoursAgo * H).toISOString(),
  path: `/b/${id}`,
  bytes: 1,
  rows: 1,
  sha256: 'x',
  trigger: 'manual',
  verified: verified ? { at: new Date(now).toISOString(), ok: verified.ok } : null,
});
const policy = (p: Partial<BackupPolicy> = {}): BackupPolicy => ({ ...PLATFORM_BACKUP_DEFAULTS, ...p });

describe('backup maths', () => {
  it('RPO: met when the newest good backup is no older than the target; a failed verification does not count', () => {
    expect(rpoStatus(policy({ rpoMinutes: 120 }), [b('a', 1), b('b', 5)], T0)).toEqual({ met: true, newestAgeMinutes: 60 });
    expect(rpoStatus(policy({ rpoMinutes: 30 }), [b('a', 1)], T0)).toEqual({ met: false, newestAgeMinutes: 60 });
    expect(rpoStatus(policy({ rpoMinutes: 120 }), [b('a', 1, { ok: false }), b('b', 5, { ok: true })], T0)).toEqual({ met: false, newestAgeMinutes: 300 });
    expect(rpoStatus(policy(), [], T0)).toEqual({ met: false, newestAgeMinutes: null });
  });

  it('RTO: null when never measured, else the last restore against the target', () => {
    expect(rtoStatus(policy({ rtoMinutes: 10 }), null)).toEqual({ met: null, lastRestoreMinutes: null });
    expect(rtoStatus(policy({ rtoMinutes: 10 }), 9 * 60_000)).toEqual({ met: true, lastRestoreMinutes: 9 });
    expect(rtoStatus(policy({ rtoMinutes: 10 }), 10.5 * 60_000)).toEqual({ met: false, lastRestoreMinutes: 10.5 });
  });

  it('next due: every N hours after the newest good backup, now when none, never when not scheduled', () => {
    expect(nextDue(policy({ everyHours: 0 }), [], T0)).toBeNull();
    expect(nextDue(policy({ everyHours: 6 }), [], T0)).toBe(T0);
    expect(nextDue(policy({ everyHours: 6 }), [b('a', 2)], T0)).toBe(T0 + 4 * H);
  });

  it('retention keeps the newest `keep` and never drops an old backup for a failed new one', () => {
    expect(retentionPlan([b('a', 1), b('b', 2), b('c', 3), b('d', 4)], 2).remove.map((x) => x.id)).toEqual(['c', 'd']);
    expect(retentionPlan([b('a', 1), b('b', 2)], 2).remove).toEqual([]);
    // The two newest failed verification: the newest good one (c) and everything newer stay.
    expect(retentionPlan([b('a', 1, { ok: false }), b('b', 2, { ok: false }), b('c', 3), b('d', 4)], 2).remove.map((x) => x.id)).toEqual(['d']);
    // No good backup at all: nothing is removed.
    expect(retentionPlan([b('a', 1, { ok: false }), b('b', 2, { ok: false }), b('c', 3, { ok: false })], 1).remove).toEqual([]);
  });

  it('policy defaults come from the tenant configuration when present, out-of-range values ignored', () => {
    const r = policyFromConfig({ 'backup.every_hours': '12', 'backup.rpo_minutes': '800', 'backup.keep': '0', 'backup.with_data': 'false', other: 'x' });
    expect(r.policy).toEqual({ everyHours: 12, keep: PLATFORM_BACKUP_DEFAULTS.keep, rpoMinutes: 800, rtoMinutes: PLATFORM_BACKUP_DEFAULTS.rtoMinutes, withData: false });
    expect(r.ignored).toEqual(['backup.keep']);
    expect(policyFromConfig({}).policy).toEqual(PLATFORM_BACKUP_DEFAULTS);
  });

  it('due tenants: due, not running, a failed attempt retried after an hour only', () => {
    const c = [
      { cluster: 'c', tenant: 'a', policy: policy({ everyHours: 1 }), backups: [b('x', 2)] },
      { cluster: 'c', tenant: 'b', policy: policy({ everyHours: 1 }), backups: [b('y', 0.5)] },
      { cluster: 'c', tenant: 'r', policy: policy({ everyHours: 1 }), backups: [] },
      { cluster: 'c', tenant: 'f', policy: policy({ everyHours: 1 }), backups: [] },
      { cluster: 'c', tenant: 'n', policy: policy({ everyHours: 0 }), backups: [] },
    ];
    const last = (_c: string, t: string) => (t === 'f' ? { at: T0 - 10 * 60_000, ok: false } : null);
    expect(dueTenants(c, T0, new Set(['c/r']), last).map((x) => x.tenant)).toEqual(['a']);
    expect(dueTenants(c, T0 + H, new Set(), last).map((x) => x.tenant)).toEqual(['a', 'b', 'r', 'f']);
  });

  it('scratch tenant ids are valid tenant ids in the test-tenant pattern', () => {
    for (let i = 0; i < 50; i++) {
      const id = scratchTenantId();
      expect(tenantIdSchema.safeParse(id).success).toBe(true);
      expect(id).toMatch(/^vb_[0-9a-z]{8}$/);
    }
  });
});

function backupWorld(now: { t: number }) {
  const w = new FakeWorld();
  w.add('c', 'acme', { orders: { a: '1', b: '2' } });
  const catalogue: BackupRecord[] = [];
  let stored: StoredPolicy = { policy: null, updatedBy: null, updatedAt: null, measuredRestoreMs: null, measuredAt: null, measuredKind: null };
  const calls: string[] = [];
  const tampered = new Set<string>();
  const shapeProblems: string[] = [];
  let n = 0;
  const ports: BackupPorts = {
    core: w.core(),
    repo: () => ({
      policy: async () => stored,
      putPolicy: async (_t, p) => void (stored = { ...stored, policy: p }),
      recordMeasure: async (_t, ms) => void (stored = { ...stored, measuredRestoreMs: ms }),
      backups: async () => [...catalogue].sort((x, y) => Date.parse(y.at) - Date.parse(x.at)),
      putBackup: async (r) => void catalogue.push(r),
      markVerified: async (_t, id, ok) => {
        const r = catalogue.find((x) => x.id === id)!;
        r.verified = { at: new Date(now.t).toISOString(), ok };
      },
      deleteBackup: async (_t, id) => void catalogue.splice(catalogue.findIndex((x) => x.id === id), 1),
      allBackups: async () => {
        const m = new Map<string, BackupRecord[]>();
        for (const r of catalogue) m.set(r.tenant, [...(m.get(r.tenant) ?? []), r]);
        return m;
      },
    }),
    tenantState: async (c, t) => w.tenant(c, t)?.state ?? null,
    tenantConfig: async () => ({ 'backup.keep': '2' }),
    freeze: async (c, t) => {
      calls.push('freeze');
      const x = w.tenant(c, t)!;
      for (const g of [...x.grants]) if (g.endsWith('|MODIFY')) x.grants.delete(g);
    },
    thaw: async (c, t) => {
      calls.push('thaw');
      w.tenant(c, t)!.grants.add(`tenant_${t}_admin|data/tenant_${t}_data|MODIFY`);
    },
    dropTenant: async (c, t) => {
      calls.push(`drop ${t}`);
      w.clusters.get(c)!.delete(t);
    },
    backupPath: (_c, _t, id) => `/backups/${id}`,
    fileExists: (p) => w.files.has(p),
    fileSha256: async (p) => (tampered.has(p) ? 'cd'.repeat(32) : 'ab'.repeat(32)),
    bundleTenant: async (p) => w.files.get(p)!.tenant,
    shapeProblems: async () => [...shapeProblems],
    removeFile: async (p) => void w.files.delete(p),
    newId: () => `b${++n}`,
    scratchId: () => 'vb_scratch1',
    now: () => now.t,
    operator: () => 'ops',
    consoleName: '/data',
  };
  return { w, catalogue, calls, tampered, shapeProblems, svc: new BackupService(ports), ports };
}

describe('backup service (fakes of the core and catalogue)', () => {
  it('create → catalogued; retention deletes the oldest beyond keep (from the tenant config) only after the newer one was written', async () => {
    const now = { t: T0 };
    const { w, catalogue, svc } = backupWorld(now);
    for (let i = 0; i < 3; i++) {
      now.t += H;
      await svc.create('c', 'acme', 'manual', undefined);
    }
    expect(catalogue.map((x) => x.id).sort()).toEqual(['b2', 'b3']);
    expect([...w.files.keys()].sort()).toEqual(['/backups/b2', '/backups/b3']);
    // A failing backup removes nothing.
    w.failExport = true;
    now.t += H;
    await expect(svc.create('c', 'acme', 'manual', undefined)).rejects.toThrow(/export failed/);
    expect(catalogue.map((x) => x.id).sort()).toEqual(['b2', 'b3']);
    expect(w.files.has('/backups/b4')).toBe(false);
  });

  it('status: RPO from the newest backup, RTO null until a restore is measured, next due from the policy', async () => {
    const now = { t: T0 };
    const { svc } = backupWorld(now);
    await svc.setPolicy('c', 'acme', { everyHours: 6, keep: 3, rpoMinutes: 90, rtoMinutes: 5, withData: true });
    await svc.create('c', 'acme', 'manual', undefined);
    now.t += 2 * H;
    const s = await svc.status('c', 'acme');
    expect(s.rpo).toEqual({ met: false, newestAgeMinutes: 120 });
    expect(s.rto).toEqual({ met: null, lastRestoreMinutes: null });
    expect(s.nextDueAt).toBe(new Date(T0 + 6 * H).toISOString());
  });

  it('restore into the same tenant needs confirm = the tenant id, pauses writes during the load and brings deleted rows back', async () => {
    const now = { t: T0 };
    const { w, svc, calls } = backupWorld(now);
    const { backup } = await svc.create('c', 'acme', 'manual', undefined);
    w.tenant('c', 'acme')!.tables.get('orders')!.delete('a');
    await expect(svc.restore('c', 'acme', backup.id, { kind: 'same', confirm: 'other' })).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(svc.restore('c', 'acme', 'nope', { kind: 'same', confirm: 'acme' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(calls).toEqual([]);
    const r = await svc.restore('c', 'acme', backup.id, { kind: 'same', confirm: 'acme' });
    expect(calls).toEqual(['freeze', 'thaw']);
    expect(w.tenant('c', 'acme')!.tables.get('orders')!.get('a')).toBe('1');
    expect(r.tenant).toBe('acme');
    expect((await svc.status('c', 'acme')).rto.lastRestoreMinutes).not.toBeNull();
  });

  it('a failing restore still thaws the writes', async () => {
    const { w, svc, calls } = backupWorld({ t: T0 });
    const { backup } = await svc.create('c', 'acme', 'manual', undefined);
    w.failImportAt = w.imports + 1;
    await expect(svc.restore('c', 'acme', backup.id, { kind: 'same', confirm: 'acme' })).rejects.toThrow(/import failed/);
    expect(calls).toEqual(['freeze', 'thaw']);
    expect([...w.tenant('c', 'acme')!.grants].some((g) => g.endsWith('|MODIFY'))).toBe(true);
  });

  it('verify restores into a scratch tenant, compares, records the verdict and removes the scratch tenant, also when the restore fails', async () => {
    const { w, svc, catalogue, calls } = backupWorld({ t: T0 });
    const { backup } = await svc.create('c', 'acme', 'manual', undefined);
    const ok = await svc.verify('c', 'acme', backup.id);
    expect(ok).toMatchObject({ ok: true, scratch: 'vb_scratch1', error: null });
    expect(w.tenant('c', 'vb_scratch1')).toBeUndefined();
    expect(catalogue[0]!.verified?.ok).toBe(true);
    w.failImportAt = w.imports + 1;
    const bad = await svc.verify('c', 'acme', backup.id);
    expect(bad.ok).toBe(false);
    expect(bad.error).toMatch(/import failed/);
    expect(calls.filter((c) => c === 'drop vb_scratch1')).toHaveLength(2);
    expect(catalogue[0]!.verified?.ok).toBe(false);
  });

  it('restore into a new tenant refuses an existing id', async () => {
    const { w, svc } = backupWorld({ t: T0 });
    const { backup } = await svc.create('c', 'acme', 'manual', undefined);
    w.add('c', 'taken', {});
    await expect(svc.restore('c', 'acme', backup.id, { kind: 'new', tenant: 'taken' })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(svc.restore('c', 'acme', backup.id, { kind: 'new', tenant: 'acme' })).rejects.toMatchObject({ code: 'BAD_INPUT' });
    const r = await svc.restore('c', 'acme', backup.id, { kind: 'new', tenant: 'acme2' });
    expect(r.tenant).toBe('acme2');
    expect(w.digest(w.tenant('c', 'acme2')!)).toBe(w.digest(w.tenant('c', 'acme')!));
  });
});

describe('backup security review (9, 12)', () => {
  it('restore checks the file against the catalogued SHA-256 and the bundle tenant before freezing anything', async () => {
    const { w, svc, calls, tampered, catalogue } = backupWorld({ t: T0 });
    const { backup } = await svc.create('c', 'acme', 'manual', undefined);
    tampered.add('/backups/b1');
    await expect(svc.restore('c', 'acme', backup.id, { kind: 'same', confirm: 'acme' })).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/SHA-256/) });
    await expect(svc.verify('c', 'acme', backup.id)).rejects.toMatchObject({ code: 'CONFLICT' });
    tampered.clear();
    // A bundle of another tenant filed under acme's id (the row claims acme): refused.
    w.files.set('/backups/b1', { tenant: 'other', tables: new Map() });
    await expect(svc.restore('c', 'acme', backup.id, { kind: 'same', confirm: 'acme' })).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/holds tenant other/) });
    expect(calls).toEqual([]);
    expect(catalogue).toHaveLength(1);
  });

  it('the catalogue row\'s path is never used: restore and retention use the path this console builds', async () => {
    const now = { t: T0 };
    const { w, svc, catalogue } = backupWorld(now);
    w.files.set('/etc/passwd', { tenant: 'acme', tables: new Map() });
    await svc.create('c', 'acme', 'manual', undefined);
    catalogue[0]!.path = '/etc/passwd';
    for (let i = 0; i < 2; i++) {
      now.t += H;
      await svc.create('c', 'acme', 'manual', undefined);
    }
    // keep = 2: b1 removed from the catalogue, and its own file — never the row's path.
    expect(catalogue.map((x) => x.id).sort()).toEqual(['b2', 'b3']);
    expect(w.files.has('/etc/passwd')).toBe(true);
    expect(w.files.has('/backups/b1')).toBe(false);
  });

  it('the restore is verified after the thaw and fails when the tenant does not match the backup', async () => {
    const { w, svc, calls, ports } = backupWorld({ t: T0 });
    const { backup } = await svc.create('c', 'acme', 'manual', undefined);
    let frozenAtVerify: boolean | null = null;
    const verifyAgainstBundle = ports.core.verifyAgainstBundle;
    ports.core.verifyAgainstBundle = async (c, t, p) => {
      frozenAtVerify = calls.at(-1) === 'freeze';
      return verifyAgainstBundle(c, t, p);
    };
    const ok = await svc.restore('c', 'acme', backup.id, { kind: 'same', confirm: 'acme' });
    expect(ok.report.ok).toBe(true);
    expect(frozenAtVerify).toBe(false);
    ports.core.verifyAgainstBundle = async () => w.report(false);
    await expect(svc.restore('c', 'acme', backup.id, { kind: 'same', confirm: 'acme' })).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/does not match the backup/) });
  });
});

describe('restore in place (8): shapes checked before any truncate, the replaced state backed up first', () => {
  it('refuses with BAD_INPUT before freezing or loading when a bundle table no longer fits', async () => {
    const { w, svc, calls, shapeProblems, catalogue } = backupWorld({ t: T0 });
    const { backup } = await svc.create('c', 'acme', 'manual', undefined);
    w.write('c', 'acme', 'orders', 'new', 'kept');
    shapeProblems.push('tenant_acme_data.orders changed since the backup');
    await expect(svc.restore('c', 'acme', backup.id, { kind: 'same', confirm: 'acme' })).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/orders changed since the backup/) });
    expect(calls).toEqual([]);
    expect(w.tenant('c', 'acme')!.tables.get('orders')!.get('new')).toBe('kept');
    expect(catalogue).toHaveLength(1);
  });

  it('takes a safety backup of the current state first, names it, and keeps the restored backup from retention', async () => {
    const now = { t: T0 };
    const { w, svc, catalogue } = backupWorld(now);
    const { backup } = await svc.create('c', 'acme', 'manual', undefined);
    now.t += H;
    await svc.create('c', 'acme', 'manual', undefined);
    w.write('c', 'acme', 'orders', 'late', 'x');
    now.t += H;
    const r = await svc.restore('c', 'acme', backup.id, { kind: 'same', confirm: 'acme' });
    expect(r.safetyBackup).toBe('b3');
    expect(catalogue.map((x) => x.id).sort()).toEqual(['b1', 'b2', 'b3']);
    expect(w.files.get('/backups/b3')!.tables.get('orders')!.get('late')).toBe('x');
    expect(w.tenant('c', 'acme')!.tables.get('orders')!.has('late')).toBe(false);
  });
});

describe('revocations made after the backup survive a restore in place (8)', () => {
  it('reads the PKI state before, writes back what the restore undid, and says so', async () => {
    const { w, svc, ports } = backupWorld({ t: T0 });
    w.add('c', 'acme', { orders: { a: '1' }, pki_certs: { s1: 'valid' } });
    const { backup } = await svc.create('c', 'acme', 'manual', undefined);
    w.tenant('c', 'acme')!.tables.get('pki_certs')!.set('s1', 'revoked');
    ports.pki = {
      snapshot: async (c, t) => new Map(w.tenant(c, t)!.tables.get('pki_certs')!),
      reapply: async (c, t, snap) => {
        let n = 0;
        for (const [k, v] of snap as Map<string, string>) if (v === 'revoked' && w.tenant(c, t)!.tables.get('pki_certs')!.get(k) !== 'revoked') (w.tenant(c, t)!.tables.get('pki_certs')!.set(k, v), n++);
        return n;
      },
    };
    const r = await svc.restore('c', 'acme', backup.id, { kind: 'same', confirm: 'acme' });
    expect(w.tenant('c', 'acme')!.tables.get('pki_certs')!.get('s1')).toBe('revoked');
    expect(r.report.notes).toContain('1 certificate revocation/CRL rows made after the backup were written back');
  });
});

describe('backups of decommissioned tenants (13)', () => {
  it('removes this console\'s files and rows of a deleted tenant; keeps another console\'s row and live tenants\' backups', async () => {
    const now = { t: T0 };
    const { w, svc, catalogue } = backupWorld(now);
    await svc.create('c', 'acme', 'manual', undefined);
    now.t += H;
    await svc.create('c', 'acme', 'manual', undefined);
    catalogue[1]!.console = '/elsewhere';
    expect(await svc.purgeDeleted('c')).toEqual([]);
    expect(catalogue).toHaveLength(2);
    w.tenant('c', 'acme')!.state = 'deleted';
    expect(await svc.purgeDeleted('c')).toEqual(['acme/b1']);
    expect(catalogue.map((x) => x.id)).toEqual(['b2']);
    expect(w.files.has('/backups/b1')).toBe(false);
  });
});

describe('backup scheduler', () => {
  it('takes due backups one by one, records attempts, retries a failure only after an hour, never in the CLI', async () => {
    const db = openDatabase(':memory:');
    db.exec(ORCHESTRATION_CACHE_DDL);
    const now = { t: T0 };
    const taken: string[] = [];
    let fail = true;
    const logger = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} } as never;
    const deps = {
      clusters: () => ['c'],
      tenants: () => ['a', 'b'],
      policies: async () => new Map([['a', policy({ everyHours: 2 })]]),
      catalogue: async () => new Map<string, BackupRecord[]>(),
      configPolicy: async (_c: string, t: string) => policy({ everyHours: t === 'b' ? 1 : 0 }),
      backup: async (c: string, t: string) => {
        if (t === 'b' && fail) throw new Error('boom');
        taken.push(`${c}/${t}`);
      },
      db,
      logger,
      now: () => now.t,
    };
    const s = new BackupScheduler({ ...deps, host: 'web' });
    expect(await s.tick()).toEqual(['c/a']);
    expect(taken).toEqual(['c/a']);
    fail = false;
    now.t += 10 * 60_000;
    // b failed 10 minutes ago: not yet; a's catalogue (a fake) still shows nothing, so it is due again.
    expect(await s.tick()).toEqual(['c/a']);
    now.t += H;
    expect(await s.tick()).toEqual(['c/a', 'c/b']);
    expect(await new BackupScheduler({ ...deps, host: 'cli' }).tick()).toEqual([]);
    await s.close();
    db.close();
  });
});
