import { randomUUID } from 'node:crypto';
import { isChannelName } from '../../src-shared/contract';
import type { mspChannels } from '../../src-shared/contract/msp';
import { AppError } from '../app/errors';
import type { ConsoleModule } from '../app/module';
import type { ModuleDeps } from '../app/module-deps';
import type { RegistryTenant } from './derive';
import { ClusterReader } from './reader';
import { CassandraBulkRecords } from './records';
import { MspService } from './service';

export type MspChannels = keyof typeof mspChannels;

/** The mirror's state column is free text; anything unknown shows as failed rather than crashing the contract. */
async function registryOf(deps: ModuleDeps, cluster: string): Promise<RegistryTenant[]> {
  const rows = await deps.tenants.registry(cluster).all();
  return rows.map((r) => ({ id: r.id, name: r.name, tier: r.tier, template: r.template, state: r.state, createdAt: r.createdAt, updatedAt: r.updatedAt, suspendedAt: r.suspendedAt, keyspaces: r.keyspaces, roles: r.roles }));
}

export function mspService(deps: ModuleDeps): MspService {
  const hasChannel = (name: string): boolean => isChannelName(name);
  const reader = new ClusterReader({
    registry: (c) => registryOf(deps, c),
    operator: (c) => deps.connections.operator(c) ?? null,
    dispatch: (channel, input) => deps.dispatch(channel, input),
    hasChannel,
  });
  return new MspService({
    platformClusters: () => deps.sessions.platformClusters(),
    operatorOf: (c) => deps.sessions.scopeOf(c)?.role ?? 'unknown',
    readCluster: (c, opts) => reader.read(c, opts),
    mirror: () => deps.store.tenantMirror.all(),
    registry: (c) => registryOf(deps, c),
    dispatch: (channel, input) => deps.dispatch(channel, input),
    hasChannel,
    approvalPolicy: deps.approvalPolicy,
    jobs: deps.jobs,
    records: (c) => {
      const client = deps.connections.operator(c);
      if (!client) throw new AppError('NOT_SIGNED_IN', `sign in to cluster ${c} first`);
      return new CassandraBulkRecords(client);
    },
    emitResult: (p) => deps.bus.emit('bulk.result', p),
    logger: deps.logger,
    ownerId: randomUUID(),
  });
}

/** MSP dashboard and bulk operations (issue 6 item 5). */
export function mspModule(deps: ModuleDeps): ConsoleModule<MspChannels> {
  const svc = mspService(deps);
  return {
    handlers: {
      'msp.dashboard': async ({ cluster, refresh }) => svc.dashboard({ cluster, refresh }),
      'bulk.apply': async (input) => svc.apply(input),
      'bulk.list': async ({ cluster, limit }) => svc.list({ cluster, limit }),
      'bulk.show': async ({ cluster, id }) => svc.show({ cluster, id }),
    },
  };
}
