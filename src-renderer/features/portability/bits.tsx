import type { Operation, TableCheck, VerificationReport } from '../../../src-shared/contract/portability';
import { useClient } from '../../app/client';
import { Badge, ErrorCode, type Tone } from '../../ui/Badge';
import { FormError } from '../../ui/Field';
import { Progress } from '../../ui/Progress';
import { when } from '../tenants/bits';
import { abortMigration, type Outcome } from './actions';
import { bytes, shortHash } from './form';
import { isEnded, operationOf, usePortability } from './store';
import './portability.css';

const STATE_TONE: Record<Operation['state'], Tone> = {
  running: 'info',
  paused: 'warning',
  succeeded: 'success',
  failed: 'danger',
  aborted: 'neutral',
  interrupted: 'warning',
};

export function OpStateBadge({ state }: { state: Operation['state'] }) {
  return (
    <Badge tone={STATE_TONE[state]} testId="op-state">
      {state}
    </Badge>
  );
}

/** A refusal with its code, or a call filed for approval (nothing ran yet). */
export function OutcomeNote({ outcome, testId = 'port-outcome' }: { outcome: Outcome<unknown> | null; testId?: string }) {
  if (!outcome || outcome.kind === 'done') return null;
  if (outcome.kind === 'error') return <FormError code={outcome.error.code} message={outcome.error.message} />;
  return (
    <div className="notice notice-warning" role="status" data-testid={`${testId}-approval`} data-request={outcome.requestId ?? ''}>
      <p>
        <ErrorCode code="APPROVAL_REQUIRED" /> <strong>Filed for approval{outcome.requestId ? <>, request <code className="mono">{outcome.requestId}</code></> : null}</strong>: a second person must approve it, so nothing has run yet.
      </p>
      <p className="small muted">{outcome.message}</p>
      <p>
        <a href="#/access">Open Support &amp; approvals</a>
      </p>
    </div>
  );
}

export const MIGRATION_PHASES = [
  { id: 'copy', label: 'Copy' },
  { id: 'verify', label: 'Verify' },
  { id: 'cutover', label: 'Cut over (writes paused)' },
  { id: 'switch', label: 'Switch placement' },
  { id: 'cleanup', label: 'Clean up the source' },
] as const;
type StepState = 'pending' | 'running' | 'done' | 'failed' | 'undone';
const STEP_MARK: Record<StepState, string> = { pending: '○', running: '◐', done: '✓', failed: '✕', undone: '↺' };

/** Each phase's state from the current phase and the operation's state, in words as well as marks. */
export function phaseStates(phase: string | null, state: Operation['state']): StepState[] {
  const at = phase === 'done' ? MIGRATION_PHASES.length : MIGRATION_PHASES.findIndex((p) => p.id === phase);
  return MIGRATION_PHASES.map((_, i): StepState => {
    if (state === 'succeeded') return 'done';
    // Abort puts the source back as it was: what had been done is undone.
    if (state === 'aborted') return i <= at ? 'undone' : 'pending';
    if (i < at) return 'done';
    if (i > at) return 'pending';
    if (state === 'running') return 'running';
    if (state === 'failed' || state === 'interrupted') return 'failed';
    return 'pending';
  });
}

export function PhaseStepper({ phase, state }: { phase: string | null; state: Operation['state'] }) {
  const states = phaseStates(phase, state);
  return (
    <ol className="stepper" aria-label="Migration phases" data-testid="migrate-phases">
      {MIGRATION_PHASES.map((p, i) => {
        const s = states[i] ?? 'pending';
        return (
          <li key={p.id} className={`stepper-step stepper-${s}`} data-testid={`migrate-phase-${p.id}`} data-state={s} aria-current={s === 'running' ? 'step' : undefined}>
            <span className="stepper-mark" aria-hidden="true">
              {STEP_MARK[s]}
            </span>
            <span className="stepper-label">{p.label}</span>
            <span className="stepper-state">{s}</span>
          </li>
        );
      })}
    </ol>
  );
}

function Digest({ value, other }: { value: string | null; other: string | null }) {
  if (value === null) return <span className="muted">—</span>;
  return (
    <code className={`mono small${other !== null && other !== value ? ' port-diff' : ''}`} title={value}>
      {value.slice(0, 12)}
    </code>
  );
}

function TableRow({ t }: { t: TableCheck }) {
  const rowsDiffer = t.sourceRows !== t.targetRows;
  return (
    <tr className={t.ok ? undefined : 'port-mismatch'} data-testid={`report-table-${t.keyspace}.${t.table}`} data-ok={t.ok ? 'true' : 'false'}>
      <th scope="row" className="mono small">
        {t.keyspace}.{t.table}
      </th>
      <td className={`num${rowsDiffer ? ' port-diff' : ''}`} data-testid="report-source-rows">
        {t.sourceRows ?? '—'}
      </td>
      <td className={`num${rowsDiffer ? ' port-diff' : ''}`} data-testid="report-target-rows">
        {t.targetRows ?? '—'}
      </td>
      <td>
        <Digest value={t.sourceDigest} other={t.targetDigest} />
      </td>
      <td>
        <Digest value={t.targetDigest} other={t.sourceDigest} />
      </td>
      <td>{t.ok ? <Badge tone="success">match</Badge> : <Badge tone="danger">mismatch</Badge>}</td>
    </tr>
  );
}

const SIDE: Record<'both' | 'source' | 'target', { tone: Tone; label: string }> = {
  both: { tone: 'success', label: 'both' },
  source: { tone: 'danger', label: 'missing at target' },
  target: { tone: 'warning', label: 'only at target' },
};

/** The verification report: per-table rows and digests side by side (mismatches marked), grants compared. */
export function ReportView({ report, testId = 'verification-report' }: { report: VerificationReport; testId?: string }) {
  const bad = report.tables.filter((t) => !t.ok).length;
  return (
    <section className="port-report" aria-label="Verification report" data-testid={testId} data-ok={report.ok ? 'true' : 'false'}>
      <p className="port-report-summary">
        {report.ok ? (
          <Badge tone="success" testId="report-ok">
            verified: identical
          </Badge>
        ) : (
          <Badge tone="danger" testId="report-failed">
            verification failed
          </Badge>
        )}{' '}
        <span className="small">
          {report.tables.length} tables, {bad} mismatched · grants {report.grantsEqual ? 'equal' : 'differ'} · config {report.configEqual ? 'equal' : 'differs'} · certificates {report.certificates.source} → {report.certificates.target}
        </span>
      </p>
      <div className="table-wrap">
        <table className="table table-compact" data-testid="report-tables">
          <caption className="sr-only">Rows and content digests per table, source and target</caption>
          <thead>
            <tr>
              <th scope="col">Table</th>
              <th scope="col">Source rows</th>
              <th scope="col">Target rows</th>
              <th scope="col">Source digest</th>
              <th scope="col">Target digest</th>
              <th scope="col">Result</th>
            </tr>
          </thead>
          <tbody>
            {report.tables.map((t) => (
              <TableRow key={`${t.keyspace}.${t.table}`} t={t} />
            ))}
          </tbody>
        </table>
      </div>
      <h4>Grants {report.grantsEqual ? <Badge tone="success">equal</Badge> : <Badge tone="danger">differ</Badge>}</h4>
      {report.grants.length ? (
        <div className="table-wrap">
          <table className="table table-compact" data-testid="report-grants">
            <caption className="sr-only">Grants at the source and the target (after id remapping)</caption>
            <thead>
              <tr>
                <th scope="col">Role</th>
                <th scope="col">Resource</th>
                <th scope="col">Permissions</th>
                <th scope="col">Where</th>
              </tr>
            </thead>
            <tbody>
              {report.grants.map((g) => (
                <tr key={`${g.role}|${g.resource}|${g.side}`} className={g.side === 'both' ? undefined : 'port-mismatch'} data-testid="report-grant" data-side={g.side}>
                  <td className="mono small">{g.role}</td>
                  <td className="mono small">{g.resource}</td>
                  <td className="small">{g.permissions.join(', ')}</td>
                  <td>
                    <Badge tone={SIDE[g.side].tone}>{SIDE[g.side].label}</Badge>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p className="muted small">No grants compared.</p>
      )}
      {report.notes.length ? (
        <ul className="small" data-testid="report-notes">
          {report.notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

/**
 * One running (or ended) operation: live progress from `portability.progress`, the migration's
 * phase stepper with Abort until the clean-up, and once ended its outcome and report.
 */
export function OperationView({ operationId, cluster }: { operationId: string; cluster: string }) {
  const client = useClient();
  const op = usePortability((s) => operationOf(s, operationId));
  const p = usePortability((s) => s.progress[operationId]);
  const ended = op ? isEnded(op) : false;
  const kind = op?.kind ?? p?.kind ?? null;
  const phase = p?.phase ?? op?.phase ?? null;
  const fraction = ended ? (op?.state === 'succeeded' ? 1 : null) : p && p.total !== null && p.total > 0 ? Math.min(1, p.done / p.total) : null;
  const beforeCleanup = phase !== 'cleanup' && phase !== 'done';
  // A move whose console stopped (interrupted here, or orphaned elsewhere: 'paused' with no
  // heartbeat), or whose roll-back was left incomplete, is rolled back from its record.
  const stranded = kind === 'migrate' && op !== null && (op.state === 'interrupted' || op.state === 'paused' || (op.state === 'failed' && /roll-back incomplete/.test(op.error ?? '')));
  const canAbort = kind === 'migrate' && beforeCleanup && (!ended || stranded);
  return (
    <section className="port-op" aria-label="Operation progress" data-testid="op-view" data-operation={operationId} data-state={op?.state ?? 'running'}>
      <div className="port-op-head">
        <span className="strong">{kind ?? 'operation'}</span> {op ? <OpStateBadge state={op.state} /> : <Badge tone="info">starting</Badge>}{' '}
        <code className="mono small">{operationId}</code>
      </div>
      {kind === 'migrate' ? <PhaseStepper phase={phase} state={op?.state ?? 'running'} /> : null}
      {stranded && op?.error ? (
        <p className="small" data-testid="op-stranded">
          {op.error}
        </p>
      ) : null}
      {!ended && !stranded ? (
        <div className="port-progress" data-testid="op-progress">
          <Progress fraction={fraction} label={`Progress of ${kind ?? 'the operation'}`} testId="op-progress-bar" />
          <span className="small" data-testid="op-message">
            {p ? `${p.phase ? `${p.phase}: ` : ''}${p.message}${p.total !== null ? ` (${p.done} of ${p.total})` : p.done ? ` (${p.done})` : ''}` : 'Waiting for the first progress report…'}
          </span>
        </div>
      ) : null}
      {canAbort ? (
        <button type="button" className="btn btn-danger btn-small" onClick={() => void abortMigration(client, cluster, operationId)} data-testid="migrate-abort" title={stranded ? 'Roll the move back from its record: the source gets its writes back, a copy this move made on the target is dropped' : undefined}>
          {stranded ? 'Roll back migration' : 'Abort migration'}
        </button>
      ) : null}
      {op && ended ? (
        <div data-testid="op-outcome">
          <p className="small">
            {op.state === 'succeeded' ? 'Finished' : `Ended ${op.state}`} {when(op.endedAt)} · {op.tables} tables · {op.rows} rows
            {op.bytes !== null ? ` · ${bytes(op.bytes)}` : ''}
            {op.sha256 ? (
              <>
                {' '}
                · sha256 <code className="mono">{shortHash(op.sha256)}</code>
              </>
            ) : null}
            {op.path ? (
              <>
                {' '}
                · <code className="mono">{op.path}</code>
              </>
            ) : null}
            {op.targetTenant ? ` · into ${op.targetCluster ?? op.cluster}/${op.targetTenant}` : ''}
          </p>
          {op.error ? (
            <p className="form-error" role="alert" data-testid="op-error">
              {op.error}
            </p>
          ) : null}
          {op.report ? <ReportView report={op.report} /> : null}
        </div>
      ) : null}
    </section>
  );
}
