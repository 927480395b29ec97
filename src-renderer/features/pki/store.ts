import { create } from 'zustand';
import type { WireError } from '../../../src-shared/contract/core';
import type { CaInfo, CertificateInfo } from '../../../src-shared/contract/pki';
import type { ChannelOutput } from '../../../src-shared/contract';

export type ExpiryReport = ChannelOutput<'cert.expiryReport'>;
export type CrlResult = ChannelOutput<'cert.crl'>;

/** The inventory filter, sent to `cert.list` as is (main filters; the UI never second-guesses it). */
export interface CertFilter {
  status: 'all' | 'active' | 'revoked' | 'expired';
  type: 'all' | 'client' | 'node';
  /** Empty: no expiry filter; else whole days (0–3650). Kept as typed so a half-typed number is not lost. */
  expiringWithinDays: string;
  text: string;
}
export const NO_FILTER: CertFilter = { status: 'all', type: 'all', expiringWithinDays: '', text: '' };

/**
 * The tenant's certificate policy as the dialogs narrow choices with it: from `config.show`, or
 * unknown with the reason (main enforces the tenant's own policy either way).
 */
export type CertPolicyView =
  | { source: 'tenant'; validityDays: number; minRsaBits: number; algorithms: readonly string[]; approvalRequired: boolean; maxCertificates: number | null }
  | { source: 'unknown'; reason: string };

export const pkiKey = (cluster: string, tenant: string): string => `${cluster}/${tenant}`;

/**
 * Certificates of each tenant this console looked at, keyed by cluster/tenant. Certificates and
 * CA chains are public; nothing secret is kept here: private keys never reach the renderer and a
 * PKCS#12 password lives only in its dialog's state until the call is made.
 */
interface PkiState {
  /** undefined: not read yet; null: the tenant has no CA. */
  ca: Record<string, CaInfo | null>;
  caErrors: Record<string, WireError>;
  certs: Record<string, CertificateInfo[]>;
  listErrors: Record<string, WireError>;
  /** The filter the shown list was read with (a later answer to an older filter is dropped). */
  listedWith: Record<string, string>;
  reports: Record<string, ExpiryReport>;
  reportErrors: Record<string, WireError>;
  policies: Record<string, CertPolicyView>;
  filters: Record<string, CertFilter>;
  lastCrl: Record<string, CrlResult>;
  setCa(key: string, ca: CaInfo | null): void;
  setCaError(key: string, e: WireError | null): void;
  setCerts(key: string, certs: CertificateInfo[], filterSig: string): void;
  setListError(key: string, e: WireError | null): void;
  setReport(key: string, r: ExpiryReport): void;
  setReportError(key: string, e: WireError | null): void;
  setPolicy(key: string, p: CertPolicyView): void;
  setFilter(key: string, f: Partial<CertFilter>): void;
  setCrl(key: string, c: CrlResult): void;
  reset(): void;
}

function withError(map: Record<string, WireError>, key: string, e: WireError | null): Record<string, WireError> {
  const { [key]: _gone, ...rest } = map;
  return e ? { ...rest, [key]: e } : rest;
}

const EMPTY = { ca: {}, caErrors: {}, certs: {}, listErrors: {}, listedWith: {}, reports: {}, reportErrors: {}, policies: {}, filters: {}, lastCrl: {} };

export const usePki = create<PkiState>()((set) => ({
  ...EMPTY,
  setCa: (key, ca) => set((s) => ({ ca: { ...s.ca, [key]: ca } })),
  setCaError: (key, e) => set((s) => ({ caErrors: withError(s.caErrors, key, e) })),
  setCerts: (key, certs, filterSig) => set((s) => ({ certs: { ...s.certs, [key]: certs }, listedWith: { ...s.listedWith, [key]: filterSig } })),
  setListError: (key, e) => set((s) => ({ listErrors: withError(s.listErrors, key, e) })),
  setReport: (key, r) => set((s) => ({ reports: { ...s.reports, [key]: r } })),
  setReportError: (key, e) => set((s) => ({ reportErrors: withError(s.reportErrors, key, e) })),
  setPolicy: (key, p) => set((s) => ({ policies: { ...s.policies, [key]: p } })),
  setFilter: (key, f) => set((s) => ({ filters: { ...s.filters, [key]: { ...(s.filters[key] ?? NO_FILTER), ...f } } })),
  setCrl: (key, c) => set((s) => ({ lastCrl: { ...s.lastCrl, [key]: c } })),
  reset: () => set({ ...EMPTY }),
}));
