/**
 * Tenant lifecycle (DESIGN §4): draft → provisioning → active ⇄ suspended → decommissioning →
 * deleted, plus failed (resumable). Pure, so the UI can grey out what main would refuse.
 */
export const TENANT_STATES = ['draft', 'provisioning', 'active', 'suspended', 'migrating', 'decommissioning', 'deleted', 'failed'] as const;
export type TenantState = (typeof TENANT_STATES)[number];

const NEXT: Record<TenantState, readonly TenantState[]> = {
  // draft → failed: a saga that fails before placement; → decommissioning: its rollback.
  draft: ['provisioning', 'deleted', 'failed', 'decommissioning'],
  // provisioning → decommissioning: rolling back a saga interrupted mid-step (a killed console
  // could not record `failed`).
  provisioning: ['active', 'failed', 'decommissioning'],
  // A failed saga is resumed (back to provisioning) or rolled back (decommissioning).
  failed: ['provisioning', 'decommissioning'],
  // migrating (issue 11): writes paused for a migration's final sync; back to active on abort or
  // after the switch, or decommissioning once the copy elsewhere is verified and this one is cleaned up.
  active: ['suspended', 'migrating', 'decommissioning'],
  migrating: ['active', 'decommissioning'],
  suspended: ['active', 'decommissioning'],
  decommissioning: ['deleted', 'failed'],
  deleted: [],
};

export function canTransition(from: TenantState, to: TenantState): boolean {
  return NEXT[from].includes(to);
}

export function nextStates(from: TenantState): readonly TenantState[] {
  return NEXT[from];
}

/** Keyspace names of a tenant: `tenant_<id>_<name>`, and the reserved console keyspace `tenant_<id>_csm`. */
export const TENANT_CONSOLE_SUFFIX = 'csm';
export const tenantKeyspace = (id: string, name: string): string => `tenant_${id}_${name}`;
export const tenantConsoleKeyspace = (id: string): string => tenantKeyspace(id, TENANT_CONSOLE_SUFFIX);

/** A template keyspace suffix: no `_`, so `tenant_<id>_<suffix>` splits one way only. */
export const KEYSPACE_SUFFIX_PATTERN = /^[a-z][a-z0-9]{0,17}$/;

/** Is `ks` one of tenant `id`'s keyspaces by name (its console keyspace included)? */
export function isTenantKeyspace(id: string, ks: string): boolean {
  const prefix = `tenant_${id}_`;
  return ks.startsWith(prefix) && KEYSPACE_SUFFIX_PATTERN.test(ks.slice(prefix.length));
}

/** Cassandra's 48-character keyspace limit leaves 48 − len("tenant_" + id + "_") for the suffix. */
export function maxKeyspaceSuffix(id: string): number {
  return 48 - `tenant_${id}_`.length;
}
