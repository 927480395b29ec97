import type { auditChannels } from '../../src-shared/contract/audit';
import type { ConsoleModule } from '../app/module';
import type { ModuleDeps } from '../app/module-deps';
import type { AuditEntry } from '../ipc/router';
import { ingestHandlers } from './ingest/handlers';
import { reviewHandlers, reviewService } from './review/handlers';
import { streamHandlers } from './streams/handlers';
import { AuditStreamService } from './streams/service';
import type { AuditParts } from './types';

export type AuditChannels = keyof typeof auditChannels;

/**
 * Audit (issue 9): per-tenant and platform streams, Cassandra audit-log ingestion, snapshots,
 * review. `record` is the router's audit sink (next to the local audit log): every mutating call
 * and every refusal goes into the stream of the tenant it named, or the platform stream.
 * Three parts, each in its folder: streams/ (chain, signing, Cassandra tables, mirror, retention),
 * ingest/ (FileAuditLogger), review/ (snapshots, queries, reports, saved filters). Each part's
 * handler factory takes the same AuditParts: the module deps, the streams port, the local mirror.
 */
export function auditModule(deps: ModuleDeps): ConsoleModule<AuditChannels> & { record(entry: AuditEntry): void; parts: AuditParts } {
  const service = new AuditStreamService(deps);
  const parts: AuditParts = {
    deps,
    streams: service,
    index: { db: service.index, cache: deps.store.db, liveSource: (cluster) => `live:${cluster}` },
  };
  const review = reviewService(parts);
  return {
    parts,
    record: (entry) => service.record(entry),
    onSignIn: (cluster, platform) => service.onSignIn(cluster, platform),
    close: async () => {
      await service.close();
      review.close();
    },
    handlers: {
      ...streamHandlers(parts, service),
      ...ingestHandlers(parts),
      ...reviewHandlers(parts, review),
    },
  };
}
