import { useEffect, useState, type FormEvent } from 'react';
import { MAX_SCAN_MINUTES, MIN_SCAN_MINUTES, type IsolationAlert, type MonitorStatus, type ScanSchedule } from '../../../src-shared/contract/isolation';
import { useClient } from '../../app/client';
import { Badge } from '../../ui/Badge';
import { acknowledgeAlert, loadMonitor, saveSchedule, showFinding } from './actions';
import { SeverityBadge } from './FindingsTable';
import { alertsOf, useIsolation } from './store';

const scheduleText = (s: ScanSchedule): string => (s.everyMinutes === null ? 'off' : `every ${s.everyMinutes} min${s.isDefault ? ' (default)' : ''}`);

/** Minutes 1–1440, or off; the same bounds the channel enforces. */
export function scheduleError(text: string, off: boolean): string | undefined {
  if (off) return undefined;
  if (!/^[0-9]+$/.test(text.trim())) return `minutes: a whole number from ${MIN_SCAN_MINUTES} to ${MAX_SCAN_MINUTES}`;
  const n = Number(text.trim());
  return n < MIN_SCAN_MINUTES || n > MAX_SCAN_MINUTES ? `minutes: from ${MIN_SCAN_MINUTES} to ${MAX_SCAN_MINUTES} (a day)` : undefined;
}

function ScheduleForm({ cluster, schedule }: { cluster: string; schedule: ScanSchedule }) {
  const client = useClient();
  const [editing, setEditing] = useState(false);
  const [minutes, setMinutes] = useState(String(schedule.everyMinutes ?? 15));
  const [off, setOff] = useState(schedule.everyMinutes === null);
  const [busy, setBusy] = useState(false);
  const error = scheduleError(minutes, off);
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (error || busy) return;
    setBusy(true);
    const ok = await saveSchedule(client, cluster, off ? 'off' : Number(minutes.trim()));
    setBusy(false);
    if (ok) setEditing(false);
  };
  if (!editing) {
    return (
      <>
        <span data-testid="monitor-schedule">{scheduleText(schedule)}</span>{' '}
        <button
          type="button"
          className="btn btn-ghost btn-small"
          onClick={() => {
            setMinutes(String(schedule.everyMinutes ?? 15));
            setOff(schedule.everyMinutes === null);
            setEditing(true);
          }}
          data-testid="monitor-schedule-edit"
        >
          Change
        </button>
        {schedule.updatedBy ? (
          <span className="muted small">
            {' '}
            set by {schedule.updatedBy} at {schedule.updatedAt}
          </span>
        ) : null}
      </>
    );
  }
  return (
    <form className="form-grid" onSubmit={(e) => void submit(e)} noValidate aria-label="Scan schedule">
      <div className={`field${error ? ' field-invalid' : ''}`}>
        <label htmlFor="monitor-minutes">Minutes between scans</label>
        <input id="monitor-minutes" inputMode="numeric" value={minutes} disabled={off} onChange={(e) => setMinutes(e.target.value)} aria-invalid={error ? true : undefined} aria-describedby={error ? 'monitor-minutes-error' : undefined} data-testid="monitor-minutes" />
        {error ? (
          <p id="monitor-minutes-error" className="field-error">
            {error}
          </p>
        ) : null}
      </div>
      <div className="field">
        <label className="radio">
          <input type="checkbox" checked={off} onChange={(e) => setOff(e.target.checked)} data-testid="monitor-off" /> No scheduled scans
        </label>
      </div>
      <div className="page-actions">
        <button type="submit" className="btn btn-primary btn-small" disabled={busy || Boolean(error)} data-testid="monitor-schedule-save">
          {busy ? 'Saving…' : 'Save'}
        </button>
        <button type="button" className="btn btn-small" onClick={() => setEditing(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function AlertsTable({ alerts }: { alerts: IsolationAlert[] }) {
  const client = useClient();
  const [busy, setBusy] = useState<string | null>(null);
  const ack = async (a: IsolationAlert): Promise<void> => {
    setBusy(a.id);
    await acknowledgeAlert(client, a);
    setBusy(null);
  };
  return (
    <div className="table-wrap">
      <table className="table" data-testid="monitor-alerts">
        <caption className="sr-only">Open isolation alerts</caption>
        <thead>
          <tr>
            <th scope="col">Severity</th>
            <th scope="col">Alert</th>
            <th scope="col">Tenants</th>
            <th scope="col">Raised</th>
            <th scope="col">State</th>
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {alerts.map((a) => (
            <tr key={a.id} data-testid={`alert-${a.id}`}>
              <td>
                <SeverityBadge severity={a.severity} />
              </td>
              <td>
                <div>{a.title}</div>
                <div className="muted small">
                  {a.kind} · finding <span className="mono">{a.findingId}</span>
                </div>
              </td>
              <td>{a.tenants.length ? a.tenants.join(', ') : <span className="muted">all</span>}</td>
              <td>
                <div className="nowrap">{a.raisedAt}</div>
                <div className="muted small">
                  {a.trigger} scan{a.raisedBy ? ` by ${a.raisedBy}` : ''}
                </div>
              </td>
              <td data-testid={`alert-state-${a.id}`}>
                {a.acknowledgedAt ? <Badge tone="neutral">acknowledged by {a.acknowledgedBy ?? 'unknown'}</Badge> : <Badge tone="danger">new</Badge>} {a.resolvedAt ? <Badge tone="success">resolved</Badge> : null}
              </td>
              <td className="cell-actions">
                <button type="button" className="btn btn-ghost btn-small" onClick={() => void showFinding(client, a)} disabled={a.resolvedAt !== null} title={a.resolvedAt ? 'the violation is gone' : undefined} data-testid={`alert-show-${a.id}`}>
                  Show finding
                </button>
                <button type="button" className="btn btn-small" disabled={a.acknowledgedAt !== null || busy === a.id} onClick={() => void ack(a)} data-testid={`alert-ack-${a.id}`}>
                  {a.acknowledgedAt ? 'Acknowledged' : 'Acknowledge'}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Not FormError: the screen's own scan error keeps the one `form-error` slot. */
function MonitorError({ code, message, testId }: { code: string; message: string; testId: string }) {
  return (
    <div className="form-error" role="status" data-testid={testId}>
      <code className="error-code">{code}</code> <span>{message}</span>
    </div>
  );
}

function ScanLine({ m }: { m: MonitorStatus }) {
  if (!m.lastScan) return <span className="muted">not scanned by the monitor yet</span>;
  const c = m.lastScan.counts;
  return (
    <span data-testid="monitor-last-scan">
      {m.lastScan.at} by {m.lastScan.by ?? 'unknown'} ({m.lastScan.trigger}) — {c.critical} critical, {c.warning} warning, {c.info} info
    </span>
  );
}

/** Continuous checks (issue 6 item 2): the shared schedule, this console's last and next scan, open alerts. */
export function MonitorPanel({ cluster }: { cluster: string }) {
  const client = useClient();
  const m = useIsolation((s) => s.monitors[cluster]);
  const err = useIsolation((s) => s.monitorErrors[cluster]);
  const all = useIsolation((s) => s.alerts);
  const alerts = alertsOf(all, cluster);
  useEffect(() => {
    void loadMonitor(client, cluster);
  }, [client, cluster]);
  // A scan is running (a sign-in scan, a grant change): look again shortly for its result.
  const scanning = m?.scanning === true;
  useEffect(() => {
    if (!scanning) return;
    const t = setTimeout(() => void loadMonitor(client, cluster), 1000);
    return () => clearTimeout(t);
  }, [client, cluster, scanning, m]);
  return (
    <section className="card" aria-labelledby="isolation-monitor-title" data-testid="isolation-monitor">
      <header className="card-header">
        <h2 id="isolation-monitor-title">Monitoring</h2>
        <button type="button" className="btn btn-ghost btn-small" onClick={() => void loadMonitor(client, cluster)} data-testid="monitor-refresh">
          Refresh
        </button>
      </header>
      {err ? <MonitorError code={err.code} message={err.message} testId="monitor-error" /> : null}
      {m ? (
        <>
          <dl className="kv">
            <dt>Schedule</dt>
            <dd>
              <ScheduleForm key={`${m.schedule.everyMinutes}-${m.schedule.updatedAt}`} cluster={cluster} schedule={m.schedule} />
            </dd>
            <dt>Last scan</dt>
            <dd>
              <ScanLine m={m} />
              {m.scanning ? <span className="muted"> · scanning now…</span> : null}
            </dd>
            <dt>Next scan</dt>
            <dd data-testid="monitor-next-scan">{m.nextScanAt ?? <span className="muted">none scheduled</span>}</dd>
            {m.lastError ? (
              <>
                <dt>Last error</dt>
                <dd>
                  <MonitorError code={m.lastError.code} message={`${m.lastError.message} (${m.lastError.trigger} scan at ${m.lastError.at})`} testId="monitor-last-error" />
                </dd>
              </>
            ) : null}
          </dl>
          {m.stale ? <p className="muted">The cluster's shared monitor state could not be read: alerts below may be out of date.</p> : null}
          {alerts.length ? (
            <AlertsTable alerts={alerts} />
          ) : (
            <p className="muted" data-testid="monitor-no-alerts">
              No open alerts: every violation seen was acknowledged and is gone.
            </p>
          )}
        </>
      ) : !err ? (
        <p className="muted">Loading…</p>
      ) : null}
    </section>
  );
}
