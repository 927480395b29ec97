import { useState, type FormEvent } from 'react';
import type { IngestReport } from '../../../src-shared/contract/audit';
import { useClient } from '../../app/client';
import { Badge } from '../../ui/Badge';
import { FormError, TextAreaField } from '../../ui/Field';
import { Progress } from '../../ui/Progress';
import { cancelIngest, runIngest } from './actions';
import { pathLines, when } from './format';
import { useAudit } from './store';

function IngestReportView({ r }: { r: IngestReport }) {
  const streams = Object.entries(r.perStream).sort(([a], [b]) => a.localeCompare(b));
  return (
    <div className="audit-ingest-report" data-testid="audit-ingest-report" data-cancelled={r.cancelled ? 'true' : 'false'}>
      <h3>{r.cancelled ? 'Ingest cancelled — run it again to resume where it stopped' : 'Ingest report'}</h3>
      <dl className="kv">
        <dt>Lines read</dt>
        <dd data-testid="audit-ingest-lines">{r.linesRead}</dd>
        <dt>Events ingested</dt>
        <dd data-testid="audit-ingest-ingested">{r.ingested}</dd>
        <dt>Duplicates skipped</dt>
        <dd data-testid="audit-ingest-duplicates">{r.duplicates}</dd>
        <dt>Malformed lines</dt>
        <dd data-testid="audit-ingest-malformed">
          {r.malformed.count}
          {r.malformed.first.length ? (
            <ul className="small">
              {r.malformed.first.map((m) => (
                <li key={`${m.file}:${m.line}`}>
                  <span className="mono">
                    {m.file}:{m.line}
                  </span>{' '}
                  — {m.reason}
                </li>
              ))}
            </ul>
          ) : null}
        </dd>
        <dt>Time</dt>
        <dd>{r.seconds.toFixed(1)} s</dd>
      </dl>
      {streams.length ? (
        <table className="table table-compact" data-testid="audit-ingest-streams">
          <caption>Events per stream</caption>
          <thead>
            <tr>
              <th scope="col">Stream</th>
              <th scope="col">Events</th>
            </tr>
          </thead>
          <tbody>
            {streams.map(([s, n]) => (
              <tr key={s}>
                <td className="mono">{s}</td>
                <td>{n}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {r.undelivered?.length ? (
        <table className="table table-compact" data-testid="audit-ingest-undelivered">
          <caption>Diverted to the platform stream (the tenant stream could not take them)</caption>
          <thead>
            <tr>
              <th scope="col">Stream</th>
              <th scope="col">Events</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {r.undelivered.map((u) => (
              <tr key={u.stream}>
                <td className="mono">{u.stream}</td>
                <td>{u.events}</td>
                <td>{u.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {r.alerts.length ? (
        <table className="table table-compact" data-testid="audit-ingest-alerts">
          <caption>Security alerts</caption>
          <thead>
            <tr>
              <th scope="col">Kind</th>
              <th scope="col">Stream</th>
              <th scope="col">User</th>
              <th scope="col">Count</th>
              <th scope="col">When</th>
              <th scope="col">What</th>
            </tr>
          </thead>
          <tbody>
            {r.alerts.map((a, i) => (
              <tr key={`${a.kind}-${a.stream}-${a.first}-${i}`}>
                <td>
                  <Badge tone="danger">{a.kind}</Badge>
                </td>
                <td className="mono">{a.stream}</td>
                <td>{a.user ?? '—'}</td>
                <td>{a.count}</td>
                <td className="small">
                  {when(a.first)} → {when(a.last)}
                </td>
                <td>{a.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted">No security alert raised.</p>
      )}
      {r.files.length ? (
        <table className="table table-compact" data-testid="audit-ingest-files">
          <caption>Files</caption>
          <thead>
            <tr>
              <th scope="col">File</th>
              <th scope="col">Lines</th>
              <th scope="col">Ingested</th>
              <th scope="col">Duplicates</th>
              <th scope="col">Malformed</th>
              <th scope="col">Resumed at line</th>
            </tr>
          </thead>
          <tbody>
            {r.files.map((f) => (
              <tr key={f.path}>
                <td className="mono break">{f.path}</td>
                <td>{f.lines}</td>
                <td>{f.ingested}</td>
                <td>{f.duplicates}</td>
                <td>{f.malformed}</td>
                <td>{f.resumedAt || '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}

/** Cassandra's own audit log into the tenants' streams (platform operators): paths, progress, cancel, report. */
export function IngestPanel({ clusters }: { clusters: string[] }) {
  const client = useClient();
  const ingest = useAudit((s) => s.ingest);
  const [cluster, setCluster] = useState('');
  const [files, setFiles] = useState('');
  const [dirs, setDirs] = useState('');
  const [errors, setErrors] = useState<{ files?: string; dirs?: string }>({});
  const chosen = clusters.includes(cluster) ? cluster : (clusters[0] ?? '');
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (ingest.running || !chosen) return;
    const f = pathLines(files);
    const d = pathLines(dirs);
    const next: { files?: string; dirs?: string } = {};
    if (f.error) next.files = f.error;
    if (d.error) next.dirs = d.error;
    if (!f.error && !d.error && f.paths.length + d.paths.length === 0) next.files = 'name at least one file or directory';
    setErrors(next);
    if (next.files || next.dirs) return;
    await runIngest(client, chosen, f.paths, d.paths);
  };
  const p = ingest.progress;
  return (
    <section className="card" aria-labelledby="audit-ingest-title" data-testid="audit-ingest">
      <header className="card-header">
        <h2 id="audit-ingest-title">Ingest Cassandra audit logs</h2>
      </header>
      <p className="muted">
        Reads FileAuditLogger output (audit.log and its rotated files) from one or many nodes, files each event into its tenant's stream by keyspace and role prefix (the rest into the platform stream), and flags cross-tenant attempts and login-error bursts. Running it again on the same files adds nothing; a stopped run resumes.
      </p>
      <form className="form-grid" onSubmit={(e) => void submit(e)} noValidate aria-label="Ingest audit logs">
        <div className="field">
          <label htmlFor="audit-ingest-cluster">Cluster</label>
          <select id="audit-ingest-cluster" value={chosen} onChange={(e) => setCluster(e.target.value)} disabled={ingest.running} data-testid="audit-ingest-cluster">
            {clusters.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </div>
        <div className="form-span">
          <TextAreaField label="Files (one absolute path per line)" rows={3} value={files} onChange={(e) => setFiles(e.target.value)} error={errors.files} optional disabled={ingest.running} data-testid="audit-ingest-files-input" />
        </div>
        <div className="form-span">
          <TextAreaField label="Directories (one absolute path per line)" rows={2} value={dirs} onChange={(e) => setDirs(e.target.value)} error={errors.dirs} optional hint="every audit log file in it, rotated ones included" disabled={ingest.running} data-testid="audit-ingest-dirs-input" />
        </div>
        <div className="page-actions">
          <button type="submit" className="btn btn-primary" disabled={ingest.running} data-testid="audit-ingest-submit">
            {ingest.running ? 'Ingesting…' : 'Ingest'}
          </button>
          {ingest.running ? (
            <button type="button" className="btn btn-danger" disabled={!ingest.jobId} onClick={() => void cancelIngest(client)} data-testid="audit-ingest-cancel">
              Cancel
            </button>
          ) : null}
        </div>
      </form>
      {ingest.running ? (
        <p data-testid="audit-ingest-running">
          <Progress fraction={p?.fraction ?? null} label="Ingest progress" testId="audit-ingest-progress" /> <span className="muted">{p ? `${p.step}${p.message ? ` — ${p.message}` : ''}` : 'starting…'}</span>
        </p>
      ) : null}
      {ingest.error ? <FormError code={ingest.error.code} message={ingest.error.message} /> : null}
      {ingest.report ? <IngestReportView r={ingest.report} /> : null}
    </section>
  );
}
