import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { JobProgress, RotationOutcome, TenantKeyStatus, WireError } from '../../../src-shared/contract';
import { call } from '../../app/call';
import { useClient } from '../../app/client';
import { useSession } from '../../app/stores/session';
import { Badge } from '../../ui/Badge';
import { FormError, TextAreaField } from '../../ui/Field';
import { Progress } from '../../ui/Progress';
import { offerDownload } from './download';
import { NewPassphrase, strong } from './passphrase';

/** The label main gives a rotation job of this tenant (src-main/keys/handlers.ts rotationLabel). */
const rotationLabel = (cluster: string, tenant: string): string => `Rotate keys of tenant ${tenant} on ${cluster}`;

type KeyLine = TenantKeyStatus['kek'];
const day = (iso: string | null): string => (iso ? iso.slice(0, 10) : '—');
const STATE_TONE = { active: 'success', retired: 'neutral', destroyed: 'danger' } as const;

function VersionRows({ name, line }: { name: string; line: KeyLine }) {
  if (line.versions.length === 0) {
    return (
      <tr>
        <th scope="row">{name}</th>
        <td colSpan={4} className="muted">
          none
        </td>
      </tr>
    );
  }
  return (
    <>
      {line.versions.map((v, i) => (
        <tr key={`${name}-${v.version}`} data-testid={`key-row-${name}-${v.version}`}>
          {i === 0 ? (
            <th scope="row" rowSpan={line.versions.length}>
              {name}
            </th>
          ) : null}
          <td className="mono">v{v.version}</td>
          <td>
            <Badge tone={STATE_TONE[v.state]}>{v.state}</Badge>
          </td>
          <td className="nowrap">{day(v.createdAt)}</td>
          <td className="nowrap">{v.retiredAt ? day(v.retiredAt) : v.kekVersion !== undefined ? <span className="muted">under KEK v{v.kekVersion}</span> : '—'}</td>
        </tr>
      ))}
    </>
  );
}

function RotationDue({ s }: { s: TenantKeyStatus }) {
  const r = s.rotation;
  if (r.dueAt === null) return <span className="muted">—</span>;
  return r.due ? (
    <Badge tone="warning" testId="rotation-due">
      due{r.overdueDays > 0 ? ` (${r.overdueDays} days over)` : ''}
    </Badge>
  ) : (
    <span data-testid="rotation-due">
      in {r.daysLeft} days <span className="muted">({day(r.dueAt)})</span>
    </span>
  );
}

/** A tenant key share, exported from the tenant's own view (platform operators). */
function TenantShareExport({ cluster, tenant }: { cluster: string; tenant: string }) {
  const client = useClient();
  const [pass, setPass] = useState('');
  const [again, setAgain] = useState('');
  const [failure, setFailure] = useState<WireError | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const r = await call(client, 'keys.exportTenantShare', { cluster, tenant, passphrase: pass }, { quiet: true, success: (v) => `Tenant key share of ${v.tenant} ready to save` });
    setPass('');
    setAgain('');
    if (!r.ok) {
      setSaved(null);
      return setFailure(r.error);
    }
    setFailure(null);
    offerDownload(r.value.fileName, r.value.text);
    setSaved(r.value.fileName);
  };
  return (
    <section className="card" aria-labelledby="tenant-share-title">
      <header className="card-header">
        <h2 id="tenant-share-title">Tenant key share</h2>
      </header>
      <form onSubmit={(e) => void submit(e)} data-testid="tenant-share-form">
        <p className="muted small">This tenant&apos;s key only, sealed with a passphrase, for the tenant admin&apos;s console: it opens this tenant&apos;s keys and no other&apos;s.</p>
        <NewPassphrase id="tenant-share" value={pass} confirm={again} onChange={setPass} onConfirm={setAgain} />
        {failure ? <FormError code={failure.code} message={failure.message} /> : null}
        {saved ? (
          <p role="status" className="muted small" data-testid="tenant-share-done">
            Offered as {saved}
          </p>
        ) : null}
        <button type="submit" className="btn" disabled={!strong(pass, again)} data-testid="export-tenant-share">
          Export tenant key share
        </button>
      </form>
    </section>
  );
}

function RotationResult({ outcome }: { outcome: RotationOutcome }) {
  const r = outcome.report;
  if (!r) {
    return (
      <div data-testid="rotation-result" data-state={outcome.state}>
        <FormError code={outcome.error?.code ?? 'INTERNAL'} message={`Rotation ${outcome.state}${outcome.error ? `: ${outcome.error.message}` : ''}`} />
      </div>
    );
  }
  return (
    <p className={r.unreadable.length ? 'notice notice-warning' : 'notice'} data-testid="rotation-result" data-state={outcome.state}>
      {r.resumed ? 'Finished an interrupted rotation' : 'Rotated'}: KEK v{r.kekVersion}
      {r.retiredKekVersions.length ? ` (retired v${r.retiredKekVersions.join(', v')})` : ''}, {r.rewrapped} data keys rewrapped, {r.reencrypted} cached values re-encrypted
      {r.unreadable.length ? `; ${r.unreadable.length} cached values did not open and were left as they are` : ''}.
    </p>
  );
}

/**
 * The Keys tab of a tenant (issue 4): key versions and dates, rotation due, rotate with
 * progress, tenant key share and escrow export. Mounted by the tenant detail view. Rotation,
 * share and escrow export are platform actions: a tenant admin's console sees the keys only.
 */
export function KeysTab(props: { cluster: string; tenant: string }) {
  const { cluster, tenant } = props;
  const client = useClient();
  // Unknown scope (not yet read): offer the actions; main refuses them anyway if out of scope.
  const platform = useSession((s) => s.scopes[cluster]?.platform ?? true);
  const [status, setStatus] = useState<TenantKeyStatus | null>(null);
  const [error, setError] = useState<WireError | null>(null);
  const [rotating, setRotating] = useState<JobProgress | null>(null);
  const [outcome, setOutcome] = useState<RotationOutcome | null>(null);
  const [busy, setBusy] = useState(false);
  const [pem, setPem] = useState('');
  const [escrowError, setEscrowError] = useState<WireError | null>(null);

  const load = useCallback(async () => {
    const r = await call(client, 'keys.status', { cluster, tenant }, { quiet: true });
    if (r.ok) {
      setStatus(r.value[0] ?? null);
      setError(null);
    } else setError(r.error);
  }, [client, cluster, tenant]);

  useEffect(() => {
    void load();
  }, [load]);

  // keys.rotate answers with the job id at once; the job reports through job.progress, and when
  // it has ended its report is read and the status re-read. Matching on the label (the same one
  // main gives the job) also shows a rotation of this tenant started from another window.
  const label = rotationLabel(cluster, tenant);
  const ended = useCallback(
    async (p: JobProgress) => {
      let r = await call(client, 'keys.rotationReport', { cluster, tenant, jobId: p.jobId }, { quiet: true });
      // The event can overtake main's own bookkeeping of the job's end by a moment.
      if (r.ok && r.value.state === 'running') {
        await new Promise((res) => setTimeout(res, 250));
        r = await call(client, 'keys.rotationReport', { cluster, tenant, jobId: p.jobId }, { quiet: true });
      }
      if (r.ok && r.value.state !== 'running') setOutcome(r.value);
      else if (p.state === 'succeeded') setOutcome(null);
      else setOutcome({ jobId: p.jobId, cluster, tenantId: tenant, state: p.state === 'cancelled' ? 'cancelled' : 'failed', startedAt: '', finishedAt: null, report: null, error: { code: 'INTERNAL', message: p.message ?? 'the rotation did not finish' } });
      setRotating(null);
      setBusy(false);
      await load();
    },
    [client, cluster, tenant, load],
  );
  useEffect(
    () =>
      client.on('job.progress', (p) => {
        if (p.kind !== 'keys.rotate' || p.label !== label) return;
        if (p.state === 'running') {
          setBusy(true);
          setRotating(p);
        } else void ended(p);
      }),
    [client, label, ended],
  );

  const rotate = async (): Promise<void> => {
    setBusy(true);
    setOutcome(null);
    setRotating((cur) => cur ?? { jobId: '', kind: 'keys.rotate', label, step: 'starting', fraction: null, state: 'running' });
    const r = await call(client, 'keys.rotate', { cluster, tenant });
    if (!r.ok) {
      setBusy(false);
      setRotating(null);
    }
  };

  const exportEscrow = async (): Promise<void> => {
    const r = await call(client, 'keys.exportEscrow', { cluster, tenant, publicKeyPem: pem }, { quiet: true });
    if (!r.ok) {
      setEscrowError(r.error);
      return;
    }
    setEscrowError(null);
    setPem('');
    offerDownload(r.value.fileName, r.value.text);
  };

  if (error) {
    return (
      <section className="card" data-testid="keys-tab">
        <FormError code={error.code} message={error.message} />
        {!platform ? (
          <p className="muted small" data-testid="keys-share-hint">
            A tenant admin&apos;s console opens its tenant&apos;s keys with a tenant key share from a platform operator: import it under Settings → Key shares.
          </p>
        ) : null}
      </section>
    );
  }
  if (!status) {
    return (
      <section className="card" data-testid="keys-tab">
        <p className="muted">Loading keys…</p>
      </section>
    );
  }
  const unfinished = status.pending.kek || status.pending.reencrypt.length > 0;
  return (
    <div data-testid="keys-tab">
      <section className="card" aria-labelledby="keys-title">
        <header className="card-header">
          <h2 id="keys-title">Keys</h2>
          {platform ? (
            <div className="card-actions">
              <button type="button" className="btn btn-primary" onClick={() => void rotate()} disabled={busy} data-testid="rotate-keys">
                {unfinished ? 'Finish rotation' : 'Rotate keys'}
              </button>
            </div>
          ) : null}
        </header>
        <dl className="kv">
          <dt>Last rotated</dt>
          <dd data-testid="last-rotated">{day(status.lastRotatedAt)}</dd>
          <dt>Rotation</dt>
          <dd>
            <RotationDue s={status} /> <span className="muted small">every {status.rotation.intervalDays} days</span>
          </dd>
          <dt>Keys opened with</dt>
          <dd data-testid="key-source">
            {status.source === 'master' ? (
              <>
                installation master key <code className="mono">{status.masterFingerprint ?? '—'}</code>
              </>
            ) : (
              `a tenant key share held by this console${status.share ? ` (KEK v${status.share.versions.join(', v')})` : ''}`
            )}
          </dd>
        </dl>
        {status.share?.outdated ? (
          <p className="notice notice-warning" data-testid="share-outdated">
            The tenant&apos;s keys were rotated since this console&apos;s key share was made{status.share.clusterKekVersion !== null ? ` (they are now under KEK v${status.share.clusterKekVersion})` : ''}: ask a platform
            operator for a new tenant key share and import a fresh one under Settings → Key shares.
          </p>
        ) : null}
        {unfinished ? (
          <p className="notice notice-warning" data-testid="rotation-unfinished">
            An earlier rotation did not finish. Rotating again finishes it; nothing is lost.
          </p>
        ) : null}
        {rotating ? (
          <p data-testid="rotation-progress">
            <Progress fraction={rotating.fraction} label="Key rotation progress" /> <span className="muted">{rotating.step}</span>
          </p>
        ) : null}
        {outcome && !rotating ? <RotationResult outcome={outcome} /> : null}
        <div className="table-wrap">
          <table className="table table-compact" data-testid="key-versions">
            <thead>
              <tr>
                <th scope="col">Key</th>
                <th scope="col">Version</th>
                <th scope="col">State</th>
                <th scope="col">Created</th>
                <th scope="col">Retired</th>
              </tr>
            </thead>
            <tbody>
              <VersionRows name="KEK" line={status.kek} />
              <VersionRows name="cache" line={status.dataKeys.cache} />
              <VersionRows name="CA" line={status.dataKeys.ca} />
              <VersionRows name="signing" line={status.dataKeys.signing} />
            </tbody>
          </table>
        </div>
      </section>

      {platform ? (
        <>
          <TenantShareExport cluster={cluster} tenant={tenant} />
          <section className="card" aria-labelledby="escrow-title">
            <header className="card-header">
              <h2 id="escrow-title">Escrow export</h2>
            </header>
            <p className="muted small">The tenant&apos;s KEK sealed to an escrow agent&apos;s RSA or EC public key; only that agent&apos;s private key opens the file.</p>
            <TextAreaField label="Escrow agent public key (PEM)" value={pem} onChange={(e) => setPem(e.target.value)} rows={5} data-testid="escrow-pem" />
            {escrowError ? <FormError code={escrowError.code} message={escrowError.message} /> : null}
            <button type="button" className="btn" disabled={pem.trim() === ''} onClick={() => void exportEscrow()} data-testid="export-escrow">
              Export escrow file
            </button>
          </section>
        </>
      ) : null}
    </div>
  );
}
