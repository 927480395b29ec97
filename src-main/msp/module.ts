import type { mspChannels } from '../../src-shared/contract/msp';
import type { ConsoleModule } from '../app/module';
import type { ModuleDeps } from '../app/module-deps';

export type MspChannels = keyof typeof mspChannels;

/** MSP dashboard and bulk operations (issue 6 item 5). */
export function mspModule(deps: ModuleDeps): ConsoleModule<MspChannels> {
  void deps;
  return { handlers: {} };
}
