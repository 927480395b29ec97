import type { complianceChannels } from '../../src-shared/contract/compliance';
import { AppError } from '../app/errors';
import type { ConsoleModule } from '../app/module';
import type { ModuleDeps } from '../app/module-deps';
import type { ApprovalPolicy } from '../access/ports';
import { ComplianceService } from './service';

export type ComplianceChannels = keyof typeof complianceChannels;

export interface ComplianceModule extends ConsoleModule<ComplianceChannels> {
  approvalPolicy: ApprovalPolicy;
  /** For other features (user creation, migration): refuse DCs outside the tenant's boundary (CONFLICT). */
  assertWithinBoundary(cluster: string, tenant: string, dcs: readonly string[], what?: string): Promise<void>;
}

/** Compliance boundaries and profiles (issue 6 items 3–4). */
export function complianceModule(deps: Omit<ModuleDeps, 'approvalPolicy'>): ComplianceModule {
  const service = new ComplianceService({ connections: deps.connections, sessions: deps.sessions, store: deps.store, dispatch: deps.dispatch, logger: deps.logger });
  const operatorOf = (cluster: string): string => {
    const role = deps.sessions.scopeOf(cluster)?.role;
    if (!role) throw new AppError('NOT_SIGNED_IN', `sign in to cluster ${cluster} first`);
    return role;
  };
  return {
    handlers: {
      'compliance.list': async ({ cluster }) => service.list(cluster),
      'compliance.get': async ({ cluster, tenant }) => service.get(cluster, tenant),
      'compliance.set': async (input, ctx) => service.set(input, ctx.tenant, operatorOf(input.cluster)),
      'compliance.scan': async ({ cluster, tenant }) => service.scan(cluster, tenant),
      'compliance.fix': async ({ cluster, tenant, driftId }) => service.fix(cluster, tenant, driftId),
    },
    approvalPolicy: { requiresApproval: (cluster, tenant, channel, input) => service.requiresApproval(cluster, tenant, channel, input) },
    assertWithinBoundary: (cluster, tenant, dcs, what) => service.assertWithinBoundary(cluster, tenant, dcs, what),
  };
}
