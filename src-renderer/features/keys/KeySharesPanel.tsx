import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { WireError } from '../../../src-shared/contract';
import { call } from '../../app/call';
import { useClient } from '../../app/client';
import { FormError, TextField } from '../../ui/Field';
import { NewPassphrase, strong } from './passphrase';

function useFailure(): [WireError | null, (e: WireError | null) => void] {
  return useState<WireError | null>(null);
}

import { offerDownload, readPickedFile } from './download';

function ExportMaster({ onDone }: { onDone(): void }) {
  const client = useClient();
  const [pass, setPass] = useState('');
  const [again, setAgain] = useState('');
  const [failure, setFailure] = useFailure();
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const r = await call(client, 'keys.exportShare', { passphrase: pass }, { quiet: true, success: (v) => `Master key share ${v.fingerprint} ready to save` });
    setPass('');
    setAgain('');
    if (!r.ok) return setFailure(r.error);
    setFailure(null);
    offerDownload(r.value.fileName, r.value.text);
    onDone();
  };
  return (
    <form onSubmit={(e) => void submit(e)} data-testid="export-master-form">
      <h3>Export the master key share</h3>
      <p className="muted small">For a second console install that manages the same tenants. Keep the passphrase apart from the file.</p>
      <NewPassphrase id="export-master" value={pass} confirm={again} onChange={setPass} onConfirm={setAgain} />
      {failure ? <FormError code={failure.code} message={failure.message} /> : null}
      <button type="submit" className="btn btn-primary" disabled={!strong(pass, again)} data-testid="export-master">
        Export share file
      </button>
    </form>
  );
}

function ImportShare({ kind, onDone }: { kind: 'master' | 'tenant'; onDone(): void }) {
  const client = useClient();
  const [file, setFile] = useState<File | null>(null);
  const [pass, setPass] = useState('');
  const [force, setForce] = useState(false);
  const [failure, setFailure] = useFailure();
  const [done, setDone] = useState<string | null>(null);
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (!file) return;
    let secretShare: string;
    try {
      secretShare = await readPickedFile(file);
    } catch (err) {
      return setFailure({ code: 'BAD_INPUT', message: err instanceof Error ? err.message : 'the file could not be read' });
    }
    const r =
      kind === 'master'
        ? await call(client, 'keys.importShare', { secretShare, passphrase: pass, force }, { quiet: true })
        : await call(client, 'keys.importTenantShare', { secretShare, passphrase: pass }, { quiet: true });
    setPass('');
    if (!r.ok) return setFailure(r.error);
    setFailure(null);
    setDone(
      'fingerprint' in r.value
        ? r.value.unchanged
          ? `This console already holds master key ${r.value.fingerprint}.`
          : `Installed master key ${r.value.fingerprint}${r.value.replaced ? ` (replaced ${r.value.replaced})` : ''}.`
        : `This console now holds tenant ${r.value.tenant}'s key (versions ${r.value.versions.join(', ')}).`,
    );
    onDone();
  };
  const id = `import-${kind}`;
  return (
    <form onSubmit={(e) => void submit(e)} data-testid={`${id}-form`}>
      <h3>{kind === 'master' ? 'Import a master key share' : 'Import a tenant key share'}</h3>
      <div className="field">
        <label htmlFor={`${id}-file`}>Share file</label>
        <input id={`${id}-file`} type="file" accept=".json,application/json" onChange={(e) => setFile(e.target.files?.[0] ?? null)} data-testid={`${id}-file`} />
      </div>
      <TextField label="Passphrase" type="password" autoComplete="off" value={pass} onChange={(e) => setPass(e.target.value)} data-testid={`${id}-passphrase`} />
      {kind === 'master' ? (
        <label className="radio">
          <input type="checkbox" checked={force} onChange={(e) => setForce(e.target.checked)} data-testid="import-master-force" /> Replace a different master key this console already has
          (its tenants become unreadable here)
        </label>
      ) : null}
      {failure ? <FormError code={failure.code} message={failure.message} /> : null}
      {done ? (
        <p role="status" data-testid={`${id}-done`}>
          {done}
        </p>
      ) : null}
      <button type="submit" className="btn" disabled={!file || pass === ''} data-testid={`${id}-submit`}>
        Import
      </button>
    </form>
  );
}

function ExportTenant() {
  const client = useClient();
  const [cluster, setCluster] = useState('');
  const [tenant, setTenant] = useState('');
  const [pass, setPass] = useState('');
  const [again, setAgain] = useState('');
  const [failure, setFailure] = useFailure();
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const r = await call(client, 'keys.exportTenantShare', { cluster, tenant, passphrase: pass }, { quiet: true, success: (v) => `Tenant key share of ${v.tenant} ready to save` });
    setPass('');
    setAgain('');
    if (!r.ok) return setFailure(r.error);
    setFailure(null);
    offerDownload(r.value.fileName, r.value.text);
  };
  return (
    <form onSubmit={(e) => void submit(e)} data-testid="export-tenant-form">
      <h3>Export a tenant key share</h3>
      <p className="muted small">One tenant&apos;s key only, for that tenant admin&apos;s console: it opens that tenant&apos;s keys and no other&apos;s.</p>
      <TextField label="Cluster" value={cluster} onChange={(e) => setCluster(e.target.value)} data-testid="export-tenant-cluster" />
      <TextField label="Tenant id" value={tenant} onChange={(e) => setTenant(e.target.value)} data-testid="export-tenant-id" />
      <NewPassphrase id="export-tenant" value={pass} confirm={again} onChange={setPass} onConfirm={setAgain} />
      {failure ? <FormError code={failure.code} message={failure.message} /> : null}
      <button type="submit" className="btn" disabled={!cluster || !tenant || !strong(pass, again)} data-testid="export-tenant">
        Export share file
      </button>
    </form>
  );
}

/** Settings → key shares: the installation master key and tenant key shares (issue 4). */
export function KeySharesPanel() {
  const client = useClient();
  const [master, setMaster] = useState<{ present: boolean; fingerprint: string | null } | null>(null);
  const [failure, setFailure] = useFailure();
  const load = useCallback(async () => {
    const r = await call(client, 'keys.masterStatus', {}, { quiet: true });
    if (r.ok) {
      setMaster(r.value);
      setFailure(null);
    } else setFailure(r.error);
  }, [client]);
  useEffect(() => {
    void load();
  }, [load]);
  return (
    <section className="card" aria-labelledby="key-shares-title" data-testid="key-shares">
      <header className="card-header">
        <h2 id="key-shares-title">Key shares</h2>
      </header>
      <dl className="kv">
        <dt>Installation master key</dt>
        <dd data-testid="master-key-status">
          {failure ? <FormError code={failure.code} message={failure.message} /> : master === null ? '…' : master.present ? <code className="mono">{master.fingerprint}</code> : 'none on this console'}
        </dd>
      </dl>
      {master?.present ? <ExportMaster onDone={() => void load()} /> : null}
      <ImportShare kind="master" onDone={() => void load()} />
      <ExportTenant />
      <ImportShare kind="tenant" onDone={() => undefined} />
    </section>
  );
}
