import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resourceChannels } from '../../../../src-shared/contract/resources';
import { AppError } from '../../../../src-main/app/errors';
import { openDatabase } from '../../../../src-main/store/db';
import { OpsCounter } from '../../../../src-main/resources/quotas/ops';
import { QUOTA_CACHE_DDL } from '../../../../src-main/resources/quotas/schema';
import { applyRaise, applySet, decide, emptyRecord, evaluate, HOUR_MS, inLastHour, limitsOf, transitions, type QuotaRecord, type QuotaState } from '../../../../src-main/resources/quotas/rules';

const T0 = new Date('2026-11-29T12:00:00.000Z');
const at = (h: number): Date => new Date(T0.getTime() + h * HOUR_MS);
const storage = (over: Partial<QuotaRecord> = {}): QuotaRecord => ({ ...emptyRecord('storage-gb'), ...over });
const code = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    return e instanceof AppError ? `${e.code}: ${e.message}` : `other: ${String(e)}`;
  }
  return 'no error';
};

describe('which limit is in force', () => {
  it('a quota row wins over the tenant config; the config is the hard limit without one', () => {
    expect(limitsOf(null, 5, T0)).toMatchObject({ hard: 5, source: 'config' });
    expect(limitsOf(null, null, T0)).toMatchObject({ hard: null, source: 'none' });
    expect(limitsOf({ ...emptyRecord('users'), hard: 9, soft: 7 }, 5, T0)).toMatchObject({ hard: 9, soft: 7, source: 'quota' });
    // A soft-only row keeps the config's hard limit.
    expect(limitsOf({ ...emptyRecord('users'), soft: 3 }, 5, T0)).toMatchObject({ hard: 5, soft: 3, source: 'config' });
  });

  it('a raise holds until its time, then the base limit is back and the raise counts as expired', () => {
    const r = storage({ hard: 1, raisedHard: 10, raisedUntil: at(2).toISOString() });
    expect(limitsOf(r, null, at(1))).toMatchObject({ hard: 10, baseHard: 1, source: 'raise', raiseActive: true, raiseExpired: false });
    expect(limitsOf(r, null, at(2))).toMatchObject({ hard: 1, source: 'quota', raiseActive: false, raiseExpired: true });
  });
});

describe('the check before an operation', () => {
  it('over the hard limit: QUOTA_EXCEEDED with the figure; over soft: a warning; else nothing', () => {
    const l = limitsOf({ ...emptyRecord('users'), soft: 3, hard: 5 }, null, T0);
    expect(code(() => decide('acme', 'users', 5, 1, l))).toBe('QUOTA_EXCEEDED: tenant acme has 5 users; hard limit 5. Free some, or ask the platform for a raise (csm quota raise)');
    expect(decide('acme', 'users', 3, 1, l)).toBe('tenant acme now at 4 users, over its soft limit 3');
    expect(decide('acme', 'users', 2, 1, l)).toBeNull();
    expect(decide('acme', 'users', 4, 1, l)).toMatch(/now at 5 users/); // at the hard limit is allowed
  });
  it('names the config field when the limit comes from the tenant config', () => {
    expect(code(() => decide('acme', 'certificates', 2, 1, limitsOf(null, 2, T0)))).toMatch(/has 2 active certificates; its quota \(quotas\.maxCertificates\) is 2/);
  });
});

describe('state machine ok → soft → grace → enforced → restored', () => {
  const rec = storage({ soft: 1, hard: 2, graceHours: 3 });
  const l = limitsOf(rec, null, T0);
  it('walks the states with usage and time, and records the transitions', () => {
    let s: { state: QuotaState; overSince: string | null } = { state: 'ok', overSince: null };
    const seen: string[] = [];
    const step = (used: number | null, when: Date, lim = l): void => {
      const e = evaluate(s, used, lim, rec.graceHours, when);
      seen.push(...transitions(s.state, e.state));
      s = { state: e.state, overSince: e.overSince };
    };
    step(0.5, at(0));
    expect(s.state).toBe('ok');
    step(1.5, at(0));
    expect(s.state).toBe('soft');
    step(2.5, at(1));
    expect(s).toEqual({ state: 'grace', overSince: at(1).toISOString() });
    step(2.6, at(3.9)); // still inside 3 h of grace
    expect(s.state).toBe('grace');
    step(null, at(5)); // no usage figure: nothing changes
    expect(s.state).toBe('grace');
    step(2.6, at(4)); // grace over (started at +1 h)
    expect(s.state).toBe('enforced');
    step(1.5, at(5)); // usage fell under hard
    expect(s).toEqual({ state: 'soft', overSince: null });
    expect(seen).toEqual(['soft-exceeded', 'hard-exceeded', 'grace-started', 'enforced', 'restored']);
  });
  it('grace 0 enforces at the first sweep that sees usage over the limit; a raise in force lifts it', () => {
    const zero = storage({ hard: 1, graceHours: 0 });
    const e = evaluate({ state: 'ok', overSince: null }, 3, limitsOf(zero, null, T0), 0, T0);
    expect(e.state).toBe('enforced');
    const raised = limitsOf({ ...zero, raisedHard: 5, raisedUntil: at(1).toISOString() }, null, T0);
    expect(evaluate({ state: 'enforced', overSince: e.overSince }, 3, raised, 0, T0)).toMatchObject({ state: 'ok', overSince: null });
    // After the raise's end the same usage is over the base limit again.
    const after = limitsOf({ ...zero, raisedHard: 5, raisedUntil: at(1).toISOString() }, null, at(1));
    expect(evaluate({ state: 'ok', overSince: null }, 3, after, 0, at(1)).state).toBe('enforced');
  });
  it('without a grace in the row, a day of grace applies', () => {
    const e = evaluate({ state: 'ok', overSince: null }, 3, limitsOf(storage({ hard: 1 }), null, T0), null, T0);
    expect(e).toMatchObject({ state: 'grace', graceEndsAt: at(24).toISOString() });
  });
});

describe('bad input', () => {
  const now = T0;
  it('negative limits, soft above hard, fractional counts and empty changes are BAD_INPUT', () => {
    expect(code(() => applySet(emptyRecord('users'), { hard: -1 }, 'op', now))).toMatch(/^BAD_INPUT: hard limit of users: must be 0 or more/);
    expect(code(() => applySet(emptyRecord('users'), { soft: 6, hard: 5 }, 'op', now))).toMatch(/^BAD_INPUT: soft limit 6 of users is above its hard limit 5/);
    expect(code(() => applySet({ ...emptyRecord('users'), hard: 5 }, { soft: 6 }, 'op', now))).toMatch(/^BAD_INPUT: soft limit 6/);
    expect(code(() => applySet(emptyRecord('users'), { hard: 2.5 }, 'op', now))).toMatch(/^BAD_INPUT: hard limit of users: a whole number/);
    expect(code(() => applySet(emptyRecord('users'), {}, 'op', now))).toMatch(/^BAD_INPUT: give --soft, --hard or --grace-hours/);
    expect(applySet(emptyRecord('storage-gb'), { hard: 2.5, graceHours: 0 }, 'op', now)).toMatchObject({ hard: 2.5, graceHours: 0, updatedBy: 'op' });
  });
  it('a raise ending in the past or now, or below the limit it raises, is BAD_INPUT', () => {
    expect(code(() => applyRaise(storage({ hard: 1 }), null, { hard: 5, until: at(-1).toISOString(), reason: null }, 'op', now))).toMatch(/^BAD_INPUT: until .* is not in the future/);
    expect(code(() => applyRaise(storage({ hard: 1 }), null, { hard: 5, until: now.toISOString(), reason: null }, 'op', now))).toMatch(/^BAD_INPUT/);
    expect(code(() => applyRaise(emptyRecord('users'), 5, { hard: 4, until: at(1).toISOString(), reason: null }, 'op', now))).toMatch(/^BAD_INPUT: a raise of users to 4 is below its hard limit 5/);
    expect(applyRaise(emptyRecord('users'), 5, { hard: 8, until: at(1).toISOString(), reason: 'launch' }, 'op', now)).toMatchObject({ raisedHard: 8, raiseReason: 'launch', raisedBy: 'op' });
  });
  it('the channels refuse an unknown resource, a negative limit and an until that is not a time', () => {
    const set = resourceChannels['quota.set'].input;
    expect(set.safeParse({ cluster: 'c1', tenant: 'acme', resource: 'cpus', hard: 1 }).success).toBe(false);
    expect(set.safeParse({ cluster: 'c1', tenant: 'acme', resource: 'users', hard: -1 }).success).toBe(false);
    expect(set.safeParse({ cluster: 'c1', tenant: 'acme', resource: 'users', hard: 1 }).success).toBe(true);
    expect(resourceChannels['quota.raise'].input.safeParse({ cluster: 'c1', tenant: 'acme', resource: 'users', hard: 1, until: 'tomorrow' }).success).toBe(false);
  });
});

describe('sliding-hour operation counter', () => {
  it('counts the hour ending now, not the clock hour, and forgets older calls', () => {
    expect(inLastHour([0, HOUR_MS - 1, HOUR_MS, HOUR_MS + 5], HOUR_MS + 5)).toBe(3);
    const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'csm-quota-')), 'c.db'));
    db.exec(QUOTA_CACHE_DDL);
    db.exec(QUOTA_CACHE_DDL); // idempotent on a database that has it
    let now = Date.parse('2026-11-29T12:50:00Z');
    const ops = new OpsCounter(db, () => now);
    for (let i = 0; i < 3; i++) ops.record('c1', 'acme', 'user.create');
    ops.record('c1', 'other', 'user.create');
    ops.record('c2', 'acme', 'user.create');
    expect(ops.count('c1', 'acme')).toBe(3);
    now += 20 * 60_000; // 13:10: a new clock hour, same sliding hour
    ops.record('c1', 'acme', 'cert.issue');
    expect(ops.count('c1', 'acme')).toBe(4);
    now += 41 * 60_000; // 13:51: the three from 12:50 are out
    expect(ops.count('c1', 'acme')).toBe(1);
    ops.record('c1', 'acme', 'cert.issue'); // recording prunes the old rows
    expect((db.prepare("SELECT COUNT(*) AS n FROM quota_ops WHERE cluster = 'c1' AND tenant = 'acme'").get() as { n: number }).n).toBe(2);
    db.close();
  });
});

describe('raise length (security review L2)', () => {
  it('a raise ending more than 90 days away is BAD_INPUT; 90 days is accepted', () => {
    const cur = emptyRecord('users');
    const t = new Date('2026-11-29T12:00:00.000Z');
    expect(() => applyRaise(cur, 5, { hard: 10, until: new Date(t.getTime() + 90 * 24 * HOUR_MS + 1).toISOString(), reason: null }, 'op', t)).toThrow(/more than 90 days away/);
    expect(applyRaise(cur, 5, { hard: 10, until: new Date(t.getTime() + 90 * 24 * HOUR_MS).toISOString(), reason: null }, 'op', t).raisedHard).toBe(10);
  });
});

describe('monitor-only quotas (security review M4)', () => {
  it('keyspaces and tables are never shown enforced; the row and the CLI say what a hard limit does', async () => {
    const { ENFORCEMENT, shownState } = await import('../../../../src-main/resources/quotas/handlers');
    const { rowText } = await import('../../../../src-main/cli/commands/quota');
    expect(shownState('tables', 'enforced')).toBe('grace');
    expect(shownState('keyspaces', 'enforced')).toBe('grace');
    expect(shownState('users', 'enforced')).toBe('enforced');
    expect(ENFORCEMENT).toEqual({ users: 'refuse', certificates: 'refuse', 'ops-per-hour': 'refuse', 'storage-gb': 'revoke-writes', keyspaces: 'monitor', tables: 'monitor' });
    const row = { resource: 'tables' as const, soft: null, hard: 3, graceHours: null, raisedHard: null, raisedUntil: null, effectiveHard: 3, used: 5, usedPrecision: 'exact' as const, state: 'grace' as const, overSince: null, graceEndsAt: null, enforcement: 'monitor' as const };
    expect(rowText(row)).toMatch(/state grace, monitor only \(not enforced\)$/);
  });
});

describe('the storage sweep decides on a fresh sample (security review L3)', () => {
  it('missing or older than twice the interval is stale', async () => {
    const { isStale } = await import('../../../../src-main/resources/quotas/handlers');
    const now = Date.parse('2026-11-29T12:00:00.000Z');
    const interval = 15 * 60_000;
    expect(isStale(null, now, interval)).toBe(true);
    expect(isStale(new Date(now - 2 * interval - 1).toISOString(), now, interval)).toBe(true);
    expect(isStale(new Date(now - 2 * interval).toISOString(), now, interval)).toBe(false);
    expect(isStale(new Date(now - 60_000).toISOString(), now, interval)).toBe(false);
  });
});
