import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../../../src-shared/contract';
import type { ConfigView } from '../../../src-shared/contract/config';
import { configModule } from '../../../src-main/config/module';
import { ConfigTables } from '../../../src-main/config/tables';
import type { CallContext } from '../../../src-main/ipc/router';
import { localClient, type LocalClient } from '../../../src-main/ipc/local-client';
import { secretKey } from '../../../src-main/secrets/secret-key';
import { driverClient, node, realServices, unique } from '../../support/cassandra';
import { platformConsole, provision, scrub, type Svc } from '../tenancy/support';

/**
 * Issue 7 items 2–4 on the real node: versions written with an LWT into the tenant's own console
 * keyspace, template inheritance, validation and compliance minimums, rollback, a tenant admin
 * confined by Cassandra to its own tenant, integration secrets only in the keychain.
 */
const PW = 'correct-horse-battery';

function value<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}
const field = (v: ConfigView, path: string) => v.fields.find((f) => f.path === path);

/** A minimal PNG header (signature + IHDR): enough for the type and size checks. */
function png(width: number, height: number): Buffer {
  const b = Buffer.alloc(45);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(b, 0);
  b.writeUInt32BE(13, 8);
  b.write('IHDR', 12, 'latin1');
  b.writeUInt32BE(width, 16);
  b.writeUInt32BE(height, 20);
  b[24] = 8;
  b[25] = 6;
  return b;
}

describe('tenant configuration on the real node', () => {
  let p: Svc;
  let papi: LocalClient;
  let cluster: string;
  let t: Svc;
  let tapi: LocalClient;
  const tcluster = unique('tc').replace(/_/g, '-');
  let admin: cassandra.Client;
  const a = unique('cf');
  const b = unique('cg');
  const extra: Svc[] = [];

  beforeAll(async () => {
    ({ svc: p, api: papi, cluster } = await platformConsole());
    admin = await driverClient();
    const [sa, sb] = [await provision(p, papi, cluster, a, 'boss', PW), await provision(p, papi, cluster, b, 'boss', PW)];
    expect([sa.state, sb.state]).toEqual(['succeeded', 'succeeded']);
    t = await realServices();
    tapi = localClient(t.router, { host: 'cli' });
    value(await tapi.call('cluster.add', { name: tcluster, contactPoints: [node().contactPoint], localDc: node().localDc, username: `tenant_${a}_u_boss`, password: PW }));
    const scope = value(await tapi.call('session.signIn', { cluster: tcluster }));
    expect([scope.platform, scope.tenantAdmin]).toEqual([false, [a]]);
  }, 240_000);

  afterAll(async () => {
    await admin?.shutdown();
    for (const s of [...extra, t, p]) await s?.close().catch(() => undefined);
    await scrub([a, b]);
  }, 120_000);

  it('starts fully inherited from the template, then a change makes a version with author, time, reason and diff in the tenant keyspace', async () => {
    const before = value(await papi.call('config.show', { cluster, tenant: a }));
    expect([before.version, before.template.name, before.template.found]).toEqual([0, 'default', true]);
    expect(field(before, 'password.minLength')).toMatchObject({ value: 12, origin: 'inherited', inheritedFrom: 'template' });
    expect(field(before, 'quotas.maxUsers')).toMatchObject({ value: 50, origin: 'inherited', inheritedFrom: 'template' });
    expect(field(before, 'consistency.read')).toMatchObject({ value: 'LOCAL_QUORUM', inheritedFrom: 'builtin' });
    expect(field(before, 'features.pki.enabled')).toMatchObject({ value: true, inheritedFrom: 'template' });

    const t0 = Date.now();
    const after = value(await papi.call('config.set', { cluster, tenant: a, set: { 'password.minLength': 16, 'features.pki.enabled': false }, reason: 'stronger passwords' }));
    expect(after.version).toBe(2);
    expect(field(after, 'password.minLength')).toMatchObject({ value: 16, origin: 'overridden', inheritedValue: 12 });
    expect(field(after, 'features.pki.enabled')).toMatchObject({ value: false, origin: 'overridden', inheritedValue: true });
    const history = value(await papi.call('config.history', { cluster, tenant: a }));
    expect(history.map((h) => h.version)).toEqual([2, 1]);
    expect(history[0]).toMatchObject({ author: 'cassandra', reason: 'stronger passwords', overrides: { 'password.minLength': 16, 'features.pki.enabled': false } });
    expect(history[0]!.changes).toEqual([
      { path: 'features.pki.enabled', kind: 'set', before: null, after: false },
      { path: 'password.minLength', kind: 'set', before: null, after: 16 },
    ]);
    expect(Date.parse(history[0]!.at)).toBeGreaterThanOrEqual(t0 - 5000);
    expect(history[1]!.reason).toMatch(/^initial: inherits template default/);
    // Stored in the tenant's own console keyspace, nowhere shared.
    const rows = (await admin.execute(`SELECT version, author FROM "tenant_${a}_csm".config_versions WHERE k = 'tenant'`)).rows;
    expect(rows.map((r) => [r['version'], r['author']])).toEqual([
      [2, 'cassandra'],
      [1, 'cassandra'],
    ]);
  }, 60_000);

  it('refuses a bad value with the field and the reason, and writes nothing', async () => {
    const short = await papi.call('config.set', { cluster, tenant: a, set: { 'password.minLength': 3 }, reason: 'x' });
    expect(!short.ok && short.error.code).toBe('BAD_INPUT');
    expect(!short.ok && short.error.message).toMatch(/password\.minLength: .*8/);
    const serial = await papi.call('config.set', { cluster, tenant: a, set: { 'consistency.write': 'SERIAL' }, reason: 'x' });
    expect(!serial.ok && serial.error.message).toMatch(/consistency\.write/);
    const unknown = await papi.call('config.set', { cluster, tenant: a, set: { 'password.bogus': 1 }, reason: 'x' });
    expect(!unknown.ok && unknown.error.code).toBe('BAD_INPUT');
    const noReason = await papi.call('config.set', { cluster, tenant: a, set: { 'sessions.idleMinutes': 10 }, reason: '  ' });
    expect(!noReason.ok && noReason.error.message).toMatch(/reason/);
    expect(value(await papi.call('config.history', { cluster, tenant: a })).map((h) => h.version)).toEqual([2, 1]);
  }, 60_000);

  it('lets exactly one of two consoles write the same version (CONFLICT for the other), at the channel and at the LWT', async () => {
    const p2 = await realServices();
    extra.push(p2);
    const api2 = localClient(p2.router, { host: 'cli' });
    value(await api2.call('cluster.add', { name: cluster, contactPoints: [node().contactPoint], localDc: node().localDc, username: 'cassandra', password: 'cassandra' }));
    value(await api2.call('session.signIn', { cluster }));
    const [r1, r2] = await Promise.all([
      papi.call('config.set', { cluster, tenant: a, set: { 'sessions.idleMinutes': 10 }, reason: 'console one', expectedVersion: 2 }),
      api2.call('config.set', { cluster, tenant: a, set: { 'sessions.idleMinutes': 20 }, reason: 'console two', expectedVersion: 2 }),
    ]);
    expect([r1.ok, r2.ok].filter(Boolean)).toHaveLength(1);
    expect([r1, r2].find((r) => !r.ok)).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    expect(value(await papi.call('config.show', { cluster, tenant: a })).version).toBe(3);
    // Without expectedVersion both read head 3 and race on the INSERT … IF NOT EXISTS of v4 directly.
    const tables = new ConfigTables();
    const [c1, c2] = [await p.tenants.context(cluster, a, 'cassandra').session(), await p2.tenants.context(cluster, a, 'cassandra').session()];
    const current = value(await papi.call('config.show', { cluster, tenant: a })).overrides;
    const v = (who: string) => ({ version: 4, author: who, at: new Date().toISOString(), reason: who, document: JSON.stringify({ overrides: current }), changes: '[]' });
    const applied = await Promise.all([tables.insertVersion(c1, a, v('one')), tables.insertVersion(c2, a, v('two'))]);
    expect(applied.filter(Boolean)).toHaveLength(1);
    const late = await papi.call('config.rollback', { cluster, tenant: a, version: 3, expectedVersion: 3 });
    expect(!late.ok && late.error.code).toBe('CONFLICT');
  }, 90_000);

  it('rolls back: a new version whose content equals the old one, restoring the effective config', async () => {
    const head = value(await papi.call('config.show', { cluster, tenant: a }));
    expect(head.version).toBe(4);
    const back = value(await papi.call('config.rollback', { cluster, tenant: a, version: 1 }));
    expect(back.version).toBe(5);
    expect(back.overrides).toEqual({});
    expect(field(back, 'password.minLength')).toMatchObject({ value: 12, origin: 'inherited' });
    const v5 = value(await papi.call('config.version', { cluster, tenant: a, version: 5 }));
    expect(v5.reason).toBe('rollback to v1');
    expect(value(await papi.call('config.diff', { cluster, tenant: a, from: 1, to: 5 })).changes).toEqual([]);
    expect(value(await papi.call('config.diff', { cluster, tenant: a, from: 2, to: 5 })).changes.map((c) => [c.path, c.kind])).toEqual([
      ['features.pki.enabled', 'cleared'],
      ['password.minLength', 'cleared'],
    ]);
    const again = value(await papi.call('config.rollback', { cluster, tenant: a, version: 2, note: 'wanted it after all' }));
    expect([again.version, field(again, 'password.minLength')?.value]).toEqual([6, 16]);
    const missing = await papi.call('config.rollback', { cluster, tenant: a, version: 99 });
    expect(!missing.ok && missing.error.code).toBe('NOT_FOUND');
  }, 60_000);

  it("lets the tenant admin edit its own tenant's config; another tenant's is FORBIDDEN (audited) and Cassandra refuses the write too", async () => {
    const mine = value(await tapi.call('config.set', { cluster: tcluster, tenant: a, set: { 'sessions.maxConcurrentPerUser': 3 }, clear: ['password.minLength'], reason: 'tenant admin edit' }));
    expect(mine.version).toBe(7);
    expect(mine.updatedBy).toBe(`tenant_${a}_u_boss`);
    // The tenant-scoped console inherits the same template values (copied into its keyspace by the platform).
    expect(field(mine, 'quotas.maxUsers')).toMatchObject({ value: 50, inheritedFrom: 'template' });
    const other = await tapi.call('config.set', { cluster: tcluster, tenant: b, set: { 'sessions.maxConcurrentPerUser': 3 }, reason: 'reach over' });
    expect(!other.ok && other.error.code).toBe('FORBIDDEN');
    expect(t.store.localAudit.forbidden(10).some((e) => e.channel === 'config.set' && e.tenant === b)).toBe(true);
    const boss = await driverClient({ username: `tenant_${a}_u_boss`, password: PW });
    try {
      const refused = async (q: string): Promise<string> => boss.execute(q).then(() => 'written', (e: Error) => e.constructor.name);
      expect(await refused(`INSERT INTO "tenant_${b}_csm".config_versions (k, version, author, document) VALUES ('tenant', 99, 'x', '{}')`)).toBe('ResponseError');
      // Its own template defaults are the platform's: no MODIFY there.
      expect(await refused(`INSERT INTO "tenant_${a}_csm".config_template (k, body) VALUES ('tenant', '{}')`)).toBe('ResponseError');
    } finally {
      await boss.shutdown();
    }
  }, 60_000);

  it('passwordPolicy()/maxUsers() follow a saved change, on platform and tenant-scoped consoles', async () => {
    const mod = configModule({ ...p, host: 'cli', dispatch: (ch, input) => p.router.dispatch(ch, input, { host: 'cli' }), approvalPolicy: { requiresApproval: async () => false } });
    expect(await mod.policies.maxUsers(cluster, a)).toBe(50);
    const ctx: CallContext = { caller: { host: 'cli' }, signal: new AbortController().signal, emit: () => undefined, tenant: p.tenants.context(cluster, a, 'cassandra') };
    await mod.handlers['config.set']({ cluster, tenant: a, set: { 'quotas.maxUsers': 7, 'password.requireSymbol': true }, clear: [], reason: 'quota' }, ctx);
    expect(await mod.policies.maxUsers(cluster, a)).toBe(7);
    expect((await mod.policies.passwordPolicy(cluster, a)).requireSymbol).toBe(true);
    const tmod = configModule({ ...t, host: 'cli', dispatch: (ch, input) => t.router.dispatch(ch, input, { host: 'cli' }), approvalPolicy: { requiresApproval: async () => false } });
    expect(await tmod.policies.maxUsers(tcluster, a)).toBe(7);
    expect((await tmod.policies.passwordPolicy(tcluster, a)).minLength).toBe(12);
  }, 60_000);

  it("refuses values weaker than the tenant's compliance profile, naming the field and the reason", async () => {
    value(await papi.call('compliance.set', { cluster, tenant: a, boundary: [{ dc: node().localDc, region: 'eu-west-1' }], frameworks: ['PCI-DSS'], overrides: { minRsaBits: 4096 } }));
    const head = value(await papi.call('config.show', { cluster, tenant: a }));
    expect(head.compliance?.minRsaBits).toBe(4096);
    const rsa = await papi.call('config.set', { cluster, tenant: a, set: { 'certificates.minRsaBits': 3072 }, reason: 'weaker' });
    expect(!rsa.ok && rsa.error.code).toBe('BAD_INPUT');
    expect(!rsa.ok && rsa.error.message).toMatch(/certificates\.minRsaBits: the compliance profile requires RSA keys of at least 4096 bits/);
    const days = await papi.call('config.set', { cluster, tenant: a, set: { 'retention.auditDays': 30 }, reason: 'weaker' });
    expect(!days.ok && days.error.message).toMatch(/retention\.auditDays: the compliance profile keeps audit/);
    const ok = value(await papi.call('config.set', { cluster, tenant: a, set: { 'certificates.minRsaBits': 4096 }, reason: 'meets the profile' }));
    expect(ok.version).toBe(head.version + 1);
    // The tenant admin's MODIFY lets cqlsh write a version past the console: what it forges is shown, not applied.
    const boss = await driverClient({ username: `tenant_${a}_u_boss`, password: PW });
    try {
      const forged = { overrides: { 'certificates.minRsaBits': 3072, 'sessions.idleMinutes': 0, 'evil.field': 1, 'password.minLength': 20 } };
      await boss.execute(`INSERT INTO "tenant_${a}_csm".config_versions (k, version, author, at, reason, document, changes) VALUES ('tenant', ?, 'cqlsh', toTimestamp(now()), 'forged', ?, '[]') IF NOT EXISTS`, [ok.version + 1, JSON.stringify(forged)], { prepare: true });
    } finally {
      await boss.shutdown();
    }
    const shown = value(await papi.call('config.show', { cluster, tenant: a }));
    expect(shown.version).toBe(ok.version + 1);
    expect(shown.overrides).toEqual({ 'password.minLength': 20 });
    expect(shown.warnings.map((w) => w.path).sort()).toEqual(expect.arrayContaining(['certificates.minRsaBits', 'evil.field', 'sessions.idleMinutes']));
    expect(shown.effective.sessions.idleMinutes).toBe(30);
  }, 60_000);

  it('keeps an integration secret in the keychain only: never in Cassandra or SQLite, the renderer sees yes/no', async () => {
    const secret = `integration-secret-${unique('s')}`;
    const saved = value(await papi.call('integration.save', { cluster, tenant: a, name: 'siem', kind: 'siem', endpoint: 'https://siem.example.com/ingest', secret }));
    expect(saved).toMatchObject({ name: 'siem', secretStored: true, updatedBy: 'cassandra' });
    expect(JSON.stringify(saved)).not.toContain(secret);
    expect(await p.secrets.get(secretKey.tenant(a, 'integration-siem'))).toBe(secret);
    for (const tbl of (await admin.execute('SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?', [`tenant_${a}_csm`], { prepare: true })).rows) {
      const rows = (await admin.execute(`SELECT * FROM "tenant_${a}_csm"."${String(tbl['table_name'])}"`)).rows;
      expect(JSON.stringify(rows)).not.toContain(secret);
    }
    for (const f of readdirSync(p.dataDir)) {
      if (f.startsWith('csm.db')) expect(readFileSync(join(p.dataDir, f)).includes(Buffer.from(secret))).toBe(false);
    }
    const plain = await papi.call('integration.save', { cluster, tenant: a, name: 'ldap', kind: 'ldap', endpoint: 'ldap://dir.example.com' });
    expect(!plain.ok && plain.error.message).toMatch(/ldap is not allowed/);
    const creds = await papi.call('integration.save', { cluster, tenant: a, name: 'hook', kind: 'webhook', endpoint: 'https://u:p@hook.example.com/' });
    expect(!creds.ok && creds.error.message).toMatch(/no credentials in the URL/);
    // The tenant admin's console lists it too (same installation keychain here: secret stored yes).
    expect(value(await tapi.call('integration.list', { cluster: tcluster, tenant: a })).map((i) => [i.name, i.kind, i.endpoint])).toEqual([['siem', 'siem', 'https://siem.example.com/ingest']]);
    expect(value(await papi.call('integration.remove', { cluster, tenant: a, name: 'siem' }))).toEqual({ removed: true });
    expect(await p.secrets.get(secretKey.tenant(a, 'integration-siem'))).toBeNull();
    expect(value(await papi.call('integration.list', { cluster, tenant: a }))).toEqual([]);
  }, 60_000);

  it('stores branding with a content-checked logo; a renamed SVG is refused', async () => {
    const set = value(await tapi.call('branding.set', { cluster: tcluster, tenant: a, displayName: 'Acme Corp', primaryColor: '#1A2B3C', accentColor: '#ff8800', logo: png(64, 32).toString('base64') }));
    expect(set).toMatchObject({ set: true, displayName: 'Acme Corp', primaryColor: '#1a2b3c', logo: { type: 'image/png', width: 64, height: 32 } });
    expect(set.logo?.dataUrl.startsWith('data:image/png;base64,')).toBe(true);
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>').toString('base64');
    const bad = await tapi.call('branding.set', { cluster: tcluster, tenant: a, displayName: 'Acme', primaryColor: '#000000', accentColor: '#ffffff', logo: svg });
    expect(!bad.ok && bad.error.message).toMatch(/not a PNG or JPEG/);
    const big = await tapi.call('branding.set', { cluster: tcluster, tenant: a, displayName: 'Acme', primaryColor: '#000000', accentColor: '#ffffff', logo: png(2048, 10).toString('base64') });
    expect(!big.ok && big.error.message).toMatch(/2048×10 pixels/);
    // Name and colours changed, logo kept when none is sent.
    const kept = value(await papi.call('branding.set', { cluster, tenant: a, displayName: 'Acme', primaryColor: '#000000', accentColor: '#ffffff' }));
    expect([kept.displayName, kept.logo?.width]).toEqual(['Acme', 64]);
  }, 60_000);
});
