import { createCipheriv, createDecipheriv, createHash, createHmac, createPrivateKey, createPublicKey, hkdfSync, randomBytes, sign as edSign, timingSafeEqual, verify as edVerify, type KeyObject } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { AppError } from '../../app/errors';
import { TENANT_ID_PATTERN } from '../../../src-shared/rules/names';
import { openTenantShare } from '../../keys/shares';
import type { HeldKek } from '../../keys/local-keks';
import { deriveKey, kdfParamsProblem, newKdfParams, type KdfParams } from '../../secrets/vault-crypto';
import { decodeRows, encodeRows } from './codec';
import type { BundleChunkEntry, BundleManifest, BundleReader } from '../types';

/**
 * The tenant bundle (issue 11 item 1): one file, written append-only so an interrupted export
 * resumes (export.ts keeps the journal), read back with every byte authenticated before the
 * importer writes anything.
 *
 * Layout, format 1 (integers big-endian):
 *   [8]   magic "CSMBNDL" 0x01
 *   [4]   u32 H, [H] header JSON (clear), [32] SHA-256 of the header bytes
 *         header: format, tenant, sourceCluster, createdAt, wrap ('passphrase' | 'installation'),
 *         kdf (scrypt N/r/p/salt, passphrase wrap) or masterFingerprint (installation wrap),
 *         wrappedKey (nonce ‖ tag ‖ AES-256-GCM of the 256-bit bundle key; AAD names the format,
 *         tenant, createdAt and wrap), signer (Ed25519 SPKI public key of the exporting installation)
 *   records, each [4] u32 L (bytes after this field) [1] kind [2] u16 M [M] meta JSON (clear)
 *         [12] nonce [16] tag [L-31-M] ciphertext:
 *         kind 1 data chunk (meta: index, keyspace, table, rows), kind 2 key material,
 *         kind 3 manifest; the plaintext of 1 and 2 is raw-deflated JSON, the manifest is JSON.
 *         AEAD: AES-256-GCM under HKDF(bundle key, "enc"), a fresh random nonce per record,
 *         AAD = "csm-bundle/v1" ‖ header SHA-256 ‖ kind ‖ meta bytes — so a chunk cannot be moved
 *         to another index, table or bundle, and its row count cannot be edited.
 *   [4]   u32 S, [S] signature JSON (clear): hmac = HMAC-SHA-256 under HKDF(bundle key, "mac") and
 *         ed25519 = signature by the installation key, both over
 *         "csm-bundle-sig/v1" ‖ header SHA-256 ‖ SHA-256(manifest plaintext)
 *   [16]  trailer: u64 offset of the manifest record, magic "CSMBEND" 0x01
 *
 * The manifest (BundleManifest + `chunks`) lists every record with its offset, length, and the
 * SHA-256 of its plaintext and of its ciphertext; it holds each table's row count and
 * order-independent content digest (digest.ts). A reader checks: the header checksum, the key
 * unwrap (wrong passphrase → AUTH_FAILED), the manifest AEAD, the HMAC and the Ed25519 signature,
 * that the records tile the file exactly (no gap, no extra byte), then every chunk's ciphertext
 * hash, AEAD and plaintext hash. Any flipped byte fails one of these: BAD_INPUT naming which.
 *
 * The bundle key is random; it is wrapped either to a passphrase (scrypt, N = 2^17, r = 8, salt in
 * the header) or to this installation's master key (a console sharing the key imports directly).
 * The Ed25519 installation key is derived from the master key (HKDF, "csm/bundle-signing/v1"), so
 * it is held sealed under the master key without a stored copy, and every console of the
 * installation signs and recognises the same key. Key material (the tenant's KEK versions) travels
 * as a tenant key share (keys/shares.ts) under a random share passphrase, both inside an
 * encrypted record: the data keys, CA keys and certificate private keys in the console keyspace
 * stay wrapped under the KEK as they are at the source.
 */

export const BUNDLE_FORMAT = 1;
const MAGIC = Buffer.from('CSMBNDL\u0001', 'latin1');
const END_MAGIC = Buffer.from('CSMBEND\u0001', 'latin1');
const TRAILER_BYTES = 16;
const NONCE = 12;
const TAG = 16;
export const KIND = { chunk: 1, keys: 2, manifest: 3 } as const;
type Kind = (typeof KIND)[keyof typeof KIND];
/** A record larger than this is refused (a doctored length cannot make the reader allocate gigabytes). */
const MAX_RECORD = 512 * 1024 * 1024;
/** Most a record's compressed plaintext may inflate to (a deflate bomb stops here). */
export const MAX_INFLATED = 64 * 1024 * 1024;
/** scrypt bounds for a bundle header (unauthenticated until the key unwraps): what newKdfParams writes, and no more. */
export const BUNDLE_KDF_MAX = { N: 2 ** 18, r: 8, p: 2 } as const;

/** Why a bundle header's scrypt parameters are refused, or null. */
export function bundleKdfProblem(k: KdfParams): string | null {
  const problem = kdfParamsProblem(k);
  if (problem) return problem;
  if (k.N > BUNDLE_KDF_MAX.N) return `scrypt N ${k.N} above ${BUNDLE_KDF_MAX.N}`;
  if (k.r > BUNDLE_KDF_MAX.r) return `scrypt r ${k.r} above ${BUNDLE_KDF_MAX.r}`;
  if (k.p > BUNDLE_KDF_MAX.p) return `scrypt p ${k.p} above ${BUNDLE_KDF_MAX.p}`;
  return null;
}

export interface BundleHeader {
  format: number;
  tenant: string;
  sourceCluster: string;
  createdAt: string;
  wrap: 'passphrase' | 'installation';
  kdf?: KdfParams;
  masterFingerprint?: string;
  wrappedKey: string;
  signer: { alg: 'Ed25519'; publicKey: string; fingerprint: string };
}

/** The installation master key as the bundle sees it. */
export interface InstallationKey {
  key: Buffer;
  fingerprint: string;
}

const bad = (what: string): AppError => new AppError('BAD_INPUT', `bundle refused: ${what}`);
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const subkey = (bundleKey: Buffer, label: string): Buffer => Buffer.from(hkdfSync('sha256', bundleKey, Buffer.alloc(0), `csm/bundle/${label}/v1`, 32));

// ---------------------------------------------------------------------------------------------
// Installation signing key

const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** The installation's Ed25519 bundle-signing key, derived from its master key. */
export function installationSigner(master: InstallationKey): { privateKey: KeyObject; publicKey: KeyObject; publicDer: Buffer; fingerprint: string } {
  const seed = Buffer.from(hkdfSync('sha256', master.key, Buffer.alloc(0), 'csm/bundle-signing/v1', 32));
  const privateKey = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  seed.fill(0);
  const publicKey = createPublicKey(privateKey);
  const publicDer = publicKey.export({ format: 'der', type: 'spki' });
  return { privateKey, publicKey, publicDer, fingerprint: sha256(publicDer) };
}

// ---------------------------------------------------------------------------------------------
// Bundle key wrapping

function wrapAad(h: Pick<BundleHeader, 'format' | 'tenant' | 'createdAt' | 'wrap'>): Buffer {
  return Buffer.from(`csm-bundle-key/v${h.format}\u0000${h.tenant}\u0000${h.createdAt}\u0000${h.wrap}`, 'utf8');
}

function gcmSeal(key: Buffer, aad: Buffer, plain: Buffer): { nonce: Buffer; tag: Buffer; body: Buffer } {
  const nonce = randomBytes(NONCE);
  const c = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG });
  c.setAAD(aad);
  const body = Buffer.concat([c.update(plain), c.final()]);
  return { nonce, tag: c.getAuthTag(), body };
}

function gcmOpen(key: Buffer, aad: Buffer, nonce: Buffer, tag: Buffer, body: Buffer): Buffer | null {
  try {
    const d = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG });
    d.setAAD(aad);
    d.setAuthTag(tag);
    return Buffer.concat([d.update(body), d.final()]);
  } catch {
    return null;
  }
}

/** A new header with a fresh random bundle key wrapped as asked. The caller zeroes `bundleKey` when done. */
export async function newHeader(opts: {
  tenant: string;
  sourceCluster: string;
  passphrase?: string | undefined;
  master: InstallationKey;
  now?: Date;
}): Promise<{ header: BundleHeader; bundleKey: Buffer }> {
  const bundleKey = randomBytes(32);
  const signer = installationSigner(opts.master);
  const base = { format: BUNDLE_FORMAT, tenant: opts.tenant, sourceCluster: opts.sourceCluster, createdAt: (opts.now ?? new Date()).toISOString() };
  let wrapKey: Buffer;
  let extra: Pick<BundleHeader, 'kdf' | 'masterFingerprint'>;
  let wrap: BundleHeader['wrap'];
  if (opts.passphrase !== undefined) {
    const kdf = newKdfParams();
    wrapKey = await deriveKey(opts.passphrase, kdf);
    extra = { kdf };
    wrap = 'passphrase';
  } else {
    wrapKey = Buffer.from(hkdfSync('sha256', opts.master.key, Buffer.alloc(0), 'csm/bundle-wrap/v1', 32));
    extra = { masterFingerprint: opts.master.fingerprint };
    wrap = 'installation';
  }
  const s = gcmSeal(wrapKey, wrapAad({ ...base, wrap }), bundleKey);
  wrapKey.fill(0);
  const header: BundleHeader = {
    ...base,
    wrap,
    ...extra,
    wrappedKey: Buffer.concat([s.nonce, s.tag, s.body]).toString('base64'),
    signer: { alg: 'Ed25519', publicKey: signer.publicDer.toString('base64'), fingerprint: signer.fingerprint },
  };
  return { header, bundleKey };
}

/** Unwrap the bundle key: AUTH_FAILED for a wrong passphrase or another installation's bundle. */
export async function unwrapBundleKey(h: BundleHeader, opts: { passphrase?: string | undefined; master: () => Promise<InstallationKey | null> }): Promise<Buffer> {
  const raw = Buffer.from(h.wrappedKey, 'base64');
  if (raw.length !== NONCE + TAG + 32) throw bad('the wrapped bundle key has the wrong length');
  let wrapKey: Buffer;
  if (h.wrap === 'passphrase') {
    if (opts.passphrase === undefined) throw new AppError('BAD_INPUT', 'this bundle is wrapped to a passphrase: give it (--passphrase-stdin)');
    if (!h.kdf || h.kdf.name !== 'scrypt') throw bad('the header names no scrypt parameters');
    const problem = bundleKdfProblem(h.kdf);
    if (problem) throw bad(`the header's key derivation: ${problem}`);
    wrapKey = await deriveKey(opts.passphrase, h.kdf);
  } else {
    const m = await opts.master();
    if (!m) throw new AppError('NOT_FOUND', `this bundle is wrapped to installation master key ${h.masterFingerprint ?? '?'}, and this console has none: import that installation's master key share, or export with a passphrase`);
    if (m.fingerprint !== h.masterFingerprint) {
      throw new AppError('AUTH_FAILED', `this bundle is wrapped to installation master key ${h.masterFingerprint ?? '?'}; this console holds ${m.fingerprint}: export it again with a passphrase`);
    }
    wrapKey = Buffer.from(hkdfSync('sha256', m.key, Buffer.alloc(0), 'csm/bundle-wrap/v1', 32));
  }
  const key = gcmOpen(wrapKey, wrapAad(h), raw.subarray(0, NONCE), raw.subarray(NONCE, NONCE + TAG), raw.subarray(NONCE + TAG));
  wrapKey.fill(0);
  if (!key) {
    throw new AppError(
      'AUTH_FAILED',
      h.wrap === 'passphrase' ? 'the passphrase does not open this bundle (wrong passphrase)' : 'the installation master key does not open this bundle key (it was altered)',
    );
  }
  return key;
}

// ---------------------------------------------------------------------------------------------
// Records

export interface RecordMeta {
  index: number;
  keyspace?: string;
  table?: string;
  rows?: number;
}

function recordAad(headerSha: string, kind: Kind, meta: Buffer): Buffer {
  return Buffer.concat([Buffer.from('csm-bundle/v1\u0000', 'utf8'), Buffer.from(headerSha, 'hex'), Buffer.from([kind]), meta]);
}

/** One sealed record's bytes (length prefix included) and its manifest entry (offset filled by the writer). */
export function sealRecord(encKey: Buffer, headerSha: string, kind: Kind, meta: RecordMeta, plaintext: Buffer): { bytes: Buffer; entry: Omit<BundleChunkEntry, 'offset'> } {
  const metaBytes = Buffer.from(JSON.stringify(meta), 'utf8');
  if (metaBytes.length > 0xffff) throw new AppError('INTERNAL', 'bundle record meta too long');
  const s = gcmSeal(encKey, recordAad(headerSha, kind, metaBytes), plaintext);
  const len = 1 + 2 + metaBytes.length + NONCE + TAG + s.body.length;
  const bytes = Buffer.allocUnsafe(4 + len);
  let o = bytes.writeUInt32BE(len, 0);
  o = bytes.writeUInt8(kind, o);
  o = bytes.writeUInt16BE(metaBytes.length, o);
  o += metaBytes.copy(bytes, o);
  o += s.nonce.copy(bytes, o);
  o += s.tag.copy(bytes, o);
  s.body.copy(bytes, o);
  return {
    bytes,
    entry: {
      kind: kind === KIND.chunk ? 'chunk' : kind === KIND.keys ? 'keys' : 'manifest',
      index: meta.index,
      keyspace: meta.keyspace ?? null,
      table: meta.table ?? null,
      rows: meta.rows ?? 0,
      length: bytes.length,
      plainSha256: sha256(plaintext),
      cipherSha256: sha256(bytes),
    },
  };
}

interface ParsedRecord {
  kind: number;
  meta: RecordMeta;
  metaBytes: Buffer;
  nonce: Buffer;
  tag: Buffer;
  body: Buffer;
}

function parseRecord(bytes: Buffer, where: string): ParsedRecord {
  if (bytes.length < 4 + 3 + NONCE + TAG) throw bad(`${where}: truncated record`);
  const len = bytes.readUInt32BE(0);
  if (len !== bytes.length - 4) throw bad(`${where}: record length does not match`);
  const kind = bytes.readUInt8(4);
  const m = bytes.readUInt16BE(5);
  if (7 + m + NONCE + TAG > bytes.length) throw bad(`${where}: record meta runs past its end`);
  const metaBytes = bytes.subarray(7, 7 + m);
  let meta: RecordMeta;
  try {
    meta = JSON.parse(metaBytes.toString('utf8')) as RecordMeta;
  } catch {
    throw bad(`${where}: unreadable record meta`);
  }
  const o = 7 + m;
  return { kind, meta, metaBytes, nonce: bytes.subarray(o, o + NONCE), tag: bytes.subarray(o + NONCE, o + NONCE + TAG), body: bytes.subarray(o + NONCE + TAG) };
}

function openRecord(encKey: Buffer, headerSha: string, rec: ParsedRecord, where: string): Buffer {
  const plain = gcmOpen(encKey, recordAad(headerSha, rec.kind as Kind, rec.metaBytes), rec.nonce, rec.tag, rec.body);
  if (!plain) throw bad(`${where} does not authenticate (altered bytes)`);
  return plain;
}

/** Chunk plaintext: raw deflate of the JSON body. */
export function chunkPlaintext(columns: readonly string[], rows: readonly Record<string, unknown>[]): Buffer {
  return deflateRawSync(Buffer.from(JSON.stringify(encodeRows(columns, rows)), 'utf8'));
}

/** A page as one or more chunk plaintexts, each inflating to at most MAX_INFLATED (a reader refuses more): split in halves as needed. */
export function chunkPlaintexts(columns: readonly string[], rows: readonly Record<string, unknown>[], max = MAX_INFLATED): { rows: number; plain: Buffer }[] {
  const json = Buffer.from(JSON.stringify(encodeRows(columns, rows)), 'utf8');
  if (json.length <= max) return [{ rows: rows.length, plain: deflateRawSync(json) }];
  if (rows.length <= 1) throw new AppError('BAD_INPUT', `a row is larger than a bundle chunk may be (${max} bytes encoded)`);
  const half = Math.ceil(rows.length / 2);
  return [...chunkPlaintexts(columns, rows.slice(0, half), max), ...chunkPlaintexts(columns, rows.slice(half), max)];
}

export function rowsOfChunk(plain: Buffer): Record<string, unknown>[] {
  let json: unknown;
  try {
    json = JSON.parse(inflateRawSync(plain, { maxOutputLength: MAX_INFLATED }).toString('utf8'));
  } catch {
    throw bad('a chunk does not inflate to JSON');
  }
  return decodeRows(json);
}

// ---------------------------------------------------------------------------------------------
// Writer

function headerBytes(h: BundleHeader): Buffer {
  return Buffer.from(JSON.stringify(h), 'utf8');
}

function signedMessage(headerSha: string, manifestSha: string): Buffer {
  return Buffer.concat([Buffer.from('csm-bundle-sig/v1\u0000', 'utf8'), Buffer.from(headerSha, 'hex'), Buffer.from(manifestSha, 'hex')]);
}

/**
 * Appends records to `<out>.partial`. Create writes the header; `reopen` (resume) truncates the
 * file to the length the journal recorded (a record written after the last journal write is
 * dropped and rewritten). `finish` adds the key record's successor records — manifest, signature,
 * trailer — fsyncs, and renames into place.
 */
export class BundleWriter {
  private constructor(
    private fh: FileHandle | null,
    readonly path: string,
    readonly header: BundleHeader,
    readonly headerSha: string,
    private readonly encKey: Buffer,
    private readonly macKey: Buffer,
    private offset: number,
  ) {}

  static async create(partialPath: string, header: BundleHeader, bundleKey: Buffer): Promise<BundleWriter> {
    const hb = headerBytes(header);
    const headerSha = sha256(hb);
    const fh = await fs.open(partialPath, 'w', 0o600);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(hb.length, 0);
    const prefix = Buffer.concat([MAGIC, len, hb, Buffer.from(headerSha, 'hex')]);
    await fh.write(prefix, 0, prefix.length, 0);
    await fh.sync();
    return new BundleWriter(fh, partialPath, header, headerSha, subkey(bundleKey, 'enc'), subkey(bundleKey, 'mac'), prefix.length);
  }

  /** Continue a partial file: its header must be the one the journal recorded. */
  static async reopen(partialPath: string, opts: { headerSha: string; length: number; passphrase?: string | undefined; master: () => Promise<InstallationKey | null> }): Promise<{ writer: BundleWriter; bundleKey: Buffer }> {
    const fh = await fs.open(partialPath, 'r+');
    try {
      const { header, headerSha, end } = await readHeader(fh);
      if (headerSha !== opts.headerSha) throw new AppError('CONFLICT', `${partialPath} is not the bundle the journal describes (header differs): remove both and export again`);
      const st = await fh.stat();
      if (st.size < opts.length || opts.length < end) throw new AppError('CONFLICT', `${partialPath} is shorter than its journal records: remove it and its journal and export again`);
      const bundleKey = await unwrapBundleKey(header, opts);
      await fh.truncate(opts.length);
      await fh.sync();
      return { writer: new BundleWriter(fh, partialPath, header, headerSha, subkey(bundleKey, 'enc'), subkey(bundleKey, 'mac'), opts.length), bundleKey };
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  get length(): number {
    return this.offset;
  }

  private handle(): FileHandle {
    if (!this.fh) throw new AppError('INTERNAL', 'bundle writer is closed');
    return this.fh;
  }

  /** Append one sealed record and make it durable; returns its manifest entry. */
  async append(kind: Kind, meta: RecordMeta, plaintext: Buffer): Promise<BundleChunkEntry> {
    const { bytes, entry } = sealRecord(this.encKey, this.headerSha, kind, meta, plaintext);
    const fh = this.handle();
    await fh.write(bytes, 0, bytes.length, this.offset);
    await fh.sync();
    const at = this.offset;
    this.offset += bytes.length;
    return { ...entry, offset: at };
  }

  /** Seal the manifest, sign, write the trailer, and rename the partial file to `finalPath`. Returns the file's SHA-256 and size. */
  async finish(manifest: BundleManifest, master: InstallationKey, finalPath: string): Promise<{ sha256: string; bytes: number }> {
    const plain = Buffer.from(JSON.stringify(manifest), 'utf8');
    const manifestSha = sha256(plain);
    const manifestOffset = this.offset;
    await this.append(KIND.manifest, { index: -1 }, plain);
    const msg = signedMessage(this.headerSha, manifestSha);
    const signer = installationSigner(master);
    if (signer.fingerprint !== this.header.signer.fingerprint) throw new AppError('CONFLICT', 'the installation master key changed during the export: export again');
    const sig = Buffer.from(
      JSON.stringify({ hmac: createHmac('sha256', this.macKey).update(msg).digest('hex'), ed25519: edSign(null, msg, signer.privateKey).toString('base64') }),
      'utf8',
    );
    const trailer = Buffer.alloc(4 + sig.length + TRAILER_BYTES);
    trailer.writeUInt32BE(sig.length, 0);
    sig.copy(trailer, 4);
    trailer.writeBigUInt64BE(BigInt(manifestOffset), 4 + sig.length);
    END_MAGIC.copy(trailer, 4 + sig.length + 8);
    const fh = this.handle();
    await fh.write(trailer, 0, trailer.length, this.offset);
    this.offset += trailer.length;
    await fh.truncate(this.offset);
    await fh.sync();
    await this.close();
    await fs.rename(this.path, finalPath);
    return { sha256: await fileSha256(finalPath), bytes: this.offset };
  }

  async close(): Promise<void> {
    const fh = this.fh;
    this.fh = null;
    this.encKey.fill(0);
    this.macKey.fill(0);
    await fh?.close();
  }
}

export async function fileSha256(path: string): Promise<string> {
  const h = createHash('sha256');
  const fh = await fs.open(path, 'r');
  try {
    for await (const chunk of fh.createReadStream()) h.update(chunk as Buffer);
  } finally {
    await fh.close().catch(() => undefined);
  }
  return h.digest('hex');
}

// ---------------------------------------------------------------------------------------------
// Reader

async function readAt(fh: FileHandle, offset: number, length: number, what: string): Promise<Buffer> {
  const b = Buffer.alloc(length);
  const { bytesRead } = await fh.read(b, 0, length, offset);
  if (bytesRead !== length) throw bad(`${what}: the file ends early`);
  return b;
}

async function readHeader(fh: FileHandle): Promise<{ header: BundleHeader; headerSha: string; end: number }> {
  const pre = await readAt(fh, 0, 12, 'header');
  if (!pre.subarray(0, 8).equals(MAGIC)) throw bad('not a CSM tenant bundle (wrong magic bytes)');
  const h = pre.readUInt32BE(8);
  if (h < 2 || h > 1024 * 1024) throw bad('header length out of range');
  const body = await readAt(fh, 12, h + 32, 'header');
  const hb = body.subarray(0, h);
  const headerSha = sha256(hb);
  if (!timingSafeEqual(Buffer.from(headerSha, 'hex'), body.subarray(h))) throw bad('header checksum mismatch (the header was altered)');
  let header: BundleHeader;
  try {
    header = JSON.parse(hb.toString('utf8')) as BundleHeader;
  } catch {
    throw bad('unreadable header');
  }
  if (header.format !== BUNDLE_FORMAT) throw bad(`format ${String(header.format)}; this console reads format ${BUNDLE_FORMAT}`);
  if (header.wrap !== 'passphrase' && header.wrap !== 'installation') throw bad('unknown key wrapping');
  if (typeof header.tenant !== 'string' || !TENANT_ID_PATTERN.test(header.tenant)) throw bad('the header names no valid tenant id');
  if (typeof header.sourceCluster !== 'string' || header.sourceCluster.length > 64 || typeof header.createdAt !== 'string' || typeof header.signer?.publicKey !== 'string') throw bad('the header is incomplete');
  return { header, headerSha, end: 12 + h + 32 };
}

/** The clear header of a bundle or of an unfinished export's partial file (checksum verified, nothing decrypted). */
export async function readBundleHeader(path: string): Promise<BundleHeader> {
  const fh = await fs.open(path, 'r');
  try {
    return (await readHeader(fh)).header;
  } finally {
    await fh.close();
  }
}

export interface BundleKeys {
  tenantId: string;
  keks: HeldKek[];
}

export interface OpenedBundle extends BundleReader {
  header: BundleHeader;
  /** SHA-256 of the whole file, and its size. */
  sha256: string;
  bytes: number;
  /** Ed25519 signer fingerprint, and whether it is this installation's key (null: no master key here). */
  signer: string;
  signedByThisInstallation: boolean | null;
  keys(): Promise<BundleKeys>;
}

/**
 * Open and verify a bundle completely (header, key, manifest, signatures, tiling, every chunk's
 * hashes and AEAD) before returning; throws BAD_INPUT naming the first failure, AUTH_FAILED for
 * a wrong passphrase. `rows()` re-reads and re-checks each chunk as it goes (the file could change
 * between verification and import).
 */
export async function openBundle(path: string, opts: { passphrase?: string | undefined; master: () => Promise<InstallationKey | null> }): Promise<OpenedBundle> {
  let fh: FileHandle;
  try {
    fh = await fs.open(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new AppError(code === 'ENOENT' ? 'NOT_FOUND' : 'BAD_INPUT', `cannot read bundle ${path}: ${code ?? 'error'}`);
  }
  let bundleKey: Buffer | null = null;
  try {
    const size = (await fh.stat()).size;
    const { header, headerSha, end: headerEnd } = await readHeader(fh);
    if (size < headerEnd + TRAILER_BYTES + 4) throw bad('the file ends before its trailer (an unfinished export?)');
    const tail = await readAt(fh, size - TRAILER_BYTES, TRAILER_BYTES, 'trailer');
    if (!tail.subarray(8).equals(END_MAGIC)) throw bad('no trailer (an unfinished or truncated bundle)');
    const manifestOffset = Number(tail.readBigUInt64BE(0));
    if (manifestOffset < headerEnd || manifestOffset > size - TRAILER_BYTES - 8) throw bad('the trailer points outside the file');
    const mlen = (await readAt(fh, manifestOffset, 4, 'manifest')).readUInt32BE(0);
    if (mlen > MAX_RECORD || manifestOffset + 4 + mlen + 4 > size - TRAILER_BYTES) throw bad('manifest record length out of range');
    const manifestRecord = await readAt(fh, manifestOffset, 4 + mlen, 'manifest');
    const sigOffset = manifestOffset + 4 + mlen;
    const slen = (await readAt(fh, sigOffset, 4, 'signature')).readUInt32BE(0);
    if (sigOffset + 4 + slen + TRAILER_BYTES !== size) throw bad('the signature record does not end at the trailer (bytes added or removed)');
    let sig: { hmac?: unknown; ed25519?: unknown };
    const sigText = (await readAt(fh, sigOffset + 4, slen, 'signature')).toString('utf8');
    try {
      sig = JSON.parse(sigText) as typeof sig;
    } catch {
      throw bad('unreadable signature record');
    }
    // Canonical form only: a flipped padding bit of base64 or an edited space decodes the same, and is refused too.
    if (JSON.stringify({ hmac: sig.hmac, ed25519: sig.ed25519 }) !== sigText || typeof sig.ed25519 !== 'string' || Buffer.from(sig.ed25519, 'base64').toString('base64') !== sig.ed25519) {
      throw bad('the signature record is not in canonical form (altered)');
    }

    bundleKey = await unwrapBundleKey(header, opts);
    const encKey = subkey(bundleKey, 'enc');
    const macKey = subkey(bundleKey, 'mac');
    const mrec = parseRecord(manifestRecord, 'manifest');
    if (mrec.kind !== KIND.manifest) throw bad('the trailer does not point at the manifest');
    const plain = openRecord(encKey, headerSha, mrec, 'the manifest');
    const msg = signedMessage(headerSha, sha256(plain));
    const mac = createHmac('sha256', macKey).update(msg).digest();
    if (typeof sig.hmac !== 'string' || !/^[0-9a-f]{64}$/.test(sig.hmac) || !timingSafeEqual(mac, Buffer.from(sig.hmac, 'hex'))) throw bad('the manifest HMAC does not match');
    let signerKey: KeyObject;
    try {
      signerKey = createPublicKey({ key: Buffer.from(header.signer.publicKey, 'base64'), format: 'der', type: 'spki' });
    } catch {
      throw bad('unreadable signer key');
    }
    const signerFp = sha256(signerKey.export({ format: 'der', type: 'spki' }));
    if (signerFp !== header.signer.fingerprint || signerKey.asymmetricKeyType !== 'ed25519') throw bad('signer key does not match its fingerprint');
    if (typeof sig.ed25519 !== 'string' || !edVerify(null, msg, signerKey, Buffer.from(sig.ed25519, 'base64'))) throw bad('the Ed25519 signature does not verify');
    let manifest: BundleManifest;
    try {
      manifest = JSON.parse(plain.toString('utf8')) as BundleManifest;
    } catch {
      throw bad('unreadable manifest');
    }
    if (manifest.tenant !== header.tenant || manifest.format !== header.format) throw bad('the manifest and the header disagree');

    // The records tile the file from the header to the manifest: nothing unlisted, nothing missing.
    const entries = [...manifest.chunks].sort((a, b) => a.offset - b.offset);
    let at = headerEnd;
    for (const e of entries) {
      if (e.offset !== at) throw bad(`record ${e.kind} #${e.index} is not where the manifest says (bytes added or removed)`);
      at += e.length;
    }
    if (at !== manifestOffset) throw bad('bytes between the last record and the manifest');

    const checkRecord = async (e: BundleChunkEntry): Promise<Buffer> => {
      const where = e.kind === 'chunk' ? `chunk #${e.index} (${e.keyspace}.${e.table})` : `${e.kind} record`;
      const bytes = await readAt(fh, e.offset, e.length, where);
      if (sha256(bytes) !== e.cipherSha256) throw bad(`${where}: ciphertext checksum mismatch`);
      const rec = parseRecord(bytes, where);
      const kind = e.kind === 'chunk' ? KIND.chunk : KIND.keys;
      if (rec.kind !== kind || rec.meta.index !== e.index || (rec.meta.keyspace ?? null) !== e.keyspace || (rec.meta.table ?? null) !== e.table || (rec.meta.rows ?? 0) !== e.rows) {
        throw bad(`${where}: record header differs from the manifest`);
      }
      const p = openRecord(encKey, headerSha, rec, where);
      if (sha256(p) !== e.plainSha256) throw bad(`${where}: plaintext checksum mismatch`);
      return p;
    };
    for (const e of entries) await checkRecord(e);

    const fileSha = await fileSha256(path);
    const self = await opts.master().catch(() => null);
    const signedByThisInstallation = self ? installationSigner(self).fingerprint === signerFp : null;
    const keyEntry = entries.find((e) => e.kind === 'keys') ?? null;
    let closed = false;
    const reader: OpenedBundle = {
      manifest,
      header,
      sha256: fileSha,
      bytes: size,
      signer: signerFp,
      signedByThisInstallation,
      async *rows(keyspace: string, table: string) {
        for (const e of entries) {
          if (e.kind !== 'chunk' || e.keyspace !== keyspace || e.table !== table) continue;
          yield rowsOfChunk(await checkRecord(e));
        }
      },
      async keys() {
        if (!keyEntry) throw bad('the bundle carries no key material');
        let payload: { share?: unknown; pass?: unknown };
        try {
          payload = JSON.parse(inflateRawSync(await checkRecord(keyEntry), { maxOutputLength: MAX_INFLATED }).toString('utf8')) as typeof payload;
        } catch (e) {
          if (e instanceof AppError) throw e;
          throw bad('unreadable key record');
        }
        if (typeof payload.share !== 'string' || typeof payload.pass !== 'string') throw bad('unreadable key record');
        const share = await openTenantShare(payload.share, payload.pass);
        if (share.tenantId !== manifest.tenant) throw bad('the key record belongs to another tenant');
        return share;
      },
      async close() {
        if (closed) return;
        closed = true;
        encKey.fill(0);
        macKey.fill(0);
        await fh.close();
      },
    };
    return reader;
  } catch (e) {
    await fh.close().catch(() => undefined);
    throw e;
  } finally {
    bundleKey?.fill(0);
  }
}

/** Key record plaintext: the tenant key share and its random passphrase (both only inside the encrypted record). */
export function keysPlaintext(share: string, pass: string): Buffer {
  return deflateRawSync(Buffer.from(JSON.stringify({ share, pass }), 'utf8'));
}
