import { useState } from 'react';
import type { Finding } from '../../../src-shared/contract/isolation';
import { useClient } from '../../app/client';
import { Dialog } from '../../ui/Dialog';
import { applyFix } from './actions';

/** "Apply fix" shows the exact statements first: nothing runs on the cluster before the operator confirms. */
export function FixDialog({ cluster, finding, onClose }: { cluster: string; finding: Finding; onClose(): void }) {
  const client = useClient();
  const [busy, setBusy] = useState(false);
  const run = async (): Promise<void> => {
    if (busy) return;
    setBusy(true);
    const ok = await applyFix(client, cluster, finding);
    setBusy(false);
    if (ok) onClose();
  };
  return (
    <Dialog title="Apply fix" description={<>The console re-scans {cluster}, runs these statements as your session, and scans again.</>} onClose={onClose} testId="isolation-fix-dialog" size="wide">
      <p>{finding.title}</p>
      <pre className="mono" data-testid="isolation-fix-statements">
        {finding.fix.join('\n')}
      </pre>
      <div className="dialog-actions">
        <button type="button" className="btn" onClick={onClose}>
          Cancel
        </button>
        <button type="button" className="btn btn-danger" disabled={busy} onClick={() => void run()} data-testid="isolation-fix-confirm">
          {busy ? 'Applying…' : `Run ${finding.fix.length} statement${finding.fix.length === 1 ? '' : 's'}`}
        </button>
      </div>
    </Dialog>
  );
}
