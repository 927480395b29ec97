import { DEFAULT_PASSWORD_POLICY } from '../../src-shared/rules/password-policy';
import type { configChannels } from '../../src-shared/contract/config';
import type { ConsoleModule } from '../app/module';
import type { ModuleDeps } from '../app/module-deps';
import type { TenantPolicySource } from './ports';

export type ConfigChannels = keyof typeof configChannels;

/** Tenant policies, versioned configuration, feature flags, branding, integrations (issue 7 items 2–4). */
export function configModule(deps: ModuleDeps): ConsoleModule<ConfigChannels> & { policies: TenantPolicySource } {
  void deps;
  return { handlers: {}, policies: { passwordPolicy: async () => DEFAULT_PASSWORD_POLICY, maxUsers: async () => null } };
}
