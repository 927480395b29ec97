import { z } from 'zod';

/**
 * Stable error codes that cross every boundary (IPC, web host, CLI). Tests and the UI
 * key on these, so a code is never renamed, only added.
 */
export const ERROR_CODES = [
  'BAD_INPUT',
  'UNKNOWN_CHANNEL',
  'PAYLOAD_TOO_LARGE',
  'NOT_FOUND',
  'FORBIDDEN',
  'CONFLICT',
  'UNAVAILABLE',
  'TIMEOUT',
  'AUTH_FAILED',
  'UNAUTHORIZED_STATEMENT',
  'NOT_SIGNED_IN',
  'QUOTA_EXCEEDED',
  'KEYCHAIN_UNAVAILABLE',
  'KEYCHAIN_LOCKED',
  'SCHEMA_TOO_NEW',
  'TLS_ERROR',
  'CANCELLED',
  /** The tenant's policy wants a second person: the call was filed as an approval request, not run. */
  'APPROVAL_REQUIRED',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];
export const errorCodeSchema = z.enum(ERROR_CODES);

export const wireErrorSchema = z.object({ code: errorCodeSchema, message: z.string() });
export type WireError = z.infer<typeof wireErrorSchema>;

export type Result<T> = { ok: true; value: T } | { ok: false; error: WireError };

/**
 * Who may call a channel.
 * - `local`: anyone at this console (the desktop user who owns the keychain), e.g. cluster profiles;
 * - `platform`: an operator signed in with platform scope on the cluster concerned;
 * - `tenant`: platform scope, or tenant-admin scope for the tenant the call names;
 * - `auditor`: any of the above, or auditor scope for the tenant the call names (read-only).
 */
export type ChannelScope = 'local' | 'platform' | 'tenant' | 'auditor';

export interface ChannelDef<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  readonly input: I;
  readonly output: O;
  readonly scope: ChannelScope;
  /** Mutating calls are audited, successful or not. */
  readonly mutates: boolean;
  readonly summary: string;
  /**
   * The call may leave `cluster` out (tenant creation: the placement policy picks one); the
   * router then requires platform scope on at least one signed-in cluster, and the handler
   * picks only among those.
   */
  readonly clusterOptional?: boolean;
  /**
   * A successful call may change roles, grants or DC access in Cassandra: the isolation monitor
   * re-scans the cluster after it (issue 6 item 2).
   */
  readonly changesGrants?: boolean;
  /**
   * A tenant's policy may require a second person for this call (issue 6 item 5): the router's
   * approval gate files it as a request instead of running it. Only tenant-naming mutations.
   */
  readonly approvable?: boolean;
}

export function defineChannel<I extends z.ZodType, O extends z.ZodType>(def: ChannelDef<I, O>): ChannelDef<I, O> {
  return def;
}

export interface EventDef<P extends z.ZodType = z.ZodType> {
  readonly payload: P;
}
export function defineEvent<P extends z.ZodType>(payload: P): EventDef<P> {
  return { payload };
}

/** Largest serialized input accepted on any transport. Big enough for a PEM bundle, small enough to refuse abuse. */
export const MAX_INPUT_BYTES = 1024 * 1024;

/** Channel names are `noun.verb`, lower camel case parts: nothing else is ever routed. */
export const CHANNEL_NAME_PATTERN = /^[a-z][a-zA-Z]*\.[a-z][a-zA-Z]*$/;
