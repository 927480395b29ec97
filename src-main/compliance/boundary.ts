import { AppError } from '../app/errors';
import type { CqlClient } from '../cassandra/connections';
import type { BoundaryEntry } from '../../src-shared/contract/compliance';
import { isMissingTable, ProfileStore } from './store';

/**
 * The boundary check other features call before they set keyspace replication or role DC access
 * for a tenant (tenancy's saga steps today; user creation and migration later). Refuses with
 * CONFLICT naming every DC outside the boundary. No boundary stored: nothing to refuse.
 */
export function checkWithinBoundary(tenant: string, boundary: readonly BoundaryEntry[] | null, dcs: readonly string[], what = 'data centres'): void {
  if (!boundary) return;
  const allowed = boundary.map((b) => b.dc);
  const outside = [...new Set(dcs)].filter((d) => !allowed.includes(d)).sort();
  if (outside.length) {
    throw new AppError('CONFLICT', `${what} ${outside.join(', ')} lie${outside.length === 1 ? 's' : ''} outside the compliance boundary of tenant ${tenant} (allowed: ${boundary.map((b) => `${b.dc} (${b.region})`).join(', ')}); refused`);
  }
}

/** Reads the stored boundary over a platform session (no cache: used inside sagas, which are rare). */
export async function assertWithinBoundary(client: CqlClient, tenant: string, dcs: readonly string[], what?: string): Promise<void> {
  let boundary: BoundaryEntry[] | null = null;
  try {
    boundary = (await new ProfileStore(client).get(tenant))?.boundary ?? null;
  } catch (e) {
    if (!isMissingTable(e)) throw e;
  }
  checkWithinBoundary(tenant, boundary, dcs, what);
}
