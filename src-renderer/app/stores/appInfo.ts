import { create } from 'zustand';
import type { AppInfo } from '../../../src-shared/contract/app';
import type { WireError } from '../../../src-shared/contract/core';

export type LoadStatus = 'idle' | 'loading' | 'ready' | 'error';

interface AppInfoState {
  info: AppInfo | null;
  status: LoadStatus;
  error: WireError | null;
  /** Start-up notices the operator closed in this window; they come back on reload on purpose. */
  dismissedNotices: number[];
  setLoading(): void;
  setInfo(info: AppInfo): void;
  setError(err: WireError): void;
  dismissNotice(index: number): void;
  reset(): void;
}

const initial = { info: null, status: 'idle' as LoadStatus, error: null, dismissedNotices: [] as number[] };

export const useAppInfo = create<AppInfoState>()((set) => ({
  ...initial,
  setLoading: () => set({ status: 'loading', error: null }),
  setInfo: (info) => set({ info, status: 'ready', error: null, dismissedNotices: [] }),
  setError: (error) => set({ status: 'error', error }),
  dismissNotice: (i) => set((s) => ({ dismissedNotices: [...s.dismissedNotices, i] })),
  reset: () => set({ ...initial, dismissedNotices: [] }),
}));
