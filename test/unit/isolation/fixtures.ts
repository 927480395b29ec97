import type { AuthSnapshot } from '../../../src-main/isolation/analyze';

type Role = AuthSnapshot['roles'][number];
type Perm = AuthSnapshot['permissions'][number];

/** Exactly what provisioning makes for one tenant (tenancy/cql.ts tenantGrants, default template). */
export function tenantParts(id: string, users: string[] = ['boss']): { roles: Role[]; permissions: Perm[]; network: [string, string[]][]; tenant: AuthSnapshot['tenants'][number] } {
  const admin = `tenant_${id}_admin`;
  const auditor = `tenant_${id}_auditor`;
  const svc = `tenant_${id}_svc`;
  const userRoles = users.map((u) => `tenant_${id}_u_${u}`);
  const data = `tenant_${id}_data`;
  const csm = `tenant_${id}_csm`;
  return {
    roles: [
      { name: admin, superuser: false, login: false, memberOf: [] },
      { name: auditor, superuser: false, login: false, memberOf: [] },
      { name: svc, superuser: false, login: true, memberOf: [admin] },
      ...userRoles.map((name) => ({ name, superuser: false, login: true, memberOf: [admin] })),
    ],
    permissions: [
      { role: admin, resource: `data/${data}`, permissions: ['ALTER', 'CREATE', 'DROP', 'MODIFY', 'SELECT'] },
      { role: admin, resource: `data/${csm}`, permissions: ['SELECT'] },
      { role: auditor, resource: `data/${csm}`, permissions: ['SELECT'] },
      { role: svc, resource: `data/${csm}`, permissions: ['MODIFY'] },
    ],
    network: [admin, auditor, svc, ...userRoles].map((r) => [r, ['dc1']]),
    // The admin user is registered after it is made; ownership also follows the `_u_` name.
    tenant: { id, keyspaces: [csm, data], roles: [admin, auditor, svc, ...userRoles.slice(1)], dataCenters: ['dc1'] },
  };
}

/** A clean cluster: the superuser, the console's platform roles, and the given tenants. */
export function snapshot(ids: string[], extra: { roles?: Role[]; permissions?: Perm[] } = {}): AuthSnapshot {
  const parts = ids.map((id) => tenantParts(id));
  return {
    roles: [
      { name: 'cassandra', superuser: true, login: true, memberOf: [] },
      { name: 'csm_platform_admin', superuser: false, login: false, memberOf: [] },
      { name: 'csm_auditor', superuser: false, login: false, memberOf: [] },
      { name: 'ops_alice', superuser: false, login: true, memberOf: ['csm_platform_admin'] },
      ...parts.flatMap((p) => p.roles),
      ...(extra.roles ?? []),
    ],
    permissions: [
      { role: 'cassandra', resource: 'data/csm_system', permissions: ['ALTER', 'SELECT'] },
      { role: 'csm_platform_admin', resource: 'data', permissions: ['SELECT'] },
      { role: 'ops_alice', resource: 'data/tenant_a_data', permissions: ['SELECT'] },
      ...parts.flatMap((p) => p.permissions),
      ...(extra.permissions ?? []),
    ],
    network: new Map(parts.flatMap((p) => p.network)),
    cidr: null,
    tenants: parts.map((p) => p.tenant),
    auth: {
      authenticator: 'org.apache.cassandra.auth.PasswordAuthenticator',
      authorizer: 'org.apache.cassandra.auth.CassandraAuthorizer',
      roleManager: 'org.apache.cassandra.auth.CassandraRoleManager',
      networkAuthorizer: 'org.apache.cassandra.auth.CassandraNetworkAuthorizer',
      cidrAuthorizer: null,
    },
    keyspaces: ['system', 'system_auth', 'system_schema', 'csm_system', ...ids.flatMap((id) => [`tenant_${id}_csm`, `tenant_${id}_data`])],
  };
}

/** Replace a role's row (flags or memberships). */
export function withRole(s: AuthSnapshot, name: string, change: Partial<Role>): AuthSnapshot {
  return { ...s, roles: s.roles.map((r) => (r.name === name ? { ...r, ...change } : r)) };
}
