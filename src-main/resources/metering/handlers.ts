import type { resourceChannels } from '../../../src-shared/contract/resources';
import { AppError } from '../../app/errors';
import type { ConsoleModule } from '../../app/module';
import type { ModuleDeps } from '../../app/module-deps';
import type { UsageReader } from '../types';

type Channels = 'usage.collect' | 'usage.show' | 'usage.noisy';
export type MeteringChannels = Extract<keyof typeof resourceChannels, Channels>;

const notYet = (): never => {
  throw new AppError('UNAVAILABLE', 'usage metering is being built');
};

/** Usage metering and noisy-neighbour detection (issue 10 items 1 and 5). SEAM: replaced by its owner. */
export function meteringPart(_deps: ModuleDeps): ConsoleModule<MeteringChannels> & { usage: UsageReader } {
  return {
    usage: { collect: notYet, latest: notYet, samples: notYet, latestAll: notYet },
    handlers: { 'usage.collect': notYet, 'usage.show': notYet, 'usage.noisy': notYet },
  };
}
