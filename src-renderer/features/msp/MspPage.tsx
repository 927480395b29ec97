import { useEffect, useId, useMemo } from 'react';
import { HEALTH_LEVELS, type BulkSummary, type ClusterTotals, type HealthLevel } from '../../../src-shared/contract/msp';
import { TENANT_STATES, type TenantState } from '../../../src-shared/rules/lifecycle';
import { useClient } from '../../app/client';
import { Badge, ErrorCode } from '../../ui/Badge';
import { Dialog } from '../../ui/Dialog';
import { when } from '../tenants/bits';
import { loadDashboard, loadRecent, openOperation, subscribeBulk } from './actions';
import { BulkDialog } from './BulkDialog';
import { DashboardTable } from './DashboardTable';
import { filterRows, rowKey, useMsp } from './store';
import './msp.css';

const toggle = <T,>(xs: readonly T[], x: T): T[] => (xs.includes(x) ? xs.filter((y) => y !== x) : [...xs, x]);

function Totals({ clusters }: { clusters: ClusterTotals[] }) {
  const notes = clusters.flatMap((c) => c.sources.filter((s) => s.status === 'unavailable' || s.status === 'pending').map((s) => ({ c: c.cluster, ...s })));
  return (
    <section className="card msp-totals" aria-labelledby="msp-totals-title" data-testid="msp-totals">
      <header className="card-header">
        <h2 id="msp-totals-title">Per cluster</h2>
      </header>
      <div className="table-wrap">
        <table className="table table-compact">
          <thead>
            <tr>
              {['Cluster', 'Tenants', 'Active', 'Suspended', 'Healthy', 'Warning', 'Critical', 'Unknown', 'Findings (crit/warn)', 'Rotation due', 'Approvals pending'].map((h) => (
                <th key={h} scope="col">
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {clusters.map((c) => (
              <tr key={c.cluster} data-testid={`msp-totals-${c.cluster}`}>
                <th scope="row">
                  <code className="mono">{c.cluster}</code> {c.online ? null : <Badge tone="warning">offline (cached)</Badge>}
                </th>
                <td className="num" data-testid="msp-total-tenants">
                  {c.tenants}
                </td>
                <td className="num">{c.byState['active'] ?? 0}</td>
                <td className="num">{c.byState['suspended'] ?? 0}</td>
                <td className="num">{c.byHealth.healthy}</td>
                <td className="num">{c.byHealth.warning}</td>
                <td className="num">{c.byHealth.critical}</td>
                <td className="num">{c.byHealth.unknown}</td>
                <td className="num">{c.online ? `${c.findings.critical}/${c.findings.warning}` : '—'}</td>
                <td className="num">{c.online ? c.rotationDue : '—'}</td>
                <td className="num">{c.pendingApprovals ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {notes.length ? (
        <ul className="muted small" data-testid="msp-sources">
          {notes.map((n) => (
            <li key={`${n.c}-${n.source}`}>
              {`${n.c} · ${n.source}: ${n.status === 'pending' ? 'still reading' : 'unknown'} — ${n.message ?? ''}`}
            </li>
          ))}
        </ul>
      ) : null}
      <p className="muted small" data-testid="msp-metering">
        Usage metering not yet available: the usage column shows keyspaces, tables and users from the registry and the schema.
      </p>
    </section>
  );
}

function Recent({ recent }: { recent: BulkSummary[] }) {
  const client = useClient();
  if (recent.length === 0) return <p className="muted small">No bulk operations recorded yet.</p>;
  return (
    <div className="table-wrap">
      <table className="table table-compact" data-testid="bulk-recent">
        <thead>
          <tr>
            <th scope="col">Started</th>
            <th scope="col">By</th>
            <th scope="col">Action</th>
            <th scope="col">Selection</th>
            <th scope="col">State</th>
            <th scope="col">Results</th>
            <th scope="col">
              <span className="sr-only">Open</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {recent.map((s) => (
            <tr key={s.id} data-testid={`bulk-recent-${s.id}`}>
              <td className="nowrap">{when(s.startedAt)}</td>
              <td>{s.startedBy}</td>
              <td>{s.action.action}</td>
              <td className="small">{s.selection}</td>
              <td>
                <Badge tone={s.state === 'finished' ? (s.counts.failed ? 'warning' : 'success') : s.state === 'running' ? 'info' : 'danger'}>{s.state}</Badge>
              </td>
              <td className="small">{`${s.counts.ok} ok · ${s.counts.skipped} skipped · ${s.counts['awaiting-approval']} awaiting · ${s.counts.failed} failed`}</td>
              <td>
                <button type="button" className="btn btn-small" onClick={() => void openOperation(client, s.id)} data-testid={`bulk-open-${s.id}`}>
                  Results
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** MSP dashboard across tenants and bulk operations (issue 6 item 5). */
export function MspPage() {
  const client = useClient();
  const filterId = useId();
  const { dashboard, status, error, filter, selected, step, recent, recentError, opened, setFilter, toggle: toggleRow, setSelected, setStep, clearSelection, setOpened } = useMsp();

  useEffect(() => {
    void loadDashboard(client);
    void loadRecent(client);
    return subscribeBulk(client);
  }, [client]);

  const rows = useMemo(() => (dashboard ? filterRows(dashboard.rows, filter) : []), [dashboard, filter]);
  const targets = useMemo(
    () =>
      (dashboard?.rows ?? [])
        .filter((r) => r.online && selected[rowKey(r)])
        .map((r) => ({ cluster: r.cluster, tenant: r.id })),
    [dashboard, selected],
  );
  const closeDialog = (): void => {
    const ended = step.kind === 'running' && step.op !== null;
    setStep({ kind: 'closed' });
    if (ended) clearSelection();
  };

  return (
    <div className="page" data-testid="msp-page">
      <header className="page-header">
        <div>
          <h1>MSP dashboard</h1>
          <p className="muted">Every tenant of every cluster this console is signed in to with platform scope — state, health, isolation findings, keys, compliance, usage at a glance — and bulk operations with a dry-run preview. Clusters you are not signed in to show their cached rows.</p>
        </div>
        <div className="page-actions">
          <button type="button" className="btn" onClick={() => void loadDashboard(client, true)} disabled={status === 'loading'} data-testid="msp-refresh">
            {status === 'loading' ? 'Loading…' : 'Refresh'}
          </button>
          <button type="button" className="btn btn-primary" disabled={targets.length === 0} onClick={() => setStep({ kind: 'choose' })} data-testid="msp-bulk">
            {`Bulk action… (${targets.length})`}
          </button>
        </div>
      </header>

      {status === 'error' && error ? (
        <div className="empty-state" data-testid="msp-error">
          <p>
            <ErrorCode code={error.code} /> {error.code === 'NOT_SIGNED_IN' || error.code === 'FORBIDDEN' ? 'Sign in to a cluster with platform scope first.' : `Could not load the dashboard: ${error.message}`}
          </p>
          <a href="#/clusters">Clusters</a>
        </div>
      ) : null}

      {dashboard ? (
        <>
          <Totals clusters={dashboard.clusters} />
          <div className="filter-bar" role="search" aria-label="Filter tenants">
            <div className="field filter-text">
              <label htmlFor={filterId}>Filter</label>
              <input id={filterId} type="search" value={filter.text} placeholder="id, name, cluster, tier, template" onChange={(e) => setFilter({ text: e.target.value })} spellCheck={false} autoComplete="off" data-testid="msp-filter" />
            </div>
            <fieldset className="filter-group">
              <legend>State</legend>
              {TENANT_STATES.filter((s) => s !== 'deleted').map((s: TenantState) => (
                <label key={s} className="filter-chip">
                  <input type="checkbox" checked={filter.states.includes(s)} onChange={() => setFilter({ states: toggle(filter.states, s) })} data-testid={`msp-state-${s}`} />
                  {s}
                </label>
              ))}
            </fieldset>
            <fieldset className="filter-group">
              <legend>Health</legend>
              {HEALTH_LEVELS.map((h: HealthLevel) => (
                <label key={h} className="filter-chip">
                  <input type="checkbox" checked={filter.health.includes(h)} onChange={() => setFilter({ health: toggle(filter.health, h) })} data-testid={`msp-health-${h}`} />
                  {h}
                </label>
              ))}
            </fieldset>
          </div>
          <div className="msp-selection">
            <p className="muted small" aria-live="polite" data-testid="msp-count">
              {`Showing ${rows.length.toLocaleString()} of ${dashboard.rows.length.toLocaleString()} tenants · ${targets.length} selected · built in ${dashboard.tookMs} ms`}
            </p>
            {targets.length ? (
              <button type="button" className="btn btn-small" onClick={clearSelection} data-testid="msp-clear">
                Clear selection
              </button>
            ) : null}
          </div>
          <DashboardTable rows={rows} selected={selected} onToggle={toggleRow} onToggleAll={(on) => setSelected(rows.filter((r) => r.online).map(rowKey), on)} />
        </>
      ) : status !== 'error' ? (
        <div className="empty-state">
          <p className="muted">Loading the dashboard…</p>
        </div>
      ) : null}

      <section className="card" aria-labelledby="bulk-recent-title">
        <header className="card-header">
          <h2 id="bulk-recent-title">Recent bulk operations</h2>
        </header>
        {recentError ? (
          <p className="muted small">
            <ErrorCode code={recentError.code} /> {recentError.message}
          </p>
        ) : (
          <Recent recent={recent} />
        )}
      </section>

      {step.kind !== 'closed' ? <BulkDialog targets={step.kind === 'running' ? step.started.plan.map((p) => ({ cluster: p.cluster, tenant: p.tenant })) : targets} onClose={closeDialog} /> : null}
      {opened ? (
        <Dialog title={`Bulk ${opened.action.action}: ${opened.state}`} onClose={() => setOpened(null)} size="wide" testId="bulk-opened">
          <p className="muted small">{`${opened.selection} · by ${opened.startedBy} at ${when(opened.startedAt)} · recorded on ${opened.recordedOn.join(', ')}`}</p>
          <div className="table-wrap msp-plan">
            <table className="table table-compact">
              <thead>
                <tr>
                  <th scope="col">Tenant</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Message</th>
                </tr>
              </thead>
              <tbody>
                {opened.results.map((r) => (
                  <tr key={rowKey(r)}>
                    <th scope="row">
                      <code className="mono">{`${r.cluster}/${r.tenant}`}</code>
                    </th>
                    <td>
                      {r.outcome} {r.code && r.outcome !== 'ok' ? <code className="error-code">{r.code}</code> : null}
                    </td>
                    <td className="small">{r.message ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="dialog-actions">
            <button type="button" className="btn btn-primary" onClick={() => setOpened(null)}>
              Close
            </button>
          </div>
        </Dialog>
      ) : null}
    </div>
  );
}
