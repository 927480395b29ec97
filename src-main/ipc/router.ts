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

/**
 * The tenant a call works in, built per call by the router after the scope check (issue 5 §5):
 * there is no "current tenant" anywhere in main. `session()` is a Cassandra session authenticated
 * as the tenant's own service role, so Cassandra itself refuses anything outside the tenant.
 */
export interface TenantContext {
  readonly cluster: string;
  readonly tenant: string;
  readonly operator: string | null;
  session(): Promise<import('../cassandra/connections').CqlClient>;
}

export interface CallContext {
  caller: Caller;
  signal: AbortSignal;
  emit<E extends EventName>(name: E, payload: EventPayload<E>): void;
  /** Set for every call that names a tenant (and passed the scope check for it). */
  tenant: TenantContext | null;
}

/** One handler per channel: leaving one out is a compile error where the table is built. */
export type Handlers = {
  [C in ChannelName]: (input: ParsedInput<C>, ctx: CallContext) => Promise<ChannelOutput<C>>;
};

/** Decides whether the signed-in operator may make this call; throws FORBIDDEN/NOT_SIGNED_IN. */
export interface ScopeGuard {
  /** Who is signed in on a cluster: recorded even when the call is refused. */
  operatorOf?(cluster: string | null): string | null;
  check(channel: ChannelName, def: ChannelDef, input: unknown, caller: Caller): Promise<{ operator: string | null; tenant: string | null; cluster: string | null }>;
}

export interface AuditEntry {
  at: string;
  host: HostKind;
  channel: string;
  operator: string | null;
  /** The cluster the call named (null for local channels and cluster-less calls). */
  cluster?: string | null;
  tenant: string | null;
  input: unknown;
  outcome: 'ok' | 'error' | 'refused';
  errorCode: string | null;
}
export interface AuditSink {
  record(entry: AuditEntry): void;
}

/** A call that passed its scope check, as the approval gate and the after-success hooks see it. */
export interface CheckedCall {
  channel: ChannelName;
  def: ChannelDef;
  /** The parsed input. */
  input: unknown;
  caller: Caller;
  operator: string | null;
  cluster: string | null;
  tenant: string | null;
  /** Set when an approved request is being carried out (see DispatchOptions.approval). */
  approval: string | null;
}

/** In-process options; transports never pass them (they call dispatch with four arguments). */
export interface DispatchOptions {
  /**
   * Carry out an approved request: the gate checks that this id names an approved, not yet
   * executed request for exactly this channel and input, and lets the call through.
   */
  approval?: string;
}

export interface RouterDeps {
  handlers: Handlers;
  scope: ScopeGuard;
  audit: AuditSink;
  logger: Logger;
  emit: CallContext['emit'];
  /** Builds the tenant context of a call that names cluster and tenant. */
  tenantContext?: (cluster: string, tenant: string, operator: string | null) => TenantContext;
  /**
   * Runs after the scope check and before the handler of every non-local mutating call. Throws to
   * stop the call (APPROVAL_REQUIRED after filing a request); returns to let it run.
   */
  gate?: (call: CheckedCall) => Promise<void>;
  /** Runs after every successful mutating call (isolation re-scan after grant changes …). Must not throw. */
  afterSuccess?: (call: CheckedCall, output: unknown) => void;
}

export interface Router {
  /** Everything a transport receives goes through here: nothing else may call a handler. */
  dispatch(channel: unknown, rawInput: unknown, caller: Caller, signal?: AbortSignal, opts?: DispatchOptions): Promise<Result<unknown>>;
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
    async dispatch(channel, rawInput, caller, signal, opts) {
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
      let cluster: string | null = null;
      {
        // Known before the scope check, so a refusal is audited with the tenant it reached for.
        const f = (parsed.data ?? {}) as { tenant?: unknown; cluster?: unknown };
        tenant = typeof f.tenant === 'string' ? f.tenant : null;
        cluster = typeof f.cluster === 'string' ? f.cluster : null;
        // Known before the check too: a refusal names who reached outside their scope.
        operator = deps.scope.operatorOf?.(cluster) ?? null;
      }
      const audit = (outcome: AuditEntry['outcome'], errorCode: string | null): void => {
        if (!def.mutates && outcome === 'ok') return;
        deps.audit.record({
          at: new Date().toISOString(),
          host: caller.host,
          channel,
          operator,
          cluster,
          tenant,
          input: redact(parsed.data),
          outcome,
          errorCode,
        });
      };
      try {
        ({ operator, tenant, cluster } = await deps.scope.check(channel, def, parsed.data, caller));
        const checked: CheckedCall = { channel, def, input: parsed.data, caller, operator, cluster, tenant, approval: opts?.approval ?? null };
        if (deps.gate && def.mutates && def.scope !== 'local') await deps.gate(checked);
        else if (opts?.approval) throw new AppError('BAD_INPUT', `${channel} is not a call an approval can carry out`);
        const handler = deps.handlers[channel] as (i: unknown, c: CallContext) => Promise<unknown>;
        const ctx: CallContext = {
          caller,
          signal: signal ?? new AbortController().signal,
          emit: deps.emit,
          // Only scope-checked channels get a tenant context: a local channel's tenant field was not checked.
          tenant: def.scope !== 'local' && tenant !== null && cluster !== null && deps.tenantContext ? deps.tenantContext(cluster, tenant, operator) : null,
        };
        const value = await handler(parsed.data, ctx);
        // Output is parsed too: a handler that returns a secret-bearing or malformed object fails closed.
        const out = def.output.safeParse(value);
        if (!out.success) {
          deps.logger.error('handler output failed its contract', { channel, issues: out.error.issues.map((i) => i.path.join('.')) });
          throw new Error(`output of ${channel} does not match the contract`);
        }
        audit('ok', null);
        if (def.mutates && deps.afterSuccess) {
          try {
            deps.afterSuccess(checked, out.data);
          } catch (e) {
            deps.logger.error('after-success hook failed', { channel, error: e instanceof Error ? e : String(e) });
          }
        }
        return { ok: true, value: out.data };
      } catch (err) {
        const wire = toWireError(err, ref);
        if (wire.code === 'INTERNAL') {
          deps.logger.error('handler failed', { channel, message: wire.message, error: err instanceof Error ? err : String(err) });
        }
        audit(REFUSALS.has(wire.code) ? 'refused' : 'error', wire.code);
        if (wire.code === 'FORBIDDEN') {
          // An operator reaching outside their scope is a security event, not just an error toast.
          deps.emit('security.alert', { at: new Date().toISOString(), channel, operator, cluster, tenant, message: wire.message });
        }
        return { ok: false, error: wire };
      }
    },
  };
}

export { AppError };
