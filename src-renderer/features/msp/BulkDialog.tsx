import { useEffect, useState, type FormEvent } from 'react';
import { BULK_ACTIONS, frameworkNamed, type BulkAction, type BulkActionName, type BulkResult, type BulkTarget, type PlanItem } from '../../../src-shared/contract/msp';
import { FRAMEWORKS } from '../../../src-shared/rules/compliance';
import { call } from '../../app/call';
import { useClient } from '../../app/client';
import { showValue } from '../../../src-shared/rules/tenant-config';
import { Badge, type Tone } from '../../ui/Badge';
import { Dialog } from '../../ui/Dialog';
import { Progress } from '../../ui/Progress';
import { apply, cancelRun, preview } from './actions';
import { rowKey, useMsp } from './store';

const ACTION_LABEL: Record<BulkActionName, string> = {
  suspend: 'Suspend (lock the tenants out)',
  resume: 'Resume (restore logins and permissions)',
  'rotate-keys': 'Rotate keys',
  policy: 'Set compliance policy',
  template: 'Re-base on a template (inherited fields follow it)',
};
const WILL_TONE: Record<PlanItem['will'], Tone> = { run: 'success', skip: 'neutral', refuse: 'danger' };
const OUTCOME_TONE: Record<BulkResult['outcome'], Tone> = { pending: 'neutral', ok: 'success', skipped: 'neutral', 'awaiting-approval': 'info', failed: 'danger', cancelled: 'warning' };

const list = (s: string): string[] =>
  s
    .split(/[\s,]+/)
    .map((x) => x.trim())
    .filter((x) => x.length > 0);

/** The form's action, or why it is not complete yet. */
export function actionFrom(kind: BulkActionName, reason: string, frameworks: string, approvals: string, template = ''): BulkAction | string {
  switch (kind) {
    case 'suspend':
      return reason.trim() ? { action: 'suspend', reason: reason.trim() } : 'A suspension needs a reason (it is recorded with it).';
    case 'resume':
    case 'rotate-keys':
      return { action: kind };
    case 'policy': {
      const typed = list(frameworks);
      const fw = typed.map(frameworkNamed).filter((f) => f !== null);
      const unknown = typed.filter((f) => !frameworkNamed(f));
      const ap = list(approvals);
      if (unknown.length) return `Unknown framework ${unknown.join(', ')} (one of ${FRAMEWORKS.join(', ')}).`;
      if (fw.length === 0 && ap.length === 0) return 'Give frameworks, channels needing approval, or both.';
      return { action: 'policy', ...(fw.length ? { frameworks: fw } : {}), ...(ap.length ? { approvals: ap } : {}) };
    }
    case 'template':
      if (!template) return 'Pick the template the tenants are re-based on.';
      return reason.trim() ? { action: 'template', template, reason: reason.trim() } : 'A change of template needs a reason (it is kept with the configuration version).';
  }
}

function PlanTable({ plan }: { plan: PlanItem[] }) {
  return (
    <div className="table-wrap msp-plan">
      <table className="table table-compact" data-testid="bulk-plan">
        <thead>
          <tr>
            <th scope="col">Tenant</th>
            <th scope="col">State</th>
            <th scope="col">Would</th>
            <th scope="col">Approval</th>
            <th scope="col">What / why</th>
          </tr>
        </thead>
        <tbody>
          {plan.map((p) => (
            <tr key={rowKey(p)} data-testid={`bulk-plan-${p.cluster}-${p.tenant}`} data-will={p.will}>
              <th scope="row">
                <code className="mono">{`${p.cluster}/${p.tenant}`}</code>
              </th>
              <td>{p.state ?? '—'}</td>
              <td>
                <Badge tone={WILL_TONE[p.will]}>{p.will}</Badge>
              </td>
              <td>{p.approval === 'required' ? <Badge tone="info">second person</Badge> : <span className="muted small">{p.approval}</span>}</td>
              <td className="small">
                {p.detail}
                {p.fields?.length ? (
                  <ul className="small" data-testid={`bulk-plan-fields-${p.cluster}-${p.tenant}`}>
                    {p.fields.map((f) => (
                      <li key={f.path} data-path={f.path} data-origin={f.origin}>
                        <code className="mono">{f.path}</code>
                        {f.origin === 'inherited' ? ` ${showValue(f.before)} → ${showValue(f.after)}` : ` overridden, unchanged (template ${showValue(f.before)} → ${showValue(f.after)})`}
                      </li>
                    ))}
                  </ul>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ResultsTable({ plan, results }: { plan: PlanItem[]; results: Record<string, BulkResult> }) {
  return (
    <div className="table-wrap msp-plan">
      <table className="table table-compact" data-testid="bulk-results">
        <thead>
          <tr>
            <th scope="col">Tenant</th>
            <th scope="col">Outcome</th>
            <th scope="col">Message</th>
          </tr>
        </thead>
        <tbody>
          {plan.map((p) => {
            const r = results[rowKey(p)];
            const outcome = r?.outcome ?? 'pending';
            return (
              <tr key={rowKey(p)} data-testid={`bulk-result-${p.cluster}-${p.tenant}`} data-outcome={outcome}>
                <th scope="row">
                  <code className="mono">{`${p.cluster}/${p.tenant}`}</code>
                </th>
                <td>
                  <Badge tone={OUTCOME_TONE[outcome]}>{outcome}</Badge>
                  {r?.code && outcome !== 'ok' ? <code className="error-code">{r.code}</code> : null}
                </td>
                <td className="small">{r?.message ?? ''}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** Pick an action → preview (dry run, nothing changes) → apply after confirming → live per-tenant results. */
export function BulkDialog({ targets, onClose }: { targets: BulkTarget[]; onClose(): void }) {
  const client = useClient();
  const step = useMsp((s) => s.step);
  const busy = useMsp((s) => s.busy);
  const setStep = useMsp((s) => s.setStep);
  const [kind, setKind] = useState<BulkActionName>('suspend');
  const [reason, setReason] = useState('');
  const [frameworks, setFrameworks] = useState('');
  const [approvals, setApprovals] = useState('');
  const [confirmed, setConfirmed] = useState(false);
  const [template, setTemplate] = useState('');
  const [templates, setTemplates] = useState<string[] | null>(null);
  const action = actionFrom(kind, reason, frameworks, approvals, template);
  // The picker offers the templates of the selection's first cluster (config.setTemplate refuses a name another cluster lacks, per tenant).
  const firstCluster = targets[0]?.cluster;
  useEffect(() => {
    if (kind !== 'template' || templates !== null || !firstCluster) return;
    void call(client, 'template.list', { cluster: firstCluster }, { quiet: true }).then((r) => setTemplates(r.ok ? r.value.map((t) => t.name) : []));
  }, [kind, templates, firstCluster, client]);

  const onPreview = (e: FormEvent): void => {
    e.preventDefault();
    if (typeof action === 'string') return;
    setConfirmed(false);
    void preview(client, targets, action);
  };

  if (step.kind === 'running') {
    const total = step.started.plan.length;
    const done = step.op ? total : step.done;
    const ended = step.op !== null && step.op.state !== 'running';
    return (
      <Dialog title={ended ? 'Bulk operation finished' : 'Bulk operation running'} onClose={onClose} size="wide" testId="bulk-dialog">
        <p className="muted small">
          {step.started.selection} · operation <code className="mono">{step.started.id}</code>
        </p>
        <Progress fraction={total ? done / total : null} label="Tenants done" testId="bulk-progress" />
        {step.op ? (
          <p data-testid="bulk-summary">
            {`${step.op.state}: ${step.op.counts.ok} ok, ${step.op.counts.skipped} skipped, ${step.op.counts['awaiting-approval']} awaiting approval, ${step.op.counts.failed} failed${step.op.counts.cancelled ? `, ${step.op.counts.cancelled} cancelled` : ''}`}
          </p>
        ) : null}
        <ResultsTable plan={step.started.plan} results={step.results} />
        <div className="dialog-actions">
          {!ended && step.started.jobId ? (
            <button type="button" className="btn" onClick={() => void cancelRun(client, step.started.jobId!)} data-testid="bulk-cancel">
              Cancel after the current tenant
            </button>
          ) : null}
          <button type="button" className="btn btn-primary" onClick={onClose} data-testid="bulk-close">
            {ended ? 'Close' : 'Hide (keeps running)'}
          </button>
        </div>
      </Dialog>
    );
  }

  if (step.kind === 'preview') {
    const plan = step.preview.plan;
    const runs = plan.filter((p) => p.will === 'run').length;
    const approvalsNeeded = plan.filter((p) => p.will === 'run' && p.approval === 'required').length;
    const chosen = step.preview.action;
    return (
      <Dialog title="Preview (dry run): nothing has changed" onClose={onClose} size="wide" testId="bulk-dialog">
        <p data-testid="bulk-preview-summary">
          {`${runs} of ${plan.length} tenant${plan.length === 1 ? '' : 's'} would change; ${plan.filter((p) => p.will === 'skip').length} skipped, ${plan.filter((p) => p.will === 'refuse').length} refused.`}
          {approvalsNeeded ? ` ${approvalsNeeded} need a second person: they will be filed as approval requests.` : ''}
        </p>
        <PlanTable plan={plan} />
        <label className="filter-chip">
          <input type="checkbox" checked={confirmed} disabled={runs === 0} onChange={(e) => setConfirmed(e.target.checked)} data-testid="bulk-confirm" />
          {chosen.action === 'template'
            ? `I want to re-base ${runs} tenant${runs === 1 ? '' : 's'} on template ${chosen.template}`
            : `I want to ${chosen.action === 'policy' ? 'set this policy on' : chosen.action} ${runs} tenant${runs === 1 ? '' : 's'}`}
        </label>
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={() => setStep({ kind: 'choose' })} data-testid="bulk-back">
            Back
          </button>
          <button type="button" className={`btn ${chosen.action === 'suspend' ? 'btn-danger' : 'btn-primary'}`} disabled={!confirmed || runs === 0 || busy} onClick={() => void apply(client, targets, chosen)} data-testid="bulk-apply">
            {busy ? 'Starting…' : `Apply to ${runs} tenant${runs === 1 ? '' : 's'}`}
          </button>
        </div>
      </Dialog>
    );
  }

  return (
    <Dialog title={`Bulk action on ${targets.length} tenant${targets.length === 1 ? '' : 's'}`} description="Choose an action; the preview shows what each tenant would do before anything changes." onClose={onClose} testId="bulk-dialog">
      <form onSubmit={onPreview} noValidate>
        <fieldset className="filter-group">
          <legend>Action</legend>
          {BULK_ACTIONS.map((a) => (
            <label key={a} className="filter-chip">
              <input type="radio" name="bulk-action" value={a} checked={kind === a} onChange={() => setKind(a)} data-testid={`bulk-action-${a}`} />
              {ACTION_LABEL[a]}
            </label>
          ))}
        </fieldset>
        {kind === 'template' ? (
          <div className="field">
            <label htmlFor="bulk-template">Template</label>
            <select id="bulk-template" value={template} onChange={(e) => setTemplate(e.target.value)} data-testid="bulk-template">
              <option value="">{templates === null ? 'Loading templates…' : 'Choose a template'}</option>
              {(templates ?? []).map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          </div>
        ) : null}
        {kind === 'suspend' || kind === 'template' ? (
          <div className="field">
            <label htmlFor="bulk-reason">Reason</label>
            <input id="bulk-reason" value={reason} maxLength={200} onChange={(e) => setReason(e.target.value)} autoComplete="off" data-testid="bulk-reason" />
          </div>
        ) : null}
        {kind === 'policy' ? (
          <>
            <div className="field">
              <label htmlFor="bulk-frameworks">
                Frameworks <span className="field-optional">(comma-separated: SOX, PCI-DSS, GDPR, HIPAA; replaces the list)</span>
              </label>
              <input id="bulk-frameworks" value={frameworks} onChange={(e) => setFrameworks(e.target.value)} autoComplete="off" data-testid="bulk-frameworks" />
            </div>
            <div className="field">
              <label htmlFor="bulk-approvals">
                Channels needing a second person <span className="field-optional">(e.g. tenant.suspend)</span>
              </label>
              <input id="bulk-approvals" value={approvals} onChange={(e) => setApprovals(e.target.value)} autoComplete="off" data-testid="bulk-approvals" />
            </div>
          </>
        ) : null}
        {typeof action === 'string' ? <p className="field-hint">{action}</p> : null}
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={typeof action === 'string' || busy} data-testid="bulk-preview">
            {busy ? 'Planning…' : 'Preview'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
