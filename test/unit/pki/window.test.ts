import { describe, expect, it } from 'vitest';
import { leafWindow } from '../../../src-main/pki/policy';

const day = 86_400_000;
const now = new Date('2026-06-01T00:00:00Z');
const notBefore = new Date(now.getTime() - 5 * 60_000);
const catch_ = (f: () => unknown): { code?: string; message?: string } => {
  try {
    f();
  } catch (e) {
    return e as { code: string; message: string };
  }
  throw new Error('did not throw');
};

describe('leaf validity within the CA life', () => {
  it('inside the CA life: the asked or default validity, no notice', () => {
    const r = leafWindow({ now, notBefore, caNotAfter: new Date(now.getTime() + 400 * day), validityDays: 365, requested: false });
    expect(r).toEqual({ notAfter: new Date(now.getTime() + 365 * day), notice: null });
  });

  it('an expired CA, or one ending before the leaf begins, signs nothing (CONFLICT naming its end)', () => {
    const ended = new Date(now.getTime() - day);
    const e = catch_(() => leafWindow({ now, notBefore, caNotAfter: ended, validityDays: 30, requested: false }));
    expect([e.code, e.message]).toEqual(['CONFLICT', `the tenant CA expired on ${ended.toISOString()}; rotate it (a new tenant CA) before issuing or renewing certificates`]);
    expect(catch_(() => leafWindow({ now, notBefore, caNotAfter: now, validityDays: 1, requested: true })).code).toBe('CONFLICT');
  });

  it('a default validity past the CA end is clipped to it and says so; an asked one is refused naming the CA end', () => {
    const caEnd = new Date(now.getTime() + 20 * day + 3600_000);
    const r = leafWindow({ now, notBefore, caNotAfter: caEnd, validityDays: 365, requested: false });
    expect(r.notAfter).toEqual(caEnd);
    expect(r.notice).toContain(`clipped to the tenant CA's own end (${caEnd.toISOString()})`);
    const e = catch_(() => leafWindow({ now, notBefore, caNotAfter: caEnd, validityDays: 30, requested: true }));
    expect([e.code, e.message]).toEqual(['BAD_INPUT', expect.stringContaining(`expires on ${caEnd.toISOString()} (20 days left); ask for at most 20 days`)]);
    expect(leafWindow({ now, notBefore, caNotAfter: caEnd, validityDays: 20, requested: true }).notice).toBeNull();
  });
});
