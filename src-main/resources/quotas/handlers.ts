import type { resourceChannels } from '../../../src-shared/contract/resources';
import { AppError } from '../../app/errors';
import type { ConsoleModule } from '../../app/module';
import type { ModuleDeps } from '../../app/module-deps';
import type { CheckedCall } from '../../ipc/router';
import type { QuotaChecker, UsageReader } from '../types';

type Channels = 'quota.show' | 'quota.set' | 'quota.raise' | 'quota.enforce';
export type QuotaChannels = Extract<keyof typeof resourceChannels, Channels>;

const notYet = (): never => {
  throw new AppError('UNAVAILABLE', 'quotas are being built');
};

/** Quotas with soft/hard limits, grace, temporary raises and storage enforcement (issue 10 item 2). SEAM: replaced by its owner. */
export function quotaPart(_deps: ModuleDeps, _usage: UsageReader): ConsoleModule<QuotaChannels> & { checker: QuotaChecker; gate(call: CheckedCall): Promise<void> } {
  return {
    checker: { check: async () => null },
    gate: async () => undefined,
    handlers: { 'quota.show': notYet, 'quota.set': notYet, 'quota.raise': notYet, 'quota.enforce': notYet },
  };
}
