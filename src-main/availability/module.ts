import type { ConsoleModule } from '../app/module';
import type { ModuleDeps } from '../app/module-deps';

/** Availability probes, SLA and error budget per tenant, cluster health, capacity (issue 12). Being built. */
export function availabilityModule(_deps: ModuleDeps): ConsoleModule<never> {
  return { handlers: {} };
}
