import { z } from 'zod';
import { usageFigureSchema, type UsageSample } from '../../../src-shared/contract/resources';
import { tenantConsoleKeyspace } from '../../../src-shared/rules/lifecycle';
import { AppError } from '../../app/errors';
import type { CqlClient } from '../../cassandra/connections';
import { fromDriverError } from '../../cassandra/driver-errors';
import { qualified } from '../../cassandra/identifiers';
import { waitForAgreement } from '../../cassandra/system-schema';
import type { Db } from '../../store';
import type { RawCounters } from './maths';
import { TENANT_USAGE_TABLE, tenantUsageDdl } from './schema';

const Q = { prepare: true, consistency: 0x06 } as const; // LOCAL_QUORUM
const LWT = { prepare: true, consistency: 0x06, serialConsistency: 0x09 } as const; // LOCAL_SERIAL
const SAMPLES = qualified('csm_system', 'usage_samples');
const LATEST = qualified('csm_system', 'usage_latest');
const ALERTS = qualified('csm_system', 'usage_alerts');
export const DAY_MS = 86_400_000;

export interface StoredSample {
  sample: UsageSample;
  raw: RawCounters | null;
}
export interface UsageAlert {
  tenant: string;
  at: string;
  kind: 'requests' | 'storage';
  share: number;
  threshold: number;
}

const figuresSchema = z.array(usageFigureSchema);
const hostCountersSchema = z.object({ tables: z.record(z.string(), z.tuple([z.number(), z.number()])), clients: z.record(z.string(), z.number()), incomplete: z.literal(true).optional() });
/** Per node (host id) since multi-node metering. */
const rawSchema = z.object({ hosts: z.record(z.string(), hostCountersSchema) });
/** The older single-node format ({tables, clients, host?}): read as a baseline for every node, never as a reset. */
const legacyRawSchema = hostCountersSchema.extend({ host: z.string().optional() });

const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
/** Every UTC day from `from` to `to` (inclusive), as 'YYYY-MM-DD'. */
export function daysBetween(fromMs: number, toMs: number): string[] {
  const out: string[] = [];
  for (let d = Math.floor(fromMs / DAY_MS) * DAY_MS; d <= toMs; d += DAY_MS) out.push(dayOf(d));
  return out;
}

function parseFigures(text: unknown, where: string): UsageSample['figures'] {
  try {
    return figuresSchema.parse(JSON.parse(String(text)));
  } catch {
    throw new AppError('INTERNAL', `${where}: stored figures are not valid`);
  }
}
function parseRaw(text: unknown): RawCounters | null {
  if (typeof text !== 'string' || !text) return null;
  try {
    const json: unknown = JSON.parse(text);
    const now = rawSchema.safeParse(json);
    if (now.success) return now.data;
    legacyRawSchema.parse(json);
    return { hosts: {}, legacy: true };
  } catch {
    return null; // a damaged base only costs one delta: the next sample is a baseline again
  }
}
const trig = (v: unknown): 'schedule' | 'manual' => (v === 'schedule' ? 'schedule' : 'manual');
const at = (v: unknown): string => (v instanceof Date ? v : new Date(String(v))).toISOString();

async function guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw e instanceof AppError ? e : fromDriverError(e, what);
  }
}

async function all(client: CqlClient, q: string, params: unknown[]): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for await (const r of await client.execute(q, params, { ...Q, fetchSize: 1000 })) out.push(r as unknown as Record<string, unknown>);
  return out;
}

/** Chunks of at most 100 days (an IN list per query). */
function dayChunks(fromMs: number, toMs: number): string[][] {
  const days = daysBetween(fromMs, toMs);
  const out: string[][] = [];
  for (let i = 0; i < days.length; i += 100) out.push(days.slice(i, i + 100));
  return out;
}

/** The platform's copy in csm_system (migration 11). */
export class PlatformUsage {
  constructor(private readonly client: CqlClient) {}

  /**
   * Store a sample whose deltas were taken against the latest sample at `prevAt` (null: there was
   * none). usage_latest moves only from that sample to this one (a lightweight transaction), so a
   * console or scheduler that stored a sample meanwhile is never overwritten by an older one and
   * no two samples bill the same interval: false when that race was lost (nothing stored).
   */
  async put(tenant: string, s: UsageSample, raw: RawCounters, prevAt: string | null): Promise<boolean> {
    const when = new Date(s.at);
    const figures = JSON.stringify(s.figures);
    const rawText = JSON.stringify(raw);
    return guard(`storing the usage sample of ${tenant}`, async () => {
      const rs =
        prevAt === null
          ? await this.client.execute(`INSERT INTO ${LATEST} (tenant_id, at, trigger, figures, raw) VALUES (?, ?, ?, ?, ?) IF NOT EXISTS`, [tenant, when, s.trigger, figures, rawText], LWT)
          : await this.client.execute(`UPDATE ${LATEST} SET at = ?, trigger = ?, figures = ?, raw = ? WHERE tenant_id = ? IF at = ?`, [when, s.trigger, figures, rawText, tenant, new Date(prevAt)], LWT);
      if (rs.rows[0]?.['[applied]'] !== true) return false;
      await this.client.execute(`INSERT INTO ${SAMPLES} (tenant_id, day, at, trigger, figures, raw) VALUES (?, ?, ?, ?, ?, ?)`, [tenant, dayOf(when.getTime()), when, s.trigger, figures, rawText], Q);
      return true;
    });
  }

  async latest(tenant: string): Promise<StoredSample | null> {
    return guard(`reading the latest usage of ${tenant}`, async () => {
      const r = (await this.client.execute(`SELECT at, trigger, figures, raw FROM ${LATEST} WHERE tenant_id = ?`, [tenant], Q)).first();
      if (!r) return null;
      return { sample: { tenant, at: at(r['at']), trigger: trig(r['trigger']), figures: parseFigures(r['figures'], `usage_latest[${tenant}]`) }, raw: parseRaw(r['raw']) };
    });
  }

  async latestAll(): Promise<UsageSample[]> {
    return guard('reading the latest usage of every tenant', async () =>
      (await all(this.client, `SELECT tenant_id, at, trigger, figures FROM ${LATEST}`, [])).map((r) => ({
        tenant: String(r['tenant_id']),
        at: at(r['at']),
        trigger: trig(r['trigger']),
        figures: parseFigures(r['figures'], `usage_latest[${String(r['tenant_id'])}]`),
      })),
    );
  }

  /** fromMs <= at <= toMs, oldest first, plus the last sample before fromMs (looked for up to `lookbackDays` back). */
  async samples(tenant: string, fromMs: number, toMs: number, lookbackDays = 35): Promise<UsageSample[]> {
    return guard(`reading the usage samples of ${tenant}`, async () => {
      const out: UsageSample[] = [];
      const of = (r: Record<string, unknown>): UsageSample => ({ tenant, at: at(r['at']), trigger: trig(r['trigger']), figures: parseFigures(r['figures'], `usage_samples[${tenant}]`) });
      const before = await all(this.client, `SELECT at, trigger, figures FROM ${SAMPLES} WHERE tenant_id = ? AND day IN ? AND at < ? PER PARTITION LIMIT 1`, [tenant, daysBetween(fromMs - lookbackDays * DAY_MS, fromMs), new Date(fromMs)]);
      const last = before.map(of).sort((a, b) => Date.parse(b.at) - Date.parse(a.at))[0];
      if (last) out.push(last);
      for (const days of dayChunks(fromMs, toMs)) {
        for (const r of await all(this.client, `SELECT at, trigger, figures FROM ${SAMPLES} WHERE tenant_id = ? AND day IN ? AND at >= ? AND at <= ?`, [tenant, days, new Date(fromMs), new Date(toMs)])) out.push(of(r));
      }
      return out.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    });
  }

  async putAlert(a: UsageAlert, detail: string): Promise<void> {
    await guard(`recording the noisy-neighbour alert of ${a.tenant}`, () => this.client.execute(`INSERT INTO ${ALERTS} (tenant_id, at, kind, share, threshold, detail) VALUES (?, ?, ?, ?, ?, ?)`, [a.tenant, new Date(a.at), a.kind, a.share, a.threshold, detail], Q));
  }

  async alerts(tenants: string[], sinceMs: number): Promise<UsageAlert[]> {
    if (tenants.length === 0) return [];
    return guard('reading noisy-neighbour alerts', async () => {
      const out: UsageAlert[] = [];
      for (let i = 0; i < tenants.length; i += 100) {
        for (const r of await all(this.client, `SELECT tenant_id, at, kind, share, threshold FROM ${ALERTS} WHERE tenant_id IN ? AND at >= ?`, [tenants.slice(i, i + 100), new Date(sinceMs)])) {
          out.push({ tenant: String(r['tenant_id']), at: at(r['at']), kind: r['kind'] === 'storage' ? 'storage' : 'requests', share: Number(r['share']), threshold: Number(r['threshold']) });
        }
      }
      return out.sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
    });
  }
}

/** The tenant's own copy in `tenant_<id>_csm.usage_samples` (admins and auditors read it with their keyspace SELECT). */
export class TenantUsage {
  private readonly ensured = new Set<string>();

  private table(tenant: string) {
    return qualified(tenantConsoleKeyspace(tenant), TENANT_USAGE_TABLE);
  }

  /** Platform session. Creates the table on demand; false when the console keyspace does not exist. */
  async ensure(client: CqlClient, cluster: string, tenant: string): Promise<boolean> {
    const k = `${cluster}\u0000${tenant}`;
    if (this.ensured.has(k)) return true;
    return guard(`preparing the usage table of ${tenant}`, async () => {
      const ks = tenantConsoleKeyspace(tenant);
      const have = await client.execute('SELECT table_name FROM system_schema.tables WHERE keyspace_name = ? AND table_name = ?', [ks, TENANT_USAGE_TABLE], { prepare: true });
      if (have.rowLength === 0) {
        const exists = await client.execute('SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = ?', [ks], { prepare: true });
        if (exists.rowLength === 0) return false;
        await client.execute(tenantUsageDdl(this.table(tenant)));
        await waitForAgreement(client, `usage table of ${tenant}`);
      }
      this.ensured.add(k);
      return true;
    });
  }

  forget(cluster: string, tenant: string): void {
    this.ensured.delete(`${cluster}\u0000${tenant}`);
  }

  async put(client: CqlClient, s: UsageSample): Promise<void> {
    const when = new Date(s.at);
    await guard(`storing the tenant's copy of its usage sample`, () => client.execute(`INSERT INTO ${this.table(s.tenant)} (day, at, trigger, figures) VALUES (?, ?, ?, ?)`, [dayOf(when.getTime()), when, s.trigger, JSON.stringify(s.figures)], Q));
  }

  /** The tenant's own session (admin/auditor). An absent table reads as no samples. */
  async samples(client: CqlClient, tenant: string, fromMs: number, toMs: number): Promise<{ latest: UsageSample | null; samples: UsageSample[] }> {
    return guard(`reading the usage samples of ${tenant}`, async () => {
      const have = await client.execute('SELECT table_name FROM system_schema.tables WHERE keyspace_name = ? AND table_name = ?', [tenantConsoleKeyspace(tenant), TENANT_USAGE_TABLE], { prepare: true });
      if (have.rowLength === 0) return { latest: null, samples: [] };
      const of = (r: Record<string, unknown>): UsageSample => ({ tenant, at: at(r['at']), trigger: trig(r['trigger']), figures: parseFigures(r['figures'], `${tenant} usage_samples`) });
      const out: UsageSample[] = [];
      for (const days of dayChunks(fromMs, toMs)) {
        for (const r of await all(client, `SELECT at, trigger, figures FROM ${this.table(tenant)} WHERE day IN ? AND at >= ? AND at <= ?`, [days, new Date(fromMs), new Date(toMs)])) out.push(of(r));
      }
      // The last sample before the range (integration over the period starts from it).
      const before = await all(client, `SELECT at, trigger, figures FROM ${this.table(tenant)} WHERE day IN ? AND at < ? PER PARTITION LIMIT 1`, [daysBetween(fromMs - 35 * DAY_MS, fromMs), new Date(fromMs)]);
      const prior = before.map(of).sort((a, b) => Date.parse(b.at) - Date.parse(a.at))[0];
      if (prior) out.push(prior);
      out.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
      // The newest sample may be older than the range: look back day by day over the last 35 days.
      let latest: UsageSample | null = null;
      const recent = await all(client, `SELECT at, trigger, figures FROM ${this.table(tenant)} WHERE day IN ? PER PARTITION LIMIT 1`, [daysBetween(Date.now() - 35 * DAY_MS, Date.now() + DAY_MS)]);
      for (const r of recent) {
        const s = of(r);
        if (!latest || Date.parse(s.at) > Date.parse(latest.at)) latest = s;
      }
      return { latest, samples: out };
    });
  }
}

interface CacheRow {
  tenant: string;
  at: number;
  trigger: string;
  figures: string;
  raw: string | null;
}

/** This console's copy (SQLite migration 6): the fallback when the cluster cannot be read. */
export class UsageCache {
  private readonly s;
  constructor(private readonly db: Db) {
    this.s = {
      put: db.prepare('INSERT OR REPLACE INTO usage_samples (cluster, tenant, at, trigger, figures, raw) VALUES (?, ?, ?, ?, ?, ?)'),
      latest: db.prepare<[string, string], CacheRow>('SELECT tenant, at, trigger, figures, raw FROM usage_samples WHERE cluster = ? AND tenant = ? ORDER BY at DESC LIMIT 1'),
      latestAll: db.prepare<[string, string], CacheRow>(
        'SELECT s.tenant, s.at, s.trigger, s.figures, s.raw FROM usage_samples s JOIN (SELECT tenant, MAX(at) AS at FROM usage_samples WHERE cluster = ? GROUP BY tenant) m ON m.tenant = s.tenant AND m.at = s.at WHERE s.cluster = ?',
      ),
      range: db.prepare<[string, string, number, number], CacheRow>('SELECT tenant, at, trigger, figures, raw FROM usage_samples WHERE cluster = ? AND tenant = ? AND at >= ? AND at <= ? ORDER BY at'),
      before: db.prepare<[string, string, number], CacheRow>('SELECT tenant, at, trigger, figures, raw FROM usage_samples WHERE cluster = ? AND tenant = ? AND at < ? ORDER BY at DESC LIMIT 1'),
      putAlert: db.prepare('INSERT OR REPLACE INTO usage_alerts (cluster, tenant, at, kind, share, threshold) VALUES (?, ?, ?, ?, ?, ?)'),
      alerts: db.prepare<[string, number], { tenant: string; at: number; kind: string; share: number; threshold: number }>('SELECT tenant, at, kind, share, threshold FROM usage_alerts WHERE cluster = ? AND at >= ? ORDER BY at DESC'),
      setting: db.prepare<[string], { value: number }>('SELECT value FROM usage_settings WHERE key = ?'),
      putSetting: db.prepare('INSERT INTO usage_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      prune: db.prepare('DELETE FROM usage_samples WHERE at < ?'),
      pruneAlerts: db.prepare('DELETE FROM usage_alerts WHERE at < ?'),
      ops: db.prepare<[string, string, string], { n: number }>(`SELECT COUNT(*) AS n FROM audit_local WHERE tenant = ? AND at >= ? AND json_extract(input_redacted, '$.cluster') = ?`),
    };
  }

  private of(r: CacheRow): StoredSample {
    return { sample: { tenant: r.tenant, at: new Date(r.at).toISOString(), trigger: trig(r.trigger), figures: parseFigures(r.figures, `cache usage_samples[${r.tenant}]`) }, raw: parseRaw(r.raw) };
  }

  put(cluster: string, s: UsageSample, raw: RawCounters | null): void {
    this.s.put.run(cluster, s.tenant, Date.parse(s.at), s.trigger, JSON.stringify(s.figures), raw ? JSON.stringify(raw) : null);
  }
  latest(cluster: string, tenant: string): StoredSample | null {
    const r = this.s.latest.get(cluster, tenant);
    return r ? this.of(r) : null;
  }
  latestAll(cluster: string): UsageSample[] {
    return this.s.latestAll.all(cluster, cluster).map((r) => this.of(r).sample);
  }
  samples(cluster: string, tenant: string, fromMs: number, toMs: number): UsageSample[] {
    const before = this.s.before.get(cluster, tenant, fromMs);
    return [...(before ? [before] : []), ...this.s.range.all(cluster, tenant, fromMs, toMs)].map((r) => this.of(r).sample);
  }
  putAlert(cluster: string, a: UsageAlert): void {
    this.s.putAlert.run(cluster, a.tenant, Date.parse(a.at), a.kind, a.share, a.threshold);
  }
  alerts(cluster: string, sinceMs: number): UsageAlert[] {
    return this.s.alerts.all(cluster, sinceMs).map((r) => ({ tenant: r.tenant, at: new Date(r.at).toISOString(), kind: r.kind === 'storage' ? 'storage' : 'requests', share: r.share, threshold: r.threshold }));
  }
  setting(key: 'interval_s' | 'concurrency', fallback: number): number {
    return this.s.setting.get(key)?.value ?? fallback;
  }
  putSetting(key: 'interval_s' | 'concurrency', value: number): void {
    this.s.putSetting.run(key, value);
  }
  /** Drop cached samples and alerts older than `beforeMs` (the csm_system copy is the record). */
  prune(beforeMs: number): void {
    this.s.prune.run(beforeMs);
    this.s.pruneAlerts.run(beforeMs);
  }
  /** Router-audited calls naming the tenant on this cluster since `sinceIso` (this console's audit_local). */
  consoleOps(cluster: string, tenant: string, sinceIso: string): number {
    return this.s.ops.get(tenant, sinceIso, cluster)?.n ?? 0;
  }
}
