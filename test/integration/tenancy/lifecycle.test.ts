import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localClient } from '../../../src-main/ipc/local-client';
import { driverClient, node, realServices, unique } from '../../support/cassandra';
import { finish, platformConsole, provision, scrub, userClient, type Svc } from './support';
import type { LocalClient } from '../../../src-main/ipc/local-client';

const PW = 'correct-horse-battery';

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    const m = (e as Error).message;
    if (/Unauthorized|has no .* permission|not authorized|User .* has no/i.test(m)) return 'unauthorized';
    if (/Authentication|Provided username .* incorrect|not allowed to log in|AuthenticationException/i.test(m)) return 'auth';
    return `other: ${m}`;
  }
}

/**
 * Issue 5 "proof against the real node": two tenants provisioned by the console, their users
 * signed in with the real driver, and Cassandra itself keeping each to its own keyspaces.
 */
describe('tenant lifecycle on the real node', () => {
  let svc: Svc;
  let api: LocalClient;
  let cluster: string;
  const a = unique('ta');
  const b = unique('tb');
  let aUser: cassandra.Client;
  let bUser: cassandra.Client;

  beforeAll(async () => {
    ({ svc, api, cluster } = await platformConsole());
    const sa = await provision(svc, api, cluster, a);
    const sb = await provision(svc, api, cluster, b);
    expect(sa.state, JSON.stringify(sa.steps)).toBe('succeeded');
    expect(sb.state, JSON.stringify(sb.steps)).toBe('succeeded');
    aUser = await userClient(`tenant_${a}_u_boss`, PW);
    bUser = await userClient(`tenant_${b}_u_boss`, PW);
  }, 180_000);

  afterAll(async () => {
    await aUser?.shutdown();
    await bUser?.shutdown();
    await svc?.close();
    await scrub([a, b]);
  });

  it('registers both tenants as active, mirrored locally with their placement', async () => {
    const list = await api.call('tenant.list', { refresh: false });
    expect(list.ok).toBe(true);
    const mine = list.ok ? list.value.filter((t) => t.id === a || t.id === b) : [];
    expect(mine.map((t) => [t.id, t.state, t.cluster, t.isolation, t.online])).toEqual(
      [a, b].sort().map((id) => [id, 'active', cluster, 'keyspace', true]),
    );
    expect(mine[0]!.dataCenters).toEqual([node().localDc]);
    const detail = await api.call('tenant.show', { cluster, tenant: a });
    expect(detail.ok).toBe(true);
    if (!detail.ok) return;
    expect(detail.value.keyspaces.map((k) => k.name).sort()).toEqual([`tenant_${a}_csm`, `tenant_${a}_data`]);
    expect(detail.value.keyspaces.find((k) => k.name === `tenant_${a}_data`)!.tables).toEqual(['events']);
    expect(detail.value.roles.map((r) => [r.name, r.kind, r.login])).toEqual([
      [`tenant_${a}_admin`, 'admin', false],
      [`tenant_${a}_auditor`, 'auditor', false],
      [`tenant_${a}_svc`, 'service', true],
      [`tenant_${a}_u_boss`, 'user', true],
    ]);
    expect(detail.value.roles.find((r) => r.kind === 'user')!.memberOf).toEqual([`tenant_${a}_admin`]);
    // ACCESS TO DATACENTERS binds login roles (group roles report n/a).
    expect(detail.value.roles.filter((r) => r.login).map((r) => r.dataCenters)).toEqual([node().localDc, node().localDc]);
    expect(detail.value.config['audit.retention_days']).toBe('365');
    expect(detail.value.quotas['max_tables']).toBe(50);
    expect(detail.value.jobs[0]!.steps.every((s) => s.state === 'done')).toBe(true);
  });

  it("lets each tenant's user read and write its own keyspace", async () => {
    for (const [id, c] of [[a, aUser], [b, bUser]] as const) {
      expect(await code(c.execute(`INSERT INTO "tenant_${id}_data".events (bucket, at, payload) VALUES ('x', now(), 0x01)`))).toBe('ok');
      const rs = await c.execute(`SELECT * FROM "tenant_${id}_data".events WHERE bucket = 'x'`);
      expect(rs.rowLength).toBe(1);
      expect(await code(c.execute(`CREATE TABLE "tenant_${id}_data".extra (k int PRIMARY KEY)`))).toBe('ok');
      // Its console keyspace (wrapped keys, configuration): readable, never writable by its people.
      expect(await code(c.execute(`SELECT * FROM "tenant_${id}_csm".config`))).toBe('ok');
      expect(await code(c.execute(`INSERT INTO "tenant_${id}_csm".config (key, value) VALUES ('x', 'y')`))).toBe('unauthorized');
      expect(await code(c.execute(`DELETE FROM "tenant_${id}_csm".data_keys WHERE purpose = 'cache'`))).toBe('unauthorized');
      expect(await code(c.execute(`DROP TABLE "tenant_${id}_csm".config`))).toBe('unauthorized');
    }
  });

  it("refuses every kind of access to the other tenant's keyspaces", async () => {
    for (const [me, other, c] of [[a, b, aUser], [b, a, bUser]] as const) {
      const ks = `"tenant_${other}_data"`;
      const attempts = {
        SELECT: () => c.execute(`SELECT * FROM ${ks}.events`),
        MODIFY: () => c.execute(`INSERT INTO ${ks}.events (bucket, at, payload) VALUES ('x', now(), 0x02)`),
        CREATE: () => c.execute(`CREATE TABLE ${ks}.intruder (k int PRIMARY KEY)`),
        ALTER: () => c.execute(`ALTER TABLE ${ks}.events ADD note text`),
        DROP: () => c.execute(`DROP TABLE ${ks}.events`),
        AUTHORIZE: () => c.execute(`GRANT SELECT ON KEYSPACE ${ks} TO "tenant_${me}_u_boss"`),
        CONSOLE: () => c.execute(`SELECT * FROM "tenant_${other}_csm".data_keys`),
      };
      for (const [what, run] of Object.entries(attempts)) expect([what, await code(run())]).toEqual([what, 'unauthorized']);
    }
  });

  it('gives no tenant role superuser or any permission on ALL KEYSPACES / ALL ROLES', async () => {
    const admin = await driverClient();
    try {
      const roles = (await admin.execute('LIST ROLES')).rows.filter((r) => [a, b].some((id) => String(r['role']).startsWith(`tenant_${id}_`)));
      expect(roles.length).toBe(8);
      for (const r of roles) {
        expect([r['role'], r['super']]).toEqual([r['role'], false]);
        const perms = ((await admin.execute(`LIST ALL PERMISSIONS OF "${String(r["role"])}"`)).rows ?? []).map((p) => String(p['resource']));
        const owner = [a, b].find((id) => String(r['role']).startsWith(`tenant_${id}_`))!;
        expect(perms.filter((p) => p === '<all keyspaces>' || p === '<all roles>' || !new RegExp(`^<(keyspace|all tables in|table) tenant_${owner}_[a-z0-9]+[>.]`).test(p))).toEqual([]);
      }
    } finally {
      await admin.shutdown();
    }
  });

  it('refuses bad ids and collisions before creating anything', async () => {
    const bad = ['Acme', "x'; DROP KEYSPACE csm_system; --", 'a"b', 'tenant/*c*/', 'аcme', 'a', 'x'.repeat(31), 'acme_u_x'];
    for (const id of bad) {
      const r = await api.call('tenant.create', { cluster, id, name: 'Bad', adminUser: 'boss', adminPassword: PW });
      expect([id, r.ok ? 'ok' : r.error.code]).toEqual([id, 'BAD_INPUT']);
    }
    const dup = await api.call('tenant.create', { cluster, id: a, name: 'Again', adminUser: 'boss', adminPassword: PW });
    expect(dup.ok ? 'ok' : dup.error.code).toBe('CONFLICT');
    // A keyspace that is not a tenant's but would be this tenant's: refused, left untouched.
    const squat = unique('tq');
    const admin = await driverClient();
    try {
      await admin.execute(`CREATE KEYSPACE "tenant_${squat}_data" WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
      const r = await api.call('tenant.create', { cluster, id: squat, name: 'Squat', adminUser: 'boss', adminPassword: PW });
      expect(r.ok ? 'ok' : r.error.code).toBe('CONFLICT');
      const roles = (await admin.execute('LIST ROLES')).rows.filter((x) => String(x['role']).startsWith(`tenant_${squat}_`));
      expect(roles).toEqual([]);
      expect((await admin.execute('SELECT id FROM csm_system.tenants WHERE id = ?', [squat], { prepare: true })).rowLength).toBe(0);
    } finally {
      await admin.execute(`DROP KEYSPACE IF EXISTS "tenant_${squat}_data"`);
      await admin.shutdown();
    }
    const dc = await api.call('tenant.create', { cluster, id: unique('td'), name: 'DC', adminUser: 'boss', adminPassword: PW, dataCenters: ['nowhere'] });
    expect(dc.ok ? 'ok' : dc.error.code).toBe('BAD_INPUT');
  });

  it("refuses a tenant admin's call on another tenant as FORBIDDEN, audited and raised as an alert", async () => {
    const other = await realServices();
    const alerts: unknown[] = [];
    other.bus.subscribe((name, p) => {
      if (name === 'security.alert') alerts.push(p);
    });
    try {
      const oapi = localClient(other.router, { host: 'cli' });
      const name = unique('ct').replace(/_/g, '-');
      expect((await oapi.call('cluster.add', { name, contactPoints: [node().contactPoint], localDc: node().localDc, username: `tenant_${a}_u_boss`, password: PW })).ok).toBe(true);
      const scope = await oapi.call('session.signIn', { cluster: name });
      expect(scope.ok && [scope.value.platform, scope.value.tenantAdmin]).toEqual([false, [a]]);
      const own = await oapi.call('tenant.show', { cluster: name, tenant: a });
      expect(own.ok ? own.value.access : own.error.message).toBe('tenant');
      for (const [ch, input] of [
        ['tenant.show', { cluster: name, tenant: b }],
        ['tenant.suspend', { cluster: name, tenant: b }],
        ['tenant.delete', { cluster: name, tenant: b, purge: true, confirm: b }],
      ] as const) {
        const r = await oapi.call(ch, input);
        expect([ch, r.ok ? 'ok' : r.error.code]).toEqual([ch, 'FORBIDDEN']);
      }
      const audited = other.store.localAudit.forbidden(10);
      expect(audited.map((e) => [e.channel, e.tenant, e.operator])).toContainEqual(['tenant.show', b, `tenant_${a}_u_boss`]);
      expect(alerts.length).toBe(3);
      expect(alerts.every((x) => (x as { operator: string }).operator === `tenant_${a}_u_boss`)).toBe(true);
      const listed = await oapi.call('security.alerts', {});
      expect(listed.ok && listed.value.length).toBe(3);
      const list = await oapi.call('tenant.list', { refresh: true });
      expect(list.ok && list.value.map((t) => t.id)).toEqual([a]);
    } finally {
      await other.close();
    }
  });

  it('suspends: open sessions lose access and new logins fail; resume restores exactly', async () => {
    const admin = await driverClient();
    // Straight from system_auth: every tenant role's own grants, exactly (LIST … NORECURSIVE mixes in inherited ones).
    const perms = async () => {
      const out: string[] = [];
      for (const role of [`tenant_${a}_admin`, `tenant_${a}_auditor`, `tenant_${a}_svc`, `tenant_${a}_u_boss`]) {
        const rs = await admin.execute('SELECT resource, permissions FROM system_auth.role_permissions WHERE role = ?', [role], { prepare: true });
        for (const r of rs.rows) for (const p of (r['permissions'] as string[] | null) ?? []) out.push(`${role} ${String(r['resource'])} ${p}`);
      }
      return out.sort();
    };
    const before = await perms();
    try {
      const s = await api.call('tenant.suspend', { cluster, tenant: a, reason: 'unpaid invoice' });
      expect(s.ok ? s.value.state : s.error.message).toBe('suspended');
      // A session open during the suspension is refused (Cassandra re-checks the login role and
      // its DC access on every request); a new login is refused outright.
      expect(await code(aUser.execute(`SELECT * FROM "tenant_${a}_data".events`))).not.toBe('ok');
      expect(await code(userClient(`tenant_${a}_u_boss`, PW).then((c) => c.shutdown()))).toBe('auth');
      const svcPassword = (await svc.secrets.get(`tenant/${a}/service-password`))!;
      expect(svcPassword.length).toBeGreaterThan(20);
      expect(await code(userClient(`tenant_${a}_svc`, svcPassword).then((c) => c.shutdown()))).toBe('auth');
      expect(await perms()).toEqual([]);
      // 8 from provisioning, and what the user got as creator of the table it made above.
      expect(before.filter((p) => p.startsWith(`tenant_${a}_u_boss data/tenant_${a}_data/extra `)).length).toBeGreaterThan(3);
      expect(before.length).toBeGreaterThan(8);
      // The other tenant is untouched.
      expect(await code(bUser.execute(`SELECT * FROM "tenant_${b}_data".events`))).toBe('ok');
      const again = await api.call('tenant.suspend', { cluster, tenant: a });
      expect(again.ok ? 'ok' : again.error.code).toBe('CONFLICT');

      const r = await api.call('tenant.resume', { cluster, tenant: a });
      expect(r.ok ? r.value.state : r.error.message).toBe('active');
      expect(await perms()).toEqual(before);
      // Applications reconnect after a resume: the sessions the suspension cut stay cut.
      await aUser.shutdown();
      aUser = await userClient(`tenant_${a}_u_boss`, PW);
      expect(await code(aUser.execute(`SELECT * FROM "tenant_${a}_data".events`))).toBe('ok');
    } finally {
      await admin.shutdown();
    }
  });

  it('clones a tenant with schema, config and data, under new keys and credentials', async () => {
    const c = unique('tc');
    const r = await api.call('tenant.clone', { cluster, tenant: b, newId: c, withData: true, adminUser: 'qa', adminPassword: PW });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const saga = await finish(svc, api, cluster, r.value.jobId);
    try {
      expect(saga.state, JSON.stringify(saga.steps)).toBe('succeeded');
      const qa = await userClient(`tenant_${c}_u_qa`, PW);
      try {
        expect((await qa.execute(`SELECT * FROM "tenant_${c}_data".events WHERE bucket = 'x'`)).rowLength).toBe(1);
        expect((await qa.execute(`SELECT * FROM system_schema.tables WHERE keyspace_name = '${`tenant_${c}_data`}'`)).rows.map((x) => x['table_name']).sort()).toEqual(['events', 'extra']);
        expect(await code(qa.execute(`SELECT * FROM "tenant_${b}_data".events`))).toBe('unauthorized');
      } finally {
        await qa.shutdown();
      }
      const admin = await driverClient();
      try {
        const keks = (await admin.execute('SELECT tenant_id, wrapped FROM csm_system.tenant_keks WHERE tenant_id IN ?', [[b, c]], { prepare: true })).rows;
        expect(new Set(keks.map((k) => (k['wrapped'] as Buffer).toString('hex'))).size).toBe(keks.length);
        expect(keks.map((k) => k['tenant_id']).sort()).toEqual([b, c]);
      } finally {
        await admin.shutdown();
      }
    } finally {
      const d = await api.call('tenant.delete', { cluster, tenant: c, purge: true, confirm: c });
      if (d.ok) await finish(svc, api, cluster, d.value.jobId);
      await scrub([c]);
    }
  }, 120_000);

  it('validates custom templates before storing them, and provisions from one', async () => {
    const bad = await api.call('template.save', {
      cluster,
      template: { name: 'broken', replicationFactor: 1, keyspaces: [{ suffix: 'csm', tables: [] }] },
    });
    expect(bad.ok ? 'ok' : bad.error.code).toBe('BAD_INPUT');
    const sneaky = await api.call('template.save', {
      cluster,
      template: { name: 'sneaky', replicationFactor: 1, keyspaces: [{ suffix: 'app', tables: [{ name: 't', columns: [{ name: 'k', type: 'int) WITH comment = $$x$$; DROP KEYSPACE csm_system; --' }], partitionKey: ['k'] }] }] },
    });
    expect(sneaky.ok ? 'ok' : sneaky.error.code).toBe('BAD_INPUT');
    const name = `tpl-${unique('x').slice(2)}`;
    const saved = await api.call('template.save', {
      cluster,
      template: {
        name,
        description: 'two keyspaces',
        replicationFactor: 1,
        keyspaces: [
          { suffix: 'app', tables: [{ name: 'users', columns: [{ name: 'id', type: 'uuid' }, { name: 'tags', type: 'set<text>' }], partitionKey: ['id'] }] },
          { suffix: 'logs', tables: [] },
        ],
        config: { 'app.mode': 'test' },
      },
    });
    expect(saved.ok).toBe(true);
    const listed = await api.call('template.list', { cluster });
    expect(listed.ok && listed.value.map((t) => [t.name, t.builtIn])).toEqual(expect.arrayContaining([['default', true], [name, false]]));
    const t = unique('tt');
    try {
      const r = await api.call('tenant.create', { cluster, id: t, name: 'From template', template: name, adminUser: 'boss', adminPassword: PW });
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect((await finish(svc, api, cluster, r.value.jobId)).state).toBe('succeeded');
      const d = await api.call('tenant.show', { cluster, tenant: t });
      expect(d.ok && d.value.keyspaces.map((k) => [k.name, k.tables])).toEqual([
        [`tenant_${t}_app`, ['users']],
        // The console keyspace, with the tables a tenant admin writes (config versions, branding,
        // integrations, user and support requests, certificates, the audit inbox) made at provisioning.
        [
          `tenant_${t}_csm`,
          [
            'approvals', 'audit_chain', 'audit_inbox', 'audit_keys', 'branding', 'config', 'config_template', 'config_versions', 'data_keys', 'integrations', 'key_policy',
            'password_history', 'pki_ca', 'pki_certs', 'pki_crls', 'support_requests', 'tenant_info', 'user_meta', 'user_requests', 'users',
          ],
        ],
        [`tenant_${t}_logs`, []],
      ]);
      expect(d.ok && d.value.config['app.mode']).toBe('test');
      const cfg = await api.call('tenant.config', { cluster, tenant: t });
      expect(cfg.ok && cfg.value.find((c) => c.key === 'app.mode')?.value).toBe('test');
      const missing = await api.call('tenant.create', { cluster, id: unique('tm'), name: 'x', template: 'nope', adminUser: 'boss', adminPassword: PW });
      expect(missing.ok ? 'ok' : missing.error.code).toBe('NOT_FOUND');
    } finally {
      const d = await api.call('tenant.delete', { cluster, tenant: t, purge: true, confirm: t });
      if (d.ok) await finish(svc, api, cluster, d.value.jobId);
      await api.call('template.delete', { cluster, name });
      await scrub([t]);
    }
  }, 120_000);

  it('a cancelled saga stops at the next step and rolls back to nothing', async () => {
    const t = unique('tn');
    let jobId = '';
    const off = svc.bus.subscribe((name, p) => {
      if (name === 'tenant.saga' && (p as { tenantId: string }).tenantId === t && (p as { steps: { name: string; state: string }[] }).steps.some((s) => s.name === 'keyspaces' && s.state === 'running')) {
        svc.jobs.cancel((p as { jobId: string }).jobId);
      }
    });
    try {
      const r = await api.call('tenant.create', { cluster, id: t, name: 'Cancelled', adminUser: 'boss', adminPassword: PW });
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      jobId = r.value.jobId;
      const saga = await finish(svc, api, cluster, jobId);
      expect(saga.state).toBe('failed');
      expect(saga.error).toMatch(/CANCELLED/);
      expect(svc.store.jobs.get(jobId)?.state).toBe('cancelled');
      const rb = await api.call('tenant.rollbackJob', { cluster, jobId });
      expect(rb.ok).toBe(true);
      expect((await finish(svc, api, cluster, jobId)).state).toBe('rolled_back');
      const admin = await driverClient();
      try {
        const ks = (await admin.execute('SELECT keyspace_name FROM system_schema.keyspaces')).rows.map((x) => String(x['keyspace_name']));
        expect(ks.filter((k) => k.startsWith(`tenant_${t}_`))).toEqual([]);
        expect((await admin.execute('SELECT id FROM csm_system.tenants WHERE id = ?', [t], { prepare: true })).rowLength).toBe(0);
      } finally {
        await admin.shutdown();
      }
    } finally {
      off();
      await scrub([t]);
    }
  }, 120_000);

  it('deletes with purge: typed confirmation, keyspaces and roles dropped, keys shredded, registry says deleted', async () => {
    const wrong = await api.call('tenant.delete', { cluster, tenant: b, purge: true, confirm: 'nope' });
    expect(wrong.ok ? 'ok' : wrong.error.code).toBe('BAD_INPUT');
    // A sensitive value in this console's encrypted cache, to see the purge wipe it.
    await svc.keys.sealed(cluster).put(b, 'config/secret', 'not for anyone else');
    const cached = () => svc.store.db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM sealed_values WHERE tenant_id = ?').get(b)!.n;
    expect(cached()).toBe(1);
    const d = await api.call('tenant.delete', { cluster, tenant: b, purge: true, confirm: b });
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    const saga = await finish(svc, api, cluster, d.value.jobId);
    expect(saga.state, JSON.stringify(saga.steps)).toBe('succeeded');
    expect(saga.steps.find((s) => s.name === 'shred')!.message).toMatch(/verified: 1 cached values tried, 1 refused, 0 decrypted/);
    expect(cached()).toBe(0);
    const admin = await driverClient();
    try {
      const ks = (await admin.execute('SELECT keyspace_name FROM system_schema.keyspaces')).rows.map((r) => String(r['keyspace_name']));
      expect(ks.filter((k) => k.startsWith(`tenant_${b}_`))).toEqual([]);
      const roles = (await admin.execute('LIST ROLES')).rows.map((r) => String(r['role']));
      expect(roles.filter((r) => r.startsWith(`tenant_${b}_`))).toEqual([]);
      const keks = await admin.execute('SELECT * FROM csm_system.tenant_keks WHERE tenant_id = ?', [b], { prepare: true });
      expect(keks.rows.filter((r) => r['state'] !== 'destroyed').length).toBe(0);
      const row = (await admin.execute('SELECT state FROM csm_system.tenants WHERE id = ?', [b], { prepare: true })).rows[0];
      expect(row?.['state']).toBe('deleted');
    } finally {
      await admin.shutdown();
    }
    // The local audit trail of the tenant stays.
    expect(svc.store.localAudit.listRecent({ limit: 200 }).some((e) => e.channel === 'tenant.delete' && e.tenant === b && e.outcome === 'ok')).toBe(true);
    expect(await code(aUser.execute(`SELECT * FROM "tenant_${a}_data".events`))).toBe('ok');
  }, 120_000);
});
