import { useEffect, useId, useState } from 'react';
import { OPERATION_KINDS, type Operation } from '../../../src-shared/contract/portability';
import { useClient } from '../../app/client';
import { ErrorCode } from '../../ui/Badge';
import { when } from '../tenants/bits';
import { loadOps, subscribePortability } from './actions';
import { OperationView, OpStateBadge } from './bits';
import { ExportDialog, ImportDialog, usePlatformClusters } from './dialogs';
import { MigrateWizard } from './MigrateWizard';
import { usePortability } from './store';
import './portability.css';

type Open = 'export' | 'import' | 'migrate' | null;

function OpRow({ op, selected, onOpen }: { op: Operation; selected: boolean; onOpen(): void }) {
  return (
    <tr data-testid={`op-row-${op.id}`} data-kind={op.kind} data-state={op.state} aria-selected={selected}>
      <td>{op.kind}</td>
      <td className="mono small">
        {op.cluster}/{op.tenant}
        {op.targetTenant || op.targetCluster ? ` → ${op.targetCluster ?? op.cluster}/${op.targetTenant ?? op.tenant}` : ''}
      </td>
      <td>
        <OpStateBadge state={op.state} />
      </td>
      <td data-testid="op-phase">{op.phase ?? '—'}</td>
      <td className="nowrap small">{when(op.startedAt)}</td>
      <td className="nowrap small">{when(op.endedAt)}</td>
      <td className="small" data-testid="op-error">
        {op.error ?? ''}
      </td>
      <td>
        <button type="button" className="btn btn-small" onClick={onOpen} aria-label={`Details of ${op.kind} ${op.tenant} started ${when(op.startedAt)}`} data-testid="op-open">
          Details
        </button>
      </td>
    </tr>
  );
}

/** Migration & export (issue 11): operations with live updates; export, import (inspect first) and the migrate wizard. */
export function MigrationsPage() {
  const client = useClient();
  const { ops, listStatus, listError } = usePortability();
  const platform = usePlatformClusters();
  const [open, setOpen] = useState<Open>(null);
  const [detail, setDetail] = useState<Operation | null>(null);
  const [kind, setKind] = useState('');
  const kindId = useId();

  useEffect(() => {
    const off = subscribePortability(client);
    void loadOps(client);
    return off;
  }, [client]);

  const shown = kind ? ops.filter((o) => o.kind === kind) : ops;
  const noPlatform = platform.length === 0 ? 'needs platform scope on a signed-in cluster' : undefined;

  return (
    <div className="page" data-testid="migrations-page">
      <header className="page-header">
        <div>
          <h1>Migration &amp; export</h1>
          <p className="muted">Export a tenant to a signed, encrypted bundle; import a bundle as a tenant (same or another cluster, optional new id, data centres remapped) with verification; migrate a tenant between clusters. Every operation runs as a job and is recorded here.</p>
        </div>
        <div className="page-actions">
          <button type="button" className="btn" onClick={() => setOpen('export')} disabled={Boolean(noPlatform)} title={noPlatform} data-testid="open-export">
            Export…
          </button>
          <button type="button" className="btn" onClick={() => setOpen('import')} disabled={Boolean(noPlatform)} title={noPlatform} data-testid="open-import">
            Import…
          </button>
          <button type="button" className="btn btn-primary" onClick={() => setOpen('migrate')} disabled={Boolean(noPlatform)} title={noPlatform} data-testid="open-migrate">
            Migrate…
          </button>
        </div>
      </header>

      <section className="card" aria-labelledby="ops-title">
        <div className="card-header">
          <h2 id="ops-title">Operations</h2>
          <div className="card-actions port-filter">
            <div className="field">
              <label htmlFor={kindId}>Kind</label>
              <select id={kindId} value={kind} onChange={(e) => setKind(e.target.value)} data-testid="ops-kind">
                <option value="">all</option>
                {OPERATION_KINDS.map((k) => (
                  <option key={k} value={k}>
                    {k}
                  </option>
                ))}
              </select>
            </div>
            <button type="button" className="btn btn-small" onClick={() => void loadOps(client)} disabled={listStatus === 'loading'} data-testid="ops-refresh">
              Refresh
            </button>
          </div>
        </div>
        {listError ? (
          <p className="form-error" role="alert" data-testid="ops-error">
            <ErrorCode code={listError.code} /> {listError.message}
          </p>
        ) : null}
        {shown.length ? (
          <div className="table-wrap">
            <table className="table table-compact" data-testid="ops-list">
              <caption className="sr-only">Export, import, migration and backup operations, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Kind</th>
                  <th scope="col">Tenant</th>
                  <th scope="col">State</th>
                  <th scope="col">Phase</th>
                  <th scope="col">Started</th>
                  <th scope="col">Ended</th>
                  <th scope="col">Error</th>
                  <th scope="col">
                    <span className="sr-only">Details</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {shown.map((o) => (
                  <OpRow key={o.id} op={o} selected={detail?.id === o.id} onOpen={() => setDetail(o)} />
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p className="muted small" data-testid="ops-none">
            {listStatus === 'loading' ? 'Loading…' : 'No operations recorded yet.'}
          </p>
        )}
        {detail ? <OperationView operationId={detail.id} cluster={detail.cluster} /> : null}
      </section>

      {open === 'export' ? <ExportDialog onClose={() => setOpen(null)} /> : null}
      {open === 'import' ? <ImportDialog onClose={() => setOpen(null)} /> : null}
      {open === 'migrate' ? <MigrateWizard onClose={() => setOpen(null)} /> : null}
    </div>
  );
}
