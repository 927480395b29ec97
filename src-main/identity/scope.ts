import { PLATFORM_ADMIN_ROLE, PLATFORM_AUDITOR_ROLE } from '../../src-shared/rules/names';
import type { OperatorScope } from '../../src-shared/contract';

export interface RoleGrantRow {
  role: string;
  super: boolean;
}

const TENANT_ADMIN = /^tenant_([a-z][a-z0-9_]{1,29})_admin$/;
const TENANT_AUDITOR = /^tenant_([a-z][a-z0-9_]{1,29})_auditor$/;
/** `tenant_<id>_u_<user>`: a user role, whatever its user name ends with (`tenant_acme_u_x_admin`). */
const TENANT_USER = /^tenant_[a-z][a-z0-9_]*?_u_/;

/**
 * DESIGN §2: Cassandra is the authority. Scope is derived from the roles the operator holds
 * (directly or inherited, as `LIST ROLES OF` returns them) and nothing else.
 */
export function deriveScope(input: {
  cluster: string;
  role: string;
  roles: RoleGrantRow[];
  /** Every tenant id registered on the cluster; a platform operator's scope covers them all. */
  registeredTenants: string[];
}): OperatorScope {
  const names = [...new Set(input.roles.map((r) => r.role))].sort();
  const superuser = input.roles.some((r) => r.super);
  const platform = superuser || names.includes(PLATFORM_ADMIN_ROLE);
  const pick = (re: RegExp): string[] => names.filter((n) => !TENANT_USER.test(n)).flatMap((n) => (re.exec(n)?.[1] ? [re.exec(n)![1]!] : []));
  const tenantAdmin = pick(TENANT_ADMIN);
  const tenantAuditor = pick(TENANT_AUDITOR);
  const auditor: OperatorScope['auditor'] = platform || names.includes(PLATFORM_AUDITOR_ROLE) ? 'all' : tenantAuditor;
  const tenants = platform || auditor === 'all' ? [...input.registeredTenants].sort() : [...new Set([...tenantAdmin, ...tenantAuditor])].sort();
  return { cluster: input.cluster, role: input.role, superuser, roles: names, platform, tenantAdmin, auditor, tenants };
}

/** May this operator act on `tenant` with the given channel scope? Pure, so the router's rule is testable alone. */
export function allows(scope: OperatorScope, need: 'platform' | 'tenant' | 'auditor', tenant: string | null): boolean {
  if (scope.platform) return true;
  if (need === 'platform') return false;
  if (tenant === null) return false;
  if (scope.tenantAdmin.includes(tenant)) return true;
  if (need === 'auditor') return scope.auditor === 'all' || scope.auditor.includes(tenant);
  return false;
}
