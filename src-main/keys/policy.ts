import type { z } from 'zod';
import { EC_CURVES, KEY_ALGORITHMS, keyPolicySchema as sharedPolicySchema } from '../../src-shared/contract/keys';
import { AppError, describeZodError } from '../app/errors';

/**
 * Tenant key policy (pure): which key algorithms and sizes a tenant's certificates and keys may
 * use (the certificate issue checks CSRs and issued keys against it), and how often the tenant's
 * keys must be rotated. No Node APIs, so the UI can show the same verdicts.
 */
export { KEY_ALGORITHMS, EC_CURVES };
export type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];
export type EcCurve = (typeof EC_CURVES)[number];

export interface TenantKeyPolicy {
  algorithms: KeyAlgorithm[];
  minRsaBits: number;
  curves: EcCurve[];
  rotationIntervalDays: number;
}

/** NIST SP 800-57 through 2030: RSA ≥ 2048 is still acceptable, 3072 is the default for new keys. */
export const DEFAULT_KEY_POLICY: TenantKeyPolicy = {
  algorithms: ['rsa', 'ec', 'ed25519'],
  minRsaBits: 3072,
  curves: ['P-256', 'P-384'],
  rotationIntervalDays: 90,
};

/** The contract's shape (the UI validates the same), plus what needs more than one field. */
export const keyPolicySchema = sharedPolicySchema.refine((p) => !p.algorithms.includes('ec') || p.curves.length > 0, { message: 'allowing EC needs at least one curve', path: ['curves'] });

export function parseKeyPolicy(input: unknown): TenantKeyPolicy {
  const r = keyPolicySchema.safeParse(input);
  if (!r.success) throw new AppError('BAD_INPUT', `key policy: ${describeZodError(r.error)}`);
  return { ...r.data, algorithms: [...new Set(r.data.algorithms)], curves: [...new Set(r.data.curves)] };
}

export type KeySpec = { algorithm: 'rsa'; bits: number } | { algorithm: 'ec'; curve: string } | { algorithm: 'ed25519' } | { algorithm: string };

export type KeyVerdict = { allowed: true } | { allowed: false; reason: string };

export function checkKeyAllowed(policy: TenantKeyPolicy, spec: KeySpec): KeyVerdict {
  const alg = spec.algorithm;
  if (!(KEY_ALGORITHMS as readonly string[]).includes(alg) || !policy.algorithms.includes(alg as KeyAlgorithm)) {
    return { allowed: false, reason: `algorithm ${alg} is not allowed for this tenant (allowed: ${policy.algorithms.join(', ')})` };
  }
  if (alg === 'rsa') {
    const bits = (spec as { bits: number }).bits;
    if (!Number.isInteger(bits) || bits < policy.minRsaBits) return { allowed: false, reason: `RSA keys need at least ${policy.minRsaBits} bits (this one has ${bits})` };
  }
  if (alg === 'ec') {
    const curve = (spec as { curve: string }).curve;
    if (!policy.curves.includes(curve as EcCurve)) return { allowed: false, reason: `curve ${curve} is not allowed for this tenant (allowed: ${policy.curves.join(', ')})` };
  }
  return { allowed: true };
}

const DAY_MS = 86_400_000;

export interface RotationDue {
  due: boolean;
  /** When the current keys reach the interval; null for a tenant without keys. */
  dueAt: string | null;
  /** Whole days left before due (0 once due). */
  daysLeft: number;
  /** Whole days past due (0 when not due). */
  overdueDays: number;
}

/**
 * "Rotation due" for a tenant: due once the current KEK (made at provisioning or the last
 * rotation) is `rotationIntervalDays` old. A tenant without keys is never due.
 */
export function rotationDue(
  status: { lastRotatedAt: string | Date | null },
  now: Date,
  policy: Pick<TenantKeyPolicy, 'rotationIntervalDays'> = DEFAULT_KEY_POLICY,
): RotationDue {
  if (status.lastRotatedAt === null) return { due: false, dueAt: null, daysLeft: 0, overdueDays: 0 };
  const last = new Date(status.lastRotatedAt).getTime();
  if (!Number.isFinite(last)) throw new AppError('BAD_INPUT', 'rotation status: lastRotatedAt is not a date');
  if (!Number.isInteger(policy.rotationIntervalDays) || policy.rotationIntervalDays < 1) throw new AppError('BAD_INPUT', 'rotation interval must be a whole number of days ≥ 1');
  const dueAtMs = last + policy.rotationIntervalDays * DAY_MS;
  const diff = dueAtMs - now.getTime();
  const due = diff <= 0;
  return {
    due,
    dueAt: new Date(dueAtMs).toISOString(),
    daysLeft: due ? 0 : Math.ceil(diff / DAY_MS),
    overdueDays: due ? Math.max(0, Math.floor(-diff / DAY_MS)) : 0,
  };
}
