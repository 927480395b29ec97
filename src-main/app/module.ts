import type { ChannelName } from '../../src-shared/contract';
import type { Result } from '../../src-shared/contract/core';
import type { CheckedCall, DispatchOptions, Handlers } from '../ipc/router';

/**
 * What a feature hands the composition root (services.ts): its channel handlers and, where it
 * needs them, hooks into the console's life. Issue 6 items 2–5 are built as such modules so each
 * keeps to its own files.
 */
export interface ConsoleModule<K extends ChannelName> {
  handlers: Pick<Handlers, K>;
  /** After a successful sign-in to a cluster (sweeps that must run "on next start", a first scan). Errors are logged, not thrown. */
  onSignIn?(cluster: string, platform: boolean): Promise<void>;
  /** After every successful mutating call (see RouterDeps.afterSuccess). Must not throw. */
  afterSuccess?(call: CheckedCall, output: unknown): void;
  /** Stop timers, finish writes. */
  close?(): Promise<void> | void;
}

/**
 * Calls a channel through the router, so scope, approval gate, audit and output checks apply to
 * in-process callers (bulk operations, carrying out an approved request) exactly as to the UI.
 * Bound after the router exists; runs as the console's current host.
 */
export type InternalDispatch = (channel: ChannelName, input: unknown, opts?: DispatchOptions & { signal?: AbortSignal }) => Promise<Result<unknown>>;
