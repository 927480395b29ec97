import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { node, SUPERUSER, unique } from '../support/cassandra';
import { REPO_ROOT } from '../support/web-host';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const dataDir = mkdtempSync(join(tmpdir(), 'csm-cli-'));
const keychainService = unique('csm-cli-test');

/** The real `csm` binary as an operator runs it, with its own data dir and keychain service. */
function csm(args: string[], stdin?: string, opts: { dir?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((ok) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'src-main/cli/csm.mjs'), ...args, '--data-dir', opts.dir ?? dataDir], {
      env: { ...process.env, CSM_KEYCHAIN_SERVICE: keychainService, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => ok({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

describe('csm CLI against the real node', () => {
  it('adds a cluster with --password-stdin and lists it as JSON', async () => {
    const add = await csm(['cluster', 'add', 'main', '--contact-point', node().contactPoint, '--dc', node().localDc, '--username', SUPERUSER.username, '--password-stdin', '--json'], `${SUPERUSER.password}\n`);
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
    expect(JSON.parse(add.stdout)).toMatchObject({ name: 'main', passwordStored: true });
    const list = await csm(['cluster', 'list', '--json']);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ name: 'main', contactPoints: [node().contactPoint] })]);
  });

  it('tests the cluster and tells who I am', async () => {
    const test = await csm(['cluster', 'test', 'main', '--json']);
    expect(test.code).toBe(0);
    expect(JSON.parse(test.stdout).releaseVersion).toMatch(/^5\.0\./);
    const who = await csm(['whoami', '--cluster', 'main', '--json']);
    expect(who.code).toBe(0);
    expect(JSON.parse(who.stdout)).toMatchObject({ role: 'cassandra', platform: true, superuser: true });
    const human = await csm(['whoami', '--cluster', 'main']);
    expect(human.stdout).toMatch(/role: cassandra \(superuser\) on main/);
  });

  it('refuses a password given as an argument (exit 2) and writes nothing', async () => {
    const r = await csm(['cluster', 'add', 'leak', '--contact-point', node().contactPoint, '--dc', 'dc1', '--username', 'u', '--password', 'hunter2', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({ error: { code: 'BAD_INPUT', message: expect.stringMatching(/--password-stdin/) } });
    expect(JSON.parse((await csm(['cluster', 'list', '--json'])).stdout).map((c: { name: string }) => c.name)).toEqual(['main']);
  });

  it('exit 2 for bad input, 1 for a failed operation, errors as JSON', async () => {
    const bad = await csm(['cluster', 'test', 'Not-Valid', '--json']);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout).error.code).toBe('BAD_INPUT');
    const missing = await csm(['cluster', 'test', 'absent', '--json']);
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout).error.code).toBe('NOT_FOUND');
    const unknown = await csm(['frobnicate', '--json']);
    expect(unknown.code).toBe(2);
    const wrongPw = await csm(['cluster', 'add', 'wrong', '--contact-point', node().contactPoint, '--dc', node().localDc, '--username', 'cassandra', '--password-stdin', '--json'], 'nope\n');
    expect(wrongPw.code).toBe(0);
    const r = await csm(['cluster', 'test', 'wrong', '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error.code).toBe('AUTH_FAILED');
    const noStdin = await csm(['cluster', 'add', 'x', '--contact-point', node().contactPoint, '--dc', 'dc1', '--username', 'u', '--password-stdin', '--json'], '');
    expect(noStdin.code).toBe(2);
  });

  it('signout, jobs cancel and cluster sandbox-status: a csm run has no session or job of its own to close', async () => {
    const out = await csm(['signout', '--cluster', 'main', '--json']);
    expect({ code: out.code, stdout: JSON.parse(out.stdout) }).toEqual({ code: 0, stdout: { signedOut: false } });
    const cancel = await csm(['jobs', 'cancel', 'no-such-job']);
    expect(cancel.code).toBe(0);
    expect(cancel.stdout).toMatch(/nothing cancelled: .*only sees the jobs it started itself/);
    const status = await csm(['cluster', 'sandbox-status', '--json']);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ available: expect.any(Boolean), running: expect.any(Boolean), registered: false });
  });

  it('removes the cluster', async () => {
    for (const n of ['main', 'wrong']) expect((await csm(['cluster', 'remove', n, '--json'])).code).toBe(0);
    expect(JSON.parse((await csm(['cluster', 'list', '--json'])).stdout)).toEqual([]);
  });
});

describe('csm cluster sandbox (first run) against the running node', () => {
  it('registers the local node as a labelled sandbox with its own superuser and a stored random password', async () => {
    const r = await csm(['cluster', 'sandbox', '--json']);
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toMatchObject({ code: 0 });
    const p = JSON.parse(r.stdout);
    expect(p).toMatchObject({ name: 'sandbox', sandbox: true, username: 'csm_sandbox_admin', passwordStored: true, contactPoints: [node().contactPoint] });
    const who = await csm(['whoami', '--cluster', 'sandbox', '--json']);
    expect(JSON.parse(who.stdout)).toMatchObject({ role: 'csm_sandbox_admin', superuser: true });
    const human = await csm(['cluster', 'list']);
    expect(human.stdout).toMatch(/sandbox \(sandbox\)/);
    // Again: idempotent, re-registers with a fresh password rather than failing.
    expect((await csm(['cluster', 'sandbox', '--json'])).code).toBe(0);
    expect((await csm(['cluster', 'test', 'sandbox', '--json'])).code).toBe(0);
    expect((await csm(['cluster', 'remove', 'sandbox', '--json'])).code).toBe(0);
  });
});

describe('csm with the opt-in encrypted vault instead of the keychain', () => {
  it('stores the password in the vault file (not in clear) and uses it to connect', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'csm-cli-vault-'));
    const vaultEnv = { CSM_SECRET_BACKEND: 'vault', CSM_VAULT_PASSPHRASE: 'vault pass phrase 1', DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent' };
    const run = (args: string[], stdin = ''): Promise<Run> => csm(args, stdin, { dir, env: vaultEnv });
    const add = await run(['cluster', 'add', 'v', '--contact-point', node().contactPoint, '--dc', node().localDc, '--username', 'cassandra', '--password-stdin', '--json'], 'cassandra\n');
    expect({ code: add.code, err: add.stderr }).toEqual({ code: 0, err: '' });
    expect(JSON.parse((await run(['info', '--json'])).stdout).secretBackend).toBe('vault');
    expect((await run(['cluster', 'test', 'v', '--json'])).code).toBe(0);
    const { readFileSync } = await import('node:fs');
    const vault = readFileSync(join(dir, 'secrets.vault'), 'utf8');
    expect(vault).toContain('cluster/v/password');
    expect(vault).not.toContain('cassandra');
  });
});
