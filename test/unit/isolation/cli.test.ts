import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import { contract } from '../../../src-shared/contract';
import { findCommand, type Values } from '../../../src-main/cli/commands/index';
import { reportText, scanExitCode } from '../../../src-main/cli/commands/isolation';
import { analyze, countSeverities } from '../../../src-main/isolation/analyze';
import type { IsolationReport } from '../../../src-shared/contract/isolation';
import { snapshot } from './fixtures';

async function parse(argv: string[]) {
  const found = findCommand(argv)!;
  const { values, positionals } = parseArgs({ args: found.rest, options: { ...found.cmd.options, json: { type: 'boolean' } }, allowPositionals: true, strict: true }) as { values: Values; positionals: string[] };
  const named = Object.fromEntries(found.cmd.positionals.map((n, i) => [n, positionals[i]!]));
  const input = await found.cmd.input(values, named, { secret: async () => '' });
  return { cmd: found.cmd, input, parsed: contract[found.cmd.channel].input.safeParse(input) };
}

function report(s = snapshot(['a', 'b'])): IsolationReport {
  const { findings, stats } = analyze(s);
  return { cluster: 'prod', scannedAt: '2025-01-01T00:00:00.000Z', scannedBy: 'cassandra', tenant: null, counts: countSeverities(findings), stats: { ...stats, readMs: 1, analysisMs: 1 }, auth: s.auth, findings };
}

describe('csm isolation … (unit: inputs, text, exit codes)', () => {
  it('scan: --cluster and --tenant optional, both validated by the contract', async () => {
    expect((await parse(['isolation', 'scan'])).input).toEqual({});
    const r = await parse(['isolation', 'scan', '--cluster', 'prod', '--tenant', 'acme', '--json']);
    expect(r.input).toEqual({ cluster: 'prod', tenant: 'acme' });
    expect(r.parsed.success).toBe(true);
    expect((await parse(['isolation', 'scan', '--tenant', 'Bad Id'])).parsed.success).toBe(false);
  });

  it('scan exits 1 only for warning or worse: the schema-visibility note alone is 0', () => {
    const clean = report();
    expect(clean.counts).toEqual({ critical: 0, warning: 0, info: 1 });
    expect(scanExitCode(clean)).toBe(0);
    const dirty = report(snapshot(['a', 'b'], { permissions: [{ role: 'tenant_a_admin', resource: 'data/tenant_b_data', permissions: ['SELECT'] }] }));
    expect(scanExitCode(dirty)).toBe(1);
    expect(scanExitCode({ counts: { critical: 0, warning: 1, info: 0 } })).toBe(1);
    const text = reportText(dirty);
    expect(text).toContain('[critical]');
    expect(text).toContain('fix: REVOKE SELECT ON KEYSPACE "tenant_b_data" FROM "tenant_a_admin"');
    expect(reportText(clean)).toContain('no role reaches across a tenant boundary');
  });

  it('fix takes the finding id as its argument and needs --cluster; export needs --out', async () => {
    const r = await parse(['isolation', 'fix', '0123456789abcdef', '--cluster', 'prod']);
    expect(r.input).toEqual({ cluster: 'prod', findingId: '0123456789abcdef' });
    expect(r.cmd.exitCode?.({ resolved: false } as never)).toBe(1);
    await expect(parse(['isolation', 'fix', '0123456789abcdef'])).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(parse(['isolation', 'export', '--cluster', 'prod'])).rejects.toMatchObject({ code: 'BAD_INPUT' });
    expect((await parse(['isolation', 'export', '--cluster', 'prod', '--out', '/tmp/csm-nonexistent-report.json'])).input).toEqual({ cluster: 'prod' });
  });
});
