import { create } from 'zustand';
import type { WireError } from '../../../src-shared/contract/core';
import type { Branding, ConfigVersion, ConfigView, Integration } from '../../../src-shared/contract/config';
import type { FieldChange } from '../../../src-shared/rules/tenant-config';

/** `cluster/tenant`: each tab is about one named tenant (no "current tenant"). */
export const configKey = (cluster: string, tenant: string): string => `${cluster}/${tenant}`;

export interface DiffResult {
  from: number;
  to: number;
  changes: FieldChange[];
}

/** Policies, configuration history, branding and integrations per tenant. Never a secret: integrations carry "secret stored" only. */
interface ConfigState {
  views: Record<string, ConfigView>;
  histories: Record<string, ConfigVersion[]>;
  diffs: Record<string, DiffResult>;
  brandings: Record<string, Branding>;
  integrations: Record<string, Integration[]>;
  errors: Record<string, WireError>;
  setView(key: string, v: ConfigView): void;
  setHistory(key: string, h: ConfigVersion[]): void;
  setDiff(key: string, d: DiffResult | null): void;
  setBranding(key: string, b: Branding): void;
  setIntegrations(key: string, rows: Integration[]): void;
  setError(key: string, e: WireError | null): void;
  reset(): void;
}

const initial = () => ({ views: {}, histories: {}, diffs: {}, brandings: {}, integrations: {}, errors: {} });
const without = <T,>(r: Record<string, T>, k: string): Record<string, T> => Object.fromEntries(Object.entries(r).filter(([x]) => x !== k));

export const useConfig = create<ConfigState>()((set) => ({
  ...initial(),
  setView: (key, v) => set((s) => ({ views: { ...s.views, [key]: v }, errors: without(s.errors, key) })),
  setHistory: (key, h) => set((s) => ({ histories: { ...s.histories, [key]: h } })),
  setDiff: (key, d) => set((s) => ({ diffs: d ? { ...s.diffs, [key]: d } : without(s.diffs, key) })),
  setBranding: (key, b) => set((s) => ({ brandings: { ...s.brandings, [key]: b } })),
  setIntegrations: (key, rows) => set((s) => ({ integrations: { ...s.integrations, [key]: rows } })),
  setError: (key, e) => set((s) => ({ errors: e ? { ...s.errors, [key]: e } : without(s.errors, key) })),
  reset: () => set(initial()),
}));
