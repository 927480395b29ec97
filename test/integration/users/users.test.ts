import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localClient, type LocalClient } from '../../../src-main/ipc/local-client';
import { UsersService } from '../../../src-main/users/service';
import { DEFAULT_PASSWORD_POLICY } from '../../../src-shared/rules/password-policy';
import { driverClient, node, realServices, unique } from '../../support/cassandra';
import { platformConsole, provision, scrub, userClient, type Svc } from '../tenancy/support';

const PW = 'correct-horse-battery';

/** What Cassandra says when the user tries something, by kind. */
async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    const m = (e as Error).message;
    if (/has no (SELECT|MODIFY) permission|Unauthorized|not authorized/i.test(m)) return 'unauthorized';
    if (/not allowed to log in|Provided username|Authentication|doesn't exist|NoHostAvailable|All host/i.test(m)) return 'auth';
    return `other: ${m}`;
  }
}

async function signIn(role: string, password: string): Promise<string> {
  let c: cassandra.Client | null = null;
  try {
    c = await userClient(role, password);
    return 'ok';
  } catch (e) {
    return /not allowed to log in|Provided username|Authentication|NoHostAvailable|All host/i.test((e as Error).message) ? 'refused' : `other: ${(e as Error).message}`;
  } finally {
    await c?.shutdown().catch(() => undefined);
  }
}

const value = <T,>(r: { ok: true; value: T } | { ok: false; error: { code: string; message: string } }): T => {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
};
const errorOf = (r: { ok: boolean; error?: { code: string; message: string } }): { code: string; message: string } => {
  if (r.ok) throw new Error('expected a refusal');
  return r.error!;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Tenant users on the real node (issue 7 Proof): Cassandra itself keeps each user to its template,
 * inside its own tenant; a lock, a password change and a drop take effect at once; a tenant admin's
 * console files creations that a platform console carries out, and only a bcrypt hash ever leaves it.
 */
describe('tenant users on the real node', () => {
  let p: Svc;
  let papi: LocalClient;
  let cluster: string;
  let t: Svc;
  let tapi: LocalClient;
  const tcluster = unique('tu').replace(/_/g, '-');
  const a = unique('ua');
  const b = unique('ub');
  let su: cassandra.Client;
  const role = (tenant: string, name: string) => `tenant_${tenant}_u_${name}`;

  beforeAll(async () => {
    ({ svc: p, api: papi, cluster } = await platformConsole());
    su = await driverClient();
    const [sa, sb] = [await provision(p, papi, cluster, a, 'boss', PW), await provision(p, papi, cluster, b, 'boss', PW)];
    expect([sa.state, sb.state]).toEqual(['succeeded', 'succeeded']);
    await su.execute(`INSERT INTO "tenant_${a}_data".events (bucket, at, payload) VALUES ('b1', now(), 0x01)`);
    await su.execute(`INSERT INTO "tenant_${b}_data".events (bucket, at, payload) VALUES ('b1', now(), 0x02)`);
    t = await realServices();
    tapi = localClient(t.router, { host: 'cli' });
    value(await tapi.call('cluster.add', { name: tcluster, contactPoints: [node().contactPoint], localDc: node().localDc, username: role(a, 'boss'), password: PW }));
    expect(value(await tapi.call('session.signIn', { cluster: tcluster })).platform).toBe(false);
  }, 240_000);

  afterAll(async () => {
    await su?.shutdown();
    for (const s of [t, p]) await s?.close().catch(() => undefined);
    await scrub([a, b]);
  });

  it('a created user does exactly what its template allows in its own tenant and nothing in another', async () => {
    expect(value(await papi.call('user.create', { cluster, tenant: a, name: 'reader', template: 'read-only', password: 'Rq-Kiwi-pass-0001' }))).toEqual({ state: 'applied', requestId: null, user: 'reader' });
    expect(value(await papi.call('user.create', { cluster, tenant: a, name: 'writer', template: 'read-write', password: 'Wz-Mango-pass-0001' })).state).toBe('applied');
    const r = await userClient(role(a, 'reader'), 'Rq-Kiwi-pass-0001');
    const w = await userClient(role(a, 'writer'), 'Wz-Mango-pass-0001');
    try {
      expect(await outcome(r.execute(`SELECT * FROM "tenant_${a}_data".events`))).toBe('ok');
      expect(await outcome(r.execute(`INSERT INTO "tenant_${a}_data".events (bucket, at, payload) VALUES ('r', now(), 0x00)`))).toBe('unauthorized');
      expect(await outcome(w.execute(`INSERT INTO "tenant_${a}_data".events (bucket, at, payload) VALUES ('w', now(), 0x00)`))).toBe('ok');
      for (const c of [r, w]) {
        expect(await outcome(c.execute(`SELECT * FROM "tenant_${b}_data".events`))).toBe('unauthorized');
        expect(await outcome(c.execute(`SELECT * FROM "tenant_${a}_csm".config`))).toBe('unauthorized'); // console keyspace is not a template's
      }
    } finally {
      await r.shutdown();
      await w.shutdown();
    }
    const listed = value(await papi.call('user.list', { cluster, tenant: a }));
    expect(listed.map((u) => [u.name, u.template, u.locked])).toEqual([
      ['boss', null, false],
      ['reader', 'read-only', false],
      ['writer', 'read-write', false],
    ]);
    const perms = value(await papi.call('user.permissions', { cluster, tenant: a, name: 'reader' }));
    expect(perms.permissions).toContainEqual({ permission: 'SELECT', resource: `<keyspace tenant_${a}_data>`, via: role(a, 'reader') });
    expect(perms.permissions.some((x) => x.resource.includes(b))).toBe(false);
  });

  it('policy: refused passwords name the rule; quota refuses with the figure', async () => {
    const weak = errorOf(await papi.call('user.create', { cluster, tenant: a, name: 'weak', template: 'read-only', password: 'short' }));
    expect(weak.code).toBe('BAD_INPUT');
    expect(weak.message).toMatch(/minLength.*requireUpper.*requireDigit/);
    const named = errorOf(await papi.call('user.create', { cluster, tenant: a, name: 'carol', template: 'read-only', password: 'Xcarol-12345678' }));
    expect(named.message).toMatch(/forbidUserName/);
    expect(await su.execute('SELECT role FROM system_auth.roles WHERE role = ?', [role(a, 'weak')], { prepare: true }).then((x) => x.rowLength)).toBe(0);

    // The quota through the same service, with a policy source that says 3 (H6's config feeds it in the app).
    const svc = new UsersService({ host: 'cli', connections: p.connections, sessions: p.sessions, tenants: p.tenants, logger: p.logger, audit: () => undefined, policies: { passwordPolicy: async () => DEFAULT_PASSWORD_POLICY, maxUsers: async () => 3 } });
    await expect(svc.create({ cluster, tenant: a, name: 'fourth', template: 'read-only', password: 'Fz-Plum-pass-0001' }, 'cassandra')).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED', message: expect.stringMatching(/3 users; its quota is 3/) });
  });

  it('a locked user cannot sign in; a password change takes effect at once; a recent password is refused', async () => {
    expect(value(await papi.call('user.lock', { cluster, tenant: a, name: 'reader' })).locked).toBe(true);
    expect(await signIn(role(a, 'reader'), 'Rq-Kiwi-pass-0001')).toBe('refused');
    expect(value(await papi.call('user.unlock', { cluster, tenant: a, name: 'reader' })).locked).toBe(false);
    expect(await signIn(role(a, 'reader'), 'Rq-Kiwi-pass-0001')).toBe('ok');

    value(await papi.call('user.passwd', { cluster, tenant: a, name: 'writer', newPassword: 'Wz-Mango-pass-0002' }));
    expect(await signIn(role(a, 'writer'), 'Wz-Mango-pass-0001')).toBe('refused');
    expect(await signIn(role(a, 'writer'), 'Wz-Mango-pass-0002')).toBe('ok');
    const reuse = errorOf(await papi.call('user.passwd', { cluster, tenant: a, name: 'writer', newPassword: 'Wz-Mango-pass-0001' }));
    expect([reuse.code, /historyCount/.test(reuse.message)]).toEqual(['BAD_INPUT', true]);
    const rows = (await su.execute(`SELECT hash FROM "tenant_${a}_csm".password_history WHERE name = 'writer'`)).rows.map((x) => String(x['hash']));
    expect(rows).toHaveLength(2);
    for (const h of rows) expect(h).toMatch(/^scrypt\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  });

  it("custom grants stay inside the tenant: another tenant's keyspace, ALL KEYSPACES, system and injection-looking names refused", async () => {
    const g = (keyspace: string, table?: string) => papi.call('user.grant', { cluster, tenant: a, name: 'reader', permission: 'MODIFY', keyspace, ...(table ? { table } : {}) });
    expect(errorOf(await g(`tenant_${b}_data`))).toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/not one of tenant/) });
    expect(errorOf(await g('ALL KEYSPACES')).code).toBe('FORBIDDEN');
    expect(errorOf(await g('system_auth')).code).toBe('FORBIDDEN');
    expect(errorOf(await g(`tenant_${a}_csm`)).code).toBe('FORBIDDEN');
    expect(errorOf(await g(`tenant_${a}_data" TO x; GRANT ALL ON ALL KEYSPACES TO "tenant_${a}_u_reader`)).code).toBe('BAD_INPUT');
    expect(errorOf(await g(`tenant_${a}_data`, 'events"; DROP TABLE x')).code).toBe('BAD_INPUT');
    expect(value(await g(`tenant_${a}_data`, 'events')).state).toBe('applied');
    const r = await userClient(role(a, 'reader'), 'Rq-Kiwi-pass-0001');
    try {
      expect(await outcome(r.execute(`INSERT INTO "tenant_${a}_data".events (bucket, at, payload) VALUES ('r', now(), 0x00)`))).toBe('ok');
    } finally {
      await r.shutdown();
    }
    expect(value(await papi.call('user.revoke', { cluster, tenant: a, name: 'reader', permission: 'MODIFY', keyspace: `tenant_${a}_data`, table: 'events' })).state).toBe('applied');
  });

  it("a tenant admin cannot touch another tenant's users (FORBIDDEN, audited)", async () => {
    value(await papi.call('user.create', { cluster, tenant: b, name: 'other', template: 'read-only', password: 'Oz-Pear-pass-00001' }));
    for (const call of [tapi.call('user.list', { cluster: tcluster, tenant: b }), tapi.call('user.passwd', { cluster: tcluster, tenant: b, name: 'other', newPassword: 'Hijack-pass-0001' }), tapi.call('user.drop', { cluster: tcluster, tenant: b, name: 'other' })]) {
      expect(errorOf(await call).code).toBe('FORBIDDEN');
    }
    const audited = t.store.localAudit.listRecent({ limit: 20 }).filter((e) => e.tenant === b && e.channel.startsWith('user.'));
    expect(audited.map((e) => [e.channel, e.outcome, e.errorCode]).sort()).toEqual([
      ['user.drop', 'refused', 'FORBIDDEN'],
      ['user.list', 'refused', 'FORBIDDEN'],
      ['user.passwd', 'refused', 'FORBIDDEN'],
    ]);
    expect(JSON.stringify(audited)).not.toContain('Hijack-pass-0001');
    expect(await signIn(role(b, 'other'), 'Oz-Pear-pass-00001')).toBe('ok');
  });

  it('a tenant admin files a creation carrying a bcrypt hash only; a platform console carries it out; then the admin manages it directly', async () => {
    const filed = value(await tapi.call('user.create', { cluster: tcluster, tenant: a, name: 'app', template: 'application', password: 'Ax-Fig-word-000001' }));
    expect(filed.state).toBe('requested');
    const row = (await su.execute(`SELECT * FROM "tenant_${a}_csm".user_requests WHERE id = ?`, [filed.requestId], { prepare: true })).rows[0]!;
    expect(String(row['password_hash'])).toMatch(/^\$2a\$1\d\$[./A-Za-z0-9]{53}$/);
    expect(JSON.stringify(row)).not.toContain('Ax-Fig-word-000001');
    expect(value(await tapi.call('user.requests', { cluster: tcluster, tenant: a })).find((x) => x.id === filed.requestId)).toMatchObject({ state: 'pending', user: 'app', template: 'application', requestedBy: role(a, 'boss') });
    expect(await signIn(role(a, 'app'), 'Ax-Fig-word-000001')).toBe('refused');

    expect(value(await papi.call('user.process', { cluster, tenant: a }))).toMatchObject({ processed: 1, done: 1, failed: 0 });
    expect(value(await tapi.call('user.requests', { cluster: tcluster, tenant: a })).find((x) => x.id === filed.requestId)).toMatchObject({ state: 'done', processedBy: 'cassandra', error: null });
    expect((await su.execute(`SELECT password_hash FROM "tenant_${a}_csm".user_requests WHERE id = ?`, [filed.requestId], { prepare: true })).rows[0]!['password_hash']).toBeNull();
    expect(p.store.localAudit.listRecent({ limit: 30 }).find((e) => e.channel === 'user.create' && e.tenant === a && e.outcome === 'ok' && JSON.stringify(e.input).includes(filed.requestId!))).toBeDefined();

    const app = await userClient(role(a, 'app'), 'Ax-Fig-word-000001');
    try {
      expect(await outcome(app.execute(`INSERT INTO "tenant_${a}_data".events (bucket, at, payload) VALUES ('a', now(), 0x00)`))).toBe('ok');
      expect(await outcome(app.execute(`SELECT * FROM "tenant_${b}_data".events`))).toBe('unauthorized');
    } finally {
      await app.shutdown();
    }

    // The tenant admin changes, locks and drops the user itself: Cassandra allows it because the
    // creation granted ALTER/DROP on this role to tenant_<id>_admin.
    await sleep(5200); // the node allows one password change per role every 5 s
    value(await tapi.call('user.passwd', { cluster: tcluster, tenant: a, name: 'app', newPassword: 'Ax-Fig-word-000002' }));
    expect(await signIn(role(a, 'app'), 'Ax-Fig-word-000002')).toBe('ok');
    expect(value(await tapi.call('user.lock', { cluster: tcluster, tenant: a, name: 'app' })).locked).toBe(true);
    expect(await signIn(role(a, 'app'), 'Ax-Fig-word-000002')).toBe('refused');
    // A custom grant from a tenant admin is a request too.
    expect(value(await tapi.call('user.grant', { cluster: tcluster, tenant: a, name: 'reader', permission: 'MODIFY', keyspace: `tenant_${a}_data` })).state).toBe('requested');
    expect(errorOf(await tapi.call('user.grant', { cluster: tcluster, tenant: a, name: 'reader', permission: 'SELECT', keyspace: `tenant_${b}_data` })).code).toBe('FORBIDDEN');
    expect(value(await tapi.call('user.drop', { cluster: tcluster, tenant: a, name: 'app' })).dropped).toBe(true);
    expect(value(await tapi.call('user.list', { cluster: tcluster, tenant: a })).map((u) => u.name)).not.toContain('app');
    // The first admin was not created by this feature: the node refuses the tenant admin, said plainly.
    expect(errorOf(await tapi.call('user.lock', { cluster: tcluster, tenant: a, name: 'boss' })).code).toBe('FORBIDDEN');
  }, 60_000);
});
