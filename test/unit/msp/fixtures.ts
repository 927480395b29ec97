import type { ChannelName, Result } from '../../../src-shared/contract';
import type { BulkOutcome, BulkResult } from '../../../src-shared/contract/msp';
import { EventBus } from '../../../src-main/app/events';
import { JobRunner } from '../../../src-main/app/jobs';
import { silentLogger } from '../../../src-main/app/log';
import type { ClusterReads, RegistryTenant } from '../../../src-main/msp/derive';
import type { BulkHeader, BulkRecords, StoredOperation, StoredSummary } from '../../../src-main/msp/records';
import { MspService, type MspPorts } from '../../../src-main/msp/service';
import type { TenantState } from '../../../src-shared/rules/lifecycle';

export const T0 = '2026-01-01T00:00:00.000Z';

export function tenant(id: string, state: TenantState = 'active', extra: Partial<RegistryTenant> = {}): RegistryTenant {
  return {
    id,
    name: `Tenant ${id}`,
    tier: 'standard',
    template: 'default',
    state,
    createdAt: T0,
    updatedAt: T0,
    suspendedAt: null,
    keyspaces: [`tenant_${id}_csm`, `tenant_${id}_data`],
    roles: [`tenant_${id}_admin`, `tenant_${id}_auditor`, `tenant_${id}_svc`, `tenant_${id}_u_boss`],
    ...extra,
  };
}

export function reads(cluster: string, tenants: RegistryTenant[], over: Partial<ClusterReads> = {}): ClusterReads {
  const at = T0;
  return {
    cluster,
    at,
    registry: { status: 'ok', value: tenants, at },
    tables: { status: 'ok', value: new Map(tenants.flatMap((t) => t.keyspaces.map((k) => [k, k.endsWith('_csm') ? 4 : 2] as const))), at },
    sagas: { status: 'ok', value: [], at },
    keys: { status: 'ok', value: [], at },
    isolation: { status: 'ok', value: { scannedAt: null, byTenant: new Map() }, at },
    compliance: { status: 'unavailable', message: 'compliance.list is not available in this console' },
    approvals: { status: 'unavailable', message: 'approval.list is not available in this console' },
    support: { status: 'unavailable', message: 'support.list is not available in this console' },
    ...over,
  };
}

/** csm_system in memory: what CassandraBulkRecords stores, keyed the same way. */
export class MemoryRecords implements BulkRecords {
  ops = new Map<string, StoredOperation & { counts: Record<string, number> | null }>();
  failCreate = false;
  async create(h: BulkHeader, results: BulkResult[]): Promise<void> {
    if (this.failCreate) throw new Error('csm_system unavailable');
    this.ops.set(h.id, { ...h, state: 'running', finishedAt: null, updatedAt: new Date().toISOString(), results: results.map((r) => ({ ...r })), counts: null });
  }
  async result(h: BulkHeader, r: BulkResult, counts: Record<BulkOutcome, number>): Promise<void> {
    const op = this.ops.get(h.id)!;
    op.results = op.results.map((x) => (x.cluster === r.cluster && x.tenant === r.tenant ? { ...r } : x));
    op.counts = { ...counts };
    op.updatedAt = new Date().toISOString();
  }
  async finish(h: BulkHeader, state: 'finished' | 'cancelled', counts: Record<BulkOutcome, number>): Promise<void> {
    const op = this.ops.get(h.id)!;
    op.state = state;
    op.counts = { ...counts };
    op.finishedAt = new Date().toISOString();
  }
  async touch(): Promise<void> {}
  async get(id: string): Promise<StoredOperation | null> {
    const op = this.ops.get(id);
    return op ? { ...op, results: op.results.map((r) => ({ ...r })) } : null;
  }
  async list(limit: number): Promise<StoredSummary[]> {
    return [...this.ops.values()].slice(0, limit).map((o) => ({ ...o }));
  }
}

type Dispatch = (channel: ChannelName, input: Record<string, unknown>) => Promise<Result<unknown>> | Result<unknown>;

/** A service over fakes: registries per cluster, a recording dispatch, real JobRunner and EventBus. */
export function fakeService(opts: { registries: Record<string, RegistryTenant[]>; platform?: string[]; dispatch?: Dispatch; approval?: (cluster: string, tenant: string, channel: ChannelName) => boolean; channels?: string[] }) {
  const calls: { channel: string; input: Record<string, unknown> }[] = [];
  const records = new Map<string, MemoryRecords>();
  const bus = new EventBus();
  const events: unknown[] = [];
  bus.subscribe((name, payload) => {
    if (name === 'bulk.result') events.push(payload);
  });
  const jobs = new JobRunner({ store: { upsert: () => undefined, list: () => [] }, bus });
  const platform = opts.platform ?? Object.keys(opts.registries);
  const channels = new Set(opts.channels ?? ['tenant.suspend', 'tenant.resume', 'keys.rotate']);
  const ports: MspPorts = {
    platformClusters: () => platform,
    operatorOf: () => 'cassandra',
    readCluster: async (c) => reads(c, opts.registries[c] ?? []),
    mirror: async () => [],
    registry: async (c) => {
      const r = opts.registries[c];
      if (!r) throw new Error(`no registry ${c}`);
      return r.map((t) => ({ ...t }));
    },
    dispatch: async (channel, input) => {
      calls.push({ channel, input: input as Record<string, unknown> });
      return opts.dispatch ? opts.dispatch(channel, input as Record<string, unknown>) : { ok: true, value: { state: channel === 'tenant.suspend' ? 'suspended' : 'active' } };
    },
    hasChannel: (n) => channels.has(n),
    approvalPolicy: { requiresApproval: async (c, t, ch) => opts.approval?.(c, t, ch) ?? false },
    jobs,
    records: (c) => {
      let r = records.get(c);
      if (!r) records.set(c, (r = new MemoryRecords()));
      return r;
    },
    emitResult: (p) => bus.emit('bulk.result', p),
    logger: silentLogger,
    ownerId: 'me',
  };
  return { svc: new MspService(ports), calls, records, jobs, events, ports };
}
