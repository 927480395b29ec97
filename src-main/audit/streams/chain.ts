import { createHash, createPublicKey, verify as edVerify, type KeyObject } from 'node:crypto';
import type { TAMPER_KINDS, Verification } from '../../../src-shared/contract/audit';
import type { AuditBatch, SignerKey, StoredAuditEvent, StreamHead, StreamId } from '../types';

/**
 * The chain (issue 9 item 1), pure functions shared by the live streams (streams/), snapshots and
 * offline verification (review/):
 *
 * - canonical bytes of an event: canonical JSON (sorted object keys, no whitespace) of a fixed
 *   array `["csm-audit/v1", stream, seq, at, source, type, category, user, keyspace, scope,
 *   operation, outcome, errorCode, origin, detail]` — position-bound (stream and seq are inside),
 *   unambiguous (JSON quoting; a fixed field order), stable (key order never depends on insertion);
 * - event hash = sha256(prevHash ‖ "\n" ‖ canonical bytes), hex; the first event of a stream
 *   links to `genesisHash(stream)`;
 * - a batch signature (Ed25519, the tenant's audit-signing key or the platform key) covers
 *   `batchMessage`: stream, batch number, seq range, head hash, key version, signer fingerprint
 *   and signing time;
 * - `verifyChain` says "intact" or names each problem with its kind and position.
 */

export const CHAIN_VERSION = 'csm-audit/v1';
export type TamperKind = (typeof TAMPER_KINDS)[number];
export type Tamper = Verification['problems'][number];

/** The fields an event's hash covers (everything but hash and prevHash). */
export type ChainedFields = Omit<StoredAuditEvent, 'hash' | 'prevHash'>;

/** Canonical JSON: object keys sorted by code unit, undefined members dropped, no whitespace. Throws on values JSON cannot hold. */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonical JSON: a number must be finite');
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
      if (Buffer.isBuffer(value) || value instanceof Uint8Array) throw new TypeError('canonical JSON: bytes must be encoded (hex/base64) first');
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj)
        .filter((k) => obj[k] !== undefined)
        .sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
    }
    default:
      throw new TypeError(`canonical JSON: cannot encode a ${typeof value}`);
  }
}

const q = (v: string | null | undefined): string => (v === null || v === undefined ? 'null' : typeof v === 'string' ? JSON.stringify(v) : canonicalJson(v));
const n = (v: number): string => canonicalJson(v);
const VERSION_JSON = JSON.stringify(CHAIN_VERSION);

/** The text an event's hash covers (the canonical JSON of the fixed array, built directly: it is the hot path of verification). */
export function canonicalEvent(e: ChainedFields): string {
  return `[${VERSION_JSON},${q(e.stream)},${n(e.seq)},${q(e.at)},${q(e.source)},${q(e.type)},${q(e.category)},${q(e.user)},${q(e.keyspace)},${q(e.scope)},${q(e.operation)},${q(e.outcome)},${q(e.errorCode)},${q(e.origin)},${canonicalJson(e.detail ?? null)}]`;
}

export function canonicalBytes(e: ChainedFields): Buffer {
  return Buffer.from(canonicalEvent(e), 'utf8');
}

const sha256hex = (...parts: (string | Uint8Array)[]): string => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
};

/** sha256(prevHash ‖ "\n" ‖ canonical), hex. */
export function hashCanonical(prevHash: string, canonical: string | Uint8Array): string {
  return sha256hex(prevHash, '\n', canonical);
}

export function eventHash(prevHash: string, e: ChainedFields): string {
  return hashCanonical(prevHash, canonicalEvent(e));
}

/** What the first event of a stream links to. */
export function genesisHash(stream: StreamId): string {
  return sha256hex(`${CHAIN_VERSION}/genesis\n${stream}`);
}

/** Chain events onto `prevHash` from `firstSeq` (the writer's side). */
export function chainEvents(
  stream: StreamId,
  prev: { seq: number; hash: string },
  events: readonly Omit<ChainedFields, 'stream' | 'seq'>[],
): StoredAuditEvent[] {
  let prevHash = prev.hash;
  let seq = prev.seq;
  return events.map((e) => {
    seq += 1;
    const fields: ChainedFields = { ...e, stream, seq };
    const hash = eventHash(prevHash, fields);
    const out: StoredAuditEvent = { ...fields, hash, prevHash };
    prevHash = hash;
    return out;
  });
}

/** The bytes a batch signature covers. */
export function batchMessage(b: Omit<AuditBatch, 'signature'>): Buffer {
  return Buffer.from(
    canonicalJson([`${CHAIN_VERSION}/batch`, b.stream, b.batch, b.firstSeq, b.lastSeq, b.headHash, b.keyVersion, b.signer, b.signedAt]),
    'utf8',
  );
}

/** sha256 (hex) of a public key's SPKI DER; accepts PEM or DER. */
export function keyFingerprint(publicKey: string | Uint8Array | KeyObject): string {
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey instanceof Uint8Array ? createPublicKey({ key: Buffer.from(publicKey), format: 'der', type: 'spki' }) : publicKey;
  return sha256hex(key.export({ format: 'der', type: 'spki' }));
}

/** The retention tombstone's detail (source 'retention', type TOMBSTONE, category RETENTION). */
export interface TombstoneDetail {
  prunedFrom: number;
  prunedTo: number;
  lastPrunedHash: string;
  cutoff: string;
  retentionDays: number;
}

export function isTombstone(e: Pick<StoredAuditEvent, 'source' | 'type'>): boolean {
  return e.source === 'retention' && e.type === 'TOMBSTONE';
}

export function tombstoneDetail(e: Pick<StoredAuditEvent, 'detail'>): TombstoneDetail | null {
  const d = e.detail as Record<string, unknown> | null;
  if (!d || typeof d !== 'object' || Array.isArray(d)) return null;
  const { prunedFrom, prunedTo, lastPrunedHash } = d;
  if (typeof prunedFrom !== 'number' || typeof prunedTo !== 'number' || typeof lastPrunedHash !== 'string') return null;
  return d as unknown as TombstoneDetail;
}

/** Signer keys by the fingerprint of their own public key; entries whose claimed fingerprint differs are left out and listed. */
export function signerKeys(signers: readonly SignerKey[]): { byFingerprint: Map<string, KeyObject>; mismatched: { claimed: string; actual: string }[] } {
  const byFingerprint = new Map<string, KeyObject>();
  const mismatched: { claimed: string; actual: string }[] = [];
  for (const s of signers) {
    try {
      const key = createPublicKey(s.publicKeyPem);
      const actual = keyFingerprint(key);
      if (actual !== s.fingerprint) mismatched.push({ claimed: String(s.fingerprint).slice(0, 200), actual });
      else byFingerprint.set(actual, key);
    } catch {
      /* an unreadable key trusts nothing */
    }
  }
  return { byFingerprint, mismatched };
}

export interface VerifyInput {
  stream: StreamId;
  events: readonly StoredAuditEvent[];
  batches: readonly AuditBatch[];
  signers: readonly SignerKey[];
  /**
   * Where the given events start when they do not start at seq 1: the seq and hash of the event
   * just before the first one (a snapshot of a time range). Without it, a stream that does not
   * start at 1 must hold the retention tombstone that names the pruned range and its last hash.
   */
  anchor?: StreamHead | null;
  /** The stream's current head as its writer recorded it: the chain must end exactly there. */
  head?: StreamHead | null;
  /** Earlier heads seen by others (the local mirror, snapshots): each must still be in the chain. */
  witnesses?: readonly (StreamHead & { label: string })[];
  now?: () => Date;
  /** Stop listing problems after this many (a wholesale rewrite would list every event); default 500. */
  maxProblems?: number;
}

/**
 * Verify a chain. Events are taken in seq order; each event's hash is recomputed at its position
 * and its link to the previous one checked; batches are checked against their signer's key and
 * the events they cover. Kinds:
 * - edited: an event's content no longer hashes to its hash, or (hash recomputed) the next event
 *   does not link to it;
 * - deleted: a gap in seq, a missing start (no tombstone/anchor), or an event removed and the rest renumbered;
 * - inserted: a seq held twice, or an event placed in the chain with the later ones moved up;
 * - reordered: two neighbours swapped (each hashes correctly at the other's seq);
 * - bad-signature / unknown-key: a batch whose signature fails, or whose signer is not trusted;
 * - unsigned: events no valid batch covers;
 * - head-mismatch: a batch head, the recorded stream head or a witness head does not match (a truncated tail).
 */
export function verifyChain(input: VerifyInput): Verification {
  const { stream } = input;
  const max = input.maxProblems ?? 500;
  const problems: Tamper[] = [];
  let dropped = 0;
  const report = (kind: TamperKind, seq: number | null, batch: number | null, message: string): void => {
    if (problems.length < max) problems.push({ kind, seq, batch, message });
    else dropped += 1;
  };
  const events = [...input.events].sort((a, b) => a.seq - b.seq);

  // Signers and batch signatures first: a tombstone counts as an anchor only in a signed stream, and
  // the coverage check needs to know which batches are trustworthy.
  // Keyed by the fingerprint computed from the key itself, never by the one a signer entry claims:
  // an entry mapping a genuine fingerprint to another key would otherwise vouch for that key.
  const keys = signerKeys(input.signers);
  for (const m of keys.mismatched) {
    report('unknown-key', null, null, `a signer entry claims fingerprint ${m.claimed} but its public key has fingerprint ${m.actual}: the entry is not trusted`);
  }
  const batches = [...input.batches].sort((a, b) => a.batch - b.batch || a.firstSeq - b.firstSeq);
  const valid: AuditBatch[] = [];
  const invalidRanges: [number, number][] = [];
  for (const b of batches) {
    const key = keys.byFingerprint.get(b.signer);
    if (!key) {
      report('unknown-key', b.firstSeq, b.batch, `batch ${b.batch} (seq ${b.firstSeq}–${b.lastSeq}) is signed by key ${b.signer}, which is not a known signer of ${stream}`);
      invalidRanges.push([b.firstSeq, b.lastSeq]);
      continue;
    }
    let ok = false;
    try {
      ok = edVerify(null, batchMessage({ ...b, stream }), key, b.signature);
    } catch {
      ok = false;
    }
    if (!ok) {
      report('bad-signature', b.firstSeq, b.batch, `batch ${b.batch} (seq ${b.firstSeq}–${b.lastSeq}): the signature does not verify (the batch record or its signature was changed)`);
      invalidRanges.push([b.firstSeq, b.lastSeq]);
      continue;
    }
    valid.push(b);
  }

  // Where the chain starts.
  let anchor: StreamHead | null = input.anchor ?? null;
  const first = events[0];
  if (!anchor && first && first.seq > 1) {
    const stones = events.filter((e) => isTombstone(e)).map((e) => tombstoneDetail(e)).filter((d): d is TombstoneDetail => d !== null);
    const match = stones.find((d) => d.prunedTo === first.seq - 1);
    // A prune interrupted between its tombstone and the end of its deletion: the tombstone allows the gap.
    const partial = stones.find((d) => first.seq - 1 >= d.prunedFrom && first.seq - 1 < d.prunedTo);
    if (match) anchor = { seq: match.prunedTo, hash: match.lastPrunedHash };
    else if (partial) anchor = { seq: first.seq - 1, hash: first.prevHash };
    else {
      const prunedTo = stones.map((d) => d.prunedTo).filter((t) => t < first.seq).reduce((m, t) => Math.max(m, t), 0);
      report('deleted', prunedTo + 1, null, `events ${prunedTo + 1}–${first.seq - 1} are missing from the start of ${stream} and no retention tombstone accounts for them`);
      anchor = { seq: first.seq - 1, hash: first.prevHash };
    }
  }

  const reported = new Set<number>();
  const effHash = new Map<number, string>();
  let expected = anchor ? anchor.seq + 1 : 1;
  let linkHash = anchor ? anchor.hash : genesisHash(stream);
  let offset = 0;
  const seen = new Set<number>();
  const hashAt = (e: StoredAuditEvent, seq: number): string => eventHash(e.prevHash, { ...e, stream, seq });

  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    if (seen.has(e.seq)) {
      report('inserted', e.seq, null, `seq ${e.seq} is held by more than one event`);
      reported.add(e.seq);
      continue;
    }
    seen.add(e.seq);
    if (e.seq > expected) {
      report('deleted', expected, null, e.seq - 1 === expected ? `event ${expected} is missing` : `events ${expected}–${e.seq - 1} are missing`);
      for (let s = expected; s < e.seq; s++) reported.add(s - offset);
      linkHash = e.prevHash; // resynchronise on what follows the gap
    }
    expected = e.seq + 1;
    let eff = e.seq - offset;
    if (hashAt(e, eff) !== e.hash) {
      const n = events[i + 1];
      if (n && n.seq === e.seq + 1 && hashAt(e, eff + 1) === e.hash && hashAt(n, eff) === n.hash) {
        report('reordered', e.seq, null, `events ${e.seq} and ${n.seq} are swapped`);
        reported.add(eff).add(eff + 1);
        seen.add(n.seq);
        effHash.set(eff, n.hash).set(eff + 1, e.hash);
        linkHash = e.hash;
        expected = n.seq + 1;
        i += 1;
        continue;
      }
      if (hashAt(e, eff - 1) === e.hash) {
        report('inserted', e.seq - 1, null, `the event at seq ${e.seq - 1} is not part of the chain: the events after it were moved up by one`);
        reported.add(eff - 1);
        offset += 1;
        eff -= 1;
      } else if (hashAt(e, eff + 1) === e.hash) {
        report('deleted', e.seq, null, `an event was removed at seq ${e.seq} and the later ones renumbered`);
        reported.add(eff);
        offset -= 1;
        eff += 1;
      } else {
        report('edited', e.seq, null, `event ${e.seq} was changed: its content does not hash to its recorded hash`);
        reported.add(eff);
      }
      effHash.set(eff, e.hash);
      linkHash = e.hash;
      continue;
    }
    if (e.prevHash !== linkHash && !reported.has(eff - 1)) {
      const before = events[i - 2];
      const prev = events[i - 1];
      if (before && prev && e.prevHash === before.hash) {
        report('inserted', prev.seq, null, `event ${prev.seq} was put into the chain: event ${e.seq} links to ${before.seq}`);
        reported.add(prev.seq - offset);
      } else if (prev && prev.seq === e.seq - 1) {
        report('edited', prev.seq, null, `event ${prev.seq} was changed and its hash recomputed: event ${e.seq} links to a different hash`);
        reported.add(prev.seq - offset);
      } else {
        report('edited', e.seq, null, `event ${e.seq} does not link to ${anchor && e.seq === anchor.seq + 1 ? `the retention anchor (seq ${anchor.seq})` : 'the start of the stream'}`);
        reported.add(eff);
      }
    }
    effHash.set(eff, e.hash);
    linkHash = e.hash;
  }

  let lastEff = anchor?.seq ?? 0;
  for (const k of effHash.keys()) if (k > lastEff) lastEff = k;
  let truncatedReported = false;
  const truncated = (seq: number, batch: number | null, why: string): void => {
    if (truncatedReported) return;
    truncatedReported = true;
    report('head-mismatch', lastEff + 1, batch, `the stream ends at seq ${lastEff} but ${why} (events ${lastEff + 1}–${seq} are gone)`);
  };

  // Batches: head hash and coverage.
  const covered: [number, number][] = [];
  for (const b of valid) {
    if (anchor && b.lastSeq <= anchor.seq) continue; // pruned behind the anchor
    covered.push([b.firstSeq, b.lastSeq]);
    const h = effHash.get(b.lastSeq);
    if (h === undefined) {
      if (b.lastSeq > lastEff) truncated(b.lastSeq, b.batch, `batch ${b.batch} signed events up to ${b.lastSeq}`);
      continue;
    }
    if (h !== b.headHash && !reported.has(b.lastSeq)) {
      report('head-mismatch', b.lastSeq, b.batch, `batch ${b.batch} signed head hash ${b.headHash.slice(0, 16)}… at seq ${b.lastSeq}, the chain holds ${h.slice(0, 16)}…`);
      reported.add(b.lastSeq);
    }
  }
  // One sweep over the sorted seqs and the sorted ranges (valid or already reported batches).
  const ranges = [...covered, ...invalidRanges].sort((x, y) => x[0] - y[0]);
  let ri = 0;
  let runStart: number | null = null;
  let runEnd = 0;
  const flushRun = (): void => {
    if (runStart === null) return;
    report('unsigned', runStart, null, runStart === runEnd ? `event ${runStart} is not covered by a signed batch` : `events ${runStart}–${runEnd} are not covered by a signed batch`);
    runStart = null;
  };
  for (const s of [...effHash.keys()].sort((x, y) => x - y)) {
    while (ri < ranges.length && ranges[ri]![1] < s) ri++;
    if (ri < ranges.length && ranges[ri]![0] <= s) {
      flushRun();
      continue;
    }
    if (runStart !== null && s === runEnd + 1) runEnd = s;
    else {
      flushRun();
      runStart = s;
      runEnd = s;
    }
  }
  flushRun();

  // Heads recorded elsewhere.
  const heads = [...(input.head ? [{ ...input.head, label: 'the recorded stream head', exact: true }] : []), ...(input.witnesses ?? []).map((w) => ({ ...w, exact: false }))];
  for (const h of heads) {
    if (h.seq > lastEff) {
      truncated(h.seq, null, `${h.label} is at seq ${h.seq}`);
      continue;
    }
    const at = h.seq === 0 ? undefined : effHash.get(h.seq);
    if (at !== undefined && at !== h.hash && !reported.has(h.seq)) {
      report('head-mismatch', h.seq, null, `${h.label} has hash ${h.hash.slice(0, 16)}… at seq ${h.seq}, the chain holds ${at.slice(0, 16)}…`);
      reported.add(h.seq);
    } else if (h.exact && h.seq < lastEff) {
      report('head-mismatch', h.seq + 1, null, h.seq === 0 ? `the stream has no head record, but holds events up to ${lastEff} (the head was wiped, or events written around the writer)` : `${h.label} is at seq ${h.seq}, but the chain goes on to ${lastEff} (events written around the writer)`);
    }
  }

  if (dropped > 0) problems.push({ kind: problems[problems.length - 1]!.kind, seq: null, batch: null, message: `… and ${dropped} more problems` });
  const signers = [...new Set(valid.map((b) => b.signer))];
  const last = events[events.length - 1];
  return {
    stream,
    intact: problems.length === 0,
    events: events.length,
    batches: input.batches.length,
    firstSeq: first?.seq ?? null,
    lastSeq: last?.seq ?? null,
    headHash: last?.hash ?? null,
    signers,
    problems,
    verifiedAt: (input.now?.() ?? new Date()).toISOString(),
  };
}

export interface ChainProof {
  event: StoredAuditEvent;
  canonical: string;
  recomputedHash: string;
  hashMatches: boolean;
  previous: { seq: number; hash: string } | null;
  linkMatches: boolean;
  batch: { batch: number; firstSeq: number; lastSeq: number; signer: string; signatureValid: boolean } | null;
}

/**
 * One event's proof: its canonical text, the recomputed hash, its link to the previous event (or
 * genesis / the retention anchor) and the batch that covers it with that batch's signature check.
 */
export function chainProof(input: { stream: StreamId; event: StoredAuditEvent; previous: StreamHead | null; batch: AuditBatch | null; signers: readonly SignerKey[] }): ChainProof {
  const { event, stream } = input;
  const canonical = canonicalEvent({ ...event, stream });
  const recomputedHash = hashCanonical(event.prevHash, canonical);
  const expectedPrev = input.previous?.hash ?? (event.seq === 1 ? genesisHash(stream) : null);
  let batch: ChainProof['batch'] = null;
  if (input.batch) {
    const b = input.batch;
    const key = signerKeys(input.signers).byFingerprint.get(b.signer);
    let signatureValid = false;
    try {
      signatureValid = !!key && edVerify(null, batchMessage({ ...b, stream }), key, b.signature);
    } catch {
      signatureValid = false;
    }
    batch = { batch: b.batch, firstSeq: b.firstSeq, lastSeq: b.lastSeq, signer: b.signer, signatureValid };
  }
  return {
    event,
    canonical,
    recomputedHash,
    hashMatches: recomputedHash === event.hash,
    previous: input.previous ? { seq: input.previous.seq, hash: input.previous.hash } : null,
    linkMatches: expectedPrev !== null && expectedPrev === event.prevHash,
    batch,
  };
}
