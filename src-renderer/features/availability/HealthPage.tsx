import { useEffect, useMemo, useState } from 'react';
import type { ClusterHealth, OverviewRow } from '../../../src-shared/contract/availability';
import { useClient } from '../../app/client';
import { useSession } from '../../app/stores/session';
import { Badge, ErrorCode } from '../../ui/Badge';
import { VirtualRows } from '../../ui/VirtualRows';
import { loadCapacity, loadHealth } from './actions';
import { useAvailability } from './store';
import './availability.css';

/** Must equal the CSS height of .avail-row. */
const OVERVIEW_ROW_HEIGHT = 34;
const pct = (p: number | null): string => (p === null ? '—' : `${p.toFixed(3)} %`);

function Nodes({ h }: { h: ClusterHealth }) {
  return (
    <div className="health-dcs">
      {h.dcs.map((d) => (
        <div key={d.name} className="avail-figure" data-testid={`health-dc-${d.name}`}>
          <div>
            <strong>{d.name}</strong> · {d.up} up{d.down ? `, ${d.down} down` : ''}
          </div>
          <ul className="inline-list">
            {d.nodes.map((n) => (
              <li key={n.address} data-testid="health-node" data-up={n.up ? 'true' : 'false'}>
                <span className="mono">{n.address}</span> {n.up ? <Badge tone="success">up</Badge> : <Badge tone="danger">down</Badge>}{' '}
                <span className="muted small">
                  {n.rack ?? ''} {n.releaseVersion ?? ''}
                </span>
              </li>
            ))}
          </ul>
        </div>
      ))}
    </div>
  );
}

function Overview({ cluster, rows, total, below }: { cluster: string; rows: OverviewRow[]; total: number; below: number }) {
  const [onlyBelow, setOnlyBelow] = useState(false);
  const [filter, setFilter] = useState('');
  const shown = useMemo(() => rows.filter((r) => (!onlyBelow || r.below) && (!filter || r.tenant.includes(filter.trim()))), [rows, onlyBelow, filter]);
  return (
    <>
      <div className="page-actions">
        <span className="small" data-testid={`overview-count-${cluster}`}>
          {total} probed tenants, {below} below target
        </span>
        <label className="radio">
          <input type="checkbox" checked={onlyBelow} onChange={(e) => setOnlyBelow(e.target.checked)} /> only below target
        </label>
        <label className="sr-only" htmlFor={`overview-filter-${cluster}`}>
          Filter tenants
        </label>
        <input id={`overview-filter-${cluster}`} placeholder="tenant id…" value={filter} onChange={(e) => setFilter(e.target.value)} />
      </div>
      <VirtualRows
        items={shown}
        rowHeight={OVERVIEW_ROW_HEIGHT}
        rowKey={(r) => r.tenant}
        rowClassName="avail-row"
        rowAttrs={(r) => ({ 'data-below': r.below ? 'true' : 'false', 'data-testid': `overview-${r.tenant}` })}
        label={`Availability of the tenants of ${cluster}`}
        fallbackHeight={300}
        testId={`overview-${cluster}`}
        header={
          <div role="row" className="avail-row">
            <span role="columnheader">Tenant</span>
            <span role="columnheader">24 h</span>
            <span role="columnheader">30 d</span>
            <span role="columnheader">Target</span>
            <span role="columnheader">Budget left (30 d)</span>
            <span role="columnheader">Last probe</span>
          </div>
        }
        renderRow={(r) => (
          <>
            <span role="cell">
              <a href={`#/tenants/${encodeURIComponent(cluster)}/${encodeURIComponent(r.tenant)}`}>{r.tenant}</a>
            </span>
            <span role="cell">{pct(r.percent24h)}</span>
            <span role="cell">{pct(r.percent30d)}</span>
            <span role="cell">{r.target} %</span>
            <span role="cell">{r.budgetLeftMinutes30d.toFixed(1)} min</span>
            <span role="cell" className="small">
              {r.lastOk ? <Badge tone="success">ok</Badge> : <Badge tone="danger">failed</Badge>} {r.lastAt}
            </span>
          </>
        )}
        empty={<p className="muted small">No tenant of {cluster} has been probed by this console yet.</p>}
      />
    </>
  );
}

/** Cluster health and capacity (issue 12): nodes per DC, every tenant's availability, capacity against thresholds. */
export function HealthPage() {
  const client = useClient();
  const scopes = useSession((s) => s.scopes);
  const clusters = useMemo(() => Object.values(scopes).filter((s) => s.platform).map((s) => s.cluster).sort(), [scopes]);
  const health = useAvailability((s) => s.health);
  const healthErrors = useAvailability((s) => s.healthErrors);
  const overview = useAvailability((s) => s.overview);
  const capacity = useAvailability((s) => s.capacity);
  const capacityError = useAvailability((s) => s.capacityError);
  const [busy, setBusy] = useState(false);

  const refresh = async (): Promise<void> => {
    setBusy(true);
    await Promise.all(clusters.map((c) => loadHealth(client, c)));
    if (clusters.length) await loadCapacity(client);
    setBusy(false);
  };
  // Re-read when the set of platform clusters changes (a sign-in), not on every store update.
  const signedIn = clusters.join(',');
  useEffect(() => {
    void refresh();
  }, [client, signedIn]);

  return (
    <div className="page" data-testid="health-page">
      <div className="page-header">
        <h2>Health &amp; capacity</h2>
        <div className="page-actions">
          <button type="button" className="btn btn-small" onClick={() => void refresh()} disabled={busy} data-testid="health-refresh">
            {busy ? 'Refreshing…' : 'Refresh'}
          </button>
        </div>
      </div>
      {clusters.length === 0 ? <p className="empty-state">Sign in to a cluster with platform scope to see its health and capacity.</p> : null}

      {capacity ? (
        <section className="card" data-testid="capacity">
          <div className="card-header">
            <h3>Capacity</h3>
          </div>
          <div className="table-wrap">
            <table className="table table-compact">
              <caption className="sr-only">Tenants, keyspaces and tables per cluster against thresholds</caption>
              <thead>
                <tr>
                  <th scope="col">Cluster</th>
                  <th scope="col">Status</th>
                  <th scope="col">Nodes</th>
                  <th scope="col">Tenants</th>
                  <th scope="col">Keyspaces</th>
                  <th scope="col">Tables</th>
                  <th scope="col">Checks</th>
                </tr>
              </thead>
              <tbody>
                {capacity.clusters.map((c) => (
                  <tr key={c.cluster} data-testid={`capacity-${c.cluster}`} data-status={c.status}>
                    <td>{c.cluster}</td>
                    <td>
                      <Badge tone={c.status === 'ok' ? 'success' : c.status === 'warn' ? 'warning' : 'danger'}>{c.status}</Badge>
                    </td>
                    <td>{c.nodes}</td>
                    <td>{c.tenants}</td>
                    <td>{c.keyspaces}</td>
                    <td>{c.tables}</td>
                    <td className="small">{c.error ?? c.checks.map((k) => `${k.name} ${k.value} (warn ${k.warn}, fail ${k.fail})`).join(' · ')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p className="small" data-testid="capacity-placement">
            {capacity.placement ? `Next tenant goes to ${capacity.placement.chosen ?? 'no cluster'}: ${capacity.placement.reason}` : `Placement unknown: ${capacity.placementError}`}
          </p>
          <ul className="muted small">
            {Object.entries(capacity.thresholds).map(([k, t]) => (
              <li key={k}>
                {k}: warn {t.warn}, fail {t.fail} — {t.note}
              </li>
            ))}
          </ul>
        </section>
      ) : capacityError ? (
        <p className="form-error" role="alert">
          <ErrorCode code={capacityError.code} /> {capacityError.message}
        </p>
      ) : null}

      {clusters.map((c) => {
        const h = health[c];
        const e = healthErrors[c];
        const o = overview[c];
        return (
          <section key={c} className="card" data-testid={`health-${c}`}>
            <div className="card-header">
              <h3>{c}</h3>
              {h ? (
                <div className="card-actions">
                  <Badge tone={h.down ? 'danger' : 'success'} testId={`health-summary-${c}`}>
                    {h.up} up, {h.down} down
                  </Badge>
                  <span className="small">
                    {h.tenantsFailing} of {h.tenantsProbed} probed tenants failing
                  </span>
                </div>
              ) : null}
            </div>
            {e ? (
              <p className="form-error" role="alert">
                <ErrorCode code={e.code} /> {e.message}
              </p>
            ) : null}
            {h ? <Nodes h={h} /> : null}
            {o ? <Overview cluster={c} rows={o.rows} total={o.total} below={o.below} /> : null}
          </section>
        );
      })}
    </div>
  );
}
