import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { node, unique } from '../../support/cassandra';
import { platformConsole, provision, scrub, type Svc } from '../tenancy/support';
import { csmRunner, type CliRun } from '../../support/cli';

type Run = CliRun;
const PW = 'correct-horse-battery';
const keychain = unique('csm-config-cli');

/** The real `csm` binary with its own data dir and keychain service: a tenant admin's installation. */
const csm = csmRunner(keychain);

describe('csm config / integration as a tenant admin on the real node', () => {
  let svc: Svc;
  const t = unique('cc');
  const dir = mkdtempSync(join(tmpdir(), 'csm-cfg-t-'));
  const T = ['--cluster', 'main', '--tenant', t];

  beforeAll(async () => {
    let api;
    let cluster: string;
    ({ svc, api, cluster } = await platformConsole());
    expect((await provision(svc, api, cluster, t, 'boss', PW)).state).toBe('succeeded');
    // A platform console opens the tenant's configuration once: that creates its tables.
    expect((await api.call('config.show', { cluster, tenant: t })).ok).toBe(true);
    const q = await csm(dir, ['cluster', 'add', 'main', '--contact-point', node().contactPoint, '--dc', node().localDc, '--username', `tenant_${t}_u_boss`, '--password-stdin', '--json'], `${PW}\n`);
    expect(q.code, q.stderr).toBe(0);
  }, 240_000);

  afterAll(async () => {
    await csm(dir, ['integration', 'remove', ...T, '--name', 'siem', '--json']);
    await svc?.close();
    await scrub([t]);
  });

  it('sets, lists history, rolls back; a bad value exits 2 naming the field', async () => {
    const set = await csm(dir, ['config', 'set', ...T, '--set', 'sessions.idleMinutes=15', '--set', 'quotas.maxUsers=none', '--reason', 'from the cli', '--json']);
    expect(set.code, set.stderr).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({ version: 2, updatedBy: `tenant_${t}_u_boss`, effective: { sessions: { idleMinutes: 15 }, quotas: { maxUsers: null } } });
    const bad = await csm(dir, ['config', 'set', ...T, '--set', 'sessions.idleMinutes=soon', '--reason', 'x', '--json']);
    expect(bad.code).toBe(2);
    expect(bad.stdout + bad.stderr).toMatch(/sessions\.idleMinutes/);
    const hist = await csm(dir, ['config', 'history', ...T, '--json']);
    expect((JSON.parse(hist.stdout) as { version: number; reason: string }[]).map((h) => [h.version, h.reason])).toEqual([
      [2, 'from the cli'],
      [1, 'initial: inherits template default'],
    ]);
    const back = await csm(dir, ['config', 'rollback', '1', ...T, '--json']);
    expect(back.code, back.stderr).toBe(0);
    expect(JSON.parse(back.stdout)).toMatchObject({ version: 3, overrides: {}, effective: { sessions: { idleMinutes: 30 }, quotas: { maxUsers: 50 } } });
    const text = await csm(dir, ['config', 'diff', '2', '3', ...T]);
    expect(text.stdout).toMatch(/sessions\.idleMinutes\s+cleared\s+15\s+\(inherited\)/);
  }, 120_000);

  it('integration add takes the secret from stdin; --json shows secretStored, never the secret', async () => {
    const secret = `cli-secret-${unique('x')}`;
    const add = await csm(dir, ['integration', 'add', ...T, '--name', 'siem', '--kind', 'siem', '--endpoint', 'https://siem.example.com', '--secret-stdin', '--json'], `${secret}\n`);
    expect(add.code, add.stderr).toBe(0);
    expect(JSON.parse(add.stdout)).toMatchObject({ name: 'siem', secretStored: true });
    const list = await csm(dir, ['integration', 'list', ...T, '--json']);
    expect(list.stdout).not.toContain(secret);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ name: 'siem', secretStored: true })]);
  }, 60_000);
});
