import { useState } from 'react';
import type { Drift } from '../../../src-shared/contract/compliance';
import { useClient } from '../../app/client';
import { Badge } from '../../ui/Badge';
import { Dialog } from '../../ui/Dialog';
import { fixDrift } from './actions';

/** "Fix" shows the exact statements first: nothing runs before the operator confirms. */
function FixDriftDialog({ cluster, tenant, drift, onClose }: { cluster: string; tenant: string; drift: Drift; onClose(): void }) {
  const client = useClient();
  const [busy, setBusy] = useState(false);
  const run = async (): Promise<void> => {
    if (busy) return;
    setBusy(true);
    const ok = await fixDrift(client, cluster, tenant, drift);
    setBusy(false);
    if (ok) onClose();
  };
  return (
    <Dialog title="Fix drift" description={<>The console re-scans {tenant}, runs these statements as your session, and scans again.</>} onClose={onClose} testId="compliance-fix-dialog" size="wide">
      <p>{drift.title}</p>
      <pre className="mono" data-testid="compliance-fix-statements">
        {drift.fix.join('\n')}
      </pre>
      {drift.fixNote ? <p className="muted">{drift.fixNote}</p> : null}
      <div className="dialog-actions">
        <button type="button" className="btn" onClick={onClose}>
          Cancel
        </button>
        <button type="button" className="btn btn-danger" disabled={busy} onClick={() => void run()} data-testid="compliance-fix-confirm">
          {busy ? 'Applying…' : `Run ${drift.fix.length} statement${drift.fix.length === 1 ? '' : 's'}`}
        </button>
      </div>
    </Dialog>
  );
}

export function DriftList({ cluster, tenant, drift, canFix }: { cluster: string; tenant: string; drift: Drift[]; canFix: boolean }) {
  const [fixing, setFixing] = useState<Drift | null>(null);
  return (
    <section className="card" aria-labelledby="compliance-drift-title" data-testid="compliance-drift">
      <header className="card-header">
        <h2 id="compliance-drift-title">{drift.length ? `Drift: ${drift.length}` : 'No drift'}</h2>
      </header>
      {drift.length === 0 ? <p className="muted">Replication and DC access match the boundary and the registry.</p> : null}
      <ul className="inline-list">
        {drift.map((d) => (
          <li key={d.id} className="details" data-testid={`drift-${d.id}`}>
            <p>
              <Badge tone={d.severity === 'critical' ? 'danger' : 'warning'}>{d.severity}</Badge> <strong>{d.title}</strong> <span className="muted small mono">{d.kind} · {d.id}</span>
            </p>
            <ul className="cell-list small">
              {d.evidence.map((e, i) => (
                <li key={i}>{e}</li>
              ))}
            </ul>
            <pre className="mono">{d.fix.join('\n')}</pre>
            {canFix && d.fix.length ? (
              <button type="button" className="btn btn-small btn-danger" onClick={() => setFixing(d)} data-testid={`drift-fix-${d.id}`}>
                Fix…
              </button>
            ) : null}
          </li>
        ))}
      </ul>
      {fixing ? <FixDriftDialog cluster={cluster} tenant={tenant} drift={fixing} onClose={() => setFixing(null)} /> : null}
    </section>
  );
}
