import { PKI_ALGORITHMS, type PkiAlgorithm } from '../../src-shared/contract/pki';
import type { ComplianceMinimums, TenantPolicies } from '../../src-shared/rules/tenant-config';
import { AppError } from '../app/errors';

/**
 * A tenant's certificate policy as issuance applies it: the tenant's effective configuration
 * (`certificates.*`, `quotas.maxCertificates`) narrowed by its compliance profile's minimums.
 */
export interface CertPolicy {
  /** Algorithms a key may use, weakest first. */
  allowed: PkiAlgorithm[];
  /** Longest validity of a leaf certificate. */
  validityDays: number;
  /** Compliance cap on key age (also bounds the CA), null = none. */
  maxKeyAgeDays: number | null;
  approvalRequired: boolean;
  maxCertificates: number | null;
}

const BITS: Record<PkiAlgorithm, number> = { 'rsa-2048': 2048, 'rsa-3072': 3072, 'rsa-4096': 4096, 'ec-p256': 256, 'ec-p384': 384 };
const isRsa = (a: PkiAlgorithm): boolean => a.startsWith('rsa-');

export function certPolicy(p: TenantPolicies, m: ComplianceMinimums | null): CertPolicy {
  const minRsa = Math.max(p.certificates.minRsaBits, m?.minRsaBits ?? 0);
  const minEc = m?.minEcBits ?? 0;
  const allowed = PKI_ALGORITHMS.filter((a) => {
    if (isRsa(a)) return p.certificates.algorithms.includes('RSA') && BITS[a] >= minRsa;
    if (a === 'ec-p256') return p.certificates.algorithms.includes('ECDSA-P256') && 256 >= minEc;
    return p.certificates.algorithms.includes('ECDSA-P384') && 384 >= minEc;
  });
  const cap = m?.maxKeyAgeDays ?? null;
  return {
    allowed,
    validityDays: cap === null ? p.certificates.validityDays : Math.min(p.certificates.validityDays, cap),
    maxKeyAgeDays: cap,
    approvalRequired: p.certificates.approvalRequired,
    maxCertificates: p.quotas.maxCertificates,
  };
}

function describe(p: CertPolicy): string {
  return p.allowed.length ? p.allowed.join(', ') : 'none (the policy and the compliance profile leave no algorithm the console supports)';
}

/** The algorithm a request names, or the policy's default for leaves (P-256, else the weakest allowed RSA, else P-384). */
export function leafAlgorithm(p: CertPolicy, requested: PkiAlgorithm | undefined, what: string): PkiAlgorithm {
  if (requested !== undefined) {
    if (!p.allowed.includes(requested)) throw new AppError('BAD_INPUT', `${what}: algorithm ${requested} is not allowed by the tenant's certificate policy (allowed: ${describe(p)})`);
    return requested;
  }
  const pick = (['ec-p256', 'rsa-2048', 'rsa-3072', 'rsa-4096', 'ec-p384'] as const).find((a) => p.allowed.includes(a));
  if (!pick) throw new AppError('BAD_INPUT', `${what}: no key algorithm allowed (${describe(p)})`);
  return pick;
}

/** The CA's algorithm: what was asked (if allowed), else the strongest EC curve allowed, else the strongest allowed RSA. */
export function caAlgorithm(p: CertPolicy, requested: PkiAlgorithm | undefined): PkiAlgorithm {
  if (requested !== undefined) return leafAlgorithm(p, requested, 'CA');
  const pick = (['ec-p384', 'ec-p256', 'rsa-4096', 'rsa-3072', 'rsa-2048'] as const).find((a) => p.allowed.includes(a));
  if (!pick) throw new AppError('BAD_INPUT', `CA: no key algorithm allowed (${describe(p)})`);
  return pick;
}

/** A CSR's key must be an allowed algorithm (size included). */
export function checkCsrAlgorithm(p: CertPolicy, alg: PkiAlgorithm): void {
  if (!p.allowed.includes(alg)) throw new AppError('BAD_INPUT', `CSR: key algorithm ${alg} is not allowed by the tenant's certificate policy (allowed: ${describe(p)})`);
}

/** Leaf validity: asked (bounded by policy) or the policy's. */
export function leafValidity(p: CertPolicy, requested: number | undefined): number {
  if (requested !== undefined && requested > p.validityDays) throw new AppError('BAD_INPUT', `validity: ${requested} days is longer than the tenant's policy allows (${p.validityDays} days)`);
  return requested ?? p.validityDays;
}

/**
 * A leaf's notAfter within its CA's life. An expired CA (or one that ends before the leaf would
 * begin) signs nothing: CONFLICT. A validity the caller asked for that would outlast the CA is
 * refused (BAD_INPUT naming the CA's notAfter); the policy's default is clipped to the CA's end
 * and the clipping is said in `notice`.
 */
export function leafWindow(a: { now: Date; notBefore: Date; caNotAfter: Date; validityDays: number; requested: boolean }): { notAfter: Date; notice: string | null } {
  const caEnd = a.caNotAfter.toISOString();
  if (a.caNotAfter.getTime() <= a.now.getTime() || a.caNotAfter.getTime() <= a.notBefore.getTime()) {
    throw new AppError('CONFLICT', `the tenant CA expired on ${caEnd}; rotate it (a new tenant CA) before issuing or renewing certificates`);
  }
  const wanted = new Date(a.now.getTime() + a.validityDays * 86_400_000);
  if (wanted.getTime() <= a.caNotAfter.getTime()) return { notAfter: wanted, notice: null };
  const daysLeft = Math.floor((a.caNotAfter.getTime() - a.now.getTime()) / 86_400_000);
  if (a.requested) {
    throw new AppError('BAD_INPUT', `validity: ${a.validityDays} days would outlast the tenant CA, which expires on ${caEnd} (${daysLeft} days left); ask for at most ${daysLeft} days, or rotate the CA`);
  }
  return { notAfter: a.caNotAfter, notice: `validity clipped to the tenant CA's own end (${caEnd}): the policy's ${a.validityDays} days would outlast it; rotate the CA` };
}

/** CA validity: asked, or ten years; never past a compliance key-age cap. */
export function caValidity(p: CertPolicy, requested: number | undefined): number {
  const cap = p.maxKeyAgeDays;
  if (requested !== undefined && cap !== null && requested > cap) throw new AppError('BAD_INPUT', `CA validity: ${requested} days is longer than the compliance profile allows (${cap} days)`);
  return requested ?? (cap === null ? 3650 : cap);
}
