import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import { contract } from '../../../src-shared/contract';
import { findCommand, type Values } from '../../../src-main/cli/commands/index';
import { everyInput, statusExitCode, statusText } from '../../../src-main/cli/commands/isolation';
import type { IsolationAlert, MonitorStatus } from '../../../src-shared/contract/isolation';

async function parse(argv: string[]) {
  const found = findCommand(argv)!;
  const { values, positionals } = parseArgs({ args: found.rest, options: { ...found.cmd.options, json: { type: 'boolean' } }, allowPositionals: true, strict: true }) as { values: Values; positionals: string[] };
  const named = Object.fromEntries(found.cmd.positionals.map((n, i) => [n, positionals[i]!]));
  const input = await found.cmd.input(values, named, { secret: async () => '' });
  return { cmd: found.cmd, input, parsed: contract[found.cmd.channel].input.safeParse(input) };
}

const alert = (over: Partial<IsolationAlert> = {}): IsolationAlert => ({
  id: '5f0c7b39-1d2e-4e0a-9b7e-3c4d5e6f7a8b',
  cluster: 'prod',
  findingId: '0123456789abcdef',
  kind: 'cross-tenant-grant',
  severity: 'critical',
  tenants: ['a', 'b'],
  title: 'Role tenant_a_admin of tenant a holds SELECT on tenant b’s KEYSPACE tenant_b_data',
  trigger: 'schedule',
  raisedAt: '2025-01-01T00:00:00.000Z',
  raisedBy: 'cassandra',
  acknowledgedBy: null,
  acknowledgedAt: null,
  resolvedAt: null,
  ...over,
});
const status = (alerts: IsolationAlert[]): MonitorStatus => ({
  cluster: 'prod',
  schedule: { everyMinutes: 15, isDefault: true, updatedBy: null, updatedAt: null },
  lastScan: { at: '2025-01-01T00:00:00.000Z', by: 'cassandra', trigger: 'schedule', counts: { critical: 1, warning: 0, info: 1 }, global: { critical: 0, warning: 0, info: 1 } },
  lastError: null,
  nextScanAt: null,
  scanning: false,
  stale: false,
  openAlerts: alerts,
  unacknowledged: alerts.filter((a) => !a.acknowledgedAt).length,
  byTenant: {},
});

describe('csm isolation status | ack | schedule (unit)', () => {
  it('status: exit 1 while an alert waits for acknowledgement, 0 once all are acknowledged', () => {
    expect(statusExitCode(status([alert()]))).toBe(1);
    expect(statusExitCode(status([alert({ resolvedAt: '2025-01-02T00:00:00.000Z' })]))).toBe(1);
    expect(statusExitCode(status([alert({ acknowledgedBy: 'ops', acknowledgedAt: '2025-01-02T00:00:00.000Z' })]))).toBe(0);
    expect(statusExitCode(status([]))).toBe(0);
    expect(statusExitCode({ ...status([]), stale: true })).toBe(1);
    const text = statusText(status([alert()]));
    expect(text).toContain('UNACKNOWLEDGED');
    expect(text).toContain('csm isolation ack ALERT --cluster prod');
  });

  it('inputs: status without --cluster, ack names its alert, schedule takes minutes or off', async () => {
    expect((await parse(['isolation', 'status'])).input).toEqual({});
    expect((await parse(['isolation', 'status', '--cluster', 'prod'])).parsed.success).toBe(true);
    const ack = await parse(['isolation', 'ack', '5f0c7b39-1d2e-4e0a-9b7e-3c4d5e6f7a8b', '--cluster', 'prod']);
    expect(ack.input).toEqual({ cluster: 'prod', alertId: '5f0c7b39-1d2e-4e0a-9b7e-3c4d5e6f7a8b' });
    expect((await parse(['isolation', 'ack', 'nope', '--cluster', 'prod'])).parsed.success).toBe(false);
    await expect(parse(['isolation', 'ack', '5f0c7b39-1d2e-4e0a-9b7e-3c4d5e6f7a8b'])).rejects.toMatchObject({ code: 'BAD_INPUT' });
    expect((await parse(['isolation', 'schedule', '--cluster', 'prod', '--every', '30'])).input).toEqual({ cluster: 'prod', everyMinutes: 30 });
    expect((await parse(['isolation', 'schedule', '--cluster', 'prod', '--every', 'OFF'])).input).toEqual({ cluster: 'prod', everyMinutes: 'off' });
    expect((await parse(['isolation', 'schedule', '--cluster', 'prod', '--every', '0'])).parsed.success).toBe(false);
    expect((await parse(['isolation', 'schedule', '--cluster', 'prod', '--every', '1441'])).parsed.success).toBe(false);
    expect(() => everyInput({ every: 'hourly' })).toThrow(/minutes between scans/);
    expect(() => everyInput({})).toThrow(/--every is required/);
  });
});
