import type { complianceChannels } from '../../src-shared/contract/compliance';
import type { ConsoleModule } from '../app/module';
import type { ModuleDeps } from '../app/module-deps';
import type { ApprovalPolicy } from '../access/ports';

export type ComplianceChannels = keyof typeof complianceChannels;

/** Compliance boundaries and profiles (issue 6 items 3–4). */
export function complianceModule(deps: Omit<ModuleDeps, 'approvalPolicy'>): ConsoleModule<ComplianceChannels> & { approvalPolicy: ApprovalPolicy } {
  void deps;
  return { handlers: {}, approvalPolicy: { requiresApproval: async () => false } };
}
