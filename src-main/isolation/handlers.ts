import type { isolationChannels } from '../../src-shared/contract/isolation';
import { AppError } from '../app/errors';
import type { ConsoleModule } from '../app/module';
import type { ModuleDeps } from '../app/module-deps';
import type { Logger } from '../app/log';
import type { ConnectionManager } from '../cassandra/connections';
import type { SessionService } from '../identity/sessions';
import type { Handlers } from '../ipc/router';
import type { SecretStore } from '../secrets/types';
import { IsolationMonitor, type MonitorDeps } from './monitor';
import { CassandraMonitorStore } from './monitor-store';
import { IsolationService } from './service';
import { ReportSigner } from './signing';

export type IsolationHandlers = Pick<Handlers, keyof typeof isolationChannels>;

export interface IsolationDeps {
  connections: ConnectionManager;
  sessions: Pick<SessionService, 'scopeOf' | 'platformClusters'>;
  logger: Logger;
  /** The installation's report-signing key lives here; without it export refuses (verify still works). */
  secrets?: SecretStore;
  /** Absent: no continuous checks (the status channels answer UNAVAILABLE). */
  monitor?: IsolationMonitor;
  [other: string]: unknown;
}

/** The isolation channels (issue 6, items 1 and 2); scope was checked by the router before any of these runs. */
export function isolationHandlers(deps: IsolationDeps, service?: IsolationService): IsolationHandlers {
  const svc = service ?? isolationService(deps);
  const operatorOf = (cluster: string): string | null => deps.sessions.scopeOf(cluster)?.role ?? null;
  // Without --cluster: the one cluster this console has platform scope on; never a guess among several.
  const onlyPlatformCluster = (what: string): string => {
    const all = deps.sessions.platformClusters();
    if (all.length !== 1) throw new AppError('BAD_INPUT', `name the cluster to ${what} (--cluster): platform scope on ${all.join(', ')}`);
    return all[0]!;
  };
  const monitor = (): IsolationMonitor => {
    if (!deps.monitor) throw new AppError('UNAVAILABLE', 'this console runs no isolation monitor');
    return deps.monitor;
  };
  return {
    'isolation.scan': async ({ cluster, tenant }) => svc.scan(cluster ?? onlyPlatformCluster('scan'), { tenant: tenant ?? null, observe: true }),
    'isolation.fix': async ({ cluster, findingId }) => svc.fix(cluster, findingId),
    'isolation.export': async ({ cluster, tenant }) => svc.export(cluster, { tenant: tenant ?? null, observe: true }),
    'isolation.verifyReport': async ({ text }) => svc.verify(text),
    'isolation.status': async ({ cluster }) => monitor().status(cluster ?? onlyPlatformCluster('read the status of')),
    'isolation.acknowledge': async ({ cluster, alertId }) => monitor().acknowledge(cluster, alertId, operatorOf(cluster)),
    'isolation.setSchedule': async ({ cluster, everyMinutes }) => monitor().setSchedule(cluster, everyMinutes, operatorOf(cluster)),
  };
}

function isolationService(deps: IsolationDeps): IsolationService {
  return new IsolationService({
    connections: deps.connections,
    operatorOf: (cluster) => deps.sessions.scopeOf(cluster)?.role ?? null,
    signer: deps.secrets ? new ReportSigner(deps.secrets) : null,
    logger: deps.logger,
    ...(deps.monitor ? { observe: (r) => deps.monitor!.observe(r.cluster, r, 'manual') } : {}),
  });
}

/** The monitor over a console's services; `tune` lets tests shorten the schedule and the debounce. */
export function createMonitor(deps: Pick<ModuleDeps, 'host' | 'connections' | 'sessions' | 'bus' | 'store' | 'logger' | 'jobs'>, service: IsolationService, tune: Pick<MonitorDeps, 'intervalMs' | 'debounceMs' | 'maxDebounceMs'> = {}): IsolationMonitor {
  return new IsolationMonitor({
    host: deps.host,
    scan: (cluster) => service.scan(cluster),
    storeFor: (cluster) => {
      const c = deps.connections.operator(cluster);
      if (!c) throw new AppError('NOT_SIGNED_IN', `sign in to cluster ${cluster} first`);
      return new CassandraMonitorStore(c);
    },
    platformClusters: () => deps.sessions.platformClusters(),
    operatorOf: (cluster) => deps.sessions.scopeOf(cluster)?.role ?? null,
    emitAlert: (a) => deps.bus.emit('isolation.alert', a),
    emitSecurity: (a) => deps.bus.emit('security.alert', a),
    audit: (e) => {
      try {
        deps.store.localAudit.record(e);
      } catch (err) {
        deps.logger.error('audit write failed', { channel: e.channel, error: err instanceof Error ? err : String(err) });
      }
    },
    logger: deps.logger,
    jobDone: (jobId) => deps.jobs.wait(jobId),
    ...tune,
  });
}

/**
 * The isolation feature as the composition root sees it: item 1's channels and item 2's monitor
 * (sign-in scan, re-scan after grant-changing calls, the schedule, closed with the console).
 */
export function isolationModule(deps: ModuleDeps, tune: Pick<MonitorDeps, 'intervalMs' | 'debounceMs' | 'maxDebounceMs'> = {}): ConsoleModule<keyof typeof isolationChannels> & { monitor: IsolationMonitor } {
  const base: IsolationDeps = { connections: deps.connections, sessions: deps.sessions, logger: deps.logger, secrets: deps.secrets };
  // The monitor scans through a service of its own, which never observes (it IS the observer).
  const monitor = createMonitor(deps, isolationService(base), tune);
  const handlers = isolationHandlers({ ...base, monitor });
  return {
    handlers,
    monitor,
    onSignIn: async (cluster, platform) => monitor.onSignIn(cluster, platform),
    afterSuccess: (call, output) => {
      if (call.def.changesGrants) monitor.afterGrantChange(call.cluster, output);
    },
    close: () => monitor.close(),
  };
}
