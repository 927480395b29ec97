import type { auditChannels } from '../../src-shared/contract/audit';
import { AppError } from '../app/errors';
import type { ConsoleModule } from '../app/module';
import type { ModuleDeps } from '../app/module-deps';
import type { AuditEntry } from '../ipc/router';

export type AuditChannels = keyof typeof auditChannels;

const notYet = async (): Promise<never> => {
  throw new AppError('INTERNAL', 'audit review is being built (issue 9)');
};

/**
 * Audit (issue 9): per-tenant and platform streams, Cassandra audit-log ingestion, snapshots,
 * review. `record` is the router's audit sink (next to the local audit log): every mutating call
 * and every refusal goes into the stream of the tenant it named, or the platform stream.
 */
export function auditModule(_deps: ModuleDeps): ConsoleModule<AuditChannels> & { record(entry: AuditEntry): void } {
  return {
    record: () => {},
    handlers: {
      'audit.query': notYet,
      'audit.event': notYet,
      'audit.verify': notYet,
      'audit.sync': notYet,
      'audit.ingest': notYet,
      'audit.export': notYet,
      'audit.report': notYet,
      'audit.csv': notYet,
      'audit.prune': notYet,
      'audit.import': notYet,
      'audit.snapshots': notYet,
      'audit.verifySnapshot': notYet,
      'audit.snapshotQuery': notYet,
      'audit.snapshotEvent': notYet,
      'audit.snapshotReport': notYet,
      'audit.snapshotCsv': notYet,
      'audit.removeSnapshot': notYet,
      'audit.filters': notYet,
      'audit.saveFilter': notYet,
      'audit.deleteFilter': notYet,
    },
  };
}
