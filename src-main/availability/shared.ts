import { randomUUID } from 'node:crypto';
import type { MaintenanceWindow } from '../../src-shared/contract/availability';
import type { CqlClient } from '../cassandra/connections';
import { fromDriverError } from '../cassandra/driver-errors';
import { qualified } from '../cassandra/identifiers';

const TARGETS = qualified('csm_system', 'availability_targets');
const WINDOWS = qualified('csm_system', 'availability_windows');
const Q = { prepare: true, consistency: 0x06 } as const;

export interface SharedTarget {
  tenant: string;
  percent: number;
  updatedBy: string | null;
  updatedAt: number | null;
}

async function run<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw fromDriverError(e, what);
  }
}

const windowOf = (r: Record<string, unknown>): MaintenanceWindow & { tenant: string } => ({
  tenant: String(r['tenant_id']),
  id: String(r['id']),
  startsAt: (r['starts_at'] as Date).toISOString(),
  endsAt: (r['ends_at'] as Date).toISOString(),
  reason: String(r['reason'] ?? ''),
  createdBy: typeof r['created_by'] === 'string' ? (r['created_by'] as string) : null,
});

/** csm_system targets and maintenance windows (migration 10), over a platform operator's session. */
export class SharedAvailability {
  constructor(private readonly client: CqlClient) {}

  target(tenant: string): Promise<SharedTarget | null> {
    return run(`reading the SLA target of ${tenant}`, async () => {
      const r = (await this.client.execute(`SELECT tenant_id, percent, updated_by, updated_at FROM ${TARGETS} WHERE tenant_id = ?`, [tenant], Q)).rows[0];
      return r ? { tenant, percent: Number(r['percent']), updatedBy: (r['updated_by'] as string | null) ?? null, updatedAt: r['updated_at'] instanceof Date ? (r['updated_at'] as Date).getTime() : null } : null;
    });
  }

  /** Every target of the cluster, paged (10,000 tenants: two pages). */
  allTargets(): Promise<SharedTarget[]> {
    return run('reading SLA targets', async () => {
      const out: SharedTarget[] = [];
      for await (const r of await this.client.execute(`SELECT tenant_id, percent, updated_by, updated_at FROM ${TARGETS}`, [], { ...Q, fetchSize: 5000 })) {
        out.push({ tenant: String(r['tenant_id']), percent: Number(r['percent']), updatedBy: (r['updated_by'] as string | null) ?? null, updatedAt: r['updated_at'] instanceof Date ? (r['updated_at'] as Date).getTime() : null });
      }
      return out;
    });
  }

  putTarget(tenant: string, percent: number, by: string | null, at: Date): Promise<void> {
    return run(`saving the SLA target of ${tenant}`, async () => {
      await this.client.execute(`INSERT INTO ${TARGETS} (tenant_id, percent, updated_by, updated_at) VALUES (?, ?, ?, ?)`, [tenant, percent, by, at], Q);
    });
  }

  windows(tenant: string): Promise<MaintenanceWindow[]> {
    return run(`reading the maintenance windows of ${tenant}`, async () =>
      (await this.client.execute(`SELECT tenant_id, id, starts_at, ends_at, reason, created_by FROM ${WINDOWS} WHERE tenant_id = ?`, [tenant], Q)).rows.map(windowOf).map(({ tenant: _t, ...w }) => w),
    );
  }

  allWindows(): Promise<(MaintenanceWindow & { tenant: string })[]> {
    return run('reading maintenance windows', async () => {
      const out: (MaintenanceWindow & { tenant: string })[] = [];
      for await (const r of await this.client.execute(`SELECT tenant_id, id, starts_at, ends_at, reason, created_by FROM ${WINDOWS}`, [], { ...Q, fetchSize: 5000 })) out.push(windowOf(r));
      return out;
    });
  }

  addWindow(tenant: string, startsAt: Date, endsAt: Date, reason: string, by: string | null): Promise<MaintenanceWindow> {
    const id = randomUUID();
    return run(`saving a maintenance window of ${tenant}`, async () => {
      await this.client.execute(`INSERT INTO ${WINDOWS} (tenant_id, id, starts_at, ends_at, reason, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`, [tenant, id, startsAt, endsAt, reason, by, new Date()], Q);
      return { id, startsAt: startsAt.toISOString(), endsAt: endsAt.toISOString(), reason, createdBy: by };
    });
  }

  removeWindow(tenant: string, id: string): Promise<void> {
    return run(`removing a maintenance window of ${tenant}`, async () => {
      await this.client.execute(`DELETE FROM ${WINDOWS} WHERE tenant_id = ? AND id = ?`, [tenant, id], Q);
    });
  }
}
