import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');

export interface RunningConsole {
  url: string;
  origin: string;
  dataDir: string;
  stop(): Promise<void>;
}

/**
 * Start the real console (`csm serve --json`) as a separate process with its own data dir and
 * keychain service name, exactly as an operator would, and read the one-time URL it prints.
 */
export async function startConsole(opts: { dataDir?: string; env?: Record<string, string> } = {}): Promise<RunningConsole> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'csm-e2e-'));
  const child: ChildProcess = spawn(process.execPath, [join(REPO_ROOT, 'src-main/cli/csm.mjs'), 'serve', '--json', '--data-dir', dataDir], {
    cwd: REPO_ROOT,
    env: { ...process.env, CSM_KEYCHAIN_SERVICE: `csm-test-${process.pid}-${Date.now()}`, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const info = await new Promise<{ url: string; origin: string }>((ok, bad) => {
    let out = '';
    const timer = setTimeout(() => bad(new Error(`csm serve did not start in 60 s: ${stderr}`)), 60_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        clearTimeout(timer);
        ok(JSON.parse(line) as { url: string; origin: string });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      bad(new Error(`csm serve exited with ${code}: ${stderr}`));
    });
  });
  return {
    ...info,
    dataDir,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}
