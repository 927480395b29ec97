import type { resourceChannels } from '../../src-shared/contract/resources';
import type { ConsoleModule } from '../app/module';
import type { ModuleDeps } from '../app/module-deps';
import type { CheckedCall } from '../ipc/router';
import { analyticsPart } from './analytics/handlers';
import { billingPart } from './billing/handlers';
import { meteringPart } from './metering/handlers';
import { quotaPart } from './quotas/handlers';
import type { QuotaChecker, UsageReader } from './types';

export type ResourceChannels = keyof typeof resourceChannels;

/**
 * Resources (issue 10): metering feeds quotas, billing and analytics through UsageReader; quotas
 * check console operations in the router's gate before the approval gate.
 */
export function resourcesModule(deps: ModuleDeps): ConsoleModule<ResourceChannels> & { usage: UsageReader; quotas: QuotaChecker; gate(call: CheckedCall): Promise<void> } {
  const metering = meteringPart(deps);
  const quotas = quotaPart(deps, metering.usage);
  const billing = billingPart(deps, metering.usage);
  const analytics = analyticsPart(deps, metering.usage);
  const parts: ConsoleModule<never>[] = [metering, quotas, billing, analytics] as unknown as ConsoleModule<never>[];
  return {
    usage: metering.usage,
    quotas: quotas.checker,
    gate: (call) => quotas.gate(call),
    handlers: { ...metering.handlers, ...quotas.handlers, ...billing.handlers, ...analytics.handlers },
    onSignIn: async (cluster, platform) => {
      for (const p of parts) await p.onSignIn?.(cluster, platform);
    },
    afterSuccess: (call, output) => {
      for (const p of parts) {
        try {
          p.afterSuccess?.(call, output);
        } catch (e) {
          deps.logger.error('resources after-success hook failed', { channel: call.channel, error: e instanceof Error ? e : String(e) });
        }
      }
    },
    close: async () => {
      for (const p of parts) await p.close?.();
    },
  };
}
