import { useSyncExternalStore } from 'react';

/** Only screens that work are listed; the navigation grows as capabilities land. */
export const ROUTES = [
  { id: 'clusters', label: 'Clusters', href: '#/clusters' },
  { id: 'tenants', label: 'Tenants', href: '#/tenants' },
  { id: 'msp', label: 'MSP dashboard', href: '#/msp' },
  { id: 'isolation', label: 'Isolation', href: '#/isolation' },
  { id: 'access', label: 'Support & approvals', href: '#/access' },
  { id: 'audit', label: 'Audit', href: '#/audit' },
  { id: 'health', label: 'Health & capacity', href: '#/health' },
  { id: 'billing', label: 'Billing', href: '#/billing' },
  { id: 'analytics', label: 'Analytics', href: '#/analytics' },
  { id: 'migrations', label: 'Migration & export', href: '#/migrations' },
  { id: 'jobs', label: 'Jobs', href: '#/jobs' },
  { id: 'security', label: 'Security alerts', href: '#/security' },
  { id: 'about', label: 'About & settings', href: '#/about' },
] as const;
export type RouteId = (typeof ROUTES)[number]['id'];
export const DEFAULT_ROUTE: RouteId = 'clusters';

function segments(hash: string): string[] {
  return hash
    .replace(/^#\/?/, '')
    .split('/')
    .filter((s) => s.length > 0)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s; // a malformed escape is just an unknown name, not a crash
      }
    });
}

/** Hash routes work the same from file:// (Electron) and from the web host. The first segment picks the screen. */
export function routeFromHash(hash: string): RouteId {
  const id = segments(hash)[0] ?? '';
  return ROUTES.find((r) => r.id === id)?.id ?? DEFAULT_ROUTE;
}

/**
 * Where inside the Tenants screen: the list, the creation wizard, or one tenant. The tenant is
 * named by the route, never by a hidden "current tenant" (DESIGN §2).
 */
export type TenantRoute = { kind: 'list' } | { kind: 'new' } | { kind: 'detail'; cluster: string; tenant: string };

export function tenantRouteFromHash(hash: string): TenantRoute {
  const [head, a, b] = segments(hash);
  if (head !== 'tenants') return { kind: 'list' };
  if (a === 'new' && b === undefined) return { kind: 'new' };
  if (a !== undefined && b !== undefined) return { kind: 'detail', cluster: a, tenant: b };
  return { kind: 'list' };
}

function subscribe(cb: () => void): () => void {
  window.addEventListener('hashchange', cb);
  return () => window.removeEventListener('hashchange', cb);
}

/** The raw hash; a string, so React's snapshot comparison is cheap and stable. */
export function useHash(): string {
  return useSyncExternalStore(
    subscribe,
    () => window.location.hash,
    () => '',
  );
}

export function useRoute(): RouteId {
  return routeFromHash(useHash());
}

export function useTenantRoute(): TenantRoute {
  const hash = useHash();
  // Rebuilt per render from a string: cheap, and consumers compare fields, not identity.
  return tenantRouteFromHash(hash);
}
