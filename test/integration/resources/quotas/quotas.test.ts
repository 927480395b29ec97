import { randomBytes } from 'node:crypto';
import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../../../../src-shared/contract';
import type { QuotaEvent } from '../../../../src-shared/contract/resources';
import { localClient, type LocalClient } from '../../../../src-main/ipc/local-client';
import { writeFreeze } from '../../../../src-main/tenancy/write-freeze';
import { driverClient, node, realServices, SUPERUSER, unique } from '../../../support/cassandra';
import { platformConsole, provision, scrub, userClient, type Svc } from '../../tenancy/support';

const PW = 'correct-horse-battery';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function value<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}
function errorOf(r: Result<unknown>): { code: string; message: string } {
  if (r.ok) throw new Error('expected a refusal');
  return r.error;
}

/** What Cassandra says to an INSERT by the tenant's own user. */
async function insert(c: cassandra.Client, ks: string): Promise<'ok' | 'unauthorized' | string> {
  try {
    await c.execute(`INSERT INTO "${ks}".events (bucket, at, payload) VALUES ('q', now(), 0x01)`);
    return 'ok';
  } catch (e) {
    const m = (e as Error).message;
    return /has no MODIFY permission|Unauthorized|not authorized/i.test(m) ? 'unauthorized' : `other: ${m}`;
  }
}

/** Poll (bounded) until Cassandra's answer is `want`: its permission cache trails a GRANT/REVOKE by up to its validity period. */
async function until(c: cassandra.Client, ks: string, want: 'ok' | 'unauthorized'): Promise<string> {
  let got = '';
  for (let i = 0; i < 40; i++) {
    got = await insert(c, ks);
    if (got === want) return got;
    await sleep(500);
  }
  return got;
}

/**
 * Quotas on the real node (issue 10 item 2 Proof): a hard user quota refuses with the figure and a
 * soft one warns; storage over its hard limit past grace revokes MODIFY for real (Cassandra refuses
 * the tenant's INSERT) and a raise or lower usage restores exactly the grants taken; a raise expires
 * by itself; a freeze held for two reasons lifts only when both are gone.
 */
describe('quotas with real enforcement', () => {
  let p: Svc;
  let api: LocalClient;
  let cluster: string;
  let t: Svc;
  let tapi: LocalClient;
  const tcluster = unique('tq').replace(/_/g, '-');
  const a = unique('qa');
  const data = `tenant_${a}_data`;
  let su: cassandra.Client;
  let boss: cassandra.Client;
  const busEvents: { name: string; payload: unknown }[] = [];

  /** The (role, resource, permissions) rows of system_auth.role_permissions on the tenant's data keyspace. */
  async function perms(): Promise<string[]> {
    const out: string[] = [];
    for await (const r of await su.execute('SELECT role, resource, permissions FROM system_auth.role_permissions', [], { fetchSize: 1000 })) {
      const res = String(r['resource']);
      // Superusers (the node's own, which created these keyspaces) lose nothing to a freeze.
      if (String(r['role']) === SUPERUSER.username) continue;
      if (res === `data/${data}` || res.startsWith(`data/${data}/`)) out.push(`${String(r['role'])} ${res} ${[...((r['permissions'] as string[]) ?? [])].sort().join(',')}`);
    }
    return out.sort();
  }
  const events = async (): Promise<QuotaEvent[]> => value(await api.call('quota.show', { cluster, tenant: a })).events;

  beforeAll(async () => {
    ({ svc: p, api, cluster } = await platformConsole());
    p.bus.subscribe((name, payload) => busEvents.push({ name, payload }));
    su = await driverClient();
    expect((await provision(p, api, cluster, a, 'boss', PW)).state).toBe('succeeded');
    boss = await userClient(`tenant_${a}_u_boss`, PW);
    t = await realServices();
    tapi = localClient(t.router, { host: 'cli' });
    value(await tapi.call('cluster.add', { name: tcluster, contactPoints: [node().contactPoint], localDc: node().localDc, username: `tenant_${a}_u_boss`, password: PW }));
    expect(value(await tapi.call('session.signIn', { cluster: tcluster })).platform).toBe(false);
  }, 240_000);

  afterAll(async () => {
    await boss?.shutdown().catch(() => undefined);
    await su?.shutdown().catch(() => undefined);
    for (const s of [t, p]) await s?.close().catch(() => undefined);
    await scrub([a]);
  });

  it('users: over soft the call succeeds with a warning recorded; over hard QUOTA_EXCEEDED with the figure, for the platform too', async () => {
    const n = value(await api.call('user.list', { cluster, tenant: a })).length;
    const row = value(await api.call('quota.set', { cluster, tenant: a, resource: 'users', soft: n, hard: n + 1 }));
    expect(row).toMatchObject({ resource: 'users', soft: n, hard: n + 1, effectiveHard: n + 1, used: n, usedPrecision: 'exact', state: 'ok' });
    busEvents.length = 0;
    expect(value(await api.call('user.create', { cluster, tenant: a, name: 'first', template: 'read-only', password: 'Fz-Plum-pass-0001' })).state).toBe('applied');
    expect((await events()).find((e) => e.kind === 'soft-exceeded')).toMatchObject({ resource: 'users', detail: `tenant ${a} now at ${n + 1} users, over its soft limit ${n}` });
    expect(busEvents).toContainEqual({ name: 'quota.changed', payload: { cluster, tenant: a, resource: 'users', state: 'soft' } });
    const refused = errorOf(await api.call('user.create', { cluster, tenant: a, name: 'second', template: 'read-only', password: 'Fz-Plum-pass-0002' }));
    expect(refused.code).toBe('QUOTA_EXCEEDED');
    expect(refused.message).toContain(`tenant ${a} has ${n + 1} users; hard limit ${n + 1}`);
    expect(await su.execute('SELECT role FROM system_auth.roles WHERE role = ?', [`tenant_${a}_u_second`], { prepare: true }).then((x) => x.rowLength)).toBe(0);
    // The router audited the refusal.
    expect(p.store.localAudit.listRecent({ limit: 50 }).some((e) => e.channel === 'user.create' && e.outcome === 'refused' && e.errorCode === 'QUOTA_EXCEEDED')).toBe(true);
    // A raise is the way past it, for the platform as for anyone.
    value(await api.call('quota.raise', { cluster, tenant: a, resource: 'users', hard: n + 2, until: new Date(Date.now() + 3_600_000).toISOString(), reason: 'onboarding' }));
    expect(value(await api.call('user.create', { cluster, tenant: a, name: 'second', template: 'read-only', password: 'Fz-Plum-pass-0002' })).state).toBe('applied');
  }, 60_000);

  it('the tenant admin reads its own quotas from its console keyspace and cannot change them', async () => {
    const mine = value(await tapi.call('quota.show', { cluster: tcluster, tenant: a }));
    expect(mine.rows.find((r) => r.resource === 'users')).toMatchObject({ soft: expect.any(Number), raisedHard: expect.any(Number), state: 'soft', usedPrecision: 'exact' });
    expect(mine.events.map((e) => e.kind)).toEqual(expect.arrayContaining(['soft-exceeded', 'raised']));
    expect(errorOf(await tapi.call('quota.set', { cluster: tcluster, tenant: a, resource: 'users', hard: 100 })).code).toBe('FORBIDDEN');
    // The copy is the tenant's to read, not to write.
    await expect(boss.execute(`INSERT INTO "tenant_${a}_csm".quota_rows (resource, body) VALUES ('users', '{}')`)).rejects.toThrow(/MODIFY|Unauthorized/i);
  });

  it('bad input is refused and nothing is stored', async () => {
    const tablesBefore = value(await api.call('quota.show', { cluster, tenant: a })).rows.find((r) => r.resource === 'tables')!;
    // No quota row: the tenant config's quotas.maxTables is the hard limit (the template's 50).
    expect(tablesBefore).toMatchObject({ soft: null, hard: 50, effectiveHard: 50, raisedHard: null });
    expect(errorOf(await api.call('quota.set', { cluster, tenant: a, resource: 'tables', hard: -1 })).code).toBe('BAD_INPUT');
    expect(errorOf(await api.call('quota.set', { cluster, tenant: a, resource: 'tables', soft: 9, hard: 3 }))).toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/soft limit 9 of tables is above its hard limit 3/) });
    expect(errorOf(await api.call('quota.raise', { cluster, tenant: a, resource: 'tables', hard: 9, until: new Date(Date.now() - 1000).toISOString() })).code).toBe('BAD_INPUT');
    expect(errorOf(await api.call('quota.set', { cluster, tenant: a, resource: 'cpus' as 'users', hard: 1 })).code).toBe('BAD_INPUT');
    expect(errorOf(await api.call('quota.set', { cluster, tenant: unique('qz'), resource: 'users', hard: 1 })).code).toBe('NOT_FOUND');
    expect(value(await api.call('quota.show', { cluster, tenant: a })).rows.find((r) => r.resource === 'tables')).toEqual(tablesBefore);
  });

  it('storage over hard (grace 0): writes revoked for real, a raise restores exactly, its expiry enforces again, two reasons thaw only when both are lifted', async () => {
    // Storage counts SSTables only: this table flushes every second (as the metering test does).
    await boss.execute(`CREATE TABLE "${data}".blobs (id int PRIMARY KEY, v blob) WITH memtable_flush_period_in_ms = 1000`);
    for (let i = 0; i < 24; i++) await boss.execute(`INSERT INTO "${data}".blobs (id, v) VALUES (?, ?)`, [i, randomBytes(64 * 1024)], { prepare: true });
    for (let i = 0; i < 60; i++) {
      const r = (await su.execute('SELECT mebibytes FROM system_views.disk_usage WHERE keyspace_name = ? AND table_name = ?', [data, 'blobs'], { prepare: true })).first();
      if (r && Number(r['mebibytes']) > 0) break;
      await sleep(500);
    }
    const sample = value(await api.call('usage.collect', { cluster, tenant: a })).samples[0]!;
    const bytes = sample.figures.find((f) => f.metric === 'storage_bytes')!.value!;
    expect(bytes).toBeGreaterThan(0);
    const before = await perms();
    expect(before.some((x) => x.includes('MODIFY'))).toBe(true);
    expect(await insert(boss, data)).toBe('ok');

    value(await api.call('quota.set', { cluster, tenant: a, resource: 'storage-gb', hard: 0.000001, graceHours: 0 }));
    expect(value(await api.call('quota.enforce', { cluster, tenant: a }))).toEqual({ checked: 1, enforced: [a], restored: [] });
    expect(await until(boss, data, 'unauthorized')).toBe('unauthorized');
    expect((await perms()).filter((x) => x.includes('MODIFY'))).toEqual([]);
    const frozen = await writeFreeze().state(p.connections.operator(cluster)!, a);
    expect(frozen.reasons).toEqual(['storage-quota']);
    expect(frozen.revoked.filter((g) => g.permission === 'MODIFY').length).toBe(before.filter((x) => x.includes('MODIFY')).length);
    expect(frozen.revoked).toContainEqual({ role: `tenant_${a}_admin`, resource: `<keyspace ${data}>`, permission: 'CREATE' });
    const shown = value(await api.call('quota.show', { cluster, tenant: a }));
    expect(shown.writesRevoked).toBe(true);
    expect(shown.rows.find((r) => r.resource === 'storage-gb')).toMatchObject({ state: 'enforced', usedPrecision: 'estimate' });
    expect(shown.events.map((e) => e.kind)).toEqual(expect.arrayContaining(['hard-exceeded', 'grace-started', 'enforced']));
    expect(busEvents).toContainEqual({ name: 'quota.changed', payload: { cluster, tenant: a, resource: 'storage-gb', state: 'enforced' } });

    // A tenant admin's grant made during the freeze is taken again by the next sweep (and restored with the rest).
    await su.execute(`GRANT MODIFY ON TABLE "${data}".events TO "tenant_${a}_u_boss"`);
    expect(value(await api.call('quota.enforce', { cluster, tenant: a })).enforced).toEqual([a]);
    expect((await perms()).filter((x) => x.includes('MODIFY'))).toEqual([]);

    // A short raise: restored at once, exactly (plus the grant made during the freeze).
    const raiseEnd = Date.now() + 8_000;
    value(await api.call('quota.raise', { cluster, tenant: a, resource: 'storage-gb', hard: 1000, until: new Date(raiseEnd).toISOString() }));
    expect(value(await api.call('quota.enforce', { cluster, tenant: a }))).toEqual({ checked: 1, enforced: [], restored: [a] });
    expect(await until(boss, data, 'ok')).toBe('ok');
    const afterThaw = await perms();
    expect(afterThaw).toEqual([...before, `tenant_${a}_u_boss data/${data}/events MODIFY`].sort());
    await su.execute(`REVOKE MODIFY ON TABLE "${data}".events FROM "tenant_${a}_u_boss"`);
    expect(await perms()).toEqual(before);

    // The raise expires by itself: the sweep records it and enforcement comes back.
    await sleep(Math.max(0, raiseEnd - Date.now() + 500));
    expect(value(await api.call('quota.enforce', { cluster, tenant: a })).enforced).toEqual([a]);
    expect((await events()).map((e) => e.kind)).toContain('raise-expired');
    expect(await until(boss, data, 'unauthorized')).toBe('unauthorized');

    // A second reason (a migration's cut-over) holds the freeze after storage lets go.
    const op = p.connections.operator(cluster)!;
    expect((await writeFreeze().freeze(op, a, 'migration', 'test')).reasons).toEqual(['migration', 'storage-quota']);
    value(await api.call('quota.set', { cluster, tenant: a, resource: 'storage-gb', hard: 1000 }));
    expect(value(await api.call('quota.enforce', { cluster, tenant: a })).restored).toEqual([a]);
    expect((await writeFreeze().state(op, a)).reasons).toEqual(['migration']);
    await sleep(2500); // longer than the permission cache: still refused
    expect(await insert(boss, data)).toBe('unauthorized');
    expect((await perms()).filter((x) => x.includes('MODIFY'))).toEqual([]);
    expect((await writeFreeze().thaw(op, a, 'migration', 'test')).reasons).toEqual([]);
    expect(await until(boss, data, 'ok')).toBe('ok');
    expect(await perms()).toEqual(before);
  }, 180_000);

  it('ops-per-hour: a tenant console over the hard limit is refused with the figure; the platform\'s calls are counted but never refused by it', async () => {
    value(await api.call('quota.set', { cluster, tenant: a, resource: 'ops-per-hour', hard: 1 }));
    // The platform's emergency calls stay possible whatever the tenant's hourly limit.
    for (let i = 0; i < 3; i++) expect(value(await api.call('user.lock', { cluster, tenant: a, name: 'first' })).locked).toBe(true);
    // The tenant's own console (its own count): the first call fits, the second is over.
    value(await tapi.call('user.unlock', { cluster: tcluster, tenant: a, name: 'first' }));
    const refused = errorOf(await tapi.call('user.lock', { cluster: tcluster, tenant: a, name: 'first' }));
    expect(refused.code).toBe('QUOTA_EXCEEDED');
    expect(refused.message).toMatch(new RegExp(`tenant ${a} has \\d+ console operations in the last hour; hard limit 1`));
    value(await api.call('quota.set', { cluster, tenant: a, resource: 'ops-per-hour', hard: null }));
    expect(value(await tapi.call('user.lock', { cluster: tcluster, tenant: a, name: 'first' })).locked).toBe(true);
  });

  it('a raise is temporary: until more than 90 days away is refused and nothing is stored', async () => {
    const before = value(await api.call('quota.show', { cluster, tenant: a })).rows.find((r) => r.resource === 'users')!;
    const far = new Date(Date.now() + 91 * 86_400_000).toISOString();
    expect(errorOf(await api.call('quota.raise', { cluster, tenant: a, resource: 'users', hard: 99, until: far }))).toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/more than 90 days away/) });
    expect(value(await api.call('quota.show', { cluster, tenant: a })).rows.find((r) => r.resource === 'users')).toEqual(before);
  });
});
