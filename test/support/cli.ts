import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './web-host';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The real `csm` binary with its own data dir and the given keychain service, as an operator runs it. */
export function csmRunner(keychain: string): (dir: string, args: string[], stdin?: string) => Promise<CliRun> {
  return (dir, args, stdin = '') =>
    new Promise((ok) => {
      const child = spawn(process.execPath, [join(REPO_ROOT, 'src-main/cli/csm.mjs'), ...args, '--data-dir', dir], { env: { ...process.env, CSM_KEYCHAIN_SERVICE: keychain }, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => ok({ code: code ?? -1, stdout, stderr }));
      child.stdin.end(stdin);
    });
}
