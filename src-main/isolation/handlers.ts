import type { isolationChannels } from '../../src-shared/contract/isolation';
import { AppError } from '../app/errors';
import type { ConsoleModule } from '../app/module';
import type { ModuleDeps } from '../app/module-deps';
import type { Logger } from '../app/log';
import type { ConnectionManager } from '../cassandra/connections';
import type { SessionService } from '../identity/sessions';
import type { Handlers } from '../ipc/router';
import type { SecretStore } from '../secrets/types';
import { IsolationService } from './service';
import { ReportSigner } from './signing';

export type IsolationHandlers = Pick<Handlers, keyof typeof isolationChannels>;

export interface IsolationDeps {
  connections: ConnectionManager;
  sessions: Pick<SessionService, 'scopeOf' | 'platformClusters'>;
  logger: Logger;
  /** The installation's report-signing key lives here; without it export refuses (verify still works). */
  secrets?: SecretStore;
  [other: string]: unknown;
}

/** The isolation channels (issue 6, item 1); scope was checked by the router before any of these runs. */
export function isolationHandlers(deps: IsolationDeps): IsolationHandlers {
  const service = new IsolationService({
    connections: deps.connections,
    operatorOf: (cluster) => deps.sessions.scopeOf(cluster)?.role ?? null,
    signer: deps.secrets ? new ReportSigner(deps.secrets) : null,
    logger: deps.logger,
  });
  // Without --cluster: the one cluster this console has platform scope on; never a guess among several.
  const onlyPlatformCluster = (): string => {
    const all = deps.sessions.platformClusters();
    if (all.length !== 1) throw new AppError('BAD_INPUT', `name the cluster to scan (--cluster): platform scope on ${all.join(', ')}`);
    return all[0]!;
  };
  return {
    'isolation.scan': async ({ cluster, tenant }) => service.scan(cluster ?? onlyPlatformCluster(), { tenant: tenant ?? null }),
    'isolation.fix': async ({ cluster, findingId }) => service.fix(cluster, findingId),
    'isolation.export': async ({ cluster, tenant }) => service.export(cluster, { tenant: tenant ?? null }),
    'isolation.verifyReport': async ({ text }) => service.verify(text),
  };
}

/** The isolation feature as the composition root sees it: item 1's channels; item 2 adds the monitor's hooks. */
export function isolationModule(deps: ModuleDeps): ConsoleModule<keyof typeof isolationChannels> {
  return { handlers: isolationHandlers({ connections: deps.connections, sessions: deps.sessions, logger: deps.logger, secrets: deps.secrets }) };
}
