import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../store';
import { DAY_MS, dayOf, dueSlots, HOUR_MS, hourOf, periodStart, planSlots } from './maths';
import { AvailabilityStore } from './store';

type Figures = Record<string, Record<string, number | string>>;

const round = (x: number, digits = 3): number => Math.round(x * 10 ** digits) / 10 ** digits;
const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

function median(runs: number, fn: () => unknown): number {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = nowMs();
    fn();
    out.push(nowMs() - t0);
  }
  out.sort((a, b) => a - b);
  return out[Math.floor(out.length / 2)]!;
}

const figure = (ms: number, floorMs: number, note: string): Record<string, number | string> => ({ ms: round(ms), floorMs: round(floorMs), ratio: round(ms / Math.max(floorMs, 1e-6), 2), note });

/**
 * Issue 12 item 2's figures, in process on a real SQLite file (no Cassandra): availability for
 * `tenants` tenants over `days` days of hourly rollups (what 60 s probes leave behind), the
 * one-tenant view, recording a sample, and the scheduler planning and ticking `tenants` probes.
 * Each figure stands next to its floor from the same run: the bare SQL read of the same rows,
 * a bare insert, a plain sort of as many numbers.
 */
export async function availabilityBenchmarks(opts: { tenants?: number; days?: number } = {}): Promise<Figures> {
  const tenants = opts.tenants ?? 10_000;
  const days = opts.days ?? 30;
  const dir = mkdtempSync(join(tmpdir(), 'csm-avail-bench-'));
  const store = openStore({ dir });
  const figures: Figures = {};
  try {
    const db = store.db;
    const av = new AvailabilityStore(db);
    const cluster = 'bench';
    const ids = Array.from({ length: tenants }, (_, i) => `bt_${String(i).padStart(8, '0')}`);
    const now = Date.UTC(2026, 10, 29, 10, 30);
    const hours = 3 * 24; // hourly rollups are kept 3 days
    const firstHour = hourOf(now) - (hours - 1) * HOUR_MS;
    const firstDay = dayOf(now) - (days - 1) * DAY_MS;
    const outageHour = hourOf(now) - HOUR_MS;

    // Fill (setup, generated inside SQLite): every tenant probed once a minute for `days` days;
    // one tenant in 50 lost 10 minutes an hour ago, which puts it below a 99.9 % target over 24 h.
    const t0 = nowMs();
    db.transaction(() => {
      db.prepare(
        `WITH RECURSIVE t(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM t WHERE i + 1 < @tenants),
                       h(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM h WHERE k + 1 < @hours)
         INSERT INTO availability_hourly (cluster, tenant, hour, ok_ms, down_ms, excluded_ms, samples, failed)
         SELECT @cluster, printf('bt_%08d', i), @firstHour + k * ${HOUR_MS},
                ${HOUR_MS} - (CASE WHEN i % 50 = 0 AND @firstHour + k * ${HOUR_MS} = @outageHour THEN 600000 ELSE 0 END),
                CASE WHEN i % 50 = 0 AND @firstHour + k * ${HOUR_MS} = @outageHour THEN 600000 ELSE 0 END, 0, 60,
                CASE WHEN i % 50 = 0 AND @firstHour + k * ${HOUR_MS} = @outageHour THEN 10 ELSE 0 END
         FROM t, h`,
      ).run({ tenants, hours, cluster, firstHour, outageHour });
      db.prepare(
        `WITH RECURSIVE t(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM t WHERE i + 1 < @tenants),
                       d(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM d WHERE k + 1 < @days)
         INSERT INTO availability_daily (cluster, tenant, day, ok_ms, down_ms, excluded_ms, samples, failed)
         SELECT @cluster, printf('bt_%08d', i), @firstDay + k * ${DAY_MS},
                ${DAY_MS} - (CASE WHEN i % 50 = 0 AND @firstDay + k * ${DAY_MS} = @outageDay THEN 600000 ELSE 0 END),
                CASE WHEN i % 50 = 0 AND @firstDay + k * ${DAY_MS} = @outageDay THEN 600000 ELSE 0 END, 0, 1440,
                CASE WHEN i % 50 = 0 AND @firstDay + k * ${DAY_MS} = @outageDay THEN 10 ELSE 0 END
         FROM t, d`,
      ).run({ tenants, days, cluster, firstDay, outageDay: dayOf(outageHour) });
      db.prepare(
        `WITH RECURSIVE t(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM t WHERE i + 1 < @tenants)
         INSERT INTO tenant_mirror (cluster, id, name, tier, state, isolation, template, data_centers, created_at, updated_at, synced_at)
         SELECT @cluster, printf('bt_%08d', i), 'bench', 'standard', 'active', 'keyspace', 'default', '[]', 'x', 'x', 'x' FROM t`,
      ).run({ tenants, cluster });
      db.prepare(
        `WITH RECURSIVE t(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM t WHERE i + 1 < @tenants)
         INSERT INTO availability_last (cluster, tenant, at, ok) SELECT @cluster, printf('bt_%08d', i), @at, 1 FROM t`,
      ).run({ tenants, cluster, at: now - 1000 });
    })();
    const fillMs = nowMs() - t0;
    const rows = (db.prepare('SELECT (SELECT COUNT(*) FROM availability_hourly) + (SELECT COUNT(*) FROM availability_daily) AS n').get() as { n: number }).n;
    figures['availability.fill'] = { ms: round(fillMs), rows, note: `${tenants} tenants: ${hours} hourly + ${days} daily rollups each, generated in SQLite (setup, not a hot path)` };

    // Overview: every tenant's 24 h / 30 d / budget / below-target flag, one aggregate query.
    let below = 0;
    const overview = median(5, () => {
      below = av.overview(cluster, now).filter((r) => r.below).length;
    });
    const bareH = db.prepare('SELECT tenant, SUM(ok_ms), SUM(down_ms) FROM availability_hourly WHERE cluster = ? AND hour >= ? GROUP BY tenant');
    const bareD = db.prepare('SELECT tenant, SUM(ok_ms), SUM(down_ms) FROM availability_daily WHERE cluster = ? AND day >= ? GROUP BY tenant');
    const overviewFloor = median(5, () => {
      bareH.all(cluster, periodStart('24h', now));
      bareD.all(cluster, firstDay);
    });
    figures['availability.overview'] = { ...figure(overview, overviewFloor, `24 h, 30 d, budget and below-target of ${tenants} tenants (${days} d of rollups) vs the two bare GROUP BYs over the same rows`), tenants, belowTarget: below };

    // One tenant's view: 24 h / 7 d / 30 d and the chart.
    const id = ids[Math.floor(tenants / 2)]!;
    const one = median(51, () => {
      av.periods(cluster, id, now, 99.9);
      av.chart(cluster, id, now);
    });
    const oneH = db.prepare('SELECT SUM(ok_ms), SUM(down_ms) FROM availability_hourly WHERE cluster = ? AND tenant = ?');
    const oneD = db.prepare('SELECT SUM(ok_ms), SUM(down_ms) FROM availability_daily WHERE cluster = ? AND tenant = ?');
    const oneFloor = median(51, () => {
      oneH.get(cluster, id);
      oneD.get(cluster, id);
    });
    figures['availability.tenantView'] = figure(one, oneFloor, "one tenant's three periods and 24 h chart vs a bare SUM over its hourly and its daily rows");

    // Recording a sample: weigh, insert, roll up, incident — one transaction.
    const n = 2000;
    const rec = nowMs();
    for (let i = 0; i < n; i++) {
      av.record({ cluster, tenant: ids[i % tenants]!, at: now + i, ok: i % 7 !== 0, latencyMs: 2, errorClass: i % 7 ? null : 'UNAVAILABLE', message: null, coordinator: null, consistency: 'LOCAL_QUORUM', role: null, keyspace: null, trigger: 'schedule' }, 60_000);
    }
    const recordMs = (nowMs() - rec) / n;
    const plain = db.prepare("INSERT INTO availability_samples (cluster, tenant, at, ok, weight_ms, excluded, latency_ms, consistency, trigger) VALUES (?, ?, ?, 1, 60000, 0, 2, 'ONE', 'schedule')");
    const p0 = nowMs();
    for (let i = 0; i < n; i++) db.transaction(() => plain.run('floor', ids[i % tenants]!, now + i))();
    const plainMs = (nowMs() - p0) / n;
    figures['availability.record'] = figure(recordMs, plainMs, 'record one probe sample (insert, rollup upsert, incident, last) vs one bare insert, each in its own transaction');

    // Scheduler: plan 10,000 slots, then pick the due ones for one tick (1 s of a 60 s interval).
    const list = ids.map((t) => ({ cluster, tenant: t }));
    let plan = planSlots(list, 60_000);
    const planMs = median(11, () => {
      plan = planSlots(list, 60_000);
    });
    const offsets = new Float64Array(tenants);
    const sortFloor = median(11, () => {
      for (let i = 0; i < tenants; i++) offsets[i] = (i * 2654435761) % 60_000;
      offsets.sort();
    });
    figures['availability.schedulerPlan'] = figure(planMs, sortFloor, `plan ${tenants} probe slots (hash + sort) vs sorting ${tenants} numbers`);
    let due = 0;
    const tickMs = median(101, () => {
      due = dueSlots(plan, now, now + 1000, 60_000).length;
    });
    const sliceFloor = median(101, () => plan.slice(0, due));
    figures['availability.schedulerTick'] = { ...figure(tickMs, sliceFloor, `one 1 s tick of a 60 s interval over ${tenants} tenants vs copying the due slots`), due };
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}
