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

export function mspService(deps: ModuleDeps, reader?: ClusterReader): MspService {
  const r = reader ?? readerFor(deps);
  return new MspService({
    platformClusters: () => deps.sessions.platformClusters(),
    operatorOf: (c) => deps.sessions.scopeOf(c)?.role ?? 'unknown',
    readCluster: (c, opts) => r.read(c, opts),
    invalidate: (c, what) => r.invalidate(c, what),
    // tenant.list's rules: a cluster signed in with tenant scope shows only that operator's tenants.
    mirror: async () => (await deps.tenants.list({ refresh: false })).map((t) => ({ cluster: t.cluster, id: t.id, name: t.name, tier: t.tier, template: t.template, state: t.state, createdAt: t.createdAt, updatedAt: t.updatedAt, syncedAt: t.syncedAt })),
    registry: (c) => registryOf(deps, c),
    dispatch: (channel, input) => deps.dispatch(channel, input),
    hasChannel: (name) => isChannelName(name),
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

function readerFor(deps: ModuleDeps): ClusterReader {
  return new ClusterReader({
    registry: (c) => registryOf(deps, c),
    operator: (c) => deps.connections.operator(c) ?? null,
    dispatch: (channel, input) => deps.dispatch(channel, input),
    hasChannel: (name) => isChannelName(name),
  });
}

/** MSP dashboard and bulk operations (issue 6 item 5). */
export function mspModule(deps: ModuleDeps): ConsoleModule<MspChannels> {
  const reader = readerFor(deps);
  const svc = mspService(deps, reader);
  return {
    // A change made anywhere in this console (a screen, the CLI, a bulk run) is not hidden by a cache.
    afterSuccess: (call) => {
      if (!call.cluster) return;
      if (call.channel === 'compliance.set') reader.invalidate(call.cluster, 'compliance');
      else if (call.channel === 'keys.rotate') reader.invalidate(call.cluster, 'keys');
    },
    handlers: {
      'msp.dashboard': async ({ cluster, refresh }) => svc.dashboard({ cluster, refresh }),
      'bulk.apply': async (input) => svc.apply(input),
      'bulk.list': async ({ cluster, limit }) => svc.list({ cluster, limit }),
      'bulk.show': async ({ cluster, id }) => svc.show({ cluster, id }),
    },
  };
}
