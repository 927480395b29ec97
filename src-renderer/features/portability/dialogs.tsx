import { useEffect, useId, useMemo, useState, type FormEvent } from 'react';
import type { BundleInfo } from '../../../src-shared/contract/portability';
import { useClient } from '../../app/client';
import { useSession } from '../../app/stores/session';
import { Badge } from '../../ui/Badge';
import { Dialog } from '../../ui/Dialog';
import { TextField } from '../../ui/Field';
import { loadTenants } from '../tenants/actions';
import { when } from '../tenants/bits';
import { useTenants } from '../tenants/store';
import { exportTenant, importBundle, inspectBundle, type Outcome, type Started } from './actions';
import { OperationView, OutcomeNote } from './bits';
import { bytes, parseDcMap, passphraseProblem, pathProblem, shortHash, tenantIdProblem, type DcRow } from './form';

/** Clusters this console is signed in to with platform scope (where export/import/migrate may run). */
export function usePlatformClusters(): string[] {
  const scopes = useSession((s) => s.scopes);
  return useMemo(
    () =>
      Object.values(scopes)
        .filter((s) => s.platform)
        .map((s) => s.cluster)
        .sort(),
    [scopes],
  );
}

/** A tenant of a platform-scoped cluster, as `cluster/id` (ids are unique per cluster only). */
export function TenantPicker({ value, onChange, testId, label = 'Tenant' }: { value: string; onChange(v: string): void; testId: string; label?: string }) {
  const client = useClient();
  const id = useId();
  const tenants = useTenants((s) => s.tenants);
  const status = useTenants((s) => s.status);
  const clusters = usePlatformClusters();
  // Re-read on open: a tenant created since the list was last read must be offered.
  useEffect(() => {
    void loadTenants(client);
  }, [client]);
  const options = tenants.filter((t) => t.online && clusters.includes(t.cluster) && t.state !== 'deleted');
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} className="port-select" value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
        <option value="">{options.length ? 'Choose a tenant…' : status === 'loading' ? 'Loading tenants…' : 'No tenant on a platform-scoped cluster'}</option>
        {options.map((t) => (
          <option key={`${t.cluster}/${t.id}`} value={`${t.cluster}/${t.id}`}>
            {`${t.cluster} / ${t.id} — ${t.name} (${t.state})`}
          </option>
        ))}
      </select>
    </div>
  );
}

export function ClusterPicker({ value, onChange, testId, label, exclude }: { value: string; onChange(v: string): void; testId: string; label: string; exclude?: string }) {
  const id = useId();
  const clusters = usePlatformClusters().filter((c) => c !== exclude);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} className="port-select" value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
        <option value="">{clusters.length ? 'Choose a cluster…' : 'No other cluster signed in with platform scope'}</option>
        {clusters.map((c) => (
          <option key={c} value={c}>
            {c}
          </option>
        ))}
      </select>
    </div>
  );
}

export const splitTenant = (v: string): { cluster: string; tenant: string } | null => {
  const i = v.indexOf('/');
  return i > 0 ? { cluster: v.slice(0, i), tenant: v.slice(i + 1) } : null;
};

/** Source DC → target DC rows; blank rows are ignored. */
export function DcMapEditor({ rows, setRows, known, error, testId }: { rows: DcRow[]; setRows(r: DcRow[]): void; known: string[]; error: string | null; testId: string }) {
  const listId = useId();
  return (
    <fieldset className="form-fieldset" data-testid={testId}>
      <legend>Data centre map (optional)</legend>
      <p className="muted small">Source data centre → target data centre. Unmapped data centres must already lie inside the target&apos;s compliance boundary.{known.length ? ` Source data centres: ${known.join(', ')}.` : ''}</p>
      <datalist id={listId}>
        {known.map((d) => (
          <option key={d} value={d} />
        ))}
      </datalist>
      {rows.map((r, i) => (
        <div className="port-dcmap" key={i} data-testid={`${testId}-row`}>
          <TextField label={`Source DC ${i + 1}`} value={r.from} list={listId} onChange={(e) => setRows(rows.map((x, j) => (j === i ? { ...x, from: e.target.value } : x)))} data-testid={`${testId}-from-${i}`} />
          <TextField label={`Target DC ${i + 1}`} value={r.to} onChange={(e) => setRows(rows.map((x, j) => (j === i ? { ...x, to: e.target.value } : x)))} data-testid={`${testId}-to-${i}`} />
          <button type="button" className="btn btn-ghost btn-small" onClick={() => setRows(rows.filter((_, j) => j !== i))} aria-label={`Remove data centre row ${i + 1}`}>
            Remove
          </button>
        </div>
      ))}
      {error ? (
        <p className="field-error" role="alert" data-testid={`${testId}-error`}>
          {error}
        </p>
      ) : null}
      <button type="button" className="btn btn-small" onClick={() => setRows([...rows, { from: '', to: '' }])} data-testid={`${testId}-add`}>
        Add a mapping
      </button>
    </fieldset>
  );
}

/**
 * Export a tenant to a bundle file. The passphrase lives only in this dialog's state and is
 * cleared the moment the form is submitted; without one the bundle is wrapped to this
 * installation's master key.
 */
export function ExportDialog({ onClose, initialTenant = '' }: { onClose(): void; initialTenant?: string }) {
  const client = useClient();
  const [tenant, setTenant] = useState(initialTenant);
  const [out, setOut] = useState('');
  const [withData, setWithData] = useState(false);
  const [resume, setResume] = useState(false);
  const [pass, setPass] = useState('');
  const [pass2, setPass2] = useState('');
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome<Started> | null>(null);
  const target = splitTenant(tenant);
  const outProblem = pathProblem(out);
  const passProblem = passphraseProblem(pass, pass2);
  const ready = Boolean(target) && !outProblem && !passProblem;
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setTouched(true);
    if (!ready || !target || busy) return;
    const passphrase = pass;
    // Out of component state before the call goes out: nothing keeps it after submit.
    setPass('');
    setPass2('');
    setBusy(true);
    const o = await exportTenant(client, { cluster: target.cluster, tenant: target.tenant, out: out.trim(), withData, resume, ...(passphrase ? { passphrase } : {}) });
    setBusy(false);
    setOutcome(o);
  };
  const startedOp = outcome?.kind === 'done' ? outcome.value : null;
  return (
    <Dialog title="Export a tenant" description="Writes one signed, encrypted, checksummed bundle file on the machine running the console: schema, roles and grants, config, certificates and keys (still wrapped), audit heads and, optionally, all data." onClose={onClose} testId="export-dialog" size="wide">
      {startedOp && target ? (
        <>
          <OperationView operationId={startedOp.operationId} cluster={target.cluster} />
          <div className="dialog-actions">
            <button type="button" className="btn" onClick={onClose} data-testid="export-close">
              Close
            </button>
          </div>
        </>
      ) : (
        <form onSubmit={(e) => void submit(e)} noValidate>
          <TenantPicker value={tenant} onChange={setTenant} testId="export-tenant" />
          <TextField label="Output file" value={out} onChange={(e) => setOut(e.target.value)} placeholder="/absolute/path/tenant.csmb" hint="absolute path on the machine running the console" error={touched || out ? (outProblem ?? undefined) : undefined} data-testid="export-out" />
          <label className="port-check">
            <input type="checkbox" checked={withData} onChange={(e) => setWithData(e.target.checked)} data-testid="export-with-data" />
            Include all data (streamed table by table)
          </label>
          <label className="port-check">
            <input type="checkbox" checked={resume} onChange={(e) => setResume(e.target.checked)} data-testid="export-resume" />
            Resume an interrupted export into this same file
          </label>
          <fieldset className="form-fieldset">
            <legend>Passphrase (optional)</legend>
            <p className="muted small">Without one, keys in the bundle are wrapped to this installation&apos;s master key: only a console sharing it can import the bundle.</p>
            <div className="form-grid">
              <TextField label="Passphrase" type="password" autoComplete="new-password" optional value={pass} onChange={(e) => setPass(e.target.value)} data-testid="export-passphrase" />
              <TextField label="Repeat the passphrase" type="password" autoComplete="new-password" optional value={pass2} onChange={(e) => setPass2(e.target.value)} error={pass ? (passProblem ?? undefined) : undefined} data-testid="export-passphrase-confirm" />
            </div>
          </fieldset>
          <OutcomeNote outcome={outcome} testId="export" />
          <div className="dialog-actions">
            <button type="button" className="btn" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" className="btn btn-primary" disabled={busy || !ready} data-testid="export-submit">
              {busy ? 'Starting…' : 'Export'}
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}

export function BundleSummary({ info }: { info: BundleInfo }) {
  return (
    <section aria-label="Bundle" data-testid="bundle-info" data-signature={info.signatureOk ? 'ok' : 'bad'} data-complete={info.complete ? 'true' : 'false'}>
      <p className="port-report-summary">
        {info.signatureOk ? (
          <Badge tone="success" testId="bundle-signature">
            signature valid
          </Badge>
        ) : (
          <Badge tone="danger" testId="bundle-signature">
            signature INVALID
          </Badge>
        )}
        {info.complete ? (
          <Badge tone="success" testId="bundle-complete">
            complete, checksums match
          </Badge>
        ) : (
          <Badge tone="warning" testId="bundle-complete">
            unfinished export: resume it
          </Badge>
        )}
        <Badge tone="info">{info.wrap === 'passphrase' ? 'keys wrapped to a passphrase' : 'keys wrapped to this installation'}</Badge>
      </p>
      <dl className="kv small">
        <dt>Tenant</dt>
        <dd className="mono" data-testid="bundle-tenant">
          {info.tenant}
        </dd>
        <dt>From cluster</dt>
        <dd className="mono">{info.sourceCluster}</dd>
        <dt>Created</dt>
        <dd>
          {when(info.createdAt)}
          {info.createdBy ? ` by ${info.createdBy}` : ''}
        </dd>
        <dt>Content</dt>
        <dd data-testid="bundle-content">
          {info.withData ? `with data: ${info.tables.length} tables, ${info.rows} rows` : `schema only: ${info.tables.length} tables`} · {info.keyspaces.length} keyspaces · {info.roles} roles · {info.grants} grants · {info.chunks} chunks · format {info.format}
        </dd>
        <dt>File</dt>
        <dd data-testid="bundle-file">
          {info.sha256 ? (
            <>
              sha256{' '}
              <code className="mono" title={info.sha256}>
                {shortHash(info.sha256)}
              </code>{' '}
              · {bytes(info.bytes)}
            </>
          ) : (
            'not finished'
          )}
        </dd>
        <dt>Signed by</dt>
        <dd data-testid="bundle-signer">
          <code className="mono" title={info.signer}>
            {shortHash(info.signer)}
          </code>{' '}
          {info.signedByThisInstallation === null ? '(no master key here to compare)' : info.signedByThisInstallation ? '(this installation)' : '(another installation)'}
        </dd>
        <dt>Data centres</dt>
        <dd>{info.dataCenters.join(', ') || '—'}</dd>
      </dl>
      {info.tables.length ? (
        <details>
          <summary>Tables</summary>
          <table className="table table-compact" data-testid="bundle-tables">
            <thead>
              <tr>
                <th scope="col">Table</th>
                <th scope="col">Rows</th>
                <th scope="col">Content digest</th>
              </tr>
            </thead>
            <tbody>
              {info.tables.map((t) => (
                <tr key={`${t.keyspace}.${t.table}`}>
                  <td className="mono small">
                    {t.keyspace}.{t.table}
                  </td>
                  <td className="num">{t.rows}</td>
                  <td>
                    <code className="mono small" title={t.sha256}>
                      {shortHash(t.sha256)}
                    </code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      ) : null}
    </section>
  );
}

/** Import a bundle: inspect it first (manifest, signature, checksums), then choose where it goes. */
export function ImportDialog({ onClose }: { onClose(): void }) {
  const client = useClient();
  const [path, setPath] = useState('');
  const [pass, setPass] = useState('');
  const [info, setInfo] = useState<BundleInfo | null>(null);
  const [inspectOutcome, setInspectOutcome] = useState<Outcome<BundleInfo> | null>(null);
  const [newId, setNewId] = useState('');
  const [cluster, setCluster] = useState('');
  const [rows, setRows] = useState<DcRow[]>([]);
  const [busy, setBusy] = useState<'inspect' | 'import' | null>(null);
  const [outcome, setOutcome] = useState<Outcome<Started> | null>(null);
  const clusters = usePlatformClusters();
  useEffect(() => {
    if (!cluster && clusters.length === 1 && clusters[0]) setCluster(clusters[0]);
  }, [cluster, clusters]);
  const pathBad = pathProblem(path);
  const passBad = passphraseProblem(pass, null);
  const idBad = newId ? tenantIdProblem(newId) : null;
  const dc = parseDcMap(rows);
  const usable = info !== null && info.signatureOk && info.complete;
  const ready = usable && Boolean(cluster) && !idBad && !dc.error && !passBad && !(info.wrap === 'passphrase' && !pass);

  const inspect = async (): Promise<void> => {
    if (pathBad || passBad || busy) return;
    setBusy('inspect');
    setInfo(null);
    const o = await inspectBundle(client, { path: path.trim(), ...(pass ? { passphrase: pass } : {}) });
    setBusy(null);
    setInspectOutcome(o);
    if (o.kind === 'done') setInfo(o.value);
  };
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (!ready || busy) return;
    const passphrase = pass;
    setPass('');
    setBusy('import');
    const o = await importBundle(client, { cluster, path: path.trim(), ...(newId ? { newId } : {}), ...(passphrase ? { passphrase } : {}), ...(dc.value ? { dcMap: dc.value } : {}) });
    setBusy(null);
    setOutcome(o);
  };
  const startedOp = outcome?.kind === 'done' ? outcome.value : null;
  return (
    <Dialog title="Import a bundle" description="Creates the tenant on the chosen cluster from a bundle file, then verifies it against the bundle: rows and content digests per table, grants, config." onClose={onClose} testId="import-dialog" size="wide">
      {startedOp ? (
        <>
          <OperationView operationId={startedOp.operationId} cluster={cluster} />
          <div className="dialog-actions">
            <button type="button" className="btn" onClick={onClose} data-testid="import-close">
              Close
            </button>
          </div>
        </>
      ) : (
        <form onSubmit={(e) => void submit(e)} noValidate>
          <TextField
            label="Bundle file"
            value={path}
            onChange={(e) => {
              setPath(e.target.value);
              setInfo(null);
              setInspectOutcome(null);
            }}
            placeholder="/absolute/path/tenant.csmb"
            error={path ? (pathBad ?? undefined) : undefined}
            data-testid="import-path"
          />
          <TextField label="Bundle passphrase" type="password" autoComplete="off" optional hint="only for a bundle wrapped to a passphrase" value={pass} onChange={(e) => setPass(e.target.value)} error={pass ? (passBad ?? undefined) : undefined} data-testid="import-passphrase" />
          <button type="button" className="btn" onClick={() => void inspect()} disabled={Boolean(pathBad) || Boolean(passBad) || busy !== null} data-testid="import-inspect">
            {busy === 'inspect' ? 'Reading…' : 'Inspect'}
          </button>
          <OutcomeNote outcome={inspectOutcome} testId="inspect" />
          {info ? <BundleSummary info={info} /> : null}
          {info && !usable ? (
            <p className="form-error" role="alert" data-testid="import-refused">
              This bundle cannot be imported: {info.signatureOk ? 'the export is unfinished (resume it with Export and the same file)' : 'its signature does not verify (tampered or not from a trusted console)'}.
            </p>
          ) : null}
          {usable ? (
            <>
              <div className="form-grid">
                <ClusterPicker value={cluster} onChange={setCluster} label="Into cluster" testId="import-cluster" />
                <TextField label="New tenant id" optional value={newId} onChange={(e) => setNewId(e.target.value.trim())} hint={`empty: keeps ${info.tenant}`} error={idBad ?? undefined} data-testid="import-new-id" />
              </div>
              <DcMapEditor rows={rows} setRows={setRows} known={info.dataCenters} error={dc.error} testId="import-dcmap" />
              {info.wrap === 'passphrase' && !pass ? <p className="field-error">This bundle&apos;s keys are wrapped to a passphrase: enter it above.</p> : null}
            </>
          ) : null}
          <OutcomeNote outcome={outcome} testId="import" />
          <div className="dialog-actions">
            <button type="button" className="btn" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" className="btn btn-primary" disabled={!ready || busy !== null} data-testid="import-submit">
              {busy === 'import' ? 'Starting…' : 'Import'}
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}
