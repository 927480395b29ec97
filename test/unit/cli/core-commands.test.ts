import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import { contract, type ChannelOutput } from '../../../src-shared/contract';
import { COMMANDS, findCommand, type Values } from '../../../src-main/cli/commands/index';

/** What main.ts does up to dispatch: find the command, parse its options, build and check the channel input. */
async function parse(argv: string[]) {
  const found = findCommand(argv);
  if (!found) throw new Error(`no command for ${argv.join(' ')}`);
  const { values, positionals } = parseArgs({ args: found.rest, options: { ...found.cmd.options, json: { type: 'boolean' } }, allowPositionals: true, strict: true }) as { values: Values; positionals: string[] };
  expect(positionals).toHaveLength(found.cmd.positionals.length);
  const named = Object.fromEntries(found.cmd.positionals.map((n, i) => [n, positionals[i]!]));
  const input = await found.cmd.input(values, named, { secret: async () => 'unused' });
  return { cmd: found.cmd, values, input, parsed: contract[found.cmd.channel].input.safeParse(input) };
}

const codeOf = (p: Promise<unknown>): Promise<{ code: string; message: string }> =>
  p.then(
    () => ({ code: 'none', message: '' }),
    (e: { code: string; message: string }) => ({ code: e.code, message: e.message }),
  );

describe('csm signout', () => {
  it('names its cluster and calls session.signOut', async () => {
    const r = await parse(['signout', '--cluster', 'prod', '--json']);
    expect(r.cmd.channel).toBe('session.signOut');
    expect(r.input).toEqual({ cluster: 'prod' });
    expect(r.parsed.success).toBe(true);
    expect(await codeOf(parse(['signout']))).toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/--cluster/) });
    expect((await parse(['signout', '--cluster', 'Not Valid'])).parsed.success).toBe(false);
  });

  it('says what happened, and why a csm run usually has nothing to sign out', async () => {
    const { cmd } = await parse(['signout', '--cluster', 'prod']);
    const text = (v: ChannelOutput<'session.signOut'>): string => cmd.text(v as never);
    expect(text({ signedOut: true })).toMatch(/^signed out/);
    expect(text({ signedOut: false })).toMatch(/nothing to sign out/);
    expect(text({ signedOut: false })).toMatch(/each csm command signs in .* closes its sessions when it ends/);
  });
});

describe('csm jobs cancel', () => {
  it('takes the job id as its argument and calls jobs.cancel', async () => {
    const id = '3f2c1a9e-0b7d-4c55-9e21-6a8f0d4b2c11';
    const r = await parse(['jobs', 'cancel', id, '--json']);
    expect(r.cmd.channel).toBe('jobs.cancel');
    expect(r.input).toEqual({ jobId: id });
    expect(r.parsed.success).toBe(true);
    expect((await parse(['jobs', 'cancel', 'x'.repeat(65)])).parsed.success).toBe(false);
    // `jobs list` is still its own command.
    expect(findCommand(['jobs', 'list'])?.cmd.channel).toBe('jobs.list');
  });

  it('when nothing was cancelled, says that a csm run only sees its own jobs', async () => {
    const { cmd } = await parse(['jobs', 'cancel', 'abc']);
    const text = (v: ChannelOutput<'jobs.cancel'>): string => cmd.text(v as never);
    expect(text({ cancelled: true })).toMatch(/cancel requested/);
    const none = text({ cancelled: false });
    expect(none).toMatch(/^nothing cancelled/);
    expect(none).toMatch(/only sees the jobs it started itself/);
    expect(none).toMatch(/desktop app or csm serve/);
  });
});

describe('csm cluster sandbox-status', () => {
  it('is its own command (not `cluster sandbox`, which starts the node) and takes no input', async () => {
    const r = await parse(['cluster', 'sandbox-status', '--json']);
    expect(r.cmd.channel).toBe('cluster.sandboxStatus');
    expect(r.input).toEqual({});
    expect(r.parsed.success).toBe(true);
    expect(findCommand(['cluster', 'sandbox'])?.cmd.channel).toBe('cluster.sandboxStart');
  });

  it('reports each state in words', async () => {
    const { cmd } = await parse(['cluster', 'sandbox-status']);
    const text = (v: ChannelOutput<'cluster.sandboxStatus'>): string => cmd.text(v as never);
    expect(text({ available: true, running: true, registered: true, contactPoint: '127.0.0.1:9042', reason: null })).toBe(
      'sandbox node: running at 127.0.0.1:9042\nregistered as "sandbox": yes',
    );
    expect(text({ available: true, running: false, registered: false, contactPoint: null, reason: null })).toBe(
      'sandbox node: not running\nregistered as "sandbox": no\nstart and register it with: csm cluster sandbox',
    );
    expect(text({ available: false, running: false, registered: true, contactPoint: null, reason: 'node is not on PATH' })).toBe(
      'sandbox node: not available (node is not on PATH)\nregistered as "sandbox": yes',
    );
  });
});

it('every new command is in the usage list', () => {
  const usages = COMMANDS.map((c) => c.usage);
  for (const u of ['csm signout --cluster NAME', 'csm jobs cancel JOB_ID', 'csm cluster sandbox-status']) expect(usages.some((x) => x.startsWith(u))).toBe(true);
});
