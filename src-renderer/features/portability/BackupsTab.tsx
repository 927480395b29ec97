import { useEffect, useId, useState, type FormEvent } from 'react';
import type { Backup, BackupStatus } from '../../../src-shared/contract/portability';
import { useClient } from '../../app/client';
import { useSession } from '../../app/stores/session';
import { Badge, ErrorCode } from '../../ui/Badge';
import { Dialog } from '../../ui/Dialog';
import { TextField } from '../../ui/Field';
import { when } from '../tenants/bits';
import { createBackup, loadBackups, restoreBackup, savePolicy, subscribePortability, verifyBackup, type Outcome, type Started } from './actions';
import { OperationView, OutcomeNote } from './bits';
import { bytes, minutes, parsePolicy, policyText, POLICY_FIELDS, shortHash, tenantIdProblem, type PolicyField, type PolicyText } from './form';
import { backupKey, usePortability } from './store';
import './portability.css';

const POLICY_LABEL: Record<PolicyField, { label: string; hint: string }> = {
  everyHours: { label: 'Back up every (hours)', hint: '0 = no schedule (manual backups only)' },
  keep: { label: 'Keep (backups)', hint: 'older ones are deleted once a newer one is written' },
  rpoMinutes: { label: 'RPO target (minutes)', hint: 'most data that may be lost' },
  rtoMinutes: { label: 'RTO target (minutes)', hint: 'longest a restore may take' },
};

function Target({ name, met, figure, target, testId }: { name: 'RPO' | 'RTO'; met: boolean | null; figure: string; target: number; testId: string }) {
  return (
    <div className="port-figure" data-met={met === null ? 'unknown' : met ? 'true' : 'false'} data-testid={testId}>
      <div>
        {met === null ? (
          <Badge tone="neutral" testId={`${testId}-badge`}>
            {name} unknown
          </Badge>
        ) : met ? (
          <Badge tone="success" testId={`${testId}-badge`}>
            {name} met
          </Badge>
        ) : (
          <Badge tone="danger" testId={`${testId}-badge`}>
            {name} missed
          </Badge>
        )}
      </div>
      <div className="small" data-testid={`${testId}-figures`}>
        {figure} · target {minutes(target)}
      </div>
    </div>
  );
}

function Targets({ s }: { s: BackupStatus }) {
  return (
    <div className="port-figures">
      <Target name="RPO" met={s.rpo.met} target={s.policy.rpoMinutes} figure={s.rpo.newestAgeMinutes === null ? 'no good backup yet' : `newest good backup ${minutes(s.rpo.newestAgeMinutes)} old`} testId="backup-rpo" />
      <Target name="RTO" met={s.rto.met} target={s.policy.rtoMinutes} figure={s.rto.lastRestoreMinutes === null ? 'no restore measured yet' : `last restore took ${minutes(s.rto.lastRestoreMinutes)}`} testId="backup-rto" />
      <div className="port-figure small" data-testid="backup-schedule">
        <div>{s.policy.everyHours === 0 ? 'Not scheduled' : `Every ${s.policy.everyHours} h, keep ${s.policy.keep}${s.policy.withData ? ', with data' : ', schema and config only'}`}</div>
        <div className="muted">{s.nextDueAt ? `next due ${when(s.nextDueAt)}` : 'no backup due'}</div>
      </div>
    </div>
  );
}

/** The policy editor: the same bounds as backup.setPolicy, checked as you type. */
export function PolicyEditor({ s }: { s: BackupStatus }) {
  const client = useClient();
  const [text, setText] = useState<PolicyText>(() => policyText(s.policy));
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome<unknown> | null>(null);
  const { value, errors } = parsePolicy(text);
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (!value || busy) return;
    setBusy(true);
    const o = await savePolicy(client, { cluster: s.cluster, tenant: s.tenant, policy: value });
    setOutcome(o);
    setBusy(false);
  };
  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-label="Backup policy" data-testid="backup-policy">
      <div className="port-policy">
        {POLICY_FIELDS.map((f) => (
          <TextField key={f} label={POLICY_LABEL[f].label} hint={POLICY_LABEL[f].hint} inputMode="numeric" value={text[f]} onChange={(e) => setText({ ...text, [f]: e.target.value })} error={errors[f]} data-testid={`backup-policy-${f}`} />
        ))}
      </div>
      <label className="port-check">
        <input type="checkbox" checked={text.withData} onChange={(e) => setText({ ...text, withData: e.target.checked })} data-testid="backup-policy-withData" />
        Include the tenant&apos;s data (otherwise schema, roles, grants, config and keys only)
      </label>
      <OutcomeNote outcome={outcome} testId="backup-policy" />
      <button type="submit" className="btn btn-small" disabled={busy || value === null} data-testid="backup-policy-save">
        {busy ? 'Saving…' : 'Save policy'}
      </button>
    </form>
  );
}

function RestoreDialog({ cluster, tenant, backup, onClose, onStarted }: { cluster: string; tenant: string; backup: Backup; onClose(): void; onStarted(s: Started): void }) {
  const client = useClient();
  const [into, setInto] = useState<'same' | 'new'>('new');
  const [confirm, setConfirm] = useState('');
  const [newId, setNewId] = useState('');
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome<Started> | null>(null);
  const warnId = useId();
  const newProblem = into === 'new' && newId ? (tenantIdProblem(newId) ?? (newId === tenant ? 'a new tenant id, not this one (choose "the same tenant" for that)' : null)) : null;
  const ready = into === 'same' ? confirm === tenant : Boolean(newId) && !newProblem;
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (!ready || busy) return;
    setBusy(true);
    const o = await restoreBackup(client, { cluster, tenant, backupId: backup.id, into: into === 'same' ? { kind: 'same', confirm } : { kind: 'new', tenant: newId } });
    setBusy(false);
    if (o.kind === 'done') onStarted(o.value);
    else setOutcome(o);
  };
  return (
    <Dialog title={`Restore backup of ${when(backup.at)}`} description={`Backup ${backup.id} · ${backup.rows} rows · ${bytes(backup.bytes)} · sha256 ${shortHash(backup.sha256)}`} onClose={onClose} testId="restore-dialog">
      <form onSubmit={(e) => void submit(e)} noValidate>
        <fieldset className="form-fieldset">
          <legend>Restore into</legend>
          <div className="port-radios">
          <label className="radio">
            <input type="radio" name="restore-into" value="new" checked={into === 'new'} onChange={() => setInto('new')} data-testid="restore-into-new" />
            A new tenant (a test restore: {tenant} is not touched)
          </label>
          <label className="radio">
            <input type="radio" name="restore-into" value="same" checked={into === 'same'} onChange={() => setInto('same')} data-testid="restore-into-same" />
            The same tenant, {tenant} (its keyspaces are put back as they were)
          </label>
          </div>
        </fieldset>
        {into === 'same' ? (
          <>
            <div className="port-warning" id={warnId} role="note" data-testid="restore-warning">
              Rows written to {tenant} after {when(backup.at)} are lost: its tables are put back to the backup&apos;s content.
            </div>
            <TextField label={`Type the tenant id ${tenant} to confirm`} value={confirm} onChange={(e) => setConfirm(e.target.value)} autoComplete="off" aria-describedby={warnId} error={confirm && confirm !== tenant ? 'does not match the tenant id' : undefined} data-testid="restore-confirm" />
          </>
        ) : (
          <TextField label="New tenant id" value={newId} onChange={(e) => setNewId(e.target.value.trim())} error={newProblem ?? undefined} hint="created by the restore; must not exist yet" data-testid="restore-new-id" />
        )}
        <OutcomeNote outcome={outcome} testId="restore" />
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className={`btn ${into === 'same' ? 'btn-danger' : 'btn-primary'}`} disabled={!ready || busy} data-testid="restore-submit">
            {busy ? 'Starting…' : into === 'same' ? `Restore over ${tenant}` : 'Restore into the new tenant'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function VerifiedCell({ b }: { b: Backup }) {
  if (!b.verified) return <span className="muted">never</span>;
  return b.verified.ok ? <Badge tone="success">{`ok ${when(b.verified.at)}`}</Badge> : <Badge tone="danger">{`failed ${when(b.verified.at)}`}</Badge>;
}

/** Tenant → Backups (issue 11): policy and RPO/RTO targets, the backups, back up / verify / restore as live jobs. */
export function BackupsTab({ cluster, tenant }: { cluster: string; tenant: string }) {
  const client = useClient();
  const key = backupKey(cluster, tenant);
  const s = usePortability((st) => st.backups[key]);
  const err = usePortability((st) => st.backupErrors[key]);
  const platform = useSession((st) => st.scopes[cluster]?.platform ?? false);
  const [current, setCurrent] = useState<string | null>(null);
  const [restoring, setRestoring] = useState<Backup | null>(null);
  const [outcome, setOutcome] = useState<Outcome<Started> | null>(null);
  const [busy, setBusy] = useState(false);
  const verifyNote = useId();

  useEffect(() => {
    // The catalogue and policies live in csm_system, which only platform roles read.
    if (!platform) return;
    const off = subscribePortability(client);
    void loadBackups(client, cluster, tenant);
    return off;
  }, [client, cluster, tenant, platform]);

  const run = async (start: () => Promise<Outcome<Started>>): Promise<void> => {
    setBusy(true);
    const o = await start();
    setBusy(false);
    setOutcome(o);
    if (o.kind === 'done') setCurrent(o.value.operationId);
  };

  return (
    <section className="card" aria-label="Backups" data-testid="backups-tab" data-cluster={cluster} data-tenant={tenant}>
      <div className="card-header">
        <h3>Backups</h3>
        <div className="card-actions">
          {platform ? (
            <button type="button" className="btn btn-primary btn-small" onClick={() => void run(() => createBackup(client, cluster, tenant))} disabled={busy} data-testid="backup-now">
              Back up now
            </button>
          ) : null}
          {platform ? (
            <button type="button" className="btn btn-small" onClick={() => void loadBackups(client, cluster, tenant)} data-testid="backup-refresh">
              Refresh
            </button>
          ) : null}
        </div>
      </div>
      {!platform ? (
        <p className="muted" data-testid="backup-needs-platform">
          Backups, their policy and restores need platform scope on {cluster}: the backup catalogue lives in csm_system.
        </p>
      ) : null}
      {err ? (
        <p className="form-error" role="alert" data-testid="backup-error">
          <ErrorCode code={err.code} /> {err.message}
        </p>
      ) : null}
      <OutcomeNote outcome={outcome} testId="backup-action" />
      {current ? <OperationView operationId={current} cluster={cluster} /> : null}
      {s ? (
        <>
          <Targets s={s} />
          <h4>Backups</h4>
          <p className="muted small" id={verifyNote}>
            Verify restores the backup into a scratch tenant, compares every table and grant with the backup, then removes the scratch tenant; {tenant} is not touched.
          </p>
          {s.backups.length ? (
            <div className="table-wrap">
              <table className="table table-compact" data-testid="backup-list">
                <caption className="sr-only">Backups of {tenant}, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col">Taken</th>
                    <th scope="col">Size</th>
                    <th scope="col">Rows</th>
                    <th scope="col">sha256</th>
                    <th scope="col">Trigger</th>
                    <th scope="col">Verified</th>
                    {platform ? (
                      <th scope="col">
                        <span className="sr-only">Actions</span>
                      </th>
                    ) : null}
                  </tr>
                </thead>
                <tbody>
                  {s.backups.map((b) => (
                    <tr key={b.id} data-testid={`backup-row-${b.id}`} data-backup={b.id}>
                      <td className="nowrap">{when(b.at)}</td>
                      <td className="num">{bytes(b.bytes)}</td>
                      <td className="num">{b.rows}</td>
                      <td>
                        <code className="mono small" title={b.sha256}>
                          {shortHash(b.sha256)}
                        </code>
                      </td>
                      <td>{b.trigger}</td>
                      <td data-testid="backup-verified">
                        <VerifiedCell b={b} />
                      </td>
                      {platform ? (
                        <td className="port-actions">
                          <button type="button" className="btn btn-small" disabled={busy} onClick={() => void run(() => verifyBackup(client, cluster, tenant, b.id))} aria-describedby={verifyNote} aria-label={`Verify backup of ${when(b.at)}`} data-testid="backup-verify">
                            Verify
                          </button>
                          <button type="button" className="btn btn-small" disabled={busy} onClick={() => setRestoring(b)} aria-label={`Restore backup of ${when(b.at)}`} data-testid="backup-restore">
                            Restore…
                          </button>
                        </td>
                      ) : null}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <p className="muted small" data-testid="backup-none">
              No backups yet.
            </p>
          )}
          <h4>Policy</h4>
          {platform ? <PolicyEditor key={JSON.stringify(s.policy)} s={s} /> : <p className="muted small">Changing the policy needs platform scope on {cluster}.</p>}
        </>
      ) : null}
      {restoring ? (
        <RestoreDialog
          cluster={cluster}
          tenant={tenant}
          backup={restoring}
          onClose={() => setRestoring(null)}
          onStarted={(st) => {
            setRestoring(null);
            setOutcome(null);
            setCurrent(st.operationId);
          }}
        />
      ) : null}
    </section>
  );
}
