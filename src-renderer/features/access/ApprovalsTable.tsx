import type { OperatorScope } from '../../../src-shared/contract';
import type { ApprovalRequest } from '../../../src-shared/contract/access';
import { Badge, type Tone } from '../../ui/Badge';

const TONE: Record<ApprovalRequest['state'], Tone> = { pending: 'warning', approved: 'info', executing: 'info', executed: 'success', failed: 'danger', rejected: 'neutral', expired: 'neutral', cancelled: 'neutral' };

export type ApprovalOp = 'approve' | 'reject' | 'cancel';

/** Pending first, newest first within a group (main sorts the same way; the UI does not rely on it). */
export const pendingFirst = (list: ApprovalRequest[]): ApprovalRequest[] => [...list].sort((a, b) => Number(b.state === 'pending') - Number(a.state === 'pending') || b.requestedAt.localeCompare(a.requestedAt));

export function ApprovalsTable({ approvals, scope, onOp }: { approvals: ApprovalRequest[]; scope: OperatorScope; onOp(op: ApprovalOp, a: ApprovalRequest): void }) {
  if (approvals.length === 0) return <p className="muted" data-testid="approvals-empty">No change requests.</p>;
  return (
    <div className="table-wrap">
      <table className="table" data-testid="approvals-table">
        <caption className="sr-only">Change requests needing a second person</caption>
        <thead>
          <tr>
            <th scope="col">State</th>
            <th scope="col">Tenant</th>
            <th scope="col">Call</th>
            <th scope="col">Requester</th>
            <th scope="col">Decided by</th>
            <th scope="col">Result</th>
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {pendingFirst(approvals).map((a) => {
            const own = a.requestedBy === scope.role;
            return (
              <tr key={a.id} data-testid={`approval-row-${a.id}`}>
                <td>
                  <Badge tone={TONE[a.state]} testId={`approval-state-${a.id}`}>
                    {a.state}
                  </Badge>
                </td>
                <td>{a.tenant}</td>
                <td>
                  <code className="mono">{a.channel}</code>
                  <div className="muted small mono">{a.input}</div>
                  {a.reason ? <div className="small">{a.reason}</div> : null}
                </td>
                <td className="mono">{a.requestedBy}</td>
                <td className="mono">{a.decidedBy ?? '—'}</td>
                <td>{a.errorCode ? <code className="error-code">{a.errorCode}</code> : (a.resultSummary ?? '—')}</td>
                <td>
                  {a.state === 'pending' && scope.platform ? (
                    <>
                      <button type="button" className="btn btn-small" disabled={own} aria-describedby={own ? `own-${a.id}` : undefined} onClick={() => onOp('approve', a)} data-testid={`approval-approve-${a.id}`}>
                        Approve
                      </button>
                      {own ? (
                        <>
                          <button type="button" className="btn btn-small" onClick={() => onOp('cancel', a)} data-testid={`approval-cancel-${a.id}`}>
                            Withdraw
                          </button>
                          <div id={`own-${a.id}`} className="muted small" data-testid={`approval-own-${a.id}`}>
                            Your own request: another operator must approve it.
                          </div>
                        </>
                      ) : (
                        <button type="button" className="btn btn-small btn-danger" onClick={() => onOp('reject', a)} data-testid={`approval-reject-${a.id}`}>
                          Reject
                        </button>
                      )}
                    </>
                  ) : null}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
