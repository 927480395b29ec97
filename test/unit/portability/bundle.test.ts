import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import cassandra from 'cassandra-driver';
import { decodeValue, encodeValue } from '../../../src-main/portability/core/codec';
import { bundleKdfProblem, BundleWriter, chunkPlaintext, chunkPlaintexts, installationSigner, MAX_INFLATED, KIND, keysPlaintext, newHeader, openBundle, rowsOfChunk } from '../../../src-main/portability/core/bundle';
import { masterFingerprint } from '../../../src-main/keys/master';
import { sealTenantShare } from '../../../src-main/keys/shares';
import { TableDigest } from '../../../src-main/portability/core/digest';
import type { BundleManifest } from '../../../src-main/portability/types';
import { AppError } from '../../../src-main/app/errors';
import { deflateRawSync } from 'node:zlib';
import { newKdfParams } from '../../../src-main/secrets/vault-crypto';

const { types } = cassandra;
const dt = types.dataTypes;
// The driver's own serializer (exported at runtime, not in its typings): what a prepared INSERT binds.
const enc = new ((cassandra as unknown as { Encoder: unknown }).Encoder as new (v: number, o: object) => { encode(v: unknown, t: unknown): Buffer | null })(4, {});

const master = (() => {
  const key = randomBytes(32);
  return { key, fingerprint: masterFingerprint(key) };
})();
const dir = mkdtempSync(join(tmpdir(), 'csm-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every CQL type the driver decodes to, as the driver decodes it, with the type info its encoder needs. */
const udtInfo = { code: dt.udt, info: { name: 'u', fields: [{ name: 'a', type: { code: dt.int } }, { name: 'b', type: { code: dt.text } }] } };
const CASES: [string, unknown, unknown][] = [
  ['ascii', 'abc', { code: dt.ascii }],
  ['text', 'héllo "quoted" \u0000', { code: dt.text }],
  ['boolean', true, { code: dt.boolean }],
  ['int', -2147483648, { code: dt.int }],
  ['smallint', -5, { code: dt.smallint }],
  ['tinyint', 7, { code: dt.tinyint }],
  ['float', Math.fround(3.14), { code: dt.float }],
  ['double', 1.7976931348623157e308, { code: dt.double }],
  ['double -0', -0, { code: dt.double }],
  ['double NaN', NaN, { code: dt.double }],
  ['double -Infinity', -Infinity, { code: dt.double }],
  ['bigint', types.Long.fromString('-9223372036854775808'), { code: dt.bigint }],
  ['counter', types.Long.fromString('42'), { code: dt.counter }],
  ['varint', types.Integer.fromString('123456789012345678901234567890'), { code: dt.varint }],
  ['decimal', types.BigDecimal.fromString('-1234.5678901234567890'), { code: dt.decimal }],
  ['uuid', types.Uuid.random(), { code: dt.uuid }],
  ['timeuuid', types.TimeUuid.now(), { code: dt.timeuuid }],
  ['timestamp', new Date(1_700_000_000_123), { code: dt.timestamp }],
  ['date', types.LocalDate.fromString('2024-02-29'), { code: dt.date }],
  ['time', types.LocalTime.fromString('23:59:59.123456789'), { code: dt.time }],
  ['inet v4', types.InetAddress.fromString('10.1.2.3'), { code: dt.inet }],
  ['inet v6', types.InetAddress.fromString('::1'), { code: dt.inet }],
  ['blob', Buffer.from([0, 1, 255]), { code: dt.blob }],
  ['duration', new types.Duration(1, 2, types.Long.fromNumber(3000000000)), { code: dt.duration }],
  ['list<bigint>', [types.Long.fromNumber(1), types.Long.fromNumber(-2)], { code: dt.list, info: { code: dt.bigint } }],
  ['set<uuid>', [types.Uuid.random(), types.Uuid.random()], { code: dt.set, info: { code: dt.uuid } }],
  ['map<text,timestamp>', { a: new Date(5), b: new Date(6) }, { code: dt.map, info: [{ code: dt.text }, { code: dt.timestamp }] }],
  ['map<int,blob>', new Map([[1, Buffer.from('x')]]), { code: dt.map, info: [{ code: dt.int }, { code: dt.blob }] }],
  ['tuple<int,text,date>', new types.Tuple(1, 'two', types.LocalDate.fromString('2020-01-01')), { code: dt.tuple, info: [{ code: dt.int }, { code: dt.text }, { code: dt.date }] }],
  ['udt', { a: 5, b: 'x' }, udtInfo],
  ['frozen list<udt>', [{ a: 1, b: null }], { code: dt.list, info: udtInfo }],
];

describe('bundle row codec', () => {
  it.each(CASES)('%s: encode → JSON → decode gives a value the driver serializes to the same bytes', (_name, value, typeInfo) => {
    const wire = JSON.parse(JSON.stringify(encodeValue(value))) as unknown;
    const back = decodeValue(wire);
    expect(enc.encode(back, typeInfo)).toEqual(enc.encode(value, typeInfo));
  });

  it('null stays null, and unknown driver classes are refused rather than stringified', () => {
    expect(decodeValue(JSON.parse(JSON.stringify(encodeValue(null))))).toBeNull();
    class Weird {}
    expect(() => encodeValue(new Weird())).toThrow(/Weird cannot be exported/);
    expect(() => decodeValue({ $zz: 1 })).toThrow(AppError);
  });

  it('a chunk round-trips rows (deflated)', () => {
    const rows = [{ id: types.Uuid.random(), n: types.Long.fromNumber(9), t: 'x' }];
    const out = rowsOfChunk(chunkPlaintext(['id', 'n', 't'], rows));
    expect(out[0]?.['t']).toBe('x');
    expect(out[0]?.['n']).toBe('9');
  });
});

async function writeBundle(name: string, passphrase?: string): Promise<string> {
  const final = join(dir, name);
  const { header, bundleKey } = await newHeader({ tenant: 'xt_00000001', sourceCluster: 'c1', master, ...(passphrase ? { passphrase } : {}) });
  const w = await BundleWriter.create(`${final}.partial`, header, bundleKey);
  const digest = new TableDigest();
  const rows = Array.from({ length: 50 }, (_, i) => ({ id: i, v: `row ${i}` }));
  const chunks = [];
  for (let p = 0; p < 5; p++) {
    const page = rows.slice(p * 10, p * 10 + 10);
    for (const r of page) digest.add(r);
    chunks.push(await w.append(KIND.chunk, { index: p, keyspace: 'tenant_xt_00000001_app', table: 't', rows: page.length }, chunkPlaintext(['id', 'v'], page)));
  }
  const share = await sealTenantShare('xt_00000001', [{ version: 1, key: randomBytes(32), state: 'active', createdAt: new Date() }], 'random-share-pass-1234', { name: 'scrypt', N: 2 ** 14, r: 8, p: 1, keyLength: 32, salt: randomBytes(16).toString('base64') });
  chunks.push(await w.append(KIND.keys, { index: 5 }, keysPlaintext(share, 'random-share-pass-1234')));
  const manifest: BundleManifest = {
    format: 1,
    sourceCluster: 'c1',
    tenant: 'xt_00000001',
    createdAt: header.createdAt,
    createdBy: 'tester',
    withData: true,
    wrap: header.wrap,
    registry: {},
    keyspaces: [],
    tables: [{ keyspace: 'tenant_xt_00000001_app', table: 't', cql: '', rows: 50, digest: digest.hex(), columns: [] }],
    roles: [],
    grants: [],
    auditHeads: [],
    consoleKeyspace: 'tenant_xt_00000001_csm',
    chunks,
    networkPermissions: [],
  };
  await w.finish(manifest, master, final);
  bundleKey.fill(0);
  return final;
}

const opener = async () => master;

describe('bundle file', () => {
  it('reads back rows, digests, keys and the signer; installation-wrapped', async () => {
    const path = await writeBundle('ok.csmb');
    const b = await openBundle(path, { master: opener });
    expect(b.signedByThisInstallation).toBe(true);
    expect(b.signer).toBe(installationSigner(master).fingerprint);
    const d = new TableDigest();
    for await (const page of b.rows('tenant_xt_00000001_app', 't')) for (const r of page) d.add(r);
    expect(d.rows).toBe(50);
    expect(d.hex()).toBe(b.manifest.tables[0]?.digest);
    const k = await b.keys();
    expect(k.tenantId).toBe('xt_00000001');
    expect(k.keks).toHaveLength(1);
    await b.close();
  });

  it('another installation cannot open an installation-wrapped bundle', async () => {
    const path = await writeBundle('other.csmb');
    const other = { key: randomBytes(32), fingerprint: '' };
    other.fingerprint = masterFingerprint(other.key);
    await expect(openBundle(path, { master: async () => other })).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    await expect(openBundle(path, { master: async () => null })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('passphrase-wrapped: the right passphrase opens it, a wrong one is AUTH_FAILED, none is BAD_INPUT', async () => {
    const path = await writeBundle('pass.csmb', 'correct horse battery staple');
    const b = await openBundle(path, { passphrase: 'correct horse battery staple', master: async () => null });
    expect(b.signedByThisInstallation).toBeNull();
    await b.close();
    await expect(openBundle(path, { passphrase: 'wrong horse battery staple', master: opener })).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    await expect(openBundle(path, { master: opener })).rejects.toMatchObject({ code: 'BAD_INPUT' });
  }, 30_000);

  it('flipping any single byte of the file is refused (BAD_INPUT naming what failed, or AUTH_FAILED for the wrapped key)', async () => {
    const path = await writeBundle('tamper.csmb');
    const good = readFileSync(path);
    // Every byte of the header, the trailer, and a sample through the records.
    const positions = new Set<number>();
    for (let i = 0; i < 700; i++) positions.add(i);
    for (let i = good.length - 400; i < good.length; i++) positions.add(i);
    for (let i = 700; i < good.length - 400; i += 7) positions.add(i);
    const messages = new Set<string>();
    for (const pos of positions) {
      const bad = Buffer.from(good);
      bad[pos] = (bad[pos] as number) ^ 0x01;
      const p = join(dir, 'tampered.csmb');
      writeFileSync(p, bad);
      const err = await openBundle(p, { master: opener }).then(
        async (b) => {
          await b.close();
          return null;
        },
        (e: unknown) => e,
      );
      expect(err, `byte ${pos} flipped was accepted`).toBeInstanceOf(AppError);
      expect(['BAD_INPUT', 'AUTH_FAILED']).toContain((err as AppError).code);
      messages.add((err as AppError).message.replace(/#\d+.*$/, ''));
    }
    expect(messages.size).toBeGreaterThan(3);
  }, 120_000);

  it('a truncated file (an unfinished export) and appended bytes are refused', async () => {
    const path = await writeBundle('trunc.csmb');
    const good = readFileSync(path);
    const p = join(dir, 'cut.csmb');
    writeFileSync(p, good.subarray(0, good.length - 100));
    await expect(openBundle(p, { master: opener })).rejects.toMatchObject({ code: 'BAD_INPUT' });
    writeFileSync(p, Buffer.concat([good, Buffer.from('x')]));
    await expect(openBundle(p, { master: opener })).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });
});

describe('bundle limits (unauthenticated input)', () => {
  const codeOf = (fn: () => unknown): string => {
    try {
      fn();
    } catch (e) {
      return e instanceof AppError ? `${e.code}: ${e.message}` : `other: ${String(e)}`;
    }
    return 'no error';
  };

  it('a chunk that inflates past the cap is refused, not allocated', () => {
    const bomb = deflateRawSync(Buffer.alloc(MAX_INFLATED + 1024, 0x20));
    expect(codeOf(() => rowsOfChunk(bomb))).toMatch(/^BAD_INPUT: .*does not inflate/);
  });

  it('a page too large for one chunk is split, each part within the cap, rows kept in order', () => {
    const rows = Array.from({ length: 40 }, (_, i) => ({ id: i, v: 'x'.repeat(100) }));
    const parts = chunkPlaintexts(['id', 'v'], rows, 1500);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.reduce((n, p) => n + p.rows, 0)).toBe(40);
    expect(parts.flatMap((p) => rowsOfChunk(p.plain)).map((r) => r['id'])).toEqual(rows.map((r) => r.id));
    expect(codeOf(() => chunkPlaintexts(['id', 'v'], [{ id: 1, v: 'x'.repeat(2000) }], 1500))).toMatch(/^BAD_INPUT: a row is larger/);
  });

  it('scrypt parameters from a header are bounded (N ≤ 2^18, r ≤ 8, p ≤ 2); the ones export writes pass', () => {
    const k = newKdfParams();
    expect(bundleKdfProblem(k)).toBeNull();
    expect(bundleKdfProblem({ ...k, N: 2 ** 20 })).toMatch(/N 1048576 above 262144/);
    expect(bundleKdfProblem({ ...k, r: 32 })).toMatch(/r 32 above 8/);
    expect(bundleKdfProblem({ ...k, p: 4 })).toMatch(/p 4 above 2/);
  });

  it('a __proto__ field or column and bad integer text are BAD_INPUT', () => {
    expect(decodeValue({ $o: { a: 1, constructor: 2 } })).toEqual({ a: 1, constructor: 2 });
    expect(codeOf(() => decodeValue(JSON.parse('{"$o":{"__proto__":{"polluted":1}}}')))).toMatch(/^BAD_INPUT: .*__proto__/);
    expect(codeOf(() => rowsOfChunk(deflateRawSync(Buffer.from(JSON.stringify({ columns: ['__proto__'], rows: [[1]] })))))).toMatch(/^BAD_INPUT: .*__proto__/);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(codeOf(() => decodeValue({ $n: '1.5' }))).toMatch(/^BAD_INPUT: .*\$n expects an integer/);
    expect(codeOf(() => decodeValue({ $n: 'abc' }))).toMatch(/^BAD_INPUT/);
    expect(decodeValue({ $n: '-9223372036854775808' })).toBe(-9223372036854775808n);
  });
});
