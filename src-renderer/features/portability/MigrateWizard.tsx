import { useState } from 'react';
import { useClient } from '../../app/client';
import { Dialog } from '../../ui/Dialog';
import { migrateTenant, type Outcome, type Started } from './actions';
import { MIGRATION_PHASES, OperationView, OutcomeNote } from './bits';
import { ClusterPicker, DcMapEditor, splitTenant, TenantPicker } from './dialogs';
import { parseDcMap, type DcRow } from './form';
import { useTenants } from '../tenants/store';

type Step = 'choose' | 'review' | 'run';
const STEPS: { id: Step; label: string }[] = [
  { id: 'choose', label: '1. Tenant and target' },
  { id: 'review', label: '2. Review' },
  { id: 'run', label: '3. Progress and report' },
];

/**
 * Migrate a tenant to another cluster: choose → review → start, then the live phase stepper
 * (copy, verify, cut-over, switch, clean-up) with Abort until the clean-up, and the
 * verification report at the end.
 */
export function MigrateWizard({ onClose }: { onClose(): void }) {
  const client = useClient();
  const [step, setStep] = useState<Step>('choose');
  const [tenant, setTenant] = useState('');
  const [to, setTo] = useState('');
  const [rows, setRows] = useState<DcRow[]>([]);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome<Started> | null>(null);
  const src = splitTenant(tenant);
  const summary = useTenants((s) => (src ? s.tenants.find((t) => t.cluster === src.cluster && t.id === src.tenant) : undefined));
  const dc = parseDcMap(rows);
  const chooseReady = Boolean(src) && Boolean(to) && to !== src?.cluster && !dc.error;

  const start = async (): Promise<void> => {
    if (!src || busy) return;
    setBusy(true);
    const o = await migrateTenant(client, { cluster: src.cluster, tenant: src.tenant, to, ...(dc.value ? { dcMap: dc.value } : {}) });
    setBusy(false);
    setOutcome(o);
    if (o.kind === 'done') setStep('run');
  };

  return (
    <Dialog title="Migrate a tenant" onClose={onClose} testId="migrate-wizard" size="wide">
      <ol className="port-wizard-steps" aria-label="Wizard steps">
        {STEPS.map((s) => (
          <li key={s.id} aria-current={s.id === step ? 'step' : undefined} data-testid={`migrate-step-${s.id}`}>
            {s.label}
          </li>
        ))}
      </ol>
      {step === 'choose' ? (
        <>
          <TenantPicker value={tenant} onChange={setTenant} testId="migrate-tenant" />
          <ClusterPicker value={to} onChange={setTo} label="Target cluster" exclude={src?.cluster} testId="migrate-to" />
          <DcMapEditor rows={rows} setRows={setRows} known={summary?.dataCenters ?? []} error={dc.error} testId="migrate-dcmap" />
          <div className="dialog-actions">
            <button type="button" className="btn" onClick={onClose}>
              Cancel
            </button>
            <button type="button" className="btn btn-primary" disabled={!chooseReady} onClick={() => setStep('review')} data-testid="migrate-next">
              Review
            </button>
          </div>
        </>
      ) : null}
      {step === 'review' && src ? (
        <>
          <dl className="kv" data-testid="migrate-review">
            <dt>Tenant</dt>
            <dd className="mono">{src.tenant}</dd>
            <dt>From</dt>
            <dd className="mono">{src.cluster}</dd>
            <dt>To</dt>
            <dd className="mono">{to}</dd>
            <dt>Data centres</dt>
            <dd>{dc.value ? Object.entries(dc.value).map(([a, b]) => `${a} → ${b}`).join(', ') : 'unchanged (must satisfy the target’s compliance boundary)'}</dd>
          </dl>
          <ol className="small">
            {MIGRATION_PHASES.map((p) => (
              <li key={p.id}>
                <strong>{p.label}</strong>
                {p.id === 'copy' ? ': the tenant is copied to the target while it keeps serving.' : null}
                {p.id === 'verify' ? ': rows, content digests and grants compared on both sides.' : null}
                {p.id === 'cutover' ? ': writes are paused (MODIFY revoked) for the short final sync; the tenant shows as migrating.' : null}
                {p.id === 'switch' ? ': the tenant’s placement moves to the target.' : null}
                {p.id === 'cleanup' ? ': the source is removed, only after verification passed.' : null}
              </li>
            ))}
          </ol>
          <p className="port-warning small">Abort is possible until the clean-up starts and leaves the source as it was. A tenant policy may require a second person: the migration is then filed for approval.</p>
          <OutcomeNote outcome={outcome} testId="migrate" />
          <div className="dialog-actions">
            <button type="button" className="btn" onClick={() => setStep('choose')} data-testid="migrate-back">
              Back
            </button>
            <button type="button" className="btn btn-primary" disabled={busy || outcome?.kind === 'approval'} onClick={() => void start()} data-testid="migrate-start">
              {busy ? 'Starting…' : 'Start migration'}
            </button>
          </div>
        </>
      ) : null}
      {step === 'run' && src && outcome?.kind === 'done' ? (
        <>
          <OperationView operationId={outcome.value.operationId} cluster={src.cluster} />
          <div className="dialog-actions">
            <button type="button" className="btn" onClick={onClose} data-testid="migrate-close">
              Close
            </button>
          </div>
        </>
      ) : null}
    </Dialog>
  );
}
