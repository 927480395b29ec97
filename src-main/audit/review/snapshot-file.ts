import { createHash, createPublicKey, verify as edVerify } from 'node:crypto';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { z } from 'zod';
import { AUDIT_CATEGORIES, AUDIT_OUTCOMES, AUDIT_SOURCES, streamIdSchema, type Verification } from '../../../src-shared/contract/audit';
import { AppError } from '../../app/errors';
import type { JsonValue } from '../../store/json';
import { canonicalJson, keyFingerprint, verifyChain, type Tamper } from '../streams/chain';
import { tenantOfStream, type AuditBatch, type SignerKey, type StoredAuditEvent, type StreamHead } from '../types';

/**
 * The audit snapshot file (issue 9 item 3): one ZIP (fflate, stored uncompressed-or-deflated
 * entries) holding exactly these five entries —
 *
 *   manifest.json      the manifest below (pretty JSON; the signature covers its canonical form)
 *   manifest.sig.json  { algorithm: "ed25519", signer: <sha256 of the SPKI>, keyVersion, value: base64 }
 *   events.jsonl       one event per line, seq order: stream, seq, at, source, type, category, user,
 *                      keyspace, scope, operation, outcome, errorCode, origin, detail, hash, prevHash
 *   batches.jsonl      one signed batch per line: stream, batch, firstSeq, lastSeq, headHash,
 *                      keyVersion, signer, signature (base64), signedAt
 *   signers.json       [{ fingerprint, version, publicKeyPem }] — every key that signed a batch
 *
 * The manifest names the stream, tenant, cluster, requested time range, seq range and counts,
 * the anchor (seq and hash the first event links to), the head (last event), who exported it and
 * when, the manifest signer's public key, and the sha256 of the three content entries. Its
 * signature is Ed25519 over `csm-audit-snapshot/1\n` + canonical JSON of the manifest, by the
 * tenant's audit-signing key. Verification needs nothing outside the file: the chain and batch
 * signatures are checked against the keys in signers.json, the manifest against its own key.
 * Trust comes from the signer fingerprint, which the auditor compares out of band with the one
 * the tenant publishes (`csm keys status`): a forger can re-sign a file, not with that key.
 */

export const SNAPSHOT_FORMAT = 'csm-audit-snapshot/1';
export const SNAPSHOT_ENTRIES = ['manifest.json', 'manifest.sig.json', 'events.jsonl', 'batches.jsonl', 'signers.json'] as const;
/** Limits on import, so a hostile file cannot exhaust memory: the file, and the entries unpacked. */
export const SNAPSHOT_LIMITS = { fileBytes: 512 * 1024 * 1024, unpackedBytes: 2 * 1024 * 1024 * 1024, events: 5_000_000 };
export type SnapshotLimits = typeof SNAPSHOT_LIMITS;

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const head = z.object({ seq: z.number().int().min(0), hash: z.string().min(1).max(200) }).strict();

export const manifestSchema = z
  .object({
    format: z.literal(SNAPSHOT_FORMAT),
    id: z.string().regex(/^[0-9a-f]{32}$/),
    stream: streamIdSchema,
    tenant: z.string().nullable(),
    cluster: z.string().min(1).max(200),
    range: z.object({ since: z.string().nullable(), until: z.string().nullable() }).strict(),
    firstSeq: z.number().int().min(1).nullable(),
    lastSeq: z.number().int().min(1).nullable(),
    events: z.number().int().min(0),
    batches: z.number().int().min(0),
    anchor: head.nullable(),
    head: head.nullable(),
    /** The stream's head when the snapshot was taken (later events exist beyond `head`). */
    streamHead: head.nullable(),
    createdAt: z.string(),
    createdBy: z.string().max(200),
    signer: z.object({ fingerprint: hex64, keyVersion: z.number().int().min(1), publicKeyPem: z.string().max(4096) }).strict(),
    files: z.object({ 'events.jsonl': hex64, 'batches.jsonl': hex64, 'signers.json': hex64 }).strict(),
  })
  .strict();
export type SnapshotManifest = z.infer<typeof manifestSchema>;

const sigSchema = z.object({ algorithm: z.literal('ed25519'), signer: hex64, keyVersion: z.number().int().min(1), value: z.string().max(200) }).strict();
type ManifestSignature = z.infer<typeof sigSchema>;

const eventLine = z
  .object({
    stream: z.string().max(100),
    seq: z.number().int().min(1),
    at: z.string().max(100),
    source: z.enum(AUDIT_SOURCES),
    type: z.string().max(200),
    category: z.enum(AUDIT_CATEGORIES),
    user: z.string().nullable(),
    keyspace: z.string().nullable(),
    scope: z.string().nullable(),
    operation: z.string(),
    outcome: z.enum(AUDIT_OUTCOMES),
    errorCode: z.string().nullable(),
    origin: z.string().nullable(),
    detail: z.unknown(),
    hash: z.string().max(200),
    prevHash: z.string().max(200),
  })
  .strict();

type EventLine = z.infer<typeof eventLine>;
const EVENT_KEYS = Object.keys(eventLine.shape).sort().join(',');
const SOURCES = new Set<string>(AUDIT_SOURCES);
const CATEGORIES = new Set<string>(AUDIT_CATEGORIES);
const OUTCOMES = new Set<string>(AUDIT_OUTCOMES);
const strMax = (v: unknown, max: number): boolean => typeof v === 'string' && v.length <= max;
const strOrNull = (v: unknown): boolean => v === null || typeof v === 'string';

/**
 * eventLine's checks without zod's per-object cost (a 100,000-line file parsed 5× faster); any
 * line it rejects goes through the zod schema for the exact message, so both say the same.
 */
const fastEventLine = {
  safeParse(v: unknown): { success: true; data: EventLine } | { success: false; error: z.ZodError } {
    const o = v as Record<string, unknown>;
    const ok =
      typeof v === 'object' && v !== null && !Array.isArray(v) &&
      Object.keys(o).sort().join(',') === EVENT_KEYS &&
      strMax(o['stream'], 100) && Number.isInteger(o['seq']) && (o['seq'] as number) >= 1 && strMax(o['at'], 100) &&
      SOURCES.has(o['source'] as string) && strMax(o['type'], 200) && CATEGORIES.has(o['category'] as string) &&
      strOrNull(o['user']) && strOrNull(o['keyspace']) && strOrNull(o['scope']) && typeof o['operation'] === 'string' &&
      OUTCOMES.has(o['outcome'] as string) && strOrNull(o['errorCode']) && strOrNull(o['origin']) && strMax(o['hash'], 200) && strMax(o['prevHash'], 200);
    if (ok) return { success: true, data: o as EventLine };
    const r = eventLine.safeParse(v);
    return r.success ? { success: true, data: r.data } : { success: false, error: r.error };
  },
};

const batchLine = z
  .object({
    stream: z.string().max(100),
    batch: z.number().int().min(1),
    firstSeq: z.number().int().min(1),
    lastSeq: z.number().int().min(1),
    headHash: z.string().max(200),
    keyVersion: z.number().int().min(1),
    signer: z.string().max(200),
    signature: z.string().max(200),
    signedAt: z.string().max(100),
  })
  .strict();

const signersSchema = z.array(z.object({ fingerprint: z.string().max(200), version: z.number().int().min(1), publicKeyPem: z.string().max(4096) }).strict()).max(1000);

export const sha256hex = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');
export const manifestBytes = (m: SnapshotManifest): Buffer => Buffer.from(`${SNAPSHOT_FORMAT}\n${canonicalJson(m)}`, 'utf8');

const eventJson = (e: StoredAuditEvent): string =>
  JSON.stringify({
    stream: e.stream, seq: e.seq, at: e.at, source: e.source, type: e.type, category: e.category, user: e.user, keyspace: e.keyspace, scope: e.scope,
    operation: e.operation, outcome: e.outcome, errorCode: e.errorCode, origin: e.origin, detail: e.detail ?? null, hash: e.hash, prevHash: e.prevHash,
  });
const batchJson = (b: AuditBatch): string =>
  JSON.stringify({ stream: b.stream, batch: b.batch, firstSeq: b.firstSeq, lastSeq: b.lastSeq, headHash: b.headHash, keyVersion: b.keyVersion, signer: b.signer, signature: b.signature.toString('base64'), signedAt: b.signedAt });

export interface SnapshotContent {
  events: StoredAuditEvent[];
  batches: AuditBatch[];
  signers: SignerKey[];
}

export interface BuildInput extends SnapshotContent {
  id: string;
  stream: string;
  cluster: string;
  range: { since: string | null; until: string | null };
  streamHead: StreamHead | null;
  createdAt: string;
  createdBy: string;
  /** Signs the manifest bytes (the tenant's audit key). */
  sign(data: Buffer): Promise<{ keyVersion: number; signature: Buffer; publicKeyPem: string }>;
}

/** Encode the entries (exported for tests that build tampered files entry by entry). */
export function encodeEntries(c: SnapshotContent): { events: Uint8Array; batches: Uint8Array; signers: Uint8Array } {
  return {
    events: strToU8(c.events.map((e) => eventJson(e) + '\n').join('')),
    batches: strToU8(c.batches.map((b) => batchJson(b) + '\n').join('')),
    signers: strToU8(JSON.stringify(c.signers.map((s) => ({ fingerprint: s.fingerprint, version: s.version, publicKeyPem: s.publicKeyPem })), null, 2)),
  };
}

export function zipEntries(entries: Record<(typeof SNAPSHOT_ENTRIES)[number], Uint8Array>): Buffer {
  const files: Record<string, [Uint8Array, { level: 0 | 6; mtime: Date }]> = {};
  // A fixed mtime keeps the bytes a function of the content (two exports of one range compare equal).
  for (const name of SNAPSHOT_ENTRIES) files[name] = [entries[name], { level: name === 'manifest.json' || name === 'manifest.sig.json' ? 0 : 6, mtime: new Date('2000-01-01T00:00:00Z') }];
  return Buffer.from(zipSync(files));
}

export async function buildSnapshot(input: BuildInput): Promise<{ bytes: Buffer; manifest: SnapshotManifest; signerFingerprint: string }> {
  const events = [...input.events].sort((a, b) => a.seq - b.seq);
  const enc = encodeEntries({ events, batches: input.batches, signers: input.signers });
  const first = events[0];
  const last = events[events.length - 1];
  // Signing first tells us the key; the manifest then names it and is signed for real.
  const probe = await input.sign(Buffer.from(`${SNAPSHOT_FORMAT}\nkey probe`));
  const fingerprint = keyFingerprint(probe.publicKeyPem);
  const manifest: SnapshotManifest = {
    format: SNAPSHOT_FORMAT,
    id: input.id,
    stream: input.stream,
    tenant: tenantOfStream(input.stream),
    cluster: input.cluster,
    range: input.range,
    firstSeq: first?.seq ?? null,
    lastSeq: last?.seq ?? null,
    events: events.length,
    batches: input.batches.length,
    anchor: first ? { seq: first.seq - 1, hash: first.prevHash } : null,
    head: last ? { seq: last.seq, hash: last.hash } : null,
    streamHead: input.streamHead,
    createdAt: input.createdAt,
    createdBy: input.createdBy,
    signer: { fingerprint, keyVersion: probe.keyVersion, publicKeyPem: probe.publicKeyPem },
    files: { 'events.jsonl': sha256hex(enc.events), 'batches.jsonl': sha256hex(enc.batches), 'signers.json': sha256hex(enc.signers) },
  };
  const signed = await input.sign(manifestBytes(manifest));
  if (signed.keyVersion !== probe.keyVersion) throw new AppError('CONFLICT', 'the audit-signing key was rotated while the snapshot was being signed; export again');
  const sig: ManifestSignature = { algorithm: 'ed25519', signer: fingerprint, keyVersion: signed.keyVersion, value: signed.signature.toString('base64') };
  const bytes = zipEntries({
    'manifest.json': strToU8(JSON.stringify(manifest, null, 2)),
    'manifest.sig.json': strToU8(JSON.stringify(sig, null, 2)),
    'events.jsonl': enc.events,
    'batches.jsonl': enc.batches,
    'signers.json': enc.signers,
  });
  return { bytes, manifest, signerFingerprint: fingerprint };
}

/** A file's structure, parsed and bounded but not yet verified. */
export interface ParsedSnapshot extends SnapshotContent {
  manifest: SnapshotManifest;
  signature: ManifestSignature;
  raw: { events: Uint8Array; batches: Uint8Array; signers: Uint8Array; manifest: Uint8Array };
  sha256: string;
}

const bad = (msg: string): AppError => new AppError('BAD_INPUT', `not a readable audit snapshot: ${msg}`);

function parseJson(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(strFromU8(bytes));
  } catch {
    throw bad(`${what} is not JSON`);
  }
}

function issue(e: z.ZodError): string {
  const i = e.issues[0];
  return i ? `${i.path.join('.') || '(root)'}: ${i.message}` : 'invalid';
}

/**
 * Parse and bound a snapshot file. Anything that is not a complete snapshot of this format —
 * not a ZIP, truncated, missing or extra entries, too large, unparsable lines — is BAD_INPUT with
 * the reason (and the line number for content lines). Content that parses but was tampered with
 * is not an error here: `verifySnapshot` names it.
 */
export function parseSnapshot(bytes: Uint8Array, limits: SnapshotLimits = SNAPSHOT_LIMITS): ParsedSnapshot {
  if (bytes.length > limits.fileBytes) throw bad(`the file is ${bytes.length} bytes, more than the ${limits.fileBytes} a snapshot may have`);
  if (bytes.length < 22 || bytes[0] !== 0x50 || bytes[1] !== 0x4b) throw bad('the file is not a ZIP archive (a snapshot starts with "PK")');
  let unpacked = 0;
  const unknown: string[] = [];
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, {
      filter: (f) => {
        if (!(SNAPSHOT_ENTRIES as readonly string[]).includes(f.name)) {
          unknown.push(f.name);
          return false;
        }
        unpacked += f.originalSize;
        if (unpacked > limits.unpackedBytes) throw bad(`the entries unpack to more than ${limits.unpackedBytes} bytes`);
        return true;
      },
    });
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw bad(`the ZIP archive is damaged or truncated (${(e as Error).message.slice(0, 80)})`);
  }
  if (unknown.length) throw bad(`unexpected entries ${unknown.slice(0, 5).map((n) => JSON.stringify(n.slice(0, 60))).join(', ')}`);
  const missing = SNAPSHOT_ENTRIES.filter((n) => !files[n]);
  if (missing.length) throw bad(`missing ${missing.join(', ')}`);
  const actual = Object.values(files).reduce((n, f) => n + f.length, 0);
  if (actual > limits.unpackedBytes) throw bad(`the entries unpack to more than ${limits.unpackedBytes} bytes`);

  const m = manifestSchema.safeParse(parseJson(files['manifest.json']!, 'manifest.json'));
  if (!m.success) throw bad(`manifest.json: ${issue(m.error)}`);
  const s = sigSchema.safeParse(parseJson(files['manifest.sig.json']!, 'manifest.sig.json'));
  if (!s.success) throw bad(`manifest.sig.json: ${issue(s.error)}`);
  const signers = signersSchema.safeParse(parseJson(files['signers.json']!, 'signers.json'));
  if (!signers.success) throw bad(`signers.json: ${issue(signers.error)}`);

  const lines = <T>(raw: Uint8Array, name: string, schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: z.ZodError } }): T[] => {
    const text = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8');
    const out: T[] = [];
    const parts = text.split('\n');
    if (parts[parts.length - 1] === '') parts.pop();
    if (parts.length > limits.events) throw bad(`${name} has more than ${limits.events} lines`);
    parts.forEach((line, i) => {
      let v: unknown;
      try {
        v = JSON.parse(line);
      } catch {
        throw bad(`${name} line ${i + 1} is not JSON`);
      }
      const p = schema.safeParse(v);
      if (!p.success) throw bad(`${name} line ${i + 1}: ${issue(p.error)}`);
      out.push(p.data);
    });
    return out;
  };
  const events = lines(files['events.jsonl']!, 'events.jsonl', fastEventLine).map((e) => ({ ...e, detail: (e.detail ?? null) as JsonValue }));
  const batches = lines(files['batches.jsonl']!, 'batches.jsonl', batchLine).map((b) => ({ ...b, signature: Buffer.from(b.signature, 'base64') }));
  return {
    manifest: m.data,
    signature: s.data,
    events,
    batches,
    signers: signers.data,
    raw: { events: files['events.jsonl']!, batches: files['batches.jsonl']!, signers: files['signers.json']!, manifest: files['manifest.json']! },
    sha256: sha256hex(bytes),
  };
}

/** Manifest checks: its signature, the digests it signed, and what it says against the content. */
function manifestProblems(p: ParsedSnapshot): { problems: Tamper[]; signatureValid: boolean } {
  const problems: Tamper[] = [];
  const add = (message: string, seq: number | null = null): void => void problems.push({ kind: 'manifest', seq, batch: null, message });
  const m = p.manifest;
  let signatureValid = false;
  try {
    const key = createPublicKey(m.signer.publicKeyPem);
    if (keyFingerprint(key) !== m.signer.fingerprint || p.signature.signer !== m.signer.fingerprint) {
      add(`the manifest names signer ${m.signer.fingerprint}, but its public key or the signature entry belongs to another key`);
    } else signatureValid = edVerify(null, manifestBytes(m), key, Buffer.from(p.signature.value, 'base64'));
  } catch {
    signatureValid = false;
  }
  if (!signatureValid) add('the manifest signature does not verify: manifest.json was changed after it was signed, or signed by another key');
  for (const [name, raw] of [['events.jsonl', p.raw.events], ['batches.jsonl', p.raw.batches], ['signers.json', p.raw.signers]] as const) {
    if (sha256hex(raw) !== m.files[name]) add(`${name} does not match the digest the manifest signed (the entry was changed)`);
  }
  const sorted = [...p.events].sort((a, b) => a.seq - b.seq);
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  if (p.events.length !== m.events) add(`the manifest counts ${m.events} events, the file holds ${p.events.length}`);
  if (p.batches.length !== m.batches) add(`the manifest counts ${m.batches} batches, the file holds ${p.batches.length}`);
  if ((first?.seq ?? null) !== m.firstSeq) add(`the manifest starts at seq ${m.firstSeq ?? 'none'}, the events at ${first?.seq ?? 'none'}`, first?.seq ?? null);
  if ((last?.seq ?? null) !== m.lastSeq) add(`the manifest ends at seq ${m.lastSeq ?? 'none'}, the events at ${last?.seq ?? 'none'}`, last?.seq ?? null);
  const wrongStream = p.events.find((e) => e.stream !== m.stream) ?? p.batches.find((b) => b.stream !== m.stream);
  if (wrongStream) add(`an entry belongs to stream ${JSON.stringify(wrongStream.stream.slice(0, 40))}, the manifest to ${m.stream}`, 'seq' in wrongStream ? wrongStream.seq : null);
  if (m.tenant !== tenantOfStream(m.stream)) add(`the manifest names tenant ${m.tenant ?? 'none'} for stream ${m.stream}`);
  return { problems, signatureValid };
}

/**
 * Verify a parsed snapshot with nothing but its own content: the manifest (signature, digests,
 * counts), then the chain from the manifest's anchor to its head and every batch signature
 * against the keys in signers.json. Problems carry their kind and position.
 */
export function verifySnapshot(p: ParsedSnapshot, now: () => Date = () => new Date()): Verification {
  const { problems, signatureValid } = manifestProblems(p);
  const m = p.manifest;
  // Batch signers are trusted only as the signed manifest vouches for them: the manifest signer
  // itself, or a key in signers.json when the manifest signature is valid and signed that very
  // entry's digest. verifyChain keys them by their computed fingerprint (a claimed one means nothing).
  const signersSigned = signatureValid && sha256hex(p.raw.signers) === m.files['signers.json'];
  const manifestKey: SignerKey[] = signatureValid ? [{ fingerprint: m.signer.fingerprint, version: m.signer.keyVersion, publicKeyPem: m.signer.publicKeyPem }] : [];
  const trusted: SignerKey[] = [...manifestKey, ...(signersSigned ? p.signers : [])];
  const chain = verifyChain({
    stream: m.stream,
    events: p.events.map((e) => ({ ...e, stream: m.stream })),
    batches: p.batches.map((b) => ({ ...b, stream: m.stream })),
    signers: trusted,
    anchor: m.anchor,
    head: m.head,
    now,
  });
  const signers = signatureValid && !chain.signers.includes(m.signer.fingerprint) ? [m.signer.fingerprint, ...chain.signers] : chain.signers;
  const all = [...problems, ...chain.problems];
  return { ...chain, intact: all.length === 0, signers, problems: all };
}
