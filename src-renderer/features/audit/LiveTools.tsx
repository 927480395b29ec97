import { useState, type FormEvent } from 'react';
import type { Verification } from '../../../src-shared/contract/audit';
import type { WireError } from '../../../src-shared/contract/core';
import { useClient } from '../../app/client';
import { useSession } from '../../app/stores/session';
import { FormError } from '../../ui/Field';
import { exportSnapshot, pruneTenant, syncLive, verifyLive, type ExportResult, type PruneResult } from './actions';
import { localToIso, pathError, when } from './format';
import { VerificationView } from './Verification';

function ExportForm({ cluster, tenant }: { cluster: string; tenant: string | null }) {
  const client = useClient();
  const [out, setOut] = useState('');
  const [since, setSince] = useState('');
  const [until, setUntil] = useState('');
  const [overwrite, setOverwrite] = useState(false);
  const [errors, setErrors] = useState<{ out?: string; since?: string; until?: string }>({});
  const [error, setError] = useState<WireError | null>(null);
  const [result, setResult] = useState<ExportResult | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const next: { out?: string; since?: string; until?: string } = {};
    const o = pathError(out, 'snapshot file');
    if (o) next.out = o;
    const s = since.trim() ? localToIso(since) : undefined;
    const u = until.trim() ? localToIso(until) : undefined;
    if (s === null) next.since = 'since: a date and time';
    if (u === null) next.until = 'until: a date and time';
    if (s && u && s > u) next.until = 'until: after since';
    setErrors(next);
    if (Object.keys(next).length || busy) return;
    setBusy(true);
    const r = await exportSnapshot(client, { cluster, tenant, out: out.trim(), overwrite, ...(s ? { since: s } : {}), ...(u ? { until: u } : {}) });
    setBusy(false);
    if (r.ok) {
      setResult(r.value);
      setError(null);
    } else {
      setError(r.error);
      setResult(null);
    }
  };
  const field = (id: string, label: string, value: string, set: (v: string) => void, err: string | undefined, type = 'text') => (
    <div className={`field${err ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <input id={id} type={type} value={value} onChange={(e) => set(e.target.value)} aria-invalid={err ? true : undefined} aria-describedby={err ? `${id}-error` : undefined} autoComplete="off" spellCheck={false} data-testid={id} />
      {err ? (
        <p id={`${id}-error`} className="field-error">
          {err}
        </p>
      ) : null}
    </div>
  );
  return (
    <form className="form-grid" onSubmit={(e) => void submit(e)} noValidate aria-label="Export a signed snapshot" data-testid="audit-export-form">
      <div className="form-span">{field('audit-export-out', 'Snapshot file to write (absolute path)', out, setOut, errors.out)}</div>
      {field('audit-export-since', 'Since (local time, optional)', since, setSince, errors.since, 'datetime-local')}
      {field('audit-export-until', 'Until (local time, optional)', until, setUntil, errors.until, 'datetime-local')}
      <label className="radio">
        <input type="checkbox" checked={overwrite} onChange={(e) => setOverwrite(e.target.checked)} data-testid="audit-export-overwrite" /> Replace an existing file
      </label>
      <div className="page-actions">
        <button type="submit" className="btn" disabled={busy} data-testid="audit-export-submit">
          {busy ? 'Exporting…' : 'Export signed snapshot'}
        </button>
      </div>
      {error ? (
        <div className="form-span">
          <FormError code={error.code} message={error.message} />
        </div>
      ) : null}
      {result ? (
        <dl className="kv form-span" data-testid="audit-export-result">
          <dt>Written to</dt>
          <dd className="mono break" data-testid="written-path">
            {result.path}
          </dd>
          <dt>Events</dt>
          <dd>{result.events}</dd>
          <dt>SHA-256</dt>
          <dd className="mono break" data-testid="written-sha256">
            {result.sha256}
          </dd>
          <dt>Signer key fingerprint</dt>
          <dd>
            <code className="mono break audit-fingerprint" data-testid="audit-export-fingerprint">
              {result.signerFingerprint}
            </code>
            <p className="muted small">Give the reviewer this fingerprint by another channel than the file, so they can tell the snapshot was signed by this tenant's key.</p>
          </dd>
        </dl>
      ) : null}
    </form>
  );
}

/** Retention (platform operators, tenant streams): prune what the tenant's profile lets go, after a confirmation. */
function Retention({ cluster, tenant, onPruned }: { cluster: string; tenant: string; onPruned(): void }) {
  const client = useClient();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<PruneResult | null>(null);
  const [error, setError] = useState<WireError | null>(null);
  const run = async (): Promise<void> => {
    setBusy(true);
    const r = await pruneTenant(client, cluster, tenant);
    setBusy(false);
    setConfirming(false);
    if (r.ok) {
      setResult(r.value);
      setError(null);
      if (r.value.pruned) onPruned();
    } else setError(r.error);
  };
  return (
    <div data-testid="audit-retention">
      <p className="muted small">Events older than the tenant's audit retention (its compliance profile) are deleted behind a signed tombstone event, so the chain still verifies from the tombstone on.</p>
      {confirming ? (
        <p>
          <button type="button" className="btn btn-danger btn-small" disabled={busy} onClick={() => void run()} data-testid="audit-prune-confirm">
            {busy ? 'Pruning…' : `Prune expired events of ${tenant}`}
          </button>{' '}
          <button type="button" className="btn btn-small" disabled={busy} onClick={() => setConfirming(false)}>
            Keep them
          </button>
        </p>
      ) : (
        <button type="button" className="btn btn-small" onClick={() => setConfirming(true)} data-testid="audit-prune">
          Apply retention now
        </button>
      )}
      {error ? <FormError code={error.code} message={error.message} /> : null}
      {result ? (
        <p data-testid="audit-prune-result">
          Retention {result.retentionDays} days (cut-off {when(result.cutoff)}): {result.pruned} event{result.pruned === 1 ? '' : 's'} pruned
          {result.tombstoneSeq !== null ? `, tombstone at seq ${result.tombstoneSeq}` : ''}.
        </p>
      ) : null}
    </div>
  );
}

/**
 * What only a live stream has: verify it as Cassandra holds it, bring the local mirror up to
 * date, export a signed snapshot for offline review. `onSynced` lets the review read again.
 */
export function LiveTools({ cluster, tenant, onSynced }: { cluster: string; tenant: string | null; onSynced(): void }) {
  const client = useClient();
  const platform = useSession((s) => s.scopes[cluster]?.platform === true);
  const [verification, setVerification] = useState<Verification | null>(null);
  const [error, setError] = useState<WireError | null>(null);
  const [busy, setBusy] = useState<'verify' | 'sync' | null>(null);
  const verify = async (): Promise<void> => {
    setBusy('verify');
    const r = await verifyLive(client, cluster, tenant);
    setBusy(null);
    if (r.ok) {
      setVerification(r.value);
      setError(null);
    } else setError(r.error);
  };
  const sync = async (): Promise<void> => {
    setBusy('sync');
    const r = await syncLive(client, cluster, tenant);
    setBusy(null);
    if (r.ok) {
      setError(null);
      onSynced();
    } else setError(r.error);
  };
  return (
    <section className="card" aria-labelledby="audit-live-tools-title" data-testid="audit-live-tools">
      <header className="card-header">
        <h2 id="audit-live-tools-title">{tenant ? `Stream of tenant ${tenant}` : 'Platform stream'} on {cluster}</h2>
        <div className="card-actions">
          <button type="button" className="btn" disabled={busy !== null} onClick={() => void sync()} data-testid="audit-sync">
            {busy === 'sync' ? 'Fetching…' : 'Fetch new events'}
          </button>
          <button type="button" className="btn btn-primary" disabled={busy !== null} onClick={() => void verify()} data-testid="audit-verify">
            {busy === 'verify' ? 'Verifying…' : 'Verify chain'}
          </button>
        </div>
      </header>
      {error ? <FormError code={error.code} message={error.message} /> : null}
      {verification ? <VerificationView v={verification} testId="audit-live-verdict" signerNote /> : <p className="muted">Verify reads the stream as Cassandra holds it and checks every hash link, batch signature and chain head.</p>}
      <details className="details">
        <summary>Export a signed snapshot for offline review</summary>
        <ExportForm cluster={cluster} tenant={tenant} />
      </details>
      {tenant && platform ? (
        <details className="details">
          <summary>Retention</summary>
          <Retention cluster={cluster} tenant={tenant} onPruned={onSynced} />
        </details>
      ) : null}
    </section>
  );
}
