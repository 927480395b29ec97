import { useCallback, useEffect, useState } from 'react';
import type { JobProgress, TenantKeyStatus, WireError } from '../../../src-shared/contract';
import { call } from '../../app/call';
import { useClient } from '../../app/client';
import { Badge } from '../../ui/Badge';
import { FormError, TextAreaField } from '../../ui/Field';
import { Progress } from '../../ui/Progress';
import { offerDownload } from './download';

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

/**
 * The Keys tab of a tenant (issue 4): key versions and dates, rotation due, rotate with
 * progress, escrow export. Mounted by the tenant detail view.
 */
export function KeysTab(props: { cluster: string; tenant: string }) {
  const { cluster, tenant } = props;
  const client = useClient();
  const [status, setStatus] = useState<TenantKeyStatus | null>(null);
  const [error, setError] = useState<WireError | null>(null);
  const [rotating, setRotating] = useState<JobProgress | null>(null);
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

  // The rotate call returns when the job ends; its progress arrives meanwhile as job.progress.
  const label = `Rotate keys of tenant ${tenant} on ${cluster}`;
  useEffect(
    () =>
      client.on('job.progress', (p) => {
        if (p.kind === 'keys.rotate' && p.label === label) setRotating(p);
      }),
    [client, label],
  );

  const rotate = async (): Promise<void> => {
    setBusy(true);
    setRotating({ jobId: '', kind: 'keys.rotate', label, step: 'starting', fraction: null, state: 'running' });
    const r = await call(client, 'keys.rotate', { cluster, tenant }, {
      success: (v) => `Tenant ${tenant}: KEK v${v.report.kekVersion}, ${v.report.reencrypted} cached values re-encrypted`,
    });
    setBusy(false);
    setRotating(null);
    if (r.ok) await load();
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
          <div className="card-actions">
            <button type="button" className="btn btn-primary" onClick={() => void rotate()} disabled={busy} data-testid="rotate-keys">
              {unfinished ? 'Finish rotation' : 'Rotate keys'}
            </button>
          </div>
        </header>
        <dl className="kv">
          <dt>Last rotated</dt>
          <dd data-testid="last-rotated">{day(status.lastRotatedAt)}</dd>
          <dt>Rotation</dt>
          <dd>
            <RotationDue s={status} /> <span className="muted small">every {status.rotation.intervalDays} days</span>
          </dd>
          <dt>Keys opened with</dt>
          <dd>{status.source === 'master' ? <>installation master key <code className="mono">{status.masterFingerprint ?? '—'}</code></> : 'a tenant key share held by this console'}</dd>
        </dl>
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
    </div>
  );
}
