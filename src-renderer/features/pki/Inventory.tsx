import { useEffect, useId } from 'react';
import type { CertificateInfo } from '../../../src-shared/contract/pki';
import { useClient } from '../../app/client';
import { ErrorCode } from '../../ui/Badge';
import { FormError } from '../../ui/Field';
import { VirtualRows } from '../../ui/VirtualRows';
import { loadCertificates } from './actions';
import { StatusBadge } from './bits';
import { ALGORITHM_LABEL, daysLeftText, daysValue, expiryClass, filterSignature, day } from './format';
import { NO_FILTER, pkiKey, usePki, type CertFilter } from './store';

/** Must equal `.cert-row` height in pki.css. */
export const CERT_ROW_HEIGHT = 44;
const HEADERS = ['Serial', 'Common name', 'Type', 'Algorithm', 'SANs', 'Not after', 'Days left', 'Status', 'Actions'];

/**
 * Which rows a summary button filters to. The report counts (and the row buckets) are "fewer than N
 * whole days left" while `cert.list`'s expiringWithinDays keeps daysLeft ≤ its value, so bucket N
 * filters with N − 1: the table then shows exactly the rows the count counted.
 */
type Bucket = 'expired' | '7' | '14' | '30';
const BUCKET_FILTER: Record<Bucket, Partial<CertFilter>> = {
  expired: { status: 'expired', expiringWithinDays: '' },
  '7': { status: 'active', expiringWithinDays: '6' },
  '14': { status: 'active', expiringWithinDays: '13' },
  '30': { status: 'active', expiringWithinDays: '29' },
};

/** Counts from `cert.expiryReport`; each is a button that filters the table to its bucket. */
export function ExpirySummary({ cluster, tenant }: { cluster: string; tenant: string }) {
  const key = pkiKey(cluster, tenant);
  const report = usePki((s) => s.reports[key]);
  const error = usePki((s) => s.reportErrors[key]);
  const filter = usePki((s) => s.filters[key]) ?? NO_FILTER;
  const setFilter = usePki((s) => s.setFilter);
  const policy = usePki((s) => s.policies[key]);
  if (error) {
    return (
      <p className="small" data-testid="pki-summary-error">
        <ErrorCode code={error.code} /> expiry report unavailable: {error.message}
      </p>
    );
  }
  if (!report) return null;
  const c = report.counts;
  const active = (b: Bucket): boolean => filter.status === BUCKET_FILTER[b].status && filter.expiringWithinDays === BUCKET_FILTER[b].expiringWithinDays;
  const item = (b: Bucket, label: string, n: number) => (
    <li>
      <button type="button" className={`pki-summary-item cert-expiry-${b}${n === 0 ? ' pki-summary-zero' : ''}`} aria-pressed={active(b)} onClick={() => setFilter(key, active(b) ? { status: 'all', expiringWithinDays: '' } : BUCKET_FILTER[b])} data-testid={`pki-summary-${b}`} data-count={n}>
        <span className="pki-summary-count">{n}</span> <span className="pki-summary-label">{label}</span>
      </button>
    </li>
  );
  const quota = policy?.source === 'tenant' ? policy.maxCertificates : null;
  return (
    <section aria-label="Certificate expiry summary" data-testid="pki-summary">
      <ul className="pki-summary">
        {item('expired', 'expired', c.expired)}
        {item('7', '< 7 days left', c.within7)}
        {item('14', '< 14 days left', c.within14)}
        {item('30', '< 30 days left', c.within30)}
        <li className="pki-summary-plain" data-testid="pki-summary-active">
          <span className="pki-summary-count">{c.active}</span> active{quota !== null ? <span className="muted"> of {quota} allowed</span> : null}
        </li>
        <li className="pki-summary-plain" data-testid="pki-summary-revoked">
          <span className="pki-summary-count">{c.revoked}</span> revoked
        </li>
      </ul>
      <p className="muted small">Report of {report.generatedAt.slice(0, 16).replace('T', ' ')} UTC. Select a count to filter the table; again to clear.</p>
    </section>
  );
}

const ATTENTION_SHOWN = 8;

/**
 * The report's items: certificates not yet renewed that expire within 30 days or have expired,
 * soonest first — what the operator should renew next, each a click from its details or renewal.
 */
export function AttentionList({ cluster, tenant, canMutate, onSelect, onRenew }: { cluster: string; tenant: string; canMutate: boolean; onSelect(serial: string): void; onRenew(c: CertificateInfo): void }) {
  const report = usePki((s) => s.reports[pkiKey(cluster, tenant)]);
  if (!report || report.items.length === 0) return null;
  const items = report.items.slice(0, ATTENTION_SHOWN);
  return (
    <details className="pki-attention" data-testid="pki-attention" open>
      <summary>
        {report.items.length} certificate{report.items.length === 1 ? '' : 's'} to renew (expired or under 30 days left, not yet renewed)
      </summary>
      <ul>
        {items.map((c) => (
          <li key={c.serial} data-testid={`pki-attention-${c.serial}`}>
            <span className={`pki-days ${expiryClass(c)}`}>{c.status === 'expired' ? `expired ${daysLeftText(c)}` : `${daysLeftText(c)} left`}</span> <strong>{c.commonName}</strong> <span className="muted small">({c.type}, until {day(c.notAfter)})</span>{' '}
            <button type="button" className="btn btn-ghost btn-small" onClick={() => onSelect(c.serial)} aria-label={`Details of ${c.serial} (${c.commonName})`}>
              Details
            </button>
            {canMutate && c.type !== 'ca' ? (
              <button type="button" className="btn btn-small" onClick={() => onRenew(c)} aria-label={`Renew ${c.serial} (${c.commonName})`} data-testid={`pki-attention-renew-${c.serial}`}>
                Renew
              </button>
            ) : null}
          </li>
        ))}
      </ul>
      {report.items.length > ATTENTION_SHOWN ? <p className="muted small">…and {report.items.length - ATTENTION_SHOWN} more: select “&lt; 30 days left” or “expired” above.</p> : null}
    </details>
  );
}

export function CertFilters({ cluster, tenant }: { cluster: string; tenant: string }) {
  const key = pkiKey(cluster, tenant);
  const id = useId();
  const filter = usePki((s) => s.filters[key]) ?? NO_FILTER;
  const setFilter = usePki((s) => s.setFilter);
  const days = daysValue(filter.expiringWithinDays, 0, 3650);
  return (
    <div className="filter-bar pki-filters" role="search" aria-label="Filter certificates">
      <div className="field filter-text">
        <label htmlFor={`${id}-text`}>Filter</label>
        <input id={`${id}-text`} type="search" value={filter.text} maxLength={200} placeholder="CN, serial, SAN, subject" onChange={(e) => setFilter(key, { text: e.target.value })} spellCheck={false} autoComplete="off" data-testid="pki-filter-text" />
      </div>
      <div className="field">
        <label htmlFor={`${id}-status`}>Status</label>
        <select id={`${id}-status`} value={filter.status} onChange={(e) => setFilter(key, { status: e.target.value as CertFilter['status'] })} data-testid="pki-filter-status">
          <option value="all">all</option>
          <option value="active">active</option>
          <option value="revoked">revoked</option>
          <option value="expired">expired</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-type`}>Type</label>
        <select id={`${id}-type`} value={filter.type} onChange={(e) => setFilter(key, { type: e.target.value as CertFilter['type'] })} data-testid="pki-filter-type">
          <option value="all">all</option>
          <option value="client">client</option>
          <option value="node">node</option>
        </select>
      </div>
      <div className={`field pki-filter-days${days.error ? ' field-invalid' : ''}`}>
        <label htmlFor={`${id}-days`}>Days left at most</label>
        <input
          id={`${id}-days`}
          inputMode="numeric"
          value={filter.expiringWithinDays}
          onChange={(e) => setFilter(key, { expiringWithinDays: e.target.value })}
          aria-invalid={days.error ? true : undefined}
          aria-describedby={days.error ? `${id}-days-error` : undefined}
          data-testid="pki-filter-days"
        />
        {days.error ? (
          <div id={`${id}-days-error`} className="field-error">
            {days.error}
          </div>
        ) : null}
      </div>
      {filterSignature(filter) !== filterSignature(NO_FILTER) ? (
        <button type="button" className="btn btn-small" onClick={() => setFilter(key, NO_FILTER)} data-testid="pki-filter-clear">
          Clear filters
        </button>
      ) : null}
    </div>
  );
}

/** Re-reads the inventory when the filter changes (typing is debounced; an older answer is dropped). */
export function useInventory(cluster: string, tenant: string): void {
  const client = useClient();
  const key = pkiKey(cluster, tenant);
  const sig = usePki((s) => filterSignature(s.filters[key] ?? NO_FILTER));
  useEffect(() => {
    const t = setTimeout(() => void loadCertificates(client, cluster, tenant), 200);
    return () => clearTimeout(t);
  }, [client, cluster, tenant, sig]);
}

export function CertTable({ cluster, tenant, canMutate, selected, onSelect, onRevoke }: { cluster: string; tenant: string; canMutate: boolean; selected: string | null; onSelect(serial: string): void; onRevoke(c: CertificateInfo): void }) {
  const key = pkiKey(cluster, tenant);
  const certs = usePki((s) => s.certs[key]);
  const error = usePki((s) => s.listErrors[key]);
  if (error && !certs) return <FormError code={error.code} message={error.message} />;
  if (!certs) {
    return (
      <p className="muted" aria-busy="true">
        Reading certificates…
      </p>
    );
  }
  return (
    <>
      {error ? <FormError code={error.code} message={`${error.message} (the table shows the previous answer)`} /> : null}
      <p className="muted small" role="status" data-testid="pki-count">
        {certs.length} certificate{certs.length === 1 ? '' : 's'} shown
      </p>
      <VirtualRows
        items={certs}
        rowHeight={CERT_ROW_HEIGHT}
        label="Certificates"
        testId="pki-table"
        rowKey={(c) => c.serial}
        rowClassName="cert-row"
        rowAttrs={(c) => ({ 'data-testid': `cert-row-${c.serial}`, 'data-status': c.status, 'data-expiry': c.expiryBucket ?? 'none', 'data-cn': c.commonName, 'data-selected': String(selected === c.serial) })}
        header={
          <div role="row" className="vrows-row cert-row cert-head" aria-rowindex={1}>
            {HEADERS.map((h) => (
              <div key={h} role="columnheader" className="vcell">
                {h}
              </div>
            ))}
          </div>
        }
        empty={
          <p className="muted vrows-empty" data-testid="pki-none">
            No certificate matches.
          </p>
        }
        renderRow={(c) => (
          <>
            <div role="cell" className="vcell">
              <button type="button" className="btn btn-ghost btn-small mono pki-serial" aria-pressed={selected === c.serial} aria-label={`Details of ${c.serial} (${c.commonName})`} title={c.serial} onClick={() => onSelect(c.serial)} data-testid={`cert-open-${c.serial}`}>
                {c.serial}
              </button>
            </div>
            <div role="cell" className="vcell strong" title={c.subject}>
              {c.commonName}
            </div>
            <div role="cell" className="vcell">
              {c.type}
            </div>
            <div role="cell" className="vcell small">
              {ALGORITHM_LABEL[c.algorithm]}
            </div>
            <div role="cell" className="vcell small mono" title={c.sans.join('\n')}>
              {c.sans.length ? c.sans.join(', ') : <span className="muted">—</span>}
            </div>
            <div role="cell" className="vcell" title={c.notAfter}>
              {day(c.notAfter)}
            </div>
            <div role="cell" className="vcell">
              <span className={`pki-days ${expiryClass(c)}`} data-testid="cert-days-left">
                {c.status === 'revoked' ? <span className="muted">—</span> : daysLeftText(c)}
              </span>
            </div>
            <div role="cell" className="vcell" title={c.status === 'revoked' ? `${c.revocationReason ?? ''} ${c.revokedAt ?? ''}` : undefined}>
              <StatusBadge status={c.status} />
            </div>
            <div role="cell" className="vcell cell-actions">
              {canMutate && c.status === 'active' && c.type !== 'ca' ? (
                <button type="button" className="btn btn-small btn-danger-text" onClick={() => onRevoke(c)} aria-label={`Revoke ${c.serial} (${c.commonName})`} data-testid={`cert-revoke-${c.serial}`}>
                  Revoke
                </button>
              ) : null}
            </div>
          </>
        )}
      />
    </>
  );
}
