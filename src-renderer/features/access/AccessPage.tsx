import { useEffect, useState } from 'react';
import type { ApprovalRequest, SupportGrant } from '../../../src-shared/contract/access';
import { tenantIdSchema } from '../../../src-shared/rules/names';
import { useClient } from '../../app/client';
import { useSession } from '../../app/stores/session';
import { FormError } from '../../ui/Field';
import { approve, cancel, loadAccess, reject, subscribeAccess, supportAction } from './actions';
import { ApprovalsTable, type ApprovalOp } from './ApprovalsTable';
import { ReasonDialog, RequestDialog } from './dialogs';
import { useAccess } from './store';
import { SupportTable, type SupportOp } from './SupportTable';

type Open = { kind: 'request' } | { kind: 'support'; op: SupportOp; g: SupportGrant } | { kind: 'approval'; op: ApprovalOp; a: ApprovalRequest } | null;

/**
 * Support & approvals (issue 6 item 5). A platform operator requests and activates support
 * windows and decides other operators' change requests; a tenant admin decides support requests
 * for their tenant. Passwords never come here: the table shows the role and the CLI command.
 */
export function AccessPage() {
  const client = useClient();
  const scopes = useSession((s) => s.scopes);
  const usable = Object.values(scopes)
    .filter((s) => s.platform || s.tenantAdmin.length > 0)
    .sort((a, b) => a.cluster.localeCompare(b.cluster));
  const { cluster, tenant, grants, approvals, status, error, setCluster, setTenant } = useAccess();
  const scope = usable.find((s) => s.cluster === cluster) ?? usable[0] ?? null;
  // A tenant admin's calls must name one of their tenants; a platform operator may filter or not.
  const chosenTenant = scope && !scope.platform ? (scope.tenantAdmin.includes(tenant) ? tenant : (scope.tenantAdmin[0] ?? '')) : tenant;
  const [open, setOpen] = useState<Open>(null);
  // "Expires in" is computed at every render; the tick only makes it re-render while idle.
  const [, setTick] = useState(0);
  const now = new Date();
  // A platform operator's tenant filter applies on Enter or leaving the field, and only when valid.
  const [typed, setTyped] = useState(tenant);
  const typedError = typed && !tenantIdSchema.safeParse(typed).success ? 'tenant id: lower-case letters, digits and _' : undefined;
  const applyTyped = (): void => {
    if (!typedError) setTenant(typed);
  };

  const reload = (): void => {
    if (scope) void loadAccess(client, scope.cluster, chosenTenant);
  };
  useEffect(reload, [client, scope?.cluster, scope?.role, chosenTenant]);
  useEffect(() => (scope ? subscribeAccess(client, scope.cluster, chosenTenant) : undefined), [client, scope?.cluster, chosenTenant]);
  // "Expires in" counts down without a reload.
  useEffect(() => {
    const t = setInterval(() => setTick((n) => n + 1), 30_000);
    return () => clearInterval(t);
  }, []);

  const onSupport = (op: SupportOp, g: SupportGrant): void => {
    if (!scope) return;
    if (op === 'activate') void supportAction(client, 'support.activate', { cluster: scope.cluster, id: g.id });
    else setOpen({ kind: 'support', op, g });
  };
  const onApproval = (op: ApprovalOp, a: ApprovalRequest): void => {
    if (!scope) return;
    if (op === 'cancel') void cancel(client, scope.cluster, a.id);
    else setOpen({ kind: 'approval', op, a });
  };

  return (
    <div className="page" data-testid="access-page">
      <header className="page-header">
        <div>
          <h1>Support &amp; approvals</h1>
          <p className="muted">Time-limited support access to a tenant, decided by the tenant's own admin and granted as a real Cassandra role that is revoked at expiry; and change requests that the tenant's policy gives to a second person.</p>
        </div>
      </header>
      {scope === null ? (
        <div className="empty-state" data-testid="access-no-cluster">
          <p className="muted">
            Sign in to a cluster with platform or tenant-admin scope first (<a href="#/clusters">Clusters</a>).
          </p>
        </div>
      ) : (
        <>
          <div className="form-grid">
            <div className="field">
              <label htmlFor="access-cluster">Cluster</label>
              <select id="access-cluster" value={scope.cluster} onChange={(e) => setCluster(e.target.value)} data-testid="access-cluster">
                {usable.map((s) => (
                  <option key={s.cluster} value={s.cluster}>
                    {s.cluster}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="access-tenant">Tenant{scope.platform ? <span className="field-optional"> (optional)</span> : null}</label>
              {scope.platform ? (
                <>
                  <input
                    id="access-tenant"
                    value={typed}
                    onChange={(e) => setTyped(e.target.value.trim())}
                    onBlur={applyTyped}
                    onKeyDown={(e) => {
                      if (e.key === 'Enter') applyTyped();
                    }}
                    aria-invalid={typedError ? true : undefined}
                    autoComplete="off"
                    data-testid="access-tenant"
                  />
                  {typedError ? <p className="field-error">{typedError}</p> : null}
                </>
              ) : (
                <select id="access-tenant" value={chosenTenant} onChange={(e) => setTenant(e.target.value)} data-testid="access-tenant">
                  {scope.tenantAdmin.map((t) => (
                    <option key={t} value={t}>
                      {t}
                    </option>
                  ))}
                </select>
              )}
            </div>
            <div className="page-actions">
              <button type="button" className="btn" onClick={reload} disabled={status === 'loading'} data-testid="access-refresh">
                {status === 'loading' ? 'Loading…' : 'Refresh'}
              </button>
              {scope.platform ? (
                <button type="button" className="btn btn-primary" onClick={() => setOpen({ kind: 'request' })} data-testid="support-request-open">
                  Request support access
                </button>
              ) : null}
            </div>
          </div>
          {error ? <FormError code={error.code} message={error.message} /> : null}
          <section className="card" aria-labelledby="support-title">
            <header className="card-header">
              <h2 id="support-title">Support access</h2>
            </header>
            <SupportTable grants={grants} scope={scope} cluster={scope.cluster} now={now} onOp={onSupport} />
          </section>
          <section className="card" aria-labelledby="approvals-title">
            <header className="card-header">
              <h2 id="approvals-title">Approvals</h2>
            </header>
            {!scope.platform ? <p className="muted small">Change requests on your tenant are decided by platform operators; you see them here.</p> : null}
            <ApprovalsTable approvals={approvals} scope={scope} onOp={onApproval} />
          </section>
        </>
      )}
      {open?.kind === 'request' && scope ? <RequestDialog cluster={scope.cluster} onClose={() => setOpen(null)} onDone={() => setOpen(null)} /> : null}
      {open?.kind === 'support' && scope ? <SupportDialog cluster={scope.cluster} op={open.op} g={open.g} onClose={() => setOpen(null)} /> : null}
      {open?.kind === 'approval' && scope ? (
        <ReasonDialog
          title={open.op === 'approve' ? 'Approve change request' : 'Reject change request'}
          what={open.op === 'approve' ? `${open.a.channel} on tenant ${open.a.tenant}, filed by ${open.a.requestedBy}, runs now as your session.` : `${open.a.channel} on tenant ${open.a.tenant} will not run.`}
          required={open.op === 'reject'}
          confirm={open.op === 'approve' ? 'Approve and run' : 'Reject'}
          danger={open.op === 'reject'}
          onClose={() => setOpen(null)}
          run={(text) => (open.op === 'approve' ? approve(client, scope.cluster, open.a.id, text) : reject(client, scope.cluster, open.a.id, text))}
          testId={`approval-${open.op}-dialog`}
        />
      ) : null}
    </div>
  );
}

function SupportDialog({ cluster, op, g, onClose }: { cluster: string; op: SupportOp; g: SupportGrant; onClose(): void }) {
  const client = useClient();
  const where = { cluster, tenant: g.tenant, id: g.id };
  const what = `${g.readOnly ? 'Read-only' : 'Read-write'} access to ${g.tenant} for ${g.minutes} minutes, asked by ${g.requestedBy}: “${g.reason}”`;
  if (op === 'approve') return <ReasonDialog title="Approve support access" what={what} required={false} confirm="Approve" onClose={onClose} run={(note) => supportAction(client, 'support.approve', { ...where, ...(note ? { note } : {}) })} testId="support-approve-dialog" />;
  if (op === 'reject') return <ReasonDialog title="Reject support access" what={what} required confirm="Reject" danger onClose={onClose} run={(reason) => supportAction(client, 'support.reject', { ...where, reason })} testId="support-reject-dialog" />;
  return <ReasonDialog title="Revoke support access" what={`${what}. The role ${g.role ?? ''} is switched off and dropped.`} required={false} confirm="Revoke" danger onClose={onClose} run={(reason) => supportAction(client, 'support.revoke', { ...where, ...(reason ? { reason } : {}) })} testId="support-revoke-dialog" />;
}
