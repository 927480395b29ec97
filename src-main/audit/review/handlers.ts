import { AppError } from '../../app/errors';
import type { Handlers } from '../../ipc/router';
import type { AuditParts } from '../types';

const notYet = async (): Promise<never> => {
  throw new AppError('INTERNAL', 'audit review is being built (issue 9)');
};

type ReviewChannels =
  | 'audit.query' | 'audit.export' | 'audit.report' | 'audit.csv' | 'audit.import' | 'audit.snapshots' | 'audit.verifySnapshot'
  | 'audit.snapshotQuery' | 'audit.snapshotEvent' | 'audit.snapshotReport' | 'audit.snapshotCsv' | 'audit.removeSnapshot'
  | 'audit.filters' | 'audit.saveFilter' | 'audit.deleteFilter';

/** Live query over the mirror, snapshots, reports, CSV, saved filters (review/ owner). */
export function reviewHandlers(_parts: AuditParts): Pick<Handlers, ReviewChannels> {
  return {
    'audit.query': notYet, 'audit.export': notYet, 'audit.report': notYet, 'audit.csv': notYet, 'audit.import': notYet,
    'audit.snapshots': notYet, 'audit.verifySnapshot': notYet, 'audit.snapshotQuery': notYet, 'audit.snapshotEvent': notYet,
    'audit.snapshotReport': notYet, 'audit.snapshotCsv': notYet, 'audit.removeSnapshot': notYet, 'audit.filters': notYet,
    'audit.saveFilter': notYet, 'audit.deleteFilter': notYet,
  };
}
