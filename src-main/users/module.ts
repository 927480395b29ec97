import type { userChannels } from '../../src-shared/contract/users';
import type { ConsoleModule } from '../app/module';
import type { ModuleDeps } from '../app/module-deps';
import type { TenantPolicySource } from '../config/ports';
import { UsersService } from './service';

export type UserChannels = keyof typeof userChannels;

/**
 * Tenant users and roles (issue 7 item 1). `policies` answers the tenant's password policy and user
 * quota. A platform console carries out the requests tenant admins filed on `user.process` and at
 * every platform sign-in (a console that signs in is the moment someone with authority is there).
 */
export function usersModule(deps: ModuleDeps & { policies: TenantPolicySource }): ConsoleModule<UserChannels> & { service: UsersService } {
  const service = new UsersService({
    host: deps.host,
    connections: deps.connections,
    sessions: deps.sessions,
    tenants: deps.tenants,
    policies: deps.policies,
    logger: deps.logger,
    audit: (e) => {
      try {
        deps.store.localAudit.record(e);
      } catch (err) {
        deps.logger.error('audit write failed', { channel: e.channel, error: err instanceof Error ? err : String(err) });
      }
    },
  });
  const operator = (cluster: string): string | null => deps.sessions.scopeOf(cluster)?.role ?? null;
  return {
    service,
    handlers: {
      'user.list': (i) => service.list(i.cluster, i.tenant),
      'user.create': (i) => service.create(i, operator(i.cluster)),
      'user.passwd': (i) => service.passwd(i),
      'user.lock': (i) => service.setLogin(i, false),
      'user.unlock': (i) => service.setLogin(i, true),
      'user.drop': (i) => service.drop(i),
      'user.grant': (i) => service.grant(i, 'GRANT', operator(i.cluster)),
      'user.revoke': (i) => service.grant(i, 'REVOKE', operator(i.cluster)),
      'user.permissions': (i) => service.permissions(i.cluster, i.tenant, i.name),
      'user.requests': (i) => service.requests(i.cluster, i.tenant),
      'user.process': (i) => service.process(i.cluster, i.tenant),
    },
    onSignIn: async (cluster, platform) => {
      if (platform) await service.process(cluster);
    },
  };
}
