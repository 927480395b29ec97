import type { CqlClient } from '../cassandra/connections';
import { AppError } from '../app/errors';

/**
 * Pausing a tenant's writes for real (issues 10 and 11): MODIFY is revoked in Cassandra from
 * every tenant role that holds it on the tenant's keyspaces/tables, and the exact grants revoked
 * are recorded in csm_system so a thaw restores exactly those — no more, no fewer. Several reasons
 * may hold a freeze at once (storage quota enforcement, a migration's cut-over); the grants come
 * back only when the last reason is lifted. Every step is the caller's to audit.
 *
 * SEAM: implemented by the quotas owner (issue 10); the migration (issue 11) uses it as is.
 */
export type FreezeReason = 'storage-quota' | 'migration' | 'restore';

export interface FreezeState {
  tenant: string;
  reasons: FreezeReason[];
  /** The grants revoked when the first reason froze the tenant: role, resource (CQL form), permission. */
  revoked: { role: string; resource: string; permission: 'MODIFY' }[];
  since: string | null;
}

export interface WriteFreeze {
  /** Add a reason; the first reason revokes MODIFY (idempotent: a second call with the same reason changes nothing). */
  freeze(client: CqlClient, tenant: string, reason: FreezeReason, by: string | null): Promise<FreezeState>;
  /** Lift a reason; when none is left the recorded grants are restored exactly. */
  thaw(client: CqlClient, tenant: string, reason: FreezeReason, by: string | null): Promise<FreezeState>;
  state(client: CqlClient, tenant: string): Promise<FreezeState>;
}

export function writeFreeze(): WriteFreeze {
  const notYet = (): never => {
    throw new AppError('UNAVAILABLE', 'write freeze is being built');
  };
  return { freeze: notYet, thaw: notYet, state: notYet };
}
