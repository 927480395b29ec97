import type { ChannelName } from '../../src-shared/contract';

/**
 * Which calls on a tenant need a second person. Implemented by the compliance module from the
 * tenant's profile and policy (issue 6 item 4); read by the approval gate (item 5).
 */
export interface ApprovalPolicy {
  /** `input` is the parsed call: a policy change is judged by what it would change (weakening the rule needs two people). */
  requiresApproval(cluster: string, tenant: string, channel: ChannelName, input?: unknown): Promise<boolean>;
}
