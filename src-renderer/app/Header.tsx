import { Swatch } from '../features/tenants/bits';
import { tenantKey, useTenants } from '../features/tenants/store';
import { useTenantRoute } from './routes';
import { describeScope, useSession } from './stores/session';
import { ThemeToggle } from './ThemeToggle';

/** One chip per cluster the operator is signed in to: role and scope, never a password. */
function SessionChips() {
  const scopes = useSession((s) => s.scopes);
  const entries = Object.entries(scopes).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0)
    return (
      <span className="muted small" data-testid="header-no-session">
        Not signed in to any cluster
      </span>
    );
  return (
    <ul className="session-chips" aria-label="Signed-in sessions">
      {entries.map(([cluster, s]) => (
        <li key={cluster} className={`chip${s.platform ? ' chip-accent' : ''}`} data-testid={`session-chip-${cluster}`}>
          <code className="mono">{cluster}</code>
          <span className="chip-sep" aria-hidden="true">
            ·
          </span>
          <span className="strong">{s.role}</span>
          <span className="chip-sep" aria-hidden="true">
            ·
          </span>
          <span>{describeScope(s)}</span>
        </li>
      ))}
    </ul>
  );
}

/**
 * While the operator works inside a tenant (its route names it), the header carries that
 * tenant's name and colour, so no action is taken on the wrong tenant by mistake.
 */
function TenantBrand() {
  const route = useTenantRoute();
  const cluster = route.kind === 'detail' ? route.cluster : '';
  const id = route.kind === 'detail' ? route.tenant : '';
  const t = useTenants((s) => (id ? (s.details[tenantKey(cluster, id)]?.tenant ?? s.tenants.find((x) => x.cluster === cluster && x.id === id)) : undefined));
  // Only a tenant this console has actually read: a refused or unknown id gets no branding.
  if (route.kind !== 'detail' || !t) return null;
  return (
    <div className="tenant-brand" data-testid="tenant-brand" aria-label={`Working in tenant ${t.name}`} data-color={t.color ?? ''}>
      <Swatch color={t.color} size={14} />
      <span className="strong">{t.name}</span>
      <code className="mono muted small">
        {cluster}/{id}
      </code>
    </div>
  );
}

export function Header() {
  return (
    <header className="app-header">
      <div className="brand">
        <svg className="brand-mark" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
          <path d="M12 2 4 5v6c0 5 3.4 9.3 8 11 4.6-1.7 8-6 8-11V5l-8-3Z" fill="none" stroke="currentColor" strokeWidth="2" strokeLinejoin="round" />
          <path d="m8.5 12 2.5 2.5 4.5-5" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" />
        </svg>
        <span className="brand-name">Cassandra Security Manager</span>
      </div>
      <TenantBrand />
      <div className="header-sessions">
        <SessionChips />
      </div>
      <ThemeToggle />
    </header>
  );
}
