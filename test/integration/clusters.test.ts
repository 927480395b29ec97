import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type cassandra from 'cassandra-driver';
import { SYSTEM_MIGRATIONS } from '../../src-main/cassandra/system-schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../../src-shared/contract';
import { localClient, type LocalClient } from '../../src-main/ipc/local-client';
import { Cleanup, driverClient, node, realServices, SUPERUSER, unique } from '../support/cassandra';

type Svc = Awaited<ReturnType<typeof realServices>>;

function value<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}: ${r.error.message}`);
  return r.value;
}
function code(r: Result<unknown>): string | null {
  return r.ok ? null : r.error.code;
}

describe('cluster profiles, test and sign-in against the real node', () => {
  let svc: Svc;
  let admin: cassandra.Client;
  let api: LocalClient;
  const cleanup = new Cleanup();

  beforeAll(async () => {
    svc = await realServices();
    api = localClient(svc.router, { host: 'cli' });
    admin = await driverClient();
  });
  afterAll(async () => {
    await cleanup.run(admin);
    await admin.shutdown();
    await svc.close();
  });

  const add = (name: string, over: Record<string, unknown> = {}) =>
    api.call('cluster.add', { name, contactPoints: [node().contactPoint], localDc: node().localDc, username: SUPERUSER.username, password: SUPERUSER.password, ...over });

  it('registers a cluster with the password in the keychain and none in SQLite', async () => {
    const p = value(await add('local'));
    expect(p).toMatchObject({ name: 'local', passwordStored: true, sandbox: false });
    expect(await svc.secrets.get('cluster/local/password')).toBe(SUPERUSER.password);
    const list = value(await api.call('cluster.list', {}));
    expect(list.map((c) => c.name)).toEqual(['local']);
    expect(list[0]).not.toHaveProperty('password');
    // Raw bytes of every SQLite file (db and WAL): a distinctive password must be nowhere.
    const marker = 'Zq-unique-secret-913';
    value(await add('rawcheck', { password: marker }));
    expect(await svc.secrets.get('cluster/rawcheck/password')).toBe(marker);
    const files = readdirSync(svc.dataDir).filter((n) => n.startsWith('csm.db'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(readFileSync(join(svc.dataDir, f)).includes(Buffer.from(marker))).toBe(false);
    value(await api.call('cluster.remove', { name: 'rawcheck' }));
  });

  it('refuses a duplicate name with CONFLICT and leaves the original intact', async () => {
    expect(code(await add('local', { password: 'other' }))).toBe('CONFLICT');
    expect(await svc.secrets.get('cluster/local/password')).toBe(SUPERUSER.password);
  });

  it('refuses bad names and injection attempts with BAD_INPUT before anything is written', async () => {
    for (const name of ['Local', 'a b', "x'; DROP KEYSPACE system_auth; --", '', 'x'.repeat(41)]) {
      expect(code(await add(name))).toBe('BAD_INPUT');
    }
    expect(code(await add('okname', { contactPoints: ['127.0.0.1'] }))).toBe('BAD_INPUT');
    expect(code(await add('okname', { username: 'a"b' }))).toBe('BAD_INPUT');
    expect(value(await api.call('cluster.list', {})).map((c) => c.name)).toEqual(['local']);
  });

  it('tests the cluster: version, topology, security settings and warnings', async () => {
    const r = value(await api.call('cluster.test', { name: 'local' }));
    expect(r.releaseVersion).toMatch(/^5\.0\./);
    expect(r.dataCenters).toEqual([{ name: node().localDc, nodesUp: 1, nodesDown: 0 }]);
    expect(r.authenticator).toBe('PasswordAuthenticator');
    expect(r.authorizer).toBe('CassandraAuthorizer');
    expect(r.roleManager).toBe('CassandraRoleManager');
    expect(r.networkAuthorizer).toBe('CassandraNetworkAuthorizer');
    expect(r.auditLogging).toEqual({ enabled: true, logger: 'FileAuditLogger' });
    // The test node keeps the default superuser enabled: the report must say so.
    expect(r.warnings.map((w) => w.code)).toContain('DEFAULT_SUPERUSER');
    expect(r.warnings.map((w) => w.code)).not.toContain('ALLOW_ALL_AUTHORIZER');
  });

  it('reports a wrong password as AUTH_FAILED and changes nothing', async () => {
    value(await add('wrongpw', { password: 'not-the-password' }));
    const r = await api.call('cluster.test', { name: 'wrongpw' });
    expect(code(r)).toBe('AUTH_FAILED');
    expect(JSON.stringify(r)).not.toContain('not-the-password');
    const signIn = await api.call('session.signIn', { cluster: 'wrongpw' });
    expect(code(signIn)).toBe('AUTH_FAILED');
    value(await api.call('cluster.remove', { name: 'wrongpw' }));
    expect(await svc.secrets.get('cluster/wrongpw/password')).toBeNull();
  });

  it('reports an unreachable node as UNAVAILABLE without leaking the address list', async () => {
    value(await add('nowhere', { contactPoints: ['127.0.0.1:1'] }));
    const r = await api.call('cluster.test', { name: 'nowhere' });
    expect(code(r)).toBe('UNAVAILABLE');
    expect(JSON.stringify(r)).not.toContain('127.0.0.1');
    value(await api.call('cluster.remove', { name: 'nowhere' }));
  });

  it('reports TLS towards a plaintext node as a clear error, and refuses non-PEM TLS files', async () => {
    const notPem = join(svc.dataDir, 'not-a-ca.pem');
    writeFileSync(notPem, 'hello');
    expect(code(await add('tlsbad', { tls: { caFile: notPem } }))).toBe('BAD_INPUT');
    expect(code(await add('tlsbad', { tls: { caFile: join(svc.dataDir, 'missing.pem') } }))).toBe('BAD_INPUT');
    const ca = join(svc.dataDir, 'ca.pem');
    writeFileSync(ca, readFileSync(join(import.meta.dirname, '..', 'support', 'fixtures', 'unrelated-ca.pem')));
    value(await add('tlsmismatch', { tls: { caFile: ca } }));
    const r = await api.call('cluster.test', { name: 'tlsmismatch' });
    expect(code(r)).toBe('TLS_ERROR');
    if (!r.ok) expect(r.error.message).toMatch(/does not speak TLS/);
    value(await api.call('cluster.remove', { name: 'tlsmismatch' }));
  });

  it('a window asking whoami before signing in gets NOT_SIGNED_IN and is not signed in behind its back', async () => {
    const web = localClient(svc.router, { host: 'web' });
    expect(code(await web.call('session.whoami', { cluster: 'local' }))).toBe('NOT_SIGNED_IN');
    expect(svc.sessions.scopeOf('local')).toBeUndefined();
    expect(svc.connections.operator('local')).toBeUndefined();
  });

  it('signs in as superuser: platform scope, csm_system created at the current version', async () => {
    const s = value(await api.call('session.signIn', { cluster: 'local' }));
    expect(s).toMatchObject({ cluster: 'local', role: 'cassandra', superuser: true, platform: true, auditor: 'all' });
    const rs = await admin.execute('SELECT version FROM csm_system.schema_migrations');
    // Every migration with statements is recorded (a feature's still-empty one is skipped unrecorded).
    const recorded = rs.rows.map((r) => Number(r['version'])).sort((a, b) => a - b);
    expect(recorded).toEqual(SYSTEM_MIGRATIONS.filter((m) => m.statements.length > 0).map((m) => m.version));
    const keks = await admin.execute("SELECT table_name FROM system_schema.tables WHERE keyspace_name = 'csm_system' AND table_name = 'tenant_keks'");
    expect(keks.rowLength).toBe(1);
    expect(value(await api.call('session.whoami', { cluster: 'local' })).role).toBe('cassandra');
  });

  it('a failed re-sign-in (wrong password, or a failure after connecting) leaves the working session and its scope intact', async () => {
    const scope = svc.sessions.scopeOf('local');
    const client = svc.connections.operator('local');
    expect(scope?.platform).toBe(true);
    expect(client).toBeDefined();

    const wrong = await api.call('session.signIn', { cluster: 'local', password: 'not-the-password' });
    expect(code(wrong)).toBe('AUTH_FAILED');
    expect(svc.sessions.scopeOf('local')).toBe(scope);
    expect(svc.connections.operator('local')).toBe(client);
    expect((await client!.execute('SELECT release_version FROM system.local')).rowLength).toBe(1);

    // Connected, then refused: csm_system is newer than this console. The new client is dropped, the old one kept.
    await admin.execute("INSERT INTO csm_system.schema_migrations (version, name, applied_by) VALUES (998, 'from the future', 'test')");
    try {
      expect(code(await api.call('session.signIn', { cluster: 'local' }))).toBe('SCHEMA_TOO_NEW');
    } finally {
      await admin.execute('DELETE FROM csm_system.schema_migrations WHERE version = 998');
    }
    expect(svc.sessions.scopeOf('local')).toBe(scope);
    expect(svc.connections.operator('local')).toBe(client);
    expect((await client!.execute('SELECT release_version FROM system.local')).rowLength).toBe(1);
    expect(value(await api.call('session.whoami', { cluster: 'local' })).role).toBe('cassandra');
  });

  it('derives tenant-admin scope from real role membership, and Cassandra denies what the role lacks', async () => {
    const tenant = unique('t').toLowerCase();
    const adminRole = cleanup.role(`tenant_${tenant}_admin`);
    const user = cleanup.role(`tenant_${tenant}_u_alice`);
    await admin.execute(`CREATE ROLE "${adminRole}" WITH LOGIN = false`);
    await admin.execute(`CREATE ROLE "${user}" WITH LOGIN = true AND PASSWORD = 'alice-pw-1'`);
    await admin.execute(`GRANT "${adminRole}" TO "${user}"`);
    const s = value(await api.call('session.signIn', { cluster: 'local', username: user, password: 'alice-pw-1' }));
    expect(s).toMatchObject({ role: user, superuser: false, platform: false, tenantAdmin: [tenant], tenants: [tenant] });
    expect(s.roles).toEqual(expect.arrayContaining([user, adminRole]));

    // The same role, through the console's own connection manager: a real permission denial.
    const spec = await svc.clusters.spec('local', { username: user, password: 'alice-pw-1' });
    const client = await svc.connections.connect(spec);
    try {
      const { fromDriverError } = await import('../../src-main/cassandra/driver-errors');
      const err = await client.execute('SELECT * FROM csm_system.tenants').then(
        () => null,
        (e: unknown) => fromDriverError(e, 'reading the registry'),
      );
      expect(err?.code).toBe('UNAUTHORIZED_STATEMENT');
      expect(err?.message).toMatch(/has no SELECT permission/);
    } finally {
      await client.shutdown();
    }
    // Sign back in as the platform operator for the following tests.
    value(await api.call('session.signIn', { cluster: 'local' }));
  });

  it('refuses to work with a csm_system newer than this console (SCHEMA_TOO_NEW)', async () => {
    await admin.execute("INSERT INTO csm_system.schema_migrations (version, name, applied_by) VALUES (999, 'from the future', 'test')");
    try {
      const r = await api.call('session.signIn', { cluster: 'local' });
      expect(code(r)).toBe('SCHEMA_TOO_NEW');
      if (!r.ok) expect(r.error.message).toMatch(/999/);
    } finally {
      await admin.execute('DELETE FROM csm_system.schema_migrations WHERE version = 999');
    }
    expect(value(await api.call('session.signIn', { cluster: 'local' })).platform).toBe(true);
  });

  it('audits mutations in the local log without secrets', () => {
    const recent = svc.store.localAudit.listRecent({ limit: 100 });
    expect(recent.some((e) => e.channel === 'cluster.add' && e.outcome === 'ok')).toBe(true);
    expect(recent.some((e) => e.channel === 'session.signIn' && e.outcome === 'refused')).toBe(true);
    expect(JSON.stringify(recent)).not.toContain('alice-pw-1');
    expect(JSON.stringify(recent)).not.toContain('not-the-password');
  });

  it('editing a profile drops the scope derived from the old sign-in', async () => {
    expect(svc.sessions.scopeOf('local')?.platform).toBe(true);
    value(await api.call('cluster.update', { name: 'local', localDc: node().localDc }));
    expect(svc.sessions.scopeOf('local')).toBeUndefined();
  });

  it('removes a profile and its keychain entry', async () => {
    value(await api.call('cluster.remove', { name: 'local' }));
    expect(await svc.secrets.get('cluster/local/password')).toBeNull();
    expect(code(await api.call('cluster.test', { name: 'local' }))).toBe('NOT_FOUND');
  });
});
