import { describe, expect, it } from 'vitest';
import { ConfigService } from '../../../src-main/config/service';
import type { ConfigTables, StoredBranding, StoredIntegration, StoredVersion } from '../../../src-main/config/tables';
import type { CqlClient } from '../../../src-main/cassandra/connections';
import type { SecretStore } from '../../../src-main/secrets/types';
import { DEFAULT_TEMPLATE } from '../../../src-shared/rules/templates';

/** In-memory stand-in for the tenant-keyspace tables (a fake of our own port; the real ones are proven on the node). */
class FakeTables {
  exists = true;
  ensured = 0;
  store: StoredVersion[] = [];
  snapshot: { name: string | null; body: string | null; syncedAt: string | null } | null = null;
  /** Simulates another console winning the LWT for this version number. */
  stealVersion: number | null = null;
  branding: StoredBranding | null = null;
  rows = new Map<string, StoredIntegration>();
  async missing() {
    return this.exists ? [] : ['config_versions'];
  }
  async ensure() {
    this.ensured++;
    this.exists = true;
  }
  async templateName() {
    return 'default';
  }
  async templateSnapshot() {
    return this.snapshot;
  }
  async putTemplateSnapshot(_c: unknown, _t: string, name: string | null, body: string | null) {
    this.snapshot = { name, body, syncedAt: new Date().toISOString() };
  }
  async head() {
    return this.store[0] ?? null;
  }
  async versions(_c: unknown, _t: string, limit: number) {
    return this.store.slice(0, limit);
  }
  async version(_c: unknown, _t: string, n: number) {
    return this.store.find((v) => v.version === n) ?? null;
  }
  async insertVersion(_c: unknown, _t: string, v: StoredVersion) {
    if (v.version === this.stealVersion) {
      this.store.unshift({ ...v, author: 'other', document: '{"overrides":{}}' });
      this.stealVersion = null;
      return false;
    }
    if (this.store.some((x) => x.version === v.version)) return false;
    this.store.unshift(v);
    return true;
  }
}

const client = {} as CqlClient;
const secrets = { get: async () => null, set: async () => undefined, delete: async () => false, has: async () => false, describe: () => ({ backend: 'keychain' as const, location: 'fake' }) } satisfies SecretStore;

function service(tables: FakeTables, platform = true, minimums: { minRsaBits: number } | null = null) {
  return new ConfigService({
    tables: tables as unknown as ConfigTables,
    secrets,
    platformClient: () => (platform ? client : null),
    template: async () => DEFAULT_TEMPLATE,
    namedTemplate: async () => DEFAULT_TEMPLATE,
    compliance: async () => (minimums ? { retentionYears: null, minEcBits: null, maxKeyAgeDays: null, ...minimums } : null),
  });
}

describe('ConfigService (unit: fake tables)', () => {
  it('writes a baseline v1 before the first change, then v2 with the diff', async () => {
    const tables = new FakeTables();
    const svc = service(tables);
    const v = await svc.set('prod', 'acme', client, 'op', { set: { 'password.minLength': 14 }, clear: [], reason: 'why' });
    expect(v.version).toBe(2);
    expect(JSON.parse(tables.store[0]!.changes)).toEqual([{ path: 'password.minLength', kind: 'set', before: null, after: 14 }]);
    expect(tables.store[1]!.reason).toBe('initial: inherits template default');
  });

  it('maps a stale expectedVersion and a lost LWT to CONFLICT, and writes nothing of its own', async () => {
    const tables = new FakeTables();
    const svc = service(tables);
    await svc.set('prod', 'acme', client, 'op', { set: { 'password.minLength': 14 }, clear: [], reason: 'a' });
    await expect(svc.set('prod', 'acme', client, 'op', { set: { 'password.minLength': 15 }, clear: [], reason: 'b', expectedVersion: 1 })).rejects.toMatchObject({ code: 'CONFLICT' });
    tables.stealVersion = 3;
    await expect(svc.set('prod', 'acme', client, 'op', { set: { 'password.minLength': 15 }, clear: [], reason: 'c' })).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('version 3') });
    expect(tables.store.filter((v) => v.author === 'op').map((v) => v.version)).toEqual([2, 1]);
  });

  it('rollback writes the old document again with reason "rollback to vN"; nothing-to-change is refused', async () => {
    const tables = new FakeTables();
    const svc = service(tables);
    await svc.set('prod', 'acme', client, 'op', { set: { 'sessions.idleMinutes': 10 }, clear: [], reason: 'a' });
    await svc.set('prod', 'acme', client, 'op', { set: { 'sessions.idleMinutes': 20, 'password.requireSymbol': true }, clear: [], reason: 'b' });
    const back = await svc.rollback('prod', 'acme', client, 'op', { version: 2 });
    expect([back.version, back.overrides]).toEqual([4, { 'sessions.idleMinutes': 10 }]);
    expect(tables.store[0]!.reason).toBe('rollback to v2');
    await expect(svc.rollback('prod', 'acme', client, 'op', { version: 2 })).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringContaining('nothing changes') });
  });

  it('refuses a weaker value than the compliance profile only for the fields the change touches', async () => {
    const tables = new FakeTables();
    const svc = service(tables, true, { minRsaBits: 3072 });
    await expect(svc.set('prod', 'acme', client, 'op', { set: { 'certificates.minRsaBits': 2048 }, clear: [], reason: 'x' })).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringContaining('certificates.minRsaBits') });
    // The template's 2048 is below the profile: shown as a warning, but an unrelated change still saves.
    const v = await svc.set('prod', 'acme', client, 'op', { set: { 'sessions.idleMinutes': 10 }, clear: [], reason: 'unrelated' });
    expect(v.warnings.some((w) => w.path === 'certificates.minRsaBits')).toBe(true);
  });

  it('a tenant-scoped console reads defaults without tables but cannot create them (CONFLICT on write)', async () => {
    const tables = new FakeTables();
    tables.exists = false;
    const svc = service(tables, false);
    const v = await svc.show('prod', 'acme', client);
    expect([v.version, v.template.found]).toEqual([0, false]);
    await expect(svc.set('prod', 'acme', client, 'boss', { set: { 'sessions.idleMinutes': 10 }, clear: [], reason: 'x' })).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('platform scope') });
    expect(tables.ensured).toBe(0);
    const platform = service(tables, true);
    await platform.show('prod', 'acme', client);
    expect(tables.ensured).toBe(1);
    expect(tables.snapshot?.name).toBe('default');
  });

  it('effective(): cached for the users feature, dropped on its own write', async () => {
    const tables = new FakeTables();
    const svc = service(tables);
    let opened = 0;
    const session = async () => {
      opened++;
      return client;
    };
    expect((await svc.effective('prod', 'acme', session)).quotas.maxUsers).toBe(50);
    expect((await svc.effective('prod', 'acme', session)).quotas.maxUsers).toBe(50);
    expect(opened).toBe(1);
    await svc.set('prod', 'acme', client, 'op', { set: { 'quotas.maxUsers': 7 }, clear: [], reason: 'x' });
    expect((await svc.effective('prod', 'acme', session)).quotas.maxUsers).toBe(7);
  });
});
