import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverClient, node, SUPERUSER, unique } from '../../support/cassandra';
import { REPO_ROOT } from '../../support/web-host';
import { platformConsole, provision, scrub, userClient, type Svc } from '../tenancy/support';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}
const PW = 'correct-horse-battery';
const keychains = new Map<string, string>();

/** The real `csm` binary; each operator's data dir is its own installation with its own keychain service. */
function csm(dir: string, args: string[], stdin = ''): Promise<Run> {
  if (!keychains.has(dir)) keychains.set(dir, unique('csm-access-cli'));
  return new Promise((ok) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'src-main/cli/csm.mjs'), ...args, '--data-dir', dir], { env: { ...process.env, CSM_KEYCHAIN_SERVICE: keychains.get(dir)! }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => ok({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin);
  });
}
const json = (r: Run): Record<string, unknown> => JSON.parse(r.stdout) as Record<string, unknown>;

/** `csm support …` as operators run it: platform and tenant admin each with their own csm, exit codes per the README. */
describe('csm support / approval on the real node', () => {
  let svc: Svc;
  let cluster: string;
  const t = unique('sc');
  const pdir = mkdtempSync(join(tmpdir(), 'csm-acc-p-'));
  const tdir = mkdtempSync(join(tmpdir(), 'csm-acc-t-'));
  let admin: cassandra.Client;
  const ids: string[] = [];

  beforeAll(async () => {
    let api;
    ({ svc, api, cluster } = await platformConsole());
    expect((await provision(svc, api, cluster, t, 'boss', PW)).state).toBe('succeeded');
    admin = await driverClient();
    const p = await csm(pdir, ['cluster', 'add', 'main', '--contact-point', node().contactPoint, '--dc', node().localDc, '--username', SUPERUSER.username, '--password-stdin', '--json'], `${SUPERUSER.password}\n`);
    expect(p.code, p.stderr).toBe(0);
    const q = await csm(tdir, ['cluster', 'add', 'main', '--contact-point', node().contactPoint, '--dc', node().localDc, '--username', `tenant_${t}_u_boss`, '--password-stdin', '--json'], `${PW}\n`);
    expect(q.code, q.stderr).toBe(0);
  }, 240_000);

  afterAll(async () => {
    for (const id of ids) await admin?.execute('DELETE FROM csm_system.support_access WHERE id = ?', [id], { prepare: true }).catch(() => undefined);
    await admin?.shutdown();
    await svc?.close();
    await scrub([t]);
  });

  it('request → tenant admin approves → activate → credentials file → revoke, each with --json and its exit code', async () => {
    const bad = await csm(pdir, ['support', 'request', '--cluster', 'main', '--tenant', t, '--minutes', '0', '--reason', 'x', '--json']);
    expect([bad.code, (json(bad)['error'] as { code: string }).code]).toEqual([2, 'BAD_INPUT']);
    const noReason = await csm(pdir, ['support', 'request', '--cluster', 'main', '--tenant', t, '--minutes', '5', '--json']);
    expect([noReason.code, (json(noReason)['error'] as { message: string }).message]).toEqual([2, '--reason is required']);

    const req = await csm(pdir, ['support', 'request', '--cluster', 'main', '--tenant', t, '--minutes', '30', '--read-only', '--reason', 'ticket 7', '--json']);
    expect(req.code, req.stdout + req.stderr).toBe(0);
    const id = String(json(req)['id']);
    ids.push(id);
    expect(json(req)).toMatchObject({ state: 'pending', readOnly: true, minutes: 30 });

    const self = await csm(pdir, ['support', 'approve', id, '--cluster', 'main', '--tenant', t, '--json']);
    expect([self.code, (json(self)['error'] as { code: string }).code]).toEqual([1, 'FORBIDDEN']);
    const listed = await csm(tdir, ['support', 'list', '--cluster', 'main', '--tenant', t]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`${id}\\s+${t}\\s+pending\\s+cassandra`));
    const ok = await csm(tdir, ['support', 'approve', id, '--cluster', 'main', '--tenant', t, '--note', 'fine', '--json']);
    expect(ok.code, ok.stdout).toBe(0);
    expect(json(ok)).toMatchObject({ state: 'approved', decidedBy: `tenant_${t}_u_boss` });

    const act = await csm(pdir, ['support', 'activate', id, '--cluster', 'main', '--json']);
    expect(act.code, act.stdout).toBe(0);
    const role = String(json(act)['role']);
    expect(role).toMatch(new RegExp(`^tenant_${t}_support_[0-9a-f]{8}$`));

    const file = join(pdir, 'support.cred');
    const cred = await csm(pdir, ['support', 'credentials', id, '--cluster', 'main', '--out', file, '--json']);
    expect(cred.code, cred.stdout).toBe(0);
    expect(json(cred)).toMatchObject({ id, username: role, written: file });
    expect(cred.stdout).not.toMatch(/password/i);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const password = /^password = (.+)$/m.exec(readFileSync(file, 'utf8'))![1]!;
    const sup = await userClient(role, password);
    try {
      expect((await sup.execute(`SELECT * FROM "tenant_${t}_data".events LIMIT 1`)).rows).toBeDefined();
    } finally {
      await sup.shutdown();
    }
    // The tenant admin's csm cannot fetch it (platform scope), and an existing file is not overwritten.
    const theirs = await csm(tdir, ['support', 'credentials', id, '--cluster', 'main', '--out', join(tdir, 'x.cred'), '--json']);
    expect(theirs.code).toBe(1);
    const again = await csm(pdir, ['support', 'credentials', id, '--cluster', 'main', '--out', file, '--json']);
    expect([again.code, (json(again)['error'] as { code: string }).code]).toEqual([1, 'CONFLICT']);

    const rev = await csm(pdir, ['support', 'revoke', id, '--cluster', 'main', '--tenant', t, '--reason', 'closed', '--json']);
    expect(rev.code, rev.stdout).toBe(0);
    expect(json(rev)).toMatchObject({ state: 'revoked', revokeReason: 'closed' });
    expect((await admin.execute('SELECT role FROM system_auth.roles WHERE role = ?', [role], { prepare: true })).rowLength).toBe(0);

    const approvals = await csm(pdir, ['approval', 'list', '--cluster', 'main', '--tenant', t, '--json']);
    expect(approvals.code).toBe(0);
    expect(JSON.parse(approvals.stdout)).toEqual([]);
    const reject = await csm(pdir, ['approval', 'reject', '0123456789abcdef', '--cluster', 'main', '--reason', 'no', '--json']);
    expect([reject.code, (json(reject)['error'] as { code: string }).code]).toEqual([1, 'NOT_FOUND']);
  });
});
