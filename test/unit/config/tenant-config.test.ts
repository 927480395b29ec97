import { describe, expect, it } from 'vitest';
import { configChannels } from '../../../src-shared/contract/config';
import { DEFAULT_TEMPLATE } from '../../../src-shared/rules/templates';
import {
  applyOverrides,
  BUILTIN_POLICIES,
  complianceIssues,
  diffOverrides,
  editOverrides,
  effectiveFields,
  endpointProblem,
  sniffLogo,
  templateBase,
} from '../../../src-shared/rules/tenant-config';
import { parseDocument } from '../../../src-main/config/service';

function png(width: number, height: number): Uint8Array {
  const b = Buffer.alloc(45);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(b, 0);
  b.writeUInt32BE(13, 8);
  b.write('IHDR', 12, 'latin1');
  b.writeUInt32BE(width, 16);
  b.writeUInt32BE(height, 20);
  return new Uint8Array(b);
}

/** SOI, an APP0 segment, then SOF0 with height/width. */
function jpeg(width: number, height: number): Uint8Array {
  const app0 = [0xff, 0xe0, 0x00, 0x10, ...Buffer.from('JFIF\0'), 1, 1, 0, 0, 1, 0, 1, 0, 0];
  const sof = [0xff, 0xc0, 0x00, 0x11, 8, height >> 8, height & 255, width >> 8, width & 255, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1];
  return new Uint8Array([0xff, 0xd8, ...app0, ...sof, 0xff, 0xd9]);
}

describe('typed tenant policies', () => {
  const { base, sources } = templateBase(DEFAULT_TEMPLATE);

  it('takes defaults from the template field by field, built-in for the rest', () => {
    expect(base.password.minLength).toBe(12);
    expect(base.retention.auditDays).toBe(365);
    expect(base.quotas).toEqual({ maxUsers: 50, maxKeyspaces: 4, maxTables: 50, maxCertificates: null });
    expect(base.features).toEqual({ 'audit.sensitive_payloads': true, 'pki.enabled': true });
    expect([sources['password.minLength'], sources['quotas.maxUsers'], sources['consistency.read']]).toEqual(['template', 'template', 'builtin']);
  });

  it('ignores and names a template value that fails the schema instead of applying it', () => {
    const r = templateBase({ policies: { 'password.min_length': '4', 'consistency.write': 'SERIAL' }, config: { 'session.idle_minutes': 'soon' } });
    expect(r.base.password.minLength).toBe(BUILTIN_POLICIES.password.minLength);
    expect(r.ignored.map((i) => i.path).sort()).toEqual(['consistency.write', 'password.minLength', 'sessions.idleMinutes']);
  });

  it('refuses bad values naming the field and the reason', () => {
    const r = applyOverrides(base, { 'password.minLength': 3, 'consistency.write': 'SERIAL', 'certificates.algorithms': [], 'certificates.minRsaBits': 3000, 'quotas.maxUsers': -1, 'features.beta': 'yes' });
    const paths = Object.fromEntries(r.issues.map((i) => [i.path, i.message]));
    expect(Object.keys(paths).sort()).toEqual(['certificates.algorithms', 'certificates.minRsaBits', 'consistency.write', 'features.beta', 'password.minLength', 'quotas.maxUsers']);
    expect(paths['certificates.algorithms']).toMatch(/at least one algorithm/);
    expect(paths['certificates.minRsaBits']).toMatch(/multiple of 1024/);
    expect(applyOverrides(base, { 'password.nope': 1 }).issues).toEqual([{ path: 'password.nope', message: 'unknown field' }]);
  });

  it('accepts read-only levels for reads and write-only ANY for writes only', () => {
    expect(applyOverrides(base, { 'consistency.read': 'SERIAL', 'consistency.write': 'ANY' }).issues).toEqual([]);
    expect(applyOverrides(base, { 'consistency.read': 'ANY' }).issues.map((i) => i.path)).toEqual(['consistency.read']);
  });

  it('shows each field inherited or overridden with the inherited value beside it; clearing returns to inheritance', () => {
    const overrides = editOverrides({}, { 'password.minLength': 16, 'features.beta': true }, []);
    const eff = applyOverrides(base, overrides).effective;
    const fields = effectiveFields(base, sources, overrides, eff);
    expect(fields.find((f) => f.path === 'password.minLength')).toMatchObject({ value: 16, origin: 'overridden', inheritedValue: 12, inheritedFrom: 'template' });
    expect(fields.find((f) => f.path === 'features.beta')).toMatchObject({ value: true, origin: 'overridden', inheritedFrom: 'none' });
    expect(fields.find((f) => f.path === 'retention.auditDays')).toMatchObject({ value: 365, origin: 'inherited' });
    const cleared = editOverrides(overrides, {}, ['password.minLength']);
    expect(applyOverrides(base, cleared).effective.password.minLength).toBe(12);
  });

  it('diffs override documents: set, changed, cleared', () => {
    expect(diffOverrides({ 'password.minLength': 14, 'retention.auditDays': 400 }, { 'password.minLength': 16, 'sessions.idleMinutes': 10 })).toEqual([
      { path: 'password.minLength', kind: 'changed', before: 14, after: 16 },
      { path: 'retention.auditDays', kind: 'cleared', before: 400, after: null },
      { path: 'sessions.idleMinutes', kind: 'set', before: null, after: 10 },
    ]);
    expect(diffOverrides({ 'certificates.algorithms': ['RSA'] }, { 'certificates.algorithms': ['RSA'] })).toEqual([]);
  });

  it('rollback content: restoring an old document gives exactly its effective config', () => {
    const v1 = {};
    const v2 = editOverrides(v1, { 'password.minLength': 20 }, []);
    const rolled = editOverrides(v2, {}, Object.keys(v2));
    expect(rolled).toEqual(v1);
    expect(applyOverrides(base, rolled).effective).toEqual(applyOverrides(base, v1).effective);
  });

  it('applies compliance minimums: retention, RSA size, EC curve size, key age', () => {
    const weak = applyOverrides(base, { 'retention.auditDays': 30, 'certificates.minRsaBits': 2048, 'certificates.validityDays': 800 }).effective;
    const issues = complianceIssues(weak, { retentionYears: 1, minRsaBits: 3072, minEcBits: 384, maxKeyAgeDays: 365 });
    expect(issues.map((i) => i.path)).toEqual(['retention.auditDays', 'certificates.minRsaBits', 'certificates.algorithms', 'certificates.validityDays']);
    expect(issues[2]!.message).toMatch(/ECDSA-P256 not allowed/);
    expect(complianceIssues(weak, null)).toEqual([]);
  });

  it('drops and names stored overrides that are not known fields (edited outside the console)', () => {
    const w: { path: string; message: string }[] = [];
    expect(parseDocument(JSON.stringify({ overrides: { 'password.minLength': 14, 'evil.field': 1, 'retention.auditDays': { $gt: 1 } } }), w)).toEqual({ 'password.minLength': 14 });
    expect(w.map((x) => x.path)).toEqual(['evil.field', 'retention.auditDays']);
    expect(parseDocument('not json', w)).toEqual({});
  });

  it('config.set input is strict and needs a reason', () => {
    const input = configChannels['config.set'].input;
    expect(input.safeParse({ cluster: 'c', tenant: 'acme', set: { 'password.minLength': 14 }, reason: 'why' }).success).toBe(true);
    expect(input.safeParse({ cluster: 'c', tenant: 'acme', set: {}, reason: '' }).success).toBe(false);
    expect(input.safeParse({ cluster: 'c', tenant: 'acme', set: {}, reason: 'x', extra: 1 }).success).toBe(false);
    const bad = input.safeParse({ cluster: 'c', tenant: 'acme', set: { 'nosuch.field': 1 }, reason: 'x' });
    expect(!bad.success && bad.error.issues[0]!.path.join('.')).toContain('set');
  });
});

describe('logo checks by content', () => {
  it('accepts PNG and JPEG and reads the size from the header', () => {
    expect(sniffLogo(png(200, 100))).toEqual({ ok: true, type: 'image/png', width: 200, height: 100 });
    expect(sniffLogo(jpeg(640, 480))).toEqual({ ok: true, type: 'image/jpeg', width: 640, height: 480 });
  });

  it('refuses SVG and HTML whatever their name, oversize images and files', () => {
    const svg = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>');
    const html = new TextEncoder().encode('<!doctype html><script>alert(1)</script>');
    for (const b of [svg, html]) expect(sniffLogo(b)).toMatchObject({ ok: false, message: expect.stringMatching(/not a PNG or JPEG/) });
    expect(sniffLogo(png(1025, 10))).toMatchObject({ ok: false, message: expect.stringMatching(/1025×10/) });
    expect(sniffLogo(new Uint8Array(256 * 1024 + 1))).toMatchObject({ ok: false, message: expect.stringMatching(/256 KiB/) });
    expect(sniffLogo(new Uint8Array())).toMatchObject({ ok: false });
  });

  it('refuses a PNG signature with a forged header and a truncated JPEG', () => {
    const forged = png(10, 10);
    forged[12] = 0x58; // 'XHDR'
    expect(sniffLogo(forged)).toMatchObject({ ok: false, message: expect.stringMatching(/IHDR/) });
    expect(sniffLogo(jpeg(10, 10).slice(0, 12))).toMatchObject({ ok: false });
  });
});

describe('integration endpoints', () => {
  it('allows encrypted schemes only, without credentials in the URL', () => {
    expect(endpointProblem('https://siem.example.com/ingest')).toBeNull();
    expect(endpointProblem('ldaps://dir.example.com:636')).toBeNull();
    expect(endpointProblem('http://siem.example.com')).toMatch(/http is not allowed/);
    expect(endpointProblem('javascript:alert(1)')).toMatch(/not allowed/);
    expect(endpointProblem('https://user:pw@x.example.com')).toMatch(/no credentials/);
    expect(endpointProblem('not a url')).toMatch(/not a URL/);
  });
});
