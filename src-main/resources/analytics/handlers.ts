import type { resourceChannels } from '../../../src-shared/contract/resources';
import { AppError } from '../../app/errors';
import type { ConsoleModule } from '../../app/module';
import type { ModuleDeps } from '../../app/module-deps';
import type { UsageReader } from '../types';

type Channels = 'analytics.report' | 'analytics.budget';
export type AnalyticsChannels = Extract<keyof typeof resourceChannels, Channels>;

const notYet = (): never => {
  throw new AppError('UNAVAILABLE', 'analytics are being built');
};

/** Cross-tenant aggregates with k-anonymity and a Laplace ε budget (issue 10 item 4). SEAM: replaced by its owner. */
export function analyticsPart(_deps: ModuleDeps, _usage: UsageReader): ConsoleModule<AnalyticsChannels> {
  return { handlers: { 'analytics.report': notYet, 'analytics.budget': notYet } };
}
