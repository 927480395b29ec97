import { AppError } from '../../app/errors';
import type { ModuleDeps } from '../../app/module-deps';
import type { ImportRequest, ImportResult, PortabilityCore } from '../types';
import type { VerificationReport } from '../../../src-shared/contract/portability';

/**
 * Import, verification against a bundle and live verification (issue 11 item 2). Owned by the
 * import owner; core/handlers.ts (the export owner's) wires these into the channels.
 * SEAM: replaced by its owner.
 */
export function createImporter(_deps: ModuleDeps, _operations: PortabilityCore['operations']): {
  importBundle(req: ImportRequest): Promise<ImportResult>;
  verifyAgainstBundle(cluster: string, tenant: string, path: string, passphrase?: string): Promise<VerificationReport>;
  verifyLive(source: { cluster: string; tenant: string }, target: { cluster: string; tenant: string }): Promise<VerificationReport>;
} {
  const notYet = (): never => {
    throw new AppError('UNAVAILABLE', 'tenant import is being built');
  };
  return { importBundle: notYet, verifyAgainstBundle: notYet, verifyLive: notYet };
}
