import { describe, expect, it } from 'vitest';
import { redact, redactString } from '../../../src-main/app/redact';

describe('redaction', () => {
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
