import type { OperatorScope } from '../../../src-shared/contract/clusters';
import type { Saga, TenantDetail, TenantSummary } from '../../../src-shared/contract/tenants';
import type { TenantState } from '../../../src-shared/rules/lifecycle';

/** Seven states in a fixed cycle: the list tests' expected counts are worked out from it. */
const FIXTURE_STATES: readonly TenantState[] = ['draft', 'provisioning', 'active', 'suspended', 'decommissioning', 'deleted', 'failed'];
import { DEFAULT_TEMPLATE } from '../../../src-shared/rules/templates';

export function summary(id: string, extra: Partial<TenantSummary> = {}): TenantSummary {
  return {
    id,
    cluster: 'prod',
    name: `${id[0]?.toUpperCase()}${id.slice(1)} Ltd`,
    tier: 'standard',
    state: 'active',
    isolation: 'keyspace',
    template: 'default',
    dataCenters: ['dc1'],
    color: '#aa3300',
    createdAt: '2024-01-01T00:00:00.000Z',
    updatedAt: '2024-01-02T00:00:00.000Z',
    online: true,
    syncedAt: '2024-01-02T00:00:00.000Z',
    ...extra,
  };
}

export function manyTenants(n: number): TenantSummary[] {
  const tiers = ['basic', 'standard', 'premium', 'enterprise'] as const;
  return Array.from({ length: n }, (_, i) =>
    summary(`t${String(i).padStart(5, '0')}`, {
      name: `Tenant ${i}${i % 10 === 0 ? ' Acme' : ''}`,
      cluster: i % 2 ? 'eu' : 'us',
      state: FIXTURE_STATES[i % FIXTURE_STATES.length]!,
      tier: tiers[i % 4]!,
      online: i % 3 !== 0,
    }),
  );
}

export const STEPS = [
  ['reserve', 'Reserve the tenant id'],
  ['keyspaces', 'Create keyspaces and tables'],
  ['keys', 'Generate tenant keys'],
  ['roles', 'Create roles and grants'],
  ['admin', 'Create the admin user'],
  ['config', 'Apply template config'],
  ['activate', 'Activate'],
] as const;

export const JOB_ID = '6f1c7a52-3c1e-4f6e-9a55-2b8a8c7f0a11';

/** A saga whose first `done` steps are done and the next is in `current` state. */
export function saga(done: number, current: 'running' | 'failed' | 'pending' = 'running', extra: Partial<Saga> = {}): Saga {
  const failed = current === 'failed';
  return {
    jobId: JOB_ID,
    cluster: 'prod',
    tenantId: 'acme',
    kind: 'create',
    state: done >= STEPS.length ? 'succeeded' : failed ? 'failed' : 'running',
    steps: STEPS.map(([name, label], i) => ({
      name,
      label,
      state: i < done ? 'done' : i === done ? current : 'pending',
      message: failed && i === done ? 'UNAVAILABLE: node went away' : null,
    })),
    error: failed ? 'step admin failed: UNAVAILABLE' : null,
    startedBy: 'cassandra',
    startedAt: '2024-01-03T00:00:00.000Z',
    updatedAt: `2024-01-03T00:00:0${Math.min(done, 9)}.${failed ? 5 : 0}00Z`,
    needsAdminPassword: false,
    ...extra,
  };
}

export function detail(t: TenantSummary = summary('acme'), extra: Partial<TenantDetail> = {}): TenantDetail {
  return {
    tenant: t,
    keyspaces: [
      { name: `tenant_${t.id}_data`, tables: ['events'], replication: { class: 'org.apache.cassandra.locator.NetworkTopologyStrategy', dc1: '1' } },
      { name: `tenant_${t.id}_csm`, tables: ['config', 'audit'], replication: { class: 'org.apache.cassandra.locator.NetworkTopologyStrategy', dc1: '1' } },
    ],
    roles: [
      { name: `tenant_${t.id}_admin`, kind: 'admin', login: false, memberOf: [], dataCenters: 'dc1' },
      { name: `tenant_${t.id}_u_admin`, kind: 'user', login: true, memberOf: [`tenant_${t.id}_admin`], dataCenters: 'dc1' },
    ],
    jobs: [saga(STEPS.length, 'running', { tenantId: t.id })],
    config: { ...DEFAULT_TEMPLATE.config },
    features: { ...DEFAULT_TEMPLATE.features },
    quotas: { ...DEFAULT_TEMPLATE.quotas },
    suspendedAt: null,
    access: 'platform',
    ...extra,
  };
}

export const platformScope: OperatorScope = {
  cluster: 'prod',
  role: 'cassandra',
  superuser: true,
  roles: ['cassandra'],
  platform: true,
  tenantAdmin: [],
  auditor: 'all',
  tenants: [],
};
