import type { QuotaResource, UsageSample } from '../../src-shared/contract/resources';

/**
 * What the metering part gives the other resource parts (issue 10): quotas read usage against
 * limits, billing integrates samples over a period, analytics and noisy-neighbour detection read
 * every tenant's latest figures. Samples come from Cassandra (csm_system.usage_samples, the
 * platform's copy) so every console bills the same figures; the cache is a fallback/speed-up.
 */
/*
 * Figure semantics (src-main/resources/metering/maths.ts deriveFigures):
 * - levels at the sample's time: storage_bytes (SSTables on disk, estimate), keyspaces, tables,
 *   users, certificates (exact), connections, read/write_latency_p99_ms; integrate these over time;
 * - counts over the interval since the tenant's previous sample: reads, writes (per-table node
 *   counters), requests (client request_count deltas) — SUM them, never integrate; null on a
 *   tenant's first sample (the counters' baseline);
 * - console_ops: router-audited calls naming the tenant in the hour before the sample, through the
 *   console that took it.
 * A figure whose precision is 'unavailable' has value null.
 */
export interface UsageReader {
  /** Sample one tenant now (platform scope), store it (cache + Cassandra) and return it. */
  collect(cluster: string, tenant: string, trigger: 'schedule' | 'manual'): Promise<UsageSample>;
  /** The newest stored sample of a tenant, or null. */
  latest(cluster: string, tenant: string): Promise<UsageSample | null>;
  /** Stored samples with fromMs <= at <= toMs, oldest first; plus the last sample before fromMs (for integration). */
  samples(cluster: string, tenant: string, fromMs: number, toMs: number): Promise<UsageSample[]>;
  /** The newest sample of every tenant registered on the cluster. */
  latestAll(cluster: string): Promise<UsageSample[]>;
  /** The metering interval (ms) samples are expected at; a decision on an older sample should sample first. */
  intervalMs?(): number;
}

/** What the quotas part gives others: a check before a console operation consumes a resource. */
export interface QuotaChecker {
  /**
   * Throws QUOTA_EXCEEDED (with the figure) when `adding` more of `resource` would pass the hard
   * limit in force; returns a warning text when it passes the soft limit, else null.
   */
  check(cluster: string, tenant: string, resource: QuotaResource, adding: number): Promise<string | null>;
}
