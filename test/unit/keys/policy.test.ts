import { describe, expect, it } from 'vitest';
import { checkKeyAllowed, DEFAULT_KEY_POLICY, parseKeyPolicy, rotationDue } from '../../../src-main/keys/policy';
import { codeOfSync } from './helpers';

const DAY = 86_400_000;

describe('tenant key policy', () => {
  it('parses a policy, de-duplicating lists', () => {
    const p = parseKeyPolicy({ algorithms: ['ec', 'ec', 'rsa'], minRsaBits: 4096, curves: ['P-384', 'P-384'], rotationIntervalDays: 30 });
    expect(p).toEqual({ algorithms: ['ec', 'rsa'], minRsaBits: 4096, curves: ['P-384'], rotationIntervalDays: 30 });
  });

  it('refuses weak or meaningless policies with the field named', () => {
    const base = { ...DEFAULT_KEY_POLICY };
    const cases: [unknown, RegExp][] = [
      [{ ...base, minRsaBits: 1024 }, /minRsaBits/],
      [{ ...base, minRsaBits: 3000 }, /minRsaBits/],
      [{ ...base, algorithms: [] }, /algorithms/],
      [{ ...base, algorithms: ['dsa'] }, /algorithms/],
      [{ ...base, curves: [] }, /curves: allowing EC needs at least one curve/],
      [{ ...base, rotationIntervalDays: 0 }, /rotationIntervalDays/],
      [{ ...base, rotationIntervalDays: 1.5 }, /rotationIntervalDays/],
      [{ ...base, extra: true }, /extra|Unrecognized/i],
      [null, /input/],
    ];
    for (const [input, why] of cases) {
      const e = codeOfSync(() => parseKeyPolicy(input));
      expect(e.code).toBe('BAD_INPUT');
      expect(e.message).toMatch(why);
    }
    // EC not allowed: no curves needed.
    expect(parseKeyPolicy({ ...base, algorithms: ['rsa'], curves: [] }).curves).toEqual([]);
  });

  it('checks keys against the policy', () => {
    const p = DEFAULT_KEY_POLICY;
    expect(checkKeyAllowed(p, { algorithm: 'rsa', bits: 3072 })).toEqual({ allowed: true });
    expect(checkKeyAllowed(p, { algorithm: 'rsa', bits: 4096 })).toEqual({ allowed: true });
    expect(checkKeyAllowed(p, { algorithm: 'rsa', bits: 2048 })).toEqual({ allowed: false, reason: 'RSA keys need at least 3072 bits (this one has 2048)' });
    expect(checkKeyAllowed(p, { algorithm: 'ec', curve: 'P-256' })).toEqual({ allowed: true });
    expect(checkKeyAllowed(p, { algorithm: 'ec', curve: 'P-521' })).toMatchObject({ allowed: false, reason: expect.stringMatching(/P-521 is not allowed/) });
    expect(checkKeyAllowed(p, { algorithm: 'ed25519' })).toEqual({ allowed: true });
    expect(checkKeyAllowed(p, { algorithm: 'dsa' })).toMatchObject({ allowed: false, reason: expect.stringMatching(/dsa is not allowed/) });
    const rsaOnly = parseKeyPolicy({ ...p, algorithms: ['rsa'] });
    expect(checkKeyAllowed(rsaOnly, { algorithm: 'ed25519' })).toMatchObject({ allowed: false });
  });

  it('rotation due: exact boundary, days left rounded up, overdue days rounded down', () => {
    const last = new Date('2025-01-01T00:00:00Z');
    const at = (ms: number) => new Date(last.getTime() + ms);
    const p = { rotationIntervalDays: 90 };
    expect(rotationDue({ lastRotatedAt: last }, at(0), p)).toEqual({ due: false, dueAt: '2025-04-01T00:00:00.000Z', daysLeft: 90, overdueDays: 0 });
    expect(rotationDue({ lastRotatedAt: last }, at(89 * DAY + 1), p)).toMatchObject({ due: false, daysLeft: 1 });
    expect(rotationDue({ lastRotatedAt: last.toISOString() }, at(90 * DAY - 1), p)).toMatchObject({ due: false, daysLeft: 1 });
    expect(rotationDue({ lastRotatedAt: last }, at(90 * DAY), p)).toEqual({ due: true, dueAt: '2025-04-01T00:00:00.000Z', daysLeft: 0, overdueDays: 0 });
    expect(rotationDue({ lastRotatedAt: last }, at(92 * DAY + 5), p)).toMatchObject({ due: true, overdueDays: 2 });
    expect(rotationDue({ lastRotatedAt: last }, at(90 * DAY))).toMatchObject({ due: true }); // default policy: 90 days
    expect(rotationDue({ lastRotatedAt: null }, at(1000 * DAY), p)).toEqual({ due: false, dueAt: null, daysLeft: 0, overdueDays: 0 });
  });

  it('rotation due refuses a non-date and a bad interval', () => {
    expect(codeOfSync(() => rotationDue({ lastRotatedAt: 'yesterday' }, new Date())).code).toBe('BAD_INPUT');
    expect(codeOfSync(() => rotationDue({ lastRotatedAt: new Date() }, new Date(), { rotationIntervalDays: 0 })).code).toBe('BAD_INPUT');
  });
});
