import { AppError } from '../../app/errors';

/**
 * Exact money arithmetic. Every amount path is integer or rational: a quantity is a fraction of
 * BigInts (e.g. byte·milliseconds over bytes-per-GB × milliseconds-per-month), multiplied by an
 * integer rate in minor units, and turned into minor units ONCE per statement line by rounding
 * half to even (banker's rounding: 2.5 → 2, 3.5 → 4, −2.5 → −2). Totals are sums of those
 * rounded integers, so a statement's total always equals the sum of its lines exactly. No float
 * ever touches an amount.
 */
export interface Ratio {
  /** Numerator; sign lives here. */
  n: bigint;
  /** Denominator, always > 0. */
  d: bigint;
}

export const ratio = (n: bigint, d: bigint = 1n): Ratio => {
  if (d === 0n) throw new Error('ratio with a zero denominator');
  return d < 0n ? { n: -n, d: -d } : { n, d };
};
export const ZERO: Ratio = { n: 0n, d: 1n };

const gcd = (a: bigint, b: bigint): bigint => {
  a = a < 0n ? -a : a;
  b = b < 0n ? -b : b;
  while (b) [a, b] = [b, a % b];
  return a || 1n;
};
const norm = (r: Ratio): Ratio => {
  const g = gcd(r.n, r.d);
  return g === 1n ? r : { n: r.n / g, d: r.d / g };
};
export const add = (a: Ratio, b: Ratio): Ratio => norm(a.d === b.d ? { n: a.n + b.n, d: a.d } : { n: a.n * b.d + b.n * a.d, d: a.d * b.d });
export const mul = (a: Ratio, b: Ratio): Ratio => norm({ n: a.n * b.n, d: a.d * b.d });
export const div = (a: Ratio, b: Ratio): Ratio => {
  if (b.n === 0n) throw new Error('division by zero');
  return norm(ratio(a.n * b.d, a.d * b.n));
};

/** n / d rounded half to even, as a BigInt. */
export function roundHalfEven(r: Ratio): bigint {
  const { n, d } = r;
  const neg = n < 0n;
  const a = neg ? -n : n;
  let q = a / d;
  const rem = a - q * d;
  const twice = rem * 2n;
  if (twice > d || (twice === d && q % 2n === 1n)) q += 1n;
  return neg ? -q : q;
}

/** The exact decimal text of a ratio rounded half-even to `places` decimals ("1.250000"). */
export function decimal(r: Ratio, places = 6): string {
  const scale = 10n ** BigInt(places);
  const q = roundHalfEven({ n: r.n * scale, d: r.d });
  const neg = q < 0n;
  const s = (neg ? -q : q).toString().padStart(places + 1, '0');
  const whole = s.slice(0, s.length - places);
  const frac = s.slice(s.length - places);
  return `${neg ? '-' : ''}${whole}${places ? `.${frac}` : ''}`;
}

/** A minor-unit BigInt as a safe JS integer, or an error (an amount beyond 2^53 is refused, never wrapped). */
export function safeMinor(v: bigint, what: string): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) throw new AppError('BAD_INPUT', `${what}: the amount exceeds ${Number.MAX_SAFE_INTEGER} minor units`);
  return Number(v);
}

/** A non-negative measured figure as an integer BigInt (bytes, counts): rounded half-even once at intake. */
export function intake(v: number): bigint {
  if (!Number.isFinite(v) || v < 0) return 0n;
  if (Number.isSafeInteger(v)) return BigInt(v);
  const floor = Math.floor(v);
  const frac = v - floor;
  return BigInt(floor) + (frac > 0.5 || (frac === 0.5 && floor % 2 === 1) ? 1n : 0n);
}

/** ISO 4217 minor-unit exponents that are not 2 (the common ones); everything else has cents. */
const EXPONENT: Record<string, number> = { JPY: 0, KRW: 0, ISK: 0, CLP: 0, VND: 0, XOF: 0, XAF: 0, HUF: 2, BHD: 3, KWD: 3, OMR: 3, JOD: 3, TND: 3 };
export const exponentOf = (currency: string): number => EXPONENT[currency] ?? 2;

/** 123456 EUR → "1234.56 EUR" (from minor units; the text is for people, the integer is the figure). */
export function formatMinor(minor: number | bigint, currency: string): string {
  const e = exponentOf(currency);
  const v = typeof minor === 'bigint' ? minor : BigInt(minor);
  const neg = v < 0n;
  const s = (neg ? -v : v).toString().padStart(e + 1, '0');
  const whole = s.slice(0, s.length - e).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${neg ? '-' : ''}${whole}${e ? `.${s.slice(s.length - e)}` : ''} ${currency}`;
}
