import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TenantKeyStatus } from '../../../src-shared/contract';
import { localClient, type LocalClient } from '../../../src-main/ipc/local-client';
import { KeytarSecretStore } from '../../../src-main/secrets/keytar-store';
import { node, realServices, unique } from '../../support/cassandra';
import { platformConsole, provision, scrub, type Svc } from '../tenancy/support';

const PW = 'correct-horse-battery';
const PASS = 'tenant share passphrase 1';

/**
 * keys.status for a tenant admin, with real tenant roles: tenants provisioned through the
 * console on the real node, a second console signed in as tenant_<id>_u_boss. Cassandra keeps
 * the tenant admin out of csm_system (the wrapped KEKs), so that console opens its tenant's keys
 * only with a tenant key share; without one it gets a clear error, never INTERNAL or key bytes.
 */
describe("a tenant admin's keys.status on the real node", () => {
  let platform: Svc;
  let papi: LocalClient;
  let cluster: string;
  const a = unique('ka');
  const b = unique('kb');
  const opened: { svc: Svc; service: string | null }[] = [];

  /** A console signed in as a tenant's admin user. `ownKeychain`: the tenant admin's own laptop (no master key). */
  async function tenantAdminConsole(tenant: string, ownKeychain: boolean): Promise<{ svc: Svc; api: LocalClient; name: string }> {
    const service = ownKeychain ? unique('csm-keys-ta') : null;
    const svc = await realServices('cli', service ? { keychainService: service } : {});
    opened.push({ svc, service });
    const api = localClient(svc.router, { host: 'cli' });
    const name = unique('kt').replace(/_/g, '-');
    const added = await api.call('cluster.add', { name, contactPoints: [node().contactPoint], localDc: node().localDc, username: `tenant_${tenant}_u_boss`, password: PW });
    expect(added.ok).toBe(true);
    const scope = await api.call('session.signIn', { cluster: name });
    expect(scope.ok && [scope.value.platform, scope.value.tenantAdmin]).toEqual([false, [tenant]]);
    return { svc, api, name };
  }

  const shareOf = async (tenant: string): Promise<string> => {
    const r = await papi.call('keys.exportTenantShare', { cluster, tenant, passphrase: PASS });
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    return r.value.text;
  };

  beforeAll(async () => {
    ({ svc: platform, api: papi, cluster } = await platformConsole());
    for (const id of [a, b]) {
      const saga = await provision(platform, papi, cluster, id);
      expect(saga.state, JSON.stringify(saga.steps)).toBe('succeeded');
    }
  }, 240_000);

  afterAll(async () => {
    for (const o of opened) {
      await o.svc.close();
      if (o.service) {
        const store = new KeytarSecretStore({ service: o.service });
        for (const k of ['installation/master-key', `tenant/${a}/kek`, `tenant/${b}/kek`]) await store.delete(k).catch(() => false);
      }
    }
    await platform?.close();
    await scrub([a, b]);
  });

  it('the platform console reads the provisioned tenant through the master key', async () => {
    const r = await papi.call('keys.status', { cluster, tenant: a });
    expect(r.ok && r.value[0]).toMatchObject({ tenantId: a, source: 'master', kek: { current: 1 } });
  });

  for (const ownKeychain of [true, false]) {
    const where = ownKeychain ? "on the tenant admin's own console (no master key)" : "on a console of the installation (master key in its keychain, but not the cluster's grants)";
    it(`without a tenant key share: a clear NOT_FOUND naming the way out, no key material — ${where}`, async () => {
      const { api, name } = await tenantAdminConsole(a, ownKeychain);
      const r = await api.call('keys.status', { cluster: name, tenant: a });
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.error.code).toBe('NOT_FOUND');
      expect(r.error.message).toContain(a);
      expect(r.error.message).toMatch(/tenant key share/);
      expect(r.error.message).toMatch(/import-tenant-share|Key shares/);
      expect(r.error.message).not.toMatch(/[A-Za-z0-9+/]{40,}={0,2}/); // nothing that looks like a key
      // Every tenant at once is platform scope: refused by the scope guard, not by Cassandra.
      const all = await api.call('keys.status', { cluster: name });
      expect(all.ok ? 'ok' : all.error.code).toBe('FORBIDDEN');
    });
  }

  it("with its tenant's key share: that tenant's status, opened with the share; no other tenant's", async () => {
    const { svc, api, name } = await tenantAdminConsole(a, true);
    const imported = await api.call('keys.importTenantShare', { secretShare: await shareOf(a), passphrase: PASS });
    expect(imported.ok && imported.value).toEqual({ tenant: a, versions: [1] });
    const r = await api.call('keys.status', { cluster: name, tenant: a });
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    const s: TenantKeyStatus = r.value[0]!;
    expect(s).toMatchObject({ tenantId: a, source: 'tenant-share', masterFingerprint: null, kek: { current: 1 }, pending: { kek: false, reencrypt: [] } });
    expect(s.dataKeys.cache.current).toBe(1);
    expect(s.dataKeys.signing.current).toBe(1);
    expect(s.rotation.intervalDays).toBe(90);
    // The held KEK opens the tenant's data keys: this console seals and opens its own cache values.
    await svc.keys.sealed(name).put(a, 'ta/note', 'sealed on the tenant admin console');
    expect(await svc.keys.sealed(name).getText(a, 'ta/note')).toBe('sealed on the tenant admin console');
    // Another tenant: the scope guard refuses before any key is looked at.
    const other = await api.call('keys.status', { cluster: name, tenant: b });
    expect(other.ok ? 'ok' : other.error.code).toBe('FORBIDDEN');
  });

  it('a share older than the tenant\'s keys (rotated since) is named as such, not as an unfinished rotation', async () => {
    const { api, name } = await tenantAdminConsole(b, true);
    expect((await api.call('keys.importTenantShare', { secretShare: await shareOf(b), passphrase: PASS })).ok).toBe(true);
    const rot = await papi.call('keys.rotate', { cluster, tenant: b });
    if (!rot.ok) throw new Error(rot.error.message);
    await platform.jobs.wait(rot.value.jobId);
    const r = await api.call('keys.status', { cluster: name, tenant: b });
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    expect(r.value[0]).toMatchObject({ source: 'tenant-share', kek: { current: 1 }, pending: { kek: false }, share: { outdated: true, clusterKekVersion: 2 } });
    // A fresh share brings it up to date.
    expect((await api.call('keys.importTenantShare', { secretShare: await shareOf(b), passphrase: PASS })).ok).toBe(true);
    const fresh = await api.call('keys.status', { cluster: name, tenant: b });
    expect(fresh.ok && fresh.value[0]).toMatchObject({ kek: { current: 2 }, share: { outdated: false, clusterKekVersion: 2 } });
  });
});
