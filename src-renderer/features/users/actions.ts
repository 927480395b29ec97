import type { CsmClient } from '../../../src-shared/client';
import type { WireError } from '../../../src-shared/contract/core';
import type { UserTemplate } from '../../../src-shared/contract/users';
import { DEFAULT_PASSWORD_POLICY } from '../../../src-shared/rules/password-policy';
import { call } from '../../app/call';
import { useUsers, usersKey } from './store';

export async function loadUsers(client: CsmClient, cluster: string, tenant: string): Promise<void> {
  const key = usersKey(cluster, tenant);
  const r = await call(client, 'user.list', { cluster, tenant }, { quiet: true });
  if (r.ok) {
    useUsers.getState().setUsers(key, r.value);
    useUsers.getState().setError(key, null);
  } else useUsers.getState().setError(key, r.error);
  const q = await call(client, 'user.requests', { cluster, tenant }, { quiet: true });
  if (q.ok) useUsers.getState().setRequests(key, q.value);
}

/**
 * The tenant's effective password policy for the live feedback. `config.show` is readable by the
 * tenant's admins and auditors and by the platform; when it is refused or fails, the default policy
 * is shown with the reason (main still enforces the tenant's own and names the rule it failed).
 */
export async function loadPolicy(client: CsmClient, cluster: string, tenant: string): Promise<void> {
  const r = await call(client, 'config.show', { cluster, tenant }, { quiet: true });
  useUsers.getState().setPolicy(usersKey(cluster, tenant), r.ok ? { policy: r.value.effective.password, source: 'tenant' } : { policy: DEFAULT_PASSWORD_POLICY, source: 'default', reason: `${r.error.code}: ${r.error.message}` });
}

/** Errors come back to the dialog (shown in place with their code), not as a toast behind it. */
export async function createUser(client: CsmClient, cluster: string, tenant: string, name: string, template: UserTemplate, password: string): Promise<WireError | null> {
  const r = await call(client, 'user.create', { cluster, tenant, name, template, password }, { quiet: true, success: (v) => (v.state === 'applied' ? `User ${v.user} created` : `Request filed for ${v.user}: a platform console carries it out`) });
  if (!r.ok) return r.error;
  await loadUsers(client, cluster, tenant);
  return null;
}

export async function changePassword(client: CsmClient, cluster: string, tenant: string, name: string, newPassword: string): Promise<WireError | null> {
  const r = await call(client, 'user.passwd', { cluster, tenant, name, newPassword }, { quiet: true, success: `Password of ${name} changed` });
  if (!r.ok) return r.error;
  await loadUsers(client, cluster, tenant);
  return null;
}

export async function setLocked(client: CsmClient, cluster: string, tenant: string, name: string, lock: boolean): Promise<void> {
  const r = await call(client, lock ? 'user.lock' : 'user.unlock', { cluster, tenant, name }, { success: `${name} ${lock ? 'locked' : 'unlocked'}` });
  if (r.ok) await loadUsers(client, cluster, tenant);
}

export async function dropUser(client: CsmClient, cluster: string, tenant: string, name: string): Promise<boolean> {
  const r = await call(client, 'user.drop', { cluster, tenant, name }, { success: `${name} dropped` });
  if (r.ok) await loadUsers(client, cluster, tenant);
  return r.ok;
}

export async function loadPermissions(client: CsmClient, cluster: string, tenant: string, name: string): Promise<void> {
  const r = await call(client, 'user.permissions', { cluster, tenant, name });
  if (r.ok) useUsers.getState().setPermissions(`${usersKey(cluster, tenant)}/${name}`, r.value.permissions);
}

export async function customGrant(client: CsmClient, cluster: string, tenant: string, name: string, verb: 'grant' | 'revoke', permission: 'SELECT' | 'MODIFY' | 'CREATE' | 'ALTER' | 'DROP' | 'EXECUTE', keyspace: string, table: string): Promise<boolean> {
  const r = await call(client, verb === 'grant' ? 'user.grant' : 'user.revoke', { cluster, tenant, name, permission, keyspace, ...(table ? { table } : {}) }, { success: (v) => (v.state === 'applied' ? `${verb === 'grant' ? 'Granted' : 'Revoked'} ${permission} on ${keyspace}${table ? `.${table}` : ''}` : 'Request filed: a platform console carries it out') });
  if (r.ok) {
    await loadPermissions(client, cluster, tenant, name);
    await loadUsers(client, cluster, tenant);
  }
  return r.ok;
}
