import type { portabilityChannels } from '../../../src-shared/contract/portability';
import { AppError } from '../../app/errors';
import type { ConsoleModule } from '../../app/module';
import type { ModuleDeps } from '../../app/module-deps';
import type { PortabilityCore } from '../types';

type Channels = 'tenant.export' | 'tenant.inspectBundle' | 'tenant.import' | 'portability.result' | 'portability.list';
export type CoreChannels = Extract<keyof typeof portabilityChannels, Channels>;

const notYet = (): never => {
  throw new AppError('UNAVAILABLE', 'tenant export/import is being built');
};

/** Bundle format, export, import, verification, operation records (issue 11 items 1–2). SEAM: replaced by its owner. */
export function corePart(_deps: ModuleDeps): ConsoleModule<CoreChannels> & { core: PortabilityCore } {
  return {
    core: {
      exportTenant: notYet,
      importBundle: notYet,
      verifyAgainstBundle: notYet,
      verifyLive: notYet,
      operations: { start: notYet, update: notYet, get: notYet, list: notYet },
    },
    handlers: { 'tenant.export': notYet, 'tenant.inspectBundle': notYet, 'tenant.import': notYet, 'portability.result': notYet, 'portability.list': notYet },
  };
}
