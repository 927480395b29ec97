import type { WireError } from '../../../src-shared/contract/core';
import { commonNameSchema, outPathSchema, PKI_ALGORITHMS, sanSchema, MAX_SANS, type CertificateInfo, type PkiAlgorithm, type RevocationReason } from '../../../src-shared/contract/pki';
import type { CertFilter, CertPolicyView } from './store';

/** What a mutating dialog shows after its call: done, filed for a second person, or refused in place. */
export type Outcome<T> = { kind: 'done'; value: T } | { kind: 'approval'; requestId: string | null; message: string } | { kind: 'error'; error: WireError };

/** The approval gate names the request it filed ("… request <id> filed; …"); null if it did not. */
export function approvalRequestId(message: string): string | null {
  const m = /\brequest ([A-Za-z0-9_-]+) filed\b/.exec(message);
  return m?.[1] ?? null;
}

export const ALGORITHM_LABEL: Record<PkiAlgorithm, string> = {
  'rsa-2048': 'RSA 2048',
  'rsa-3072': 'RSA 3072',
  'rsa-4096': 'RSA 4096',
  'ec-p256': 'ECDSA P-256',
  'ec-p384': 'ECDSA P-384',
};

export const REASON_LABEL: Record<RevocationReason, string> = {
  unspecified: 'Unspecified',
  keyCompromise: 'Key compromise',
  cACompromise: 'CA compromise',
  affiliationChanged: 'Affiliation changed',
  superseded: 'Superseded',
  cessationOfOperation: 'Cessation of operation',
  privilegeWithdrawn: 'Privilege withdrawn',
};

function rsaBits(a: PkiAlgorithm): number | null {
  const m = /^rsa-(\d+)$/.exec(a);
  return m ? Number(m[1]) : null;
}

/** Is this contract algorithm one the tenant's certificate policy allows? (main checks again) */
export function policyAllows(policy: CertPolicyView, a: PkiAlgorithm): boolean {
  if (policy.source !== 'tenant') return true;
  const bits = rsaBits(a);
  if (bits !== null) return policy.algorithms.includes('RSA') && bits >= policy.minRsaBits;
  return policy.algorithms.includes(a === 'ec-p256' ? 'ECDSA-P256' : 'ECDSA-P384');
}

/** The algorithms a dialog offers: the contract's, narrowed by the tenant's policy when it is known. */
export function allowedAlgorithms(policy: CertPolicyView): PkiAlgorithm[] {
  return PKI_ALGORITHMS.filter((a) => policyAllows(policy, a));
}

/** SANs, one per line (blank lines ignored), each checked with the contract's own rule. */
export function parseSans(text: string): { sans: string[]; error: string | null } {
  const sans = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  if (sans.length > MAX_SANS) return { sans, error: `at most ${MAX_SANS} SANs (${sans.length} given)` };
  for (const [i, s] of sans.entries()) {
    const r = sanSchema.safeParse(s);
    if (!r.success) return { sans, error: `line ${i + 1} (${s.length > 40 ? `${s.slice(0, 40)}…` : s}): ${r.error.issues[0]?.message ?? 'not a SAN'}` };
  }
  return { sans, error: null };
}

/** Inline checks before a call, with the contract's own messages; null when fine or still empty. */
export function commonNameProblem(cn: string): string | null {
  if (!cn.trim()) return null;
  const r = commonNameSchema.safeParse(cn);
  return r.success ? null : (r.error.issues[0]?.message ?? 'not a common name');
}

export function pathProblem(p: string): string | null {
  if (!p) return null;
  const r = outPathSchema.safeParse(p);
  return r.success ? null : (r.error.issues[0]?.message ?? 'not a path');
}

/** An optional whole number of days within [min, max]: undefined when empty, an error string when bad. */
export function daysValue(text: string, min: number, max: number): { value: number | undefined; error: string | null } {
  const t = text.trim();
  if (!t) return { value: undefined, error: null };
  if (!/^\d+$/.test(t)) return { value: undefined, error: 'whole days' };
  const n = Number(t);
  if (n < min || n > max) return { value: undefined, error: `between ${min} and ${max} days` };
  return { value: n, error: null };
}

/** `cert.list` input of a filter (the expiry field is only sent when it is a valid number). */
export function listInput(cluster: string, tenant: string, f: CertFilter) {
  const days = daysValue(f.expiringWithinDays, 0, 3650);
  const text = f.text.trim().slice(0, 200);
  return {
    cluster,
    tenant,
    status: f.status,
    type: f.type,
    ...(days.value !== undefined ? { expiringWithinDays: days.value } : {}),
    ...(text ? { text } : {}),
  };
}

export const filterSignature = (f: CertFilter): string => JSON.stringify(listInput('', '', f));

/** The CSS class of a row's expiry colouring (from the contract's bucket; revoked rows are not coloured). */
export function expiryClass(c: Pick<CertificateInfo, 'status' | 'expiryBucket'>): string {
  if (c.status === 'revoked') return 'cert-revoked';
  if (c.status === 'expired' || c.expiryBucket === 'expired') return 'cert-expiry-expired';
  return c.expiryBucket ? `cert-expiry-${c.expiryBucket}` : 'cert-expiry-none';
}

export function daysLeftText(c: Pick<CertificateInfo, 'daysLeft' | 'status'>): string {
  if (c.daysLeft < 0) return `${-c.daysLeft} d ago`;
  if (c.daysLeft === 0) return '< 1 d';
  return `${c.daysLeft} d`;
}

export const day = (iso: string | null | undefined): string => (iso ? iso.slice(0, 10) : '—');
export const stamp = (iso: string | null | undefined): string => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '—');

/** A SHA-256 fingerprint as colon-separated upper-case pairs, as openssl prints it (input may already be). */
export function colonHex(hex: string): string {
  const h = hex.replace(/[^0-9a-fA-F]/g, '').toUpperCase();
  return h.match(/.{1,2}/g)?.join(':') ?? hex;
}
