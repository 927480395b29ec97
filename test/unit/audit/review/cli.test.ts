import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AUDIT_COMMANDS, whenOption } from '../../../../src-main/cli/commands/audit';
import type { Command, Values } from '../../../../src-main/cli/commands/util';
import { contract } from '../../../../src-shared/contract';

const io = { secret: async () => '' };
const cmd = (...words: string[]): Command => {
  const c = AUDIT_COMMANDS.find((x) => x.words.join(' ') === words.join(' '));
  if (!c) throw new Error(`no command ${words.join(' ')}`);
  return c;
};
/** The input a command builds, parsed by its channel's schema as the router would. */
async function input(words: string[], values: Values, positionals: Record<string, string> = {}): Promise<unknown> {
  const c = cmd(...words);
  return contract[c.channel].input.parse(await c.input(values, positionals, io));
}

describe('csm audit review commands', () => {
  it('have unique words', () => {
    const all = AUDIT_COMMANDS.map((c) => c.words.join(' '));
    expect(new Set(all).size).toBe(all.length);
  });

  it('take times as ISO or as ages', () => {
    const now = Date.parse('2026-05-10T12:00:00Z');
    expect(whenOption({ since: '24h' }, 'since', now)).toBe('2026-05-09T12:00:00.000Z');
    expect(whenOption({ since: '7d' }, 'since', now)).toBe('2026-05-03T12:00:00.000Z');
    expect(whenOption({ since: '2026-01-31T12:00:00+01:00' }, 'since', now)).toBe('2026-01-31T11:00:00.000Z');
    expect(whenOption({}, 'since', now)).toBeUndefined();
    expect(() => whenOption({ since: 'yesterday' }, 'since', now)).toThrow(/an ISO time/);
    expect(() => whenOption({ since: '12' }, 'since', now)).toThrow(/an ISO time/);
  });

  it('build channel inputs: filters, absolute paths, snapshot ids', async () => {
    expect(await input(['audit', 'query'], { cluster: 'prod', tenant: 'ab', type: 'SELECT', text: 'NEAR( x', outcome: 'refused', limit: '50', before: '900' })).toEqual({
      cluster: 'prod',
      tenant: 'ab',
      filter: { type: 'SELECT', text: 'NEAR( x', outcome: 'refused', limit: 50, beforeSeq: 900 },
    });
    const exp = (await input(['audit', 'export'], { cluster: 'prod', tenant: 'ab', out: 'snap.zip' })) as { out: string; overwrite: boolean };
    expect(exp.out).toBe(`${process.cwd()}/snap.zip`);
    expect(exp.overwrite).toBe(false);
    expect(await input(['audit', 'verify'], {}, { target: 'a'.repeat(32) })).toEqual({ snapshotId: 'a'.repeat(32) });
    expect(await input(['audit', 'verify'], {}, { target: '/tmp/x.zip' })).toEqual({ file: '/tmp/x.zip' });
    // a 32-hex name that exists (here: in the current directory) is a file, not a snapshot id
    const dir = mkdtempSync(join(tmpdir(), 'csm-verify-'));
    const cwd = process.cwd();
    try {
      const name = 'b'.repeat(32);
      writeFileSync(join(dir, name), 'snapshot bytes');
      process.chdir(dir);
      expect(await input(['audit', 'verify'], {}, { target: name })).toEqual({ file: join(realpathSync(dir), name) });
      expect(await input(['audit', 'verify'], {}, { target: 'c'.repeat(32) })).toEqual({ snapshotId: 'c'.repeat(32) });
    } finally {
      process.chdir(cwd);
      rmSync(dir, { recursive: true, force: true });
    }
    expect(await input(['audit', 'import'], {}, { file: 'x.zip' })).toEqual({ file: `${process.cwd()}/x.zip` });
    await expect(input(['audit', 'export'], { cluster: 'prod', out: '/tmp/x' })).rejects.toThrow(/--tenant is required/);
    await expect(input(['audit', 'query'], { tenant: 'ab' })).rejects.toThrow(/--cluster is required/);
    await expect(input(['audit', 'query'], { cluster: 'prod', limit: 'many' })).rejects.toThrow(/--limit: a whole number/);
    await expect(input(['audit', 'query'], { cluster: 'prod', outcome: 'maybe' })).rejects.toThrow();
  });

  it('verify exits 1 when tampered', () => {
    const v = { stream: 'tenant:ab', intact: false, events: 3, batches: 1, firstSeq: 1, lastSeq: 3, headHash: 'h', signers: [], problems: [{ kind: 'edited' as const, seq: 2, batch: null, message: 'event 2 was changed' }], verifiedAt: 'x' };
    const c = cmd('audit', 'verify');
    expect(c.exitCode!(v as never)).toBe(1);
    expect(c.exitCode!({ ...v, intact: true, problems: [] } as never)).toBe(0);
    expect(c.text(v as never)).toContain('TAMPERED');
    expect(c.text(v as never)).toContain('edited at seq 2: event 2 was changed');
  });
});
