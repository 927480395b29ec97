import { useState } from 'react';
import type { ClusterProfile } from '../../../src-shared/contract/clusters';
import { useClient } from '../../app/client';
import { useSession } from '../../app/stores/session';
import { ErrorCode } from '../../ui/Badge';
import { loadClusters, signOut, testCluster } from './actions';
import { ClusterFormDialog } from './ClusterFormDialog';
import { ClustersTable, type RowAction } from './ClustersTable';
import { FirstRun } from './FirstRun';
import { RemoveClusterDialog } from './RemoveClusterDialog';
import { ScopeCard } from './ScopeCard';
import { SignInDialog } from './SignInDialog';
import { useClusters } from './store';
import { TestReport } from './TestReport';

type Open =
  | { kind: 'add' }
  | { kind: 'edit'; cluster: ClusterProfile }
  | { kind: 'remove'; name: string }
  | { kind: 'sign-in'; cluster: ClusterProfile }
  | null;

export function ClustersPage() {
  const client = useClient();
  const { clusters, status, error, reports, selected } = useClusters();
  const select = useClusters((s) => s.select);
  const clearReport = useClusters((s) => s.clearReport);
  const scope = useSession((s) => (selected ? s.scopes[selected] : undefined));
  const [open, setOpen] = useState<Open>(null);
  const [busy, setBusy] = useState<Record<string, string | undefined>>({});

  const withBusy = async (name: string, what: string, work: () => Promise<void>): Promise<void> => {
    setBusy((b) => ({ ...b, [name]: what }));
    try {
      await work();
    } finally {
      setBusy((b) => ({ ...b, [name]: undefined }));
    }
  };

  const onAction = (action: RowAction, c: ClusterProfile): void => {
    switch (action) {
      case 'test':
        select(c.name);
        void withBusy(c.name, 'test', () => testCluster(client, c.name));
        break;
      case 'sign-in':
        setOpen({ kind: 'sign-in', cluster: c });
        break;
      case 'sign-out':
        void withBusy(c.name, 'sign-out', () => signOut(client, c.name));
        break;
      case 'edit':
        setOpen({ kind: 'edit', cluster: c });
        break;
      case 'remove':
        setOpen({ kind: 'remove', name: c.name });
        break;
    }
  };

  const report = selected ? reports[selected] : undefined;
  const close = (): void => setOpen(null);

  return (
    <div className="page" data-testid="clusters-page">
      <header className="page-header">
        <div>
          <h1>Clusters</h1>
          <p className="muted">Cassandra clusters this console manages. Passwords live in the OS keychain, never here.</p>
        </div>
        <div className="page-actions">
          <button
            type="button"
            className="btn"
            onClick={() => void loadClusters(client)}
            disabled={status === 'loading'}
            data-testid="refresh-clusters"
          >
            Refresh
          </button>
          <button type="button" className="btn btn-primary" onClick={() => setOpen({ kind: 'add' })} data-testid="add-cluster">
            Add cluster
          </button>
        </div>
      </header>

      {status === 'loading' && clusters.length === 0 ? (
        <p className="muted" aria-busy="true">
          Loading clusters…
        </p>
      ) : null}

      {status === 'error' && error && clusters.length === 0 ? (
        <div className="empty-state" data-testid="clusters-error">
          <p>
            <ErrorCode code={error.code} /> Could not load the cluster list: {error.message}
          </p>
          <button type="button" className="btn" onClick={() => void loadClusters(client)}>
            Try again
          </button>
        </div>
      ) : null}

      {status === 'ready' && clusters.length === 0 ? <FirstRun onAddCluster={() => setOpen({ kind: 'add' })} /> : null}

      {clusters.length > 0 ? <ClustersTable clusters={clusters} busy={busy} onAction={onAction} /> : null}

      {selected && (scope || report) ? (
        <div className="details">
          {scope ? <ScopeCard scope={scope} /> : null}
          {report ? <TestReport report={report} onClose={() => clearReport(report.cluster)} /> : null}
        </div>
      ) : null}

      {open?.kind === 'add' ? <ClusterFormDialog onClose={close} /> : null}
      {open?.kind === 'edit' ? <ClusterFormDialog profile={open.cluster} onClose={close} /> : null}
      {open?.kind === 'remove' ? <RemoveClusterDialog name={open.name} onClose={close} /> : null}
      {open?.kind === 'sign-in' ? <SignInDialog cluster={open.cluster} onClose={close} /> : null}
    </div>
  );
}
