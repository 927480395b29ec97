import type { Db } from './db';

/** A registry row as this console last saw it on its cluster (store migration 2). */
export interface MirroredTenant {
  cluster: string;
  id: string;
  name: string;
  tier: string;
  state: string;
  isolation: 'keyspace' | 'cluster';
  template: string;
  dataCenters: string[];
  color: string | null;
  createdAt: string;
  updatedAt: string;
  syncedAt: string;
}

interface Row {
  cluster: string;
  id: string;
  name: string;
  tier: string;
  state: string;
  isolation: string;
  template: string;
  data_centers: string;
  color: string | null;
  created_at: string;
  updated_at: string;
  synced_at: string;
}

const fromRow = (r: Row): MirroredTenant => ({
  cluster: r.cluster,
  id: r.id,
  name: r.name,
  tier: r.tier,
  state: r.state,
  isolation: r.isolation === 'cluster' ? 'cluster' : 'keyspace',
  template: r.template,
  dataCenters: JSON.parse(r.data_centers) as string[],
  color: r.color,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  syncedAt: r.synced_at,
});

/** The local mirror of every cluster's tenant registry: fast (10,000 rows) and offline listing. */
export class TenantMirrorRepo {
  private readonly s;

  constructor(private readonly db: Db) {
    this.s = {
      upsert: db.prepare<[Row]>(
        `INSERT INTO tenant_mirror (cluster, id, name, tier, state, isolation, template, data_centers, color, created_at, updated_at, synced_at)
         VALUES (@cluster, @id, @name, @tier, @state, @isolation, @template, @data_centers, @color, @created_at, @updated_at, @synced_at)
         ON CONFLICT (cluster, id) DO UPDATE SET name = excluded.name, tier = excluded.tier, state = excluded.state,
           isolation = excluded.isolation, template = excluded.template, data_centers = excluded.data_centers,
           color = excluded.color, created_at = excluded.created_at, updated_at = excluded.updated_at, synced_at = excluded.synced_at`,
      ),
      all: db.prepare<[], Row>('SELECT * FROM tenant_mirror ORDER BY id, cluster'),
      byCluster: db.prepare<[string], Row>('SELECT * FROM tenant_mirror WHERE cluster = ?'),
      get: db.prepare<[string, string], Row>('SELECT * FROM tenant_mirror WHERE cluster = ? AND id = ?'),
      byId: db.prepare<[string], Row>('SELECT * FROM tenant_mirror WHERE id = ?'),
      del: db.prepare<[string, string]>('DELETE FROM tenant_mirror WHERE cluster = ? AND id = ?'),
      wipeSealed: db.prepare<[string]>('DELETE FROM sealed_values WHERE tenant_id = ?'),
      wipeJournal: db.prepare<[string]>('DELETE FROM key_rotation_journal WHERE tenant_id = ?'),
    };
  }

  upsert(t: MirroredTenant): void {
    this.s.upsert.run({
      cluster: t.cluster,
      id: t.id,
      name: t.name,
      tier: t.tier,
      state: t.state,
      isolation: t.isolation,
      template: t.template,
      data_centers: JSON.stringify(t.dataCenters),
      color: t.color,
      created_at: t.createdAt,
      updated_at: t.updatedAt,
      synced_at: t.syncedAt,
    });
  }

  /** Replace one cluster's rows with what its registry holds now, in one transaction. */
  replaceCluster(cluster: string, rows: MirroredTenant[]): void {
    const keep = new Set(rows.map((r) => r.id));
    this.db.transaction(() => {
      for (const old of this.s.byCluster.all(cluster)) if (!keep.has(old.id)) this.s.del.run(cluster, old.id);
      for (const r of rows) this.upsert(r);
    })();
  }

  all(): MirroredTenant[] {
    return this.s.all.all().map(fromRow);
  }

  get(cluster: string, id: string): MirroredTenant | null {
    const r = this.s.get.get(cluster, id);
    return r ? fromRow(r) : null;
  }

  /** Every cluster holding this id (ids are unique per console, so at most one outside tests). */
  byId(id: string): MirroredTenant[] {
    return this.s.byId.all(id).map(fromRow);
  }

  delete(cluster: string, id: string): void {
    this.s.del.run(cluster, id);
  }

  /** Delete with purge: every encrypted cached value of the tenant goes (they no longer decrypt anyway). */
  wipeCachedValues(tenantId: string): number {
    return this.db.transaction(() => {
      const n = this.s.wipeSealed.run(tenantId).changes;
      this.s.wipeJournal.run(tenantId);
      return n;
    })();
  }
}
