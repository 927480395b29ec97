import { describe, expect, it } from 'vitest';
import { formatMoney, isoProblem, minorToDecimal, parseLimit, parseMoney, quotaFormErrors, seriesSummary } from '../../../src-renderer/features/resources/format';

describe('resources format (unit)', () => {
  it('parses money by digits, never through a float', () => {
    // The float way is wrong for these: 1.15 * 100 = 114.99999999999999, 4.35 * 100 = 434.99999999999994.
    expect(Math.trunc(1.15 * 100)).toBe(114);
    expect(parseMoney('1.15', 'EUR')).toEqual({ minor: 115, error: null });
    expect(parseMoney('4.35', 'EUR')).toEqual({ minor: 435, error: null });
    expect(parseMoney('12.34', 'EUR')).toEqual({ minor: 1234, error: null });
    expect(parseMoney('0.1', 'EUR')).toEqual({ minor: 10, error: null });
    expect(parseMoney(' 7 ', 'EUR')).toEqual({ minor: 700, error: null });
    expect(parseMoney('7.', 'EUR')).toEqual({ minor: 700, error: null });
    expect(parseMoney('0', 'EUR')).toEqual({ minor: 0, error: null });
    // The largest safe amount is accepted exactly; one more minor unit is refused.
    expect(parseMoney('90071992547409.91', 'EUR')).toEqual({ minor: Number.MAX_SAFE_INTEGER, error: null });
    expect(parseMoney('90071992547409.92', 'EUR').error).toBe('too large');
  });

  it('refuses what is not an amount in the currency', () => {
    expect(parseMoney('1.005', 'EUR').error).toBe('at most 2 decimal places for EUR');
    expect(parseMoney('-1', 'EUR').error).toMatch(/an amount such as 12\.34/);
    expect(parseMoney('1e3', 'EUR').minor).toBeNull();
    expect(parseMoney('1,000.00', 'EUR').minor).toBeNull();
    expect(parseMoney('', 'EUR').error).toBe('an amount');
    expect(parseMoney('12.3', 'JPY').error).toBe('no decimals for JPY');
    expect(parseMoney('1234', 'JPY')).toEqual({ minor: 1234, error: null });
    expect(parseMoney('1.234', 'KWD')).toEqual({ minor: 1234, error: null });
  });

  it('formats minor units exactly with the currency', () => {
    expect(formatMoney(123456, 'EUR')).toBe('1,234.56 EUR');
    expect(formatMoney(5, 'EUR')).toBe('0.05 EUR');
    expect(formatMoney(0, 'USD')).toBe('0.00 USD');
    expect(formatMoney(1234, 'JPY')).toBe('1,234 JPY');
    expect(formatMoney(Number.MAX_SAFE_INTEGER, 'EUR')).toBe('90,071,992,547,409.91 EUR');
    for (const m of [0, 1, 10, 99, 100, 115, 123456789]) expect(parseMoney(minorToDecimal(m, 'EUR'), 'EUR').minor).toBe(m);
  });

  it('quota limits mirror the contract: non-negative, at most 10^12, whole counts, soft ≤ hard', () => {
    expect(quotaFormErrors('users', '5', '3', '').errors.soft).toBe('the soft limit (5) must not exceed the hard limit (3)');
    expect(quotaFormErrors('users', '3', '3', '').errors).toEqual({});
    expect(quotaFormErrors('users', '', '3', '24')).toEqual({ errors: {}, values: { soft: null, hard: 3, graceHours: 24 } });
    expect(quotaFormErrors('users', '-1', '3', '').errors.soft).toBe('a whole non-negative number');
    expect(quotaFormErrors('users', '1.5', '', '').errors.soft).toBe('a whole non-negative number');
    expect(quotaFormErrors('storage-gb', '1.5', '2.25', '').errors).toEqual({});
    expect(quotaFormErrors('storage-gb', '', '1000000000001', '').errors.hard).toBe('at most 1000000000000');
    expect(quotaFormErrors('storage-gb', '', '', '2161').errors.grace).toBe('at most 2160 hours (90 days)');
    expect(parseLimit('', 'users')).toEqual({ value: null, error: null });
  });

  it('ISO instants and series summaries', () => {
    expect(isoProblem('2026-11-01T00:00:00Z')).toBeNull();
    expect(isoProblem('2026-11-01T00:00:00.123+01:00')).toBeNull();
    expect(isoProblem('2026-11-01')).not.toBeNull();
    expect(isoProblem('2026-13-01T00:00:00Z')).not.toBeNull();
    expect(seriesSummary([{ at: 'a', value: 3 }, { at: 'b', value: null }, { at: 'c', value: 1 }, { at: 'd', value: 2 }])).toEqual({ min: 1, max: 3, latest: 2, count: 3 });
    expect(seriesSummary([{ at: 'a', value: null }])).toBeNull();
  });
});
