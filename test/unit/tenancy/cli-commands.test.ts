import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { contract } from '../../../src-shared/contract';
import { findCommand, type Values } from '../../../src-main/cli/commands/index';
import { DEFAULT_TEMPLATE } from '../../../src-shared/rules/templates';
import { appErrorOfAsync } from './helpers';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'csm-tenant-cli-'));
  dirs.push(d);
  return d;
};

const PASSWORD = 'correct horse battery staple';

/** What main.ts does up to dispatch: find the command, parse its options, build the channel input. */
async function parse(argv: string[]) {
  const found = findCommand(argv);
  if (!found) throw new Error(`no command for ${argv.join(' ')}`);
  const { values, positionals } = parseArgs({ args: found.rest, options: { ...found.cmd.options, json: { type: 'boolean' } }, allowPositionals: true, strict: true }) as { values: Values; positionals: string[] };
  const named = Object.fromEntries(found.cmd.positionals.map((n, i) => [n, positionals[i]!]));
  const asked: { label: string; fromStdin: boolean }[] = [];
  const input = (await found.cmd.input(values, named, { secret: async (label, fromStdin) => (asked.push({ label, fromStdin }), PASSWORD) })) as Record<string, unknown>;
  const parsed = contract[found.cmd.channel].input.safeParse(input);
  return { cmd: found.cmd, input, parsed, asked };
}

describe('csm tenant create', () => {
  it('builds the full input from every option, with --dc repeated', async () => {
    const r = await parse([
      'tenant', 'create', '--id', 'acme', '--name', 'Acme Corp', '--cluster', 'prod', '--template', 'default', '--tier', 'premium',
      '--isolation', 'cluster', '--dc', 'dc1', '--dc', 'dc2', '--color', '#12ab34', '--admin-user', 'alice', '--admin-password-stdin',
    ]);
    expect(r.cmd.channel).toBe('tenant.create');
    expect(r.input).toEqual({
      id: 'acme',
      name: 'Acme Corp',
      adminUser: 'alice',
      adminPassword: PASSWORD,
      cluster: 'prod',
      template: 'default',
      tier: 'premium',
      isolation: 'cluster',
      color: '#12ab34',
      dataCenters: ['dc1', 'dc2'],
    });
    expect(r.parsed.success).toBe(true);
  });

  it('leaves optional fields out when they are absent (the channel defaults and placement apply)', async () => {
    const r = await parse(['tenant', 'create', '--id', 'acme', '--name', 'Acme', '--admin-user', 'alice', '--admin-password-stdin']);
    expect(r.input).toEqual({ id: 'acme', name: 'Acme', adminUser: 'alice', adminPassword: PASSWORD });
    expect(Object.keys(r.input).sort()).toEqual(['adminPassword', 'adminUser', 'id', 'name']);
    expect(r.parsed.success).toBe(true);
    if (r.parsed.success) expect(r.parsed.data).toMatchObject({ tier: 'standard', template: 'default', isolation: 'keyspace' });
    // one --dc is still a list
    expect((await parse(['tenant', 'create', '--id', 'acme', '--name', 'Acme', '--admin-user', 'alice', '--dc', 'dc1', '--admin-password-stdin'])).input['dataCenters']).toEqual(['dc1']);
  });

  it('reads the password only through io.secret: from stdin with --admin-password-stdin, prompted otherwise', async () => {
    const piped = await parse(['tenant', 'create', '--id', 'acme', '--name', 'Acme', '--admin-user', 'alice', '--admin-password-stdin']);
    expect(piped.asked).toEqual([{ label: 'password for the tenant admin alice', fromStdin: true }]);
    const prompted = await parse(['tenant', 'create', '--id', 'acme', '--name', 'Acme', '--admin-user', 'alice']);
    expect(prompted.asked).toEqual([{ label: 'password for the tenant admin alice', fromStdin: false }]);
  });

  it('has no option that takes the password on the command line', async () => {
    await expect(parse(['tenant', 'create', '--id', 'acme', '--name', 'Acme', '--admin-user', 'alice', '--admin-password', 'hunter2hunter2'])).rejects.toThrow(/Unknown option '--admin-password'/);
  });

  it('refuses a missing --id, --name or --admin-user before asking for the password', async () => {
    for (const [argv, flag] of [
      [['tenant', 'create', '--name', 'Acme', '--admin-user', 'alice', '--admin-password-stdin'], '--id'],
      [['tenant', 'create', '--id', 'acme', '--admin-user', 'alice', '--admin-password-stdin'], '--name'],
      [['tenant', 'create', '--id', 'acme', '--name', 'Acme', '--admin-password-stdin'], '--admin-user'],
    ] as const) {
      const found = findCommand([...argv])!;
      const { values } = parseArgs({ args: found.rest, options: found.cmd.options, strict: true }) as { values: Values };
      let asked = 0;
      const e = await appErrorOfAsync(found.cmd.input(values, {}, { secret: async () => (asked++, PASSWORD) }));
      expect(e).toEqual({ code: 'BAD_INPUT', message: `${flag} is required` });
      expect(asked).toBe(0);
    }
  });
});

describe('csm tenant delete', () => {
  it('without --purge is BAD_INPUT', async () => {
    const e = await appErrorOfAsync(parse(['tenant', 'delete', 'acme', '--cluster', 'prod', '--confirm', 'acme']));
    expect(e.code).toBe('BAD_INPUT');
    expect(e.message).toMatch(/--purge/);
  });

  it('with --purge and --confirm carries both', async () => {
    const r = await parse(['tenant', 'delete', 'acme', '--cluster', 'prod', '--purge', '--confirm', 'acme']);
    expect(r.input).toEqual({ cluster: 'prod', tenant: 'acme', purge: true, confirm: 'acme' });
    expect(r.parsed.success).toBe(true);
    expect(await appErrorOfAsync(parse(['tenant', 'delete', 'acme', '--cluster', 'prod', '--purge']))).toEqual({ code: 'BAD_INPUT', message: '--confirm is required' });
  });
});

describe('csm template save', () => {
  it('sends the file’s JSON as the template', async () => {
    const f = join(tmp(), 'tpl.json');
    writeFileSync(f, JSON.stringify({ ...DEFAULT_TEMPLATE, name: 'mine' }));
    const r = await parse(['template', 'save', '--cluster', 'prod', '--file', f]);
    expect(r.input).toEqual({ cluster: 'prod', template: { ...DEFAULT_TEMPLATE, name: 'mine' } });
    expect(r.parsed.success).toBe(true);
  });

  it('refuses a file that is not JSON, naming the file', async () => {
    const f = join(tmp(), 'tpl.yaml');
    writeFileSync(f, 'name: mine\nreplicationFactor: 3\n');
    const e = await appErrorOfAsync(parse(['template', 'save', '--cluster', 'prod', '--file', f]));
    expect(e.code).toBe('BAD_INPUT');
    expect(e.message.startsWith(`${f}: not a readable JSON file (`)).toBe(true);
  });

  it('refuses a missing file, naming it', async () => {
    const f = join(tmp(), 'nope.json');
    const e = await appErrorOfAsync(parse(['template', 'save', '--cluster', 'prod', '--file', f]));
    expect(e.code).toBe('BAD_INPUT');
    expect(e.message).toContain(`${f}: not a readable JSON file`);
  });
});
