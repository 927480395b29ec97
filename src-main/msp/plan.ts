import type { ErrorCode } from '../../src-shared/contract/core';
import { BULK_MAX_TENANTS, type BulkAction, type BulkFilter, type BulkTarget, type PlanItem } from '../../src-shared/contract/msp';
import { canTransition, type TenantState } from '../../src-shared/rules/lifecycle';
import { filterTenants } from '../../src-shared/rules/tenant-filter';
import { AppError } from '../app/errors';
import type { RegistryTenant } from './derive';

/**
 * Bulk planning, pure: which tenants a selection names, and per tenant whether the action would
 * run, be skipped (nothing to do from its state) or be refused (unknown tenant, no platform scope
 * on its cluster, a channel this console lacks). The dry run returns exactly this; the real run
 * carries out the `run` items through the router, which checks scope and state again.
 */

/** The channel each action is carried out with, one call per tenant. */
export const ACTION_CHANNEL: Record<BulkAction['action'], string> = {
  suspend: 'tenant.suspend',
  resume: 'tenant.resume',
  'rotate-keys': 'keys.rotate',
  policy: 'compliance.set',
  template: 'config.setTemplate',
};

/** What the planner knows of a cluster: its registry rows, or why they could not be read. */
export type ClusterView = { status: 'ok'; tenants: Map<string, RegistryTenant> } | { status: 'error'; code: ErrorCode; message: string };

export interface PlanEnv {
  /** Clusters this console is signed in to with platform scope. */
  platform: ReadonlySet<string>;
  clusters: ReadonlyMap<string, ClusterView>;
  hasChannel(name: string): boolean;
}

export type Planned = Omit<PlanItem, 'approval'>;

const refuse = (t: BulkTarget, code: ErrorCode, detail: string, row?: RegistryTenant): Planned => ({ cluster: t.cluster, tenant: t.tenant, name: row?.name ?? null, state: row?.state ?? null, will: 'refuse', detail, code });
const skip = (t: BulkTarget, row: RegistryTenant, detail: string): Planned => ({ cluster: t.cluster, tenant: t.tenant, name: row.name, state: row.state, will: 'skip', detail, code: 'CONFLICT' });
const run = (t: BulkTarget, row: RegistryTenant, detail: string): Planned => ({ cluster: t.cluster, tenant: t.tenant, name: row.name, state: row.state, will: 'run', detail, code: null });

function stateChange(t: BulkTarget, row: RegistryTenant, from: TenantState, to: TenantState, verb: string, change: string): Planned {
  if (row.state === to) return skip(t, row, `already ${to}`);
  // lifecycle.ts is the one state machine; `from` narrows it to the edge this action means
  // (provisioning → active is a saga's edge, not a resume).
  if (row.state !== from || !canTransition(row.state, to)) return skip(t, row, `${row.state}: cannot be ${verb} (only a${from === 'active' ? 'n' : ''} ${from} tenant can; ${row.state} → ${to} is not a lifecycle step)`);
  return run(t, row, change);
}

export function planOne(action: BulkAction, t: BulkTarget, env: PlanEnv): Planned {
  if (!env.platform.has(t.cluster)) return refuse(t, 'FORBIDDEN', `not signed in to ${t.cluster} with platform scope`);
  const view = env.clusters.get(t.cluster);
  if (!view) return refuse(t, 'INTERNAL', `registry of ${t.cluster} was not read`);
  if (view.status === 'error') return refuse(t, view.code, view.message);
  const row = view.tenants.get(t.tenant);
  if (!row || row.state === 'deleted') return refuse(t, 'NOT_FOUND', `tenant ${t.tenant} is not registered on ${t.cluster}`);
  const channel = ACTION_CHANNEL[action.action];
  if (!env.hasChannel(channel)) return refuse(t, 'UNAVAILABLE', `${channel} is not available in this console`, row);
  switch (action.action) {
    case 'suspend':
      return stateChange(t, row, 'active', 'suspended', 'suspended', `active → suspended: LOGIN and permissions of every tenant role revoked, sessions closed (reason: ${action.reason})`);
    case 'resume':
      return stateChange(t, row, 'suspended', 'active', 'resumed', 'suspended → active: the logins and permissions the suspension took away are restored');
    case 'rotate-keys':
      if (row.state !== 'active' && row.state !== 'suspended') return skip(t, row, `${row.state}: keys are rotated for active or suspended tenants only`);
      return run(t, row, 'new KEK version, data keys rewrapped, cached values re-encrypted (an unfinished rotation is finished first)');
    case 'policy': {
      if (row.state !== 'active' && row.state !== 'suspended') return skip(t, row, `${row.state}: a compliance policy is set on active or suspended tenants only`);
      const parts = [
        ...(action.frameworks !== undefined ? [`frameworks → ${action.frameworks.length ? action.frameworks.join(', ') : 'none'}`] : []),
        ...(action.approvals !== undefined ? [`second person for → ${action.approvals.length ? action.approvals.join(', ') : 'nothing'}`] : []),
      ];
      return run(t, row, `compliance: ${parts.join('; ')}`);
    }
    case 'template':
      // Only active tenants: a suspended or half-built tenant's configuration is not re-based behind its back.
      if (row.state !== 'active') return skip(t, row, `${row.state}: only an active tenant is re-based on a template`);
      return run(t, row, `template ${row.template} → ${action.template} (inherited fields follow it; overridden fields keep their values)`);
  }
}

/** The same tenant named twice is one tenant: keep the first. */
export function dedupe(targets: readonly BulkTarget[]): BulkTarget[] {
  const seen = new Set<string>();
  const out: BulkTarget[] = [];
  for (const t of targets) {
    const k = `${t.cluster}/${t.tenant}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(t);
  }
  return out;
}

/** Tenants of the given registries that a filter selects (the Tenants screen's rules); deleted ones never. */
export function selectByFilter(clusters: ReadonlyMap<string, ClusterView>, filter: BulkFilter): BulkTarget[] {
  const rows: (RegistryTenant & { cluster: string })[] = [];
  for (const [cluster, v] of clusters) {
    if (v.status !== 'ok') continue;
    for (const t of v.tenants.values()) if (t.state !== 'deleted') rows.push({ ...t, cluster });
  }
  return filterTenants(rows, { ...(filter.text !== undefined ? { text: filter.text } : {}), ...(filter.states ? { states: filter.states } : {}), ...(filter.clusters ? { clusters: filter.clusters } : {}), sort: { key: 'id', dir: 'asc' } }).map((r) => ({ cluster: r.cluster, tenant: r.id }));
}

/** Refuse what cannot be an operation, before anything is planned or recorded. */
export function checkSelection(targets: readonly BulkTarget[], how: string): void {
  if (targets.length === 0) throw new AppError('BAD_INPUT', `the selection is empty (${how}): nothing to do`);
  if (targets.length > BULK_MAX_TENANTS) {
    throw new AppError('BAD_INPUT', `${how} selects ${targets.length} tenants; a bulk operation takes at most ${BULK_MAX_TENANTS} (narrow the filter or split the selection)`);
  }
}

export function describeSelection(input: { targets?: readonly BulkTarget[] | undefined; filter?: BulkFilter | undefined }): string {
  if (input.targets) {
    const n = input.targets.length;
    const shown = input.targets.slice(0, 5).map((t) => `${t.cluster}/${t.tenant}`).join(', ');
    return `${n} named tenant${n === 1 ? '' : 's'}: ${shown}${n > 5 ? `, … (${n - 5} more)` : ''}`;
  }
  const f = input.filter ?? {};
  const parts = [
    ...(f.text ? [`text "${f.text}"`] : []),
    ...(f.states?.length ? [`state ${f.states.join('|')}`] : []),
    ...(f.clusters?.length ? [`cluster ${f.clusters.join('|')}`] : []),
  ];
  return `filter: ${parts.length ? parts.join(', ') : 'every tenant'}`;
}

export function actionLabel(a: BulkAction): string {
  switch (a.action) {
    case 'suspend':
      return `suspend (${a.reason})`;
    case 'policy':
      return 'set compliance policy';
    case 'template':
      return `template → ${a.template}`;
    default:
      return a.action;
  }
}
