import { AppError } from '../app/errors';

/**
 * A tiny, strict DER writer and reader for the X.509 / PKCS#10 / CRL / PKCS#12 structures the
 * console builds and reads (issue 8). Writing: each helper returns the complete TLV as a Buffer.
 * Reading: `derParse` decodes one element and refuses everything DER forbids that matters for
 * untrusted input — indefinite lengths, non-minimal lengths, lengths running past the input,
 * high-tag-number forms, nesting deeper than a bound, trailing bytes — always with
 * AppError('BAD_INPUT'), never another exception type.
 */

// ---------------------------------------------------------------- tags

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  ENUMERATED: 0x0a,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  T61_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  BMP_STRING: 0x1e,
  UNIVERSAL_STRING: 0x1c,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

// ---------------------------------------------------------------- writer

function lengthBytes(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One TLV with the given identifier octet (class | constructed | number < 31). */
export function tlv(tag: number, content: Buffer | Uint8Array): Buffer {
  const c = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  return Buffer.concat([Buffer.from([tag]), lengthBytes(c.length), c]);
}

export const seq = (...items: Buffer[]): Buffer => tlv(TAG.SEQUENCE, Buffer.concat(items));

/** SET OF: DER sorts the encodings. */
export const set = (...items: Buffer[]): Buffer => tlv(TAG.SET, Buffer.concat([...items].sort(Buffer.compare)));

export const nul = (): Buffer => Buffer.from([TAG.NULL, 0]);
export const bool = (v: boolean): Buffer => Buffer.from([TAG.BOOLEAN, 1, v ? 0xff : 0]);
export const octets = (b: Buffer | Uint8Array): Buffer => tlv(TAG.OCTET_STRING, b);
export const utf8 = (s: string): Buffer => tlv(TAG.UTF8_STRING, Buffer.from(s, 'utf8'));
export const ia5 = (s: string): Buffer => tlv(TAG.IA5_STRING, Buffer.from(s, 'ascii'));
export const printable = (s: string): Buffer => tlv(TAG.PRINTABLE_STRING, Buffer.from(s, 'ascii'));

/** BMPString: UTF-16 big-endian (PKCS#12 friendlyName). */
export function bmp(s: string): Buffer {
  const le = Buffer.from(s, 'utf16le');
  const be = Buffer.alloc(le.length);
  for (let i = 0; i < le.length; i += 2) {
    be[i] = le[i + 1]!;
    be[i + 1] = le[i]!;
  }
  return tlv(TAG.BMP_STRING, be);
}

/** A BIT STRING with 0 unused bits around whole bytes (signatures, public keys). */
export const bitString = (b: Buffer | Uint8Array, unusedBits = 0): Buffer => tlv(TAG.BIT_STRING, Buffer.concat([Buffer.from([unusedBits]), Buffer.from(b)]));

/** Minimal two's-complement content of a non-negative integer given as big-endian magnitude bytes. */
function unsignedContent(magnitude: Buffer): Buffer {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  let m = magnitude.subarray(i);
  if (m.length === 0) m = Buffer.from([0]);
  return m[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), m]) : Buffer.from(m);
}

/** INTEGER from a non-negative number or big-endian magnitude bytes. */
export function int(v: number | bigint | Buffer): Buffer {
  if (Buffer.isBuffer(v)) return tlv(TAG.INTEGER, unsignedContent(v));
  let n = BigInt(v);
  if (n < 0n) throw new AppError('INTERNAL', 'DER: negative integers are not written');
  const bytes: number[] = [];
  do {
    bytes.unshift(Number(n & 0xffn));
    n >>= 8n;
  } while (n > 0n);
  return tlv(TAG.INTEGER, unsignedContent(Buffer.from(bytes)));
}

export function enumerated(v: number): Buffer {
  const c = int(v);
  c[0] = TAG.ENUMERATED;
  return c;
}

export function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map((p) => BigInt(p));
  if (parts.length < 2) throw new AppError('INTERNAL', `DER: bad OID ${dotted}`);
  const arcs = [parts[0]! * 40n + parts[1]!, ...parts.slice(2)];
  const out: number[] = [];
  for (const arc of arcs) {
    const chunk: number[] = [];
    let a = arc;
    do {
      chunk.unshift(Number(a & 0x7fn));
      a >>= 7n;
    } while (a > 0n);
    for (let i = 0; i < chunk.length - 1; i++) chunk[i]! |= 0x80;
    out.push(...chunk);
  }
  return tlv(TAG.OID, Buffer.from(out));
}

/** [n] EXPLICIT: a constructed context-specific wrapper around complete TLVs. */
export const explicit = (n: number, ...inner: Buffer[]): Buffer => tlv(0xa0 | n, Buffer.concat(inner));

/** [n] IMPLICIT primitive: the content of a primitive type under a context tag. */
export const implicitPrimitive = (n: number, content: Buffer | Uint8Array): Buffer => tlv(0x80 | n, content);

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050; whole seconds, Zulu. */
export function time(d: Date): Buffer {
  if (Number.isNaN(d.getTime())) throw new AppError('BAD_INPUT', 'certificate time: not a valid date');
  const iso = d.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const y = d.getUTCFullYear();
  if (y < 1950 || y > 9999) throw new AppError('BAD_INPUT', `certificate time: year ${y} outside 1950–9999`);
  const digits = iso.slice(0, 19).replace(/[-T:]/g, ''); // YYYYMMDDHHMMSS
  return y < 2050 ? tlv(TAG.UTC_TIME, Buffer.from(`${digits.slice(2)}Z`, 'ascii')) : tlv(TAG.GENERALIZED_TIME, Buffer.from(`${digits}Z`, 'ascii'));
}

// ---------------------------------------------------------------- reader

export interface DerNode {
  /** Identifier octet as read (class bits, constructed bit, tag number < 31). */
  readonly tag: number;
  readonly constructed: boolean;
  /** Offsets in `source`: the element starts at `start`, its content at `contentStart`, ends at `end`. */
  readonly start: number;
  readonly contentStart: number;
  readonly end: number;
  readonly source: Buffer;
  /** Children of a constructed element (decoded eagerly, so a bad child fails the whole parse). */
  readonly children: DerNode[];
}

export interface DerLimits {
  /** Refuse inputs larger than this many bytes. */
  maxBytes?: number;
  /** Refuse nesting deeper than this. */
  maxDepth?: number;
  /** What the input is, for error messages ("CSR", "certificate"...). */
  what?: string;
}

const bad = (what: string, msg: string): AppError => new AppError('BAD_INPUT', `${what}: ${msg}`);

/** Decodes exactly one DER element spanning the whole buffer (trailing bytes refused). */
export function derParse(buf: Buffer, limits: DerLimits = {}): DerNode {
  const what = limits.what ?? 'DER';
  const maxDepth = limits.maxDepth ?? 32;
  if (limits.maxBytes !== undefined && buf.length > limits.maxBytes) throw bad(what, `larger than ${limits.maxBytes} bytes`);
  if (buf.length === 0) throw bad(what, 'empty');
  const node = readAt(buf, 0, buf.length, 0, maxDepth, what);
  if (node.end !== buf.length) throw bad(what, `${buf.length - node.end} trailing byte(s) after the DER structure`);
  return node;
}

function readAt(buf: Buffer, pos: number, limit: number, depth: number, maxDepth: number, what: string): DerNode {
  if (depth > maxDepth) throw bad(what, `nested deeper than ${maxDepth} levels`);
  if (pos + 2 > limit) throw bad(what, 'truncated (element header cut off)');
  const tag = buf[pos]!;
  if ((tag & 0x1f) === 0x1f) throw bad(what, 'high tag numbers are not used by these structures');
  let len = buf[pos + 1]!;
  let contentStart = pos + 2;
  if (len === 0x80) throw bad(what, 'indefinite length (BER) is not DER');
  if (len > 0x80) {
    const n = len & 0x7f;
    if (n > 4) throw bad(what, 'length field too large');
    if (contentStart + n > limit) throw bad(what, 'truncated (length cut off)');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[contentStart + i]!;
    if (buf[contentStart] === 0 || len < 0x80) throw bad(what, 'non-minimal length encoding');
    contentStart += n;
  }
  const end = contentStart + len;
  if (end > limit) throw bad(what, `truncated (element claims ${len} bytes, ${limit - contentStart} left)`);
  const constructed = (tag & 0x20) !== 0;
  const children: DerNode[] = [];
  if (constructed) {
    let p = contentStart;
    while (p < end) {
      const child = readAt(buf, p, end, depth + 1, maxDepth, what);
      children.push(child);
      p = child.end;
    }
  }
  return { tag, constructed, start: pos, contentStart, end, source: buf, children };
}

/** The complete encoding (tag, length, content) of a node. */
export const derBytes = (n: DerNode): Buffer => n.source.subarray(n.start, n.end);
/** The content octets of a node. */
export const derContent = (n: DerNode): Buffer => n.source.subarray(n.contentStart, n.end);

export function expectTag(n: DerNode | undefined, tag: number, what: string, field: string): DerNode {
  if (!n) throw bad(what, `${field} missing`);
  if (n.tag !== tag) throw bad(what, `${field}: expected tag 0x${tag.toString(16)}, found 0x${n.tag.toString(16)}`);
  return n;
}

export function readOid(n: DerNode, what = 'DER', field = 'OID'): string {
  expectTag(n, TAG.OID, what, field);
  const c = derContent(n);
  if (c.length === 0 || c.length > 64) throw bad(what, `${field}: bad OID length`);
  const arcs: bigint[] = [];
  let v = 0n;
  let started = false;
  for (let i = 0; i < c.length; i++) {
    const b = c[i]!;
    if (!started && b === 0x80) throw bad(what, `${field}: non-minimal OID arc`);
    started = true;
    v = (v << 7n) | BigInt(b & 0x7f);
    if (!(b & 0x80)) {
      arcs.push(v);
      v = 0n;
      started = false;
    } else if (i === c.length - 1) throw bad(what, `${field}: truncated OID`);
  }
  const first = arcs[0]!;
  const head = first < 40n ? [0n, first] : first < 80n ? [1n, first - 40n] : [2n, first - 80n];
  return [...head, ...arcs.slice(1)].join('.');
}

/** A non-negative INTEGER's magnitude bytes (leading 0x00 sign byte removed). */
export function readUnsigned(n: DerNode, what = 'DER', field = 'INTEGER'): Buffer {
  expectTag(n, TAG.INTEGER, what, field);
  const c = derContent(n);
  if (c.length === 0) throw bad(what, `${field}: empty integer`);
  if (c.length > 1 && ((c[0] === 0 && !(c[1]! & 0x80)) || (c[0] === 0xff && c[1]! & 0x80))) throw bad(what, `${field}: non-minimal integer`);
  if (c[0]! & 0x80) throw bad(what, `${field}: negative`);
  return c[0] === 0 && c.length > 1 ? Buffer.from(c.subarray(1)) : Buffer.from(c);
}

export function readSmallInt(n: DerNode, what = 'DER', field = 'INTEGER'): number {
  const m = readUnsigned(n, what, field);
  if (m.length > 6) throw bad(what, `${field}: too large`);
  return m.reduce((a, b) => a * 256 + b, 0);
}

/** BIT STRING content without the unused-bits octet (only whole-byte strings are accepted unless `allowUnused`). */
export function readBitString(n: DerNode, what = 'DER', field = 'BIT STRING', allowUnused = false): { bytes: Buffer; unused: number } {
  expectTag(n, TAG.BIT_STRING, what, field);
  const c = derContent(n);
  if (c.length === 0) throw bad(what, `${field}: empty`);
  const unused = c[0]!;
  if (unused > 7 || (unused > 0 && c.length === 1)) throw bad(what, `${field}: bad unused-bits count`);
  if (unused !== 0 && !allowUnused) throw bad(what, `${field}: partial bytes`);
  return { bytes: Buffer.from(c.subarray(1)), unused };
}

export function readTime(n: DerNode | undefined, what = 'DER', field = 'time'): Date {
  if (!n) throw bad(what, `${field} missing`);
  const s = derContent(n).toString('latin1');
  let m: RegExpExecArray | null;
  let iso: string;
  if (n.tag === TAG.UTC_TIME && (m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s))) {
    const yy = Number(m[1]);
    iso = `${yy < 50 ? 2000 + yy : 1900 + yy}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`;
  } else if (n.tag === TAG.GENERALIZED_TIME && (m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s))) {
    iso = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`;
  } else throw bad(what, `${field}: not a DER UTCTime/GeneralizedTime`);
  const d = new Date(iso);
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 19) !== iso.slice(0, 19)) throw bad(what, `${field}: not a valid date`);
  return d;
}

/** Character strings found in names: UTF8, Printable, IA5, T61 (as latin1), BMP, Universal. */
export function readString(n: DerNode, what = 'DER', field = 'string'): string {
  const c = derContent(n);
  switch (n.tag) {
    case TAG.UTF8_STRING: {
      const s = c.toString('utf8');
      if (!Buffer.from(s, 'utf8').equals(c)) throw bad(what, `${field}: invalid UTF-8`);
      return s;
    }
    case TAG.PRINTABLE_STRING:
    case TAG.IA5_STRING:
      for (const b of c) if (b > 0x7f) throw bad(what, `${field}: non-ASCII byte in an ASCII string`);
      return c.toString('latin1');
    case TAG.T61_STRING:
      return c.toString('latin1');
    case TAG.BMP_STRING: {
      if (c.length % 2) throw bad(what, `${field}: odd BMPString length`);
      const sw = Buffer.from(c);
      sw.swap16();
      return sw.toString('utf16le');
    }
    case TAG.UNIVERSAL_STRING: {
      if (c.length % 4) throw bad(what, `${field}: bad UniversalString length`);
      let s = '';
      for (let i = 0; i < c.length; i += 4) {
        const cp = c.readUInt32BE(i);
        if (cp > 0x10ffff) throw bad(what, `${field}: bad code point`);
        s += String.fromCodePoint(cp);
      }
      return s;
    }
    default:
      throw bad(what, `${field}: unsupported string type 0x${n.tag.toString(16)}`);
  }
}

// ---------------------------------------------------------------- PEM

/** PEM text of one DER object: 64-column base64 between BEGIN/END lines, trailing newline. */
export function pemEncode(label: string, der: Buffer | Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

export interface PemBlock {
  readonly label: string;
  readonly der: Buffer;
}

/**
 * Every PEM block of a text, strictly: only whitespace may stand outside the blocks, no
 * encapsulated headers (`Proc-Type:` — encrypted legacy PEM), canonical base64, BEGIN/END labels
 * matching. Errors name what is wrong, never echo the input.
 */
export function pemDecodeAll(text: string, what: string, maxBytes: number): PemBlock[] {
  if (typeof text !== 'string') throw bad(what, 'expected PEM text');
  if (Buffer.byteLength(text, 'utf8') > maxBytes) throw bad(what, `larger than ${maxBytes} bytes`);
  const lines = text.split(/\r?\n/);
  const blocks: PemBlock[] = [];
  let label: string | null = null;
  let body: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (label === null) {
      if (line === '') continue;
      const m = /^-----BEGIN ([A-Z0-9][A-Z0-9 #]{0,62})-----$/.exec(line);
      if (!m) throw bad(what, blocks.length === 0 ? 'not PEM (no "-----BEGIN …-----" line where one was expected)' : `unexpected text after the PEM block on line ${i + 1}`);
      label = m[1]!;
      body = [];
      continue;
    }
    if (line.startsWith('-----END ')) {
      if (line !== `-----END ${label}-----`) throw bad(what, `PEM block "${label}" ends with a different END line`);
      const b64 = body.join('');
      if (b64.length === 0) throw bad(what, `PEM block "${label}" is empty`);
      if (b64.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) throw bad(what, `PEM block "${label}": the base64 body is malformed or truncated`);
      const der = Buffer.from(b64, 'base64');
      if (der.toString('base64') !== b64) throw bad(what, `PEM block "${label}": non-canonical base64`);
      blocks.push({ label, der });
      label = null;
      continue;
    }
    if (line.startsWith('-----')) throw bad(what, `PEM block "${label}" has no END line`);
    if (line.includes(':')) throw bad(what, `PEM block "${label}" has headers (encrypted legacy PEM is not accepted)`);
    body.push(line);
  }
  if (label !== null) throw bad(what, `PEM block "${label}" has no END line (truncated?)`);
  if (blocks.length === 0) throw bad(what, 'empty: no PEM block');
  return blocks;
}

// ---------------------------------------------------------------- OIDs

export const OID = {
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha256WithRSA: '1.2.840.113549.1.1.11',
  sha384WithRSA: '1.2.840.113549.1.1.12',
  sha512WithRSA: '1.2.840.113549.1.1.13',
  ecPublicKey: '1.2.840.10045.2.1',
  ecdsaSha256: '1.2.840.10045.4.3.2',
  ecdsaSha384: '1.2.840.10045.4.3.3',
  ecdsaSha512: '1.2.840.10045.4.3.4',
  sha256: '2.16.840.1.101.3.4.2.1',
  commonName: '2.5.4.3',
  country: '2.5.4.6',
  locality: '2.5.4.7',
  state: '2.5.4.8',
  organization: '2.5.4.10',
  organizationalUnit: '2.5.4.11',
  emailAddress: '1.2.840.113549.1.9.1',
  extensionRequest: '1.2.840.113549.1.9.14',
  friendlyName: '1.2.840.113549.1.9.20',
  localKeyId: '1.2.840.113549.1.9.21',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  crlNumber: '2.5.29.20',
  crlReason: '2.5.29.21',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  pkcs7Data: '1.2.840.113549.1.7.1',
  pkcs8ShroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
} as const;
