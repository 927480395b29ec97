import { describe, expect, it } from 'vitest';
import { ConfigService } from '../../../src-main/config/service';
import type { ConfigTables, StoredVersion } from '../../../src-main/config/tables';
import type { CqlClient } from '../../../src-main/cassandra/connections';
import type { SecretStore } from '../../../src-main/secrets/types';
import { AppError } from '../../../src-main/app/errors';
import { templateBase, templateChange, templateChangeText, type TemplateDefaults } from '../../../src-shared/rules/tenant-config';
import { templatePreviewSchema } from '../../../src-shared/contract/config';

const DEFAULTS: TemplateDefaults = { policies: { 'password.min_length': '12' }, config: { 'audit.retention_days': '365' }, features: {}, quotas: { max_users: 50 } };
const STRICT: TemplateDefaults = { policies: { 'password.min_length': '16', 'password.require_symbol': 'true' }, config: { 'audit.retention_days': '730' }, features: { 'pki.enabled': true }, quotas: { max_users: 50 } };
const WEAK: TemplateDefaults = { policies: {}, config: { 'audit.retention_days': '30' }, features: {}, quotas: {} };

describe('templateChange (pure)', () => {
  it('inherited fields move with the template; overridden ones are listed as shadowed with their template values, their effective value kept', () => {
    const c = templateChange(templateBase(DEFAULTS).base, templateBase(STRICT).base, { 'password.minLength': 20 }, null);
    expect(c.changes.map((f) => [f.path, f.before, f.after])).toEqual([
      ['password.requireSymbol', false, true],
      ['retention.auditDays', 365, 730],
      ['features.pki.enabled', null, true],
    ]);
    expect(c.shadowed).toEqual([{ path: 'password.minLength', label: 'Minimum length', origin: 'overridden', before: 12, after: 16 }]);
    expect(c.after.password.minLength).toBe(20);
    expect(c.problems).toEqual([]);
    expect(templateChangeText(c)).toBe('password.requireSymbol no → yes; retention.auditDays 365 → 730; features.pki.enabled — → yes; overridden, so unchanged: password.minLength (template 12 → 16)');
  });

  it('names the field a template would make weaker than the compliance profile, unless an override keeps it strong', () => {
    const m = { retentionYears: 1, minRsaBits: null, minEcBits: null, maxKeyAgeDays: null };
    expect(templateChange(templateBase(DEFAULTS).base, templateBase(WEAK).base, {}, m).problems.map((p) => p.path)).toEqual(['retention.auditDays']);
    expect(templateChange(templateBase(DEFAULTS).base, templateBase(WEAK).base, { 'retention.auditDays': 400 }, m).problems).toEqual([]);
  });

  it('the same template gives no changes', () => {
    const c = templateChange(templateBase(STRICT).base, templateBase(STRICT).base, {}, null);
    expect(c.changes).toEqual([]);
    expect(templateChangeText(c)).toBe('no effective value changes');
  });
});

/** The config tables in memory, with the tenant_info template name and the registry row. */
class FakeTables {
  store: StoredVersion[] = [];
  snapshot: { name: string | null; body: string | null; syncedAt: string | null } | null = null;
  info = 'default';
  registry: { template: string; state: string } | null = { template: 'default', state: 'active' };
  writes: string[] = [];
  failRegistry = false;
  async missing() {
    return [];
  }
  async ensure() {}
  async templateName() {
    return this.info;
  }
  async templateSnapshot() {
    return this.snapshot;
  }
  async putTemplateSnapshot(_c: unknown, _t: string, name: string | null, body: string | null) {
    this.writes.push(`snapshot ${name}`);
    this.snapshot = { name, body, syncedAt: new Date().toISOString() };
  }
  async putTemplateName(_c: unknown, _t: string, name: string) {
    this.writes.push(`info ${name}`);
    this.info = name;
  }
  async registryTemplate() {
    return this.registry;
  }
  async putRegistryTemplate(_c: unknown, _t: string, name: string) {
    if (this.failRegistry) throw new AppError('UNAVAILABLE', 'node down');
    this.writes.push(`registry ${name}`);
    if (!this.registry) return false;
    this.registry.template = name;
    return true;
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
    if (this.store.some((x) => x.version === v.version)) return false;
    this.writes.push(`v${v.version}`);
    this.store.unshift(v);
    return true;
  }
}

const client = {} as CqlClient;
const secrets = { get: async () => null, set: async () => undefined, delete: async () => false, has: async () => false, describe: () => ({ backend: 'keychain' as const, location: 'fake' }) } satisfies SecretStore;
const TEMPLATES: Record<string, TemplateDefaults> = { default: DEFAULTS, strict: STRICT, weak: WEAK };

function service(tables: FakeTables, opts: { platform?: boolean; minimums?: { retentionYears: number } | null } = {}) {
  return new ConfigService({
    tables: tables as unknown as ConfigTables,
    secrets,
    platformClient: () => (opts.platform === false ? null : client),
    template: async (_c, n) => TEMPLATES[n] ?? null,
    namedTemplate: async (c, n) => {
      const t = TEMPLATES[n];
      if (!t) throw new AppError('NOT_FOUND', `template ${n} does not exist on ${c}`);
      return t;
    },
    compliance: async () => (opts.minimums ? { minRsaBits: null, minEcBits: null, maxKeyAgeDays: null, ...opts.minimums } : null),
  });
}

describe('ConfigService.setTemplate / templatePreview (unit: fake tables)', () => {
  it('preview writes nothing and reports the inherited changes, the shadowed override, and that it is not current', async () => {
    const tables = new FakeTables();
    tables.store = [{ version: 1, author: 'a', at: new Date().toISOString(), reason: 'r', document: JSON.stringify({ overrides: { 'retention.auditDays': 400 } }), changes: '[]' }];
    const p = await service(tables).templatePreview('prod', 'acme', client, 'strict');
    expect(templatePreviewSchema.safeParse(p).success).toBe(true);
    expect(p).toMatchObject({ from: 'default', to: 'strict', current: false, snapshotStale: false, version: 1 });
    expect(p.changes.map((c) => c.path)).toEqual(['password.minLength', 'password.requireSymbol', 'features.pki.enabled']);
    expect(p.shadowed.map((c) => [c.path, c.before, c.after])).toEqual([['retention.auditDays', 365, 730]]);
    expect(tables.writes).toEqual([]);
  });

  it('records a baseline and a version with reason "template: A → B: why" and the effective diff, then the name, the snapshot and the registry', async () => {
    const tables = new FakeTables();
    const v = await service(tables).setTemplate('prod', 'acme', client, 'op', { template: 'strict', reason: 'tighten' });
    expect(tables.writes).toEqual(['v1', 'v2', 'info strict', 'snapshot strict', 'registry strict']);
    expect(tables.store[0]!.reason).toBe('template: default → strict: tighten');
    expect(JSON.parse(tables.store[0]!.changes)).toContainEqual({ path: 'password.minLength', kind: 'changed', before: 12, after: 16 });
    expect(JSON.parse(tables.store[0]!.document)).toEqual({ overrides: {}, template: 'strict' });
    expect(v.template.name).toBe('strict');
    expect(v.version).toBe(2);
    expect(v.effective.password.minLength).toBe(16);
    expect(v.changes.map((c) => c.path)).toContain('retention.auditDays');
    // Now current: a second identical change is refused, nothing written.
    tables.writes = [];
    await expect(service(tables).setTemplate('prod', 'acme', client, 'op', { template: 'strict', reason: 'again' })).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/already uses template strict/) });
    expect(tables.writes).toEqual([]);
  });

  it('refuses: unknown template NOT_FOUND, weaker than compliance BAD_INPUT naming the field, no platform FORBIDDEN, not active CONFLICT, stale expectedVersion CONFLICT — nothing written', async () => {
    const tables = new FakeTables();
    await expect(service(tables).setTemplate('prod', 'acme', client, 'op', { template: 'ghost', reason: 'r' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(service(tables, { minimums: { retentionYears: 1 } }).setTemplate('prod', 'acme', client, 'op', { template: 'weak', reason: 'r' })).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/retention\.auditDays/) });
    await expect(service(tables, { platform: false }).setTemplate('prod', 'acme', client, 'op', { template: 'strict', reason: 'r' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(service(tables).setTemplate('prod', 'acme', client, 'op', { template: 'strict', reason: 'r', expectedVersion: 3 })).rejects.toMatchObject({ code: 'CONFLICT' });
    tables.registry = { template: 'default', state: 'suspended' };
    await expect(service(tables).setTemplate('prod', 'acme', client, 'op', { template: 'strict', reason: 'r' })).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/suspended/) });
    tables.registry = null;
    await expect(service(tables).setTemplate('prod', 'acme', client, 'op', { template: 'strict', reason: 'r' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(tables.writes).toEqual([]);
    expect(tables.info).toBe('default');
  });

  it('a run interrupted after the version finishes on retry without a second version', async () => {
    const tables = new FakeTables();
    tables.failRegistry = true;
    await expect(service(tables).setTemplate('prod', 'acme', client, 'op', { template: 'strict', reason: 'r' })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    tables.failRegistry = false;
    tables.info = 'default'; // as if the tenant_info write had not happened either
    tables.writes = [];
    const v = await service(tables).setTemplate('prod', 'acme', client, 'op', { template: 'strict', reason: 'r' });
    expect(tables.writes.filter((w) => w.startsWith('v'))).toEqual([]);
    expect(v.version).toBe(2);
    expect(tables.registry?.template).toBe('strict');
  });

  it('same template whose stored body changed since the copy: a refresh version, previewed as stale', async () => {
    const tables = new FakeTables();
    tables.info = 'strict';
    tables.snapshot = { name: 'strict', body: JSON.stringify({ policies: {}, config: {}, features: {}, quotas: {} }), syncedAt: null };
    const p = await service(tables).templatePreview('prod', 'acme', client, 'strict');
    expect(p).toMatchObject({ current: false, snapshotStale: true });
    expect(p.changes.map((c) => [c.path, c.before, c.after])).toContainEqual(['password.minLength', 12, 16]);
    await service(tables).setTemplate('prod', 'acme', client, 'op', { template: 'strict', reason: 'template edited' });
    expect(tables.store[0]!.reason).toBe('template: strict (defaults refreshed): template edited');
  });
});
