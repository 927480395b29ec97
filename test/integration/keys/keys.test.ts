import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../src-main/app/errors';
import { tenantConsoleKeyspace } from '../../../src-main/keys/cassandra-stores';
import { masterFingerprint } from '../../../src-main/keys/master';
import type { KeytarSecretStore } from '../../../src-main/secrets/keytar-store';
import { KeyWorld } from './support';

async function codeOf(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected the call to fail');
}

describe('per-tenant keys on a real Cassandra node, the real keychain and a real SQLite cache', () => {
  let w: KeyWorld;
  let acme: string;
  let beta: string;
  let platform: ReturnType<KeyWorld['console']>;
  let platformKeychain: { service: string; secrets: KeytarSecretStore };
  let sqlite: ReturnType<KeyWorld['sqlite']>;
  const values = new Map<string, string>();

  beforeAll(async () => {
    w = await KeyWorld.open();
    acme = await w.tenant('ka');
    beta = await w.tenant('kb');
    platformKeychain = w.keychain();
    sqlite = w.sqlite();
    platform = w.console(platformKeychain.secrets, sqlite.cache);
  });
  afterAll(async () => {
    await w?.close();
  });

  it('provisions: master key in the keychain, wrapped KEK in the system keyspace, data keys in the tenant keyspace', async () => {
    const st = await platform.keys.ensureTenantKeys(acme);
    await platform.keys.ensureTenantKeys(beta);
    const stored = await platformKeychain.secrets.get('installation/master-key');
    expect(Buffer.from(stored!, 'base64')).toHaveLength(32);
    const fp = masterFingerprint(Buffer.from(stored!, 'base64'));
    expect(st).toMatchObject({ source: 'master', masterFingerprint: fp, kek: { current: 1 } });

    const keks = await w.admin.execute(`SELECT version, wrapped, master_fingerprint, state FROM "${w.sysKs}".tenant_keks WHERE tenant_id = ?`, [acme], { prepare: true });
    expect(keks.rows.map((r) => [r['version'], r['master_fingerprint'], r['state']])).toEqual([[1, fp, 'active']]);
    const wrapped = keks.rows[0]!['wrapped'] as Buffer;
    expect(wrapped[0]).toBe(0xc5);
    expect(wrapped.includes(Buffer.from(stored!, 'base64'))).toBe(false);

    const dks = await w.admin.execute(`SELECT purpose, version, kek_version, state, public_key FROM "${tenantConsoleKeyspace(acme)}".data_keys`);
    expect(dks.rows.map((r) => `${r['purpose']}/${r['version']}/kek${r['kek_version']}/${r['state']}`).sort()).toEqual([
      'ca/1/kek1/active',
      'cache/1/kek1/active',
      'signing/1/kek1/active',
    ]);
    expect(dks.rows.find((r) => r['purpose'] === 'signing')!['public_key']).toBeInstanceOf(Buffer);
    // Idempotent on the real stores (LWT inserts).
    await platform.keys.ensureTenantKeys(acme);
    expect((await w.admin.execute(`SELECT version FROM "${w.sysKs}".tenant_keks WHERE tenant_id = ?`, [acme], { prepare: true })).rowLength).toBe(1);
  });

  it('caches sensitive values encrypted: the SQLite file bytes (db and WAL) hold no plaintext', async () => {
    for (let i = 0; i < 300; i++) {
      const v = `config-secret-${i}-PLAINMARK-${randomBytes(4).toString('hex')}`;
      values.set(`config/${String(i).padStart(4, '0')}`, v);
      await platform.sealed.put(acme, `config/${String(i).padStart(4, '0')}`, v);
    }
    await platform.sealed.put(beta, 'config/0000', 'beta-secret-PLAINMARK');
    const files = readdirSync(sqlite.dir).filter((f) => f.startsWith('csm.db'));
    expect(files).toContain('csm.db');
    for (const f of files) expect(readFileSync(join(sqlite.dir, f)).includes(Buffer.from('PLAINMARK')), f).toBe(false);
    expect(await platform.sealed.getText(acme, 'config/0042')).toBe(values.get('config/0042'));
    const list = await platform.sealed.list(acme, { prefix: 'config/', limit: 1000 });
    expect(list).toHaveLength(300);
    expect(list[299]!.value.toString()).toBe(values.get('config/0299'));
  });

  it('a ciphertext copied into another tenant’s row does not open there', async () => {
    const row = (await sqlite.cache.get(acme, 'config/0001'))!;
    await sqlite.cache.put({ ...row, tenantId: beta, key: 'config/0001' });
    const e = await codeOf(platform.sealed.getText(beta, 'config/0001'));
    expect(e.code).toBe('BAD_INPUT');
    expect(e.message).not.toContain('PLAINMARK');
    await sqlite.cache.delete(beta, 'config/0001');
  });

  it('rotates on the real stores: KEK v2 active and v1 retired, data keys rewrapped, cache re-encrypted', async () => {
    const phases = new Set<string>();
    const r = await platform.keys.rotate(acme, { batchSize: 64, onProgress: (p) => phases.add(p.phase) });
    expect(r).toMatchObject({ resumed: false, kekVersion: 2, retiredKekVersions: [1], rewrapped: 3, dataKeyVersion: 2, reencrypted: 300 });
    expect([...phases]).toEqual(expect.arrayContaining(['kek', 'rewrap', 'retire-kek', 'data-key', 'reencrypt', 'retire-data-key']));
    const keks = await w.admin.execute(`SELECT version, state, retired_at FROM "${w.sysKs}".tenant_keks WHERE tenant_id = ?`, [acme], { prepare: true });
    expect(keks.rows.map((x) => `${x['version']}:${x['state']}`).sort()).toEqual(['1:retired', '2:active']);
    expect(keks.rows.find((x) => x['version'] === 1)!['retired_at']).toBeInstanceOf(Date);
    const dks = await w.admin.execute(`SELECT purpose, version, kek_version, state FROM "${tenantConsoleKeyspace(acme)}".data_keys`);
    expect(dks.rows.every((x) => x['kek_version'] === 2)).toBe(true);
    for (const [k, v] of values) expect(await platform.sealed.getText(acme, k)).toBe(v);
    expect(await sqlite.cache.countStale(acme, 'cache', 2)).toBe(0);
    const st = await platform.keys.status(acme);
    expect(st.dataKeys.cache.versions.map((v) => `${v.version}:${v.state}`)).toEqual(['2:active', '1:retired']);
  });

  it('an empty keychain on this cluster: NOT_FOUND naming the cluster’s master key, and no new key is minted', async () => {
    const empty = w.keychain();
    const c = w.console(empty.secrets, sqlite.cache);
    const fp = (await platform.keys.master.current())!.fingerprint;
    const e = await codeOf(c.sealed.getText(acme, 'config/0001'));
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toContain(fp);
    const fresh = await w.tenant('kc');
    expect((await codeOf(c.keys.ensureTenantKeys(fresh))).code).toBe('NOT_FOUND');
    expect(await empty.secrets.get('installation/master-key')).toBeNull();
  });

  it('a console with another installation’s master key: CONFLICT naming both fingerprints; nothing overwritten', async () => {
    const foreign = w.keychain();
    const foreignKey = randomBytes(32);
    await foreign.secrets.set('installation/master-key', foreignKey.toString('base64'));
    const c = w.console(foreign.secrets, sqlite.cache);
    const before = await w.admin.execute(`SELECT version, wrapped, state FROM "${w.sysKs}".tenant_keks WHERE tenant_id = ?`, [acme], { prepare: true });
    const ours = (await platform.keys.master.current())!.fingerprint;
    for (const attempt of [() => c.sealed.getText(acme, 'config/0001'), () => c.keys.rotate(acme)]) {
      const e = await codeOf(attempt());
      expect(e.code).toBe('CONFLICT');
      expect(e.message).toContain(ours);
      expect(e.message).toContain(masterFingerprint(foreignKey));
      expect(e.message).not.toContain(foreignKey.toString('base64'));
    }
    const after = await w.admin.execute(`SELECT version, wrapped, state FROM "${w.sysKs}".tenant_keks WHERE tenant_id = ?`, [acme], { prepare: true });
    expect(after.rows.map((r) => [r['version'], (r['wrapped'] as Buffer).toString('hex'), r['state']])).toEqual(
      before.rows.map((r) => [r['version'], (r['wrapped'] as Buffer).toString('hex'), r['state']]),
    );
    expect(await foreign.secrets.get('installation/master-key')).toBe(foreignKey.toString('base64'));
  });

  it('master key share: a second install (own keychain, own SQLite) manages the same tenants', async () => {
    const share = await platform.keys.exportMasterShare('laptop two passphrase');
    const second = w.keychain();
    const secondCache = w.sqlite();
    const c = w.console(second.secrets, secondCache.cache);
    expect(await c.keys.importMasterShare(share, 'laptop two passphrase')).toMatchObject({ replaced: null });
    const sealed = await c.keys.encrypt(beta, 'ca', 'beta-ca-private-key');
    expect((await platform.keys.decrypt(beta, 'ca', sealed)).toString()).toBe('beta-ca-private-key');
    expect((await codeOf(c.keys.importMasterShare(share, 'wrong passphrase here'))).code).toBe('AUTH_FAILED');
  });

  it('tenant key share: a tenant admin console opens that tenant’s values and no other tenant’s', async () => {
    const share = await platform.keys.exportTenantShare(acme, 'acme admin passphrase');
    const adminKeychain = w.keychain();
    w.forgetLater(adminKeychain.service, `tenant/${acme}/kek`);
    const c = w.console(adminKeychain.secrets, sqlite.cache);
    expect(await c.keys.importTenantShare(share, 'acme admin passphrase')).toEqual({ tenantId: acme, versions: [1, 2] });
    expect(await adminKeychain.secrets.get('installation/master-key')).toBeNull();
    expect(await c.sealed.getText(acme, 'config/0007')).toBe(values.get('config/0007'));
    const sig = await c.keys.sign(acme, Buffer.from('audit'));
    expect(await platform.keys.verify(acme, Buffer.from('audit'), sig.signature, sig.keyVersion)).toBe(true);
    expect((await codeOf(c.sealed.getText(beta, 'config/0000'))).code).toBe('NOT_FOUND');
    expect((await c.keys.status(acme)).source).toBe('tenant-share');
  });

  it('crypto-shreds a tenant: KEK rows overwritten then deleted, data keys gone, every cached value fails, verified', async () => {
    const r = await platform.keys.shred(acme);
    expect(r).toMatchObject({ kekVersionsDestroyed: 2, dataKeysDestroyed: 4, tenantKeyspaceMissing: false });
    expect((await w.admin.execute(`SELECT version FROM "${w.sysKs}".tenant_keks WHERE tenant_id = ?`, [acme], { prepare: true })).rowLength).toBe(0);
    expect((await w.admin.execute(`SELECT purpose FROM "${tenantConsoleKeyspace(acme)}".data_keys`)).rowLength).toBe(0);
    const v = await platform.keys.verifyShred(acme);
    expect(v).toMatchObject({ attempted: 300, failed: 300, unexpectedlyDecrypted: 0, kekVersionsRemaining: 0, keychainEntryRemaining: false, shredded: true });
    // The other tenant is untouched.
    expect(await platform.sealed.getText(beta, 'config/0000')).toBe('beta-secret-PLAINMARK');
  });

  it('shreds a tenant whose console keyspace was already dropped', async () => {
    const gone = await w.tenant('kd');
    await platform.keys.ensureTenantKeys(gone);
    await platform.sealed.put(gone, 'x', 'y');
    await w.admin.execute(`DROP KEYSPACE "${tenantConsoleKeyspace(gone)}"`);
    expect(await platform.keys.shred(gone)).toMatchObject({ kekVersionsDestroyed: 1, tenantKeyspaceMissing: true });
    expect(await platform.keys.verifyShred(gone)).toMatchObject({ attempted: 1, failed: 1, unexpectedlyDecrypted: 0, shredded: true });
  });
});
