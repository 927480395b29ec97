import { randomUUID } from 'node:crypto';
import {
  contract,
  isChannelName,
  MAX_INPUT_BYTES,
  type ChannelDef,
  type ChannelName,
  type ChannelOutput,
  type EventName,
  type EventPayload,
  type ParsedInput,
  type Result,
} from '../../src-shared/contract';
import { AppError, toWireError } from '../app/errors';
import type { Logger } from '../app/log';
import { redact } from '../app/redact';

export type HostKind = 'electron' | 'web' | 'cli';

export interface Caller {
  host: HostKind;
}

export interface CallContext {
  caller: Caller;
  signal: AbortSignal;
  emit<E extends EventName>(name: E, payload: EventPayload<E>): void;
}

/** One handler per channel: leaving one out is a compile error where the table is built. */
export type Handlers = {
  [C in ChannelName]: (input: ParsedInput<C>, ctx: CallContext) => Promise<ChannelOutput<C>>;
};

/** Decides whether the signed-in operator may make this call; throws FORBIDDEN/NOT_SIGNED_IN. */
export interface ScopeGuard {
  check(channel: ChannelName, def: ChannelDef, input: unknown, caller: Caller): Promise<{ operator: string | null; tenant: string | null }>;
}

export interface AuditEntry {
  at: string;
  host: HostKind;
  channel: string;
  operator: string | null;
  tenant: string | null;
  input: unknown;
  outcome: 'ok' | 'error' | 'refused';
  errorCode: string | null;
}
export interface AuditSink {
  record(entry: AuditEntry): void;
}

export interface RouterDeps {
  handlers: Handlers;
  scope: ScopeGuard;
  audit: AuditSink;
  logger: Logger;
  emit: CallContext['emit'];
}

export interface Router {
  /** Everything a transport receives goes through here: nothing else may call a handler. */
  dispatch(channel: unknown, rawInput: unknown, caller: Caller, signal?: AbortSignal): Promise<Result<unknown>>;
}

const REFUSALS = new Set(['FORBIDDEN', 'NOT_SIGNED_IN', 'AUTH_FAILED', 'QUOTA_EXCEEDED']);

function inputBytes(raw: unknown): number {
  try {
    return Buffer.byteLength(JSON.stringify(raw) ?? '', 'utf8');
  } catch {
    return Number.POSITIVE_INFINITY; // cycles, BigInt: not something a client can send
  }
}

export function createRouter(deps: RouterDeps): Router {
  const ref = (): string => randomUUID().slice(0, 8);

  return {
    async dispatch(channel, rawInput, caller, signal) {
      if (!isChannelName(channel)) {
        return { ok: false, error: { code: 'UNKNOWN_CHANNEL', message: `unknown channel: ${String(channel).slice(0, 64)}` } };
      }
      const def: ChannelDef = contract[channel];
      if (inputBytes(rawInput) > MAX_INPUT_BYTES) {
        return { ok: false, error: { code: 'PAYLOAD_TOO_LARGE', message: `input larger than ${MAX_INPUT_BYTES} bytes` } };
      }
      const parsed = def.input.safeParse(rawInput);
      if (!parsed.success) {
        return { ok: false, error: toWireError(parsed.error, ref) };
      }
      let operator: string | null = null;
      let tenant: string | null = null;
      const audit = (outcome: AuditEntry['outcome'], errorCode: string | null): void => {
        if (!def.mutates && outcome === 'ok') return;
        deps.audit.record({
          at: new Date().toISOString(),
          host: caller.host,
          channel,
          operator,
          tenant,
          input: redact(parsed.data),
          outcome,
          errorCode,
        });
      };
      try {
        ({ operator, tenant } = await deps.scope.check(channel, def, parsed.data, caller));
        const handler = deps.handlers[channel] as (i: unknown, c: CallContext) => Promise<unknown>;
        const ctx: CallContext = { caller, signal: signal ?? new AbortController().signal, emit: deps.emit };
        const value = await handler(parsed.data, ctx);
        // Output is parsed too: a handler that returns a secret-bearing or malformed object fails closed.
        const out = def.output.safeParse(value);
        if (!out.success) {
          deps.logger.error('handler output failed its contract', { channel, issues: out.error.issues.map((i) => i.path.join('.')) });
          throw new Error(`output of ${channel} does not match the contract`);
        }
        audit('ok', null);
        return { ok: true, value: out.data };
      } catch (err) {
        const wire = toWireError(err, ref);
        if (wire.code === 'INTERNAL') {
          deps.logger.error('handler failed', { channel, message: wire.message, error: err instanceof Error ? err : String(err) });
        }
        audit(REFUSALS.has(wire.code) ? 'refused' : 'error', wire.code);
        return { ok: false, error: wire };
      }
    },
  };
}

export { AppError };
