import { useState, type FormEvent } from 'react';
import type { Saga } from '../../../src-shared/contract/tenants';
import { tenantCreateInputSchema } from '../../../src-shared/contract/tenants';
import { useClient } from '../../app/client';
import { Badge, type Tone } from '../../ui/Badge';
import { TextField } from '../../ui/Field';
import { resumeJob, rollbackJob } from './actions';
import { when } from './bits';

const SAGA_TONE: Record<Saga['state'], Tone> = {
  running: 'info',
  succeeded: 'success',
  failed: 'danger',
  rolling_back: 'warning',
  rolled_back: 'neutral',
};
const STEP_MARK: Record<Saga['steps'][number]['state'], string> = {
  pending: '○',
  running: '◐',
  done: '✓',
  failed: '✕',
  undone: '↺',
};
const KIND_LABEL: Record<Saga['kind'], string> = { create: 'Provisioning', delete: 'Deletion', clone: 'Clone' };

export function SagaStateBadge({ state }: { state: Saga['state'] }) {
  return (
    <Badge tone={SAGA_TONE[state]} testId="saga-state">
      {state.replace('_', ' ')}
    </Badge>
  );
}

/** The saga's steps as a live stepper; each step says its state in words, not only by colour. */
export function SagaStepper({ saga }: { saga: Saga }) {
  return (
    <ol className="stepper" aria-label={`${KIND_LABEL[saga.kind]} steps`} data-testid="saga-steps">
      {saga.steps.map((s) => (
        <li key={s.name} className={`stepper-step stepper-${s.state}`} data-testid={`saga-step-${s.name}`} data-state={s.state} aria-current={s.state === 'running' ? 'step' : undefined}>
          <span className="stepper-mark" aria-hidden="true">
            {STEP_MARK[s.state]}
          </span>
          <span className="stepper-label">{s.label}</span>
          <span className="stepper-state">{s.state}</span>
          {s.message ? <span className="stepper-message">{s.message}</span> : null}
        </li>
      ))}
    </ol>
  );
}

const adminPasswordSchema = tenantCreateInputSchema.shape.adminPassword;

/**
 * A failed (or interrupted) saga offers Resume and Roll back. Resuming a provisioning that still
 * has to create the admin user needs that password again: this console never kept it.
 */
export function SagaActions({ saga }: { saga: Saga }) {
  const client = useClient();
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState<'resume' | 'rollback' | null>(null);
  if (saga.state !== 'failed') return null;

  const resume = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (busy) return;
    if (saga.needsAdminPassword) {
      const p = adminPasswordSchema.safeParse(password);
      if (!p.success) {
        setError(p.error.issues[0]?.message ?? 'password required');
        return;
      }
    }
    setError(undefined);
    setBusy('resume');
    const pw = password;
    setPassword(''); // out of component state before the call returns
    await resumeJob(client, { cluster: saga.cluster, jobId: saga.jobId, ...(saga.needsAdminPassword ? { adminPassword: pw } : {}) });
    setBusy(null);
  };
  const rollback = async (): Promise<void> => {
    if (busy) return;
    setBusy('rollback');
    await rollbackJob(client, { cluster: saga.cluster, jobId: saga.jobId });
    setBusy(null);
  };

  return (
    <form className="saga-actions" noValidate onSubmit={resume} data-testid="saga-actions">
      {saga.needsAdminPassword ? (
        <TextField
          label={`Password of the initial admin user (asked again: it was never stored)`}
          type="password"
          autoComplete="new-password"
          value={password}
          error={error}
          onChange={(e) => setPassword(e.target.value)}
          data-testid="saga-resume-password"
        />
      ) : null}
      <div className="card-actions">
        <button type="submit" className="btn btn-primary" disabled={busy !== null} data-testid="saga-resume">
          {busy === 'resume' ? 'Resuming…' : 'Resume'}
        </button>
        <button type="button" className="btn btn-danger" disabled={busy !== null} onClick={() => void rollback()} data-testid="saga-rollback">
          {busy === 'rollback' ? 'Rolling back…' : 'Roll back'}
        </button>
      </div>
    </form>
  );
}

export function SagaCard({ saga, title }: { saga: Saga; title?: string }) {
  return (
    <section className="card saga-card" aria-label={title ?? `${KIND_LABEL[saga.kind]} of ${saga.tenantId}`} data-testid={`saga-${saga.jobId}`} data-state={saga.state}>
      <div className="card-header">
        <h3>{title ?? `${KIND_LABEL[saga.kind]} of ${saga.tenantId}`}</h3>
        <SagaStateBadge state={saga.state} />
      </div>
      <p className="muted small">
        <code className="mono">{saga.jobId}</code> · started {when(saga.startedAt)} by <code className="mono">{saga.startedBy}</code> · updated {when(saga.updatedAt)}
      </p>
      <SagaStepper saga={saga} />
      {saga.error ? (
        <div className="form-error" role="alert" data-testid="saga-error">
          <span>{saga.error}</span>
        </div>
      ) : null}
      <SagaActions saga={saga} />
    </section>
  );
}
