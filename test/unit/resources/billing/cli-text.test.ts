import { describe, expect, it } from 'vitest';
import { BILLING_COMMANDS, statementText } from '../../../../src-main/cli/commands/billing';
import type { Values } from '../../../../src-main/cli/commands/util';

const io = { secret: async () => '' };
const cmd = (words: string) => BILLING_COMMANDS.find((c) => c.words.join(' ') === words)!;

describe('csm billing text and arguments', () => {
  it('prints money from minor units, the total and the notes', () => {
    const text = statementText({
      cluster: 'c',
      tenant: 'acme',
      costCentre: 'R&D',
      from: '2026-11-01T00:00:00.000Z',
      to: '2026-12-01T00:00:00.000Z',
      currency: 'EUR',
      lines: [
        { item: 'storage', quantity: '2.500000', unit: 'GB-month', rateMinor: 10, amountMinor: 25, precision: 'estimate' },
        { item: 'tier', quantity: '1.000000', unit: 'month (standard)', rateMinor: 500000, amountMinor: 500000, precision: 'exact' },
      ],
      totalMinor: 500025,
      coverage: 0.75,
      samples: 12,
      maxGapSeconds: 21600,
      notes: ['requests: 1 counter reset counted from 0'],
    });
    expect(text).toContain('0.25 EUR');
    expect(text).toContain('5,000.25 EUR');
    expect(text).toContain('coverage 75.00 %');
    expect(text).toContain('note: requests: 1 counter reset');
  });

  it('turns options into channel input and refuses what the channel would not take', async () => {
    await expect(cmd('billing cost-centre').input({ cluster: 'c', tenant: 'acme' } as Values, {}, io)).rejects.toThrow(/exactly one of --set NAME or --clear/);
    expect(await cmd('billing cost-centre').input({ cluster: 'c', tenant: 'acme', clear: true } as Values, {}, io)).toEqual({ cluster: 'c', tenant: 'acme', costCentre: null });
    expect(await cmd('analytics').input({ cluster: 'c', k: '5', epsilon: '0.5', 'group-by': 'region', 'clip-storage-gb': '20' } as Values, {}, io)).toEqual({ cluster: 'c', k: 5, epsilon: 0.5, groupBy: 'region', clip: { storageGb: 20 } });
    await expect(cmd('analytics').input({ cluster: 'c', k: 'five' } as Values, {}, io)).rejects.toThrow(/--k/);
    const report = (await cmd('billing report').input({ cluster: 'c', from: 'a', to: 'b', out: 'r.csv' } as Values, {}, io)) as { out: string };
    expect(report.out.startsWith('/')).toBe(true); // resolved against the working directory by the CLI
  });
});
