import type { Handlers } from '../../ipc/router';
import { streamOf, type AuditParts } from '../types';
import type { AuditStreamService } from './service';

/**
 * audit.event (one event with its chain proof), audit.verify (the stream as Cassandra holds it,
 * with the local mirror's last head as a witness), audit.sync (mirror), audit.prune (retention).
 * Cassandra's grants decide who reads a tenant's stream; the router's auditor scope comes first.
 */
export function streamHandlers(_parts: AuditParts, service: AuditStreamService): Pick<Handlers, 'audit.event' | 'audit.verify' | 'audit.sync' | 'audit.prune'> {
  return {
    'audit.event': async ({ cluster, tenant, seq }) => service.proof(cluster, streamOf(tenant), seq),
    'audit.verify': async ({ cluster, tenant }) => service.verify(cluster, streamOf(tenant)),
    'audit.sync': async ({ cluster, tenant }) => {
      const stream = streamOf(tenant);
      return { stream, ...(await service.sync(cluster, stream)) };
    },
    'audit.prune': async ({ cluster, tenant }) => service.prune(cluster, tenant),
  };
}
