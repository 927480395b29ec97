import type { Db } from '../../store';
import { HOUR_MS } from './rules';

/**
 * The sliding-hour console-operation counter (cache migration 7): one row per tenant-naming
 * mutating call this console routed, kept an hour. Local to the console: each console counts the
 * calls it makes, which is what "console operations per hour" limits.
 */
export class OpsCounter {
  constructor(private readonly db: Db, private readonly now: () => number = Date.now) {}

  record(cluster: string, tenant: string, channel: string): void {
    const t = this.now();
    this.db.prepare('INSERT INTO quota_ops (cluster, tenant, at_ms, channel) VALUES (?, ?, ?, ?)').run(cluster, tenant, t, channel);
    this.db.prepare('DELETE FROM quota_ops WHERE cluster = ? AND tenant = ? AND at_ms <= ?').run(cluster, tenant, t - HOUR_MS);
  }

  /** Calls within the hour ending now (not a clock hour). */
  count(cluster: string, tenant: string): number {
    const t = this.now();
    const r = this.db.prepare('SELECT COUNT(*) AS n FROM quota_ops WHERE cluster = ? AND tenant = ? AND at_ms > ? AND at_ms <= ?').get(cluster, tenant, t - HOUR_MS, t) as { n: number };
    return r.n;
  }
}
