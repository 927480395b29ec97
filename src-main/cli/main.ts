import { parseArgs } from 'node:util';
import type { WireError } from '../../src-shared/contract';
import { AppError } from '../app/errors';
import { createServices, defaultDataDir, type Services } from '../app/services';
import { COMMANDS, findCommand, type Values } from './commands/index';
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
    const result = await services.router.dispatch(cmd.channel, input, { host: 'cli' });
    if (!result.ok) return fail(json, result.error);
    process.stdout.write((json ? JSON.stringify(result.value) : cmd.text(result.value as never)) + '\n');
    return EXIT.ok;
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
