import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import { contract } from '../../../src-shared/contract';
import { findCommand, type Values } from '../../../src-main/cli/commands/index';
import { viewText } from '../../../src-main/cli/commands/availability';

async function parse(argv: string[]) {
  const found = findCommand(argv);
  if (!found) throw new Error(`no command for ${argv.join(' ')}`);
  const { values } = parseArgs({ args: found.rest, options: { ...found.cmd.options, json: { type: 'boolean' } }, allowPositionals: true, strict: true }) as { values: Values };
  const input = await found.cmd.input(values, {}, { secret: async () => 'unused' });
  return { cmd: found.cmd, input, parsed: contract[found.cmd.channel].input.safeParse(input) };
}
const codeOf = (p: Promise<unknown>) => p.then(() => 'none', (e: { code: string }) => e.code);

describe('csm availability / health / capacity', () => {
  it('maps each command to its channel and input', async () => {
    expect(await parse(['availability', 'probe', '--tenant', 'ta_00000001', '--cluster', 'prod', '--json'])).toMatchObject({ input: { cluster: 'prod', tenant: 'ta_00000001' }, parsed: { success: true } });
    expect((await parse(['availability', 'show', '--tenant', 'ta_00000001', '--cluster', 'prod'])).cmd.channel).toBe('availability.show');
    expect(await parse(['availability', 'target', '--tenant', 'ta_00000001', '--cluster', 'prod', '--percent', '99.95'])).toMatchObject({ input: { percent: 99.95 }, parsed: { success: true } });
    expect(await parse(['availability', 'schedule', '--interval', '30'])).toMatchObject({ input: { intervalSeconds: 30 }, parsed: { success: true } });
    expect(await parse(['capacity', '--json'])).toMatchObject({ input: {}, parsed: { success: true } });
    expect(await parse(['health', '--cluster', 'prod'])).toMatchObject({ input: { cluster: 'prod' }, parsed: { success: true } });
    expect(await parse(['availability', 'window', 'add', '--tenant', 'ta_00000001', '--cluster', 'prod', '--from', '2026-12-01T00:00:00Z', '--to', '2026-12-01T02:00:00Z', '--reason', 'upgrade'])).toMatchObject({ parsed: { success: true } });
  });

  it('refuses bad input before any call', async () => {
    expect(await codeOf(parse(['availability', 'probe', '--cluster', 'prod']))).toBe('BAD_INPUT');
    expect(await codeOf(parse(['availability', 'target', '--tenant', 'ta_00000001', '--cluster', 'prod', '--percent', 'lots']))).toBe('BAD_INPUT');
    expect((await parse(['availability', 'target', '--tenant', 'ta_00000001', '--cluster', 'prod', '--percent', '100'])).parsed.success).toBe(false);
    expect((await parse(['availability', 'target', '--tenant', 'ta_00000001', '--cluster', 'prod', '--percent', '10'])).parsed.success).toBe(false);
    expect((await parse(['availability', 'schedule', '--interval', '0'])).parsed.success).toBe(false);
    expect((await parse(['availability', 'window', 'add', '--tenant', 'ta_00000001', '--cluster', 'prod', '--from', 'tomorrow', '--to', '2026-12-01T02:00:00Z', '--reason', 'x'])).parsed.success).toBe(false);
    expect((await parse(['availability', 'show', '--tenant', 'Bad Id', '--cluster', 'prod'])).parsed.success).toBe(false);
  });

  it('text: figures, budget, alert and incidents in words', () => {
    const t = viewText({
      cluster: 'prod',
      tenant: 'ta_00000001',
      target: { percent: 99.9, isDefault: true, updatedBy: null, updatedAt: null },
      periods: [{ period: '24h', percent: 99.5, monitoredMinutes: 1440, downMinutes: 7.2, excludedMinutes: 0, samples: 1440, budgetMinutes: 1.44, budgetLeftMinutes: -5.76 }],
      latest: null,
      chart: [],
      recent: [],
      incidents: [{ id: 1, startedAt: '2026-11-29T08:00:00.000Z', lastFailedAt: '2026-11-29T08:07:00.000Z', endedAt: null, samples: 8, errorClass: 'UNAVAILABLE', message: 'm' }],
      windows: [],
      alert: { cluster: 'prod', tenant: 'ta_00000001', state: 'raised', percent: 99.5, target: 99.9, at: '2026-11-29T08:01:00.000Z' },
      scheduled: false,
      intervalSeconds: 60,
    });
    expect(t).toMatch(/99\.500 %/);
    expect(t).toMatch(/-5\.76 of 1\.44/);
    expect(t).toMatch(/ALERT: below target/);
    expect(t).toMatch(/ONGOING \(8 failed probes\) UNAVAILABLE/);
  });
});
