import { useEffect, useMemo, useState } from 'react';
import type { Saga, TenantDetail, TenantSummary } from '../../../src-shared/contract/tenants';
import { canTransition } from '../../../src-shared/rules/lifecycle';
import { useClient } from '../../app/client';
import { useSession } from '../../app/stores/session';
import { Badge, ErrorCode, YesNo } from '../../ui/Badge';
import { ComplianceTab } from '../compliance/ComplianceTab';
import { BrandingTab, ConfigurationTab, PoliciesTab, TenantBrandingFrame } from '../config/ConfigTabs';
import { UsersTab } from '../users/UsersTab';
import { KeysTab } from '../keys/KeysTab';
import { CertificatesTab } from '../pki/CertificatesTab';
import { AuditTab } from '../audit/AuditTab';
import { AvailabilityTab } from '../availability/AvailabilityTab';
import { UsageTab } from '../resources/UsageTab';
import { QuotasTab } from '../resources/QuotasTab';
import { BackupsTab } from '../portability/BackupsTab';
import { loadTenant, resumeTenant } from './actions';
import { StateBadge, Swatch, tenantHref, when } from './bits';
import { SagaCard, SagaStateBadge } from './SagaView';
import { tenantKey, useTenants } from './store';
import { Tabs, type TabDef } from './Tabs';
import { CloneTenantDialog, DeleteTenantDialog, SuspendDialog } from './TenantDialogs';

type TabId = 'overview' | 'keyspaces' | 'roles' | 'users' | 'policies' | 'configuration' | 'branding' | 'jobs' | 'keys' | 'certificates' | 'audit' | 'availability' | 'usage' | 'quotas' | 'backups' | 'compliance';
const TABS: readonly TabDef<TabId>[] = [
  { id: 'overview', label: 'Overview' },
  { id: 'keyspaces', label: 'Keyspaces' },
  { id: 'roles', label: 'Roles' },
  { id: 'users', label: 'Users' },
  { id: 'policies', label: 'Policies' },
  { id: 'configuration', label: 'Configuration' },
  { id: 'branding', label: 'Branding' },
  { id: 'jobs', label: 'Jobs' },
  { id: 'keys', label: 'Keys' },
  { id: 'certificates', label: 'Certificates' },
  { id: 'audit', label: 'Audit' },
  { id: 'availability', label: 'Availability' },
  { id: 'usage', label: 'Usage' },
  { id: 'quotas', label: 'Quotas' },
  { id: 'backups', label: 'Backups' },
  { id: 'compliance', label: 'Compliance' },
];
type Open = 'suspend' | 'delete' | 'clone' | null;

export function TenantDetailPage({ cluster, tenant }: { cluster: string; tenant: string }) {
  const client = useClient();
  const key = tenantKey(cluster, tenant);
  const detail = useTenants((s) => s.details[key]);
  const error = useTenants((s) => s.detailErrors[key]);
  const row = useTenants((s) => s.tenants.find((t) => t.cluster === cluster && t.id === tenant));
  const sagas = useTenants((s) => s.sagas);
  const platform = useSession((s) => s.scopes[cluster]?.platform === true);
  const [tab, setTab] = useState<TabId>('overview');
  const [open, setOpen] = useState<Open>(null);
  const [busy, setBusy] = useState(false);
  /** Jobs started from this page (a clone's saga names the new tenant, so it is tracked here). */
  const [startedHere, setStartedHere] = useState<{ jobId: string; label: string; href?: string }[]>([]);

  useEffect(() => {
    void loadTenant(client, cluster, tenant);
  }, [client, cluster, tenant]);

  const summary: TenantSummary | undefined = detail?.tenant ?? row;
  const jobs = useMemo(() => mergeJobs(detail?.jobs ?? [], Object.values(sagas), cluster, tenant), [detail?.jobs, sagas, cluster, tenant]);

  if (!summary) {
    return (
      <div className="page" data-testid="tenant-detail">
        <Breadcrumb cluster={cluster} tenant={tenant} />
        {error ? (
          <div className="empty-state" data-testid="tenant-detail-error">
            <p>
              <ErrorCode code={error.code} />
              <span>
                Could not open tenant <code className="mono">{tenant}</code> on <code className="mono">{cluster}</code>: {error.message}
              </span>
            </p>
            <button type="button" className="btn" onClick={() => void loadTenant(client, cluster, tenant)}>
              Try again
            </button>
          </div>
        ) : (
          <p className="muted" aria-busy="true">
            Loading tenant…
          </p>
        )}
      </div>
    );
  }

  const state = summary.state;
  const why = platform ? null : `needs platform scope on ${cluster}`;
  const canSuspend = platform && canTransition(state, 'suspended');
  const canResume = platform && state === 'suspended' && canTransition(state, 'active');
  const canDelete = platform && canTransition(state, 'decommissioning');
  const canClone = platform && (state === 'active' || state === 'suspended');
  const refused = (ok: boolean, action: string): string | undefined => (ok ? undefined : (why ?? `a ${state} tenant cannot be ${action}`));

  const resume = async (): Promise<void> => {
    setBusy(true);
    await resumeTenant(client, cluster, tenant);
    setBusy(false);
  };

  return (
    <div className="page" data-testid="tenant-detail" data-state={state}>
      <Breadcrumb cluster={cluster} tenant={tenant} />
      <TenantBrandingFrame cluster={cluster} tenant={tenant}>
        <header className="page-header">
          <div>
            <h1 className="tenant-title">
              <Swatch color={summary.color} size={18} />
              <span data-testid="tenant-title">{summary.name}</span>
              <code className="mono muted">{summary.id}</code>
              <StateBadge state={state} />
              {summary.online ? null : (
                <Badge tone="warning" testId="tenant-cached">
                  cached
                </Badge>
              )}
            </h1>
            <p className="muted">
              on <code className="mono">{cluster}</code> · {summary.tier} · {summary.isolation} isolation{detail ? ` · your access: ${detail.access}` : ''}
            </p>
          </div>
          <div className="page-actions">
            <button type="button" className="btn" onClick={() => void loadTenant(client, cluster, tenant)} data-testid="reload-tenant">
              Reload
            </button>
            {state === 'suspended' ? (
              <button type="button" className="btn btn-primary" disabled={!canResume || busy} title={refused(canResume, 'resumed')} onClick={() => void resume()} data-testid="tenant-resume">
                {busy ? 'Resuming…' : 'Resume'}
              </button>
            ) : (
              <button type="button" className="btn" disabled={!canSuspend} title={refused(canSuspend, 'suspended')} onClick={() => setOpen('suspend')} data-testid="tenant-suspend">
                Suspend
              </button>
            )}
            <button type="button" className="btn" disabled={!canClone} title={refused(canClone, 'cloned')} onClick={() => setOpen('clone')} data-testid="tenant-clone">
              Clone
            </button>
            <button type="button" className="btn btn-danger" disabled={!canDelete} title={refused(canDelete, 'deleted')} onClick={() => setOpen('delete')} data-testid="tenant-delete">
              Delete
            </button>
          </div>
        </header>
      </TenantBrandingFrame>

      {error && detail ? (
        <p className="form-error" role="alert" data-testid="tenant-detail-stale">
          <ErrorCode code={error.code} /> Could not re-read the tenant: {error.message}. Below is what was last read, not the current state.
        </p>
      ) : null}

      {startedHere.map((j) => {
        const s = sagas[j.jobId];
        return s ? (
          <div key={j.jobId} className="started-job">
            <SagaCard saga={s} title={j.label} />
            {j.href && s.state === 'succeeded' ? (
              <a className="btn btn-small" href={j.href} data-testid="open-clone">
                Open {j.label.replace(/^Clone into /, '')}
              </a>
            ) : null}
          </div>
        ) : (
          <p key={j.jobId} className="muted" aria-busy="true">
            {j.label}: started (<code className="mono">{j.jobId}</code>)…
          </p>
        );
      })}

      <Tabs<TabId> tabs={TABS} current={tab} onChange={setTab} label={`Tenant ${tenant}`}>
        {tab === 'overview' ? <Overview summary={summary} detail={detail} /> : null}
        {tab === 'keyspaces' ? <Keyspaces detail={detail} /> : null}
        {tab === 'roles' ? <Roles detail={detail} /> : null}
        {tab === 'jobs' ? <Jobs jobs={jobs} /> : null}
        {tab === 'users' ? <UsersTab cluster={cluster} tenant={tenant} /> : null}
        {tab === 'policies' ? <PoliciesTab cluster={cluster} tenant={tenant} /> : null}
        {tab === 'configuration' ? <ConfigurationTab cluster={cluster} tenant={tenant} /> : null}
        {tab === 'branding' ? <BrandingTab cluster={cluster} tenant={tenant} /> : null}
        {tab === 'keys' ? <KeysTab cluster={cluster} tenant={tenant} /> : null}
        {tab === 'certificates' ? <CertificatesTab cluster={cluster} tenant={tenant} /> : null}
        {tab === 'audit' ? <AuditTab cluster={cluster} tenant={tenant} /> : null}
        {tab === 'availability' ? <AvailabilityTab cluster={cluster} tenant={tenant} /> : null}
        {tab === 'usage' ? <UsageTab cluster={cluster} tenant={tenant} /> : null}
        {tab === 'quotas' ? <QuotasTab cluster={cluster} tenant={tenant} /> : null}
        {tab === 'backups' ? <BackupsTab cluster={cluster} tenant={tenant} /> : null}
        {tab === 'compliance' ? <ComplianceTab cluster={cluster} tenant={tenant} /> : null}
      </Tabs>

      {open === 'suspend' ? <SuspendDialog cluster={cluster} tenant={tenant} onClose={() => setOpen(null)} /> : null}
      {open === 'delete' ? (
        <DeleteTenantDialog cluster={cluster} tenant={tenant} onClose={() => setOpen(null)} onStarted={(jobId) => setStartedHere((l) => [...l, { jobId, label: `Deletion of ${tenant}` }])} />
      ) : null}
      {open === 'clone' ? (
        <CloneTenantDialog
          cluster={cluster}
          tenant={tenant}
          onClose={() => setOpen(null)}
          onStarted={(jobId, newId) => setStartedHere((l) => [...l, { jobId, label: `Clone into ${newId}`, href: tenantHref(cluster, newId) }])}
        />
      ) : null}
    </div>
  );
}

function Breadcrumb({ cluster, tenant }: { cluster: string; tenant: string }) {
  return (
    <p className="breadcrumb">
      <a href="#/tenants" data-testid="back-to-tenants">
        Tenants
      </a>{' '}
      / <code className="mono">{cluster}</code> / <code className="mono">{tenant}</code>
    </p>
  );
}

function mergeJobs(fromDetail: Saga[], seen: Saga[], cluster: string, tenant: string): Saga[] {
  const byId = new Map<string, Saga>();
  for (const s of fromDetail) byId.set(s.jobId, s);
  for (const s of seen) {
    if (s.cluster !== cluster || s.tenantId !== tenant) continue;
    const old = byId.get(s.jobId);
    if (!old || old.updatedAt <= s.updatedAt) byId.set(s.jobId, s);
  }
  return [...byId.values()].sort((a, b) => (a.startedAt < b.startedAt ? 1 : -1));
}

function Record_({ entries, empty, testId }: { entries: [string, string][]; empty: string; testId: string }) {
  if (entries.length === 0) return <p className="muted">{empty}</p>;
  return (
    <dl className="kv" data-testid={testId}>
      {entries.map(([k, v]) => (
        <div key={k} className="kv-pair">
          <dt>
            <code className="mono">{k}</code>
          </dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

function Overview({ summary: t, detail }: { summary: TenantSummary; detail: TenantDetail | undefined }) {
  const sorted = <V,>(r: Record<string, V>): [string, V][] => Object.entries(r).sort(([a], [b]) => a.localeCompare(b));
  return (
    <div className="details tenant-overview">
      <section className="card" aria-labelledby="ov-registry">
        <div className="card-header">
          <h3 id="ov-registry">Registry</h3>
        </div>
        <dl className="kv" data-testid="tenant-registry">
          <dt>Id</dt>
          <dd>
            <code className="mono">{t.id}</code>
          </dd>
          <dt>Name</dt>
          <dd>{t.name}</dd>
          <dt>State</dt>
          <dd>
            <StateBadge state={t.state} />
            {detail?.suspendedAt ? <span className="muted small"> since {when(detail.suspendedAt)}</span> : null}
          </dd>
          <dt>Tier</dt>
          <dd>{t.tier}</dd>
          <dt>Cluster</dt>
          <dd>
            <code className="mono">{t.cluster}</code>
          </dd>
          <dt>Isolation</dt>
          <dd>{t.isolation}</dd>
          <dt>Data centres</dt>
          <dd>{t.dataCenters.length ? t.dataCenters.map((d) => <code key={d} className="mono dc">{d}</code>) : '—'}</dd>
          <dt>Template</dt>
          <dd>
            <code className="mono">{t.template}</code>
          </dd>
          <dt>Colour</dt>
          <dd>
            <Swatch color={t.color} /> <code className="mono">{t.color ?? '—'}</code>
          </dd>
          <dt>Created</dt>
          <dd>{when(t.createdAt)}</dd>
          <dt>Updated</dt>
          <dd>{when(t.updatedAt)}</dd>
          <dt>Source</dt>
          <dd>{t.online ? 'live registry' : `cached copy from ${when(t.syncedAt)}`}</dd>
        </dl>
      </section>
      {detail ? (
        <>
          <section className="card" aria-labelledby="ov-config">
            <div className="card-header">
              <h3 id="ov-config">Configuration at provisioning</h3>
            </div>
            <p className="muted" data-testid="ov-config-note">
              What the template wrote when the tenant was created. The effective, versioned policies (and their history) are on the Policies and Configuration tabs.
            </p>
            <Record_ entries={sorted(detail.config)} empty="No configuration." testId="tenant-config" />
          </section>
          <section className="card" aria-labelledby="ov-features">
            <div className="card-header">
              <h3 id="ov-features">Features at provisioning</h3>
            </div>
            {Object.keys(detail.features).length === 0 ? (
              <p className="muted">No feature flags.</p>
            ) : (
              <dl className="kv" data-testid="tenant-features">
                {sorted(detail.features).map(([k, on]) => (
                  <div key={k} className="kv-pair">
                    <dt>
                      <code className="mono">{k}</code>
                    </dt>
                    <dd>
                      <YesNo value={on} />
                    </dd>
                  </div>
                ))}
              </dl>
            )}
          </section>
          <section className="card" aria-labelledby="ov-quotas">
            <div className="card-header">
              <h3 id="ov-quotas">Quotas at provisioning</h3>
            </div>
            <Record_ entries={sorted(detail.quotas).map(([k, n]) => [k, n.toLocaleString()])} empty="No quotas." testId="tenant-quotas" />
          </section>
        </>
      ) : null}
    </div>
  );
}

function NotLoaded() {
  return (
    <p className="muted" aria-busy="true">
      Loading…
    </p>
  );
}

function Keyspaces({ detail }: { detail: TenantDetail | undefined }) {
  if (!detail) return <NotLoaded />;
  if (detail.keyspaces.length === 0) return <p className="muted">No keyspaces.</p>;
  return (
    <div className="table-wrap">
      <table className="table" data-testid="tenant-keyspaces">
        <caption className="sr-only">Keyspaces</caption>
        <thead>
          <tr>
            <th scope="col">Keyspace</th>
            <th scope="col">Tables</th>
            <th scope="col">Replication</th>
          </tr>
        </thead>
        <tbody>
          {detail.keyspaces.map((k) => (
            <tr key={k.name} data-testid={`keyspace-${k.name}`}>
              <th scope="row">
                <code className="mono">{k.name}</code>
              </th>
              <td>{k.tables.length ? <ul className="inline-list">{k.tables.map((t) => <li key={t}><code className="mono">{t}</code></li>)}</ul> : <span className="muted">none</span>}</td>
              <td>
                <code className="mono small">
                  {Object.entries(k.replication)
                    .map(([a, b]) => `${a.replace('org.apache.cassandra.locator.', '')}=${b}`)
                    .join(', ')}
                </code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Roles({ detail }: { detail: TenantDetail | undefined }) {
  if (!detail) return <NotLoaded />;
  if (detail.roles.length === 0) return <p className="muted">No roles.</p>;
  return (
    <div className="table-wrap">
      <table className="table" data-testid="tenant-roles">
        <caption className="sr-only">Roles</caption>
        <thead>
          <tr>
            <th scope="col">Role</th>
            <th scope="col">Kind</th>
            <th scope="col">Login</th>
            <th scope="col">Member of</th>
            <th scope="col">Data centres</th>
          </tr>
        </thead>
        <tbody>
          {detail.roles.map((r) => (
            <tr key={r.name} data-testid={`role-${r.name}`}>
              <th scope="row">
                <code className="mono">{r.name}</code>
              </th>
              <td>{r.kind}</td>
              <td data-testid="role-login">
                <YesNo value={r.login} />
              </td>
              <td>{r.memberOf.length ? r.memberOf.map((m) => <code key={m} className="mono dc">{m}</code>) : <span className="muted">—</span>}</td>
              <td>
                <code className="mono">{r.dataCenters}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Jobs({ jobs }: { jobs: Saga[] }) {
  if (jobs.length === 0) return <p className="muted">No provisioning, deletion or clone jobs recorded for this tenant.</p>;
  return (
    <div className="saga-list" data-testid="tenant-jobs">
      {jobs.map((s) =>
        s.state === 'failed' || s.state === 'running' || s.state === 'rolling_back' ? (
          <SagaCard key={s.jobId} saga={s} />
        ) : (
          <details key={s.jobId} className="card saga-summary" data-testid={`saga-row-${s.jobId}`} data-state={s.state}>
            <summary>
              {s.kind} · <SagaStateBadge state={s.state} /> · {when(s.startedAt)} by <code className="mono">{s.startedBy}</code>
            </summary>
            <SagaCard saga={s} />
          </details>
        ),
      )}
    </div>
  );
}
