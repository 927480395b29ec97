import { useEffect, useMemo, useState, type FormEvent } from 'react';
import type { WireError } from '../../../src-shared/contract/core';
import type { RateCard, Statement } from '../../../src-shared/contract/resources';
import { outPathSchema } from '../../../src-shared/contract/pki';
import { tenantIdSchema } from '../../../src-shared/rules/names';
import { useClient } from '../../app/client';
import { useSession } from '../../app/stores/session';
import { Badge, ErrorCode } from '../../ui/Badge';
import { Dialog } from '../../ui/Dialog';
import { FormError, TextField } from '../../ui/Field';
import { loadTenants } from '../tenants/actions';
import { useTenants } from '../tenants/store';
import { loadRates, loadReport, loadStatement, saveCostCentre, saveRates } from './actions';
import { BarChart } from './charts';
import { currencyProblem, formatMoney, isoProblem, minorToDecimal, parseMoney } from './format';
import { useResources, type BillingReport, type Rates } from './store';
import './resources.css';

type RateField = 'perGbMonth' | 'perUserMonth' | 'perCertificateMonth' | 'perMillionRequests' | 'basic' | 'standard' | 'premium' | 'enterprise';
const RATE_FIELDS: { key: RateField; label: string }[] = [
  { key: 'perGbMonth', label: 'Per GB-month of storage' },
  { key: 'perUserMonth', label: 'Per user-month' },
  { key: 'perCertificateMonth', label: 'Per certificate-month' },
  { key: 'perMillionRequests', label: 'Per million requests' },
  { key: 'basic', label: 'Tier fee: basic (per month)' },
  { key: 'standard', label: 'Tier fee: standard (per month)' },
  { key: 'premium', label: 'Tier fee: premium (per month)' },
  { key: 'enterprise', label: 'Tier fee: enterprise (per month)' },
];
const rateOf = (r: RateCard, k: RateField): number => (k === 'basic' || k === 'standard' || k === 'premium' || k === 'enterprise' ? r.tierFees[k] : r[k]);

const pathProblem = (p: string): string | null => {
  if (!p) return null;
  const r = outPathSchema.safeParse(p);
  return r.success ? null : (r.error.issues[0]?.message ?? 'not a path');
};

/** The period the statement and the report cover: from the first of this month (UTC) to now. */
function defaultPeriod(): { from: string; to: string } {
  const now = new Date();
  const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const to = new Date(Math.ceil(now.getTime() / 60_000) * 60_000);
  return { from: from.toISOString().replace('.000Z', 'Z'), to: to.toISOString().replace('.000Z', 'Z') };
}

function RatesView({ rates }: { rates: Rates }) {
  return (
    <div className="table-wrap">
      <table className="table table-compact" data-testid="billing-rates">
        <caption className="sr-only">The rate card</caption>
        <tbody>
          {RATE_FIELDS.map((f) => (
            <tr key={f.key}>
              <th scope="row">{f.label}</th>
              <td className="num" data-testid={`rate-${f.key}`}>
                {formatMoney(rateOf(rates, f.key), rates.currency)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted small" data-testid="billing-rates-updated">
        {rates.isDefault ? 'Never set: the console default card applies.' : `Updated ${rates.updatedAt ?? '?'} by ${rates.updatedBy ?? '?'}`}
      </p>
    </div>
  );
}

function RatesEditor({ cluster, rates }: { cluster: string; rates: Rates }) {
  const client = useClient();
  const [currency, setCurrency] = useState(rates.currency);
  const [text, setText] = useState<Record<RateField, string>>(() => Object.fromEntries(RATE_FIELDS.map((f) => [f.key, minorToDecimal(rateOf(rates, f.key), rates.currency)])) as Record<RateField, string>);
  const [busy, setBusy] = useState(false);
  const [serverError, setServerError] = useState<WireError | null>(null);
  const curError = currencyProblem(currency);
  const parsed = RATE_FIELDS.map((f) => ({ key: f.key, ...parseMoney(text[f.key], curError ? 'EUR' : currency) }));
  const invalid = Boolean(curError) || parsed.some((p) => p.error);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (invalid || busy) return;
    const m = Object.fromEntries(parsed.map((p) => [p.key, p.minor as number])) as Record<RateField, number>;
    setBusy(true);
    setServerError(null);
    const r = await saveRates(client, cluster, {
      currency,
      perGbMonth: m.perGbMonth,
      perUserMonth: m.perUserMonth,
      perCertificateMonth: m.perCertificateMonth,
      perMillionRequests: m.perMillionRequests,
      tierFees: { basic: m.basic, standard: m.standard, premium: m.premium, enterprise: m.enterprise },
    });
    setBusy(false);
    if (!r.ok) setServerError(r.error);
  };

  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-label="Rate card editor" data-testid="rates-editor">
      <TextField label="Currency" value={currency} maxLength={3} onChange={(e) => setCurrency(e.target.value.toUpperCase())} error={curError ?? undefined} hint="ISO 4217, e.g. EUR" data-testid="rate-currency" />
      <div className="form-grid">
        {parsed.map((p) => (
          <TextField
            key={p.key}
            label={`${RATE_FIELDS.find((f) => f.key === p.key)?.label ?? p.key} (${curError ? '?' : currency})`}
            inputMode="decimal"
            value={text[p.key]}
            onChange={(e) => setText((t) => ({ ...t, [p.key]: e.target.value }))}
            error={p.error ?? undefined}
            hint={p.minor !== null ? `${p.minor} minor units` : undefined}
            data-testid={`rate-input-${p.key}`}
          />
        ))}
      </div>
      {serverError ? <FormError code={serverError.code} message={serverError.message} /> : null}
      <button type="submit" className="btn btn-primary btn-small" disabled={busy || invalid} data-testid="rates-save">
        {busy ? 'Saving…' : 'Save rate card'}
      </button>
    </form>
  );
}

export function StatementView({ s }: { s: Statement }) {
  return (
    <div data-testid="billing-statement" data-tenant={s.tenant}>
      <p className="small">
        <strong>{s.tenant}</strong> · cost centre {s.costCentre ?? <span className="muted">none</span>} · {s.from} → {s.to} · {s.samples} samples · a sample holds at most {Math.round(s.maxGapSeconds / 60)} min
      </p>
      {s.coverage < 1 ? (
        <p className="notice notice-warning" role="status" data-testid="billing-coverage-warning">
          Samples cover {(s.coverage * 100).toFixed(1)} % of the period: the uncovered time is not billed (gaps are not guessed).
        </p>
      ) : null}
      {s.notes.length ? (
        <ul className="res-notes small" data-testid="billing-statement-notes">
          {s.notes.map((n, i) => (
            <li key={i}>{n}</li>
          ))}
        </ul>
      ) : null}
      <div className="table-wrap">
        <table className="table table-compact" data-testid="billing-statement-lines">
          <caption className="sr-only">Statement lines of {s.tenant}</caption>
          <thead>
            <tr>
              <th scope="col">Item</th>
              <th scope="col">Quantity</th>
              <th scope="col">Rate</th>
              <th scope="col">Amount</th>
              <th scope="col">Precision</th>
            </tr>
          </thead>
          <tbody>
            {s.lines.map((l) => (
              <tr key={l.item} data-testid={`statement-line-${l.item}`}>
                <th scope="row">{l.item}</th>
                <td className="num mono">
                  {l.quantity} {l.unit}
                </td>
                <td className="num">{formatMoney(l.rateMinor, s.currency)}</td>
                <td className="num" data-testid={`statement-amount-${l.item}`}>
                  {formatMoney(l.amountMinor, s.currency)}
                </td>
                <td>
                  <Badge tone={l.precision === 'exact' ? 'success' : l.precision === 'estimate' ? 'warning' : 'neutral'}>{l.precision}</Badge>
                </td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row" colSpan={3}>
                Total
              </th>
              <td className="num" data-testid="statement-total">
                <strong>{formatMoney(s.totalMinor, s.currency)}</strong>
              </td>
              <td />
            </tr>
          </tfoot>
        </table>
      </div>
    </div>
  );
}

function CostCentreDialog({ cluster, tenant, current, onClose, onSaved }: { cluster: string; tenant: string; current: string | null; onClose(): void; onSaved(): void }) {
  const client = useClient();
  const [value, setValue] = useState(current ?? '');
  const [busy, setBusy] = useState(false);
  const [serverError, setServerError] = useState<WireError | null>(null);
  const t = value.trim();
  const error = t && (t.length > 64 || !/^[\p{L}\p{N} ._\-/]+$/u.test(t)) ? 'letters, digits, space, . _ - / (at most 64)' : null;
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (error || busy) return;
    setBusy(true);
    setServerError(null);
    const r = await saveCostCentre(client, cluster, tenant, t || null);
    setBusy(false);
    if (r.ok) onSaved();
    else setServerError(r.error);
  };
  return (
    <Dialog title={`Cost centre of ${tenant}`} onClose={onClose} testId="cost-centre-dialog">
      <form onSubmit={(e) => void submit(e)} noValidate>
        <TextField label="Cost centre" optional value={value} onChange={(e) => setValue(e.target.value)} error={error ?? undefined} hint="empty: none" data-testid="cost-centre-input" />
        {serverError ? <FormError code={serverError.code} message={serverError.message} /> : null}
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy || Boolean(error)} data-testid="cost-centre-save">
            Save
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function ReportView({ cluster, report, onEditCostCentre }: { cluster: string; report: BillingReport; onEditCostCentre(tenant: string, current: string | null): void }) {
  const bars = report.byCostCentre.map((c) => ({ key: c.costCentre ?? '∅', label: c.costCentre ?? '(none)', value: c.totalMinor, text: formatMoney(c.totalMinor, report.currency) }));
  return (
    <div data-testid="billing-report">
      <p className="small">
        {report.from} → {report.to} · {report.statements.length} tenants · total <strong data-testid="billing-report-total">{formatMoney(report.totalMinor, report.currency)}</strong>
      </p>
      {report.csvPath ? (
        <p className="small" data-testid="billing-csv-path">
          CSV written to <code className="mono">{report.csvPath}</code>
        </p>
      ) : null}
      <h4>By cost centre</h4>
      <BarChart bars={bars} label={`Totals by cost centre on ${cluster}`} testId="billing-cost-centre-chart" />
      <div className="table-wrap">
        <table className="table table-compact" data-testid="billing-by-cost-centre">
          <caption className="sr-only">Totals by cost centre</caption>
          <thead>
            <tr>
              <th scope="col">Cost centre</th>
              <th scope="col">Tenants</th>
              <th scope="col">Total</th>
            </tr>
          </thead>
          <tbody>
            {report.byCostCentre.map((c) => (
              <tr key={c.costCentre ?? '∅'}>
                <th scope="row">{c.costCentre ?? <span className="muted">(none)</span>}</th>
                <td className="num">{c.tenants}</td>
                <td className="num">{formatMoney(c.totalMinor, report.currency)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h4>Per tenant</h4>
      <div className="table-wrap">
        <table className="table table-compact" data-testid="billing-per-tenant">
          <caption className="sr-only">Statements per tenant</caption>
          <thead>
            <tr>
              <th scope="col">Tenant</th>
              <th scope="col">Cost centre</th>
              <th scope="col">Coverage</th>
              <th scope="col">Total</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {report.statements.map((s) => (
              <tr key={s.tenant} data-testid={`billing-tenant-${s.tenant}`}>
                <th scope="row">{s.tenant}</th>
                <td data-testid={`billing-cc-${s.tenant}`}>{s.costCentre ?? <span className="muted">none</span>}</td>
                <td className="num">
                  {(s.coverage * 100).toFixed(1)} %{s.coverage < 1 ? <Badge tone="warning">partial</Badge> : null}
                </td>
                <td className="num">{formatMoney(s.totalMinor, s.currency)}</td>
                <td className="cell-actions">
                  <button type="button" className="btn btn-small" onClick={() => onEditCostCentre(s.tenant, s.costCentre)} aria-label={`Edit the cost centre of ${s.tenant}`} data-testid={`billing-cc-edit-${s.tenant}`}>
                    Cost centre…
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

/** Billing (issue 10): the rate card, one tenant's statement for a period, the MSP consolidated report with CSV export and cost centres. */
export function BillingPage() {
  const client = useClient();
  const scopes = useSession((s) => s.scopes);
  const clusters = useMemo(() => Object.keys(scopes).sort(), [scopes]);
  const [chosen, setChosen] = useState<string | null>(null);
  const cluster = chosen && scopes[chosen] ? chosen : (clusters.find((c) => scopes[c]?.platform) ?? clusters[0] ?? null);
  const platform = cluster ? (scopes[cluster]?.platform ?? false) : false;
  const rates = useResources((s) => (cluster ? s.rates[cluster] : undefined));
  const ratesError = useResources((s) => (cluster ? s.ratesErrors[cluster] : undefined));
  const statement = useResources((s) => s.statement);
  const statementError = useResources((s) => s.statementError);
  const report = useResources((s) => (cluster ? s.report[cluster] : undefined));
  const reportError = useResources((s) => (cluster ? s.reportErrors[cluster] : undefined));
  const tenants = useTenants((s) => s.tenants);
  const tenantStatus = useTenants((s) => s.status);
  const [period, setPeriod] = useState(defaultPeriod);
  const [tenant, setTenant] = useState('');
  const [out, setOut] = useState('');
  const [busy, setBusy] = useState<'statement' | 'report' | 'csv' | null>(null);
  const [editingCc, setEditingCc] = useState<{ tenant: string; current: string | null } | null>(null);

  useEffect(() => {
    if (cluster && platform) void loadRates(client, cluster);
  }, [client, cluster, platform]);
  useEffect(() => {
    if (tenantStatus === 'idle') void loadTenants(client);
  }, [client, tenantStatus]);

  const ofCluster = tenants.filter((t) => t.cluster === cluster);
  const fromError = isoProblem(period.from);
  const toError = isoProblem(period.to) ?? (!fromError && Date.parse(period.to) <= Date.parse(period.from) ? 'after the start' : null);
  const tenantError = tenant && !tenantIdSchema.safeParse(tenant).success ? 'a tenant id' : null;
  const outError = pathProblem(out);
  const periodBad = Boolean(fromError || toError);

  const showStatement = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (!cluster || periodBad || !tenant || tenantError) return;
    setBusy('statement');
    await loadStatement(client, cluster, tenant, period.from.trim(), period.to.trim());
    setBusy(null);
  };
  const runReport = async (csv: boolean): Promise<void> => {
    if (!cluster || periodBad || (csv && (!out || outError))) return;
    setBusy(csv ? 'csv' : 'report');
    await loadReport(client, cluster, period.from.trim(), period.to.trim(), csv ? out : undefined);
    setBusy(null);
  };

  return (
    <div className="page" data-testid="billing-page">
      <header className="page-header">
        <div>
          <h1>Billing</h1>
          <p className="muted">Statements integrate each tenant's usage samples over the period against the rate card; money is counted in integer minor units. Time not covered by samples is not billed and is shown as partial coverage.</p>
        </div>
      </header>
      {!cluster ? (
        <div className="empty-state" data-testid="billing-no-cluster">
          <p className="muted">
            Sign in to a cluster first (<a href="#/clusters">Clusters</a>).
          </p>
        </div>
      ) : (
        <>
          <div className="res-inline-form">
            <div className="field">
              <label htmlFor="billing-cluster">Cluster</label>
              <select id="billing-cluster" value={cluster} onChange={(e) => setChosen(e.target.value)} data-testid="billing-cluster">
                {clusters.map((c) => (
                  <option key={c} value={c}>
                    {c}
                  </option>
                ))}
              </select>
            </div>
            <TextField label="From (UTC)" value={period.from} onChange={(e) => setPeriod((p) => ({ ...p, from: e.target.value }))} error={fromError ?? undefined} data-testid="billing-from" />
            <TextField label="To (UTC)" value={period.to} onChange={(e) => setPeriod((p) => ({ ...p, to: e.target.value }))} error={toError ?? undefined} data-testid="billing-to" />
          </div>

          {platform ? (
            <section className="card" aria-label="Rate card" data-testid="billing-rates-card">
              <div className="card-header">
                <h3>Rate card</h3>
              </div>
              {ratesError ? (
                <p className="form-error" role="alert">
                  <ErrorCode code={ratesError.code} /> {ratesError.message}
                </p>
              ) : null}
              {rates ? (
                <div className="res-forms">
                  <RatesView rates={rates} />
                  <RatesEditor key={`${rates.updatedAt ?? ''}|${rates.currency}`} cluster={cluster} rates={rates} />
                </div>
              ) : null}
            </section>
          ) : null}

          <section className="card" aria-label="Statement" data-testid="billing-statement-card">
            <div className="card-header">
              <h3>Statement</h3>
            </div>
            <form className="res-inline-form" onSubmit={(e) => void showStatement(e)} noValidate>
              <TextField label="Tenant" value={tenant} list="billing-tenants" onChange={(e) => setTenant(e.target.value.trim())} error={tenantError ?? undefined} data-testid="billing-tenant" />
              <datalist id="billing-tenants">
                {ofCluster.map((t) => (
                  <option key={t.id} value={t.id}>
                    {t.name}
                  </option>
                ))}
              </datalist>
              <button type="submit" className="btn btn-primary btn-small" disabled={busy !== null || periodBad || !tenant || Boolean(tenantError)} data-testid="billing-statement-show">
                {busy === 'statement' ? 'Computing…' : 'Show statement'}
              </button>
            </form>
            {statementError ? <FormError code={statementError.code} message={statementError.message} /> : null}
            {statement && statement.cluster === cluster ? <StatementView s={statement} /> : null}
          </section>

          {platform ? (
            <section className="card" aria-label="MSP consolidated report" data-testid="billing-report-card">
              <div className="card-header">
                <h3>Consolidated report</h3>
              </div>
              <div className="res-inline-form">
                <button type="button" className="btn btn-primary btn-small" onClick={() => void runReport(false)} disabled={busy !== null || periodBad} data-testid="billing-report-run">
                  {busy === 'report' ? 'Computing…' : 'Run report'}
                </button>
                <TextField label="CSV output file" optional value={out} onChange={(e) => setOut(e.target.value)} error={outError ?? undefined} hint="absolute path; main writes the CSV there" placeholder="/path/to/billing.csv" data-testid="billing-csv-out" />
                <button type="button" className="btn btn-small" onClick={() => void runReport(true)} disabled={busy !== null || periodBad || !out || Boolean(outError)} data-testid="billing-export-csv">
                  {busy === 'csv' ? 'Exporting…' : 'Export CSV'}
                </button>
              </div>
              {reportError ? <FormError code={reportError.code} message={reportError.message} /> : null}
              {report ? <ReportView cluster={cluster} report={report} onEditCostCentre={(t, current) => setEditingCc({ tenant: t, current })} /> : null}
            </section>
          ) : null}
          {editingCc ? (
            <CostCentreDialog
              cluster={cluster}
              tenant={editingCc.tenant}
              current={editingCc.current}
              onClose={() => setEditingCc(null)}
              onSaved={() => {
                setEditingCc(null);
                void runReport(false);
              }}
            />
          ) : null}
        </>
      )}
    </div>
  );
}
