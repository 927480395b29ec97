import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverClient, node, SUPERUSER, unique } from '../../support/cassandra';
import { platformConsole, provision, scrub, userClient, type Svc } from '../tenancy/support';
import { csmRunner, type CliRun } from '../../support/cli';

type Run = CliRun;

/** The real `csm` binary with its own data dir and keychain service, as an operator runs it. */
const keychain = unique('csm-users-cli');
const csm = csmRunner(keychain);
const json = <T = Record<string, unknown>>(r: Run): T => JSON.parse(r.stdout) as T;
const errorOf = (r: Run) => json<{ error: { code: string; message: string } }>(r).error;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What Cassandra says when the user tries something. */
async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    const m = (e as Error).message;
    return /has no (SELECT|MODIFY) permission|Unauthorized|not authorized/i.test(m) ? 'unauthorized' : `other: ${m}`;
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

/**
 * `csm user …` on the real node through the real binary (issue 7 item 5, CLI face): exit codes per
 * the README (0 ok, 2 bad input, 1 refused/failed), `--json` on stdout, passwords only on stdin,
 * and every answer checked against what Cassandra then lets the user do.
 */
describe('csm user on the real node', () => {
  let svc: Svc;
  const t = unique('uc');
  const dir = mkdtempSync(join(tmpdir(), 'csm-users-cli-'));
  const role = (name: string) => `tenant_${t}_u_${name}`;
  const at = (name: string) => ['--cluster', 'main', '--tenant', t, '--name', name, '--json'];
  let su: cassandra.Client;

  beforeAll(async () => {
    let api, cluster;
    ({ svc, api, cluster } = await platformConsole());
    expect((await provision(svc, api, cluster, t, 'boss', 'correct-horse-battery')).state).toBe('succeeded');
    su = await driverClient();
    await su.execute(`INSERT INTO "tenant_${t}_data".events (bucket, at, payload) VALUES ('b1', now(), 0x01)`);
    const added = await csm(dir, ['cluster', 'add', 'main', '--contact-point', node().contactPoint, '--dc', node().localDc, '--username', SUPERUSER.username, '--password-stdin', '--json'], `${SUPERUSER.password}\n`);
    expect(added.code, added.stderr).toBe(0);
  }, 240_000);

  afterAll(async () => {
    await su?.shutdown();
    await svc?.close();
    await scrub([t]);
  });

  it('create, list, weak password, lock, unlock, passwd, permissions and drop — each with its exit code, checked on the node', async () => {
    const PW1 = 'Quartz-Lantern-0001';
    const PW2 = 'Quartz-Lantern-0002';

    // A weak password: bad input (exit 2), the failed rules named, nothing created.
    const weak = await csm(dir, ['user', 'create', ...at('reader'), '--template', 'read-only', '--password-stdin'], 'short\n');
    expect(weak.code, weak.stdout + weak.stderr).toBe(2);
    expect(errorOf(weak).code).toBe('BAD_INPUT');
    expect(errorOf(weak).message).toMatch(/minLength.*requireUpper.*requireDigit/);
    expect(weak.stdout + weak.stderr).not.toContain('short');
    const named = await csm(dir, ['user', 'create', ...at('reader'), '--template', 'read-only', '--password-stdin'], 'My-reader-Pass-01\n');
    expect([named.code, errorOf(named).code]).toEqual([2, 'BAD_INPUT']);
    expect(errorOf(named).message).toMatch(/forbidUserName/);
    const badTemplate = await csm(dir, ['user', 'create', ...at('reader'), '--template', 'superuser', '--password-stdin'], `${PW1}\n`);
    expect([badTemplate.code, errorOf(badTemplate).message]).toEqual([2, '--template must be read-only, read-write, admin or application']);
    const argv = await csm(dir, ['user', 'create', ...at('reader'), '--template', 'read-only', '--password', PW1]);
    expect([argv.code, errorOf(argv).code]).toEqual([2, 'BAD_INPUT']);
    expect((await su.execute('SELECT role FROM system_auth.roles WHERE role = ?', [role('reader')], { prepare: true })).rowLength).toBe(0);

    const created = await csm(dir, ['user', 'create', ...at('reader'), '--template', 'read-only', '--password-stdin'], `${PW1}\n`);
    const createdAt = Date.now();
    expect(created.code, created.stdout + created.stderr).toBe(0);
    expect(json(created)).toEqual({ state: 'applied', requestId: null, user: 'reader' });
    expect(created.stdout + created.stderr).not.toContain(PW1);
    // Creating it again is a CONFLICT — also with its own password: a create never says whether a
    // guess was one of an existing user's passwords.
    const again = await csm(dir, ['user', 'create', ...at('reader'), '--template', 'read-only', '--password-stdin'], `${PW1}\n`);
    expect([again.code, errorOf(again).code]).toEqual([1, 'CONFLICT']);
    expect(errorOf(again).message).not.toMatch(/historyCount/);

    const list = await csm(dir, ['user', 'list', '--cluster', 'main', '--tenant', t, '--json']);
    expect(list.code, list.stderr).toBe(0);
    expect(json<{ name: string; role: string; template: string | null; locked: boolean }[]>(list).map((u) => [u.name, u.role, u.template, u.locked])).toEqual([
      ['boss', role('boss'), null, false],
      ['reader', role('reader'), 'read-only', false],
    ]);
    const text = await csm(dir, ['user', 'list', '--cluster', 'main', '--tenant', t]);
    expect(text.stdout).toMatch(/^reader\s+read-only\s+no\s/m);

    // Who can do what, from Cassandra — and the node agrees: SELECT on the tenant's data, nothing else.
    const perms = await csm(dir, ['user', 'permissions', ...at('reader')]);
    expect(perms.code, perms.stderr).toBe(0);
    const p = json<{ role: string; permissions: { permission: string; resource: string; via: string }[] }>(perms);
    expect(p.role).toBe(role('reader'));
    expect(p.permissions.filter((x) => x.resource === `<keyspace tenant_${t}_data>`).map((x) => x.permission)).toEqual(['SELECT']);
    expect(p.permissions.some((x) => x.permission === 'MODIFY')).toBe(false);
    expect(p.permissions.every((x) => x.resource.includes(t))).toBe(true);
    const r = await userClient(role('reader'), PW1);
    try {
      expect(await outcome(r.execute(`SELECT * FROM "tenant_${t}_data".events`))).toBe('ok');
      expect(await outcome(r.execute(`INSERT INTO "tenant_${t}_data".events (bucket, at, payload) VALUES ('r', now(), 0x00)`))).toBe('unauthorized');
      expect(await outcome(r.execute(`SELECT * FROM "tenant_${t}_csm".config`))).toBe('unauthorized');
    } finally {
      await r.shutdown();
    }

    // Lock: sign-in refused at once; unlock: accepted again.
    const lock = await csm(dir, ['user', 'lock', ...at('reader')]);
    expect(lock.code, lock.stderr).toBe(0);
    expect(json(lock)).toMatchObject({ name: 'reader', locked: true });
    expect(await signIn(role('reader'), PW1)).toBe('refused');
    expect(json<{ name: string; locked: boolean }[]>(await csm(dir, ['user', 'list', '--cluster', 'main', '--tenant', t, '--json'])).find((u) => u.name === 'reader')?.locked).toBe(true);
    const unlock = await csm(dir, ['user', 'unlock', ...at('reader')]);
    expect([unlock.code, json(unlock)['locked']]).toEqual([0, false]);
    expect(await signIn(role('reader'), PW1)).toBe('ok');

    // Password change: the node allows one per role every 5 s (creation set the first one).
    await sleep(Math.max(0, createdAt + 5200 - Date.now()));
    const weakNew = await csm(dir, ['user', 'passwd', ...at('reader'), '--password-stdin'], 'password\n');
    expect([weakNew.code, errorOf(weakNew).code]).toEqual([2, 'BAD_INPUT']);
    const passwd = await csm(dir, ['user', 'passwd', ...at('reader'), '--password-stdin'], `${PW2}\n`);
    expect(passwd.code, passwd.stdout + passwd.stderr).toBe(0);
    expect(json(passwd)).toMatchObject({ user: 'reader', changedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    expect(await signIn(role('reader'), PW1)).toBe('refused');
    expect(await signIn(role('reader'), PW2)).toBe('ok');
    await sleep(5200);
    const reuse = await csm(dir, ['user', 'passwd', ...at('reader'), '--password-stdin'], `${PW1}\n`);
    expect([reuse.code, errorOf(reuse).code]).toEqual([2, 'BAD_INPUT']);
    expect(errorOf(reuse).message).toMatch(/historyCount/);

    // Drop: gone from the node and the list; what names it afterwards is NOT_FOUND (exit 1).
    const drop = await csm(dir, ['user', 'drop', ...at('reader')]);
    expect([drop.code, json(drop)]).toEqual([0, { user: 'reader', dropped: true }]);
    expect(await signIn(role('reader'), PW2)).toBe('refused');
    expect((await su.execute('SELECT role FROM system_auth.roles WHERE role = ?', [role('reader')], { prepare: true })).rowLength).toBe(0);
    expect(json<{ name: string }[]>(await csm(dir, ['user', 'list', '--cluster', 'main', '--tenant', t, '--json'])).map((u) => u.name)).toEqual(['boss']);
    for (const words of [['permissions'], ['lock'], ['drop']]) {
      const gone = await csm(dir, ['user', ...words, ...at('reader')]);
      expect([words[0], gone.code, errorOf(gone).code]).toEqual([words[0], 1, 'NOT_FOUND']);
    }
    const ghost = await csm(dir, ['user', 'passwd', ...at('reader'), '--password-stdin'], 'Quartz-Lantern-0003\n');
    expect([ghost.code, errorOf(ghost).code]).toEqual([1, 'NOT_FOUND']);
    // Missing arguments are bad input.
    const noName = await csm(dir, ['user', 'lock', '--cluster', 'main', '--tenant', t, '--json']);
    expect([noName.code, errorOf(noName).message]).toEqual([2, '--name is required']);
  }, 180_000);
});
