import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as cassandraNode from '../../scripts/cassandra/lib.mjs';
import { localClient, type LocalClient } from '../../src-main/ipc/local-client';
import { makeTestPki, type TestPki } from '../support/certs';
import { realServices, SUPERUSER } from '../support/cassandra';
import { REPO_ROOT } from '../support/web-host';

type Svc = Awaited<ReturnType<typeof realServices>>;

/**
 * A second, independent node with client TLS and require_client_auth (its own home, ports
 * 9142/7100), so the shared test node stays as it is. Profiles with the right CA and client
 * certificate connect; every kind of mismatch is a clear TLS error.
 */
describe('cluster profiles with client TLS against a real TLS node', () => {
  const home = mkdtempSync(join(tmpdir(), 'csm-tls-node-'));
  const contactPoint = '127.0.0.1:9142';
  let pki: TestPki;
  let svc: Svc;
  let api: LocalClient;
  const saved = { port: process.env['CSM_CASSANDRA_PORT'], storage: process.env['CSM_CASSANDRA_STORAGE_PORT'] };

  beforeAll(async () => {
    pki = makeTestPki();
    // Same jars as the shared node: no second Maven fetch.
    symlinkSync(join(REPO_ROOT, '.cassandra', 'lib'), join(home, 'lib'));
    process.env['CSM_CASSANDRA_STORAGE_PORT'] = '7100';
    await cassandraNode.start({ home, port: 9142, tlsKey: pki.nodeKey, tlsCert: pki.nodeCert, tlsCa: pki.caCert, requireClientAuth: true, log: () => {} });
    svc = await realServices();
    api = localClient(svc.router, { host: 'cli' });
  });
  afterAll(async () => {
    await svc?.close();
    await cassandraNode.stop({ home, log: () => {} });
    if (saved.storage === undefined) delete process.env['CSM_CASSANDRA_STORAGE_PORT'];
    else process.env['CSM_CASSANDRA_STORAGE_PORT'] = saved.storage;
    rmSync(home, { recursive: true, force: true });
    rmSync(pki.dir, { recursive: true, force: true });
  });

  const add = (name: string, tls: unknown) => api.call('cluster.add', { name, contactPoints: [contactPoint], localDc: 'dc1', ...SUPERUSER, tls });

  it('connects with the tenant CA and a client certificate it signed', async () => {
    expect((await add('tlsok', { caFile: pki.caCert, certFile: pki.clientCert, keyFile: pki.clientKey })).ok).toBe(true);
    const r = await api.call('cluster.test', { name: 'tlsok' });
    expect(r.ok ? r.value.releaseVersion : r.error).toMatch(/^5\.0\./);
    const s = await api.call('session.signIn', { cluster: 'tlsok' });
    expect(s.ok && s.value.platform).toBe(true);
  });

  it('without a client certificate: refused by require_client_auth, as TLS_ERROR', async () => {
    expect((await add('nocert', { caFile: pki.caCert })).ok).toBe(true);
    const r = await api.call('cluster.test', { name: 'nocert' });
    expect(r.ok ? null : r.error.code).toBe('TLS_ERROR');
  });

  it('with a certificate from a foreign CA: refused, as TLS_ERROR', async () => {
    expect((await add('foreign', { caFile: pki.caCert, certFile: pki.foreignClientCert, keyFile: pki.foreignClientKey })).ok).toBe(true);
    const r = await api.call('cluster.test', { name: 'foreign' });
    expect(r.ok ? null : r.error.code).toBe('TLS_ERROR');
  });

  it('trusting the wrong CA: the node certificate is not accepted, as TLS_ERROR', async () => {
    expect((await add('wrongca', { caFile: pki.foreignCaCert, certFile: pki.clientCert, keyFile: pki.clientKey })).ok).toBe(true);
    const r = await api.call('cluster.test', { name: 'wrongca' });
    expect(r.ok ? null : r.error.code).toBe('TLS_ERROR');
    if (!r.ok) expect(r.error.message).toMatch(/not signed by the configured CA/);
  });

  it('a profile without TLS cannot talk to the TLS port', async () => {
    expect((await add('plain', null)).ok).toBe(true);
    const r = await api.call('cluster.test', { name: 'plain' });
    expect(['UNAVAILABLE', 'TLS_ERROR']).toContain(r.ok ? null : r.error.code);
  });
});
