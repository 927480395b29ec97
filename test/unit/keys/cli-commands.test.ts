import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { contract } from '../../../src-shared/contract';
import { findCommand, type Values } from '../../../src-main/cli/commands/index';
import { isFileCommand, writeSealedFile } from '../../../src-main/cli/commands/keys';
import { codeOf } from './helpers';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'csm-keys-cli-'));
  dirs.push(d);
  return d;
};

/** What main.ts does up to dispatch: find the command, parse its options, build the channel input. */
async function parse(argv: string[], stdin = 'correct horse battery staple') {
  const found = findCommand(argv)!;
  expect(found).not.toBeNull();
  const { values } = parseArgs({ args: found.rest, options: { ...found.cmd.options, json: { type: 'boolean' } }, allowPositionals: true, strict: true }) as { values: Values };
  const asked: { label: string; fromStdin: boolean }[] = [];
  const input = await found.cmd.input(values, {}, { secret: async (label, fromStdin) => (asked.push({ label, fromStdin }), stdin) });
  const parsed = contract[found.cmd.channel].input.safeParse(input);
  return { cmd: found.cmd, values, input, parsed, asked };
}

describe('csm keys … (unit: parsing, inputs and file delivery)', () => {
  it('status names one tenant or, without --tenant, asks for every tenant', async () => {
    expect((await parse(['keys', 'status', '--cluster', 'prod', '--tenant', 'acme'])).input).toEqual({ cluster: 'prod', tenant: 'acme' });
    const all = await parse(['keys', 'status', '--cluster', 'prod', '--json']);
    expect(all.input).toEqual({ cluster: 'prod' });
    expect(all.cmd.channel).toBe('keys.status');
    expect((await codeOf(parse(['keys', 'status']))).message).toMatch(/--cluster/);
    expect((await parse(['keys', 'rotate', '--cluster', 'prod', '--tenant', 'acme'])).cmd.channel).toBe('keys.rotate');
  });

  it('rotate waits for its job, then prints the report it reads with keys.rotationReport', async () => {
    const { cmd } = await parse(['keys', 'rotate', '--cluster', 'prod', '--tenant', 'acme']);
    const started = { jobId: 'job-1', cluster: 'prod', tenant: 'acme', label: 'Rotate keys of tenant acme on prod' };
    expect(contract['keys.rotate'].output.safeParse(started).success).toBe(true);
    expect(cmd.waitFor!(started as never)).toBe('job-1');
    const report = { tenantId: 'acme', resumed: false, kekVersion: 3, retiredKekVersions: [2], rewrapped: 3, dataKeyVersion: 2, retiredDataKeyVersions: [1], reencrypted: 12, unreadable: ['cfg/bad'] };
    const outcome = { jobId: 'job-1', cluster: 'prod', tenantId: 'acme', state: 'succeeded', startedAt: '2025-06-01T00:00:00.000Z', finishedAt: '2025-06-01T00:00:02.000Z', report, error: null };
    const calls: { channel: string; input: unknown }[] = [];
    const after = await cmd.after!(started as never, (async (channel: string, input: unknown) => (calls.push({ channel, input }), outcome)) as never);
    expect(calls).toEqual([{ channel: 'keys.rotationReport', input: { cluster: 'prod', tenant: 'acme', jobId: 'job-1' } }]);
    expect(contract['keys.rotationReport'].output.safeParse(after).success).toBe(true);
    const text = cmd.text(after as never);
    expect(text).toContain('rotated tenant acme: KEK v3 (retired v2)');
    expect(text).toContain('values re-encrypted: 12');
    expect(text).toContain('WARNING 1 cached values did not open');
    // A failed job prints why, not a report it does not have.
    expect(cmd.text({ ...outcome, state: 'failed', report: null, error: { code: 'NOT_FOUND', message: 'tenant acme has no keys' } } as never)).toBe('rotation of tenant acme (job job-1) failed: NOT_FOUND: tenant acme has no keys');
  });

  it('export-share takes the passphrase from stdin only, and refuses an existing --out before asking for it', async () => {
    const d = tmp();
    const out = join(d, 'share.json');
    const ok = await parse(['keys', 'export-share', '--out', out, '--passphrase-stdin']);
    expect(ok.asked).toEqual([{ label: 'share passphrase', fromStdin: true }]);
    expect(ok.parsed.success).toBe(true);
    expect(Object.keys(ok.input)).toEqual(['passphrase']);

    writeFileSync(out, 'precious');
    const refused = await codeOf(parse(['keys', 'export-share', '--out', out, '--passphrase-stdin']));
    expect(refused.code).toBe('CONFLICT');
    expect(readFileSync(out, 'utf8')).toBe('precious');
    expect((await parse(['keys', 'export-share', '--out', out, '--force', '--passphrase-stdin'])).parsed.success).toBe(true);
    expect((await parse(['keys', 'export-share', '--out', out, '--force', '--passphrase-stdin'], 'short')).parsed.success).toBe(false);
  });

  it('delivers a sealed file with mode 0600 and prints where it went, never the text', async () => {
    const d = tmp();
    const out = join(d, 'share.json');
    const { cmd, values } = await parse(['keys', 'export-share', '--out', out, '--passphrase-stdin']);
    expect(isFileCommand(cmd)).toBe(true);
    if (!isFileCommand(cmd)) return;
    const shown = await cmd.deliver({ text: '{"sealed":true}\n', fingerprint: '0123456789abcdef', fileName: 'x.json' }, values);
    expect(shown).toEqual({ fingerprint: '0123456789abcdef', written: out, bytes: 16 });
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(readFileSync(out, 'utf8')).toBe('{"sealed":true}\n');
    expect(cmd.text(shown as never)).toBe(`master key share 0123456789abcdef written to ${out} (mode 0600)`);
  });

  it('never overwrites without force (even a file that appears after the check); with force it replaces whole', async () => {
    const d = tmp();
    const out = join(d, 'f.json');
    writeFileSync(out, 'old');
    expect((await codeOf(writeSealedFile(out, 'new', false))).code).toBe('CONFLICT');
    expect(readFileSync(out, 'utf8')).toBe('old');
    await writeSealedFile(out, 'new', true);
    expect(readFileSync(out, 'utf8')).toBe('new');
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect((await codeOf(writeSealedFile(join(d, 'no', 'such', 'dir.json'), 'x', false))).code).toBe('BAD_INPUT');
    expect(existsSync(join(d, 'no'))).toBe(false);
  });

  it('import-share reads --in and refuses a missing or oversized file', async () => {
    const d = tmp();
    const f = join(d, 'in.json');
    writeFileSync(f, '{"format":"csm-key-share"}');
    const r = await parse(['keys', 'import-share', '--in', f, '--passphrase-stdin', '--force']);
    expect(r.input).toEqual({ secretShare: '{"format":"csm-key-share"}', passphrase: 'correct horse battery staple', force: true });
    expect((await codeOf(parse(['keys', 'import-share', '--in', join(d, 'nope'), '--passphrase-stdin']))).code).toBe('BAD_INPUT');
    writeFileSync(f, 'x'.repeat(300 * 1024));
    expect((await codeOf(parse(['keys', 'import-share', '--in', f, '--passphrase-stdin']))).message).toMatch(/too large/);
  });

  it('tenant share and escrow commands carry cluster and tenant (the router scope-checks them)', async () => {
    const d = tmp();
    const pem = join(d, 'agent.pem');
    writeFileSync(pem, '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n');
    const t = await parse(['keys', 'export-tenant-share', '--cluster', 'prod', '--tenant', 'acme', '--out', join(d, 't.json'), '--passphrase-stdin']);
    expect(t.input).toMatchObject({ cluster: 'prod', tenant: 'acme' });
    const e = await parse(['keys', 'export-escrow', '--cluster', 'prod', '--tenant', 'acme', '--public-key', pem, '--out', join(d, 'e.json')]);
    expect(e.input).toMatchObject({ cluster: 'prod', tenant: 'acme', publicKeyPem: expect.stringContaining('BEGIN PUBLIC KEY') });
    expect(e.parsed.success).toBe(true);
  });
});
