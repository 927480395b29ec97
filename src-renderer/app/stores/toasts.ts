import { create } from 'zustand';
import type { WireError } from '../../../src-shared/contract/core';

export type ToastKind = 'error' | 'success' | 'info';

export interface Toast {
  id: number;
  kind: ToastKind;
  /** Stable error code for failures (monospace badge), null for confirmations. */
  code: string | null;
  message: string;
  /** What was being done: the channel name(s) that produced it. */
  source: string | null;
  /** Identical toasts collapse into one with a count instead of burying the screen. */
  count: number;
}

interface ToastState {
  toasts: Toast[];
  nextId: number;
  push(t: Omit<Toast, 'id' | 'count'>): number;
  error(err: WireError, source?: string | null): number;
  success(message: string, source?: string | null): number;
  dismiss(id: number): void;
  reset(): void;
}

/** Older toasts fall off first; errors are never auto-dismissed, so this bounds the pile. */
export const MAX_TOASTS = 6;

const initial = { toasts: [] as Toast[], nextId: 1 };

export const useToasts = create<ToastState>()((set, get) => ({
  ...initial,
  push(t) {
    const same = get().toasts.find((x) => x.kind === t.kind && x.code === t.code && x.message === t.message);
    if (same) {
      const sources = same.source?.split(', ') ?? [];
      const source = t.source && !sources.includes(t.source) ? [...sources, t.source].join(', ') : same.source;
      set((s) => ({ toasts: s.toasts.map((x) => (x.id === same.id ? { ...x, count: x.count + 1, source } : x)) }));
      return same.id;
    }
    const id = get().nextId;
    set((s) => ({ nextId: id + 1, toasts: [...s.toasts, { ...t, id, count: 1 }].slice(-MAX_TOASTS) }));
    return id;
  },
  error: (err, source = null) => get().push({ kind: 'error', code: err.code, message: err.message, source }),
  success: (message, source = null) => get().push({ kind: 'success', code: null, message, source }),
  dismiss: (id) => set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })),
  reset: () => set({ ...initial, toasts: [] }),
}));
