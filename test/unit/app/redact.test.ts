import { describe, expect, it } from 'vitest';
import { redact, redactString } from '../../../src-main/app/redact';

describe('redaction', () => {
  it('keeps a very long string (a logo upload) as its start and length, short ones whole', () => {
    const logo = 'iVBORw0KGgo'.padEnd(300_000, 'A');
    const out = redact({ logo, name: 'Acme' }) as { logo: string; name: string };
    expect(out.name).toBe('Acme');
    expect(out.logo.startsWith('iVBORw0KGgo')).toBe(true);
    expect(out.logo.endsWith('…[300000 chars]')).toBe(true);
    expect(out.logo.length).toBeLessThan(300);
    expect(redact('x'.repeat(4096))).toBe('x'.repeat(4096));
  });

  it('redacts secret-named fields at any depth', () => {
    const out = JSON.stringify(redact({ name: 'c1', password: 'p1', nested: { apiToken: 't', list: [{ passphrase: 'x' }] }, keyPem: 'k' }));
    for (const s of ['p1', '"t"', '"x"', '"k"']) expect(out).not.toContain(s);
    expect(out).toContain('c1');
  });
  it('redacts credentials inside URLs and PEM private keys', () => {
    expect(redactString('cassandra://admin:hunter2@10.0.0.1:9042')).not.toContain('hunter2');
    expect(redactString('x -----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY----- y')).toBe('x [redacted] y');
  });
  it('keeps null/undefined secret fields visible as absent', () => {
    expect(redact({ password: null })).toEqual({ password: null });
  });
});
