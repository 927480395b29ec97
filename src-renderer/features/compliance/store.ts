import { create } from 'zustand';
import type { WireError } from '../../../src-shared/contract/core';
import type { ComplianceProfile, ComplianceScan } from '../../../src-shared/contract/compliance';

/** `cluster/tenant`: the tab is always about one named tenant (no "current tenant"). */
export const complianceKey = (cluster: string, tenant: string): string => `${cluster}/${tenant}`;

/** The tenant Compliance tab's state: profile and last scan per tenant. Names and CQL only — never a secret. */
interface ComplianceState {
  profiles: Record<string, ComplianceProfile>;
  scans: Record<string, ComplianceScan>;
  profileErrors: Record<string, WireError>;
  scanErrors: Record<string, WireError>;
  scanning: Record<string, boolean>;
  setProfile(key: string, p: ComplianceProfile): void;
  setProfileError(key: string, e: WireError): void;
  setScanning(key: string, on: boolean): void;
  setScan(key: string, s: ComplianceScan): void;
  setScanError(key: string, e: WireError): void;
  reset(): void;
}

const initial = () => ({ profiles: {}, scans: {}, profileErrors: {}, scanErrors: {}, scanning: {} });
const without = <T,>(r: Record<string, T>, k: string): Record<string, T> => Object.fromEntries(Object.entries(r).filter(([x]) => x !== k));

export const useCompliance = create<ComplianceState>()((set) => ({
  ...initial(),
  setProfile: (key, p) => set((s) => ({ profiles: { ...s.profiles, [key]: p }, profileErrors: without(s.profileErrors, key) })),
  setProfileError: (key, e) => set((s) => ({ profileErrors: { ...s.profileErrors, [key]: e } })),
  setScanning: (key, on) => set((s) => ({ scanning: { ...s.scanning, [key]: on } })),
  // A scan carries the profile it compared with: the newer read wins for both.
  setScan: (key, sc) => set((s) => ({ scans: { ...s.scans, [key]: sc }, profiles: { ...s.profiles, [key]: sc.profile }, scanErrors: without(s.scanErrors, key), scanning: { ...s.scanning, [key]: false } })),
  setScanError: (key, e) => set((s) => ({ scanErrors: { ...s.scanErrors, [key]: e }, scanning: { ...s.scanning, [key]: false } })),
  reset: () => set(initial()),
}));
