import type { ChannelInput, ChannelName, ChannelOutput } from '../../../src-shared/contract';
import { AppError } from '../../app/errors';

export type OptionSpec = Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>;
export type Values = Record<string, string | boolean | string[] | undefined>;

export interface CommandIO {
  secret(label: string, fromStdin: boolean): Promise<string>;
}

export interface Command<C extends ChannelName = ChannelName> {
  words: string[];
  usage: string;
  options: OptionSpec;
  /** Names of positional arguments, in order; all required. */
  positionals: string[];
  channel: C;
  input(values: Values, positionals: Record<string, string>, io: CommandIO): Promise<ChannelInput<C>>;
  text(value: ChannelOutput<C>): string;
  /**
   * Long work: the job this call started. The CLI waits for it (progress on stderr, so --json
   * stdout stays one document) and exits 1 when it fails.
   */
  waitFor?(value: ChannelOutput<C>): string | null;
  /** Hand the result to the operator's files (e.g. `--out F`) and return what to print instead. */
  deliver?(value: unknown, values: Values): Promise<unknown>;
  /** Sign in to every registered cluster first (commands whose answer spans clusters). */
  signInAll?: boolean;
  /** After the job ended: the result to print instead (e.g. the finished saga). */
  after?(value: ChannelOutput<C>, call: CallFn): Promise<unknown>;
  /** Exit code of a call that succeeded (default 0), e.g. 1 when a scan found violations. */
  exitCode?(value: ChannelOutput<C>): number;
}

/** A channel call from a command's `after`, through the same router; throws AppError on failure. */
export type CallFn = <K extends ChannelName>(channel: K, input: ChannelInput<K>) => Promise<ChannelOutput<K>>;

export function command<C extends ChannelName>(c: Command<C>): Command {
  return c as unknown as Command;
}

export const str = (v: Values, k: string): string | undefined => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
export const list = (v: Values, k: string): string[] => (Array.isArray(v[k]) ? (v[k] as string[]) : typeof v[k] === 'string' ? [v[k] as string] : []);
export const need = (v: Values, k: string): string => {
  const s = str(v, k);
  if (s === undefined) throw new AppError('BAD_INPUT', `--${k} is required`);
  return s;
};

export function tlsFrom(v: Values): { caFile: string; certFile?: string; keyFile?: string } | undefined {
  const caFile = str(v, 'ca-file');
  const certFile = str(v, 'cert-file');
  const keyFile = str(v, 'key-file');
  if (caFile === undefined) {
    if (certFile !== undefined || keyFile !== undefined) throw new AppError('BAD_INPUT', '--cert-file/--key-file need --ca-file');
    return undefined;
  }
  return { caFile, ...(certFile !== undefined ? { certFile } : {}), ...(keyFile !== undefined ? { keyFile } : {}) };
}

export const table = (rows: string[][]): string => {
  if (rows.length === 0) return '';
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
};

