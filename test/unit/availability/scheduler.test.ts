import { describe, expect, it } from 'vitest';
import { ProbeScheduler } from '../../../src-main/availability/scheduler';
import type { Logger } from '../../../src-main/app/log';

const logger = { debug() {}, info() {}, warn() {}, error() {} } as unknown as Logger;

function harness(host: 'web' | 'cli', n: number, opts: { concurrency?: number; slow?: boolean } = {}) {
  let now = 1_800_000_000_000;
  const probes: string[] = [];
  const releases: (() => void)[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const tenants = Array.from({ length: n }, (_, i) => ({ cluster: 'c', tenant: `t_${String(i).padStart(8, '0')}` }));
  const s = new ProbeScheduler({
    host,
    tenants: () => tenants,
    intervalMs: () => 10_000,
    concurrency: () => opts.concurrency ?? 4,
    probe: async (_c, t) => {
      probes.push(t);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      if (opts.slow) await new Promise<void>((r) => releases.push(r));
      inFlight--;
    },
    logger,
    now: () => now,
  });
  return { s, probes, releases, tenants, advance: (ms: number) => (now += ms), maxInFlight: () => maxInFlight };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('the probe scheduler', () => {
  it('never schedules in the CLI', () => {
    const h = harness('cli', 10);
    h.s.start();
    h.advance(20_000);
    h.s.tick();
    expect(h.probes).toEqual([]);
    expect(h.s.enabled).toBe(false);
  });

  it('spreads one interval of ticks over every tenant once, not all at the first tick', async () => {
    const h = harness('web', 200);
    h.s.start();
    const perTick: number[] = [];
    for (let i = 0; i < 10; i++) {
      const before = h.probes.length;
      h.advance(1000);
      h.s.tick();
      await flush();
      perTick.push(h.probes.length - before);
    }
    expect(new Set(h.probes).size).toBe(200);
    expect(h.probes).toHaveLength(200);
    // No tick takes more than a third of the tenants (a hash spreads them ~20 per second).
    expect(Math.max(...perTick)).toBeLessThan(200 / 3);
    await h.s.close();
  });

  it('keeps at most `concurrency` probes running, and skips a tenant whose probe is still running', async () => {
    const h = harness('web', 40, { concurrency: 3, slow: true });
    h.s.start();
    h.advance(10_000);
    h.s.tick();
    await flush();
    expect(h.probes).toHaveLength(3);
    // A whole interval later, nothing finished: the 40 are queued once, not twice.
    h.advance(10_000);
    h.s.tick();
    for (let i = 0; i < 60 && h.releases.length; i++) {
      h.releases.shift()!();
      await flush();
      await flush();
    }
    expect(h.maxInFlight()).toBe(3);
    expect(h.probes).toHaveLength(40);
    expect(new Set(h.probes).size).toBe(40);
    const closing = h.s.close();
    for (const r of h.releases.splice(0)) r();
    await closing;
  });

  it('stops on close: no more ticks, queued probes dropped', async () => {
    const h = harness('web', 100, { concurrency: 1, slow: true });
    h.s.start();
    h.advance(10_000);
    h.s.tick();
    await flush();
    const closing = h.s.close();
    for (const r of h.releases.splice(0)) r();
    await closing;
    h.advance(10_000);
    h.s.tick();
    await flush();
    expect(h.probes).toHaveLength(1);
  });
});
