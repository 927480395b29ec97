import { useId, useState, type FormEvent } from 'react';
import type { ChannelOutput } from '../../../src-shared/contract';
import { REVOCATION_REASONS, type CertificateInfo, type Issued, type RevocationReason } from '../../../src-shared/contract/pki';
import { useClient } from '../../app/client';
import { Dialog } from '../../ui/Dialog';
import { TextField } from '../../ui/Field';
import { exportCertificate, renewCertificate, revokeCertificate, writeBundle } from './actions';
import { FilesWritten, OutcomeNote, SelectField } from './bits';
import { daysValue, pathProblem, REASON_LABEL, type Outcome } from './format';
import { IssuedView, PolicyLine, usePolicy } from './IssueDialogs';

type Props = { cluster: string; tenant: string; cert: CertificateInfo; onClose(): void };

function Who({ cert }: { cert: CertificateInfo }) {
  return (
    <>
      <strong>{cert.commonName}</strong> (<code className="mono">{cert.serial}</code>, {cert.type})
    </>
  );
}

export function RevokeDialog({ cluster, tenant, cert, onClose }: Props) {
  const client = useClient();
  const id = useId();
  const [reason, setReason] = useState<RevocationReason>('unspecified');
  const [confirmed, setConfirmed] = useState(false);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome<CertificateInfo> | null>(null);
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (!confirmed) return;
    setBusy(true);
    const o = await revokeCertificate(client, { cluster, tenant, serial: cert.serial, reason });
    setBusy(false);
    if (o.kind === 'done') onClose();
    else setOutcome(o);
  };
  return (
    <Dialog title={`Revoke ${cert.commonName}?`} description={<>Revocation cannot be undone. The next CRL lists <Who cert={cert} />; sign one on the CA panel to publish it.</>} onClose={onClose} testId="cert-revoke-dialog">
      <form onSubmit={(e) => void submit(e)}>
        <SelectField<RevocationReason> id={`${id}-reason`} label="Reason (RFC 5280)" value={reason} onChange={setReason} testId="cert-revoke-reason" options={REVOCATION_REASONS.map((r) => ({ value: r, label: `${REASON_LABEL[r]} (${r})` }))} />
        <label className="radio pki-confirm">
          <input type="checkbox" checked={confirmed} onChange={(e) => setConfirmed(e.target.checked)} data-testid="cert-revoke-confirm-check" />
          I mean to revoke serial <code className="mono">{cert.serial}</code>
        </label>
        <OutcomeNote outcome={outcome} />
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-danger" disabled={busy || !confirmed} data-testid="cert-revoke-confirm">
            {busy ? 'Revoking…' : 'Revoke certificate'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export function RenewDialog({ cluster, tenant, cert, onClose }: Props) {
  const client = useClient();
  const policy = usePolicy(cluster, tenant);
  // A CSR's requester holds the key: main can only re-sign the same public key (or a new CSR is signed).
  const newKeyRefused = cert.source === 'csr' ? 'the requester holds this certificate’s key (signed from a CSR): renew with the same key, or sign a new CSR' : null;
  const [newKey, setNewKey] = useState(newKeyRefused === null);
  const [validity, setValidity] = useState('');
  const [outDir, setOutDir] = useState('');
  const [overwrite, setOverwrite] = useState(false);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome<Issued> | null>(null);
  const maxDays = policy.source === 'tenant' ? policy.validityDays : 3650;
  const days = daysValue(validity, 1, maxDays);
  const problem = pathProblem(outDir);
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (days.error || problem) return;
    setBusy(true);
    const o = await renewCertificate(client, { cluster, tenant, serial: cert.serial, newKey, ...(days.value !== undefined ? { validityDays: days.value } : {}), ...(outDir ? { outDir, overwrite } : {}) });
    setBusy(false);
    setOutcome(o);
  };
  if (outcome?.kind === 'done') {
    return (
      <Dialog title={`Renewed ${cert.commonName}`} onClose={onClose} testId="cert-renew-dialog" size="wide">
        <p>
          <code className="mono">{cert.serial}</code> is superseded by the certificate below.
        </p>
        <IssuedView issued={outcome.value} testId="cert-renewed" />
        <div className="dialog-actions">
          <button type="button" className="btn btn-primary" onClick={onClose} data-testid="cert-renew-done">
            Done
          </button>
        </div>
      </Dialog>
    );
  }
  return (
    <Dialog title={`Renew ${cert.commonName}`} description={<>A new certificate with the subject and SANs of <Who cert={cert} />; the old one is marked superseded by it.</>} onClose={onClose} testId="cert-renew-dialog">
      <form onSubmit={(e) => void submit(e)}>
        <PolicyLine policy={policy} />
        <fieldset className="form-fieldset">
          <legend>Key</legend>
          <div className="radio-row">
            <label className="radio" title={newKeyRefused ?? undefined}>
              <input type="radio" name="renew-key" checked={newKey} onChange={() => setNewKey(true)} disabled={Boolean(newKeyRefused)} data-testid="cert-renew-newkey" />
              New key pair
            </label>
            <label className="radio">
              <input type="radio" name="renew-key" checked={!newKey} onChange={() => setNewKey(false)} data-testid="cert-renew-samekey" />
              Same key
            </label>
          </div>
          {newKeyRefused ? <p className="muted small">New key unavailable: {newKeyRefused}.</p> : <p className="muted small">Same key: the new certificate certifies the key the console already holds (if the tenant&apos;s policy still allows its algorithm).</p>}
        </fieldset>
        <TextField label="Validity (days)" optional inputMode="numeric" value={validity} onChange={(e) => setValidity(e.target.value)} error={days.error ?? undefined} hint={`1–${maxDays}`} data-testid="cert-renew-validity" />
        <TextField label="Output directory" optional value={outDir} onChange={(e) => setOutDir(e.target.value)} error={problem ?? undefined} hint="absolute path; main writes the new certificate, key and ca.pem there" data-testid="cert-renew-outdir" />
        <label className="radio">
          <input type="checkbox" checked={overwrite} onChange={(e) => setOverwrite(e.target.checked)} disabled={!outDir} />
          Replace existing files
        </label>
        <OutcomeNote outcome={outcome} />
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy || Boolean(days.error || problem)} data-testid="cert-renew-submit">
            {busy ? 'Renewing…' : 'Renew'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/**
 * Export as PEM files or a PKCS#12. The password is this dialog's state only: it goes to main in the
 * call input, is cleared once the call returns, and is never put in a store.
 */
export function ExportDialog({ cluster, tenant, cert, onClose }: Props) {
  const client = useClient();
  const [format, setFormat] = useState<'pem' | 'p12'>(cert.hasKey ? 'p12' : 'pem');
  const [includeKey, setIncludeKey] = useState(cert.hasKey);
  const [out, setOut] = useState('');
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [overwrite, setOverwrite] = useState(false);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome<ChannelOutput<'cert.export'>> | null>(null);
  const problem = pathProblem(out);
  const pwProblem = format !== 'p12' || !password ? null : password.length < 8 ? 'at least 8 characters' : password.length > 1024 ? 'at most 1024 characters' : null;
  const mismatch = format === 'p12' && again.length > 0 && again !== password ? 'the two entries differ' : null;
  const invalid = !out || Boolean(problem) || (format === 'p12' && (!password || Boolean(pwProblem) || again !== password));
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (invalid) return;
    setBusy(true);
    const o = await exportCertificate(client, { cluster, tenant, serial: cert.serial, format, out, overwrite, ...(format === 'p12' ? { password } : { includeKey }) });
    setPassword('');
    setAgain('');
    setBusy(false);
    setOutcome(o);
  };
  return (
    <Dialog title={`Export ${cert.commonName}`} description={<>Main writes the files of <Who cert={cert} />; the key leaves main only into them.</>} onClose={onClose} testId="cert-export-dialog">
      {outcome?.kind === 'done' ? (
        <>
          <FilesWritten files={outcome.value.files} testId="cert-export-files" />
          <div className="dialog-actions">
            <button type="button" className="btn btn-primary" onClick={onClose} data-testid="cert-export-done">
              Done
            </button>
          </div>
        </>
      ) : (
        <form onSubmit={(e) => void submit(e)}>
          <fieldset className="form-fieldset">
            <legend>Format</legend>
            <div className="radio-row">
              <label className="radio">
                <input type="radio" name="export-format" checked={format === 'pem'} onChange={() => setFormat('pem')} data-testid="cert-export-pem" />
                PEM files (certificate, chain{includeKey ? ', key as PKCS#8' : ''})
              </label>
              <label className="radio" title={cert.hasKey ? undefined : 'no key held: a PKCS#12 needs the private key'}>
                <input type="radio" name="export-format" checked={format === 'p12'} onChange={() => setFormat('p12')} disabled={!cert.hasKey} data-testid="cert-export-p12" />
                PKCS#12 (password protected)
              </label>
            </div>
            {cert.hasKey ? null : <p className="muted small">Signed from a CSR: the requester holds the key, so only the certificate and chain can be exported.</p>}
          </fieldset>
          {format === 'pem' ? (
            <label className="radio pki-confirm">
              <input type="checkbox" checked={includeKey} onChange={(e) => setIncludeKey(e.target.checked)} disabled={!cert.hasKey} data-testid="cert-export-include-key" />
              Include the private key (NAME.key.pem, PKCS#8, mode 0600)
            </label>
          ) : null}
          <TextField
            label={format === 'pem' ? 'Output directory' : 'Output file'}
            value={out}
            onChange={(e) => setOut(e.target.value)}
            error={problem ?? undefined}
            hint={format === 'pem' ? `absolute path of a directory: NAME.crt.pem${includeKey ? ', NAME.key.pem' : ''}, ca.pem` : 'absolute path of the .p12 file'}
            placeholder={format === 'pem' ? '/absolute/dir' : '/absolute/dir/name.p12'}
            data-testid="cert-export-out"
            required
          />
          {format === 'p12' ? (
            <>
              <TextField label="PKCS#12 password" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} error={pwProblem ?? undefined} hint="at least 8 characters; needed to open the file (openssl pkcs12, keytool)" data-testid="cert-export-password" required />
              <TextField label="Password again" type="password" autoComplete="new-password" value={again} onChange={(e) => setAgain(e.target.value)} error={mismatch ?? undefined} data-testid="cert-export-password-again" required />
            </>
          ) : null}
          <label className="radio">
            <input type="checkbox" checked={overwrite} onChange={(e) => setOverwrite(e.target.checked)} />
            Replace existing files
          </label>
          <OutcomeNote outcome={outcome} />
          <div className="dialog-actions">
            <button type="button" className="btn" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" className="btn btn-primary" disabled={busy || invalid} data-testid="cert-export-submit">
              {busy ? 'Exporting…' : 'Export'}
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}

export function BundleDialog({ cluster, tenant, cert, onClose }: Props) {
  const client = useClient();
  const [out, setOut] = useState('');
  const [overwrite, setOverwrite] = useState(false);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome<ChannelOutput<'cert.bundle'>> | null>(null);
  const problem = pathProblem(out);
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (!out || problem) return;
    setBusy(true);
    const o = await writeBundle(client, { cluster, tenant, serial: cert.serial, out, overwrite });
    setBusy(false);
    setOutcome(o);
  };
  return (
    <Dialog title={`Secure connect bundle for ${cert.commonName}`} description="A zip with the CA, this client certificate, its key and a config naming the contact points, the local data centre and the tenant's keyspaces: everything a driver needs to connect with TLS." onClose={onClose} testId="cert-bundle-dialog">
      {outcome?.kind === 'done' ? (
        <div role="status" data-testid="cert-bundle-result">
          <FilesWritten files={[outcome.value.file]} testId="cert-bundle-file" />
          <dl className="kv">
            <dt>Entries</dt>
            <dd className="mono break">{outcome.value.entries.join(', ')}</dd>
            <dt>Contact points</dt>
            <dd className="mono break">{outcome.value.contactPoints.join(', ')}</dd>
            <dt>Local DC</dt>
            <dd className="mono">{outcome.value.localDataCenter}</dd>
            <dt>Keyspaces</dt>
            <dd className="mono break">{outcome.value.keyspaces.join(', ') || '—'}</dd>
          </dl>
          <div className="dialog-actions">
            <button type="button" className="btn btn-primary" onClick={onClose} data-testid="cert-bundle-done">
              Done
            </button>
          </div>
        </div>
      ) : (
        <form onSubmit={(e) => void submit(e)}>
          <TextField label="Output file" value={out} onChange={(e) => setOut(e.target.value)} error={problem ?? undefined} hint="absolute path of the .zip main writes (it holds the private key: keep it like one)" placeholder="/absolute/dir/bundle.zip" data-testid="cert-bundle-out" required />
          <label className="radio">
            <input type="checkbox" checked={overwrite} onChange={(e) => setOverwrite(e.target.checked)} />
            Replace an existing file
          </label>
          <OutcomeNote outcome={outcome} />
          <div className="dialog-actions">
            <button type="button" className="btn" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" className="btn btn-primary" disabled={busy || !out || Boolean(problem)} data-testid="cert-bundle-submit">
              {busy ? 'Writing…' : 'Write bundle'}
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}
