import { useState, type FormEvent } from 'react';
import type { SnapshotInfo } from '../../../src-shared/contract/audit';
import { useClient } from '../../app/client';
import { Badge } from '../../ui/Badge';
import { FormError } from '../../ui/Field';
import { importSnapshot, removeSnapshot, reverifySnapshot, verifyFile } from './actions';
import { pathError, when } from './format';
import { useAudit, type FileCheck } from './store';
import { VerificationView } from './Verification';

function ImportForm() {
  const client = useClient();
  const importError = useAudit((s) => s.importError);
  const [file, setFile] = useState('');
  const [fieldError, setFieldError] = useState<string | undefined>();
  const [busy, setBusy] = useState<'import' | 'verify' | null>(null);
  const go = async (what: 'import' | 'verify'): Promise<void> => {
    const fe = pathError(file, 'snapshot file');
    setFieldError(fe);
    if (fe || busy) return;
    setBusy(what);
    const ok = what === 'import' ? await importSnapshot(client, file.trim()) : await verifyFile(client, file.trim());
    setBusy(null);
    if (ok && what === 'import') setFile('');
  };
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    void go('import');
  };
  return (
    <form className="form-grid audit-import" onSubmit={submit} noValidate aria-label="Import a snapshot" data-testid="audit-import-form">
      <div className={`field form-span${fieldError ? ' field-invalid' : ''}`}>
        <label htmlFor="audit-import-file">Snapshot file (absolute path on this machine)</label>
        <input
          id="audit-import-file"
          value={file}
          onChange={(e) => setFile(e.target.value)}
          aria-invalid={fieldError ? true : undefined}
          aria-describedby={fieldError ? 'audit-import-file-error' : 'audit-import-file-hint'}
          autoComplete="off"
          spellCheck={false}
          placeholder="/media/usb/acme-audit-2026-11.csmaudit"
          data-testid="audit-import-file"
        />
        {fieldError ? (
          <p id="audit-import-file-error" className="field-error">
            {fieldError}
          </p>
        ) : (
          <p id="audit-import-file-hint" className="field-hint">
            Needs no network and no cluster. The file is verified on import and kept encrypted in the local cache.
          </p>
        )}
      </div>
      <div className="page-actions">
        <button type="submit" className="btn btn-primary" disabled={busy !== null} data-testid="audit-import-submit">
          {busy === 'import' ? 'Importing…' : 'Import'}
        </button>
        <button type="button" className="btn" disabled={busy !== null} onClick={() => void go('verify')} data-testid="audit-verify-file">
          {busy === 'verify' ? 'Verifying…' : 'Verify only'}
        </button>
      </div>
      {importError ? (
        <div className="form-span" data-testid="audit-import-error">
          <FormError code={importError.code} message={importError.message} />
        </div>
      ) : null}
    </form>
  );
}

function FileCheckView({ c }: { c: FileCheck }) {
  return (
    <section className="card" aria-labelledby="audit-file-check-title" data-testid="audit-file-check" data-refused={c.refused ? 'true' : 'false'}>
      <header className="card-header">
        <h3 id="audit-file-check-title">{c.refused ? 'Not imported — the file does not verify' : 'Verified, not imported'}</h3>
      </header>
      <p className="mono break small" data-testid="audit-file-check-path">
        {c.file}
      </p>
      <VerificationView v={c.verification} testId="audit-file-verdict" signerNote={c.verification.intact} />
    </section>
  );
}

function LastImport({ s }: { s: SnapshotInfo }) {
  return (
    <section className="card" aria-labelledby="audit-last-import-title" data-testid="audit-last-import" data-snapshot={s.id}>
      <header className="card-header">
        <h3 id="audit-last-import-title">Imported: {s.stream}</h3>
      </header>
      <VerificationView v={s.verification} testId="audit-import-verdict" />
      <dl className="kv">
        <dt>Signer key fingerprint</dt>
        <dd>
          <code className="mono break audit-fingerprint" data-testid="audit-import-fingerprint">
            {s.signerFingerprint}
          </code>
          <p className="muted small">Compare this fingerprint out-of-band (by phone, in person, on paper) with the one the tenant's key holder published. A snapshot re-signed with another key verifies too — only the fingerprint tells you who signed it.</p>
        </dd>
        <dt>From</dt>
        <dd>
          cluster {s.cluster}, exported by {s.createdBy} at {when(s.createdAt)}
        </dd>
        <dt>Events</dt>
        <dd>
          {s.events}
          {s.firstSeq !== null ? ` (seq ${s.firstSeq}–${s.lastSeq ?? '?'})` : ''}
          {s.since || s.until ? ` · range ${s.since ? when(s.since) : 'start'} → ${s.until ? when(s.until) : 'end'}` : ''}
        </dd>
        <dt>File SHA-256</dt>
        <dd className="mono break">{s.sha256}</dd>
      </dl>
    </section>
  );
}

/** Imported snapshots: import by path (verdict shown at once), the list, review / verify again / remove. */
export function SnapshotsPanel() {
  const client = useClient();
  const { snapshots, snapshotsStatus, snapshotsError, lastImport, fileCheck, source, setSource } = useAudit();
  const [confirm, setConfirm] = useState<string | null>(null);
  return (
    <section className="card" aria-labelledby="audit-snapshots-title" data-testid="audit-snapshots">
      <header className="card-header">
        <h2 id="audit-snapshots-title">Imported snapshots</h2>
      </header>
      <ImportForm />
      {fileCheck ? <FileCheckView c={fileCheck} /> : null}
      {lastImport ? <LastImport s={lastImport} /> : null}
      {snapshotsError ? <FormError code={snapshotsError.code} message={snapshotsError.message} /> : null}
      {snapshots.length ? (
        <div className="table-wrap">
          <table className="table" data-testid="audit-snapshot-list">
            <caption className="sr-only">Snapshots imported on this machine</caption>
            <thead>
              <tr>
                <th scope="col">Stream</th>
                <th scope="col">Verdict</th>
                <th scope="col">Events</th>
                <th scope="col">Exported</th>
                <th scope="col">Signer</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {snapshots.map((s) => {
                const chosen = source?.kind === 'snapshot' && source.snapshotId === s.id;
                return (
                  <tr key={s.id} data-testid={`audit-snapshot-${s.id}`} data-intact={s.verification.intact ? 'true' : 'false'} aria-current={chosen ? 'true' : undefined}>
                    <td>
                      <div className="strong">{s.stream}</div>
                      <div className="muted small">
                        {s.cluster} · imported {when(s.importedAt)}
                      </div>
                    </td>
                    <td>{s.verification.intact ? <Badge tone="success">INTACT</Badge> : <Badge tone="danger">{`TAMPERED (${s.verification.problems.length})`}</Badge>}</td>
                    <td>{s.events}</td>
                    <td>
                      <div>{when(s.createdAt)}</div>
                      <div className="muted small">by {s.createdBy}</div>
                    </td>
                    <td className="mono small" title={s.signerFingerprint}>
                      {s.signerFingerprint}
                    </td>
                    <td className="cell-actions">
                      <button type="button" className="btn btn-small btn-primary" disabled={chosen} onClick={() => setSource({ kind: 'snapshot', snapshotId: s.id })} data-testid={`audit-snapshot-review-${s.id}`}>
                        {chosen ? 'Reviewing' : 'Review'}
                      </button>
                      <button type="button" className="btn btn-small" onClick={() => void reverifySnapshot(client, s.id)} data-testid={`audit-snapshot-verify-${s.id}`}>
                        Verify again
                      </button>
                      {confirm === s.id ? (
                        <>
                          <button
                            type="button"
                            className="btn btn-small btn-danger"
                            onClick={() =>
                              void removeSnapshot(client, s.id).then(() => {
                                setConfirm(null);
                              })
                            }
                            data-testid={`audit-snapshot-remove-confirm-${s.id}`}
                          >
                            Remove for good
                          </button>
                          <button type="button" className="btn btn-small" onClick={() => setConfirm(null)}>
                            Keep
                          </button>
                        </>
                      ) : (
                        <button type="button" className="btn btn-small btn-ghost" onClick={() => setConfirm(s.id)} data-testid={`audit-snapshot-remove-${s.id}`}>
                          Remove
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : snapshotsStatus === 'ready' ? (
        <p className="muted" data-testid="audit-no-snapshots">
          No snapshot imported on this machine yet.
        </p>
      ) : null}
    </section>
  );
}
