import { randomBytes } from 'node:crypto';
import { AppError } from '../../app/errors';

/**
 * The privacy mechanism of cross-tenant analytics (issue 10 item 4).
 *
 * - k-anonymity: a group with fewer than k tenants is suppressed (every figure null).
 * - Laplace mechanism: a figure f with sensitivity Δ (the most one tenant can change it, bounded
 *   by clipping each tenant's contribution to [0, clip]) released under ε-share εᵢ gets noise
 *   Laplace(0, b) with b = Δ / εᵢ, variance 2b². Sampled by inverse CDF from a uniform in (0, 1)
 *   with 53 bits from node:crypto (tests inject a seeded generator).
 * - ε accounting: the report's ε is split evenly over its figures (sequential composition); a
 *   figure spans disjoint groups (each tenant is in exactly one), so one figure over all groups
 *   costs its share once (parallel composition).
 *
 * Known limit: floating-point Laplace samples can leak through their low bits (Mironov 2012);
 * released figures are rounded (counts to integers, GB to 2 decimals), which blunts but does not
 * formally close that channel.
 */

export type Uniform = () => number;

/** A uniform in the open interval (0, 1) from 53 random bits (node:crypto). */
export const cryptoUniform: Uniform = () => {
  for (;;) {
    const b = randomBytes(8);
    const hi = b.readUInt32BE(0) >>> 5; // 27 bits
    const lo = b.readUInt32BE(4) >>> 6; // 26 bits
    const u = (hi * 67108864 + lo) / 9007199254740992;
    if (u > 0) return u;
  }
};

/** A seeded generator for tests (mulberry32 → 53-bit doubles): NOT for releases. */
export function seededUniform(seed: number): Uniform {
  let a = seed >>> 0;
  const next32 = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => {
    for (;;) {
      const u = (Math.floor(next32() * 134217728) * 67108864 + Math.floor(next32() * 67108864)) / 9007199254740992;
      if (u > 0) return u;
    }
  };
}

/** One draw of Laplace(0, scale) by inverse CDF. */
export function laplace(scale: number, uniform: Uniform = cryptoUniform): number {
  if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError('laplace scale must be a positive number');
  const u = uniform();
  return u < 0.5 ? scale * Math.log(2 * u) : -scale * Math.log(2 * (1 - u));
}

export const clip = (v: number, hi: number, lo = 0): number => (Number.isFinite(v) ? Math.min(hi, Math.max(lo, v)) : lo);

/** ε in micro-units: the ledger adds integers, so "exactly reaching the total" is exact. At most 6 decimals. */
export function toMicro(epsilon: number): number {
  const m = Math.round(epsilon * 1e6);
  if (Math.abs(epsilon * 1e6 - m) > 1e-6 || m <= 0) throw new AppError('BAD_INPUT', `epsilon ${epsilon}: a positive number with at most 6 decimals`);
  return m;
}

export interface FigureNoise {
  figure: string;
  clip: string;
  sensitivity: number;
  epsilon: number;
  scale: number;
}

/** Split ε over the figures evenly; scale = sensitivity / share. */
export function plan(epsilon: number, figures: readonly { figure: string; clip: string; sensitivity: number }[]): FigureNoise[] {
  const share = epsilon / figures.length;
  return figures.map((f) => ({ ...f, epsilon: share, scale: f.sensitivity / share }));
}

/** Whether a budget can pay for a report: spent + cost ≤ total, exactly (micro-ε integers). */
export const affordable = (b: { totalMicro: number; spentMicro: number }, costMicro: number): boolean => b.spentMicro + costMicro <= b.totalMicro;
