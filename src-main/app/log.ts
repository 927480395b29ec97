import { appendFileSync } from 'node:fs';
import { redact } from './redact';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * JSON-lines logger. Every field goes through `redact` first: a password that reaches a log
 * call by mistake is still never written.
 */
export function createLogger(opts: { file?: string; level?: LogLevel; stderr?: boolean } = {}): Logger {
  const min = ORDER[opts.level ?? 'info'];
  const write = (level: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (ORDER[level] < min) return;
    const line = JSON.stringify({ at: new Date().toISOString(), level, msg, ...(redact(fields ?? {}) as object) });
    if (opts.file) {
      try {
        appendFileSync(opts.file, line + '\n', { mode: 0o600 });
      } catch {
        /* a full disk must not take the console down with it */
      }
    }
    if (opts.stderr) process.stderr.write(line + '\n');
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
