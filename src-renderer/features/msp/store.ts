import { create } from 'zustand';
import type { WireError } from '../../../src-shared/contract/core';
import type { BulkApplyOutput, BulkOperation, BulkResult, BulkSummary, Dashboard, DashboardRow, HealthLevel } from '../../../src-shared/contract/msp';
import type { TenantState } from '../../../src-shared/rules/lifecycle';
import type { LoadStatus } from '../../app/stores/appInfo';

export const rowKey = (r: { cluster: string; id?: string; tenant?: string }): string => `${r.cluster}/${r.id ?? r.tenant ?? ''}`;

export interface MspFilter {
  text: string;
  states: TenantState[];
  health: HealthLevel[];
}

/** The bulk dialog: choose an action → preview (dry run) → apply → live results. */
export type BulkStep = { kind: 'closed' } | { kind: 'choose' } | { kind: 'preview'; preview: BulkApplyOutput } | { kind: 'running'; started: BulkApplyOutput; results: Record<string, BulkResult>; done: number; op: BulkOperation | null };

interface MspState {
  dashboard: Dashboard | null;
  status: LoadStatus;
  error: WireError | null;
  filter: MspFilter;
  /** Selected rows by `cluster/id`. */
  selected: Record<string, true>;
  step: BulkStep;
  busy: boolean;
  recent: BulkSummary[];
  recentError: WireError | null;
  opened: BulkOperation | null;
  setLoading(): void;
  setDashboard(d: Dashboard): void;
  setError(e: WireError): void;
  setFilter(f: Partial<MspFilter>): void;
  toggle(key: string): void;
  setSelected(keys: string[], on: boolean): void;
  clearSelection(): void;
  setStep(s: BulkStep): void;
  setBusy(b: boolean): void;
  liveResult(p: { id: string; done: number; result: BulkResult }): void;
  finished(op: BulkOperation): void;
  setRecent(r: BulkSummary[]): void;
  setRecentError(e: WireError): void;
  setOpened(op: BulkOperation | null): void;
  reset(): void;
}

const initial = () => ({
  dashboard: null as Dashboard | null,
  status: 'idle' as LoadStatus,
  error: null as WireError | null,
  filter: { text: '', states: [], health: [] } as MspFilter,
  selected: {} as Record<string, true>,
  step: { kind: 'closed' } as BulkStep,
  busy: false,
  recent: [] as BulkSummary[],
  recentError: null as WireError | null,
  opened: null as BulkOperation | null,
});

export const useMsp = create<MspState>()((set) => ({
  ...initial(),
  setLoading: () => set({ status: 'loading', error: null }),
  setDashboard: (dashboard) =>
    set((s) => {
      // A selected tenant that left the dashboard (deleted, cluster signed out) is unselected.
      const present = new Set(dashboard.rows.filter((r) => r.online).map(rowKey));
      const selected = Object.fromEntries(Object.keys(s.selected).filter((k) => present.has(k)).map((k) => [k, true as const]));
      return { dashboard, status: 'ready', error: null, selected };
    }),
  setError: (error) => set({ status: 'error', error }),
  setFilter: (f) => set((s) => ({ filter: { ...s.filter, ...f } })),
  toggle: (key) =>
    set((s) => {
      const next = { ...s.selected };
      if (next[key]) delete next[key];
      else next[key] = true;
      return { selected: next };
    }),
  setSelected: (keys, on) =>
    set((s) => {
      const next = { ...s.selected };
      for (const k of keys) {
        if (on) next[k] = true;
        else delete next[k];
      }
      return { selected: next };
    }),
  clearSelection: () => set({ selected: {} }),
  setStep: (step) => set({ step }),
  setBusy: (busy) => set({ busy }),
  liveResult: (p) =>
    set((s) => {
      if (s.step.kind !== 'running' || s.step.started.id !== p.id) return {};
      return { step: { ...s.step, results: { ...s.step.results, [rowKey(p.result)]: p.result }, done: Math.max(s.step.done, p.done) } };
    }),
  finished: (op) => set((s) => (s.step.kind === 'running' && s.step.started.id === op.id ? { step: { ...s.step, op, results: Object.fromEntries(op.results.map((r) => [rowKey(r), r])) } } : {})),
  setRecent: (recent) => set({ recent, recentError: null }),
  setRecentError: (recentError) => set({ recentError }),
  setOpened: (opened) => set({ opened }),
  reset: () => set(initial()),
}));

/** Rows the filter keeps (text over id, name, cluster, tier, template; states; health levels). */
export function filterRows(rows: readonly DashboardRow[], f: MspFilter): DashboardRow[] {
  const terms = f.text.toLowerCase().split(/\s+/).filter((t) => t.length > 0);
  const states = f.states.length ? new Set<string>(f.states) : null;
  const health = f.health.length ? new Set<string>(f.health) : null;
  return rows.filter((r) => {
    if (states && !states.has(r.state)) return false;
    if (health && !health.has(r.health.level)) return false;
    if (terms.length === 0) return true;
    const hay = `${r.id}\u0000${r.name.toLowerCase()}\u0000${r.cluster}\u0000${r.tier}\u0000${r.template}`;
    return terms.every((t) => hay.includes(t));
  });
}
