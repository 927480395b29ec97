import { useRef, useState, type FormEvent } from 'react';
import type { WireError } from '../../../src-shared/contract/core';
import { tenantCreateInputSchema, tenantDisplayNameSchema } from '../../../src-shared/contract/tenants';
import { tenantIdSchema } from '../../../src-shared/rules/names';
import { tenantUserNameSchema } from '../../../src-shared/rules/templates';
import { useClient } from '../../app/client';
import { Dialog } from '../../ui/Dialog';
import { FormError, TextField } from '../../ui/Field';
import { cloneTenant, deleteTenant, suspendTenant } from './actions';

interface Props {
  cluster: string;
  tenant: string;
  onClose(): void;
}

export function SuspendDialog({ cluster, tenant, onClose }: Props) {
  const client = useClient();
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const tooLong = reason.length > 200;

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (busy || tooLong) return;
    setBusy(true);
    const ok = await suspendTenant(client, cluster, tenant, reason.trim() || undefined);
    setBusy(false);
    if (ok) onClose();
  };

  return (
    <Dialog
      title={`Suspend tenant ${tenant}`}
      description="LOGIN is revoked from every role of the tenant and its open sessions are closed: its applications are locked out until you resume it. Resume restores exactly what was there."
      onClose={onClose}
      testId="suspend-dialog"
    >
      <form noValidate onSubmit={submit} aria-busy={busy}>
        <TextField label="Reason" optional value={reason} error={tooLong ? 'reason: at most 200 characters' : undefined} onChange={(e) => setReason(e.target.value)} hint="Recorded in the audit trail." autoComplete="off" data-testid="suspend-reason" />
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-danger" disabled={busy || tooLong} data-testid="suspend-confirm">
            {busy ? 'Suspending…' : 'Suspend tenant'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** Typing the tenant id is the confirmation, and it is sent along: main checks it too. */
export function DeleteTenantDialog({ cluster, tenant, onClose, onStarted }: Props & { onStarted(jobId: string): void }) {
  const client = useClient();
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);
  const matches = typed === tenant;

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (!matches || busy) return;
    setBusy(true);
    const r = await deleteTenant(client, cluster, tenant, typed);
    setBusy(false);
    if (r.ok) {
      onStarted(r.value.jobId);
      onClose();
    }
  };

  return (
    <Dialog
      title={`Delete tenant ${tenant}`}
      description={
        <>
          Drops the tenant's keyspaces and roles on <code className="mono">{cluster}</code>, crypto-shreds its keys and wipes cached data. Its audit trail is kept. This cannot be undone. Type <code className="mono">{tenant}</code> to confirm.
        </>
      }
      onClose={onClose}
      testId="delete-tenant-dialog"
      initialFocus={inputRef}
    >
      <form noValidate onSubmit={submit}>
        <TextField label="Tenant id" autoComplete="off" value={typed} onChange={(e) => setTyped(e.target.value)} inputRef={inputRef} data-testid="delete-confirm-input" />
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-danger" disabled={!matches || busy} data-testid="delete-confirm">
            {busy ? 'Deleting…' : 'Delete with purge'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

type CloneErrors = Partial<Record<'newId' | 'name' | 'adminUser' | 'adminPassword' | 'adminPasswordAgain', string>>;
const msg = (r: { success: boolean; error?: { issues: { message: string }[] } }): string | undefined => (r.success ? undefined : (r.error?.issues[0]?.message ?? 'invalid'));

export function CloneTenantDialog({ cluster, tenant, onClose, onStarted }: Props & { onStarted(jobId: string, newId: string): void }) {
  const client = useClient();
  const [newId, setNewId] = useState(`${tenant}_test`.slice(0, 30));
  const [name, setName] = useState('');
  const [withData, setWithData] = useState(false);
  const [adminUser, setAdminUser] = useState('admin');
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [errors, setErrors] = useState<CloneErrors>({});
  const [serverError, setServerError] = useState<WireError | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (busy) return;
    const found: CloneErrors = {};
    const put = (k: keyof CloneErrors, m: string | undefined): void => {
      if (m) found[k] ??= m;
    };
    put('newId', msg(tenantIdSchema.safeParse(newId)));
    if (newId === tenant) put('newId', 'tenant id: the clone needs an id of its own');
    if (name) put('name', msg(tenantDisplayNameSchema.safeParse(name)));
    put('adminUser', msg(tenantUserNameSchema.safeParse(adminUser)));
    put('adminPassword', msg(tenantCreateInputSchema.shape.adminPassword.safeParse(password)));
    if (!found.adminPassword && password !== again) put('adminPasswordAgain', 'the two passwords differ');
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    setServerError(null);
    const pw = password;
    setPassword('');
    setAgain('');
    const r = await cloneTenant(client, { cluster, tenant, newId, ...(name ? { name } : {}), withData, adminUser, adminPassword: pw });
    setBusy(false);
    if (!r.ok) {
      setServerError(r.error);
      return;
    }
    onStarted(r.value.jobId, r.value.tenant.id);
    onClose();
  };

  return (
    <Dialog
      title={`Clone tenant ${tenant}`}
      description="A new tenant on the same cluster with the same template, schema and config — and new keys and credentials. Data is copied only if you ask."
      onClose={onClose}
      testId="clone-dialog"
      size="wide"
    >
      <form noValidate onSubmit={submit} aria-busy={busy}>
        {serverError ? <FormError code={serverError.code} message={serverError.message} /> : null}
        <div className="form-grid">
          <TextField label="New tenant id" value={newId} error={errors.newId} onChange={(e) => setNewId(e.target.value)} autoComplete="off" data-testid="clone-id" />
          <TextField label="Display name" optional value={name} error={errors.name} onChange={(e) => setName(e.target.value)} autoComplete="off" data-testid="clone-name" />
          <TextField label="Admin user" value={adminUser} error={errors.adminUser} onChange={(e) => setAdminUser(e.target.value)} autoComplete="off" data-testid="clone-admin-user" />
          <label className="radio form-span-none">
            <input type="checkbox" checked={withData} onChange={(e) => setWithData(e.target.checked)} data-testid="clone-with-data" />
            Copy the data too
          </label>
          <TextField label="Admin password" type="password" value={password} error={errors.adminPassword} onChange={(e) => setPassword(e.target.value)} autoComplete="new-password" data-testid="clone-admin-password" />
          <TextField label="Admin password again" type="password" value={again} error={errors.adminPasswordAgain} onChange={(e) => setAgain(e.target.value)} autoComplete="new-password" data-testid="clone-admin-password-again" />
        </div>
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy} data-testid="clone-confirm">
            {busy ? 'Cloning…' : 'Clone tenant'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
