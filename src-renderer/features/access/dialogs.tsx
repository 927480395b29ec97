import { useState, type FormEvent } from 'react';
import { SUPPORT_MAX_MINUTES } from '../../../src-shared/contract/access';
import { tenantIdSchema } from '../../../src-shared/rules/names';
import { useClient } from '../../app/client';
import { Dialog } from '../../ui/Dialog';
import { TextAreaField, TextField } from '../../ui/Field';
import { supportAction } from './actions';

/** Platform: ask a tenant for a support window. The tenant's own admin decides; the window starts at activation. */
export function RequestDialog({ cluster, onClose, onDone }: { cluster: string; onClose(): void; onDone(): void }) {
  const client = useClient();
  const [tenant, setTenant] = useState('');
  const [minutes, setMinutes] = useState('60');
  const [readOnly, setReadOnly] = useState(true);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [tried, setTried] = useState(false);
  const n = Number(minutes);
  const errors = {
    tenant: tenantIdSchema.safeParse(tenant).success ? undefined : 'tenant id: lower-case letters, digits and _',
    minutes: /^\d+$/.test(minutes) && n >= 1 && n <= SUPPORT_MAX_MINUTES ? undefined : `1–${SUPPORT_MAX_MINUTES} minutes (24 h at most)`,
    reason: reason.trim() ? undefined : 'say why (the tenant admin reads this)',
  };
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setTried(true);
    if (busy || errors.tenant || errors.minutes || errors.reason) return;
    setBusy(true);
    const ok = await supportAction(client, 'support.request', { cluster, tenant, minutes: n, readOnly, reason: reason.trim() });
    setBusy(false);
    if (ok) onDone();
  };
  return (
    <Dialog title="Request support access" description={<>An admin of the tenant approves or rejects it. You then activate it; the window starts at activation.</>} onClose={onClose} testId="support-request-dialog">
      <form onSubmit={(e) => void submit(e)} noValidate>
        <TextField label="Tenant" value={tenant} onChange={(e) => setTenant(e.target.value.trim())} error={tried ? errors.tenant : undefined} data-testid="support-request-tenant" />
        <TextField label="Minutes" inputMode="numeric" value={minutes} onChange={(e) => setMinutes(e.target.value.trim())} error={tried ? errors.minutes : undefined} hint="Capped at 1440 (24 h): a longer need is a new request." data-testid="support-request-minutes" />
        <div className="field">
          <label>
            <input type="checkbox" checked={readOnly} onChange={(e) => setReadOnly(e.target.checked)} data-testid="support-request-readonly" /> Read-only (SELECT on the tenant's data keyspaces; otherwise the tenant admin role)
          </label>
        </div>
        <TextAreaField label="Reason" value={reason} onChange={(e) => setReason(e.target.value)} error={tried ? errors.reason : undefined} data-testid="support-request-reason" />
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy} data-testid="support-request-submit">
            {busy ? 'Requesting…' : 'Request'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** A decision that needs words: reject (reason required) or approve (note optional). */
export function ReasonDialog({ title, what, required, confirm, danger, onClose, run, testId }: { title: string; what: string; required: boolean; confirm: string; danger?: boolean; onClose(): void; run(text: string): Promise<boolean>; testId: string }) {
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [tried, setTried] = useState(false);
  const error = required && !text.trim() ? 'a reason is required' : undefined;
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setTried(true);
    if (busy || error) return;
    setBusy(true);
    const ok = await run(text.trim());
    setBusy(false);
    if (ok) onClose();
  };
  return (
    <Dialog title={title} description={what} onClose={onClose} testId={testId}>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <TextAreaField label={required ? 'Reason' : 'Note'} optional={!required} value={text} onChange={(e) => setText(e.target.value)} error={tried ? error : undefined} data-testid={`${testId}-text`} />
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className={`btn ${danger ? 'btn-danger' : 'btn-primary'}`} disabled={busy} data-testid={`${testId}-confirm`}>
            {busy ? 'Working…' : confirm}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
