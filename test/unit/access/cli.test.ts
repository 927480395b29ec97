import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import { contract } from '../../../src-shared/contract';
import type { ApprovalRequest, SupportGrant } from '../../../src-shared/contract/access';
import { credentialsFile, expiresIn } from '../../../src-main/cli/commands/access';
import { findCommand, type Values } from '../../../src-main/cli/commands/index';

/** What main.ts does up to dispatch: find the command, parse its options, build and check the channel input. */
async function parse(argv: string[]) {
  const found = findCommand(argv);
  if (!found) throw new Error(`no command for ${argv.join(' ')}`);
  const { values, positionals } = parseArgs({ args: found.rest, options: { ...found.cmd.options, json: { type: 'boolean' } }, allowPositionals: true, strict: true }) as { values: Values; positionals: string[] };
  const named = Object.fromEntries(found.cmd.positionals.map((n, i) => [n, positionals[i]!]));
  const input = await found.cmd.input(values, named, { secret: async () => 'unused' });
  return { cmd: found.cmd, values, input, parsed: contract[found.cmd.channel].input.safeParse(input) };
}
const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'none',
    (e: { code: string }) => e.code,
  );
const ID = '0123456789abcdef';

const grant = (over: Partial<SupportGrant> = {}): SupportGrant => ({
  id: ID,
  tenant: 'acme',
  requestedBy: 'ops_alice',
  requestedAt: '2030-01-01T00:00:00.000Z',
  minutes: 60,
  readOnly: true,
  reason: 'ticket',
  state: 'active',
  decideBy: null,
  decidedBy: 'tenant_acme_u_boss',
  decidedAt: null,
  decisionNote: null,
  activatedBy: 'ops_alice',
  activatedAt: '2030-01-01T00:00:00.000Z',
  role: 'tenant_acme_support_0a1b2c3d',
  expiresAt: '2030-01-01T01:00:00.000Z',
  revokeRequestedBy: null,
  revokedBy: null,
  revokedAt: null,
  revokeReason: null,
  history: [],
  ...over,
});

describe('csm support …', () => {
  it('request: minutes, read-only and reason become the channel input; bad minutes exit as BAD_INPUT', async () => {
    const r = await parse(['support', 'request', '--cluster', 'prod', '--tenant', 'acme', '--minutes', '90', '--read-only', '--reason', 'ticket 1', '--json']);
    expect(r.cmd.channel).toBe('support.request');
    expect(r.input).toEqual({ cluster: 'prod', tenant: 'acme', minutes: 90, readOnly: true, reason: 'ticket 1' });
    expect(r.parsed.success).toBe(true);
    expect((await parse(['support', 'request', '--cluster', 'prod', '--tenant', 'acme', '--minutes', '90', '--reason', 'x'])).input).toMatchObject({ readOnly: false });
    expect(await codeOf(parse(['support', 'request', '--cluster', 'prod', '--tenant', 'acme', '--minutes', 'ninety', '--reason', 'x']))).toBe('BAD_INPUT');
    expect(await codeOf(parse(['support', 'request', '--cluster', 'prod', '--tenant', 'acme', '--minutes', '10']))).toBe('BAD_INPUT'); // no --reason
    expect((await parse(['support', 'request', '--cluster', 'prod', '--tenant', 'acme', '--minutes', '1441', '--reason', 'x'])).parsed.success).toBe(false);
    expect((await parse(['support', 'request', '--cluster', 'prod', '--tenant', 'acme', '--minutes', '0', '--reason', 'x'])).parsed.success).toBe(false);
  });

  it('approve / reject / revoke / activate / list / credentials map to their channels', async () => {
    expect((await parse(['support', 'approve', ID, '--cluster', 'prod', '--tenant', 'acme'])).input).toEqual({ cluster: 'prod', tenant: 'acme', id: ID });
    expect(await codeOf(parse(['support', 'reject', ID, '--cluster', 'prod', '--tenant', 'acme']))).toBe('BAD_INPUT'); // reason required
    expect((await parse(['support', 'revoke', ID, '--cluster', 'prod', '--tenant', 'acme', '--reason', 'done'])).input).toEqual({ cluster: 'prod', tenant: 'acme', id: ID, reason: 'done' });
    expect((await parse(['support', 'activate', ID, '--cluster', 'prod'])).cmd.channel).toBe('support.activate');
    expect((await parse(['support', 'list', '--cluster', 'prod', '--tenant', 'acme'])).input).toEqual({ cluster: 'prod', tenant: 'acme' });
    expect((await parse(['support', 'approve', 'not-an-id', '--cluster', 'prod', '--tenant', 'acme'])).parsed.success).toBe(false);
    expect(await codeOf(parse(['support', 'credentials', ID, '--cluster', 'prod']))).toBe('BAD_INPUT'); // --out required
  });

  it('credentials: the password goes to a 0600 file, never to stdout', async () => {
    const { cmd, values } = await parse(['support', 'credentials', ID, '--cluster', 'prod', '--out', join(mkdtempSync(join(tmpdir(), 'csm-cred-')), 'sup.cred')]);
    const delivered = (await cmd.deliver!({ id: ID, tenant: 'acme', username: 'tenant_acme_support_0a1b2c3d', password: 'S3cret-value', expiresAt: '2030-01-01T01:00:00.000Z' }, values)) as Record<string, unknown>;
    expect(JSON.stringify(delivered)).not.toContain('S3cret-value');
    expect(cmd.text(delivered as never)).not.toContain('S3cret-value');
    const file = delivered['written'] as string;
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toContain('password = S3cret-value');
    // Never over an existing file without --force.
    expect(await codeOf(cmd.deliver!({ id: ID, tenant: 'acme', username: 'u', password: 'p', expiresAt: 'x' }, values))).toBe('CONFLICT');
    expect(credentialsFile({ id: ID, tenant: 'acme', username: 'u', password: 'p', expiresAt: 'e' })).toMatch(/^\[PlainTextAuthProvider\]$/m);
  });

  it('shows the window as the table does', async () => {
    const now = new Date('2030-01-01T00:15:00.000Z');
    expect(expiresIn(grant(), now)).toBe('45 min');
    expect(expiresIn(grant({ expiresAt: '2030-01-01T03:00:00.000Z' }), now)).toBe('2 h 45 min');
    expect(expiresIn(grant({ state: 'revoked' }), now)).toBe('—');
    const { cmd } = await parse(['support', 'list', '--cluster', 'prod']);
    expect(cmd.text([grant()] as never)).toMatch(/ID\s+TENANT\s+STATE[\s\S]*tenant_acme_support_0a1b2c3d/);
    expect(cmd.text([] as never)).toBe('no support requests');
  });
});

describe('csm approval …', () => {
  it('list / approve / reject / cancel map to their channels; reject needs a reason', async () => {
    expect((await parse(['approval', 'list', '--cluster', 'prod', '--state', 'pending'])).input).toEqual({ cluster: 'prod', state: 'pending' });
    expect((await parse(['approval', 'list', '--cluster', 'prod', '--state', 'bogus'])).parsed.success).toBe(false);
    expect((await parse(['approval', 'approve', ID, '--cluster', 'prod', '--reason', 'ok by me'])).input).toEqual({ cluster: 'prod', id: ID, note: 'ok by me' });
    expect(await codeOf(parse(['approval', 'reject', ID, '--cluster', 'prod']))).toBe('BAD_INPUT');
    expect((await parse(['approval', 'cancel', ID, '--cluster', 'prod'])).cmd.channel).toBe('approval.cancel');
  });

  it('approve exits 1 when the carried-out call failed', async () => {
    const { cmd } = await parse(['approval', 'approve', ID, '--cluster', 'prod']);
    const req = { id: ID, channel: 'tenant.suspend', tenant: 'acme', state: 'failed', decidedBy: 'bob' } as ApprovalRequest;
    expect(cmd.exitCode!({ request: req, outcome: { ok: false, summary: 's', jobId: null, errorCode: 'CONFLICT', errorMessage: 'tenant acme is suspended' } } as never)).toBe(1);
    expect(cmd.exitCode!({ request: { ...req, state: 'executed' }, outcome: { ok: true, summary: 's', jobId: null, errorCode: null, errorMessage: null } } as never)).toBe(0);
    expect(cmd.text({ request: req, outcome: { ok: false, summary: 's', jobId: null, errorCode: 'CONFLICT', errorMessage: 'tenant acme is suspended' } } as never)).toMatch(/the call failed: CONFLICT/);
  });
});
