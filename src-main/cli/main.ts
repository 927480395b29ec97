import { parseArgs } from 'node:util';
import { contract, type EventPayload, type WireError } from '../../src-shared/contract';
import { AppError } from '../app/errors';
import { createServices, defaultDataDir, type Services } from '../app/services';
import { COMMANDS, findCommand, type Values } from './commands/index';
import type { CallFn, Command } from './commands/util';
import { promptSecret, readSecretFromStdin } from './io';
import { runServe } from './serve';

const BAD_INPUT_CODES = new Set(['BAD_INPUT', 'UNKNOWN_CHANNEL', 'PAYLOAD_TOO_LARGE']);
export const EXIT = { ok: 0, failed: 1, badInput: 2 } as const;

function usage(): string {
  return ['usage: csm <command> [options]   (every command takes --json and --data-dir DIR)', '', ...COMMANDS.map((c) => `  ${c.usage}`), '  csm serve [--port N]   (the console in a browser, on 127.0.0.1 only)'].join('\n');
}

function fail(json: boolean, error: WireError): number {
  if (json) process.stdout.write(JSON.stringify({ error }) + '\n');
  else process.stderr.write(`csm: ${error.code}: ${error.message}\n`);
  return BAD_INPUT_CODES.has(error.code) ? EXIT.badInput : EXIT.failed;
}

/**
 * Every CLI run is a fresh process, so it signs in with the stored credentials on the way: to the
 * cluster the command names, or, for commands that span clusters (placement, creation without
 * --cluster, a refreshed list), to every registered cluster that accepts it.
 */
async function signInFor(services: Services, cmd: Command, input: unknown): Promise<WireError | null> {
  const def = contract[cmd.channel];
  const cluster = (input as { cluster?: unknown } | null)?.cluster;
  if (typeof cluster === 'string' && def.scope !== 'local') {
    const r = await services.router.dispatch('session.signIn', { cluster }, { host: 'cli' });
    return r.ok ? null : r.error;
  }
  if (typeof cluster !== 'string' && (def.clusterOptional || cmd.signInAll)) {
    for (const p of await services.clusters.list()) await services.router.dispatch('session.signIn', { cluster: p.name }, { host: 'cli' });
  }
  return null;
}

/** Wait for a job of this process, printing its progress on stderr; the failure, if it failed. */
async function waitForJob(services: Services, jobId: string): Promise<WireError | null> {
  const done = services.jobs.wait(jobId);
  if (!done) return null;
  const seen = new Map<string, string>();
  const off = services.bus.subscribe((name, payload) => {
    const lines: string[] = [];
    if (name === 'tenant.saga') {
      const p = payload as EventPayload<'tenant.saga'>;
      if (p.jobId !== jobId) return;
      // Only what changed: one line per step state, like a stepper scrolling by.
      for (const s of p.steps) {
        const line = `[${s.state}] ${s.label}${s.message ? ` — ${s.message}` : ''}`;
        if (s.state !== 'pending' && seen.get(s.name) !== line) lines.push(line);
        seen.set(s.name, line);
      }
    } else if (name === 'job.progress') {
      const p = payload as EventPayload<'job.progress'>;
      if (p.jobId !== jobId || p.kind.startsWith('tenant.')) return;
      const line = `${p.step}${p.fraction !== null ? ` ${Math.round(p.fraction * 100)}%` : ''}${p.message ? ` — ${p.message}` : ''}`;
      if (seen.get('') !== line) lines.push(line);
      seen.set('', line);
    }
    for (const l of lines) process.stderr.write(`  ${l}\n`);
  });
  try {
    await done;
    return null;
  } catch (err) {
    return err instanceof AppError ? { code: err.code, message: err.message } : { code: 'INTERNAL', message: 'the job failed; see the console log' };
  } finally {
    off();
  }
}

export async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    process.stdout.write(usage() + '\n');
    return argv.length === 0 ? EXIT.badInput : EXIT.ok;
  }
  if (argv[0] === 'serve') {
    return runServe(argv.slice(1)).catch((err: unknown) =>
      fail(json, err instanceof AppError ? { code: err.code, message: err.message } : { code: 'INTERNAL', message: `csm serve failed: ${err instanceof Error ? err.message : String(err)}` }),
    );
  }
  const found = findCommand(argv);
  if (!found) return fail(json, { code: 'BAD_INPUT', message: `unknown command "${argv.slice(0, 2).join(' ')}"; run csm --help` });
  const { cmd, rest } = found;
  let values: Values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: rest,
      options: {
        ...cmd.options,
        json: { type: 'boolean' },
        'data-dir': { type: 'string' },
        // Declared only so that it is refused with a reason instead of "unknown option".
        password: { type: 'string' },
      },
      allowPositionals: true,
      strict: true,
    }) as { values: Values; positionals: string[] });
  } catch (err) {
    return fail(json, { code: 'BAD_INPUT', message: `${(err as Error).message}\nusage: ${cmd.usage}` });
  }
  if (values['password'] !== undefined) {
    return fail(json, { code: 'BAD_INPUT', message: 'passwords are never taken as arguments (they end up in shell history and process lists): use --password-stdin' });
  }
  if (positionals.length !== cmd.positionals.length) {
    return fail(json, { code: 'BAD_INPUT', message: `expected ${cmd.positionals.length ? cmd.positionals.join(' ') : 'no positional arguments'}\nusage: ${cmd.usage}` });
  }
  const named = Object.fromEntries(cmd.positionals.map((n, i) => [n, positionals[i]!]));
  const dataDir = (values['data-dir'] as string | undefined) ?? process.env['CSM_DATA_DIR'] ?? defaultDataDir();

  let services: Services | undefined;
  try {
    const input = await cmd.input(values, named, {
      secret: (label, fromStdin) => (fromStdin ? readSecretFromStdin(label) : promptSecret(label)),
    });
    services = await createServices({ host: 'cli', dataDir });
    const signIn = await signInFor(services, cmd, input);
    if (signIn) return fail(json, signIn);
    const result = await services.router.dispatch(cmd.channel, input, { host: 'cli' });
    if (!result.ok) return fail(json, result.error);
    let value: unknown = cmd.deliver ? await cmd.deliver(result.value, values) : result.value;
    const jobId = cmd.waitFor?.(value as never) ?? null;
    if (jobId !== null) {
      const failure = await waitForJob(services, jobId);
      const svc = services;
      const call: CallFn = async (channel, inp) => {
        const r = await svc.router.dispatch(channel, inp, { host: 'cli' });
        if (!r.ok) throw new AppError(r.error.code, r.error.message);
        return r.value as never;
      };
      if (cmd.after) value = await cmd.after(value as never, call);
      if (failure) {
        if (json) process.stdout.write(JSON.stringify({ error: failure, result: value }) + '\n');
        else process.stderr.write(`csm: ${failure.code}: ${failure.message}\n`);
        return EXIT.failed;
      }
    }
    process.stdout.write((json ? JSON.stringify(value) : cmd.text(value as never)) + '\n');
    return cmd.exitCode ? cmd.exitCode(value as never) : EXIT.ok;
  } catch (err) {
    if (err instanceof AppError) return fail(json, { code: err.code, message: err.message });
    return fail(json, { code: 'INTERNAL', message: 'internal error; see the console log' });
  } finally {
    await services?.close();
  }
}

// Exit via exitCode rather than process.exit so pending stdout is flushed.
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  () => {
    process.exitCode = EXIT.failed;
  },
);
