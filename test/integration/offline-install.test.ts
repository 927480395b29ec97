import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/web-host';

/**
 * Issue 12 item 4: the documented offline path, for real. A bundle is made from this checkout
 * (the only step that may reach the npm registry), then installed inside a network namespace that
 * has no interfaces at all (`unshare -rn`: not even loopback is up), and the installed console
 * runs there. Slow (the native modules compile): about 4–5 minutes on our 2 cores.
 */
describe('offline bundle → air-gapped install', () => {
  const work = mkdtempSync(join(tmpdir(), 'csm-offline-'));
  const bundle = join(work, 'bundle');
  const target = join(work, 'target');
  let head = '';
  const offline = (cmd: string, args: string[], cwd: string) => spawnSync('unshare', ['-rn', cmd, ...args], { cwd, encoding: 'utf8', timeout: 600_000 });

  beforeAll(() => {
    // The namespace really has no network: a registry fetch inside it fails.
    const probe = offline(process.execPath, ['-e', "fetch('https://registry.npmjs.org/').then(() => process.exit(0), () => process.exit(3))"], work);
    expect(probe.status, `unshare -rn must be available and cut the network: ${probe.stderr}`).toBe(3);
    head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    const r = spawnSync('bash', [join(REPO_ROOT, 'scripts/offline/make-bundle.sh'), bundle], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 600_000 });
    expect(r.status, r.stderr).toBe(0);
  }, 600_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('a bundle that does not match its checksums is refused before anything is installed', () => {
    const bad = join(work, 'bad');
    cpSync(bundle, bad, { recursive: true });
    appendFileSync(join(bad, 'source.tar.gz'), 'x');
    const r = offline('bash', [join(REPO_ROOT, 'scripts/offline/install.sh'), bad, join(work, 'bad-target')], work);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/does not match its checksums/);
    expect(spawnSync('test', ['-e', join(work, 'bad-target', 'package.json')]).status).not.toBe(0);
  });

  it('installs with no network and the console runs there', () => {
    const r = offline('bash', [join(REPO_ROOT, 'scripts/offline/install.sh'), bundle, target], work);
    expect(r.status, r.stderr.slice(-2000)).toBe(0);
    expect(readFileSync(join(bundle, 'COMMIT'), 'utf8').trim()).toBe(head);
    // Native modules were compiled offline and work, FTS5 included (the audit review needs it).
    const native = offline(process.execPath, ['-e', "const D = require('better-sqlite3'); new D(':memory:').exec('CREATE VIRTUAL TABLE t USING fts5(a)'); require('keytar'); console.log('ok')"], target);
    expect(native.stdout.trim(), native.stderr).toBe('ok');
    // The console itself (CLI host) starts and opens its cache with no network.
    const info = offline(process.execPath, ['src-main/cli/csm.mjs', 'info', '--json', '--data-dir', join(work, 'data')], target);
    expect(info.status, info.stderr).toBe(0);
    expect(JSON.parse(info.stdout)).toMatchObject({ host: 'cli', version: JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).version });
    // The Cassandra jars are where the node scripts look, so nothing is fetched from Maven.
    expect(execFileSync('ls', [join(target, '.cassandra', 'lib')], { encoding: 'utf8' })).toMatch(/cassandra-all-5\.0\.\d+\.jar/);
  }, 600_000);
});
