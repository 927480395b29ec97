import { useEffect, useState } from 'react';
import { GRANT_PERMISSIONS } from '../../../src-shared/contract/users';
import { useClient } from '../../app/client';
import { useSession } from '../../app/stores/session';
import { Badge } from '../../ui/Badge';
import { Dialog } from '../../ui/Dialog';
import { FormError, TextField } from '../../ui/Field';
import { customGrant, dropUser, loadPermissions, loadPolicy, loadUsers, setLocked } from './actions';
import { useUsers, usersKey } from './store';
import { CreateUserDialog, PasswordDialog } from './UserDialogs';

type Open = { kind: 'create' } | { kind: 'passwd' | 'drop'; name: string } | null;

/** Tenant Users tab (issue 7 item 1): users, create/password/lock/drop, custom grants, who-can-do-what, requests. */
export function UsersTab({ cluster, tenant }: { cluster: string; tenant: string }) {
  const client = useClient();
  const key = usersKey(cluster, tenant);
  const platform = useSession((s) => s.scopes[cluster]?.platform === true);
  const users = useUsers((s) => s.users[key]);
  const requests = useUsers((s) => s.requests[key]) ?? [];
  const error = useUsers((s) => s.errors[key]);
  const [open, setOpen] = useState<Open>(null);
  const [selected, setSelected] = useState<string | null>(null);

  useEffect(() => {
    void loadUsers(client, cluster, tenant);
    void loadPolicy(client, cluster, tenant);
  }, [client, cluster, tenant]);

  return (
    <div className="tab-panel" data-testid="users-tab">
      <section className="card" aria-labelledby="users-title">
        <header className="card-header">
          <h2 id="users-title">Users</h2>
          <div className="page-actions">
            <button type="button" className="btn btn-small btn-primary" onClick={() => setOpen({ kind: 'create' })} data-testid="user-create">
              Create user
            </button>
          </div>
        </header>
        {error ? <FormError code={error.code} message={error.message} /> : null}
        {users ? (
          <div className="table-wrap">
            <table className="table" data-testid="users-table">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Template</th>
                  <th scope="col">Locked</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last password change</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {users.map((u) => (
                  <tr key={u.name} data-testid={`user-row-${u.name}`}>
                    <td>
                      <button type="button" className="btn btn-ghost btn-small" onClick={() => setSelected(u.name)} aria-pressed={selected === u.name}>
                        {u.name}
                      </button>
                    </td>
                    <td>{u.template ?? '—'}</td>
                    <td>{u.locked ? <Badge tone="warning">locked</Badge> : 'no'}</td>
                    <td>{u.createdAt ?? '—'}</td>
                    <td>{u.passwordChangedAt ?? '—'}</td>
                    <td>
                      <button type="button" className="btn btn-small" onClick={() => setOpen({ kind: 'passwd', name: u.name })}>
                        Password
                      </button>{' '}
                      <button type="button" className="btn btn-small" onClick={() => void setLocked(client, cluster, tenant, u.name, !u.locked)} data-testid={`user-lock-${u.name}`}>
                        {u.locked ? 'Unlock' : 'Lock'}
                      </button>{' '}
                      <button type="button" className="btn btn-small btn-danger" onClick={() => setOpen({ kind: 'drop', name: u.name })}>
                        Drop
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : error ? null : (
          <p className="muted" aria-busy="true">
            Reading users…
          </p>
        )}
      </section>
      {selected ? <UserAccess cluster={cluster} tenant={tenant} name={selected} /> : null}
      {!platform || requests.length ? <Requests cluster={cluster} tenant={tenant} /> : null}
      {open?.kind === 'create' ? <CreateUserDialog cluster={cluster} tenant={tenant} onClose={() => setOpen(null)} /> : null}
      {open?.kind === 'passwd' ? <PasswordDialog cluster={cluster} tenant={tenant} name={open.name} onClose={() => setOpen(null)} /> : null}
      {open?.kind === 'drop' ? (
        <Dialog title={`Drop ${open.name}?`} description="The role and every grant to it are removed; its sessions end." onClose={() => setOpen(null)} testId="user-drop-dialog">
          <div className="dialog-actions">
            <button type="button" className="btn" onClick={() => setOpen(null)}>
              Cancel
            </button>
            <button type="button" className="btn btn-danger" onClick={() => void dropUser(client, cluster, tenant, open.name).then((ok) => ok && setOpen(null))} data-testid="user-drop-confirm">
              Drop
            </button>
          </div>
        </Dialog>
      ) : null}
    </div>
  );
}

/** Who can do what (effective permissions through memberships) and custom grants for one user. */
function UserAccess({ cluster, tenant, name }: { cluster: string; tenant: string; name: string }) {
  const client = useClient();
  const perms = useUsers((s) => s.permissions[`${usersKey(cluster, tenant)}/${name}`]);
  const [permission, setPermission] = useState<(typeof GRANT_PERMISSIONS)[number]>('SELECT');
  const [ks, setKs] = useState('');
  const [tbl, setTbl] = useState('');
  useEffect(() => {
    void loadPermissions(client, cluster, tenant, name);
  }, [client, cluster, tenant, name]);
  return (
    <section className="card" aria-labelledby="user-access-title" data-testid="user-access">
      <header className="card-header">
        <h2 id="user-access-title">What {name} can do</h2>
      </header>
      {perms ? (
        perms.length ? (
          <div className="table-wrap">
            <table className="table" data-testid="user-permissions">
              <thead>
                <tr>
                  <th scope="col">Permission</th>
                  <th scope="col">Resource</th>
                  <th scope="col">Through</th>
                </tr>
              </thead>
              <tbody>
                {perms.map((p) => (
                  <tr key={`${p.permission}|${p.resource}|${p.via}`}>
                    <td>{p.permission}</td>
                    <td>{p.resource}</td>
                    <td>{p.via}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p className="muted">No permissions.</p>
        )
      ) : (
        <p className="muted" aria-busy="true">
          Reading permissions…
        </p>
      )}
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          void customGrant(client, cluster, tenant, name, 'grant', permission, ks, tbl);
        }}
      >
        <div className="field">
          <label htmlFor="grant-permission">Permission</label>
          <select id="grant-permission" value={permission} onChange={(e) => setPermission(e.target.value as typeof permission)}>
            {GRANT_PERMISSIONS.map((p) => (
              <option key={p}>{p}</option>
            ))}
          </select>
        </div>
        <TextField label="Keyspace" value={ks} onChange={(e) => setKs(e.target.value)} hint={`one of tenant_${tenant}_…`} required />
        <TextField label="Table" optional value={tbl} onChange={(e) => setTbl(e.target.value)} />
        <button type="submit" className="btn btn-small" disabled={!ks}>
          Grant
        </button>{' '}
        <button type="button" className="btn btn-small" disabled={!ks} onClick={() => void customGrant(client, cluster, tenant, name, 'revoke', permission, ks, tbl)}>
          Revoke
        </button>
      </form>
    </section>
  );
}

function Requests({ cluster, tenant }: { cluster: string; tenant: string }) {
  const requests = useUsers((s) => s.requests[usersKey(cluster, tenant)]) ?? [];
  return (
    <section className="card" aria-labelledby="user-requests-title" data-testid="user-requests">
      <header className="card-header">
        <h2 id="user-requests-title">Requests to the platform</h2>
      </header>
      {requests.length ? (
        <ul>
          {requests.map((r) => (
            <li key={r.id}>
              {r.kind} {r.user} {r.template ?? r.grant ?? ''} — <Badge tone={r.state === 'done' ? 'success' : r.state === 'failed' ? 'danger' : 'info'}>{r.state}</Badge> {r.error ? <span className="muted">{r.error}</span> : null}
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">No requests.</p>
      )}
    </section>
  );
}
