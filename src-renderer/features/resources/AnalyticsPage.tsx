import { useEffect, useMemo, useState, type FormEvent } from 'react';
import type { WireError } from '../../../src-shared/contract/core';
import { ANALYTICS_GROUPINGS, type AnalyticsReport } from '../../../src-shared/contract/resources';
import { useClient } from '../../app/client';
import { useSession } from '../../app/stores/session';
import { Badge, ErrorCode } from '../../ui/Badge';
import { FormError, TextField } from '../../ui/Field';
import { loadBudget, loadNoisy, runAnalytics } from './actions';
import { formatBytes, percent } from './format';
import { useResources, type Budget, type Noisy } from './store';
import './resources.css';

type Grouping = (typeof ANALYTICS_GROUPINGS)[number];
const GROUP_LABEL: Record<Grouping, string> = { tier: 'Tier', region: 'Region', costCentre: 'Cost centre' };

/** k: a whole number 2..1000 (the contract's bounds). */
export function kProblem(t: string): string | null {
  if (!/^\d+$/.test(t.trim())) return 'a whole number of tenants';
  const n = Number(t.trim());
  return n < 2 || n > 1000 ? 'between 2 and 1000' : null;
}

/** ε: empty (no noise) or a number in (0, 10]. */
export function epsilonProblem(t: string): string | null {
  const s = t.trim();
  if (!s) return null;
  if (!/^\d*\.?\d+$/.test(s)) return 'a positive number such as 0.5';
  const n = Number(s);
  return n <= 0 || n > 10 ? 'greater than 0 and at most 10' : null;
}

const fig = (v: number | null, digits = 2): string => (v === null ? '—' : v.toLocaleString('en', { maximumFractionDigits: digits }));

function ReportTable({ r }: { r: AnalyticsReport }) {
  const suppressed = r.cells.filter((c) => c.suppressed).length;
  return (
    <div data-testid="analytics-report" data-k={r.k}>
      <p className="small" data-testid="analytics-noise">
        k = {r.k} · grouped by {GROUP_LABEL[r.groupBy]} ·{' '}
        {r.epsilon === null ? 'no noise (ε not given): exact aggregates, suppression only' : `Laplace noise, ε = ${r.epsilon}, count scale ${r.noiseScale === null ? '—' : r.noiseScale.toPrecision(3)}`} · {suppressed} of {r.cells.length} groups suppressed
      </p>
      {r.noise.length ? (
        <div className="table-wrap">
          <table className="table table-compact" data-testid="analytics-noise-table">
            <caption className="sr-only">Noise per figure: each tenant's contribution clipped, the sensitivity that bounds, the ε share and the Laplace scale</caption>
            <thead>
              <tr>
                <th scope="col">Figure</th>
                <th scope="col">Clipped to</th>
                <th scope="col">Sensitivity</th>
                <th scope="col">ε share</th>
                <th scope="col">Laplace scale</th>
              </tr>
            </thead>
            <tbody>
              {r.noise.map((n) => (
                <tr key={n.figure}>
                  <th scope="row">{n.figure}</th>
                  <td>{n.clip}</td>
                  <td className="num">{fig(n.sensitivity, 4)}</td>
                  <td className="num">{fig(n.epsilon, 4)}</td>
                  <td className="num" data-testid={`analytics-scale-${n.figure}`}>
                    {n.scale.toPrecision(3)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <div className="table-wrap">
        <table className="table table-compact" data-testid="analytics-cells">
          <caption className="sr-only">Aggregates per group; groups with fewer than k tenants are suppressed</caption>
          <thead>
            <tr>
              <th scope="col">{GROUP_LABEL[r.groupBy]}</th>
              <th scope="col">Tenants</th>
              <th scope="col">Storage (GB)</th>
              <th scope="col">Requests</th>
              <th scope="col">Findings</th>
              <th scope="col">Growth</th>
            </tr>
          </thead>
          <tbody>
            {r.cells.map((c) =>
              c.suppressed ? (
                <tr key={c.group} data-testid="analytics-cell" data-group={c.group} data-suppressed="true">
                  <th scope="row">{c.group}</th>
                  <td colSpan={5} className="res-suppressed" data-testid="analytics-suppressed">
                    suppressed (&lt; k tenants)
                  </td>
                </tr>
              ) : (
                <tr key={c.group} data-testid="analytics-cell" data-group={c.group} data-suppressed="false">
                  <th scope="row">{c.group}</th>
                  <td className="num">{fig(c.tenants, 1)}</td>
                  <td className="num">{fig(c.storageGb, 3)}</td>
                  <td className="num">{fig(c.requests, 0)}</td>
                  <td className="num">{fig(c.findings, 1)}</td>
                  <td className="num">{c.growthPercent === null ? '—' : `${c.growthPercent.toFixed(1)} %`}</td>
                </tr>
              ),
            )}
          </tbody>
          <tfoot>
            {r.total ? (
              <tr data-testid="analytics-total">
                <th scope="row">All tenants</th>
                <td className="num">{fig(r.total.tenants, 1)}</td>
                <td className="num">{fig(r.total.storageGb, 3)}</td>
                <td className="num">{fig(r.total.requests, 0)}</td>
                <td className="num">{fig(r.total.findings, 1)}</td>
                <td className="num">{r.total.growthPercent === null ? '—' : `${r.total.growthPercent.toFixed(1)} %`}</td>
              </tr>
            ) : (
              <tr data-testid="analytics-total" data-suppressed="true">
                <th scope="row">All tenants</th>
                <td colSpan={5} className="res-suppressed">
                  withheld (a suppressed group could be recovered by subtraction, or fewer than k tenants in all)
                </td>
              </tr>
            )}
          </tfoot>
        </table>
      </div>
      {r.notes.length ? (
        <ul className="res-notes small" data-testid="analytics-notes">
          {r.notes.map((n, i) => (
            <li key={i}>{n}</li>
          ))}
        </ul>
      ) : null}
      {r.cells.length === 0 ? <p className="muted small">No tenants to aggregate.</p> : null}
      {r.distribution.length ? (
        <p className="small" data-testid="analytics-distribution">
          Storage per tenant: {r.distribution.map((d) => `p${d.percentile} ${d.storageGb === null ? 'suppressed' : `${fig(d.storageGb, 3)} GB`}`).join(' · ')}
        </p>
      ) : null}
    </div>
  );
}

function BudgetPanel({ cluster, b }: { cluster: string; b: Budget }) {
  const client = useClient();
  const [total, setTotal] = useState('');
  const [busy, setBusy] = useState(false);
  const [serverError, setServerError] = useState<WireError | null>(null);
  const t = total.trim();
  const n = Number(t);
  const error = !t ? null : !/^\d*\.?\d+$/.test(t) || n <= 0 || n > 100 ? 'greater than 0 and at most 100' : null;
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (!t || error || busy) return;
    setBusy(true);
    setServerError(null);
    const r = await loadBudget(client, cluster, n);
    setBusy(false);
    if (r.ok) setTotal('');
    else setServerError(r.error);
  };
  const fraction = b.total > 0 ? Math.min(1, b.spent / b.total) : 1;
  return (
    <div data-testid="analytics-budget">
      <div className="res-budget">
        <meter min={0} max={1} low={0.5} high={0.8} optimum={0} value={fraction} aria-label="Privacy budget spent" data-testid="analytics-budget-meter" />
        <span className="small" data-testid="analytics-budget-text">
          ε spent {fig(b.spent, 4)} of {fig(b.total, 4)} · {fig(b.left, 4)} left
        </span>
      </div>
      <form className="res-inline-form" onSubmit={(e) => void submit(e)} noValidate aria-label="Set the privacy budget">
        <TextField label="Total ε budget" inputMode="decimal" value={total} onChange={(e) => setTotal(e.target.value)} error={error ?? undefined} placeholder={String(b.total)} data-testid="analytics-budget-total" />
        <button type="submit" className="btn btn-small" disabled={busy || !t || Boolean(error)} data-testid="analytics-budget-set">
          Set total
        </button>
      </form>
      {serverError ? <FormError code={serverError.code} message={serverError.message} /> : null}
      {b.reports.length ? (
        <details className="small">
          <summary>Noisy reports ({b.reports.length})</summary>
          <ul className="res-events">
            {b.reports.map((r, i) => (
              <li key={`${r.at}-${i}`}>
                <span className="mono">{r.at}</span> ε {r.epsilon} {r.by ? `by ${r.by}` : ''}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </div>
  );
}

function NoisyPanel({ cluster, n }: { cluster: string; n: Noisy | undefined }) {
  const client = useClient();
  const [threshold, setThreshold] = useState('');
  const t = threshold.trim();
  const v = Number(t) / 100;
  const error = !t ? null : !/^\d*\.?\d+$/.test(t) || v < 0.01 || v > 1 ? 'a percentage between 1 and 100' : null;
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    if (error) return;
    void loadNoisy(client, cluster, t ? v : undefined);
  };
  return (
    <>
      <form className="res-inline-form" onSubmit={submit} noValidate aria-label="Noisy neighbour threshold">
        <TextField label="Threshold (% share)" optional inputMode="decimal" value={threshold} onChange={(e) => setThreshold(e.target.value)} error={error ?? undefined} placeholder={n ? String(Math.round(n.threshold * 100)) : ''} data-testid="noisy-threshold" />
        <button type="submit" className="btn btn-small" disabled={Boolean(error)} data-testid="noisy-refresh">
          Refresh
        </button>
      </form>
      {n ? (
        <>
          <p className="muted small" data-testid="noisy-summary">
            Share of the cluster's requests and storage growth over the last {n.windowHours} h; over {percent(n.threshold)} is flagged.
          </p>
          {n.note ? (
            <p className="notice" data-testid="noisy-note">
              {n.note}
            </p>
          ) : null}
          <div className="table-wrap">
            <table className="table table-compact" data-testid="noisy-table">
              <caption className="sr-only">Each tenant's share of requests and storage growth</caption>
              <thead>
                <tr>
                  <th scope="col">Tenant</th>
                  <th scope="col">Requests</th>
                  <th scope="col">Request share</th>
                  <th scope="col">Storage growth</th>
                  <th scope="col">Storage growth share</th>
                  <th scope="col">Samples</th>
                  <th scope="col">Flag</th>
                </tr>
              </thead>
              <tbody>
                {n.rows.map((r) => (
                  <tr key={r.tenant} data-testid={`noisy-${r.tenant}`} data-over={r.over ? 'true' : 'false'}>
                    <th scope="row">
                      <a href={`#/tenants/${encodeURIComponent(cluster)}/${encodeURIComponent(r.tenant)}`}>{r.tenant}</a>
                    </th>
                    <td className="num">{fig(r.requests, 0)}</td>
                    <td className="num">{percent(r.requestShare)}</td>
                    <td className="num">{`${r.storageGrowthBytes < 0 ? '-' : '+'}${formatBytes(Math.abs(r.storageGrowthBytes))}`}</td>
                    <td className="num">{percent(r.storageGrowthShare)}</td>
                    <td className="num">{r.samples}</td>
                    <td>{r.over ? <Badge tone="danger">over threshold</Badge> : <Badge tone="success">ok</Badge>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {n.rows.length === 0 ? <p className="muted small">No usage samples in the window.</p> : null}
          {n.alerts.length ? (
            <>
              <h4>Alerts (last 7 days)</h4>
              <ul className="res-events small" data-testid="noisy-alerts">
                {n.alerts.map((a, i) => (
                  <li key={`${a.at}-${i}`}>
                    <span className="mono">{a.at}</span> {a.tenant}: {a.kind} share {percent(a.share)} over {percent(a.threshold)}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </>
      ) : null}
    </>
  );
}

/** MSP analytics (issue 10): cross-tenant aggregates with k-suppression and optional Laplace noise under an ε budget; noisy neighbours. */
export function AnalyticsPage() {
  const client = useClient();
  const scopes = useSession((s) => s.scopes);
  const clusters = useMemo(() => Object.values(scopes).filter((s) => s.platform).map((s) => s.cluster).sort(), [scopes]);
  const [chosen, setChosen] = useState<string | null>(null);
  const cluster = chosen && clusters.includes(chosen) ? chosen : (clusters[0] ?? null);
  const report = useResources((s) => (cluster ? s.analytics[cluster] : undefined));
  const reportError = useResources((s) => (cluster ? s.analyticsErrors[cluster] : undefined));
  const budget = useResources((s) => (cluster ? s.budget[cluster] : undefined));
  const budgetError = useResources((s) => (cluster ? s.budgetErrors[cluster] : undefined));
  const noisy = useResources((s) => (cluster ? s.noisy[cluster] : undefined));
  const noisyError = useResources((s) => (cluster ? s.noisyErrors[cluster] : undefined));
  const [k, setK] = useState('5');
  const [epsilon, setEpsilon] = useState('');
  const [groupBy, setGroupBy] = useState<Grouping>('tier');
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!cluster) return;
    void loadBudget(client, cluster);
    void loadNoisy(client, cluster);
    return client.on('usage.alert', (a) => {
      if (a.cluster === cluster) void loadNoisy(client, cluster);
    });
  }, [client, cluster]);

  const kErr = kProblem(k);
  const eErr = epsilonProblem(epsilon);
  const run = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (!cluster || kErr || eErr || busy) return;
    setBusy(true);
    await runAnalytics(client, { cluster, k: Number(k.trim()), groupBy, ...(epsilon.trim() ? { epsilon: Number(epsilon.trim()) } : {}) });
    setBusy(false);
  };

  return (
    <div className="page" data-testid="analytics-page">
      <header className="page-header">
        <div>
          <h1>Analytics</h1>
          <p className="muted">Aggregates across tenants: any group with fewer than k tenants is suppressed; with ε, Laplace noise is added and ε is spent from a budget the console refuses to exceed. No tenant's own figures are shown here.</p>
        </div>
      </header>
      {!cluster ? (
        <div className="empty-state" data-testid="analytics-no-cluster">
          <p className="muted">
            Sign in to a cluster with platform scope first (<a href="#/clusters">Clusters</a>).
          </p>
        </div>
      ) : (
        <>
          <section className="card" aria-label="Cross-tenant report" data-testid="analytics-report-card">
            <div className="card-header">
              <h3>Cross-tenant report</h3>
            </div>
            <form className="res-inline-form" onSubmit={(e) => void run(e)} noValidate aria-label="Report parameters">
              <div className="field">
                <label htmlFor="analytics-cluster">Cluster</label>
                <select id="analytics-cluster" value={cluster} onChange={(e) => setChosen(e.target.value)} data-testid="analytics-cluster">
                  {clusters.map((c) => (
                    <option key={c} value={c}>
                      {c}
                    </option>
                  ))}
                </select>
              </div>
              <TextField label="k (minimum tenants per group)" inputMode="numeric" value={k} onChange={(e) => setK(e.target.value)} error={kErr ?? undefined} data-testid="analytics-k" />
              <TextField label="ε (noise)" optional inputMode="decimal" value={epsilon} onChange={(e) => setEpsilon(e.target.value)} error={eErr ?? undefined} hint="empty: no noise, no ε spent" data-testid="analytics-epsilon" />
              <div className="field">
                <label htmlFor="analytics-group">Group by</label>
                <select id="analytics-group" value={groupBy} onChange={(e) => setGroupBy(e.target.value as Grouping)} data-testid="analytics-group">
                  {ANALYTICS_GROUPINGS.map((g) => (
                    <option key={g} value={g}>
                      {GROUP_LABEL[g]}
                    </option>
                  ))}
                </select>
              </div>
              <button type="submit" className="btn btn-primary btn-small" disabled={busy || Boolean(kErr || eErr)} data-testid="analytics-run">
                {busy ? 'Running…' : 'Run report'}
              </button>
            </form>
            {reportError ? (
              <div data-testid="analytics-error">
                <FormError code={reportError.code} message={reportError.message} />
              </div>
            ) : null}
            {report ? <ReportTable r={report} /> : null}
          </section>

          <section className="card" aria-label="Privacy budget" data-testid="analytics-budget-card">
            <div className="card-header">
              <h3>Privacy budget (ε)</h3>
            </div>
            {budgetError ? (
              <p className="form-error" role="alert">
                <ErrorCode code={budgetError.code} /> {budgetError.message}
              </p>
            ) : null}
            {budget ? <BudgetPanel key={budget.total} cluster={cluster} b={budget} /> : null}
          </section>

          <section className="card" aria-label="Noisy neighbours" data-testid="noisy-card">
            <div className="card-header">
              <h3>Noisy neighbours</h3>
            </div>
            {noisyError ? (
              <p className="form-error" role="alert">
                <ErrorCode code={noisyError.code} /> {noisyError.message}
              </p>
            ) : null}
            <NoisyPanel cluster={cluster} n={noisy} />
          </section>
        </>
      )}
    </div>
  );
}
