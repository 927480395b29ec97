import { useState } from 'react';
import { USER_TEMPLATES, type UserTemplate } from '../../../src-shared/contract/users';
import { checkPassword, DEFAULT_PASSWORD_POLICY, passwordStrength } from '../../../src-shared/rules/password-policy';
import { useClient } from '../../app/client';
import { Badge } from '../../ui/Badge';
import { Dialog } from '../../ui/Dialog';
import { TextField } from '../../ui/Field';
import { changePassword, createUser } from './actions';

const STRENGTH_TONE = { weak: 'danger', fair: 'warning', good: 'info', strong: 'success' } as const;

/**
 * Live feedback from the shared checker. The policy shown is the default one: the tenant's own is
 * enforced in main (which names the failed rule) until the config feature hands the renderer its policy.
 */
function PasswordFeedback({ user, password }: { user: string; password: string }) {
  if (!password) return null;
  const failures = checkPassword(DEFAULT_PASSWORD_POLICY, user, password);
  const s = passwordStrength(password);
  return (
    <div className="small" data-testid="password-feedback" aria-live="polite">
      <Badge tone={STRENGTH_TONE[s.label]} testId="password-strength">
        {s.label}
      </Badge>{' '}
      {failures.length ? <span className="muted">Needs: {failures.map((f) => f.message).join(', ')}</span> : <span className="muted">meets the policy</span>}
    </div>
  );
}

export function CreateUserDialog({ cluster, tenant, onClose }: { cluster: string; tenant: string; onClose(): void }) {
  const client = useClient();
  const [name, setName] = useState('');
  const [template, setTemplate] = useState<UserTemplate>('read-only');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (): Promise<void> => {
    setBusy(true);
    const ok = await createUser(client, cluster, tenant, name, template, password);
    setBusy(false);
    if (ok) onClose();
  };
  return (
    <Dialog title="Create user" description={`A Cassandra role tenant_${tenant}_u_<name>, granted only this tenant's keyspaces.`} onClose={onClose} testId="user-create-dialog">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <TextField label="User name" value={name} onChange={(e) => setName(e.target.value)} hint="a lower-case letter, then letters, digits or _" data-testid="user-name" required />
        <div className="field">
          <label htmlFor="user-template">Template</label>
          <select id="user-template" value={template} onChange={(e) => setTemplate(e.target.value as UserTemplate)} data-testid="user-template">
            {USER_TEMPLATES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </div>
        <TextField label="Password" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} data-testid="user-password" required />
        <PasswordFeedback user={name} password={password} />
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy || !name || !password} data-testid="user-create-submit">
            {busy ? 'Creating…' : 'Create'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export function PasswordDialog({ cluster, tenant, name, onClose }: { cluster: string; tenant: string; name: string; onClose(): void }) {
  const client = useClient();
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  return (
    <Dialog title={`Change the password of ${name}`} onClose={onClose} testId="user-passwd-dialog">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setBusy(true);
          void changePassword(client, cluster, tenant, name, password).then((ok) => {
            setBusy(false);
            if (ok) onClose();
          });
        }}
      >
        <TextField label="New password" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} data-testid="user-new-password" required />
        <PasswordFeedback user={name} password={password} />
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy || !password} data-testid="user-passwd-submit">
            Change
          </button>
        </div>
      </form>
    </Dialog>
  );
}
