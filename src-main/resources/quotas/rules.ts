import type { QuotaResource } from '../../../src-shared/contract/resources';
import { AppError } from '../../app/errors';

/**
 * Quota arithmetic (issue 10 item 2), pure so it is unit-tested without a cluster: which limit is in
 * force, the enforcement state machine, input checks, and the refusal text with its figure.
 */

export type QuotaState = 'ok' | 'soft' | 'grace' | 'enforced';

export interface QuotaRecord {
  resource: QuotaResource;
  soft: number | null;
  hard: number | null;
  graceHours: number | null;
  raisedHard: number | null;
  raisedUntil: string | null;
  raiseReason: string | null;
  raisedBy: string | null;
  state: QuotaState;
  overSince: string | null;
  updatedBy: string | null;
  updatedAt: string | null;
}

/** Grace when a quota row gives none: a day to clean up before writes are revoked. */
export const DEFAULT_GRACE_HOURS = 24;
export const HOUR_MS = 3_600_000;

/** Resources counted in whole units (a fractional limit is a typo). */
const COUNTED: ReadonlySet<QuotaResource> = new Set(['users', 'certificates', 'keyspaces', 'tables', 'ops-per-hour']);

/** The tenant config field that is the hard limit when no quota row gives one (existing behaviour). */
export const CONFIG_FALLBACK: Partial<Record<QuotaResource, 'maxUsers' | 'maxCertificates' | 'maxKeyspaces' | 'maxTables'>> = {
  users: 'maxUsers',
  certificates: 'maxCertificates',
  keyspaces: 'maxKeyspaces',
  tables: 'maxTables',
};

export const UNIT: Record<QuotaResource, string> = {
  users: 'users',
  certificates: 'active certificates',
  keyspaces: 'keyspaces',
  tables: 'tables',
  'storage-gb': 'GB stored',
  'ops-per-hour': 'console operations in the last hour',
};

export function emptyRecord(resource: QuotaResource): QuotaRecord {
  return { resource, soft: null, hard: null, graceHours: null, raisedHard: null, raisedUntil: null, raiseReason: null, raisedBy: null, state: 'ok', overSince: null, updatedBy: null, updatedAt: null };
}

export interface Limits {
  soft: number | null;
  /** The hard limit in force now: the raise while it lasts, else the row's hard, else the config fallback. */
  hard: number | null;
  /** The row's own hard limit (or the config fallback), without the raise. */
  baseHard: number | null;
  source: 'raise' | 'quota' | 'config' | 'none';
  raiseActive: boolean;
  /** A raise is recorded but its time has passed (the sweep records 'raise-expired' and clears it). */
  raiseExpired: boolean;
}

export function limitsOf(rec: QuotaRecord | null, configMax: number | null, now: Date): Limits {
  const baseHard = rec?.hard ?? configMax;
  const baseSource: Limits['source'] = rec?.hard != null ? 'quota' : configMax !== null ? 'config' : 'none';
  const hasRaise = rec !== null && rec.raisedHard !== null && rec.raisedUntil !== null;
  const raiseActive = hasRaise && Date.parse(rec!.raisedUntil!) > now.getTime();
  return {
    soft: rec?.soft ?? null,
    hard: raiseActive ? rec!.raisedHard : baseHard,
    baseHard,
    source: raiseActive ? 'raise' : baseSource,
    raiseActive,
    raiseExpired: hasRaise && !raiseActive,
  };
}

const fmt = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(3).replace(/0+$/, '').replace(/\.$/, ''));

/** "tenant acme has 5 users; hard limit 5" — the figure an operator needs to act on. */
export function refusal(tenant: string, resource: QuotaResource, used: number, adding: number, l: Limits): AppError {
  const more = adding > 1 ? `; ${fmt(adding)} more asked` : '';
  if (l.source === 'config') {
    // The tenant config's limit, worded as before quota rows existed (operators and scripts know it).
    return new AppError('QUOTA_EXCEEDED', `tenant ${tenant} has ${fmt(used)} ${UNIT[resource]}; its quota (quotas.${CONFIG_FALLBACK[resource] ?? resource}) is ${fmt(l.hard ?? 0)}${more}. Free some, or raise the quota (csm quota set / csm quota raise)`);
  }
  const why = l.source === 'raise' ? ' (temporary raise)' : '';
  return new AppError('QUOTA_EXCEEDED', `tenant ${tenant} has ${fmt(used)} ${UNIT[resource]}; hard limit ${fmt(l.hard ?? 0)}${why}${more}. Free some, or ask the platform for a raise (csm quota raise)`);
}

export function softWarning(tenant: string, resource: QuotaResource, after: number, soft: number): string {
  return `tenant ${tenant} now at ${fmt(after)} ${UNIT[resource]}, over its soft limit ${fmt(soft)}`;
}

/**
 * The check before an operation adds `adding` units: over the hard limit → throws QUOTA_EXCEEDED;
 * over the soft limit → a warning text; else null.
 */
export function decide(tenant: string, resource: QuotaResource, used: number, adding: number, l: Limits): string | null {
  const after = used + adding;
  if (l.hard !== null && after > l.hard) throw refusal(tenant, resource, used, adding, l);
  if (l.soft !== null && after > l.soft) return softWarning(tenant, resource, after, l.soft);
  return null;
}

// ─────────────────────────── input checks ───────────────────────────

function checkLimit(resource: QuotaResource, what: string, v: number | null): void {
  if (v === null) return;
  if (!Number.isFinite(v) || v < 0) throw new AppError('BAD_INPUT', `${what} of ${resource}: must be 0 or more, not ${v}`);
  if (COUNTED.has(resource) && !Number.isInteger(v)) throw new AppError('BAD_INPUT', `${what} of ${resource}: a whole number, not ${v}`);
}

/** The record after a quota.set; BAD_INPUT for negative or fractional counts and soft above hard. */
export function applySet(cur: QuotaRecord, change: { soft?: number | null | undefined; hard?: number | null | undefined; graceHours?: number | null | undefined }, by: string | null, now: Date): QuotaRecord {
  if (change.soft === undefined && change.hard === undefined && change.graceHours === undefined) throw new AppError('BAD_INPUT', `give --soft, --hard or --grace-hours for ${cur.resource}`);
  const next: QuotaRecord = {
    ...cur,
    soft: change.soft === undefined ? cur.soft : change.soft,
    hard: change.hard === undefined ? cur.hard : change.hard,
    graceHours: change.graceHours === undefined ? cur.graceHours : change.graceHours,
    updatedBy: by,
    updatedAt: now.toISOString(),
  };
  checkLimit(cur.resource, 'soft limit', next.soft);
  checkLimit(cur.resource, 'hard limit', next.hard);
  if (next.graceHours !== null && (!Number.isFinite(next.graceHours) || next.graceHours < 0)) throw new AppError('BAD_INPUT', `grace hours of ${cur.resource}: must be 0 or more, not ${next.graceHours}`);
  if (next.soft !== null && next.hard !== null && next.soft > next.hard) throw new AppError('BAD_INPUT', `soft limit ${next.soft} of ${cur.resource} is above its hard limit ${next.hard}`);
  return next;
}

/** The record after a quota.raise; BAD_INPUT for an `until` not in the future or a raise below the limit it raises. */
/** A temporary raise lasts at most this long. */
export const MAX_RAISE_DAYS = 90;

export function applyRaise(cur: QuotaRecord, configMax: number | null, raise: { hard: number; until: string; reason: string | null }, by: string | null, now: Date): QuotaRecord {
  const until = Date.parse(raise.until);
  if (!Number.isFinite(until)) throw new AppError('BAD_INPUT', `until: not a time: ${JSON.stringify(raise.until.slice(0, 40))}`);
  if (until <= now.getTime()) throw new AppError('BAD_INPUT', `until ${raise.until} is not in the future (now ${now.toISOString()}): a raise must end later`);
  if (until > now.getTime() + MAX_RAISE_DAYS * 24 * HOUR_MS) throw new AppError('BAD_INPUT', `until ${raise.until} is more than ${MAX_RAISE_DAYS} days away: a raise is temporary (change the limit with quota.set instead)`);
  checkLimit(cur.resource, 'raised hard limit', raise.hard);
  const base = cur.hard ?? configMax;
  if (base !== null && raise.hard < base) throw new AppError('BAD_INPUT', `a raise of ${cur.resource} to ${raise.hard} is below its hard limit ${base}; lower the limit with quota set instead`);
  return { ...cur, raisedHard: raise.hard, raisedUntil: new Date(until).toISOString(), raiseReason: raise.reason, raisedBy: by, updatedBy: by, updatedAt: now.toISOString() };
}

// ─────────────────────────── state machine ───────────────────────────

export interface Evaluation {
  state: QuotaState;
  overSince: string | null;
  graceEndsAt: string | null;
}

/**
 * ok → soft (over soft) → grace (over the hard limit in force; the clock starts at the first sweep
 * that saw it) → enforced (grace over) → back to ok/soft when usage falls or a raise is in force.
 * Unknown usage keeps the previous state: an outage of the metering never freezes or thaws anyone.
 */
export function evaluate(prev: { state: QuotaState; overSince: string | null }, used: number | null, l: Limits, graceHours: number | null, now: Date): Evaluation {
  if (used === null) {
    const since = prev.overSince;
    return { state: prev.state, overSince: since, graceEndsAt: since ? new Date(Date.parse(since) + (graceHours ?? DEFAULT_GRACE_HOURS) * HOUR_MS).toISOString() : null };
  }
  if (l.hard !== null && used > l.hard) {
    const since = prev.overSince ?? now.toISOString();
    const ends = Date.parse(since) + (graceHours ?? DEFAULT_GRACE_HOURS) * HOUR_MS;
    return { state: now.getTime() >= ends ? 'enforced' : 'grace', overSince: since, graceEndsAt: new Date(ends).toISOString() };
  }
  if (l.soft !== null && used > l.soft) return { state: 'soft', overSince: null, graceEndsAt: null };
  return { state: 'ok', overSince: null, graceEndsAt: null };
}

export type TransitionKind = 'soft-exceeded' | 'hard-exceeded' | 'grace-started' | 'enforced' | 'restored';

/** The events a state change records (in order). */
export function transitions(from: QuotaState, to: QuotaState): TransitionKind[] {
  if (from === to) return [];
  const out: TransitionKind[] = [];
  if (to === 'soft' && from === 'ok') out.push('soft-exceeded');
  if ((to === 'grace' || to === 'enforced') && (from === 'ok' || from === 'soft')) out.push('hard-exceeded', 'grace-started');
  if (to === 'enforced') out.push('enforced');
  if (from === 'enforced') out.push('restored');
  return out;
}

// ─────────────────────────── sliding hour ───────────────────────────

/** Operations within the hour ending at `now` (a sliding window, not a clock hour). */
export function inLastHour(times: readonly number[], now: number): number {
  return times.filter((t) => t > now - HOUR_MS && t <= now).length;
}
