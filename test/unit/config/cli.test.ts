import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import { contract } from '../../../src-shared/contract';
import { findCommand, type Values } from '../../../src-main/cli/commands/index';
import { changesText, parseAssignments } from '../../../src-main/cli/commands/config';

async function parse(argv: string[], secret = '') {
  const found = findCommand(argv)!;
  const { values, positionals } = parseArgs({ args: found.rest, options: { ...found.cmd.options, json: { type: 'boolean' } }, allowPositionals: true, strict: true }) as { values: Values; positionals: string[] };
  const named = Object.fromEntries(found.cmd.positionals.map((n, i) => [n, positionals[i]!]));
  const input = await found.cmd.input(values, named, { secret: async () => secret });
  return { cmd: found.cmd, input, parsed: contract[found.cmd.channel].input.safeParse(input) };
}

const T = ['--cluster', 'prod', '--tenant', 'acme'];

describe('csm config / branding / integration (unit: inputs and text)', () => {
  it('set: FIELD=VALUE typed by the field kind, clears, reason, expected version', async () => {
    const r = await parse(['config', 'set', ...T, '--set', 'password.minLength=14', '--set', 'certificates.algorithms=RSA,ecdsa-p384', '--set', 'quotas.maxUsers=none', '--set', 'features.beta=yes', '--clear', 'retention.auditDays', '--reason', 'audit finding', '--expected-version', '3', '--json']);
    expect(r.input).toEqual({ cluster: 'prod', tenant: 'acme', set: { 'password.minLength': 14, 'certificates.algorithms': ['RSA', 'ECDSA-P384'], 'quotas.maxUsers': null, 'features.beta': true }, clear: ['retention.auditDays'], reason: 'audit finding', expectedVersion: 3 });
    expect(r.parsed.success).toBe(true);
  });

  it('set: a value that does not parse is sent as text, so main names the field; missing reason or change is refused first', async () => {
    expect(parseAssignments(['password.minLength=lots'])).toEqual({ 'password.minLength': 'lots' });
    await expect(parse(['config', 'set', ...T, '--set', 'password.minLength=14'])).rejects.toMatchObject({ code: 'BAD_INPUT', message: '--reason is required' });
    await expect(parse(['config', 'set', ...T, '--reason', 'x'])).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringContaining('nothing to change') });
    await expect(parse(['config', 'set', ...T, '--set', 'password.minLength', '--reason', 'x'])).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringContaining('FIELD=VALUE') });
    expect((await parse(['config', 'set', ...T, '--set', 'no.such=1', '--reason', 'x'])).parsed.success).toBe(false);
  });

  it('template and template-preview: config.setTemplate with template, reason, expected version; the preview channel without a reason', async () => {
    const r = await parse(['config', 'template', ...T, '--template', 'strict', '--reason', 'tighten', '--expected-version', '2', '--json']);
    expect(r.cmd.channel).toBe('config.setTemplate');
    expect(r.input).toEqual({ cluster: 'prod', tenant: 'acme', template: 'strict', reason: 'tighten', expectedVersion: 2 });
    expect(r.parsed.success).toBe(true);
    await expect(parse(['config', 'template', ...T, '--template', 'strict'])).rejects.toMatchObject({ code: 'BAD_INPUT', message: '--reason is required' });
    expect((await parse(['config', 'template', ...T, '--template', 'Not Valid', '--reason', 'x'])).parsed.success).toBe(false);
    const p = await parse(['config', 'template-preview', ...T, '--template', 'strict']);
    expect(p.cmd.channel).toBe('config.templatePreview');
    expect(p.input).toEqual({ cluster: 'prod', tenant: 'acme', template: 'strict' });
  });

  it('history, version, diff and rollback map to their channels (v-prefixed versions accepted)', async () => {
    expect((await parse(['config', 'diff', 'v1', '3', ...T])).input).toEqual({ cluster: 'prod', tenant: 'acme', from: 1, to: 3 });
    expect((await parse(['config', 'rollback', 'v2', ...T, '--note', 'undo'])).input).toEqual({ cluster: 'prod', tenant: 'acme', version: 2, note: 'undo' });
    expect((await parse(['config', 'version', '4', ...T])).cmd.channel).toBe('config.version');
    expect((await parse(['config', 'history', ...T, '--limit', '5'])).input).toEqual({ cluster: 'prod', tenant: 'acme', limit: 5 });
    await expect(parse(['config', 'rollback', 'latest', ...T])).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });

  it('branding set checks the logo file by content before sending', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'csm-logo-'));
    writeFileSync(join(dir, 'logo.png'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    await expect(parse(['branding', 'set', ...T, '--name', 'Acme', '--primary', '#112233', '--accent', '#445566', '--logo', join(dir, 'logo.png')])).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringContaining('not a PNG or JPEG') });
    const r = await parse(['branding', 'set', ...T, '--name', 'Acme', '--primary', '#112233', '--accent', '#445566', '--no-logo']);
    expect(r.input).toMatchObject({ displayName: 'Acme', logo: null });
    expect(r.parsed.success).toBe(true);
    expect((await parse(['branding', 'set', ...T, '--name', 'Acme', '--primary', 'red', '--accent', '#445566'])).parsed.success).toBe(false);
  });

  it('integration add takes the secret from stdin only', async () => {
    const r = await parse(['integration', 'add', ...T, '--name', 'siem', '--kind', 'siem', '--endpoint', 'https://siem.example.com', '--secret-stdin'], 's3cret');
    expect(r.input).toMatchObject({ name: 'siem', secret: 's3cret', clearSecret: false });
    expect(r.parsed.success).toBe(true);
    expect(() => parseArgs({ args: ['--secret', 'x'], options: findCommand(['integration', 'add'])!.cmd.options, strict: true })).toThrow();
    expect((await parse(['integration', 'add', ...T, '--name', 'x', '--kind', 'siem', '--endpoint', 'http://plain.example.com'])).parsed.success).toBe(false);
  });

  it('prints diffs with inherited shown as such', () => {
    expect(changesText([{ path: 'password.minLength', kind: 'set', before: null, after: 14 }])).toMatch(/password\.minLength\s+set\s+\(inherited\)\s+14/);
    expect(changesText([])).toBe('(no changes)');
  });
});
