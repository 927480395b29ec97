import type { HostKind } from '../ipc/router';
import type { Logger } from '../app/log';
import { dueSlots, planSlots, type Slot } from './maths';

export interface SchedulerDeps {
  host: HostKind;
  /** Tenants to probe now (active tenants of the clusters this console has platform scope on). */
  tenants(): { cluster: string; tenant: string }[];
  intervalMs(): number;
  concurrency(): number;
  /** Probe and record one tenant; must not throw (a failure is a sample). */
  probe(cluster: string, tenant: string): Promise<void>;
  /** Once per interval: housekeeping (pruning old samples). */
  onCycle?(): void;
  logger: Logger;
  now?(): number;
}

/**
 * One probe scheduler per console (issue 12 item 2): one unref'd timer for every tenant of every
 * signed-in platform cluster — never a timer per tenant, never in the one-shot CLI. Each tenant
 * has a fixed slot in the interval (a hash of cluster/tenant), so 10,000 probes spread evenly
 * instead of firing together; a bounded queue runs them `concurrency` at a time. A tenant whose
 * previous probe is still queued or running is skipped, not stacked: when probes cannot keep up
 * the effective interval stretches, and the time weighting of samples accounts for it.
 */
export class ProbeScheduler {
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private plan: Slot[] = [];
  private planInterval = 0;
  private planKey = '';
  private lastTick: number | null = null;
  private cycle = -1;
  private readonly queue: Slot[] = [];
  private readonly pending = new Set<string>();
  private running = 0;
  private idle: (() => void)[] = [];
  lastTickAt: number | null = null;
  probesRun = 0;

  constructor(private readonly deps: SchedulerDeps) {}

  get enabled(): boolean {
    return this.deps.host !== 'cli' && !this.closed;
  }
  get planned(): number {
    return this.plan.length;
  }
  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  /** Start (or re-arm after a sign-in / an interval change). A no-op in the CLI. */
  start(): void {
    if (!this.enabled) return;
    this.replan();
    if (this.lastTick === null) this.lastTick = this.now();
    this.arm();
  }

  /** Tick often enough that a slot is never late by more than a fraction of the interval. */
  private tickMs(): number {
    return Math.min(5000, Math.max(100, Math.floor(this.deps.intervalMs() / 60)));
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.enabled) return;
    this.timer = setTimeout(() => this.tick(), this.tickMs());
    this.timer.unref();
  }

  /** Rebuild the slot plan when the tenant set or the interval changed. */
  replan(): void {
    const tenants = this.deps.tenants();
    const interval = this.deps.intervalMs();
    const key = `${interval}|${tenants.length}|${tenants.map((t) => `${t.cluster}/${t.tenant}`).join(',')}`;
    if (key === this.planKey) return;
    this.planKey = key;
    this.planInterval = interval;
    this.plan = planSlots(tenants, interval);
  }

  /** Exposed for tests and the bench: what one tick starting at `from` and ending at `to` would probe. */
  due(from: number, to: number): Slot[] {
    return dueSlots(this.plan, from, to, this.planInterval);
  }

  tick(): void {
    this.timer = null;
    if (!this.enabled) return;
    const now = this.now();
    const interval = this.deps.intervalMs();
    const cycle = Math.floor(now / interval);
    if (cycle !== this.cycle) {
      this.cycle = cycle;
      try {
        this.replan();
        this.deps.onCycle?.();
      } catch (e) {
        this.deps.logger.warn('availability: planning probes failed', { error: e instanceof Error ? e.message : String(e) });
      }
    }
    const from = this.lastTick ?? now;
    this.lastTick = now;
    this.lastTickAt = now;
    for (const s of this.due(from, now)) this.enqueue(s);
    this.arm();
  }

  private enqueue(s: Slot): void {
    const key = `${s.cluster}/${s.tenant}`;
    if (this.pending.has(key)) return;
    this.pending.add(key);
    this.queue.push(s);
    this.drain();
  }

  private drain(): void {
    while (!this.closed && this.running < Math.max(1, this.deps.concurrency()) && this.queue.length) {
      const s = this.queue.shift()!;
      this.running++;
      void this.deps
        .probe(s.cluster, s.tenant)
        .catch((e: unknown) => this.deps.logger.warn('availability: probe failed to record', { cluster: s.cluster, tenant: s.tenant, error: e instanceof Error ? e.message : String(e) }))
        .finally(() => {
          this.running--;
          this.probesRun++;
          this.pending.delete(`${s.cluster}/${s.tenant}`);
          this.drain();
          if (this.running === 0 && (this.queue.length === 0 || this.closed)) for (const f of this.idle.splice(0)) f();
        });
    }
  }

  /** Stop the timer, drop what is queued, wait for the probes in flight. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.queue.length = 0;
    if (this.running > 0) await new Promise<void>((r) => this.idle.push(r));
  }
}
