import { create } from 'zustand';

export type ThemePreference = 'system' | 'light' | 'dark';
export type Theme = 'light' | 'dark';

export const THEME_STORAGE_KEY = 'csm.theme';

function readStored(): ThemePreference {
  try {
    const v = globalThis.localStorage?.getItem(THEME_STORAGE_KEY);
    return v === 'light' || v === 'dark' ? v : 'system';
  } catch {
    return 'system'; // storage disabled: fall back to the OS preference
  }
}

function writeStored(p: ThemePreference): void {
  try {
    if (p === 'system') globalThis.localStorage?.removeItem(THEME_STORAGE_KEY);
    else globalThis.localStorage?.setItem(THEME_STORAGE_KEY, p);
  } catch {
    /* not persisted; the choice still holds for this window */
  }
}

export function systemTheme(): Theme {
  const mq = typeof globalThis.matchMedia === 'function' ? globalThis.matchMedia('(prefers-color-scheme: dark)') : null;
  return mq?.matches ? 'dark' : 'light';
}

export function resolveTheme(p: ThemePreference): Theme {
  return p === 'system' ? systemTheme() : p;
}

/** `system` leaves the attribute off so the CSS media query follows the OS live. */
export function applyTheme(p: ThemePreference, root: HTMLElement | undefined = globalThis.document?.documentElement): void {
  if (!root) return;
  if (p === 'system') delete root.dataset.theme;
  else root.dataset.theme = p;
}

interface ThemeState {
  preference: ThemePreference;
  setPreference(p: ThemePreference): void;
  /** Flip what is on screen now; from then on the choice is explicit and persisted. */
  toggle(): void;
  reset(): void;
}

export const useTheme = create<ThemeState>()((set, get) => ({
  preference: readStored(),
  setPreference(p) {
    writeStored(p);
    applyTheme(p);
    set({ preference: p });
  },
  toggle() {
    get().setPreference(resolveTheme(get().preference) === 'dark' ? 'light' : 'dark');
  },
  reset: () => set({ preference: 'system' }),
}));
