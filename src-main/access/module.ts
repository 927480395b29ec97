import type { accessChannels } from '../../src-shared/contract/access';
import type { ConsoleModule } from '../app/module';
import type { ModuleDeps } from '../app/module-deps';
import type { CheckedCall } from '../ipc/router';

export type AccessChannels = keyof typeof accessChannels;

/** Support access and change approvals (issue 6 item 5). */
export function accessModule(deps: ModuleDeps): ConsoleModule<AccessChannels> & { gate(call: CheckedCall): Promise<void> } {
  void deps;
  return { handlers: {}, gate: async () => undefined };
}
