import { useRef, useState, type FormEvent } from 'react';
import { useClient } from '../../app/client';
import { Dialog } from '../../ui/Dialog';
import { TextField } from '../../ui/Field';
import { removeCluster } from './actions';

/** Typing the name is the confirmation: a mis-click on the wrong row cannot remove anything. */
export function RemoveClusterDialog({ name, onClose }: { name: string; onClose(): void }) {
  const client = useClient();
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);
  const matches = typed === name;

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (!matches || busy) return;
    setBusy(true);
    const removed = await removeCluster(client, name);
    setBusy(false);
    if (removed) onClose();
  };

  return (
    <Dialog
      title={`Remove cluster ${name}`}
      description={
        <>
          The console forgets this profile and deletes its stored password from the keychain. Nothing on the cluster itself
          is changed. Type <code className="mono">{name}</code> to confirm.
        </>
      }
      onClose={onClose}
      testId="remove-dialog"
      initialFocus={inputRef}
    >
      <form noValidate onSubmit={submit}>
        <TextField
          label="Cluster name"
          autoComplete="off"
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          inputRef={inputRef}
          data-testid="remove-confirm-input"
        />
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-danger" disabled={!matches || busy} data-testid="remove-confirm">
            {busy ? 'Removing…' : 'Remove cluster'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
