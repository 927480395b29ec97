import type { resourceChannels } from '../../../src-shared/contract/resources';
import { AppError } from '../../app/errors';
import type { ConsoleModule } from '../../app/module';
import type { ModuleDeps } from '../../app/module-deps';
import type { UsageReader } from '../types';

type Channels = 'billing.rates' | 'billing.setRates' | 'billing.statement' | 'billing.setCostCentre' | 'billing.report';
export type BillingChannels = Extract<keyof typeof resourceChannels, Channels>;

const notYet = (): never => {
  throw new AppError('UNAVAILABLE', 'billing is being built');
};

/** Rate card, statements integrated over usage samples, cost centres, MSP report (issue 10 item 3). SEAM: replaced by its owner. */
export function billingPart(_deps: ModuleDeps, _usage: UsageReader): ConsoleModule<BillingChannels> {
  return {
    handlers: { 'billing.rates': notYet, 'billing.setRates': notYet, 'billing.statement': notYet, 'billing.setCostCentre': notYet, 'billing.report': notYet },
  };
}
