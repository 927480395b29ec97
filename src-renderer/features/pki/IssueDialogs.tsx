import { useId, useState, type ChangeEvent, type FormEvent } from 'react';
import { CERT_TYPES, MAX_CSR_BYTES, type CertType, type Issued, type PkiAlgorithm } from '../../../src-shared/contract/pki';
import { useClient } from '../../app/client';
import { Dialog } from '../../ui/Dialog';
import { TextAreaField, TextField } from '../../ui/Field';
import { issueCertificate, signCsr } from './actions';
import { FilesWritten, OutcomeNote, SelectField, StatusBadge } from './bits';
import { ALGORITHM_LABEL, allowedAlgorithms, colonHex, commonNameProblem, daysValue, parseSans, pathProblem, stamp, type Outcome } from './format';
import { pkiKey, usePki, type CertPolicyView } from './store';

const UNKNOWN_POLICY: CertPolicyView = { source: 'unknown', reason: 'reading the tenant policy…' };

export function usePolicy(cluster: string, tenant: string): CertPolicyView {
  return usePki((s) => s.policies[pkiKey(cluster, tenant)]) ?? UNKNOWN_POLICY;
}

/** One line on what the tenant's policy allows, so the operator knows the bounds before main says so. */
export function PolicyLine({ policy }: { policy: CertPolicyView }) {
  if (policy.source !== 'tenant') {
    return (
      <p className="muted small" data-testid="pki-policy" data-source="unknown">
        The tenant&apos;s certificate policy could not be read ({policy.reason}); main still enforces it.
      </p>
    );
  }
  return (
    <p className="muted small" data-testid="pki-policy" data-source="tenant">
      Tenant policy: {policy.algorithms.join(', ')} (RSA at least {policy.minRsaBits} bits), validity up to {policy.validityDays} days
      {policy.approvalRequired ? '; issuing needs a second person’s approval' : ''}
      {policy.maxCertificates !== null ? `; at most ${policy.maxCertificates} active certificates` : ''}.
    </p>
  );
}

/** The issued certificate and what main wrote, shown in the dialog until the operator closes it. */
export function IssuedView({ issued, testId = 'cert-issued' }: { issued: Issued; testId?: string }) {
  const c = issued.certificate;
  return (
    <div className="pki-result" role="status" data-testid={testId} data-serial={c.serial}>
      <dl className="kv">
        <dt>Serial</dt>
        <dd className="mono" data-testid="cert-issued-serial">
          {c.serial}
        </dd>
        <dt>Subject</dt>
        <dd className="mono break">{c.subject}</dd>
        <dt>SANs</dt>
        <dd className="mono break">{c.sans.length ? c.sans.join(', ') : '—'}</dd>
        <dt>Valid</dt>
        <dd>
          {stamp(c.notBefore)} → {stamp(c.notAfter)}
        </dd>
        <dt>Algorithm</dt>
        <dd>{ALGORITHM_LABEL[c.algorithm]}</dd>
        <dt>SHA-256</dt>
        <dd className="mono break small">{colonHex(c.fingerprintSha256)}</dd>
        <dt>Status</dt>
        <dd>
          <StatusBadge status={c.status} />
        </dd>
      </dl>
      <h3 className="pki-subhead">Files written</h3>
      <FilesWritten files={issued.files} />
      {issued.files.some((f) => f.kind === 'key') ? <p className="muted small">The private key file was written by main with mode 0600; it never passed through this window.</p> : null}
    </div>
  );
}

function OutputFields({ prefix, outDir, setOutDir, overwrite, setOverwrite, hint }: { prefix: string; outDir: string; setOutDir(v: string): void; overwrite: boolean; setOverwrite(v: boolean): void; hint: string }) {
  const problem = pathProblem(outDir);
  return (
    <>
      <TextField label="Output directory" optional value={outDir} onChange={(e) => setOutDir(e.target.value)} error={problem ?? undefined} hint={hint} placeholder="/absolute/path" data-testid={`${prefix}-outdir`} />
      <label className="radio">
        <input type="checkbox" checked={overwrite} onChange={(e) => setOverwrite(e.target.checked)} disabled={!outDir} data-testid={`${prefix}-overwrite`} />
        Replace existing files
      </label>
    </>
  );
}

/** Issue a client or node certificate with a key pair main generates (the key stays in main). */
export function IssueDialog({ cluster, tenant, onClose }: { cluster: string; tenant: string; onClose(): void }) {
  const client = useClient();
  const id = useId();
  const policy = usePolicy(cluster, tenant);
  const [type, setType] = useState<CertType>('client');
  const [cn, setCn] = useState('');
  const [sansText, setSansText] = useState('');
  const [algorithm, setAlgorithm] = useState<PkiAlgorithm | ''>('');
  const [validity, setValidity] = useState('');
  const [outDir, setOutDir] = useState('');
  const [overwrite, setOverwrite] = useState(false);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome<Issued> | null>(null);

  const cnProblem = commonNameProblem(cn);
  const sans = parseSans(sansText);
  const maxDays = policy.source === 'tenant' ? policy.validityDays : 3650;
  const days = daysValue(validity, 1, maxDays);
  const invalid = !cn.trim() || Boolean(cnProblem || sans.error || days.error || pathProblem(outDir));

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (invalid) return;
    setBusy(true);
    const o = await issueCertificate(client, {
      cluster,
      tenant,
      type,
      commonName: cn.trim(),
      sans: sans.sans,
      ...(algorithm ? { algorithm } : {}),
      ...(days.value !== undefined ? { validityDays: days.value } : {}),
      ...(outDir ? { outDir, overwrite } : {}),
    });
    setBusy(false);
    setOutcome(o);
  };

  if (outcome?.kind === 'done') {
    return (
      <Dialog title={`Issued to ${outcome.value.certificate.commonName}`} onClose={onClose} testId="cert-issue-dialog" size="wide">
        <IssuedView issued={outcome.value} />
        <div className="dialog-actions">
          <button type="button" className="btn btn-primary" onClick={onClose} data-testid="cert-issue-done">
            Done
          </button>
        </div>
      </Dialog>
    );
  }

  return (
    <Dialog title="Issue a certificate" description="Main generates the key pair and keeps it wrapped under the tenant's keys; with an output directory it writes NAME.crt.pem, NAME.key.pem (PKCS#8) and ca.pem there. This window never receives the private key." onClose={onClose} testId="cert-issue-dialog" size="wide">
      <form onSubmit={(e) => void submit(e)}>
        <PolicyLine policy={policy} />
        <div className="form-grid">
          <SelectField<CertType> id={`${id}-type`} label="Type" value={type} onChange={setType} testId="cert-issue-type" options={CERT_TYPES.map((t) => ({ value: t, label: t === 'client' ? 'client (TLS client authentication)' : 'node (TLS server and client, for a Cassandra node)' }))} />
          <TextField label="Common name" value={cn} onChange={(e) => setCn(e.target.value)} error={cnProblem ?? undefined} hint="letters, digits, space, . _ @ -; at most 64" data-testid="cert-issue-cn" required />
          <div className="form-span">
            <TextAreaField label="Subject alternative names" optional rows={3} value={sansText} onChange={(e) => setSansText(e.target.value)} error={sans.error ?? undefined} hint={type === 'node' ? 'one per line: the node’s DNS names and IP addresses' : 'one per line: DNS names or IP addresses'} data-testid="cert-issue-sans" />
          </div>
          <SelectField<PkiAlgorithm | ''>
            id={`${id}-alg`}
            label="Key algorithm"
            value={algorithm}
            onChange={setAlgorithm}
            testId="cert-issue-algorithm"
            options={[{ value: '', label: 'Policy default' }, ...allowedAlgorithms(policy).map((a) => ({ value: a, label: ALGORITHM_LABEL[a] }))]}
          />
          <TextField label="Validity (days)" optional inputMode="numeric" value={validity} onChange={(e) => setValidity(e.target.value)} error={days.error ?? undefined} hint={`1–${maxDays}; empty: the policy's ${policy.source === 'tenant' ? `${policy.validityDays} days` : 'default'}`} data-testid="cert-issue-validity" />
          <div className="form-span">
            <OutputFields prefix="cert-issue" outDir={outDir} setOutDir={setOutDir} overwrite={overwrite} setOverwrite={setOverwrite} hint="absolute path (created if missing); empty: nothing written, the key stays wrapped in the console (export it later)" />
          </div>
        </div>
        <OutcomeNote outcome={outcome} />
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy || invalid} data-testid="cert-issue-submit">
            {busy ? 'Issuing…' : 'Issue'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** Sign a CSR the requester made (the requester keeps the key). The CSR is public: read here, sent as text. */
export function CsrDialog({ cluster, tenant, onClose }: { cluster: string; tenant: string; onClose(): void }) {
  const client = useClient();
  const id = useId();
  const policy = usePolicy(cluster, tenant);
  const [type, setType] = useState<CertType>('client');
  const [csr, setCsr] = useState('');
  const [fileNote, setFileNote] = useState<string | null>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  const [validity, setValidity] = useState('');
  const [outDir, setOutDir] = useState('');
  const [overwrite, setOverwrite] = useState(false);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome<Issued> | null>(null);

  const maxDays = policy.source === 'tenant' ? policy.validityDays : 3650;
  const days = daysValue(validity, 1, maxDays);
  const bytes = new TextEncoder().encode(csr).length;
  const csrProblem = bytes > MAX_CSR_BYTES ? `larger than ${MAX_CSR_BYTES} bytes (${bytes})` : csr.trim() && !/-----BEGIN (NEW )?CERTIFICATE REQUEST-----/.test(csr) ? 'not a PEM certificate request (-----BEGIN CERTIFICATE REQUEST-----); main parses it and says what is wrong' : null;
  // The PEM check is a hint only: main is the parser; a non-PEM paste is still sent so main names the problem.
  const invalid = !csr.trim() || bytes > MAX_CSR_BYTES || Boolean(days.error || pathProblem(outDir));

  const pick = async (e: ChangeEvent<HTMLInputElement>): Promise<void> => {
    const file = e.target.files?.[0];
    e.target.value = '';
    if (!file) return;
    if (file.size > MAX_CSR_BYTES) {
      setFileError(`${file.name}: ${file.size} bytes, a CSR is at most ${MAX_CSR_BYTES}`);
      return;
    }
    try {
      setCsr(await file.text());
      setFileNote(`${file.name} (${file.size} bytes)`);
      setFileError(null);
    } catch (err) {
      setFileError(`${file.name}: ${err instanceof Error ? err.message : 'could not be read'}`);
    }
  };

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (invalid) return;
    setBusy(true);
    const o = await signCsr(client, { cluster, tenant, type, csrPem: csr, ...(days.value !== undefined ? { validityDays: days.value } : {}), ...(outDir ? { outDir, overwrite } : {}) });
    setBusy(false);
    setOutcome(o);
  };

  if (outcome?.kind === 'done') {
    return (
      <Dialog title={`CSR of ${outcome.value.certificate.commonName} signed`} onClose={onClose} testId="cert-csr-dialog" size="wide">
        <IssuedView issued={outcome.value} testId="cert-csr-issued" />
        <div className="dialog-actions">
          <button type="button" className="btn btn-primary" onClick={onClose} data-testid="cert-csr-done">
            Done
          </button>
        </div>
      </Dialog>
    );
  }

  return (
    <Dialog title="Sign a CSR" description="Main checks the request's signature and its subject and SANs against the tenant's policy. The requester keeps the private key." onClose={onClose} testId="cert-csr-dialog" size="wide">
      <form onSubmit={(e) => void submit(e)}>
        <PolicyLine policy={policy} />
        <div className="form-grid">
          <SelectField<CertType> id={`${id}-type`} label="Type" value={type} onChange={setType} testId="cert-csr-type" options={CERT_TYPES.map((t) => ({ value: t, label: t }))} />
          <div className="field">
            <label htmlFor={`${id}-file`}>CSR file</label>
            <input id={`${id}-file`} type="file" accept=".csr,.pem,.req,.txt" onChange={(e) => void pick(e)} aria-describedby={`${id}-file-note`} data-testid="cert-csr-file" />
            <div id={`${id}-file-note`} className={fileError ? 'field-error' : 'field-hint'} role={fileError ? 'alert' : undefined}>
              {fileError ?? (fileNote ? `Read ${fileNote} into the field below` : 'or paste the PEM below')}
            </div>
          </div>
          <div className="form-span">
            <TextAreaField label="CSR (PEM)" rows={8} className="mono" value={csr} onChange={(e) => setCsr(e.target.value)} error={csrProblem ?? undefined} hint={`-----BEGIN CERTIFICATE REQUEST----- …; at most ${MAX_CSR_BYTES / 1024} KiB`} data-testid="cert-csr-pem" required />
          </div>
          <TextField label="Validity (days)" optional inputMode="numeric" value={validity} onChange={(e) => setValidity(e.target.value)} error={days.error ?? undefined} hint={`1–${maxDays}`} data-testid="cert-csr-validity" />
          <div className="form-span">
            <OutputFields prefix="cert-csr" outDir={outDir} setOutDir={setOutDir} overwrite={overwrite} setOverwrite={setOverwrite} hint="absolute path (created if missing): main writes NAME.crt.pem and ca.pem there" />
          </div>
        </div>
        <OutcomeNote outcome={outcome} />
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy || invalid} data-testid="cert-csr-submit">
            {busy ? 'Signing…' : 'Sign CSR'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
