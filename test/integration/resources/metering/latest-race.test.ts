import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UsageSample } from '../../../../src-shared/contract/resources';
import { PlatformUsage } from '../../../../src-main/resources/metering/store';
import { driverClient, unique } from '../../../support/cassandra';

/**
 * usage_latest moves only from the sample a delta was taken against (security review H4): two
 * consoles storing samples at once cannot both bill the same interval, and an older sample never
 * overwrites a newer one. Real node, csm_system as the platform console writes it.
 */
describe('usage_latest compare-and-set', () => {
  let su: cassandra.Client;
  const t = unique('ur');
  const sample = (at: string): UsageSample => ({ tenant: t, at, trigger: 'manual', figures: [] });
  const raw = (n: number) => ({ hosts: { h1: { tables: { 'k.t': [n, n] as [number, number] }, clients: {} } } });

  beforeAll(async () => {
    su = await driverClient();
  });
  afterAll(async () => {
    await su?.execute('DELETE FROM csm_system.usage_latest WHERE tenant_id = ?', [t], { prepare: true }).catch(() => undefined);
    await su?.execute('DELETE FROM csm_system.usage_samples WHERE tenant_id = ? AND day = ?', [t, '2026-11-29'], { prepare: true }).catch(() => undefined);
    await su?.shutdown().catch(() => undefined);
  });

  it('first sample once; then only from the sample read; a stale base loses and stores nothing', async () => {
    const p = new PlatformUsage(su);
    const t1 = '2026-11-29T10:00:00.000Z';
    const t2 = '2026-11-29T10:15:00.000Z';
    expect(await p.put(t, sample(t1), raw(1), null)).toBe(true);
    // A second console that also saw no previous sample loses.
    expect(await p.put(t, sample('2026-11-29T10:00:01.000Z'), raw(2), null)).toBe(false);
    expect(await p.put(t, sample(t2), raw(3), t1)).toBe(true);
    // A console whose delta was taken against t1 (read before t2 was stored) loses too.
    expect(await p.put(t, sample('2026-11-29T10:14:00.000Z'), raw(4), t1)).toBe(false);
    const latest = await p.latest(t);
    expect(latest?.sample.at).toBe(t2);
    expect(latest?.raw).toEqual(raw(3));
    const stored = (await p.samples(t, Date.parse('2026-11-29T09:00:00Z'), Date.parse('2026-11-29T11:00:00Z'))).map((s) => s.at);
    expect(stored).toEqual([t1, t2]);
  });
});
