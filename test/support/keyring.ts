/**
 * The real OS keychain in tests (DESIGN §8): gnome-keyring's Secret Service on a private D-Bus
 * session, with a fresh keyring directory so `--unlock` creates and unlocks the login keyring
 * (an existing keyring with another password would stay locked: see /work/shared/notes/machine.md).
 *
 * The test runner wraps the integration tier like this (scripts/with-keyring.sh does the same):
 *
 *   dbus-run-session -- sh -c 'export XDG_DATA_HOME=$(mktemp -d); \
 *     echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null; <tests>'
 *
 * Keychain tests do not skip without it: a skipped keychain test looks green and proves nothing.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');

export const HOW_TO_RUN_KEYRING_TESTS =
  'These tests need a Secret Service on a D-Bus session bus. Run them inside a private keyring:\n' +
  "  scripts/with-keyring.sh npx vitest run test/integration/secrets\n" +
  'or: dbus-run-session -- sh -c \'export XDG_DATA_HOME=$(mktemp -d); echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null; npx vitest run test/integration/secrets\'\n' +
  '(Debian packages: dbus, gnome-keyring, libsecret-1-dev; installed by npm run setup.)';

/** True when a session bus is configured (whether a Secret Service answers on it is for the test to find out). */
export function keyringAvailable(): boolean {
  return Boolean(process.env['DBUS_SESSION_BUS_ADDRESS']);
}

/** Call at the top of a keychain test: fails it, loudly, with how to run it properly. */
export function requireKeyring(): void {
  if (!keyringAvailable()) throw new Error(`DBUS_SESSION_BUS_ADDRESS is not set.\n${HOW_TO_RUN_KEYRING_TESTS}`);
}

/** A keychain service name of its own per run, so tests never see or touch a real installation's secrets. */
export function uniqueService(prefix = 'csm-test'): string {
  return `${prefix}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** Environment for a child that must find no D-Bus at all: dead socket, and no X display to autolaunch one. */
export function deadBusEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/csm-test/bus' };
  delete env['DISPLAY'];
  delete env['WAYLAND_DISPLAY'];
  return env;
}

/** The same, but with no session bus address at all (libdbus then tries X11 autolaunch, and fails). */
export function noBusEnv(): NodeJS.ProcessEnv {
  const env = deadBusEnv();
  delete env['DBUS_SESSION_BUS_ADDRESS'];
  return env;
}

/** Run `node --import tsx <script> ...args` with the given environment. */
export function runTsx(script: string, args: string[], env: NodeJS.ProcessEnv): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { cwd: REPO_ROOT, env, encoding: 'utf8', timeout: 60_000 });
}

/**
 * Run a tsx script in a brand-new D-Bus session with its own unlocked gnome-keyring, so a test may
 * lock it (or otherwise break it) without disturbing the keyring the other tests use.
 * `bare: true` starts the session without unlocking anything: gnome-keyring is then D-Bus-activated
 * on first use and has no login keyring, as on a headless host where nobody ever logged in.
 */
export function runTsxInPrivateKeyring(script: string, args: string[], opts: { bare?: boolean } = {}): SpawnSyncReturns<string> {
  const data = mkdtempSync(join(tmpdir(), 'csm-keyring-'));
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, XDG_DATA_HOME: data };
    delete env['DISPLAY']; // never pop up an unlock prompt on a developer's desktop
    delete env['WAYLAND_DISPLAY'];
    delete env['GNOME_KEYRING_CONTROL']; // talk to the new daemon, not the parent's
    const node = [process.execPath, '--import', 'tsx', script, ...args].map(shellQuote).join(' ');
    const unlock = opts.bare ? '' : "printf '%s' csm-test-keyring | gnome-keyring-daemon --unlock --components=secrets >/dev/null; ";
    return spawnSync('dbus-run-session', ['--', 'sh', '-c', `${unlock}exec ${node}`], {
      cwd: REPO_ROOT,
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The last JSON line a child printed on stdout. */
export function lastJsonLine(r: SpawnSyncReturns<string>): Record<string, unknown> {
  const line = (r.stdout ?? '').split('\n').filter((l) => l.startsWith('{')).pop();
  if (!line) {
    const spawnErr = r.error ? `${r.error.message}; ` : ''; // e.g. dbus-run-session not installed
    throw new Error(`child printed no JSON (exit ${r.status}, signal ${r.signal}): ${spawnErr}${(r.stderr ?? '').slice(-1500)}`);
  }
  return JSON.parse(line) as Record<string, unknown>;
}
