import { useEffect, useState, type FormEvent } from 'react';
import type { WireError } from '../../../src-shared/contract/core';
import { QUOTA_RESOURCES, type QuotaResource, type QuotaRow } from '../../../src-shared/contract/resources';
import { useClient } from '../../app/client';
import { useSession } from '../../app/stores/session';
import { Badge, ErrorCode, type Tone } from '../../ui/Badge';
import { Dialog } from '../../ui/Dialog';
import { FormError, TextField } from '../../ui/Field';
import { loadQuotas, raiseQuota, setQuota } from './actions';
import { QuotaGauge } from './charts';
import { LIMIT_MAX, localToIso, parseLimit, quotaFormErrors, RESOURCE_LABEL } from './format';
import { tenantKey, useResources } from './store';
import './resources.css';

const STATE_TONE: Record<QuotaRow['state'], Tone> = { ok: 'success', soft: 'warning', grace: 'danger', enforced: 'danger' };
const STATE_LABEL: Record<QuotaRow['state'], string> = { ok: 'ok', soft: 'over soft', grace: 'over hard (grace)', enforced: 'enforced' };
/** What the hard limit does for this resource (keyspaces and tables are created with CQL, not through the console: monitored only). */
const ENFORCEMENT_LABEL: Record<NonNullable<QuotaRow['enforcement']>, string> = {
  refuse: 'hard limit: console operations refused',
  'revoke-writes': 'hard limit: writes revoked after the grace period',
  monitor: 'monitored only: tenants create these with CQL',
};

const num = (v: number | null): string => (v === null ? '—' : String(v));

function QuotaRowView({ row, platform, onEdit, onRaise }: { row: QuotaRow; platform: boolean; onEdit(): void; onRaise(): void }) {
  const raised = row.raisedHard !== null && row.raisedUntil !== null;
  return (
    <tr data-testid={`quota-row-${row.resource}`} data-state={row.state}>
      <th scope="row">{RESOURCE_LABEL[row.resource]}</th>
      <td className="num" data-testid={`quota-used-${row.resource}`} title={`usage is ${row.usedPrecision}`}>
        {num(row.used)}
        {row.usedPrecision !== 'exact' ? <span className="muted small"> ({row.usedPrecision})</span> : null}
      </td>
      <td className="num" data-testid={`quota-soft-${row.resource}`}>
        {num(row.soft)}
      </td>
      <td className="num" data-testid={`quota-hard-${row.resource}`}>
        {num(row.effectiveHard)}
        {raised ? (
          <div className="small" data-testid={`quota-raise-${row.resource}`}>
            raised from {num(row.hard)} until {row.raisedUntil}
          </div>
        ) : null}
      </td>
      <td className="num">{row.graceHours === null ? '—' : `${row.graceHours} h`}</td>
      <td>
        <Badge tone={STATE_TONE[row.state]} testId={`quota-state-${row.resource}`}>
          {row.enforcement === 'monitor' && row.state === 'grace' ? 'over hard (monitored)' : STATE_LABEL[row.state]}
        </Badge>
        {row.enforcement ? (
          <div className="small muted" data-testid={`quota-enforcement-${row.resource}`}>
            {ENFORCEMENT_LABEL[row.enforcement]}
          </div>
        ) : null}
        {row.graceEndsAt ? (
          <div className="small" data-testid={`quota-grace-${row.resource}`}>
            grace ends {row.graceEndsAt}
          </div>
        ) : row.overSince ? (
          <div className="small muted">over since {row.overSince}</div>
        ) : null}
      </td>
      <td>
        <QuotaGauge row={row} />
      </td>
      {platform ? (
        <td className="cell-actions">
          <button type="button" className="btn btn-small" onClick={onEdit} aria-label={`Edit the ${RESOURCE_LABEL[row.resource]} quota`} data-testid={`quota-edit-${row.resource}`}>
            Edit
          </button>
          <button type="button" className="btn btn-small" onClick={onRaise} disabled={row.hard === null} title={row.hard === null ? 'set a hard limit first' : undefined} aria-label={`Temporarily raise the ${RESOURCE_LABEL[row.resource]} quota`} data-testid={`quota-raise-open-${row.resource}`}>
            Temporary raise
          </button>
        </td>
      ) : null}
    </tr>
  );
}

function QuotaEditor({ cluster, tenant, rows, resource, onResource }: { cluster: string; tenant: string; rows: QuotaRow[]; resource: QuotaResource; onResource(r: QuotaResource): void }) {
  const client = useClient();
  const row = rows.find((r) => r.resource === resource);
  const [soft, setSoft] = useState(row?.soft === null || row?.soft === undefined ? '' : String(row.soft));
  const [hard, setHard] = useState(row?.hard === null || row?.hard === undefined ? '' : String(row.hard));
  const [grace, setGrace] = useState(row?.graceHours === null || row?.graceHours === undefined ? '' : String(row.graceHours));
  const [busy, setBusy] = useState(false);
  const [serverError, setServerError] = useState<WireError | null>(null);
  const [tried, setTried] = useState(false);
  const { errors, values } = quotaFormErrors(resource, soft, hard, grace);
  const invalid = Boolean(errors.soft || errors.hard || errors.grace);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setTried(true);
    if (invalid || busy) return;
    setBusy(true);
    setServerError(null);
    const r = await setQuota(client, { cluster, tenant, resource, soft: values.soft, hard: values.hard, graceHours: values.graceHours });
    setBusy(false);
    if (!r.ok) setServerError(r.error);
  };
  // Errors show as soon as a field holds something wrong, or on a submit attempt.
  const show = (field: keyof typeof errors, text: string): string | undefined => (tried || text.trim() ? errors[field] : undefined);

  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-label="Quota editor" data-testid="quota-editor">
      <h4>Set a quota</h4>
      <div className="field">
        <label htmlFor="quota-resource">Resource</label>
        <select id="quota-resource" value={resource} onChange={(e) => onResource(e.target.value as QuotaResource)} data-testid="quota-resource">
          {QUOTA_RESOURCES.map((r) => (
            <option key={r} value={r}>
              {RESOURCE_LABEL[r]}
            </option>
          ))}
        </select>
      </div>
      <TextField label="Soft limit" optional inputMode="decimal" value={soft} onChange={(e) => setSoft(e.target.value)} error={show('soft', soft)} hint="over it: a warning; empty: none" data-testid="quota-soft" />
      <TextField label="Hard limit" optional inputMode="decimal" value={hard} onChange={(e) => setHard(e.target.value)} error={show('hard', hard)} hint={`over it: refused (QUOTA_EXCEEDED); at most ${LIMIT_MAX}`} data-testid="quota-hard" />
      <TextField label="Grace period (hours)" optional inputMode="decimal" value={grace} onChange={(e) => setGrace(e.target.value)} error={show('grace', grace)} hint="storage over the hard limit this long → writes revoked" data-testid="quota-grace" />
      {serverError ? <FormError code={serverError.code} message={serverError.message} /> : null}
      <button type="submit" className="btn btn-primary btn-small" disabled={busy || (tried && invalid)} data-testid="quota-save">
        {busy ? 'Saving…' : 'Save quota'}
      </button>
    </form>
  );
}

function RaiseDialog({ cluster, tenant, row, onClose }: { cluster: string; tenant: string; row: QuotaRow; onClose(): void }) {
  const client = useClient();
  const [hard, setHard] = useState(row.hard === null ? '' : String(row.hard));
  const [until, setUntil] = useState('');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [serverError, setServerError] = useState<WireError | null>(null);
  const h = parseLimit(hard, row.resource);
  const hardError = !hard.trim() ? 'a temporary hard limit' : h.error;
  const untilIso = localToIso(until);
  const untilError = !until ? 'when it ends' : !untilIso ? 'a date and time' : Date.parse(untilIso) <= Date.now() ? 'a time in the future' : null;
  const invalid = Boolean(hardError || untilError);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (invalid || busy || h.value === null || !untilIso) return;
    setBusy(true);
    setServerError(null);
    const r = await raiseQuota(client, { cluster, tenant, resource: row.resource, hard: h.value, until: untilIso, ...(reason.trim() ? { reason: reason.trim() } : {}) });
    setBusy(false);
    if (r.ok) onClose();
    else setServerError(r.error);
  };

  return (
    <Dialog title={`Temporary raise: ${RESOURCE_LABEL[row.resource]}`} description={`A hard limit that applies until the time given, then expires by itself (base hard limit: ${num(row.hard)}).`} onClose={onClose} testId="quota-raise-dialog">
      <form onSubmit={(e) => void submit(e)} noValidate>
        <TextField label="Temporary hard limit" inputMode="decimal" value={hard} onChange={(e) => setHard(e.target.value)} error={hard.trim() ? (hardError ?? undefined) : undefined} data-testid="quota-raise-hard" required />
        <TextField label="Until (local time)" type="datetime-local" value={until} onChange={(e) => setUntil(e.target.value)} error={until ? (untilError ?? undefined) : undefined} data-testid="quota-raise-until" required />
        <TextField label="Reason" optional value={reason} maxLength={500} onChange={(e) => setReason(e.target.value)} data-testid="quota-raise-reason" />
        {serverError ? <FormError code={serverError.code} message={serverError.message} /> : null}
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy || invalid} data-testid="quota-raise-submit">
            {busy ? 'Raising…' : 'Raise'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** Tenant → Quotas (issue 10): usage against soft/hard limits, enforcement state, editor and temporary raises (platform), events. */
export function QuotasTab({ cluster, tenant }: { cluster: string; tenant: string }) {
  const client = useClient();
  const v = useResources((s) => s.quotas[tenantKey(cluster, tenant)]);
  const err = useResources((s) => s.quotaErrors[tenantKey(cluster, tenant)]);
  const platform = useSession((s) => s.scopes[cluster]?.platform ?? false);
  const [resource, setResource] = useState<QuotaResource>('users');
  const [raising, setRaising] = useState<QuotaRow | null>(null);

  useEffect(() => {
    void loadQuotas(client, cluster, tenant);
    const offQ = client.on('quota.changed', (e) => {
      if (e.cluster === cluster && e.tenant === tenant) void loadQuotas(client, cluster, tenant);
    });
    const offU = client.on('usage.sampled', (e) => {
      if (e.cluster === cluster && e.tenant === tenant) void loadQuotas(client, cluster, tenant);
    });
    return () => {
      offQ();
      offU();
    };
  }, [client, cluster, tenant]);

  const rowsSig = v ? v.rows.map((r) => `${r.resource}:${r.soft}:${r.hard}:${r.graceHours}`).join('|') : '';

  return (
    <section className="card" aria-label="Quotas" data-testid="quotas-tab" data-cluster={cluster} data-tenant={tenant}>
      <div className="card-header">
        <h3>Quotas</h3>
        <div className="card-actions">
          {!platform ? (
            <Badge tone="neutral" testId="quota-readonly">
              read-only
            </Badge>
          ) : null}
          <button type="button" className="btn btn-small" onClick={() => void loadQuotas(client, cluster, tenant)} data-testid="quota-reload">
            Reload
          </button>
        </div>
      </div>
      {err ? (
        <p className="form-error" role="alert" data-testid="quota-error">
          <ErrorCode code={err.code} /> {err.message}
        </p>
      ) : null}
      {v?.writesRevoked ? (
        <div className="banner banner-error" role="alert" data-testid="quota-writes-revoked">
          <span className="banner-level">enforced</span>
          <span className="banner-message">Writes revoked: storage is over its hard limit past the grace period, so this tenant's MODIFY permissions are revoked in Cassandra until usage falls back or a temporary raise is granted.</span>
        </div>
      ) : null}
      {v ? (
        <>
          <div className="table-wrap">
            <table className="table table-compact" data-testid="quota-table">
              <caption className="sr-only">Quotas of {tenant}: usage against soft and hard limits</caption>
              <thead>
                <tr>
                  <th scope="col">Resource</th>
                  <th scope="col">Used</th>
                  <th scope="col">Soft</th>
                  <th scope="col">Hard (in force)</th>
                  <th scope="col">Grace</th>
                  <th scope="col">State</th>
                  <th scope="col">Gauge</th>
                  {platform ? <th scope="col">Actions</th> : null}
                </tr>
              </thead>
              <tbody>
                {v.rows.map((r) => (
                  <QuotaRowView key={r.resource} row={r} platform={platform} onEdit={() => setResource(r.resource)} onRaise={() => setRaising(r)} />
                ))}
              </tbody>
            </table>
          </div>
          {platform ? (
            <div className="res-forms">
              <QuotaEditor key={`${resource}|${rowsSig}`} cluster={cluster} tenant={tenant} rows={v.rows} resource={resource} onResource={setResource} />
            </div>
          ) : (
            <p className="muted small">Quotas are set by the platform operator.</p>
          )}
          <h4>Recent quota events</h4>
          {v.events.length ? (
            <ul className="res-events" data-testid="quota-events">
              {v.events.map((e, i) => (
                <li key={`${e.at}-${i}`} data-testid="quota-event" data-kind={e.kind}>
                  <span className="mono small">{e.at}</span> <Badge tone={e.kind === 'restored' || e.kind === 'raised' ? 'info' : e.kind === 'soft-exceeded' ? 'warning' : 'danger'}>{e.kind}</Badge> {RESOURCE_LABEL[e.resource]}: {e.detail}
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted small">No quota events.</p>
          )}
        </>
      ) : !err ? (
        <p className="muted" aria-busy="true">
          Loading quotas…
        </p>
      ) : null}
      {raising ? <RaiseDialog cluster={cluster} tenant={tenant} row={raising} onClose={() => setRaising(null)} /> : null}
    </section>
  );
}
