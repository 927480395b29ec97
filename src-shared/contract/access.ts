import { z } from 'zod';
import { defineChannel, defineEvent } from './core';
import { clusterNameSchema, tenantIdSchema } from '../rules/names';

/**
 * Support access to a tenant and the change-approval workflow (issue 6 item 5).
 *
 * Support access: a platform operator asks for a time-limited (optionally read-only) window into a
 * tenant; an admin of THAT tenant decides; the requester's platform console then creates a real
 * Cassandra role for the window and revokes it at expiry (sweep on every platform sign-in and every
 * minute while a window runs). Approvals: a call the tenant's policy marks as needing a second
 * person is filed instead of run, and carried out when someone other than the requester approves.
 */

/** Request ids: 16 lower-case hex characters (they also end keychain key names, so nothing wider). */
export const accessIdSchema = z.string().regex(/^[0-9a-f]{16}$/, 'id: 16 lower-case hex characters');
const textSchema = (what: string, max: number) =>
  z
    .string()
    .trim()
    .min(1, `${what}: required`)
    .max(max, `${what}: at most ${max} characters`)
    .refine((s) => !/[\u0000-\u0008\u000b-\u001f\u007f\u202a-\u202e\u2066-\u2069]/.test(s), `${what}: no control or direction-override characters`);

/**
 * Support windows are capped at 24 hours: long enough for one incident across a working day and
 * a night shift, short enough that a forgotten grant is never standing access (a longer need is a
 * new request, decided again by the tenant).
 */
export const SUPPORT_MAX_MINUTES = 1440;
/** A request nobody decided within 72 hours expires: a stale request must not be approvable weeks later. */
export const PENDING_TTL_HOURS = 72;

export const historyEntrySchema = z.object({ at: z.string(), by: z.string().nullable(), event: z.string(), note: z.string().nullable() });
export type HistoryEntry = z.infer<typeof historyEntrySchema>;

export const SUPPORT_STATES = ['pending', 'approved', 'rejected', 'activating', 'active', 'revoked', 'expired'] as const;
export type SupportState = (typeof SUPPORT_STATES)[number];

export const supportGrantSchema = z.object({
  id: accessIdSchema,
  tenant: tenantIdSchema,
  requestedBy: z.string(),
  requestedAt: z.string(),
  minutes: z.number().int(),
  readOnly: z.boolean(),
  reason: z.string(),
  state: z.enum(SUPPORT_STATES),
  /** Until when the tenant may decide a pending request. */
  decideBy: z.string().nullable(),
  decidedBy: z.string().nullable(),
  decidedAt: z.string().nullable(),
  decisionNote: z.string().nullable(),
  activatedBy: z.string().nullable(),
  activatedAt: z.string().nullable(),
  /** The Cassandra role of the window (tenant_<id>_support_<8 hex>); its password is never here. */
  role: z.string().nullable(),
  /** When the window ends (activated_at + minutes). */
  expiresAt: z.string().nullable(),
  /** A tenant admin asked to end the window; the next platform sweep carries it out. */
  revokeRequestedBy: z.string().nullable(),
  revokedBy: z.string().nullable(),
  revokedAt: z.string().nullable(),
  revokeReason: z.string().nullable(),
  history: z.array(historyEntrySchema),
});
export type SupportGrant = z.infer<typeof supportGrantSchema>;

export const APPROVAL_STATES = ['pending', 'approved', 'executing', 'executed', 'failed', 'rejected', 'expired', 'cancelled'] as const;
export type ApprovalState = (typeof APPROVAL_STATES)[number];

export const approvalRequestSchema = z.object({
  id: accessIdSchema,
  tenant: tenantIdSchema,
  channel: z.string(),
  /** The call's input, canonical JSON, without `cluster` (csm_system is the cluster's own). */
  input: z.string(),
  inputHash: z.string(),
  requestedBy: z.string(),
  requestedAt: z.string(),
  reason: z.string().nullable(),
  state: z.enum(APPROVAL_STATES),
  expiresAt: z.string(),
  decidedBy: z.string().nullable(),
  decidedAt: z.string().nullable(),
  decisionNote: z.string().nullable(),
  executedAt: z.string().nullable(),
  resultSummary: z.string().nullable(),
  errorCode: z.string().nullable(),
  history: z.array(historyEntrySchema),
});
export type ApprovalRequest = z.infer<typeof approvalRequestSchema>;

export const approvalOutcomeSchema = z.object({
  ok: z.boolean(),
  summary: z.string(),
  /** Carried-out calls that start jobs answer with the job id. */
  jobId: z.string().nullable(),
  errorCode: z.string().nullable(),
  errorMessage: z.string().nullable(),
});
export type ApprovalOutcome = z.infer<typeof approvalOutcomeSchema>;

const on = { cluster: clusterNameSchema };

export const accessChannels = {
  'support.request': defineChannel({
    input: z
      .object({ ...on, tenant: tenantIdSchema, minutes: z.number().int().min(1, 'minutes: at least 1').max(SUPPORT_MAX_MINUTES, `minutes: at most ${SUPPORT_MAX_MINUTES} (24 h)`), readOnly: z.boolean().default(false), reason: textSchema('reason', 500) })
      .strict(),
    output: supportGrantSchema,
    scope: 'platform',
    mutates: true,
    summary: 'Ask a tenant for time-limited (optionally read-only) support access; an admin of that tenant decides',
  }),
  'support.approve': defineChannel({
    input: z.object({ ...on, tenant: tenantIdSchema, id: accessIdSchema, note: textSchema('note', 500).optional() }).strict(),
    output: supportGrantSchema,
    scope: 'tenant',
    mutates: true,
    summary: "Approve a support request as an admin of the tenant (never the requester, never a platform operator on the tenant's behalf)",
  }),
  'support.reject': defineChannel({
    input: z.object({ ...on, tenant: tenantIdSchema, id: accessIdSchema, reason: textSchema('reason', 500) }).strict(),
    output: supportGrantSchema,
    scope: 'tenant',
    mutates: true,
    summary: 'Reject a support request as an admin of the tenant',
  }),
  'support.activate': defineChannel({
    input: z.object({ ...on, id: accessIdSchema }).strict(),
    output: supportGrantSchema,
    scope: 'platform',
    mutates: true,
    changesGrants: true,
    summary: 'Create the support role of an approved request (requester only); the window starts now',
  }),
  'support.revoke': defineChannel({
    input: z.object({ ...on, tenant: tenantIdSchema, id: accessIdSchema, reason: textSchema('reason', 500).optional() }).strict(),
    output: supportGrantSchema,
    scope: 'tenant',
    mutates: true,
    changesGrants: true,
    summary: "End support access now (platform: role dropped at once; tenant admin: carried out by the next platform sweep)",
  }),
  'support.list': defineChannel({
    input: z.object({ ...on, tenant: tenantIdSchema.optional() }).strict(),
    output: z.array(supportGrantSchema),
    scope: 'tenant',
    mutates: false,
    summary: "Support requests and windows (a tenant admin: their tenant's; platform: all)",
  }),
  'support.credentials': defineChannel({
    input: z.object({ ...on, id: accessIdSchema }).strict(),
    // Only the CLI may call this (it writes a 0600 file); the renderer never receives a password.
    output: z.object({ id: accessIdSchema, tenant: tenantIdSchema, username: z.string(), password: z.string(), expiresAt: z.string() }),
    scope: 'platform',
    // Audited: handing out a credential is a step of the window's history.
    mutates: true,
    summary: 'The support role password, for the operator who activated the window; CLI only (--out FILE)',
  }),
  'approval.list': defineChannel({
    input: z.object({ ...on, tenant: tenantIdSchema.optional(), state: z.enum(APPROVAL_STATES).optional() }).strict(),
    output: z.array(approvalRequestSchema),
    scope: 'tenant',
    mutates: false,
    summary: "Change requests waiting for or decided by a second person (a tenant admin: their tenant's; platform: all)",
  }),
  'approval.approve': defineChannel({
    input: z.object({ ...on, id: accessIdSchema, note: textSchema('note', 500).optional() }).strict(),
    output: z.object({ request: approvalRequestSchema, outcome: approvalOutcomeSchema }),
    scope: 'platform',
    mutates: true,
    summary: 'Approve a change request (not your own) and carry it out now, as your session',
  }),
  'approval.reject': defineChannel({
    input: z.object({ ...on, id: accessIdSchema, reason: textSchema('reason', 500) }).strict(),
    output: approvalRequestSchema,
    scope: 'platform',
    mutates: true,
    summary: 'Reject a change request; nothing runs',
  }),
  'approval.cancel': defineChannel({
    input: z.object({ ...on, id: accessIdSchema }).strict(),
    output: approvalRequestSchema,
    scope: 'platform',
    mutates: true,
    summary: 'Withdraw your own pending change request',
  }),
};

export const accessEvents = {
  /** A support window ended by the sweep (expiry or a tenant's revoke request): lists refresh. */
  'support.revoked': defineEvent(z.object({ cluster: clusterNameSchema, tenant: tenantIdSchema, id: accessIdSchema, why: z.string() })),
};
