import { AppError } from '../../app/errors';
import type { Handlers } from '../../ipc/router';
import type { AuditParts } from '../types';
import type { AuditStreamService } from './service';

const notYet = async (): Promise<never> => {
  throw new AppError('INTERNAL', 'audit streams are being built (issue 9)');
};

/** audit.event, audit.verify, audit.sync, audit.prune (streams/ owner). */
export function streamHandlers(_parts: AuditParts, _service: AuditStreamService): Pick<Handlers, 'audit.event' | 'audit.verify' | 'audit.sync' | 'audit.prune'> {
  return { 'audit.event': notYet, 'audit.verify': notYet, 'audit.sync': notYet, 'audit.prune': notYet };
}
