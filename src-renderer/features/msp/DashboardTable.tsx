import type { DashboardRow, HealthLevel } from '../../../src-shared/contract/msp';
import { Badge, type Tone } from '../../ui/Badge';
import { VirtualRows } from '../../ui/VirtualRows';
import { StateBadge, tenantHref, when } from '../tenants/bits';
import { rowKey } from './store';

/** Must equal `.msp-row` height in msp.css. */
export const MSP_ROW_HEIGHT = 44;

export const HEALTH_TONE: Record<HealthLevel, Tone> = { healthy: 'success', warning: 'warning', critical: 'danger', unknown: 'neutral' };

const HEADERS = ['Tenant', 'Cluster', 'State', 'Health', 'Isolation', 'Keys', 'Compliance', 'Usage', 'Appr./supp.'];

function Isolation({ r }: { r: DashboardRow }) {
  if (!r.online) return <span className="muted">—</span>;
  if (!r.isolation) return <span className="muted">not scanned</span>;
  const { critical, warning } = r.isolation;
  if (critical + warning === 0) return <Badge tone="success">clean</Badge>;
  return <Badge tone={critical ? 'danger' : 'warning'}>{`${critical} crit · ${warning} warn`}</Badge>;
}

function Keys({ r }: { r: DashboardRow }) {
  if (!r.keys) return <span className="muted">{r.online ? 'unknown' : '—'}</span>;
  if (r.keys.rotationDue) return <Badge tone="warning">{r.keys.overdueDays > 0 ? `overdue ${r.keys.overdueDays} d` : 'rotation due'}</Badge>;
  return (
    <span className="small" title={r.keys.unfinished ? 'An interrupted rotation: rotating again finishes it' : `${r.keys.daysLeft} days until the next rotation is due`}>
      {r.keys.unfinished ? 'unfinished' : `${r.keys.daysLeft} d left`}
    </span>
  );
}

function Compliance({ r }: { r: DashboardRow }) {
  if (!r.compliance) return <span className="muted">{r.online ? 'unknown' : '—'}</span>;
  const fw = r.compliance.frameworks.length ? r.compliance.frameworks.join(', ') : 'none';
  return (
    <span className="small" title={fw}>
      {fw}
      {r.compliance.fail !== null ? ` · ${r.compliance.pass ?? 0} pass / ${r.compliance.fail} fail` : ''}
    </span>
  );
}

function Usage({ r }: { r: DashboardRow }) {
  if (!r.usage) return <span className="muted">—</span>;
  const u = r.usage;
  return (
    <span className="small" title={`${u.keyspaces} keyspaces, ${u.tables ?? 'unknown'} tables, ${u.roles} roles of which ${u.users} users — from the registry and the schema; usage metering (requests, storage) is not yet available`}>
      {`${u.keyspaces} ks · ${u.tables ?? '?'} tbl · ${u.users} usr`}
    </span>
  );
}

function Pending({ r }: { r: DashboardRow }) {
  const a = r.pending.approvals;
  const s = r.pending.support;
  if (a === null && s === null) return <span className="muted">—</span>;
  return <span className="small" title={`${a ?? 'unknown'} approval request(s) pending, ${s ?? 'unknown'} support request(s) or window(s) open`}>{`${a ?? '?'} / ${s ?? '?'}`}</span>;
}

export function DashboardTable({ rows, selected, onToggle, onToggleAll }: { rows: readonly DashboardRow[]; selected: Record<string, true>; onToggle(key: string): void; onToggleAll(on: boolean): void }) {
  const selectable = rows.filter((r) => r.online);
  const all = selectable.length > 0 && selectable.every((r) => selected[rowKey(r)]);
  return (
    <VirtualRows
      items={rows}
      rowHeight={MSP_ROW_HEIGHT}
      label="Tenants across clusters"
      testId="msp-table"
      rowKey={rowKey}
      rowAttrs={(r) => ({ 'data-testid': `msp-row-${r.cluster}-${r.id}`, 'data-state': r.state, 'data-health': r.health.level })}
      header={
        <div role="row" className="vrows-row msp-row tenant-head" aria-rowindex={1}>
          <div role="columnheader" className="vcell">
            <input type="checkbox" aria-label="Select every shown tenant" checked={all} disabled={selectable.length === 0} onChange={(e) => onToggleAll(e.target.checked)} data-testid="msp-select-all" />
          </div>
          {HEADERS.map((h) => (
            <div key={h} role="columnheader" className="vcell">
              {h}
            </div>
          ))}
        </div>
      }
      empty={
        <p className="muted vrows-empty" data-testid="msp-none-match">
          No tenant matches the filter.
        </p>
      }
      rowClassName="msp-row"
      renderRow={(r) => {
        const key = rowKey(r);
        return (
          <>
            <div role="cell" className="vcell">
              <input
                type="checkbox"
                aria-label={`Select ${r.cluster}/${r.id}`}
                checked={Boolean(selected[key])}
                disabled={!r.online}
                title={r.online ? undefined : 'Cached row: sign in to this cluster with platform scope to act on it'}
                onChange={() => onToggle(key)}
                data-testid={`msp-select-${r.cluster}-${r.id}`}
              />
            </div>
            <div role="cell" className="vcell cell-tenant">
              <a href={tenantHref(r.cluster, r.id)} className="mono strong">
                {r.id}
              </a>
              <span className="muted ellipsis">{r.name}</span>
            </div>
            <div role="cell" className="vcell">
              <code className="mono">{r.cluster}</code>
              {r.online ? null : (
                <span title={`Cached copy from ${when(r.syncedAt)}`}>
                  {' '}
                  <Badge tone="warning">offline</Badge>
                </span>
              )}
            </div>
            <div role="cell" className="vcell">
              <StateBadge state={r.state} />
            </div>
            <div role="cell" className="vcell" title={r.health.reasons.join('; ') || 'nothing to report'}>
              <Badge tone={HEALTH_TONE[r.health.level]} testId="msp-health">
                {r.health.level}
              </Badge>{' '}
              <span className="muted small">{r.health.reasons[0] ?? ''}</span>
            </div>
            <div role="cell" className="vcell">
              <Isolation r={r} />
            </div>
            <div role="cell" className="vcell">
              <Keys r={r} />
            </div>
            <div role="cell" className="vcell">
              <Compliance r={r} />
            </div>
            <div role="cell" className="vcell">
              <Usage r={r} />
            </div>
            <div role="cell" className="vcell">
              <Pending r={r} />
            </div>
          </>
        );
      }}
    />
  );
}
