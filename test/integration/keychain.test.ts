import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/web-host';

const probe = join(REPO_ROOT, 'test', 'support', 'keychain-probe.ts');

/** Each case gets its own D-Bus session and gnome-keyring, so locking it cannot disturb other tests. */
function runProbe(env: Record<string, string>, args: string[] = []): Record<string, unknown> {
  const r = spawnSync('bash', [join(REPO_ROOT, 'scripts', 'with-keyring.sh'), process.execPath, '--import', 'tsx', probe, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, CSM_KEYRING_READY: '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  if (!line) throw new Error(`probe printed nothing (exit ${r.status}): ${r.stderr.slice(-800)}`);
  return JSON.parse(line) as Record<string, unknown>;
}

describe('the real OS keychain (gnome-keyring over D-Bus)', () => {
  it('stores profile passwords while unlocked', () => {
    expect(runProbe({})).toEqual({ before: 'ok', after: 'ok', rows: ['after', 'before'] });
  });

  it('a locked keychain: KEYCHAIN_LOCKED with the fix, and no profile row half-written', () => {
    const out = runProbe({}, ['--lock']);
    expect(out['before']).toBe('ok');
    expect(out['after']).toMatchObject({ code: 'KEYCHAIN_LOCKED', message: expect.stringMatching(/unlock/i) });
    expect(JSON.stringify(out['after'])).not.toContain('pw-after-Zq913');
    expect(out['rows']).toEqual(['before']);
  });

  it('no reachable Secret Service: KEYCHAIN_UNAVAILABLE naming the way out, nothing written', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', probe], {
      cwd: REPO_ROOT,
      env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus', DISPLAY: '' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    const out = JSON.parse(r.stdout.split('\n').find((l) => l.startsWith('{')) ?? '{}') as Record<string, unknown>;
    expect(out['before']).toBe('KEYCHAIN_UNAVAILABLE');
    expect(out['after']).toMatchObject({ code: 'KEYCHAIN_UNAVAILABLE', message: expect.stringMatching(/CSM_SECRET_BACKEND=vault|Secret Service|keyring/i) });
    expect(out['rows']).toEqual([]);
  });
});
