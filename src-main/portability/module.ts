import type { portabilityChannels } from '../../src-shared/contract/portability';
import type { ConsoleModule } from '../app/module';
import type { ModuleDeps } from '../app/module-deps';
import { corePart } from './core/handlers';
import { orchestrationPart } from './orchestration/handlers';
import type { PortabilityCore } from './types';

export type PortabilityChannels = keyof typeof portabilityChannels;

/**
 * Tenant export/import, migration between clusters, per-tenant backup and restore (issue 11).
 * The core (bundle format, export, import, verification, operation records) is used by the
 * orchestration (migration, backups) through PortabilityCore.
 */
export function portabilityModule(deps: ModuleDeps): ConsoleModule<PortabilityChannels> & { core: PortabilityCore } {
  const core = corePart(deps);
  const orchestration = orchestrationPart(deps, core.core);
  const parts: ConsoleModule<never>[] = [core, orchestration] as unknown as ConsoleModule<never>[];
  // portability.list and portability.result are answered by the orchestration, which adds the
  // migrations recorded in csm_system (other consoles' moves) to the core's cache of operations;
  // the core's own handlers for those two channels are deliberately not routed.
  const { 'portability.list': _coreList, 'portability.result': _coreResult, ...coreOnly } = core.handlers;
  void _coreList;
  void _coreResult;
  return {
    core: core.core,
    handlers: { ...coreOnly, ...orchestration.handlers },
    onSignIn: async (cluster, platform) => {
      for (const p of parts) await p.onSignIn?.(cluster, platform);
    },
    afterSuccess: (call, output) => {
      for (const p of parts) {
        try {
          p.afterSuccess?.(call, output);
        } catch (e) {
          deps.logger.error('portability after-success hook failed', { channel: call.channel, error: e instanceof Error ? e : String(e) });
        }
      }
    },
    close: async () => {
      for (const p of parts) await p.close?.();
    },
  };
}
