import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalClient } from '../../../../src-main/ipc/local-client';
import { writeFreeze } from '../../../../src-main/tenancy/write-freeze';
import { driverClient, SUPERUSER, unique } from '../../../support/cassandra';
import { platformConsole, provision, scrub, userClient, type Svc } from '../../tenancy/support';

const PW = 'correct-horse-battery';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function attempt(fn: () => Promise<unknown>): Promise<'ok' | 'unauthorized' | string> {
  try {
    await fn();
    return 'ok';
  } catch (e) {
    const m = (e as Error).message;
    return /has no (MODIFY|CREATE) permission|Unauthorized|not authorized/i.test(m) ? 'unauthorized' : `other: ${m}`;
  }
}
/** Poll (bounded): Cassandra's permission cache trails a GRANT/REVOKE. */
async function until(fn: () => Promise<unknown>, want: 'ok' | 'unauthorized'): Promise<string> {
  let got = '';
  for (let i = 0; i < 40; i++) {
    got = await attempt(fn);
    if (got === want) return got;
    await sleep(500);
  }
  return got;
}

/**
 * The write freeze on the real node (security review of issue 10): a table a tenant created with a
 * quoted mixed-case name is frozen and thawed like any other; a frozen tenant cannot create a table;
 * a freeze called again re-applies to what was granted since; two consoles freezing and thawing at
 * once end with exactly the grants they started with.
 */
describe('write freeze', () => {
  let p: Svc;
  let api: LocalClient;
  let cluster: string;
  const a = unique('fz');
  const data = `tenant_${a}_data`;
  let su: cassandra.Client;
  let boss: cassandra.Client;
  let before: string[] = [];

  async function perms(): Promise<string[]> {
    const out: string[] = [];
    for await (const r of await su.execute('SELECT role, resource, permissions FROM system_auth.role_permissions', [], { fetchSize: 1000 })) {
      const res = String(r['resource']);
      if (String(r['role']) === SUPERUSER.username) continue;
      if (res === `data/${data}` || res.startsWith(`data/${data}/`)) out.push(`${String(r['role'])} ${res} ${[...((r['permissions'] as string[]) ?? [])].sort().join(',')}`);
    }
    return out.sort();
  }
  const writing = (ps: string[]): string[] => ps.filter((x) => /\b(MODIFY|CREATE)\b/.test(x.split(' ')[2] ?? ''));
  const insertEvil = () => boss.execute(`INSERT INTO "${data}"."Evil" (id) VALUES (1)`);
  const insertEvents = () => boss.execute(`INSERT INTO "${data}".events (bucket, at, payload) VALUES ('f', now(), 0x01)`);

  beforeAll(async () => {
    ({ svc: p, api, cluster } = await platformConsole());
    su = await driverClient();
    expect(await provision(p, api, cluster, a, 'boss', PW)).toMatchObject({ state: 'succeeded' });
    boss = await userClient(`tenant_${a}_u_boss`, PW);
    // The tenant's own CQL: a quoted mixed-case table (its creator gets ALL on it).
    await boss.execute(`CREATE TABLE "${data}"."Evil" (id int PRIMARY KEY)`);
    before = await perms();
    expect(before.some((x) => x.includes(`/${data}/Evil `) && x.includes('MODIFY'))).toBe(true);
  }, 240_000);

  afterAll(async () => {
    await boss?.shutdown().catch(() => undefined);
    await su?.shutdown().catch(() => undefined);
    await p?.close().catch(() => undefined);
    await scrub([a]);
  });

  it('a mixed-case table: freeze revokes every grant (none fails), thaw restores exactly; a frozen tenant cannot create a table', async () => {
    const op = p.connections.operator(cluster)!;
    const st = await writeFreeze().freeze(op, a, 'migration', 'test');
    expect(st.failed).toEqual([]);
    expect(st.revoked).toContainEqual({ role: `tenant_${a}_u_boss`, resource: `<table ${data}.Evil>`, permission: 'MODIFY' });
    expect(st.revoked).toContainEqual({ role: `tenant_${a}_admin`, resource: `<keyspace ${data}>`, permission: 'CREATE' });
    expect(writing(await perms())).toEqual([]);
    expect(await until(insertEvil, 'unauthorized')).toBe('unauthorized');
    expect(await until(insertEvents, 'unauthorized')).toBe('unauthorized');
    expect(await until(() => boss.execute(`CREATE TABLE "${data}".sneaky (id int PRIMARY KEY)`), 'unauthorized')).toBe('unauthorized');

    // A table created since (here by the platform, granted to the tenant) is caught by freezing again.
    await su.execute(`CREATE TABLE "${data}"."Late" (id int PRIMARY KEY)`);
    await su.execute(`GRANT MODIFY ON TABLE "${data}"."Late" TO "tenant_${a}_u_boss"`);
    const again = await writeFreeze().freeze(op, a, 'migration', 'test');
    expect(again.reasons).toEqual(['migration']);
    expect(again.revoked).toContainEqual({ role: `tenant_${a}_u_boss`, resource: `<table ${data}.Late>`, permission: 'MODIFY' });
    expect(writing(await perms())).toEqual([]);

    const thawed = await writeFreeze().thaw(op, a, 'migration', 'test');
    expect(thawed).toMatchObject({ reasons: [], revoked: [], failed: [] });
    expect(await perms()).toEqual([...before, `tenant_${a}_u_boss data/${data}/Late MODIFY`].sort());
    expect(await until(insertEvil, 'ok')).toBe('ok');
    await su.execute(`DROP TABLE "${data}"."Late"`);
    expect(await perms()).toEqual(before);
  }, 120_000);

  it('two consoles freezing and thawing at once (compare-and-set): both reasons held, then exactly the grants from before', async () => {
    const op = p.connections.operator(cluster)!;
    const quotas = writeFreeze();
    const migration = writeFreeze();
    const frozen = await Promise.all([quotas.freeze(op, a, 'storage-quota', 'q'), migration.freeze(op, a, 'migration', 'm'), migration.freeze(op, a, 'restore', 'm2')]);
    for (const f of frozen) expect(f.failed).toEqual([]);
    const st = await quotas.state(op, a);
    expect(st.reasons).toEqual(['migration', 'restore', 'storage-quota']);
    expect(writing(await perms())).toEqual([]);
    // Lifting two of three at once: still frozen, nothing restored.
    await Promise.all([quotas.thaw(op, a, 'storage-quota', 'q'), migration.thaw(op, a, 'restore', 'm')]);
    expect((await quotas.state(op, a)).reasons).toEqual(['migration']);
    expect(writing(await perms())).toEqual([]);
    // A thaw and a re-freeze racing: whichever wins, the end state is consistent with the record.
    const [, refrozen] = await Promise.all([migration.thaw(op, a, 'migration', 'm'), quotas.freeze(op, a, 'storage-quota', 'q')]);
    expect(refrozen.reasons).toContain('storage-quota');
    const mid = await quotas.state(op, a);
    expect(mid.reasons).toEqual(['storage-quota']);
    expect(writing(await perms())).toEqual([]);
    expect((await quotas.thaw(op, a, 'storage-quota', 'q')).reasons).toEqual([]);
    expect(await perms()).toEqual(before);
    expect((await su.execute('SELECT tenant_id FROM csm_system.write_freezes WHERE tenant_id = ?', [a], { prepare: true })).rowLength).toBe(0);
    expect(await until(insertEvents, 'ok')).toBe('ok');
  }, 120_000);
});
