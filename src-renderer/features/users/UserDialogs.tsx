import { useState } from 'react';
import type { WireError } from '../../../src-shared/contract/core';
import { USER_TEMPLATES, type UserTemplate } from '../../../src-shared/contract/users';
import { checkPassword, DEFAULT_PASSWORD_POLICY, passwordStrength, type PasswordFailure } from '../../../src-shared/rules/password-policy';
import { useClient } from '../../app/client';
import { Badge } from '../../ui/Badge';
import { Dialog } from '../../ui/Dialog';
import { FormError, TextField } from '../../ui/Field';
import { changePassword, createUser } from './actions';
import { useUsers, usersKey, type PolicyView } from './store';

const STRENGTH_TONE = { weak: 'danger', fair: 'warning', good: 'info', strong: 'success' } as const;

/** The tenant's policy as the tab read it; the default (with why) until or unless `config.show` answers. */
function usePolicy(cluster: string, tenant: string): PolicyView {
  return useUsers((s) => s.policies[usersKey(cluster, tenant)]) ?? { policy: DEFAULT_PASSWORD_POLICY, source: 'default', reason: 'reading the tenant policy…' };
}

/**
 * Live feedback from the shared checker against the tenant's effective policy. The history rule
 * ("not one of the last N") needs the stored hashes: main checks it and names it when it refuses.
 */
function PasswordFeedback({ view, failures, password }: { view: PolicyView; failures: PasswordFailure[]; password: string }) {
  const s = passwordStrength(password);
  return (
    <div className="small" data-testid="password-feedback" data-source={view.source} aria-live="polite">
      <p className="muted" data-testid="password-policy">
        {view.source === 'tenant' ? "Tenant's password policy" : `Default password policy (the tenant's could not be read — ${view.reason}; the console still enforces the tenant's own)`}: at least {view.policy.minLength} characters
        {view.policy.requireLower ? ', a lower-case letter' : ''}
        {view.policy.requireUpper ? ', an upper-case letter' : ''}
        {view.policy.requireDigit ? ', a digit' : ''}
        {view.policy.requireSymbol ? ', a symbol' : ''}
        {view.policy.forbidUserName ? ', not the user name' : ''}
        {view.policy.historyCount > 0 ? `, not one of the last ${view.policy.historyCount}` : ''}.
      </p>
      {password ? (
        <p>
          <Badge tone={STRENGTH_TONE[s.label]} testId="password-strength">
            {s.label}
          </Badge>{' '}
          {failures.length ? (
            <span className="muted" data-testid="password-needs">
              Needs: {failures.map((f) => f.message).join(', ')}
            </span>
          ) : (
            <span className="muted" data-testid="password-meets">
              meets the policy
            </span>
          )}
        </p>
      ) : null}
    </div>
  );
}

export function CreateUserDialog({ cluster, tenant, onClose }: { cluster: string; tenant: string; onClose(): void }) {
  const client = useClient();
  const [name, setName] = useState('');
  const [template, setTemplate] = useState<UserTemplate>('read-only');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<WireError | null>(null);
  const view = usePolicy(cluster, tenant);
  const failures = checkPassword(view.policy, name, password);
  const submit = async (): Promise<void> => {
    // A password the policy refuses never leaves the screen: the rules it fails are named here.
    if (failures.length) {
      setError({ code: 'BAD_INPUT', message: `password refused by the policy: ${failures.map((f) => f.rule).join(', ')}` });
      return;
    }
    setBusy(true);
    const e = await createUser(client, cluster, tenant, name, template, password);
    setBusy(false);
    setError(e);
    if (!e) onClose();
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
        <PasswordFeedback view={view} failures={failures} password={password} />
        {error ? <FormError code={error.code} message={error.message} /> : null}
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
  const [error, setError] = useState<WireError | null>(null);
  const view = usePolicy(cluster, tenant);
  const failures = checkPassword(view.policy, name, password);
  return (
    <Dialog title={`Change the password of ${name}`} onClose={onClose} testId="user-passwd-dialog">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (failures.length) {
            setError({ code: 'BAD_INPUT', message: `password refused by the policy: ${failures.map((f) => f.rule).join(', ')}` });
            return;
          }
          setBusy(true);
          void changePassword(client, cluster, tenant, name, password).then((err) => {
            setBusy(false);
            setError(err);
            if (!err) onClose();
          });
        }}
      >
        <TextField label="New password" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} data-testid="user-new-password" required />
        <PasswordFeedback view={view} failures={failures} password={password} />
        {error ? <FormError code={error.code} message={error.message} /> : null}
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
