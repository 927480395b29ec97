import { AppError } from '../../app/errors';
import type { Handlers } from '../../ipc/router';
import type { AuditParts } from '../types';

const notYet = async (): Promise<never> => {
  throw new AppError('INTERNAL', 'audit ingestion is being built (issue 9)');
};

/** audit.ingest (ingest/ owner). */
export function ingestHandlers(_parts: AuditParts): Pick<Handlers, 'audit.ingest'> {
  return { 'audit.ingest': notYet };
}
