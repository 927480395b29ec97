import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import { contract } from '../../../src-shared/contract';
import { findCommand, type Values } from '../../../src-main/cli/commands/index';
import { complianceExitCode, scanText } from '../../../src-main/cli/commands/compliance';
import type { ComplianceScan } from '../../../src-shared/contract/compliance';
import { scanFixture } from './fixtures';

async function parse(argv: string[]) {
  const found = findCommand(argv)!;
  const { values, positionals } = parseArgs({ args: found.rest, options: { ...found.cmd.options, json: { type: 'boolean' } }, allowPositionals: true, strict: true }) as { values: Values; positionals: string[] };
  const named = Object.fromEntries(found.cmd.positionals.map((n, i) => [n, positionals[i]!]));
  const input = await found.cmd.input(values, named, { secret: async () => '' });
  return { cmd: found.cmd, input, parsed: contract[found.cmd.channel].input.safeParse(input) };
}

describe('csm compliance … (unit: inputs, text, exit codes)', () => {
  it('set: boundary DC=REGION pairs, frameworks, overrides from flags', async () => {
    const r = await parse(['compliance', 'set', '--cluster', 'prod', '--tenant', 'acme', '--dc', 'dc1=eu-west-1', '--dc', 'dc2=eu-central-1', '--framework', 'PCI-DSS', '--framework', 'GDPR', '--approval', 'tenant.delete', '--retention-years', '3', '--json']);
    expect(r.input).toEqual({ cluster: 'prod', tenant: 'acme', boundary: [{ dc: 'dc1', region: 'eu-west-1' }, { dc: 'dc2', region: 'eu-central-1' }], frameworks: ['PCI-DSS', 'GDPR'], overrides: { approvalRequired: ['tenant.delete'], retentionYears: 3 } });
    expect(r.parsed.success).toBe(true);
    expect(r.cmd.channel).toBe('compliance.set');
  });

  it('set: leaves out what was not given (kept), removes with --no-boundary / --clear-overrides', async () => {
    expect((await parse(['compliance', 'set', '--cluster', 'prod', '--tenant', 'acme'])).input).toEqual({ cluster: 'prod', tenant: 'acme' });
    expect((await parse(['compliance', 'set', '--cluster', 'prod', '--tenant', 'acme', '--no-boundary', '--clear-overrides', '--no-frameworks'])).input).toEqual({ cluster: 'prod', tenant: 'acme', boundary: null, overrides: {}, frameworks: [] });
  });

  it('set: bad input is refused with a reason before anything is sent', async () => {
    await expect(parse(['compliance', 'set', '--cluster', 'prod', '--tenant', 'acme', '--dc', 'dc1'])).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringContaining('DC=REGION') });
    await expect(parse(['compliance', 'set', '--cluster', 'prod', '--tenant', 'acme', '--framework', 'ISO'])).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(parse(['compliance', 'set', '--cluster', 'prod', '--tenant', 'acme', '--retention-years', 'ten'])).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(parse(['compliance', 'set', '--cluster', 'prod'])).rejects.toMatchObject({ code: 'BAD_INPUT', message: '--tenant is required' });
    expect((await parse(['compliance', 'set', '--cluster', 'prod', '--tenant', 'acme', '--dc', "dc1'=x"])).parsed.success).toBe(false);
  });

  it('scan exits 1 when a control fails or drift exists, 0 when all pass; show and fix map to their channels', async () => {
    expect(complianceExitCode({ counts: { drift: 0, failed: 0, unknown: 2 } })).toBe(0);
    expect(complianceExitCode({ counts: { drift: 1, failed: 0, unknown: 0 } })).toBe(1);
    expect(complianceExitCode({ counts: { drift: 0, failed: 1, unknown: 0 } })).toBe(1);
    const s = await parse(['compliance', 'scan', '--cluster', 'prod', '--tenant', 'acme']);
    expect(s.cmd.exitCode?.(scanFixture() as never)).toBe(1);
    expect((await parse(['compliance', 'show', '--cluster', 'prod', '--tenant', 'acme'])).cmd.channel).toBe('compliance.get');
    const f = await parse(['compliance', 'fix', '0123456789abcdef', '--cluster', 'prod', '--tenant', 'acme']);
    expect(f.input).toEqual({ cluster: 'prod', tenant: 'acme', driftId: '0123456789abcdef' });
    expect(f.cmd.exitCode?.({ resolved: false } as never)).toBe(1);
  });

  it('scan text shows drift with its fix and each control with its CLI pointer', () => {
    const text = scanText(scanFixture() as ComplianceScan);
    expect(text).toContain('fix: ALTER ROLE "tenant_acme_u_boss" WITH ACCESS TO DATACENTERS {\'dc1\'}');
    expect(text).toMatch(/login-roles-dc-restricted\s+FAIL/);
    expect(text).toContain('csm compliance fix DRIFT --cluster prod --tenant acme');
  });
});
