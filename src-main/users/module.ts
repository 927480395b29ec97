import type { userChannels } from '../../src-shared/contract/users';
import type { ConsoleModule } from '../app/module';
import type { ModuleDeps } from '../app/module-deps';
import type { TenantPolicySource } from '../config/ports';

export type UserChannels = keyof typeof userChannels;

/** Tenant users and roles (issue 7 item 1). `policies` answers the tenant's password policy and user quota. */
export function usersModule(deps: ModuleDeps & { policies: TenantPolicySource }): ConsoleModule<UserChannels> {
  void deps;
  return { handlers: {} };
}
