import { useRef, useState, type FormEvent } from 'react';
import type { ClusterProfile } from '../../../src-shared/contract/clusters';
import type { Result, WireError } from '../../../src-shared/contract/core';
import { useClient } from '../../app/client';
import { Dialog } from '../../ui/Dialog';
import { FormError, TextAreaField, TextField } from '../../ui/Field';
import { addCluster, updateCluster } from './actions';
import { EMPTY_FORM, formFromProfile, validateAdd, validateUpdate, type ClusterField, type ClusterFormValues, type FieldErrors } from './form';

const FIELD_ORDER: ClusterField[] = ['name', 'contactPoints', 'localDc', 'username', 'password', 'caFile', 'certFile', 'keyFile'];

/** Add a cluster, or edit one when `profile` is given (name fixed, password optional). */
export function ClusterFormDialog({ profile, onClose }: { profile?: ClusterProfile; onClose(): void }) {
  const client = useClient();
  const editing = profile !== undefined;
  const [values, setValues] = useState<ClusterFormValues>(() => (profile ? formFromProfile(profile) : EMPTY_FORM));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [serverError, setServerError] = useState<WireError | null>(null);
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);

  const bind = (f: ClusterField) => ({
    name: f,
    value: values[f],
    error: errors[f],
    onChange: (e: { target: { value: string } }) => {
      setValues((v) => ({ ...v, [f]: e.target.value }));
      if (errors[f]) setErrors((er) => ({ ...er, [f]: undefined }));
    },
  });

  const invalid = (found: FieldErrors): void => {
    setErrors(found);
    const first = FIELD_ORDER.find((f) => found[f]);
    if (first) formRef.current?.querySelector<HTMLElement>(`[name="${first}"]`)?.focus();
  };

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (busy) return;
    setServerError(null);
    let send: () => Promise<Result<ClusterProfile>>;
    if (editing) {
      const c = validateUpdate(values);
      if (!c.ok) return invalid(c.errors);
      send = () => updateCluster(client, c.input);
    } else {
      const c = validateAdd(values);
      if (!c.ok) return invalid(c.errors);
      send = () => addCluster(client, c.input);
    }
    setErrors({});
    setBusy(true);
    const r = await send();
    setBusy(false);
    if (r.ok) onClose();
    else setServerError(r.error);
  };

  return (
    <Dialog
      title={editing ? `Edit cluster ${profile.name}` : 'Add cluster'}
      description={
        editing
          ? 'Leave the password blank to keep the stored one. Clear all TLS paths to connect without TLS.'
          : 'Register an existing Cassandra cluster. The password goes to the OS keychain and is never shown again.'
      }
      onClose={onClose}
      testId="cluster-form-dialog"
      size="wide"
    >
      <form ref={formRef} noValidate onSubmit={submit} data-testid="cluster-form" aria-busy={busy}>
        {serverError ? <FormError code={serverError.code} message={serverError.message} /> : null}
        <div className="form-grid">
          <TextField
            label="Name"
            hint="Lower-case letters, digits and -, starting with a letter (e.g. prod-eu-1)"
            readOnly={editing}
            autoComplete="off"
            maxLength={40}
            {...bind('name')}
          />
          <TextField label="Local data centre" hint="The DC this console talks to first (e.g. dc1)" autoComplete="off" {...bind('localDc')} />
          <div className="form-span">
            <TextAreaField
              label="Contact points"
              hint="HOST:PORT, separated by commas or new lines"
              rows={3}
              placeholder="10.0.0.5:9042, 10.0.0.6:9042"
              {...bind('contactPoints')}
            />
          </div>
          <TextField label="Username" hint="Cassandra role this console signs in with" autoComplete="off" {...bind('username')} />
          <TextField
            label="Password"
            type="password"
            autoComplete="off"
            optional={editing}
            hint={editing ? 'Blank keeps the stored password' : 'Stored in the OS keychain'}
            {...bind('password')}
          />
        </div>
        <fieldset className="form-fieldset">
          <legend>TLS (optional)</legend>
          <p className="field-hint">Paths to PEM files on this machine. Leave all blank to connect without TLS.</p>
          <div className="form-grid">
            <div className="form-span">
              <TextField label="CA certificate file" placeholder="/etc/cassandra/tls/ca.pem" autoComplete="off" {...bind('caFile')} />
            </div>
            <TextField label="Client certificate file" optional placeholder="/etc/cassandra/tls/client.pem" autoComplete="off" {...bind('certFile')} />
            <TextField label="Client key file" optional placeholder="/etc/cassandra/tls/client.key" autoComplete="off" {...bind('keyFile')} />
          </div>
        </fieldset>
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy} data-testid="cluster-form-submit">
            {busy ? 'Saving…' : editing ? 'Save changes' : 'Add cluster'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
