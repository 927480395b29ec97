import type { OperatorScope } from '../../../src-shared/contract';
import type { SupportGrant } from '../../../src-shared/contract/access';
import { Badge, type Tone } from '../../ui/Badge';

const TONE: Record<SupportGrant['state'], Tone> = { pending: 'warning', approved: 'info', activating: 'info', active: 'accent', rejected: 'neutral', revoked: 'neutral', expired: 'neutral' };

export function expiresIn(g: SupportGrant, now: Date): string {
  if ((g.state !== 'active' && g.state !== 'activating') || !g.expiresAt) return '—';
  const m = Math.max(0, Math.ceil((Date.parse(g.expiresAt) - now.getTime()) / 60_000));
  return m >= 60 ? `${Math.floor(m / 60)} h ${m % 60} min` : `${m} min`;
}

export type SupportOp = 'approve' | 'reject' | 'activate' | 'revoke';

/** Which buttons a row offers this operator: the same rules main enforces, so nothing offered is refused for scope. */
export function supportOps(g: SupportGrant, scope: OperatorScope): SupportOp[] {
  const ops: SupportOp[] = [];
  const open = g.state === 'active' || g.state === 'activating';
  if (!scope.platform && scope.tenantAdmin.includes(g.tenant)) {
    if (g.state === 'pending' && g.requestedBy !== scope.role) ops.push('approve', 'reject');
    if (open && !g.revokeRequestedBy) ops.push('revoke');
  }
  if (scope.platform) {
    if (g.state === 'approved' && g.requestedBy === scope.role) ops.push('activate');
    if (open || g.state === 'pending' || g.state === 'approved') ops.push('revoke');
  }
  return ops;
}

const LABEL: Record<SupportOp, string> = { approve: 'Approve', reject: 'Reject', activate: 'Activate', revoke: 'Revoke' };

export function SupportTable({ grants, scope, cluster, now, onOp }: { grants: SupportGrant[]; scope: OperatorScope; cluster: string; now: Date; onOp(op: SupportOp, g: SupportGrant): void }) {
  if (grants.length === 0) return <p className="muted" data-testid="support-empty">No support requests.</p>;
  return (
    <div className="table-wrap">
      <table className="table" data-testid="support-table">
        <caption className="sr-only">Support access requests and windows</caption>
        <thead>
          <tr>
            <th scope="col">State</th>
            <th scope="col">Tenant</th>
            <th scope="col">Requester</th>
            <th scope="col">Approver</th>
            <th scope="col">Expires in</th>
            <th scope="col">Access</th>
            <th scope="col">Role</th>
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {grants.map((g) => (
            <tr key={g.id} data-testid={`support-row-${g.id}`}>
              <td>
                <Badge tone={TONE[g.state]} testId={`support-state-${g.id}`}>
                  {g.state}
                </Badge>
                {g.revokeRequestedBy && (g.state === 'active' || g.state === 'activating') ? <div className="muted small">revocation requested by {g.revokeRequestedBy}; the next platform sweep drops the role</div> : null}
              </td>
              <td>
                {g.tenant}
                <div className="muted small">{g.reason}</div>
              </td>
              <td className="mono">{g.requestedBy}</td>
              <td className="mono">{g.decidedBy ?? '—'}</td>
              <td data-testid={`support-expires-${g.id}`}>{expiresIn(g, now)}</td>
              <td>
                {g.readOnly ? 'read-only' : 'read-write'}
                <div className="muted small">{g.minutes} min</div>
              </td>
              <td>
                {g.role ? <code className="mono">{g.role}</code> : '—'}
                {g.role && g.state === 'active' && scope.platform && g.activatedBy === scope.role ? (
                  <div className="muted small" data-testid={`support-password-hint-${g.id}`}>
                    Password (CLI only): <code className="mono">csm support credentials {g.id} --cluster {cluster} --out FILE</code>
                  </div>
                ) : null}
              </td>
              <td>
                {supportOps(g, scope).map((op) => (
                  <button key={op} type="button" className={`btn btn-small${op === 'reject' || op === 'revoke' ? ' btn-danger' : ''}`} onClick={() => onOp(op, g)} data-testid={`support-${op}-${g.id}`}>
                    {LABEL[op]}
                  </button>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
