import { useDeferredValue, useEffect, useId, useMemo } from 'react';
import { TENANT_STATES, type TenantState } from '../../../src-shared/rules/lifecycle';
import { filterTenants } from '../../../src-shared/rules/tenant-filter';
import { useClient } from '../../app/client';
import { useTenantRoute } from '../../app/routes';
import { ErrorCode } from '../../ui/Badge';
import { newTenantHref } from './bits';
import { loadTenants } from './actions';
import { CreateTenantWizard } from './CreateTenantWizard';
import { TenantDetailPage } from './TenantDetailPage';
import { useTenants } from './store';
import { TenantsTable } from './TenantsTable';

/** `#/tenants`, `#/tenants/new`, `#/tenants/<cluster>/<id>`: one screen, three places. */
export function TenantsScreen() {
  const route = useTenantRoute();
  if (route.kind === 'new') return <CreateTenantWizard />;
  if (route.kind === 'detail') return <TenantDetailPage key={`${route.cluster}/${route.tenant}`} cluster={route.cluster} tenant={route.tenant} />;
  return <TenantsPage />;
}

function toggle<T>(list: readonly T[], v: T): T[] {
  return list.includes(v) ? list.filter((x) => x !== v) : [...list, v];
}

export function TenantsPage() {
  const client = useClient();
  const tenants = useTenants((s) => s.tenants);
  const status = useTenants((s) => s.status);
  const error = useTenants((s) => s.error);
  const filter = useTenants((s) => s.filter);
  const setFilter = useTenants((s) => s.setFilter);
  const filterId = useId();

  // The local mirror: cheap to read on every visit, so a sign-in made meanwhile shows up.
  useEffect(() => {
    void loadTenants(client);
  }, [client]);

  // Typing stays responsive on 10,000 rows: the filter runs on the deferred value.
  const deferred = useDeferredValue(filter);
  const rows = useMemo(() => filterTenants(tenants, deferred), [tenants, deferred]);
  const clusters = useMemo(() => [...new Set(tenants.map((t) => t.cluster))].sort(), [tenants]);
  const offline = useMemo(() => tenants.filter((t) => !t.online).length, [tenants]);

  return (
    <div className="page" data-testid="tenants-page">
      <header className="page-header">
        <div>
          <h1>Tenants</h1>
          <p className="muted">Every tenant of every cluster this console knows, from the registry mirror. Rows of clusters you are not signed in to are cached copies.</p>
        </div>
        <div className="page-actions">
          <button type="button" className="btn" onClick={() => void loadTenants(client, true)} disabled={status === 'loading'} data-testid="refresh-tenants">
            {status === 'loading' ? 'Refreshing…' : 'Refresh'}
          </button>
          <a className="btn btn-primary" href={newTenantHref} data-testid="new-tenant">
            New tenant
          </a>
        </div>
      </header>

      <div className="filter-bar" role="search" aria-label="Filter tenants">
        <div className="field filter-text">
          <label htmlFor={filterId}>Filter</label>
          <input
            id={filterId}
            type="search"
            value={filter.text}
            placeholder="id, name, cluster, template, tier"
            onChange={(e) => setFilter({ text: e.target.value })}
            spellCheck={false}
            autoComplete="off"
            data-testid="tenant-filter"
          />
        </div>
        <fieldset className="filter-group">
          <legend>State</legend>
          {TENANT_STATES.map((s: TenantState) => (
            <label key={s} className="filter-chip">
              <input type="checkbox" checked={filter.states.includes(s)} onChange={() => setFilter({ states: toggle(filter.states, s) })} data-testid={`filter-state-${s}`} />
              {s}
            </label>
          ))}
        </fieldset>
        {clusters.length > 1 ? (
          <fieldset className="filter-group">
            <legend>Cluster</legend>
            {clusters.map((c) => (
              <label key={c} className="filter-chip">
                <input type="checkbox" checked={filter.clusters.includes(c)} onChange={() => setFilter({ clusters: toggle(filter.clusters, c) })} data-testid={`filter-cluster-${c}`} />
                <code className="mono">{c}</code>
              </label>
            ))}
          </fieldset>
        ) : null}
      </div>

      <p className="muted small" aria-live="polite" data-testid="tenants-count">
        Showing {rows.length.toLocaleString()} of {tenants.length.toLocaleString()} tenants
        {offline > 0 ? ` · ${offline.toLocaleString()} cached (cluster not signed in)` : ''}
      </p>

      {status === 'error' && error && tenants.length === 0 ? (
        <div className="empty-state" data-testid="tenants-error">
          <p>
            <ErrorCode code={error.code} /> Could not load tenants: {error.message}
          </p>
          <button type="button" className="btn" onClick={() => void loadTenants(client)}>
            Try again
          </button>
        </div>
      ) : null}

      {status !== 'error' && tenants.length === 0 ? (
        <div className="empty-state" data-testid="tenants-empty">
          <p className="muted">{status === 'loading' || status === 'idle' ? 'Loading tenants…' : 'No tenants yet. Sign in to a cluster with platform scope and create one.'}</p>
        </div>
      ) : null}

      {tenants.length > 0 ? <TenantsTable rows={rows} sort={filter.sort} onSort={(sort) => setFilter({ sort })} /> : null}
    </div>
  );
}
