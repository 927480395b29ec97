import type { TenantSummary } from '../../../src-shared/contract/tenants';
import type { TenantSort, TenantSortKey } from '../../../src-shared/rules/tenant-filter';
import { Badge } from '../../ui/Badge';
import { VirtualRows } from '../../ui/VirtualRows';
import { StateBadge, Swatch, tenantHref, when } from './bits';

/** Must equal `.tenant-row` height in components.css. */
export const TENANT_ROW_HEIGHT = 44;

const COLUMNS: { key: TenantSortKey | null; label: string }[] = [
  { key: 'id', label: 'Tenant' },
  { key: 'cluster', label: 'Cluster' },
  { key: 'state', label: 'State' },
  { key: 'tier', label: 'Tier' },
  { key: null, label: 'Isolation' },
  { key: null, label: 'Template' },
  { key: 'updatedAt', label: 'Updated' },
  { key: null, label: 'Source' },
];

function SortHeader({ col, sort, onSort }: { col: (typeof COLUMNS)[number]; sort: TenantSort; onSort(s: TenantSort): void }) {
  if (!col.key) {
    return (
      <div role="columnheader" className="vcell">
        {col.label}
      </div>
    );
  }
  const key = col.key;
  const active = sort.key === key;
  const ariaSort = active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none';
  const next: TenantSort = { key, dir: active && sort.dir === 'asc' ? 'desc' : 'asc' };
  return (
    <div role="columnheader" className="vcell" aria-sort={ariaSort}>
      <button type="button" className="sort-button" onClick={() => onSort(next)} data-testid={`sort-${key}`}>
        {col.label}
        <span className="sort-mark" aria-hidden="true">
          {active ? (sort.dir === 'asc' ? '▲' : '▼') : '↕'}
        </span>
      </button>
    </div>
  );
}

export function TenantsTable({ rows, sort, onSort }: { rows: readonly TenantSummary[]; sort: TenantSort; onSort(s: TenantSort): void }) {
  return (
    <VirtualRows
      items={rows}
      rowHeight={TENANT_ROW_HEIGHT}
      label="Tenants"
      testId="tenants-table"
      rowKey={(t) => `${t.cluster}/${t.id}`}
      rowAttrs={(t) => ({ 'data-testid': `tenant-row-${t.cluster}-${t.id}`, 'data-state': t.state })}
      header={
        <div role="row" className="vrows-row tenant-row tenant-head" aria-rowindex={1}>
          {COLUMNS.map((c) => (
            <SortHeader key={c.label} col={c} sort={sort} onSort={onSort} />
          ))}
        </div>
      }
      empty={
        <p className="muted vrows-empty" data-testid="tenants-none-match">
          No tenant matches the filter.
        </p>
      }
      rowClassName="tenant-row"
      renderRow={(t) => (
        <>
          <div role="cell" className="vcell cell-tenant">
            <Swatch color={t.color} />
            <a href={tenantHref(t.cluster, t.id)} className="mono strong" data-testid={`tenant-link-${t.cluster}-${t.id}`}>
              {t.id}
            </a>
            <span className="muted ellipsis">{t.name}</span>
          </div>
          <div role="cell" className="vcell">
            <code className="mono">{t.cluster}</code>
          </div>
          <div role="cell" className="vcell">
            <StateBadge state={t.state} />
          </div>
          <div role="cell" className="vcell">
            {t.tier}
          </div>
          <div role="cell" className="vcell">
            {t.isolation}
          </div>
          <div role="cell" className="vcell">
            <code className="mono">{t.template}</code>
          </div>
          <div role="cell" className="vcell nowrap">
            {when(t.updatedAt)}
          </div>
          <div role="cell" className="vcell">
            {t.online ? (
              <span className="muted small">live</span>
            ) : (
              <span title={`Cached copy from ${when(t.syncedAt)}: not signed in to ${t.cluster}`}>
                <Badge tone="warning" testId="tenant-cached">
                  cached
                </Badge>
              </span>
            )}
          </div>
        </>
      )}
    />
  );
}
