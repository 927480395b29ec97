import type { ErrorCode } from '../../src-shared/contract/core';
import {
  DEFAULT_PROBE_CONCURRENCY,
  DEFAULT_PROBE_INTERVAL_S,
  DEFAULT_TARGET_PERCENT,
  PERIODS,
  type Incident,
  type MaintenanceWindow,
  type OverviewRow,
  type PeriodFigure,
  type ProbeSample,
} from '../../src-shared/contract/availability';
import type { Db } from '../store';
import { belowTarget, DAY_MS, dayOf, HOUR_MS, hourOf, periodFigure, periodStart, round, sampleWeight, type Sums } from './maths';

/** What a probe observed, before the store weighs it. */
export interface Observation {
  cluster: string;
  tenant: string;
  at: number;
  ok: boolean;
  latencyMs: number;
  errorClass: ErrorCode | null;
  message: string | null;
  coordinator: string | null;
  consistency: string;
  role: string | null;
  keyspace: string | null;
  trigger: 'schedule' | 'manual';
}

export interface Target {
  percent: number;
  isDefault: boolean;
  updatedBy: string | null;
  updatedAt: string | null;
}

export interface AlertChange {
  state: 'raised' | 'cleared';
  percent: number | null;
  target: number;
  at: number;
}

interface SampleRow {
  at: number;
  ok: number;
  weight_ms: number;
  latency_ms: number;
  error_class: string | null;
  message: string | null;
  coordinator: string | null;
  consistency: string;
  role: string | null;
  keyspace: string | null;
  trigger: 'schedule' | 'manual';
}

const iso = (ms: number): string => new Date(ms).toISOString();
const sampleOf = (r: SampleRow): ProbeSample => ({
  at: iso(r.at),
  ok: r.ok === 1,
  latencyMs: round(r.latency_ms, 2),
  errorClass: (r.error_class as ErrorCode | null) ?? null,
  message: r.message,
  coordinator: r.coordinator,
  consistency: r.consistency,
  role: r.role,
  keyspace: r.keyspace,
  trigger: r.trigger,
  weightMs: r.weight_ms,
});

/**
 * The availability cache (SQLite migration 5). Every figure is an aggregate over the rollups
 * (hourly for 24 h, daily for 7 d / 30 d), so one tenant's figures read at most 55 rows and the
 * overview of a whole cluster is one query with two GROUP BYs — no per-tenant loop.
 */
export class AvailabilityStore {
  private readonly s;

  constructor(private readonly db: Db) {
    this.s = {
      previous: db.prepare<[string, string], { at: number | null }>('SELECT MAX(at) AS at FROM availability_samples WHERE cluster = ? AND tenant = ?'),
      inWindow: db.prepare<[string, string, number, number], { n: number }>(
        'SELECT COUNT(*) AS n FROM availability_windows WHERE cluster = ? AND tenant = ? AND starts_at <= ? AND ends_at > ?',
      ),
      insert: db.prepare(
        `INSERT INTO availability_samples (cluster, tenant, at, ok, weight_ms, excluded, latency_ms, error_class, message, coordinator, consistency, role, keyspace, trigger)
         VALUES (@cluster, @tenant, @at, @ok, @weight, @excluded, @latencyMs, @errorClass, @message, @coordinator, @consistency, @role, @keyspace, @trigger)`,
      ),
      hourly: db.prepare(
        `INSERT INTO availability_hourly (cluster, tenant, hour, ok_ms, down_ms, excluded_ms, samples, failed)
         VALUES (@cluster, @tenant, @at, @okMs, @downMs, @excludedMs, @samples, @failed)
         ON CONFLICT (cluster, tenant, hour) DO UPDATE SET ok_ms = ok_ms + excluded.ok_ms, down_ms = down_ms + excluded.down_ms,
           excluded_ms = excluded_ms + excluded.excluded_ms, samples = samples + excluded.samples, failed = failed + excluded.failed`,
      ),
      daily: db.prepare(
        `INSERT INTO availability_daily (cluster, tenant, day, ok_ms, down_ms, excluded_ms, samples, failed)
         VALUES (@cluster, @tenant, @at, @okMs, @downMs, @excludedMs, @samples, @failed)
         ON CONFLICT (cluster, tenant, day) DO UPDATE SET ok_ms = ok_ms + excluded.ok_ms, down_ms = down_ms + excluded.down_ms,
           excluded_ms = excluded_ms + excluded.excluded_ms, samples = samples + excluded.samples, failed = failed + excluded.failed`,
      ),
      last: db.prepare(
        `INSERT INTO availability_last (cluster, tenant, at, ok) VALUES (?, ?, ?, ?)
         ON CONFLICT (cluster, tenant) DO UPDATE SET at = excluded.at, ok = excluded.ok WHERE excluded.at >= availability_last.at`,
      ),
      openIncident: db.prepare<[string, string], { id: number }>('SELECT id FROM availability_incidents WHERE cluster = ? AND tenant = ? AND ended_at IS NULL'),
      startIncident: db.prepare('INSERT INTO availability_incidents (cluster, tenant, started_at, last_failed_at, samples, error_class, message) VALUES (?, ?, ?, ?, 1, ?, ?)'),
      extendIncident: db.prepare('UPDATE availability_incidents SET last_failed_at = ?, samples = samples + 1, error_class = ?, message = ? WHERE id = ?'),
      endIncident: db.prepare('UPDATE availability_incidents SET ended_at = ? WHERE id = ?'),
      day1: db.prepare<[string, string, number], { ok: number | null; down: number | null; ex: number | null; n: number | null }>(
        'SELECT SUM(ok_ms) AS ok, SUM(down_ms) AS down, SUM(excluded_ms) AS ex, SUM(samples) AS n FROM availability_hourly WHERE cluster = ? AND tenant = ? AND hour >= ?',
      ),
      days: db.prepare<[number, string, string, number], { p: number; ok: number | null; down: number | null; ex: number | null; n: number | null }>(
        `SELECT CASE WHEN day >= ? THEN 1 ELSE 2 END AS p, SUM(ok_ms) AS ok, SUM(down_ms) AS down, SUM(excluded_ms) AS ex, SUM(samples) AS n
         FROM availability_daily WHERE cluster = ? AND tenant = ? AND day >= ? GROUP BY p`,
      ),
      hoursIn: db.prepare<[string, string, number, number], { hour: number; ok_ms: number; down_ms: number; excluded_ms: number; samples: number; failed: number }>(
        'SELECT hour, ok_ms, down_ms, excluded_ms, samples, failed FROM availability_hourly WHERE cluster = ? AND tenant = ? AND hour >= ? AND hour < ?',
      ),
      chart: db.prepare<[string, string, number], { hour: number; ok_ms: number; down_ms: number; samples: number; failed: number }>(
        'SELECT hour, ok_ms, down_ms, samples, failed FROM availability_hourly WHERE cluster = ? AND tenant = ? AND hour >= ? ORDER BY hour',
      ),
      recent: db.prepare<[string, string, number], SampleRow>('SELECT * FROM availability_samples WHERE cluster = ? AND tenant = ? ORDER BY at DESC LIMIT ?'),
      incidents: db.prepare<[string, string, number], { id: number; started_at: number; last_failed_at: number; ended_at: number | null; samples: number; error_class: string | null; message: string | null }>(
        'SELECT * FROM availability_incidents WHERE cluster = ? AND tenant = ? ORDER BY started_at DESC LIMIT ?',
      ),
      target: db.prepare<[string, string], { percent: number; updated_by: string | null; updated_at: number | null }>('SELECT percent, updated_by, updated_at FROM availability_targets WHERE cluster = ? AND tenant = ?'),
      putTarget: db.prepare(
        `INSERT INTO availability_targets (cluster, tenant, percent, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (cluster, tenant) DO UPDATE SET percent = excluded.percent, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
      ),
      windows: db.prepare<[string, string], { id: string; starts_at: number; ends_at: number; reason: string; created_by: string | null }>(
        'SELECT id, starts_at, ends_at, reason, created_by FROM availability_windows WHERE cluster = ? AND tenant = ? ORDER BY starts_at',
      ),
      putWindow: db.prepare('INSERT OR REPLACE INTO availability_windows (cluster, tenant, id, starts_at, ends_at, reason, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      dropWindow: db.prepare('DELETE FROM availability_windows WHERE cluster = ? AND tenant = ? AND id = ?'),
      alert: db.prepare<[string, string], { raised_at: number; percent: number | null; target: number }>('SELECT raised_at, percent, target FROM availability_alerts WHERE cluster = ? AND tenant = ?'),
      raise: db.prepare('INSERT OR REPLACE INTO availability_alerts (cluster, tenant, raised_at, percent, target) VALUES (?, ?, ?, ?, ?)'),
      clear: db.prepare('DELETE FROM availability_alerts WHERE cluster = ? AND tenant = ?'),
      setting: db.prepare<[string], { value: number }>('SELECT value FROM availability_settings WHERE key = ?'),
      putSetting: db.prepare('INSERT INTO availability_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      prune: db.prepare('DELETE FROM availability_samples WHERE at < ?'),
      pruneHourly: db.prepare('DELETE FROM availability_hourly WHERE hour < ?'),
      pruneDaily: db.prepare('DELETE FROM availability_daily WHERE day < ?'),
      // Re-rolling a tenant's hours after a window changed: mark samples, then rebuild the hours.
      remark: db.prepare(
        `UPDATE availability_samples SET excluded = EXISTS (SELECT 1 FROM availability_windows w WHERE w.cluster = availability_samples.cluster
           AND w.tenant = availability_samples.tenant AND w.starts_at <= availability_samples.at AND w.ends_at > availability_samples.at)
         WHERE cluster = ? AND tenant = ? AND at >= ? AND at < ?`,
      ),
      dropHours: db.prepare('DELETE FROM availability_hourly WHERE cluster = ? AND tenant = ? AND hour >= ? AND hour < ?'),
      rebuildHours: db.prepare(
        `INSERT INTO availability_hourly (cluster, tenant, hour, ok_ms, down_ms, excluded_ms, samples, failed)
         SELECT cluster, tenant, (at / ${HOUR_MS}) * ${HOUR_MS} AS hour,
                SUM(CASE WHEN excluded = 0 AND ok = 1 THEN weight_ms ELSE 0 END),
                SUM(CASE WHEN excluded = 0 AND ok = 0 THEN weight_ms ELSE 0 END),
                SUM(CASE WHEN excluded = 1 THEN weight_ms ELSE 0 END),
                COUNT(*), SUM(1 - ok)
         FROM availability_samples WHERE cluster = ? AND tenant = ? AND at >= ? AND at < ? GROUP BY hour`,
      ),
      oldestSample: db.prepare<[string, string], { at: number | null }>('SELECT MIN(at) AS at FROM availability_samples WHERE cluster = ? AND tenant = ?'),
      overview: db.prepare<
        [{ c: string; d1: number; d30: number }],
        { tenant: string; ok1: number | null; down1: number | null; ok30: number | null; down30: number | null; target: number | null; at: number; ok: number; open: number }
      >(
        `WITH h AS (
           SELECT tenant, SUM(ok_ms) AS ok1, SUM(down_ms) AS down1 FROM availability_hourly WHERE cluster = @c AND hour >= @d1 GROUP BY tenant),
         d AS (
           SELECT tenant, SUM(ok_ms) AS ok30, SUM(down_ms) AS down30 FROM availability_daily WHERE cluster = @c AND day >= @d30 GROUP BY tenant),
         o AS (SELECT DISTINCT tenant FROM availability_incidents WHERE cluster = @c AND ended_at IS NULL)
         SELECT l.tenant, h.ok1, h.down1, d.ok30, d.down30, t.percent AS target, l.at, l.ok, (o.tenant IS NOT NULL) AS open
         FROM availability_last l
           JOIN tenant_mirror m ON m.cluster = l.cluster AND m.id = l.tenant AND m.state <> 'deleted'
           LEFT JOIN h ON h.tenant = l.tenant
           LEFT JOIN d ON d.tenant = l.tenant
           LEFT JOIN availability_targets t ON t.cluster = @c AND t.tenant = l.tenant
           LEFT JOIN o ON o.tenant = l.tenant
         WHERE l.cluster = @c
         ORDER BY l.tenant`,
      ),
      lastOk: db.prepare<[string, string], { ok: number }>('SELECT ok FROM availability_last WHERE cluster = ? AND tenant = ?'),
      failing: db.prepare<[string], { n: number; failing: number }>('SELECT COUNT(*) AS n, COALESCE(SUM(1 - ok), 0) AS failing FROM availability_last WHERE cluster = ?'),
    };
  }

  /**
   * Weigh and store one observation, roll it into its hour, open/extend/close the incident — one
   * transaction, so a crash never leaves a sample without its rollup.
   */
  record(o: Observation, intervalMs: number): ProbeSample {
    return this.db.transaction((): ProbeSample => {
      const prev = this.s.previous.get(o.cluster, o.tenant)?.at ?? null;
      const weight = sampleWeight(o.at, prev, intervalMs);
      const excluded = (this.s.inWindow.get(o.cluster, o.tenant, o.at, o.at)?.n ?? 0) > 0;
      this.s.insert.run({ ...o, ok: o.ok ? 1 : 0, weight, excluded: excluded ? 1 : 0 });
      const roll = {
        cluster: o.cluster,
        tenant: o.tenant,
        okMs: !excluded && o.ok ? weight : 0,
        downMs: !excluded && !o.ok ? weight : 0,
        excludedMs: excluded ? weight : 0,
        samples: 1,
        failed: o.ok ? 0 : 1,
      };
      this.s.hourly.run({ ...roll, at: hourOf(o.at) });
      this.s.daily.run({ ...roll, at: dayOf(o.at) });
      this.s.last.run(o.cluster, o.tenant, o.at, o.ok ? 1 : 0);
      const open = this.s.openIncident.get(o.cluster, o.tenant);
      if (!o.ok) {
        if (open) this.s.extendIncident.run(o.at, o.errorClass, o.message, open.id);
        else this.s.startIncident.run(o.cluster, o.tenant, o.at, o.at, o.errorClass, o.message);
      } else if (open) this.s.endIncident.run(o.at, open.id);
      return {
        at: iso(o.at),
        ok: o.ok,
        latencyMs: round(o.latencyMs, 2),
        errorClass: o.errorClass,
        message: o.message,
        coordinator: o.coordinator,
        consistency: o.consistency,
        role: o.role,
        keyspace: o.keyspace,
        trigger: o.trigger,
        weightMs: weight,
      };
    })();
  }

  /** 24 h from at most 25 hourly rows; 7 d and 30 d from one grouped query over at most 30 daily rows. */
  periods(cluster: string, tenant: string, now: number, target: number): PeriodFigure[] {
    const [d1, d7, d30] = PERIODS.map((p) => periodStart(p, now)) as [number, number, number];
    const sums = (r: { ok: number | null; down: number | null; ex: number | null; n: number | null } | undefined): Sums => ({ okMs: r?.ok ?? 0, downMs: r?.down ?? 0, excludedMs: r?.ex ?? 0, samples: r?.n ?? 0 });
    const buckets: Sums[] = [sums(this.s.day1.get(cluster, tenant, d1)), sums(undefined), sums(undefined)];
    for (const r of this.s.days.all(d7, cluster, tenant, d30)) {
      // p = 1: within 7 days (counts for 7 d and 30 d); p = 2: only within 30 days.
      for (let i = r.p; i < 3; i++) {
        buckets[i]!.okMs += r.ok ?? 0;
        buckets[i]!.downMs += r.down ?? 0;
        buckets[i]!.excludedMs += r.ex ?? 0;
        buckets[i]!.samples += r.n ?? 0;
      }
    }
    return PERIODS.map((p, i) => periodFigure(p, buckets[i]!, target));
  }

  /** The last 24 hours, one bucket per hour, oldest first (hours without samples: percent null). */
  chart(cluster: string, tenant: string, now: number): { from: string; percent: number | null; failed: number; samples: number }[] {
    const first = hourOf(now) - 23 * HOUR_MS;
    const rows = new Map(this.s.chart.all(cluster, tenant, first).map((r) => [r.hour, r]));
    const out = [];
    for (let h = first; h <= hourOf(now); h += HOUR_MS) {
      const r = rows.get(h);
      const mon = r ? r.ok_ms + r.down_ms : 0;
      out.push({ from: iso(h), percent: r && mon > 0 ? round((100 * r.ok_ms) / mon, 3) : null, failed: r?.failed ?? 0, samples: r?.samples ?? 0 });
    }
    return out;
  }

  recent(cluster: string, tenant: string, limit: number): ProbeSample[] {
    return this.s.recent.all(cluster, tenant, limit).map(sampleOf);
  }

  incidents(cluster: string, tenant: string, limit: number): Incident[] {
    return this.s.incidents.all(cluster, tenant, limit).map((r) => ({
      id: r.id,
      startedAt: iso(r.started_at),
      lastFailedAt: iso(r.last_failed_at),
      endedAt: r.ended_at === null ? null : iso(r.ended_at),
      samples: r.samples,
      errorClass: r.error_class,
      message: r.message,
    }));
  }

  target(cluster: string, tenant: string): Target {
    const r = this.s.target.get(cluster, tenant);
    if (!r) return { percent: DEFAULT_TARGET_PERCENT, isDefault: true, updatedBy: null, updatedAt: null };
    return { percent: r.percent, isDefault: false, updatedBy: r.updated_by, updatedAt: r.updated_at === null ? null : iso(r.updated_at) };
  }

  putTarget(cluster: string, tenant: string, percent: number, by: string | null, at: number): void {
    this.s.putTarget.run(cluster, tenant, percent, by, at);
  }

  windows(cluster: string, tenant: string): MaintenanceWindow[] {
    return this.s.windows.all(cluster, tenant).map((w) => ({ id: w.id, startsAt: iso(w.starts_at), endsAt: iso(w.ends_at), reason: w.reason, createdBy: w.created_by }));
  }

  /**
   * Make the local mirror of a tenant's windows equal `windows` and re-roll the hours any added or
   * removed window touches (only what raw samples still cover can be re-rolled).
   */
  replaceWindows(cluster: string, tenant: string, windows: MaintenanceWindow[]): boolean {
    return this.db.transaction((): boolean => {
      const before = new Map(this.s.windows.all(cluster, tenant).map((w) => [w.id, w]));
      const after = new Map(windows.map((w) => [w.id, { id: w.id, starts_at: Date.parse(w.startsAt), ends_at: Date.parse(w.endsAt), reason: w.reason, created_by: w.createdBy }]));
      const touched: [number, number][] = [];
      for (const [id, w] of before) {
        const n = after.get(id);
        if (!n || n.starts_at !== w.starts_at || n.ends_at !== w.ends_at) {
          this.s.dropWindow.run(cluster, tenant, id);
          touched.push([w.starts_at, w.ends_at]);
        }
      }
      for (const [id, w] of after) {
        const b = before.get(id);
        if (b && b.starts_at === w.starts_at && b.ends_at === w.ends_at) continue;
        this.s.putWindow.run(cluster, tenant, id, w.starts_at, w.ends_at, w.reason, w.created_by);
        touched.push([w.starts_at, w.ends_at]);
      }
      for (const [a, b] of touched) this.reroll(cluster, tenant, a, b);
      return touched.length > 0;
    })();
  }

  /**
   * Rebuild the hours [from, to) of one tenant from its raw samples (those still kept), and move
   * the daily rollups by the difference, so both agree without re-reading whole days.
   */
  private reroll(cluster: string, tenant: string, from: number, to: number): void {
    const oldest = this.s.oldestSample.get(cluster, tenant)?.at;
    if (oldest === null || oldest === undefined) return;
    // Whole hours only, and none older than the raw samples (their rollups are all that is left).
    const a = Math.max(hourOf(from), hourOf(oldest) + (oldest === hourOf(oldest) ? 0 : HOUR_MS));
    const b = hourOf(to) + HOUR_MS;
    if (a >= b) return;
    const delta = new Map<number, { okMs: number; downMs: number; excludedMs: number; samples: number; failed: number }>();
    const add = (sign: 1 | -1) => (r: { hour: number; ok_ms: number; down_ms: number; excluded_ms: number; samples: number; failed: number }) => {
      const d = delta.get(dayOf(r.hour)) ?? { okMs: 0, downMs: 0, excludedMs: 0, samples: 0, failed: 0 };
      d.okMs += sign * r.ok_ms;
      d.downMs += sign * r.down_ms;
      d.excludedMs += sign * r.excluded_ms;
      d.samples += sign * r.samples;
      d.failed += sign * r.failed;
      delta.set(dayOf(r.hour), d);
    };
    this.s.hoursIn.all(cluster, tenant, a, b).forEach(add(-1));
    this.s.remark.run(cluster, tenant, a, b);
    this.s.dropHours.run(cluster, tenant, a, b);
    this.s.rebuildHours.run(cluster, tenant, a, b);
    this.s.hoursIn.all(cluster, tenant, a, b).forEach(add(1));
    for (const [day, d] of delta) this.s.daily.run({ cluster, tenant, at: day, ...d });
  }

  alert(cluster: string, tenant: string): { raisedAt: number; percent: number | null; target: number } | null {
    const r = this.s.alert.get(cluster, tenant);
    return r ? { raisedAt: r.raised_at, percent: r.percent, target: r.target } : null;
  }

  /** Compare 24 h availability with the target; returns the change (raised/cleared) if there is one. */
  evaluate(cluster: string, tenant: string, now: number): AlertChange | null {
    const target = this.target(cluster, tenant).percent;
    const day = this.periods(cluster, tenant, now, target)[0]!;
    const open = this.s.alert.get(cluster, tenant);
    if (belowTarget(day.percent, target)) {
      if (open) return null;
      this.s.raise.run(cluster, tenant, now, day.percent, target);
      return { state: 'raised', percent: day.percent, target, at: now };
    }
    if (!open) return null;
    this.s.clear.run(cluster, tenant);
    return { state: 'cleared', percent: day.percent, target, at: now };
  }

  setting(key: 'interval_s' | 'concurrency'): number {
    return this.s.setting.get(key)?.value ?? (key === 'interval_s' ? DEFAULT_PROBE_INTERVAL_S : DEFAULT_PROBE_CONCURRENCY);
  }
  putSetting(key: 'interval_s' | 'concurrency', value: number): void {
    this.s.putSetting.run(key, value);
  }

  /** Drop raw samples past their retention and rollups older than the longest period. */
  prune(now: number, rawRetentionMs: number): void {
    this.s.prune.run(now - rawRetentionMs);
    this.s.pruneHourly.run(hourOf(now) - 3 * DAY_MS);
    this.s.pruneDaily.run(dayOf(now) - 31 * DAY_MS);
  }

  /** Every probed tenant of a cluster still registered (the mirror), from one aggregate query (the overview of 10,000). */
  overview(cluster: string, now: number): OverviewRow[] {
    const d1 = periodStart('24h', now);
    const d30 = periodStart('30d', now);
    const budget30 = (t: number): number => ((100 - t) / 100) * 30 * 1440;
    return this.s.overview.all({ c: cluster, d1, d30 }).map((r) => {
      const target = r.target ?? DEFAULT_TARGET_PERCENT;
      const m1 = (r.ok1 ?? 0) + (r.down1 ?? 0);
      const m30 = (r.ok30 ?? 0) + (r.down30 ?? 0);
      const p1 = m1 > 0 ? round((100 * (r.ok1 ?? 0)) / m1, 4) : null;
      return {
        tenant: r.tenant,
        percent24h: p1,
        percent30d: m30 > 0 ? round((100 * (r.ok30 ?? 0)) / m30, 4) : null,
        target,
        budgetLeftMinutes30d: round(budget30(target) - (r.down30 ?? 0) / 60_000, 2),
        below: belowTarget(p1, target),
        lastAt: iso(r.at),
        lastOk: r.ok === 1,
        openIncident: r.open === 1,
      };
    });
  }

  /** The tenant's latest result (null: never probed). */
  lastOk(cluster: string, tenant: string): boolean | null {
    const r = this.s.lastOk.get(cluster, tenant);
    return r ? r.ok === 1 : null;
  }

  failing(cluster: string): { probed: number; failing: number } {
    const r = this.s.failing.get(cluster);
    return { probed: r?.n ?? 0, failing: r?.failing ?? 0 };
  }
}
