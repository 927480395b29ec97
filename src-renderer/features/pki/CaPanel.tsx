import { useId, useState, type FormEvent } from 'react';
import type { CaInfo, PkiAlgorithm } from '../../../src-shared/contract/pki';
import { useClient } from '../../app/client';
import { Badge } from '../../ui/Badge';
import { FormError, TextField } from '../../ui/Field';
import { initCa, loadCa, signCrl } from './actions';
import { FilesWritten, OutcomeNote, PemBlock, SelectField } from './bits';
import { ALGORITHM_LABEL, allowedAlgorithms, colonHex, daysValue, pathProblem, stamp, type Outcome } from './format';
import { pkiKey, usePki, type CertPolicyView } from './store';

const UNKNOWN_POLICY: CertPolicyView = { source: 'unknown', reason: 'reading the tenant policy…' };

/** The tenant's certificate authority: what it is, its chain, its CRL state; create it or sign a CRL. */
export function CaPanel({ cluster, tenant, canMutate }: { cluster: string; tenant: string; canMutate: boolean }) {
  const client = useClient();
  const key = pkiKey(cluster, tenant);
  const ca = usePki((s) => s.ca[key]);
  const error = usePki((s) => s.caErrors[key]);
  return (
    <section className="card" aria-labelledby="pki-ca-title" data-testid="pki-ca" data-ca={ca === undefined ? 'loading' : ca === null ? 'none' : ca.kind}>
      <header className="card-header">
        <h2 id="pki-ca-title">Certificate authority</h2>
        {ca ? <Badge tone={ca.kind === 'root' ? 'info' : 'accent'} testId="pki-ca-kind">{ca.kind === 'root' ? 'tenant root' : 'subordinate of the platform root'}</Badge> : null}
      </header>
      {error ? (
        <>
          <FormError code={error.code} message={error.message} />
          <button type="button" className="btn btn-small" onClick={() => void loadCa(client, cluster, tenant)}>
            Try again
          </button>
        </>
      ) : ca === undefined ? (
        <p className="muted" aria-busy="true">
          Reading the CA…
        </p>
      ) : ca === null ? (
        <NoCa cluster={cluster} tenant={tenant} canMutate={canMutate} />
      ) : (
        <CaDetails cluster={cluster} tenant={tenant} ca={ca} canMutate={canMutate} />
      )}
    </section>
  );
}

function NoCa({ cluster, tenant, canMutate }: { cluster: string; tenant: string; canMutate: boolean }) {
  const client = useClient();
  const id = useId();
  const policy = usePki((s) => s.policies[pkiKey(cluster, tenant)]) ?? UNKNOWN_POLICY;
  const [algorithm, setAlgorithm] = useState<PkiAlgorithm | ''>('');
  const [validity, setValidity] = useState('');
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome<CaInfo> | null>(null);
  const days = daysValue(validity, 1, 3650);
  const algorithms = allowedAlgorithms(policy);
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (days.error) return;
    setBusy(true);
    const o = await initCa(client, { cluster, tenant, ...(algorithm ? { algorithm } : {}), ...(days.value !== undefined ? { validityDays: days.value } : {}) });
    setBusy(false);
    setOutcome(o);
  };
  return (
    <div data-testid="pki-no-ca">
      <p>
        This tenant has no certificate authority yet: nothing can be issued until it has one.
        {canMutate ? ' It is a root of its own, or a subordinate of the platform root when the cluster has one.' : ''}
      </p>
      {canMutate ? (
        <form className="pki-inline" onSubmit={(e) => void submit(e)} data-testid="pki-ca-init-form">
          <SelectField<PkiAlgorithm | ''>
            id={`${id}-alg`}
            label="Key algorithm"
            value={algorithm}
            onChange={setAlgorithm}
            testId="pki-ca-algorithm"
            hint={policy.source === 'tenant' ? "Only what the tenant's certificate policy allows" : `Tenant policy unknown (${policy.reason}): main still enforces it`}
            options={[{ value: '', label: 'Policy default' }, ...algorithms.map((a) => ({ value: a, label: ALGORITHM_LABEL[a] }))]}
          />
          <TextField label="Validity (days)" optional inputMode="numeric" value={validity} onChange={(e) => setValidity(e.target.value)} error={days.error ?? undefined} hint="1–3650; empty: the console's CA default" data-testid="pki-ca-validity" />
          <button type="submit" className="btn btn-primary" disabled={busy || Boolean(days.error)} data-testid="pki-ca-init">
            {busy ? 'Creating…' : 'Create CA'}
          </button>
          <OutcomeNote outcome={outcome} />
        </form>
      ) : (
        <p className="muted small">Read-only: a tenant admin or a platform operator creates it.</p>
      )}
    </div>
  );
}

function CaDetails({ cluster, tenant, ca, canMutate }: { cluster: string; tenant: string; ca: CaInfo; canMutate: boolean }) {
  const [chain, setChain] = useState(false);
  return (
    <>
      <dl className="kv" data-testid="pki-ca-details">
        <dt>Subject</dt>
        <dd className="mono break" data-testid="pki-ca-subject">
          {ca.subject}
        </dd>
        <dt>Algorithm</dt>
        <dd data-testid="pki-ca-algorithm-shown">{ALGORITHM_LABEL[ca.algorithm]}</dd>
        <dt>Serial</dt>
        <dd className="mono break">{ca.serial}</dd>
        <dt>Valid</dt>
        <dd>
          {stamp(ca.notBefore)} → {stamp(ca.notAfter)}
        </dd>
        <dt>SHA-256 fingerprint</dt>
        <dd className="mono break small" data-testid="pki-ca-fingerprint">
          {colonHex(ca.fingerprintSha256)}
        </dd>
        <dt>Key</dt>
        <dd>wrapped under the tenant&apos;s CA data key v{ca.keyVersion}</dd>
        <dt>Created</dt>
        <dd>
          {stamp(ca.createdAt)} by <code className="mono">{ca.createdBy}</code>
        </dd>
        <dt>CRL</dt>
        <dd data-testid="pki-ca-crl">
          number {ca.crlNumber} · last signed {ca.lastCrlAt ? stamp(ca.lastCrlAt) : 'never'}
        </dd>
      </dl>
      <div className="card-actions">
        <button type="button" className="btn btn-small" aria-expanded={chain} aria-controls="pki-ca-chain" onClick={() => setChain((v) => !v)} data-testid="pki-ca-show-chain">
          {chain ? 'Hide chain PEM' : 'Show chain PEM'}
        </button>
      </div>
      {chain ? (
        <div id="pki-ca-chain">
          <PemBlock pem={ca.chainPem} label="CA chain PEM" testId="pki-ca-chain" />
        </div>
      ) : null}
      {canMutate ? <CrlForm cluster={cluster} tenant={tenant} /> : null}
      <LastCrl cluster={cluster} tenant={tenant} />
    </>
  );
}

function CrlForm({ cluster, tenant }: { cluster: string; tenant: string }) {
  const client = useClient();
  const [out, setOut] = useState('');
  const [overwrite, setOverwrite] = useState(false);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome<unknown> | null>(null);
  const problem = pathProblem(out);
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (problem) return;
    setBusy(true);
    const o = await signCrl(client, { cluster, tenant, ...(out ? { out, overwrite } : {}) });
    setBusy(false);
    setOutcome(o);
  };
  return (
    <form className="pki-inline pki-crl-form" onSubmit={(e) => void submit(e)} aria-label="Sign a CRL" data-testid="pki-crl-form">
      <TextField label="CRL output file" optional value={out} onChange={(e) => setOut(e.target.value)} error={problem ?? undefined} hint="absolute path; main writes the PEM CRL there" placeholder="/path/to/tenant.crl.pem" data-testid="pki-crl-out" />
      <label className="radio">
        <input type="checkbox" checked={overwrite} onChange={(e) => setOverwrite(e.target.checked)} disabled={!out} data-testid="pki-crl-overwrite" />
        Replace an existing file
      </label>
      <button type="submit" className="btn" disabled={busy || Boolean(problem)} data-testid="pki-crl-sign">
        {busy ? 'Signing…' : 'Sign CRL'}
      </button>
      <OutcomeNote outcome={outcome} />
    </form>
  );
}

function LastCrl({ cluster, tenant }: { cluster: string; tenant: string }) {
  const crl = usePki((s) => s.lastCrl[pkiKey(cluster, tenant)]);
  const [pem, setPem] = useState(false);
  if (!crl) return null;
  return (
    <div className="pki-result" role="status" data-testid="pki-crl-result" data-crl-number={crl.crlNumber}>
      <p>
        CRL number <strong>{crl.crlNumber}</strong> signed: {crl.revokedCount} revoked certificate{crl.revokedCount === 1 ? '' : 's'} listed, this update {stamp(crl.thisUpdate)}, next update {stamp(crl.nextUpdate)}.
      </p>
      {crl.file ? <FilesWritten files={[crl.file]} testId="pki-crl-file" /> : null}
      <button type="button" className="btn btn-small" aria-expanded={pem} onClick={() => setPem((v) => !v)}>
        {pem ? 'Hide CRL PEM' : 'Show CRL PEM'}
      </button>
      {pem ? <PemBlock pem={crl.pem} label="CRL PEM" testId="pki-crl-pem" /> : null}
    </div>
  );
}
