import type { portabilityChannels } from '../../../src-shared/contract/portability';
import { AppError } from '../../app/errors';
import type { ConsoleModule } from '../../app/module';
import type { ModuleDeps } from '../../app/module-deps';
import type { PortabilityCore } from '../types';

type Channels = 'tenant.migrate' | 'migration.abort' | 'backup.create' | 'backup.list' | 'backup.setPolicy' | 'backup.restore' | 'backup.verify';
export type OrchestrationChannels = Extract<keyof typeof portabilityChannels, Channels>;

const notYet = (): never => {
  throw new AppError('UNAVAILABLE', 'migration and backups are being built');
};

/** Migration between clusters and per-tenant backups (issue 11 items 3–4). SEAM: replaced by its owner. */
export function orchestrationPart(_deps: ModuleDeps, _core: PortabilityCore): ConsoleModule<OrchestrationChannels> {
  return {
    handlers: { 'tenant.migrate': notYet, 'migration.abort': notYet, 'backup.create': notYet, 'backup.list': notYet, 'backup.setPolicy': notYet, 'backup.restore': notYet, 'backup.verify': notYet },
  };
}
