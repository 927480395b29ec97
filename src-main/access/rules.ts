import { createHash, randomBytes } from 'node:crypto';
import { PENDING_TTL_HOURS, type ApprovalState, type SupportState } from '../../src-shared/contract/access';
import { AppError } from '../app/errors';
import { redact, redactString, REDACTED } from '../app/redact';
import { tenantId as checkTenantId } from '../cassandra/identifiers';

/** Pure rules of support access and approvals: unit-tested alone, no driver. */

export const newAccessId = (): string => randomBytes(8).toString('hex');

/** `tenant_<id>_support_<8 hex>`: random, so a dropped window's name is never reused for the next. */
export function supportRoleName(tenant: string, suffix = randomBytes(4).toString('hex')): string {
  if (!/^[0-9a-f]{8}$/.test(suffix)) throw new AppError('BAD_INPUT', 'support role suffix: 8 hex characters');
  return `tenant_${checkTenantId(tenant)}_support_${suffix}`;
}

export const SUPPORT_ROLE_PATTERN = /^tenant_([a-z][a-z0-9_]{1,29})_support_[0-9a-f]{8}$/;

/** Keychain key of a window's password (the grammar of secret-key.ts: tenant/<id>/<purpose>). */
export const supportSecretKey = (tenant: string, id: string): string => `tenant/${checkTenantId(tenant)}/support-${id}`;

/** JSON with object keys sorted at every depth: the same call always gives the same text. */
export function canonicalJson(value: unknown): string {
  const norm = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(norm);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v as Record<string, unknown>).sort()) {
        const x = (v as Record<string, unknown>)[k];
        if (x !== undefined) out[k] = norm(x);
      }
      return out;
    }
    return v;
  };
  return JSON.stringify(norm(value));
}

/**
 * What an approval binds: the parsed input without `cluster` — csm_system is the cluster's own
 * keyspace, so the row already names the cluster, and two consoles may call the same cluster by
 * different profile names.
 */
export function canonicalInput(input: unknown): string {
  const { cluster: _c, ...rest } = (input ?? {}) as Record<string, unknown>;
  void _c;
  return canonicalJson(rest);
}

export function inputHash(channel: string, input: unknown): string {
  return createHash('sha256').update(`${channel}\u0000${canonicalInput(input)}`).digest('hex');
}

/**
 * An input the logger would redact (a password, a key, a URL with credentials, a PEM private key)
 * must never be stored in a request. Only those redactions count: the logger also shortens long
 * strings (a 5 KiB CSR), which is no secret. Nesting past 16 levels is refused (fails closed).
 */
export function carriesSecret(input: unknown, depth = 0): boolean {
  if (depth > 16) return true;
  if (typeof input === 'string') return redactString(input) !== input;
  if (Array.isArray(input)) return input.some((v) => carriesSecret(v, depth + 1));
  if (input && typeof input === 'object') {
    return Object.entries(input).some(([k, v]) => (v !== undefined && v !== null && secretKeyName(k)) || carriesSecret(v, depth + 1));
  }
  return false;
}

/** Whether the redaction hides a field by its name (the logger's own rule, asked rather than copied). */
const secretKeyName = (k: string): boolean => (redact({ [k]: true }) as Record<string, unknown>)[k] === REDACTED;

export const addMinutes = (at: Date, minutes: number): Date => new Date(at.getTime() + minutes * 60_000);
export const pendingDeadline = (requestedAt: Date): Date => addMinutes(requestedAt, PENDING_TTL_HOURS * 60);

/** Time left in whole minutes (0 when past), for "expires in". */
export function minutesLeft(expiresAt: string | null, now: Date): number | null {
  if (expiresAt === null) return null;
  return Math.max(0, Math.ceil((Date.parse(expiresAt) - now.getTime()) / 60_000));
}

/**
 * State machines. Every change is an LWT conditioned on the `from` state, so the table below is
 * what the repository enforces on the cluster, not only what the UI offers.
 */
const SUPPORT_MOVES: Record<SupportState, readonly SupportState[]> = {
  pending: ['approved', 'rejected', 'expired', 'revoked'],
  approved: ['activating', 'expired', 'revoked'],
  activating: ['active', 'approved', 'revoked'],
  active: ['revoked'],
  rejected: [],
  revoked: [],
  expired: [],
};
export const canMoveSupport = (from: SupportState, to: SupportState): boolean => SUPPORT_MOVES[from].includes(to);

const APPROVAL_MOVES: Record<ApprovalState, readonly ApprovalState[]> = {
  pending: ['approved', 'rejected', 'expired', 'cancelled'],
  approved: ['executing', 'failed'],
  executing: ['executed', 'failed'],
  executed: [],
  failed: [],
  rejected: [],
  expired: [],
  cancelled: [],
};
export const canMoveApproval = (from: ApprovalState, to: ApprovalState): boolean => APPROVAL_MOVES[from].includes(to);

/** Which support windows the sweep ends now, and why (pure, so the timing rule is unit-tested). */
export function sweepDecision(g: { state: SupportState; expiresAt: string | null; decideBy: string | null; revokeRequestedBy: string | null }, now: Date, tenantState = 'active'): { end: 'revoke' | 'expire'; why: string } | null {
  const past = (iso: string | null): boolean => iso !== null && Date.parse(iso) <= now.getTime();
  // Suspension locks the tenant's roles out, but only the roles it knows (admin, auditor, service,
  // users): a support window of a tenant that is no longer active is ended here instead.
  if (tenantState !== 'active') {
    if (g.state === 'active' || g.state === 'activating') return { end: 'revoke', why: `tenant ${tenantState}` };
    if (g.state === 'pending' || g.state === 'approved') return { end: 'expire', why: `tenant ${tenantState}` };
    return null;
  }
  if ((g.state === 'active' || g.state === 'activating') && past(g.expiresAt)) return { end: 'revoke', why: 'expired' };
  if (g.state === 'active' && g.revokeRequestedBy !== null) return { end: 'revoke', why: `revoked by tenant admin ${g.revokeRequestedBy}` };
  if ((g.state === 'pending' || g.state === 'approved') && past(g.decideBy)) return { end: 'expire', why: 'not decided or activated in time' };
  return null;
}

/** A one-line outcome of a carried-out call for the request row (never the whole output). */
export function summarize(channel: string, value: unknown): { summary: string; jobId: string | null } {
  const v = (value ?? {}) as Record<string, unknown>;
  const jobId = typeof v['jobId'] === 'string' ? (v['jobId'] as string) : null;
  if (jobId) return { summary: `${channel}: job ${jobId} started`, jobId };
  if (typeof v['id'] === 'string' && typeof v['state'] === 'string') return { summary: `${channel}: tenant ${String(v['id'])} is ${String(v['state'])}`, jobId: null };
  return { summary: `${channel}: done`, jobId: null };
}
