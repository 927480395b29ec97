import { X509Certificate } from 'node:crypto';
import { zipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_CSR_BYTES } from '../../../src-shared/contract/pki';
import { AppError } from '../../../src-main/app/errors';
import { readBundle } from '../../../src-main/pki/bundle';
import { buildCrl, parseCrl } from '../../../src-main/pki/crl';
import { parseCsr } from '../../../src-main/pki/csr';
import { derParse, pemDecodeAll, pemEncode } from '../../../src-main/pki/der';
import { certificateInfo, parseCertificates } from '../../../src-main/pki/parse';
import { openssl, scratch, makeChain, type Chain } from './support';

/**
 * Fuzzing the parsers of untrusted input (issue 8 item 6): every input either parses or fails
 * with AppError BAD_INPUT — never another exception type, never a hang (the test would time out).
 * A seeded generator keeps failures reproducible: the seed and case are in the failure message.
 */

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Verdict = 'parsed' | 'refused';

/** Runs one case; records anything other than success or AppError BAD_INPUT. */
function judge(failures: string[], label: string, fn: () => unknown): Verdict {
  try {
    fn();
    return 'parsed';
  } catch (e) {
    if (e instanceof AppError && e.code === 'BAD_INPUT' && e.message.length > 0) return 'refused';
    if (failures.length < 10) failures.push(`${label}: ${e instanceof Error ? `${e.constructor.name} ${(e as AppError).code ?? ''} ${e.message}` : String(e)}`);
    return 'refused';
  }
}

const tmp = scratch();
let csrPem: string;
let csrDer: Buffer;
let ecCsrPem: string;
let chain: Chain;
let crlPem: string;

beforeAll(async () => {
  openssl('req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', tmp.path('a.key'), '-out', tmp.path('a.csr'), '-subj', '/O=acme/CN=app', '-addext', 'subjectAltName=DNS:app.example,IP:10.0.0.1');
  csrPem = tmp.read('a.csr').toString();
  csrDer = pemDecodeAll(csrPem, 'x', 1e6)[0]!.der;
  openssl('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', tmp.path('b.key'), '-out', tmp.path('b.csr'), '-subj', '/CN=node', '-addext', 'subjectAltName=DNS:node.example');
  ecCsrPem = tmp.read('b.csr').toString();
  chain = await makeChain('ec-p256');
  const now = new Date();
  crlPem = buildCrl({ issuerCert: chain.sub.der, issuerKey: chain.sub.keys.privateKey, crlNumber: 3, thisUpdate: now, nextUpdate: new Date(now.getTime() + 86_400_000), revoked: [{ serial: chain.client.serial, revokedAt: now, reason: 'superseded' }] }).pem;
  tmp.cleanup();
}, 120_000);

describe('CSR parser fuzz', () => {
  it('the seeds parse', () => {
    expect(parseCsr(csrPem).sans).toEqual(['app.example', '10.0.0.1']);
    expect(parseCsr(ecCsrPem).algorithm).toBe('ec-p256');
  });

  it('every truncation of the PEM text and of the DER is refused', () => {
    const failures: string[] = [];
    let parsed = 0;
    for (const pem of [csrPem, ecCsrPem]) {
      const end = pem.trimEnd().length;
      for (let n = 0; n < end; n++) if (judge(failures, `pem[0..${n}]`, () => parseCsr(pem.slice(0, n))) === 'parsed') parsed++;
    }
    for (let n = 0; n < csrDer.length; n++) if (judge(failures, `der[0..${n}]`, () => parseCsr(pemEncode('CERTIFICATE REQUEST', csrDer.subarray(0, n)))) === 'parsed') parsed++;
    expect(failures).toEqual([]);
    expect(parsed).toBe(0);
  });

  it('every single-byte change of the DER is refused (structure or signature)', () => {
    const failures: string[] = [];
    const rnd = prng(8);
    const accepted: number[] = [];
    for (let i = 0; i < csrDer.length; i++) {
      const m = Buffer.from(csrDer);
      m[i]! ^= 1 + Math.floor(rnd() * 255);
      if (judge(failures, `flip@${i}`, () => parseCsr(pemEncode('CERTIFICATE REQUEST', m))) === 'parsed') accepted.push(i);
    }
    expect(failures).toEqual([]);
    expect(accepted).toEqual([]);
  });

  it('random mutations (flips, inserts, deletes, splices) never escape as another error', () => {
    const failures: string[] = [];
    const rnd = prng(42);
    let parsed = 0;
    for (let k = 0; k < 3000; k++) {
      const b = [...csrDer];
      const edits = 1 + Math.floor(rnd() * 4);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(rnd() * b.length);
        const op = Math.floor(rnd() * 4);
        if (op === 0) b[at] = Math.floor(rnd() * 256);
        else if (op === 1) b.splice(at, 0, Math.floor(rnd() * 256));
        else if (op === 2) b.splice(at, 1 + Math.floor(rnd() * 8));
        else b.splice(at, 0, ...b.slice(Math.floor(rnd() * b.length), Math.floor(rnd() * b.length)));
      }
      const mutated = Buffer.from(b);
      if (mutated.equals(csrDer)) continue; // an edit that changed nothing (same byte, empty splice)
      if (judge(failures, `seed 42 case ${k}`, () => parseCsr(pemEncode('CERTIFICATE REQUEST', mutated))) === 'parsed') parsed++;
    }
    expect(failures).toEqual([]);
    expect(parsed).toBe(0);
  });

  it('random bytes, random base64, random text', () => {
    const failures: string[] = [];
    const rnd = prng(7);
    for (let k = 0; k < 2000; k++) {
      const len = Math.floor(rnd() * 600);
      const bytes = Buffer.from(Array.from({ length: len }, () => Math.floor(rnd() * 256)));
      if (k % 3 === 0 && len > 0) bytes[0] = 0x30;
      judge(failures, `random der ${k}`, () => parseCsr(pemEncode('CERTIFICATE REQUEST', bytes)));
      judge(failures, `random text ${k}`, () => parseCsr(bytes.toString('latin1')));
      judge(failures, `random utf8 ${k}`, () => parseCsr(`-----BEGIN CERTIFICATE REQUEST-----\n${bytes.toString('utf8')}\n-----END CERTIFICATE REQUEST-----\n`));
    }
    expect(failures).toEqual([]);
  });

  it('wrong labels: only CERTIFICATE REQUEST and NEW CERTIFICATE REQUEST are read', () => {
    const failures: string[] = [];
    const results: Record<string, Verdict> = {};
    for (const label of ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST', 'CERTIFICATE', 'X509 CRL', 'PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY', 'ENCRYPTED PRIVATE KEY', 'PUBLIC KEY', 'PKCS7', 'CERTIFICATE  REQUEST', 'certificate request', 'X']) {
      results[label] = judge(failures, label, () => parseCsr(pemEncode(label, csrDer)));
    }
    expect(failures).toEqual([]);
    expect(Object.entries(results).filter(([, v]) => v === 'parsed').map(([k]) => k)).toEqual(['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST']);
  });

  it('oversized input is refused before parsing, quickly', () => {
    const failures: string[] = [];
    const big = `-----BEGIN CERTIFICATE REQUEST-----\n${'QUFB\n'.repeat(MAX_CSR_BYTES / 5 + 1)}-----END CERTIFICATE REQUEST-----\n`;
    judge(failures, 'just over', () => parseCsr(big));
    judge(failures, '50 MB', () => parseCsr('A'.repeat(50 * 1024 * 1024)));
    judge(failures, 'one huge line', () => parseCsr(`-----BEGIN CERTIFICATE REQUEST-----\n${'A'.repeat(MAX_CSR_BYTES - 100)}\n-----END CERTIFICATE REQUEST-----\n`));
    expect(failures).toEqual([]);
  });

  it('nested garbage: deep nesting, indefinite and huge lengths, long OIDs', () => {
    const failures: string[] = [];
    let deep = Buffer.from([0x05, 0x00]);
    for (let i = 0; i < 9000; i++) {
      const len = deep.length;
      deep = Buffer.concat([Buffer.from(len < 0x80 ? [0x30, len] : len < 0x100 ? [0x30, 0x81, len] : [0x30, 0x82, len >> 8, len & 0xff]), deep]);
    }
    judge(failures, 'deep', () => parseCsr(pemEncode('CERTIFICATE REQUEST', deep)));
    judge(failures, 'deep der', () => derParse(deep));
    const cases: Record<string, number[]> = {
      indefinite: [0x30, 0x80, 0x05, 0x00, 0x00, 0x00],
      huge: [0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x00],
      fiveByteLength: [0x30, 0x85, 0x01, 0x00, 0x00, 0x00, 0x00],
      nonMinimal: [0x30, 0x81, 0x02, 0x05, 0x00],
      highTag: [0x3f, 0x81, 0x01, 0x00],
      emptySeq: [0x30, 0x00],
      seqOfSeqs: [0x30, 0x06, 0x30, 0x00, 0x30, 0x00, 0x30, 0x00],
      longOid: [0x30, 0x44, 0x06, 0x42, ...new Array<number>(65).fill(0xff), 0x01],
      oidLeading80: [0x30, 0x04, 0x06, 0x02, 0x80, 0x01],
      negativeVersion: [0x30, 0x05, 0x30, 0x03, 0x02, 0x01, 0xff],
    };
    for (const [name, bytes] of Object.entries(cases)) {
      judge(failures, name, () => parseCsr(pemEncode('CERTIFICATE REQUEST', Buffer.from(bytes))));
      judge(failures, `${name} cert`, () => parseCertificates(Buffer.from(bytes)));
      judge(failures, `${name} crl`, () => parseCrl(Buffer.from(bytes)));
    }
    expect(failures).toEqual([]);
    expect(() => derParse(deep)).toThrow(/nested deeper/);
  });
});

describe('certificate, CRL and bundle parser fuzz', () => {
  it('truncations and byte changes of a certificate: parsed or BAD_INPUT, and what parses is consistent', () => {
    const failures: string[] = [];
    const der = chain.node.der;
    const pem = chain.node.pem;
    let parsedTruncations = 0;
    for (let n = 0; n < der.length; n++) if (judge(failures, `cert der[0..${n}]`, () => parseCertificates(der.subarray(0, n))) === 'parsed') parsedTruncations++;
    for (let n = 0; n < pem.trimEnd().length; n++) if (judge(failures, `cert pem[0..${n}]`, () => parseCertificates(pem.slice(0, n))) === 'parsed') parsedTruncations++;
    expect(parsedTruncations).toBe(0);
    const rnd = prng(99);
    for (let i = 0; i < der.length; i++) {
      const m = Buffer.from(der);
      m[i]! ^= 1 + Math.floor(rnd() * 255);
      judge(failures, `cert flip@${i}`, () => {
        const [x] = parseCertificates(m);
        const info = certificateInfo(x!);
        // Whatever parses must not verify against the issuer unless it is the original.
        if (x!.verify(new X509Certificate(chain.sub.der).publicKey)) throw new Error(`a changed certificate still verifies (flip@${i}, ${info.serial})`);
      });
    }
    expect(failures).toEqual([]);
  });

  it('random bytes and mutations as certificates, CRLs and bundles', () => {
    const failures: string[] = [];
    const rnd = prng(2026);
    const crlDer = pemDecodeAll(crlPem, 'x', 1e6)[0]!.der;
    const zip = Buffer.from(zipSync({ 'ca.pem': Buffer.from(chain.root.pem), 'config.json': Buffer.from('{}') }));
    for (let k = 0; k < 1500; k++) {
      const len = Math.floor(rnd() * 400);
      const bytes = Buffer.from(Array.from({ length: len }, () => Math.floor(rnd() * 256)));
      judge(failures, `cert random ${k}`, () => parseCertificates(Buffer.concat([Buffer.from([0x30]), bytes])));
      judge(failures, `cert random pem ${k}`, () => parseCertificates(pemEncode('CERTIFICATE', bytes)));
      judge(failures, `crl random ${k}`, () => parseCrl(Buffer.concat([Buffer.from([0x30]), bytes])));
      judge(failures, `bundle random ${k}`, () => readBundle(bytes));
      const mutate = (src: Buffer): Buffer => {
        const m = Buffer.from(src);
        for (let e = 0; e < 1 + Math.floor(rnd() * 3); e++) m[Math.floor(rnd() * m.length)] = Math.floor(rnd() * 256);
        return m;
      };
      judge(failures, `crl mutation ${k}`, () => parseCrl(mutate(crlDer), new X509Certificate(chain.sub.der)));
      judge(failures, `bundle mutation ${k}`, () => readBundle(mutate(zip)));
    }
    for (let n = 0; n < zip.length; n++) judge(failures, `bundle[0..${n}]`, () => readBundle(zip.subarray(0, n)));
    expect(failures).toEqual([]);
  });
});
