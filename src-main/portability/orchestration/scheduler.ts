import type { BackupPolicy } from '../../../src-shared/contract/portability';
import type { Logger } from '../../app/log';
import type { HostKind } from '../../ipc/router';
import type { Db } from '../../store';
import { dueTenants } from './maths';
import { wire } from './backups';
import type { BackupRecord } from './system-repo';

export interface BackupSchedulerDeps {
  host: HostKind;
  /** Clusters this console is signed in to with platform scope. */
  clusters(): string[];
  /** Active tenants of a cluster (the mirror). */
  tenants(cluster: string): string[];
  /** Stored policies of a cluster, one read. */
  policies(cluster: string): Promise<Map<string, BackupPolicy>>;
  /** The cluster's backup catalogue, one read. */
  catalogue(cluster: string): Promise<Map<string, BackupRecord[]>>;
  /** A tenant's policy from its configuration (no stored policy): read at most once an hour per tenant. */
  configPolicy(cluster: string, tenant: string): Promise<BackupPolicy>;
  /** Take one scheduled backup and wait for it. */
  backup(cluster: string, tenant: string): Promise<void>;
  db: Db;
  logger: Logger;
  now?(): number;
  tickMs?: number;
}

const CONFIG_TTL_MS = 3_600_000;

/**
 * One backup scheduler per desktop/web console (never the one-shot CLI): one unref'd timer; each
 * tick reads the policies and the catalogue of every platform cluster once (two queries per
 * cluster, whatever the tenant count), takes the due backups one after another (a backup is an
 * export: running many at once would compete with the tenants' own load), and records each
 * attempt in the cache so a failing tenant is retried hourly, not on every tick.
 */
export class BackupScheduler {
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private current: Promise<void> | null = null;
  private readonly running = new Set<string>();
  private readonly configCache = new Map<string, { at: number; policy: BackupPolicy }>();
  backupsTaken = 0;
  lastTickAt: number | null = null;

  constructor(private readonly deps: BackupSchedulerDeps) {}

  get enabled(): boolean {
    return this.deps.host !== 'cli' && !this.closed;
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  start(): void {
    if (!this.enabled || this.timer) return;
    this.timer = setInterval(() => {
      if (!this.current) this.current = this.tick().then(() => undefined).finally(() => (this.current = null));
    }, this.deps.tickMs ?? 60_000);
    this.timer.unref();
  }

  private lastAttempt(cluster: string, tenant: string): { at: number; ok: boolean } | null {
    const r = this.deps.db.prepare<[string, string], { attempted_at: number; ok: number }>('SELECT attempted_at, ok FROM backup_schedule_attempts WHERE cluster = ? AND tenant = ?').get(cluster, tenant);
    return r ? { at: r.attempted_at, ok: r.ok === 1 } : null;
  }

  private record(cluster: string, tenant: string, ok: boolean, error: string | null): void {
    this.deps.db
      .prepare<[string, string, number, number, string | null]>(
        `INSERT INTO backup_schedule_attempts (cluster, tenant, attempted_at, ok, error) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (cluster, tenant) DO UPDATE SET attempted_at = excluded.attempted_at, ok = excluded.ok, error = excluded.error`,
      )
      .run(cluster, tenant, this.now(), ok ? 1 : 0, error);
  }

  private async policyOf(cluster: string, tenant: string, stored: Map<string, BackupPolicy>): Promise<BackupPolicy> {
    const s = stored.get(tenant);
    if (s) return s;
    const key = `${cluster}/${tenant}`;
    const hit = this.configCache.get(key);
    if (hit && this.now() - hit.at < CONFIG_TTL_MS) return hit.policy;
    const policy = await this.deps.configPolicy(cluster, tenant);
    this.configCache.set(key, { at: this.now(), policy });
    return policy;
  }

  /** One pass: what is due now, taken one by one. Returns the tenants backed up (cluster/tenant). */
  async tick(): Promise<string[]> {
    if (!this.enabled) return [];
    this.lastTickAt = this.now();
    const taken: string[] = [];
    for (const cluster of this.deps.clusters()) {
      try {
        const [stored, catalogue] = await Promise.all([this.deps.policies(cluster), this.deps.catalogue(cluster)]);
        const candidates = [];
        for (const tenant of this.deps.tenants(cluster)) {
          candidates.push({ cluster, tenant, policy: await this.policyOf(cluster, tenant, stored), backups: (catalogue.get(tenant) ?? []).map(wire) });
        }
        for (const due of dueTenants(candidates, this.now(), this.running, (c, t) => this.lastAttempt(c, t))) {
          if (this.closed) return taken;
          const key = `${due.cluster}/${due.tenant}`;
          this.running.add(key);
          try {
            await this.deps.backup(due.cluster, due.tenant);
            this.record(due.cluster, due.tenant, true, null);
            this.backupsTaken++;
            taken.push(key);
          } catch (e) {
            const msg = e instanceof Error ? e.message : String(e);
            this.record(due.cluster, due.tenant, false, msg);
            this.deps.logger.warn('scheduled backup failed', { cluster: due.cluster, tenant: due.tenant, error: msg });
          } finally {
            this.running.delete(key);
          }
        }
      } catch (e) {
        this.deps.logger.warn('backup schedule: reading policies failed', { cluster, error: e instanceof Error ? e.message : String(e) });
      }
    }
    return taken;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.current?.catch(() => undefined);
  }
}
