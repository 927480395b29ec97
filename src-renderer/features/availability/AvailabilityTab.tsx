import { useEffect, useState, type FormEvent } from 'react';
import { MAX_TARGET_PERCENT, MIN_TARGET_PERCENT, type AvailabilityView, type PeriodFigure, type ProbeSample } from '../../../src-shared/contract/availability';
import { useClient } from '../../app/client';
import { useSession } from '../../app/stores/session';
import { Badge, ErrorCode } from '../../ui/Badge';
import { addWindow, loadView, probeNow, removeWindow, saveTarget } from './actions';
import { useAvailability, viewKey } from './store';
import './availability.css';

const pct = (p: number | null): string => (p === null ? 'no data' : `${p.toFixed(3)} %`);

/** Target editor bounds: the same the channel enforces. */
export function targetError(text: string): string | undefined {
  const t = text.trim();
  if (!/^[0-9]{1,3}(\.[0-9]{1,3})?$/.test(t)) return 'a percentage such as 99.95';
  const n = Number(t);
  if (n < MIN_TARGET_PERCENT) return `at least ${MIN_TARGET_PERCENT} %`;
  if (n > MAX_TARGET_PERCENT) return `at most ${MAX_TARGET_PERCENT} % (100 % leaves no error budget)`;
  return undefined;
}

function Figure({ p, target }: { p: PeriodFigure; target: number }) {
  const below = p.percent !== null && p.percent < target;
  return (
    <div className="avail-figure" data-below={below ? 'true' : 'false'} data-testid={`avail-period-${p.period}`}>
      <div className="muted small">Last {p.period}</div>
      <div className="avail-pct" data-testid={`avail-pct-${p.period}`}>
        {pct(p.percent)}
      </div>
      <div className="small">
        down {p.downMinutes.toFixed(2)} min · budget left{' '}
        <span data-testid={`avail-budget-${p.period}`}>
          {p.budgetLeftMinutes.toFixed(2)} of {p.budgetMinutes.toFixed(2)} min
        </span>
      </div>
      <div className="muted small">
        {p.samples} probes · {p.monitoredMinutes.toFixed(0)} min monitored{p.excludedMinutes > 0 ? ` · ${p.excludedMinutes.toFixed(0)} min maintenance` : ''}
      </div>
    </div>
  );
}

/** 24 hourly bars in SVG (attributes, not style): full height = 100 %, the lower half spans 90–100 %. */
function UptimeChart({ v }: { v: AvailabilityView }) {
  const w = 24 * 12;
  const h = 60;
  const height = (p: number | null): number => (p === null ? 4 : p >= 90 ? 30 + ((p - 90) / 10) * 30 : (p / 90) * 30);
  const tone = (p: number | null): string => (p === null ? 'bar-none' : p >= v.target.percent ? 'bar-ok' : p >= 90 ? 'bar-degraded' : 'bar-down');
  return (
    <svg className="avail-chart" viewBox={`0 0 ${w} ${h}`} preserveAspectRatio="none" role="img" aria-label={`Hourly availability over the last 24 hours of ${v.tenant}`} data-testid="avail-chart">
      {v.chart.map((b, i) => (
        <rect key={b.from} x={i * 12 + 1} y={h - height(b.percent)} width={10} height={height(b.percent)} className={tone(b.percent)} data-testid="avail-bar" data-percent={b.percent === null ? '' : String(b.percent)}>
          <title>{`${b.from}: ${pct(b.percent)} (${b.samples} probes, ${b.failed} failed)`}</title>
        </rect>
      ))}
    </svg>
  );
}

function ChartAxis() {
  return (
    <div className="avail-axis muted small" aria-hidden="true">
      <span>24 h ago</span>
      <span>now</span>
    </div>
  );
}

function SampleRow({ s }: { s: ProbeSample }) {
  return (
    <tr data-testid="avail-sample" data-ok={s.ok ? 'true' : 'false'}>
      <td className="mono small">{s.at}</td>
      <td>{s.ok ? <Badge tone="success">ok</Badge> : <Badge tone="danger">failed</Badge>}</td>
      <td>{s.latencyMs.toFixed(1)} ms</td>
      <td className="small">
        {s.role ?? '—'} · {s.consistency} · {s.keyspace ?? '—'}
      </td>
      <td className="small">{s.ok ? (s.coordinator ?? '') : <ErrorCode code={s.errorClass ?? 'INTERNAL'} />}</td>
      <td className="muted small">{s.trigger}</td>
    </tr>
  );
}

function TargetForm({ v }: { v: AvailabilityView }) {
  const client = useClient();
  const [text, setText] = useState(String(v.target.percent));
  const [busy, setBusy] = useState(false);
  const error = targetError(text);
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (error || busy) return;
    setBusy(true);
    await saveTarget(client, v.cluster, v.tenant, Number(text.trim()));
    setBusy(false);
  };
  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-label="SLA target">
      <div className={`field${error ? ' field-invalid' : ''}`}>
        <label htmlFor="avail-target">SLA target (%)</label>
        <input id="avail-target" inputMode="decimal" value={text} onChange={(e) => setText(e.target.value)} aria-invalid={error ? true : undefined} aria-describedby={error ? 'avail-target-error' : undefined} data-testid="avail-target-input" />
        {error ? (
          <p id="avail-target-error" className="field-error">
            {error}
          </p>
        ) : null}
      </div>
      <button type="submit" className="btn btn-small" disabled={busy || Boolean(error)} data-testid="avail-target-save">
        {busy ? 'Saving…' : 'Save target'}
      </button>
    </form>
  );
}

function WindowForm({ v }: { v: AvailabilityView }) {
  const client = useClient();
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const parse = (s: string): number => (s ? Date.parse(s) : NaN);
  const error = !from || !to ? 'start and end' : !(parse(to) > parse(from)) ? 'the end must come after the start' : !reason.trim() ? 'a reason' : undefined;
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (error || busy) return;
    setBusy(true);
    const ok = await addWindow(client, v.cluster, v.tenant, new Date(from).toISOString(), new Date(to).toISOString(), reason.trim());
    setBusy(false);
    if (ok) {
      setFrom('');
      setTo('');
      setReason('');
    }
  };
  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-label="Add a maintenance window">
      <div className="field">
        <label htmlFor="avail-win-from">Maintenance from</label>
        <input id="avail-win-from" type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} data-testid="avail-window-from" />
      </div>
      <div className="field">
        <label htmlFor="avail-win-to">until</label>
        <input id="avail-win-to" type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} data-testid="avail-window-to" />
      </div>
      <div className="field">
        <label htmlFor="avail-win-reason">Reason</label>
        <input id="avail-win-reason" value={reason} maxLength={200} onChange={(e) => setReason(e.target.value)} data-testid="avail-window-reason" />
      </div>
      <button type="submit" className="btn btn-small" disabled={busy || Boolean(error)} title={error} data-testid="avail-window-add">
        Add window
      </button>
    </form>
  );
}

/** Tenant → Availability (issue 12): uptime chart, figures and error budget, incidents, target, windows, probe now. */
export function AvailabilityTab({ cluster, tenant }: { cluster: string; tenant: string }) {
  const client = useClient();
  const v = useAvailability((s) => s.views[viewKey(cluster, tenant)]);
  const err = useAvailability((s) => s.viewErrors[viewKey(cluster, tenant)]);
  const platform = useSession((s) => s.scopes[cluster]?.platform ?? false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    void loadView(client, cluster, tenant);
    // Scheduled samples arrive as events; refresh on the ones for this tenant.
    const off = client.on('availability.sample', (e) => {
      if (e.cluster === cluster && e.tenant === tenant) void loadView(client, cluster, tenant);
    });
    return off;
  }, [client, cluster, tenant]);

  const probe = async (): Promise<void> => {
    setBusy(true);
    await probeNow(client, cluster, tenant);
    setBusy(false);
  };

  return (
    <section className="card" data-testid="availability-tab" data-cluster={cluster} data-tenant={tenant}>
      <div className="card-header">
        <h3>Availability</h3>
        <div className="card-actions">
          {v?.alert ? (
            <Badge tone="danger" testId="avail-alert">
              below target since {v.alert.at}
            </Badge>
          ) : v ? (
            <Badge tone="success" testId="avail-ok">
              at target
            </Badge>
          ) : null}
          <button type="button" className="btn btn-primary btn-small" onClick={() => void probe()} disabled={busy} data-testid="avail-probe">
            {busy ? 'Probing…' : 'Probe now'}
          </button>
        </div>
      </div>
      {err && !v ? (
        <p className="form-error" role="alert">
          <ErrorCode code={err.code} /> {err.message}
        </p>
      ) : null}
      {v ? (
        <>
          <p className="muted small" data-testid="avail-target">
            Target {v.target.percent} %{v.target.isDefault ? ' (default)' : ` — set by ${v.target.updatedBy ?? '?'}`} ·{' '}
            {v.scheduled ? `probed every ${v.intervalSeconds} s by this console` : 'not probed on a schedule by this console'}
          </p>
          <div className="avail-figures">
            {v.periods.map((p) => (
              <Figure key={p.period} p={p} target={v.target.percent} />
            ))}
          </div>
          <UptimeChart v={v} />
          <ChartAxis />
          <p className="small" data-testid="avail-latest">
            {v.latest ? `Latest probe ${v.latest.at}: ${v.latest.ok ? 'ok' : `failed (${v.latest.errorClass})`} in ${v.latest.latencyMs.toFixed(1)} ms` : 'Not probed yet.'}
          </p>

          <h4>Incidents</h4>
          {v.incidents.length ? (
            <div className="table-wrap">
              <table className="table table-compact" data-testid="avail-incidents">
                <caption className="sr-only">Runs of failed probes</caption>
                <thead>
                  <tr>
                    <th scope="col">Started</th>
                    <th scope="col">Ended</th>
                    <th scope="col">Failed probes</th>
                    <th scope="col">Error</th>
                  </tr>
                </thead>
                <tbody>
                  {v.incidents.map((i) => (
                    <tr key={i.id} data-testid="avail-incident" data-open={i.endedAt ? 'false' : 'true'}>
                      <td className="mono small">{i.startedAt}</td>
                      <td className="mono small">{i.endedAt ?? <Badge tone="danger">ongoing</Badge>}</td>
                      <td>{i.samples}</td>
                      <td className="small">
                        {i.errorClass ? <ErrorCode code={i.errorClass} /> : null} {i.message}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <p className="muted small">No incidents.</p>
          )}

          <h4>Recent probes</h4>
          <div className="table-wrap">
            <table className="table table-compact" data-testid="avail-samples">
              <caption className="sr-only">Most recent probes, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">At</th>
                  <th scope="col">Result</th>
                  <th scope="col">Latency</th>
                  <th scope="col">As · consistency · keyspace</th>
                  <th scope="col">Coordinator / error</th>
                  <th scope="col">Trigger</th>
                </tr>
              </thead>
              <tbody>
                {v.recent.slice(0, 20).map((s) => (
                  <SampleRow key={`${s.at}-${s.trigger}`} s={s} />
                ))}
              </tbody>
            </table>
          </div>

          <h4>Maintenance windows</h4>
          {v.windows.length ? (
            <ul className="inline-list" data-testid="avail-windows">
              {v.windows.map((w) => (
                <li key={w.id}>
                  {w.startsAt} → {w.endsAt}: {w.reason}{' '}
                  {platform ? (
                    <button type="button" className="btn btn-ghost btn-small" onClick={() => void removeWindow(client, cluster, tenant, w.id)} aria-label={`Remove maintenance window ${w.reason}`}>
                      Remove
                    </button>
                  ) : null}
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted small">None: every probe counts.</p>
          )}
          {platform ? (
            <div className="avail-forms">
              <TargetForm key={v.target.percent} v={v} />
              <WindowForm v={v} />
            </div>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
