import { useSyncExternalStore } from 'react';
import { resolveTheme, useTheme } from './stores/theme';

function subscribeSystem(cb: () => void): () => void {
  if (typeof window.matchMedia !== 'function') return () => {};
  const mq = window.matchMedia('(prefers-color-scheme: dark)');
  mq.addEventListener('change', cb);
  return () => mq.removeEventListener('change', cb);
}

export function ThemeToggle() {
  const preference = useTheme((s) => s.preference);
  const toggle = useTheme((s) => s.toggle);
  // Re-render when the OS flips while we follow it, so the label stays true.
  const current = useSyncExternalStore(subscribeSystem, () => resolveTheme(preference), () => 'light' as const);
  const next = current === 'dark' ? 'light' : 'dark';
  return (
    <button type="button" className="btn btn-ghost btn-small" onClick={toggle} data-testid="theme-toggle" aria-label={`Switch to ${next} theme`}>
      <span aria-hidden="true">{current === 'dark' ? '☀' : '☾'}</span>
      <span className="theme-toggle-text">{next === 'dark' ? 'Dark' : 'Light'}</span>
    </button>
  );
}
