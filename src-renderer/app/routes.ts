import { useSyncExternalStore } from 'react';

/** Only screens that work are listed; the navigation grows as capabilities land. */
export const ROUTES = [
  { id: 'clusters', label: 'Clusters', href: '#/clusters' },
  { id: 'jobs', label: 'Jobs', href: '#/jobs' },
  { id: 'about', label: 'About & settings', href: '#/about' },
] as const;
export type RouteId = (typeof ROUTES)[number]['id'];
export const DEFAULT_ROUTE: RouteId = 'clusters';

/** Hash routes work the same from file:// (Electron) and from the web host. */
export function routeFromHash(hash: string): RouteId {
  const id = hash.replace(/^#\/?/, '');
  return ROUTES.find((r) => r.id === id)?.id ?? DEFAULT_ROUTE;
}

function subscribe(cb: () => void): () => void {
  window.addEventListener('hashchange', cb);
  return () => window.removeEventListener('hashchange', cb);
}

export function useRoute(): RouteId {
  return useSyncExternalStore(
    subscribe,
    () => routeFromHash(window.location.hash),
    () => DEFAULT_ROUTE,
  );
}
