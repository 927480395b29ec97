import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  associatedData,
  EnvelopeError,
  envelopeKeyVersion,
  HEADER_BYTES,
  NONCE_BYTES,
  openEnvelope,
  parseEnvelope,
  sealEnvelope,
  type EnvelopeBinding,
} from '../../../src-main/keys/envelope';

const key = randomBytes(32);
const binding: EnvelopeBinding = { tenantId: 'acme', purpose: 'cache', keyVersion: 3, context: 'config/db-password' };
const plaintext = Buffer.from('s3cret-value-Zq913', 'utf8');

function failure(fn: () => unknown): EnvelopeError {
  try {
    fn();
  } catch (e) {
    if (e instanceof EnvelopeError) return e;
    throw e;
  }
  throw new Error('expected an EnvelopeError');
}

describe('envelope format', () => {
  it('round-trips, carries its key version, and has the documented layout', () => {
    const env = sealEnvelope(key, binding, plaintext);
    expect(env.length).toBe(HEADER_BYTES + plaintext.length);
    expect(env[0]).toBe(0xc5);
    expect(env[1]).toBe(0x01);
    expect(env.readUInt32BE(2)).toBe(3);
    expect(envelopeKeyVersion(env)).toBe(3);
    expect(openEnvelope(key, binding, env).equals(plaintext)).toBe(true);
    expect(env.includes(plaintext)).toBe(false);
  });

  it('seals the empty value too', () => {
    const env = sealEnvelope(key, binding, Buffer.alloc(0));
    expect(env.length).toBe(HEADER_BYTES);
    expect(openEnvelope(key, binding, env).length).toBe(0);
  });

  it('a value moved to another tenant, purpose, field or key version does not open', () => {
    const env = sealEnvelope(key, binding, plaintext);
    for (const moved of [
      { ...binding, tenantId: 'other' },
      { ...binding, purpose: 'ca' },
      { ...binding, context: 'config/other-field' },
      { ...binding, context: '' },
    ]) {
      const e = failure(() => openEnvelope(key, moved, env));
      expect(e.reason).toBe('unauthenticated');
      expect(e.code).toBe('BAD_INPUT');
    }
    // Same bytes with the header re-labelled as another key version.
    const relabelled = Buffer.from(env);
    relabelled.writeUInt32BE(4, 2);
    expect(failure(() => openEnvelope(key, binding, relabelled)).reason).toBe('unauthenticated');
  });

  it('length-prefixed associated data: shifting characters between fields changes it', () => {
    const a = associatedData({ tenantId: 'ab', purpose: 'c-d', keyVersion: 1, context: 'x' });
    const b = associatedData({ tenantId: 'abc', purpose: 'd', keyVersion: 1, context: 'x' });
    expect(a.equals(b)).toBe(false);
    const env = sealEnvelope(key, { tenantId: 'ab', purpose: 'c', keyVersion: 1, context: 'dx' }, plaintext);
    expect(failure(() => openEnvelope(key, { tenantId: 'ab', purpose: 'cd', context: 'x' }, env)).reason).toBe('unauthenticated');
  });

  it('a wrong key does not open it', () => {
    const env = sealEnvelope(key, binding, plaintext);
    expect(failure(() => openEnvelope(randomBytes(32), binding, env)).reason).toBe('unauthenticated');
  });

  it('flipping any bit of any byte region (magic, version, key id, nonce, tag, ciphertext) is detected', () => {
    const env = sealEnvelope(key, binding, plaintext);
    const region = (i: number): string => (i < 2 ? 'format' : i < 6 ? 'key-id' : i < 6 + NONCE_BYTES ? 'nonce' : i < HEADER_BYTES ? 'tag' : 'ciphertext');
    const seen = new Map<string, Set<string>>();
    for (let i = 0; i < env.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const bad = Buffer.from(env);
        bad[i]! ^= 1 << bit;
        const e = failure(() => openEnvelope(key, binding, bad));
        expect(e.code).toBe('BAD_INPUT');
        const r = region(i);
        if (!seen.has(r)) seen.set(r, new Set());
        seen.get(r)!.add(e.reason);
      }
    }
    expect(seen.get('format')).toEqual(new Set(['malformed']));
    expect(seen.get('nonce')).toEqual(new Set(['unauthenticated']));
    expect(seen.get('tag')).toEqual(new Set(['unauthenticated']));
    expect(seen.get('ciphertext')).toEqual(new Set(['unauthenticated']));
    // Key id 3 → 2 or 7 …: authenticated as associated data; 3 → 0 is malformed outright.
    expect(seen.get('key-id')!.has('unauthenticated')).toBe(true);
  });

  it('every truncation is refused, short ones as malformed; an appended byte too', () => {
    const env = sealEnvelope(key, binding, plaintext);
    for (let n = 0; n < env.length; n++) {
      const e = failure(() => openEnvelope(key, binding, env.subarray(0, n)));
      expect(e.reason).toBe(n < HEADER_BYTES ? 'malformed' : 'unauthenticated');
      if (n < HEADER_BYTES) expect(e.message).toMatch(/truncated/);
    }
    expect(failure(() => openEnvelope(key, binding, Buffer.concat([env, Buffer.from([0])]))).reason).toBe('unauthenticated');
  });

  it('rejects foreign bytes, an unknown format and key version 0 by structure alone', () => {
    expect(failure(() => parseEnvelope(Buffer.from('not an envelope at all, just some text'))).message).toMatch(/magic/);
    const env = sealEnvelope(key, binding, plaintext);
    const v2 = Buffer.from(env);
    v2[1] = 2;
    expect(failure(() => parseEnvelope(v2)).message).toMatch(/format 2/);
    const zero = Buffer.from(env);
    zero.writeUInt32BE(0, 2);
    expect(failure(() => parseEnvelope(zero)).message).toMatch(/version 0/);
  });

  it('uses a fresh nonce for every value (100,000 seals, across nonce-pool refills)', () => {
    const nonces = new Set<string>();
    const n = 100_000;
    for (let i = 0; i < n; i++) nonces.add(sealEnvelope(key, binding, plaintext).subarray(6, 6 + NONCE_BYTES).toString('hex'));
    expect(nonces.size).toBe(n);
    // The same value sealed twice never gives the same bytes.
    expect(sealEnvelope(key, binding, plaintext).equals(sealEnvelope(key, binding, plaintext))).toBe(false);
  });

  it('never puts key or plaintext bytes in an error message', () => {
    const env = sealEnvelope(key, binding, plaintext);
    const msgs = [
      failure(() => openEnvelope(randomBytes(32), binding, env)).message,
      failure(() => openEnvelope(key, binding, env.subarray(0, 10))).message,
      failure(() => openEnvelope(key, { ...binding, tenantId: 'other' }, env)).message,
    ];
    for (const m of msgs) {
      for (const secret of [key.toString('hex'), key.toString('base64'), plaintext.toString('utf8'), env.subarray(HEADER_BYTES).toString('hex')]) {
        expect(m).not.toContain(secret);
      }
    }
  });

  it('refuses invalid bindings and keys that are not 256 bits', () => {
    expect(() => sealEnvelope(key, { ...binding, tenantId: 'Bad Tenant' }, plaintext)).toThrow(/tenant/);
    expect(() => sealEnvelope(key, { ...binding, purpose: 'UPPER' }, plaintext)).toThrow(/purpose/);
    expect(() => sealEnvelope(key, { ...binding, keyVersion: 0 }, plaintext)).toThrow(/key version/);
    expect(() => sealEnvelope(key, { ...binding, context: 'x'.repeat(2000) }, plaintext)).toThrow(/context/);
    expect(() => sealEnvelope(randomBytes(16), binding, plaintext)).toThrow(/256 bits/);
  });
});
