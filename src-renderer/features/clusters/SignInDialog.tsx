import { useState, type FormEvent } from 'react';
import type { ClusterProfile } from '../../../src-shared/contract/clusters';
import type { WireError } from '../../../src-shared/contract/core';
import { useClient } from '../../app/client';
import { Dialog } from '../../ui/Dialog';
import { FormError, TextField } from '../../ui/Field';
import { signIn } from './actions';
import { validateSignIn, type FieldErrors } from './form';

export function SignInDialog({ cluster, onClose }: { cluster: ClusterProfile; onClose(): void }) {
  const client = useClient();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [serverError, setServerError] = useState<WireError | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (busy) return;
    setServerError(null);
    const checked = validateSignIn(cluster, { username, password });
    if (!checked.ok) {
      setErrors(checked.errors);
      return;
    }
    setErrors({});
    setBusy(true);
    const r = await signIn(client, checked.input);
    setBusy(false);
    setPassword('');
    if (r.ok) onClose();
    else setServerError(r.error);
  };

  return (
    <Dialog
      title={`Sign in to ${cluster.name}`}
      description={
        <>
          Your scope comes from the Cassandra role you sign in with. Leave both fields blank to use the stored credentials of{' '}
          <code className="mono">{cluster.username}</code>.
        </>
      }
      onClose={onClose}
      testId="sign-in-dialog"
    >
      <form noValidate onSubmit={submit} aria-busy={busy}>
        {serverError ? <FormError code={serverError.code} message={serverError.message} /> : null}
        <TextField
          label="Role"
          optional
          name="username"
          autoComplete="off"
          placeholder={`stored: ${cluster.username}`}
          value={username}
          error={errors.username}
          onChange={(e) => setUsername(e.target.value)}
        />
        <TextField
          label="Password"
          optional
          name="password"
          type="password"
          autoComplete="off"
          value={password}
          error={errors.password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy} data-testid="sign-in-submit">
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
