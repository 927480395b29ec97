import type { PasswordPolicy } from '../../src-shared/rules/password-policy';

/**
 * What other features read from a tenant's effective (template + overrides) policies. Implemented
 * by the config module (issue 7 items 2–3); read by the users module (password policy, user quota).
 */
export interface TenantPolicySource {
  passwordPolicy(cluster: string, tenant: string): Promise<PasswordPolicy>;
  /** Maximum users of the tenant; null = no limit configured. */
  maxUsers(cluster: string, tenant: string): Promise<number | null>;
}
