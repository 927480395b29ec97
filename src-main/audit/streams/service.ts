import { createPublicKey, verify as edVerify } from 'node:crypto';
import { AppError } from '../../app/errors';
import { isEnvelopeError } from '../../keys/envelope';
import type { ModuleDeps } from '../../app/module-deps';
import type { CqlClient } from '../../cassandra/connections';
import type { AuditEntry } from '../../ipc/router';
import { AUDIT_CATEGORIES, AUDIT_OUTCOMES, AUDIT_SOURCES, streamIdSchema, type Verification } from '../../../src-shared/contract/audit';
import type { ConfigView } from '../../../src-shared/contract/config';
import type { JsonValue } from '../../store/json';
import { streamOf, tenantOfStream, type AppendResult, type AuditBatch, type AuditStreamsPort, type NewAuditEvent, type SignerKey, type StoredAuditEvent, type StreamId } from '../types';
import { batchMessage, chainEvents, chainProof, isTombstone, keyFingerprint, tombstoneDetail, verifyChain, type ChainProof, type TombstoneDetail } from './chain';
import { AuditMirror, openMemoryIndex } from './mirror';
import { SignerPins } from './pins';
import type { Db } from '../../store/db';
import { boundedDetail, FIELD_MAX_CHARS, OPERATION_MAX_CHARS, sanitizeEvent, wellFormed } from './sanitize';
import { PlatformSigningKey } from './platform-key';
import { AUDIT_BUCKET_EVENTS, bucketOf, ChainStore, type Head } from './store';
import { auditTablesExist, ensureAuditTables } from './tables';

/** Events per signed batch, and the queue size that triggers a flush without waiting. */
export const MAX_BATCH_EVENTS = 200;
/** Events per verification window (memory stays bounded on long streams). */
export const VERIFY_WINDOW_EVENTS = 20_000;
/** At most this many problems are listed in one verification (the rest are counted). */
const MAX_PROBLEMS = 500;

/** One verification from consecutive windows: counts added, first from the first, last from the last. */
export function mergeVerifications(stream: StreamId, parts: readonly Verification[]): Verification {
  const first = parts.find((p) => p.firstSeq !== null);
  const last = [...parts].reverse().find((p) => p.lastSeq !== null);
  const all = parts.flatMap((p) => p.problems);
  const problems = all.slice(0, MAX_PROBLEMS);
  if (all.length > MAX_PROBLEMS) problems.push({ kind: all[MAX_PROBLEMS]!.kind, seq: null, batch: null, message: `… and ${all.length - MAX_PROBLEMS} more problems` });
  return {
    stream,
    intact: parts.every((p) => p.intact),
    events: parts.reduce((n, p) => n + p.events, 0),
    batches: parts.reduce((n, p) => n + p.batches, 0),
    firstSeq: first?.firstSeq ?? null,
    lastSeq: last?.lastSeq ?? null,
    headHash: last?.headHash ?? null,
    signers: [...new Set(parts.flatMap((p) => p.signers))],
    problems,
    verifiedAt: parts[parts.length - 1]?.verifiedAt ?? new Date().toISOString(),
  };
}

/** How far back an append looks for events committed without their idempotency rows (a crash between the two writes). */
export const IDEM_TAIL_EVENTS = 2_000;

/** A keyed event carries its idempotency key in its (hashed) detail, so the chain itself can answer "already appended?". */
function withIdem(detail: JsonValue | undefined, key: string): JsonValue {
  if (detail && typeof detail === 'object' && !Array.isArray(detail)) return { ...detail, idem: key };
  return detail === null || detail === undefined ? { idem: key } : { value: detail, idem: key };
}
function idemOf(detail: JsonValue | undefined): string | null {
  if (!detail || typeof detail !== 'object' || Array.isArray(detail)) return null;
  const k = (detail as { [k: string]: JsonValue })['idem'];
  return typeof k === 'string' ? k : null;
}
/** Bytes of event JSON per conditional batch (far below Cassandra's 16 MiB mutation/frame limits). */
export const MAX_BATCH_BYTES = 768 * 1024;

/** How many events from `from` make one commit: at most `maxEvents`, about `maxBytes` (one event at least). */
export function chunkLength(sizes: readonly number[], from: number, maxEvents: number, maxBytes: number): number {
  let n = 0;
  let bytes = 0;
  while (from + n < sizes.length && n < maxEvents) {
    const b = sizes[from + n]!;
    if (n > 0 && bytes + b > maxBytes) break;
    bytes += b;
    n += 1;
  }
  return Math.max(1, n);
}
export const FLUSH_DELAY_MS = 250;
/** Inbox sealing in long-running hosts (electron, web); never in the CLI. */
export const SEAL_INTERVAL_MS = 60_000;
const MAX_QUEUED = 10_000;
/** Retention at sign-in: at most once per cluster per this long on one console. */
export const RETENTION_SWEEP_MS = 6 * 3_600_000;
const MAX_ATTEMPTS = 4;
const MAX_DETAIL_BYTES = 16_384;

type Mode = 'chain' | `inbox:${string}`;
interface Queued {
  event: NewAuditEvent;
  attempts: number;
}
interface Queue {
  cluster: string;
  stream: StreamId;
  mode: Mode;
  writer: string;
  items: Queued[];
  notBefore: number;
}

interface Signer {
  sign(b: Omit<AuditBatch, 'signature' | 'signer' | 'keyVersion' | 'signedAt'>): Promise<AuditBatch>;
}

const jsonSafe = (v: unknown): JsonValue => {
  try {
    const text = JSON.stringify(v ?? null);
    if (text === undefined) return null;
    if (text.length > MAX_DETAIL_BYTES) return { truncated: true, bytes: text.length };
    return JSON.parse(text) as JsonValue;
  } catch {
    return null;
  }
};

/** A router audit entry as a stream event (the input is already redacted by the router). */
export function eventOfEntry(e: AuditEntry): NewAuditEvent {
  const input = jsonSafe(e.input);
  const ks = input && typeof input === 'object' && !Array.isArray(input) && typeof input['keyspace'] === 'string' ? input['keyspace'] : null;
  return {
    at: e.at,
    source: 'console',
    type: e.channel,
    category: 'CONSOLE',
    user: e.operator,
    keyspace: ks,
    scope: null,
    operation: `${e.channel}${e.tenant ? ` tenant=${e.tenant}` : ''} → ${e.outcome}${e.errorCode ? ` (${e.errorCode})` : ''}`,
    outcome: e.outcome,
    errorCode: e.errorCode,
    origin: e.host,
    detail: { cluster: e.cluster ?? null, tenant: e.tenant, input },
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const msg = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * The streams of issue 9 item 1 (and retention, item 5):
 * - `record(entry)` (the router's sink): never throws, never waits; queues per (cluster, stream)
 *   and flushes every FLUSH_DELAY_MS or MAX_BATCH_EVENTS events. A platform console chains and
 *   signs (tenant key via KeyService, platform key sealed under the master key); a tenant
 *   admin/auditor console, which holds no KEK and may not write the chain, drops the event in its
 *   tenant's inbox for the next platform console to seal. Entries without a cluster or a session
 *   stay in the local audit only.
 * - the AuditStreamsPort the ingest and review parts use.
 */
export class AuditStreamService implements AuditStreamsPort {
  /** Events per verification window; tests set it small to cross window boundaries. */
  static verifyWindow = VERIFY_WINDOW_EVENTS;
  private readonly queues = new Map<string, Queue>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly heads = new Map<string, Head>();
  private readonly platformKeys = new WeakMap<CqlClient, PlatformSigningKey>();
  private readonly prepared = new WeakMap<CqlClient, Set<string>>();
  private readonly background = new Set<Promise<unknown>>();
  private readonly sealTimer: NodeJS.Timeout | null;
  private closed = false;
  readonly mirror: AuditMirror;
  /** The live index of this session, in memory (events never rest in clear in the cache file). */
  readonly index: Db;
  private readonly pins: SignerPins;
  /** Events that could not be written anywhere (counted, logged; they remain in the local audit). */
  lost = 0;

  constructor(private readonly deps: ModuleDeps) {
    this.index = openMemoryIndex();
    this.mirror = new AuditMirror(this.index, deps.store.db);
    this.pins = new SignerPins(deps.store.db);
    this.sealTimer =
      deps.host === 'cli'
        ? null
        : setInterval(() => {
            for (const cluster of deps.sessions.platformClusters()) this.track(this.housekeeping(cluster));
          }, SEAL_INTERVAL_MS);
    this.sealTimer?.unref();
  }

  // ---- the router's sink ----------------------------------------------------------------------

  record(entry: AuditEntry): void {
    try {
      if (this.closed || !entry.cluster) return; // local audit only
      const scope = this.deps.sessions.scopeOf(entry.cluster);
      if (!scope) return; // not signed in to that cluster (NOT_SIGNED_IN, a failed sign-in): local audit only
      let stream = streamOf(entry.tenant);
      let mode: Mode = 'chain';
      if (!scope.platform) {
        // Only a tenant admin's console may write its tenant's inbox (an auditor's is read-only).
        const mine = [...scope.tenantAdmin];
        const box = entry.tenant && mine.includes(entry.tenant) ? entry.tenant : mine[0];
        if (!box) return; // no tenant inbox this role may write (auditors, csm_auditor): local audit only
        mode = `inbox:${box}`;
        // A tenant person's call that names no tenant (their sign-in …) belongs to their tenant's trail.
        if (!entry.tenant) stream = `tenant:${box}`;
      }
      this.enqueue(entry.cluster, stream, mode, scope.role, [eventOfEntry(entry)]);
    } catch (e) {
      this.deps.logger.warn('audit stream: entry not queued', { channel: entry.channel, error: msg(e) });
    }
  }

  private enqueue(cluster: string, stream: StreamId, mode: Mode, writer: string, events: NewAuditEvent[], attempts = 0): void {
    const k = `${cluster}\u0000${stream}\u0000${mode}`;
    const q = this.queues.get(k) ?? { cluster, stream, mode, writer, items: [], notBefore: 0 };
    this.queues.set(k, q);
    for (const event of events) {
      if (q.items.length >= MAX_QUEUED) {
        this.lost += 1;
        continue;
      }
      q.items.push({ event, attempts });
    }
    if (attempts > 0) q.notBefore = Date.now() + 500 * 2 ** attempts;
    this.schedule(q.items.length >= MAX_BATCH_EVENTS && attempts === 0 ? 0 : attempts > 0 ? 500 * 2 ** attempts : FLUSH_DELAY_MS);
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    if (this.timer && ms > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, ms);
    this.timer.unref();
  }

  /** Write out everything queued (due now, or everything when `all`). Never throws. */
  flush(all = false): Promise<void> {
    this.flushing = this.flushing.then(() => this.drain(all)).catch((e: unknown) => this.deps.logger.error('audit stream flush failed', { error: msg(e) }));
    return this.flushing;
  }

  private async drain(all: boolean): Promise<void> {
    let later = false;
    for (const [k, q] of [...this.queues]) {
      if (q.items.length === 0) {
        this.queues.delete(k);
        continue;
      }
      if (!all && q.notBefore > Date.now()) {
        later = true;
        continue;
      }
      const items = q.items.splice(0, q.items.length);
      q.notBefore = 0;
      try {
        if (q.mode === 'chain') await this.appendEvents(q.cluster, q.stream, items.map((i) => i.event));
        else await this.toInbox(q.cluster, q.mode.slice('inbox:'.length), q.stream, q.writer, items.map((i) => i.event));
      } catch (e) {
        const attempts = Math.max(...items.map((i) => i.attempts)) + 1;
        const tenantStream = tenantOfStream(q.stream) !== null;
        if (q.mode === 'chain' && tenantStream && (attempts >= MAX_ATTEMPTS || all)) {
          // The tenant's stream cannot take it (keyspace not there yet, or gone with the tenant):
          // the platform stream keeps it, saying where it was meant to go.
          this.deps.logger.warn('audit stream: tenant stream unavailable, recording in the platform stream', { stream: q.stream, events: items.length, error: msg(e) });
          this.enqueue(q.cluster, 'platform', 'chain', q.writer, items.map((i) => ({ ...i.event, detail: { meantFor: q.stream, unavailable: msg(e).slice(0, 300), event: i.event.detail } })), all ? MAX_ATTEMPTS : 0);
          if (all) later = true;
        } else if (attempts < MAX_ATTEMPTS && !all) {
          this.deps.logger.warn('audit stream: write failed, will retry', { stream: q.stream, mode: q.mode, events: items.length, attempt: attempts, error: msg(e) });
          this.enqueue(q.cluster, q.stream, q.mode, q.writer, items.map((i) => i.event), attempts);
          later = true;
        } else {
          this.lost += items.length;
          this.deps.logger.error('audit stream: events not written (kept in the local audit only)', { stream: q.stream, mode: q.mode, events: items.length, error: msg(e) });
        }
      }
    }
    if (all && later) await this.drain(true).catch(() => undefined);
    else if (later) this.schedule(1000);
  }

  // ---- writing the chain ----------------------------------------------------------------------

  private client(cluster: string): CqlClient {
    const c = this.deps.connections.operator(cluster);
    if (!c) throw new AppError('NOT_SIGNED_IN', `sign in to cluster ${cluster} first`);
    return c;
  }

  private requirePlatform(cluster: string, what: string): CqlClient {
    const client = this.client(cluster);
    if (!this.deps.sessions.scopeOf(cluster)?.platform) throw new AppError('FORBIDDEN', `${what}: only a platform console signs audit streams`);
    return client;
  }

  private async exclusive<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(key) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.locks.set(key, tail);
    try {
      return await run;
    } finally {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    }
  }

  private async prepare(client: CqlClient, tenant: string): Promise<void> {
    let done = this.prepared.get(client);
    if (!done) this.prepared.set(client, (done = new Set()));
    if (done.has(tenant)) return;
    await ensureAuditTables(client, tenant);
    done.add(tenant);
  }

  private signer(cluster: string, client: CqlClient, stream: StreamId): Signer {
    const tenant = tenantOfStream(stream);
    const signedAt = (): string => new Date().toISOString();
    if (tenant === null) {
      let pk = this.platformKeys.get(client);
      if (!pk) this.platformKeys.set(client, (pk = new PlatformSigningKey(client, this.deps.secrets, () => this.deps.sessions.scopeOf(cluster)?.role ?? null)));
      const key = pk;
      return {
        sign: async (b) => {
          const a = await key.active();
          const unsigned = { ...b, keyVersion: a.version, signer: a.fingerprint, signedAt: signedAt() };
          const s = await key.sign(batchMessage(unsigned));
          return { ...unsigned, signature: s.signature };
        },
      };
    }
    const keys = this.deps.keys.for(cluster);
    return {
      sign: async (b) => {
        for (let i = 0; i < 3; i++) {
          const pub = await keys.signingPublicKey(tenant);
          const unsigned = { ...b, keyVersion: pub.version, signer: keyFingerprint(pub.pem), signedAt: signedAt() };
          const s = await keys.sign(tenant, batchMessage(unsigned));
          if (s.keyVersion === pub.version) return { ...unsigned, signature: s.signature };
        }
        throw new AppError('CONFLICT', `tenant ${tenant}'s signing key kept changing while signing an audit batch`);
      },
    };
  }

  /** Chain, sign and commit events in order (platform console). Callers hold no lock; this takes the stream's. */
  private appendEvents(cluster: string, stream: StreamId, events: readonly NewAuditEvent[]): Promise<{ firstSeq: number | null; lastSeq: number | null; seqs: number[] }> {
    return this.exclusive(`${cluster}\u0000${stream}`, () => this.appendLocked(cluster, stream, events));
  }

  private async appendLocked(
    cluster: string,
    stream: StreamId,
    events: readonly NewAuditEvent[],
    onCommitted?: (from: number, to: number, seqs: readonly number[]) => Promise<void>,
  ): Promise<{ firstSeq: number | null; lastSeq: number | null; seqs: number[] }> {
    const seqs: number[] = [];
    if (events.length === 0) return { firstSeq: null, lastSeq: null, seqs };
    const client = this.requirePlatform(cluster, `appending to ${stream}`);
    const tenant = tenantOfStream(stream);
    try {
      return await this.appendWith(client, cluster, stream, events, seqs, onCommitted);
    } catch (e) {
      if (tenant) this.prepared.get(client)?.delete(tenant); // re-check the tables next time (a re-created tenant)
      throw e;
    }
  }

  private async appendWith(
    client: CqlClient,
    cluster: string,
    stream: StreamId,
    events: readonly NewAuditEvent[],
    seqs: number[],
    onCommitted?: (from: number, to: number, seqs: readonly number[]) => Promise<void>,
  ): Promise<{ firstSeq: number | null; lastSeq: number | null; seqs: number[] }> {
    const tenant = tenantOfStream(stream);
    if (tenant) await this.prepare(client, tenant);
    const store = new ChainStore(client, stream);
    const signer = this.signer(cluster, client, stream);
    const hk = `${cluster}\u0000${stream}`;
    // Well-formed and capped before chaining (what is hashed is exactly what Cassandra stores back),
    // and cut by bytes as well as by count: one conditional batch stays far below Cassandra's
    // mutation and frame limits whatever the events hold.
    const clean = events.map(({ key: _key, ...e }) => sanitizeEvent(e));
    const sizes = clean.map((e) => Buffer.byteLength(JSON.stringify(e), 'utf8') + 256);
    let i = 0;
    while (i < clean.length) {
      let done = false;
      for (let attempt = 0; attempt < 20 && !done; attempt++) {
        const head = this.heads.get(hk) ?? (await store.head());
        const room = AUDIT_BUCKET_EVENTS - (head.seq % AUDIT_BUCKET_EVENTS);
        const n = chunkLength(sizes, i, Math.min(MAX_BATCH_EVENTS, room), MAX_BATCH_BYTES);
        const chunk = clean.slice(i, i + n);
        const chained = chainEvents(stream, head, chunk);
        const last = chained[chained.length - 1]!;
        const batch = await signer.sign({ stream, batch: head.batch + 1, firstSeq: chained[0]!.seq, lastSeq: last.seq, headHash: last.hash });
        if (await store.commit(head, chained, batch)) {
          this.heads.set(hk, { bucket: bucketOf(last.seq), seq: last.seq, hash: last.hash, batch: batch.batch });
          for (const e of chained) seqs.push(e.seq);
          // Before the next chunk: a later failure must not make a retry append this one again.
          if (onCommitted) await onCommitted(i, i + n, chained.map((e) => e.seq));
          i += n;
          done = true;
        } else {
          // Another console moved the head (or a seq is already held): read it again and take the next turn.
          this.heads.delete(hk);
          await sleep(5 + Math.floor(Math.random() * 40));
        }
      }
      if (!done) throw new AppError('CONFLICT', `${stream}: could not take a turn at the stream head (other consoles keep writing, or events exist past the recorded head: run csm audit verify-stream); try again`);
    }
    return { firstSeq: seqs[0] ?? null, lastSeq: seqs[seqs.length - 1] ?? null, seqs };
  }

  private async toInbox(cluster: string, box: string, target: StreamId, writer: string, events: readonly NewAuditEvent[]): Promise<void> {
    const store = new ChainStore(this.client(cluster), `tenant:${box}`);
    for (const e of events) await store.writeInbox(target, JSON.stringify(e), writer);
  }

  // ---- the port ----------------------------------------------------------------------------------

  async append(cluster: string, stream: StreamId, events: readonly NewAuditEvent[]): Promise<AppendResult> {
    streamIdSchema.parse(stream);
    return this.exclusive(`${cluster}\u0000${stream}`, async () => {
      const client = this.requirePlatform(cluster, `appending to ${stream}`);
      const tenant = tenantOfStream(stream);
      if (tenant) await this.prepare(client, tenant);
      const store = new ChainStore(client, stream);
      const keyed = events.filter((e) => e.key !== undefined).map((e) => e.key!);
      const known = await store.existingKeys([...new Set(keyed)]);
      if (keyed.length > 0) {
        // A chunk committed just before a crash has no audit_keys rows yet; its events carry their
        // key in detail.idem, so the stream's tail tells which of these keys are in fact there
        // (and the missing rows are written now).
        const wanted = new Set(keyed.filter((k) => !known.has(k)));
        const repaired: [string, number][] = [];
        if (wanted.size > 0) {
          const head = await store.head();
          const tail = await store.range(Math.max(0, head.seq - IDEM_TAIL_EVENTS), head.seq, IDEM_TAIL_EVENTS, head);
          for (const e of tail.events) {
            const k = idemOf(e.detail);
            if (k !== null && wanted.has(k)) {
              known.add(k);
              repaired.push([k, e.seq]);
            }
          }
        }
        if (repaired.length > 0) await store.putKeys(repaired);
      }
      const fresh: NewAuditEvent[] = [];
      let duplicates = 0;
      for (const e of events) {
        if (e.key !== undefined) {
          if (known.has(e.key)) {
            duplicates += 1;
            continue;
          }
          known.add(e.key);
        }
        fresh.push(e.key !== undefined ? { ...e, detail: withIdem(e.detail, e.key) } : e);
      }
      // Each committed chunk's keys are recorded before the next chunk is tried: a failure later
      // (or a crash) re-appends at most the chunk in flight on a retry, never the ones before it.
      const r = await this.appendLocked(cluster, stream, fresh, async (from, to, seqs) => {
        const pairs: [string, number][] = [];
        for (let j = from; j < to; j++) if (fresh[j]!.key !== undefined) pairs.push([fresh[j]!.key!, seqs[j - from]!]);
        await store.putKeys(pairs);
      });
      return { appended: fresh.length, duplicates, firstSeq: r.firstSeq, lastSeq: r.lastSeq };
    });
  }

  /** A session that may read the stream, with its tables there (a tenant session cannot create them). */
  private async reader(cluster: string, stream: StreamId): Promise<ChainStore> {
    const client = this.client(cluster);
    const tenant = tenantOfStream(stream);
    if (tenant) {
      if (this.deps.sessions.scopeOf(cluster)?.platform) await this.prepare(client, tenant);
      else if (!(await auditTablesExist(client, tenant))) throw new AppError('NOT_FOUND', `tenant ${tenant}'s audit stream is not prepared yet: a platform console prepares it (any change it makes in this tenant, or csm audit sync --tenant ${tenant})`);
    }
    return new ChainStore(client, stream);
  }

  async read(cluster: string, stream: StreamId, opts: { afterSeq?: number; untilSeq?: number; limit: number }): Promise<{ events: StoredAuditEvent[]; batches: AuditBatch[] }> {
    streamIdSchema.parse(stream);
    const store = await this.reader(cluster, stream);
    return store.range(opts.afterSeq ?? 0, opts.untilSeq ?? Number.MAX_SAFE_INTEGER, opts.limit);
  }

  /**
   * Signer public keys whose private half this console can check and that do not match it (review
   * #3): on a console holding the master key, every platform key row it can open; on one holding
   * the tenant's KEK, the tenant's active signing key (a sign/verify round trip; the stored public
   * key is also bound into the wrapped key's envelope, so a replaced one does not even open).
   * Nothing is checked (empty) where this console holds neither.
   */
  async untrustedSigners(cluster: string, stream: StreamId): Promise<{ version: number; fingerprint: string; why: string }[]> {
    const checked = await this.keyMatchProblems(cluster, stream);
    // Every key is pinned on first sight; a key that differs from its pin is untrusted (streams/pins.ts).
    const repinned = this.pins.check(cluster, stream, await this.storedSigners(cluster, stream)).map((p) => ({
      version: p.version,
      fingerprint: p.fingerprint,
      why: `this console pinned version ${p.version} as ${p.pinned} when it first saw it; Cassandra now holds another key under that version`,
    }));
    return [...checked, ...repinned];
  }

  /** A stored public key whose private half (which this console can open) does not match it. */
  private async keyMatchProblems(cluster: string, stream: StreamId): Promise<{ version: number; fingerprint: string; why: string }[]> {
    const tenant = tenantOfStream(stream);
    if (tenant === null) {
      if (!this.deps.sessions.scopeOf(cluster)?.platform) return [];
      const bad = await new PlatformSigningKey(this.client(cluster), this.deps.secrets, () => null).mismatchedKeys();
      return bad.map((b) => ({ version: b.version, fingerprint: b.fingerprint, why: b.actual === 'unopenable' ? 'its sealed private key does not open' : `its sealed private key has fingerprint ${b.actual}` }));
    }
    if (!this.deps.sessions.scopeOf(cluster)?.platform) return [];
    const keys = this.deps.keys.for(cluster);
    const pub = await keys.signingPublicKey(tenant);
    const probe = Buffer.from(`csm-audit/signer-check\n${tenant}\n${pub.version}\n${Date.now()}`, 'utf8');
    let s: { keyVersion: number; signature: Buffer };
    try {
      s = await keys.sign(tenant, probe);
    } catch (e) {
      if (isEnvelopeError(e)) return [{ version: pub.version, fingerprint: keyFingerprint(pub.pem), why: `its wrapped private key does not open with the stored public key (${msg(e)})` }];
      return []; // no KEK on this console (or the key service is unavailable): nothing to check against
    }
    if (s.keyVersion !== pub.version) return []; // rotated meanwhile: checked next time
    const ok = (() => {
      try {
        return edVerify(null, probe, createPublicKey(pub.pem), s.signature);
      } catch {
        return false;
      }
    })();
    return ok ? [] : [{ version: pub.version, fingerprint: keyFingerprint(pub.pem), why: 'a signature by its private key does not verify with the stored public key' }];
  }

  /** The stream's signing keys Cassandra holds, less any that differ from this console's pin of their version. */
  async signers(cluster: string, stream: StreamId): Promise<SignerKey[]> {
    const all = await this.storedSigners(cluster, stream);
    const bad = this.pins.check(cluster, stream, all);
    return all.filter((k) => !bad.some((b) => b.version === k.version && b.fingerprint === k.fingerprint));
  }

  /** Every public signing key of the stream as stored in Cassandra (platform: csm_system; tenant: its key hierarchy). */
  private async storedSigners(cluster: string, stream: StreamId): Promise<SignerKey[]> {
    streamIdSchema.parse(stream);
    const tenant = tenantOfStream(stream);
    if (tenant === null) return new PlatformSigningKey(this.client(cluster), this.deps.secrets, () => null).signers();
    const keys = this.deps.keys.for(cluster);
    const active = await keys.signingPublicKey(tenant);
    const out: SignerKey[] = [];
    for (let v = 1; v <= active.version; v++) {
      const pub = v === active.version ? active : await keys.signingPublicKey(tenant, v).catch(() => null);
      if (pub) out.push({ fingerprint: keyFingerprint(pub.pem), version: pub.version, publicKeyPem: pub.pem });
    }
    return out;
  }

  /**
   * Verify the stream in Cassandra, window by window (VERIFY_WINDOW_EVENTS at a time, cut at signed
   * batch ends so every batch is checked whole; each window is anchored on the last event of the one
   * before), so memory stays bounded whatever the stream's length. The last window is read until
   * the stream head stops moving (a console may be appending) and is checked against the recorded
   * head and this console's witness; events past the head are still read and reported.
   */
  async verify(cluster: string, stream: StreamId): Promise<Verification> {
    streamIdSchema.parse(stream);
    const store = await this.reader(cluster, stream);
    let head = await store.head();
    // Signers are read once there are events (an empty stream may have no key yet). A stored public
    // key that does not match its private key, or its pin, is no signer (review #3).
    let trust: { signers: SignerKey[]; untrusted: { version: number; fingerprint: string; why: string }[] } | null = null;
    const trusted = async (n: number): Promise<SignerKey[]> => {
      if (n === 0) return trust?.signers ?? [];
      if (!trust) {
        const stored = await this.storedSigners(cluster, stream);
        const untrusted = await this.untrustedSigners(cluster, stream);
        trust = { untrusted, signers: stored.filter((k) => !untrusted.some((u) => u.fingerprint === k.fingerprint && u.version === k.version)) };
      }
      return trust.signers;
    };
    const seen = this.mirror.witness(`live:${cluster}`, stream);
    const witnesses = seen ? [{ label: "this console's witness head", ...seen }] : [];

    const windows: Verification[] = [];
    let anchor: { seq: number; hash: string } | null = null;
    let after = 0;
    for (let settle = 0; ; ) {
      const window = AuditStreamService.verifyWindow;
      const page = await store.range(after, Number.MAX_SAFE_INTEGER, window, head);
      const full = page.events.length >= window;
      if (!full) {
        // The tail: verified against the head once the head stops moving past what was read.
        const again = await store.head(head.bucket);
        const lastRead = page.events[page.events.length - 1]?.seq ?? after;
        if ((again.seq !== head.seq || again.hash !== head.hash) && again.seq > lastRead && settle < 5) {
          head = again;
          settle += 1;
          continue;
        }
        if (again.seq !== head.seq || again.hash !== head.hash) head = again;
        const ws = witnesses.filter((w) => !anchor || w.seq > anchor.seq);
        windows.push(verifyChain({ stream, events: page.events, batches: page.batches, signers: await trusted(page.events.length), anchor, head: { seq: head.seq, hash: head.hash }, witnesses: ws }));
        break;
      }
      // A full window: cut after the last signed batch that ends inside it; the rest is read again with the next window.
      const lastSeq = page.events[page.events.length - 1]!.seq;
      const cut = page.batches.map((b) => b.lastSeq).filter((x) => x <= lastSeq).reduce((m, x) => Math.max(m, x), 0) || lastSeq;
      const events = page.events.filter((e) => e.seq <= cut);
      const batches = page.batches.filter((b) => b.lastSeq <= cut);
      const ws = witnesses.filter((w) => w.seq <= cut && (!anchor || w.seq > anchor.seq));
      windows.push(verifyChain({ stream, events, batches, signers: await trusted(events.length), anchor, witnesses: ws }));
      const last = events[events.length - 1]!;
      anchor = { seq: last.seq, hash: last.hash };
      after = last.seq;
    }
    const v = mergeVerifications(stream, windows);
    const untrusted = (trust as { untrusted: { version: number; fingerprint: string; why: string }[] } | null)?.untrusted ?? [];
    if (untrusted.length === 0) return v;
    const problems = [
      ...untrusted.map((u) => ({ kind: 'unknown-key' as const, seq: null, batch: null, message: `${stream}: the stored public key of signing key version ${u.version} (${u.fingerprint}) is not trusted: ${u.why}` })),
      ...v.problems,
    ];
    return { ...v, intact: false, problems };
  }

  async sync(cluster: string, stream: StreamId): Promise<{ fetched: number; lastSeq: number | null }> {
    streamIdSchema.parse(stream);
    const store = await this.reader(cluster, stream);
    const source = `live:${cluster}`;
    const head = await store.head();
    // The witness (highest seq this console ever saw, kept across sessions) must still be there
    // with the same hash; the in-memory index says where to continue this session.
    const witness = this.mirror.witness(source, stream);
    if (witness) {
      const now = await store.one(witness.seq);
      if (now && now.event.hash !== witness.hash) {
        throw new AppError('CONFLICT', `${stream} in Cassandra no longer matches what this console saw at seq ${witness.seq}: run csm audit verify-stream to see what changed`);
      }
      if (!now && head.seq < witness.seq) {
        throw new AppError('CONFLICT', `${stream} in Cassandra ends at seq ${head.seq}, this console saw up to ${witness.seq}: events were removed; run csm audit verify-stream`);
      }
    }
    const seen = this.mirror.lastSeen(source, stream);
    let after = seen?.seq ?? 0;
    let fetched = 0;
    for (;;) {
      const page = await store.range(after, head.seq, 5000, head);
      if (page.events.length === 0) break;
      this.mirror.put(source, stream, page.events, page.batches);
      fetched += page.events.length;
      after = page.events[page.events.length - 1]!.seq;
    }
    // Retention follows: what a signed tombstone pruned in Cassandra leaves the mirror too.
    // Only tombstones a valid signed batch covers count (a forged row must not erase the mirror).
    this.mirror.applyTombstones(source, stream, await this.signers(cluster, stream));
    return { fetched, lastSeq: this.mirror.lastSeen(source, stream)?.seq ?? null };
  }

  /** One event with its chain proof (audit.event). */
  async proof(cluster: string, stream: StreamId, seq: number): Promise<ChainProof> {
    const store = await this.reader(cluster, stream);
    const hit = await store.one(seq);
    if (!hit) throw new AppError('NOT_FOUND', `${stream} has no event ${seq} (never written, or pruned by retention)`);
    const head = await store.head();
    const prev = seq > 1 ? await store.one(seq - 1) : null;
    // The first event after a prune links to the retention tombstone's last pruned hash.
    const previous = prev ? { seq: prev.event.seq, hash: prev.event.hash } : seq > 1 ? await this.anchorBefore(store, seq, head) : null;
    const batch = hit.batch ?? (await store.batchCovering(seq, head));
    const signers = batch ? await this.signers(cluster, stream) : [];
    return chainProof({ stream, event: hit.event, previous, batch, signers });
  }

  // ---- retention (item 5) -------------------------------------------------------------------------

  async prune(cluster: string, tenant: string, now = new Date()): Promise<{ stream: string; pruned: number; tombstoneSeq: number | null; retentionDays: number; cutoff: string }> {
    const stream = streamOf(tenant);
    const shown = await this.deps.dispatch('config.show', { cluster, tenant });
    if (!shown.ok) throw new AppError(shown.error.code, `reading ${tenant}'s retention: ${shown.error.message}`);
    const retentionDays = (shown.value as ConfigView).effective.retention.auditDays;
    const cutoff = new Date(now.getTime() - retentionDays * 86_400_000);
    return this.exclusive(`${cluster}\u0000${stream}`, async () => {
      const client = this.requirePlatform(cluster, `pruning ${stream}`);
      await this.prepare(client, tenant);
      const store = new ChainStore(client, stream);
      const head = await store.head();
      const first = await store.firstSeq(head);
      const result = { stream, pruned: 0, tombstoneSeq: null as number | null, retentionDays, cutoff: cutoff.toISOString() };
      if (first === null) return result;
      // Whole signed batches only, from the start, while every event in them is past the cutoff.
      let prunedTo: number | null = null;
      let lastHash = '';
      const slice: StoredAuditEvent[] = [];
      const sliceBatches: AuditBatch[] = [];
      let after = first - 1;
      let pending: StoredAuditEvent[] = [];
      scan: for (;;) {
        const page = await store.range(after, head.seq, 500, head);
        if (page.events.length === 0) break;
        const byLast = new Map(page.batches.map((b) => [b.lastSeq, b]));
        for (const e of page.events) {
          if (Date.parse(e.at) >= cutoff.getTime() || Number.isNaN(Date.parse(e.at))) break scan;
          pending.push(e);
          const b = byLast.get(e.seq);
          if (b) {
            slice.push(...pending);
            sliceBatches.push(b);
            pending = [];
            prunedTo = e.seq;
            lastHash = e.hash;
          }
        }
        after = page.events[page.events.length - 1]!.seq;
      }
      if (prunedTo === null) return result;
      // Say in the tombstone whether what goes verified (evidence of tampering must not vanish silently).
      const anchor = await this.anchorBefore(store, first, head);
      const signers = await this.signers(cluster, stream);
      const check = verifyChain({ stream, events: slice, batches: sliceBatches, signers, anchor });
      // Evidence of tampering is never pruned: the range must verify first.
      if (!check.intact) {
        const shown = check.problems.slice(0, 5).map((p) => `${p.kind}${p.seq !== null ? ` at seq ${p.seq}` : ''}: ${p.message}`).join('; ');
        throw new AppError('CONFLICT', `${stream}: events ${first}–${prunedTo} are past retention but do not verify (${check.problems.length} problem${check.problems.length === 1 ? '' : 's'}: ${shown}); nothing pruned — export a snapshot and investigate first`);
      }
      const detail: TombstoneDetail & Record<string, JsonValue> = {
        prunedFrom: first,
        prunedTo,
        lastPrunedHash: lastHash,
        cutoff: cutoff.toISOString(),
        retentionDays,
        prunedIntact: check.intact,
        prunedProblems: check.problems.length,
      };
      const r = await this.appendLocked(cluster, stream, [
        {
          at: now.toISOString(),
          source: 'retention',
          type: 'TOMBSTONE',
          category: 'RETENTION',
          user: this.deps.sessions.scopeOf(cluster)?.role ?? null,
          keyspace: null,
          scope: null,
          operation: `retention ${retentionDays} days: pruned events ${first}–${prunedTo} (older than ${cutoff.toISOString()})`,
          outcome: 'ok',
          errorCode: null,
          origin: this.deps.host,
          detail,
        },
      ]);
      // The tombstone first, then the deletion: a crash in between leaves events the tombstone already allows to go.
      await store.deleteRange(first, prunedTo);
      return { ...result, pruned: prunedTo - first + 1, tombstoneSeq: r.lastSeq };
    });
  }

  /** What the event before `first` hashed to: genesis, or the tombstone that pruned up to it. */
  private async anchorBefore(store: ChainStore, first: number, head: Head): Promise<{ seq: number; hash: string } | null> {
    if (first <= 1) return null;
    let after = first - 1;
    for (;;) {
      const page = await store.range(after, head.seq, 5000, head);
      if (page.events.length === 0) break;
      for (const e of page.events) {
        if (isTombstone(e)) {
          const d = tombstoneDetail(e);
          if (d && d.prunedTo === first - 1) return { seq: d.prunedTo, hash: d.lastPrunedHash };
        }
      }
      after = page.events[page.events.length - 1]!.seq;
    }
    return null; // nothing accounts for the missing start: the check of the pruned range says so
  }

  // ---- sign-in work: seal inboxes, apply retention ------------------------------------------------

  /** Tenants of this cluster whose audit tables exist. */
  private async tenantsWithStreams(cluster: string): Promise<string[]> {
    const client = this.client(cluster);
    const rs = await client.execute('SELECT keyspace_name, table_name FROM system_schema.tables', [], { prepare: true });
    const have = new Set(rs.rows.filter((r) => r['table_name'] === 'audit_chain').map((r) => String(r['keyspace_name'])));
    return this.deps.store.tenantMirror
      .all()
      .filter((t) => t.cluster === cluster && have.has(`tenant_${t.id}_csm`))
      .map((t) => t.id);
  }

  /** Seal every tenant inbox of the cluster into the chains (platform console). Returns events sealed. */
  async sealInboxes(cluster: string): Promise<number> {
    if (!this.deps.sessions.scopeOf(cluster)?.platform) return 0;
    let sealed = 0;
    for (const box of await this.tenantsWithStreams(cluster)) {
      const inbox = new ChainStore(this.client(cluster), `tenant:${box}`);
      const rows = await inbox.readInbox().catch((e: unknown) => {
        this.deps.logger.warn('audit inbox unreadable', { inbox: box, error: msg(e) });
        return [];
      });
      if (rows.length === 0) continue;
      // A tenant's inbox is sealed into that tenant's stream and nowhere else: its admin's console
      // writes the row, so everything in it is a claim of that console. The row's WRITETIME (the
      // node's clock) and the sealing console are authoritative; the claimed fields are kept and
      // labelled as claimed. A row naming another stream is a cross-tenant attempt: recorded in
      // this tenant's stream and, flagged, in the platform stream.
      const own: StreamId = `tenant:${box}`;
      const sealer = { role: this.deps.sessions.scopeOf(cluster)?.role ?? null, host: this.deps.host, at: new Date().toISOString() };
      const mine: { id: unknown; event: NewAuditEvent }[] = [];
      const flagged: NewAuditEvent[] = [];
      for (const row of rows) {
        const ev = parseInboxEvent(row.event);
        const storedAt = (row.storedAt ?? row.writtenAt ?? new Date()).toISOString();
        const claimedTarget = wellFormed(row.target).slice(0, 200);
        const crossTenant = claimedTarget !== own;
        const inboxInfo = {
          tenant: box,
          storedAt,
          sealedBy: sealer,
          claimed: {
            target: claimedTarget,
            writtenBy: wellFormed(row.writtenBy).slice(0, FIELD_MAX_CHARS.user),
            writtenAt: row.writtenAt?.toISOString() ?? null,
            at: ev?.at ?? null,
            origin: ev?.origin ?? null,
          },
          ...(crossTenant ? { crossTenant: true } : {}),
        };
        const sealedEvent: NewAuditEvent = ev
          ? {
              ...ev,
              at: storedAt,
              origin: `inbox of ${box} (claimed by its tenant console), sealed by ${sealer.role ?? '?'}@${sealer.host}`,
              detail: boundedDetail({ claimed: ev.detail, inbox: inboxInfo }),
              key: `inbox:${box}:${String(row.id)}`,
            }
          : {
              at: storedAt,
              source: 'console',
              type: 'audit.inbox',
              category: 'CONSOLE',
              user: null,
              keyspace: null,
              scope: null,
              operation: `an unreadable inbox row of ${box} (kept as text)`,
              outcome: 'error',
              errorCode: 'BAD_INPUT',
              origin: `inbox of ${box}, sealed by ${sealer.role ?? '?'}@${sealer.host}`,
              detail: boundedDetail({ raw: wellFormed(row.event.slice(0, 4000)), inbox: inboxInfo }),
              key: `inbox:${box}:${String(row.id)}`,
            };
        mine.push({ id: row.id, event: sealedEvent });
        if (crossTenant) {
          flagged.push({
            at: storedAt,
            source: 'console',
            type: 'audit.inbox.crossTenant',
            category: 'CONSOLE',
            user: sealedEvent.user,
            keyspace: null,
            scope: null,
            operation: `the audit inbox of ${box} held an event addressed to ${claimedTarget}: sealed into ${own} only`,
            outcome: 'refused',
            errorCode: 'FORBIDDEN',
            origin: sealedEvent.origin,
            detail: boundedDetail({ alert: 'cross-tenant inbox target', type: sealedEvent.type, operation: sealedEvent.operation.slice(0, 2000), inbox: inboxInfo }),
            key: `inbox-flag:${box}:${String(row.id)}`,
          });
        }
      }
      // Rows stay in the inbox until both writes took them (the keys make a second seal add nothing).
      const done: unknown[] = [];
      try {
        if (flagged.length > 0) await this.append(cluster, 'platform', flagged);
        const r = await this.append(cluster, own, mine.map((i) => i.event));
        sealed += r.appended;
        done.push(...mine.map((i) => i.id));
      } catch (e) {
        this.deps.logger.warn('audit inbox: events left for the next seal', { inbox: box, events: mine.length, error: msg(e) });
      }
      await inbox.deleteInbox(done);
    }
    return sealed;
  }

  async onSignIn(cluster: string, platform: boolean): Promise<void> {
    if (!platform || this.closed) return;
    // In the background (sign-in does not wait), awaited by close().
    this.track(this.housekeeping(cluster));
  }

  /** Seal the inboxes; apply retention when a sweep is due. At platform sign-in, and on the timer of long-running hosts. */
  private async housekeeping(cluster: string): Promise<void> {
    const n = await this.sealInboxes(cluster);
    if (n > 0) this.deps.logger.info('audit inboxes sealed', { cluster, events: n });
    // Retention moves in days: one sweep per cluster per RETENTION_SWEEP_MS on this console
    // (every CLI command signs in; it should not walk every tenant each time).
    if (!this.sweepDue(cluster)) return;
    for (const tenant of await this.tenantsWithStreams(cluster)) {
      if (this.closed) return;
      await this.prune(cluster, tenant).catch((e: unknown) => this.deps.logger.warn('audit retention failed', { cluster, tenant, error: msg(e) }));
    }
  }

  private sweepDue(cluster: string, now = Date.now()): boolean {
    const key = `audit.retentionSweep.${cluster}`;
    try {
      const row = this.deps.store.db.prepare('SELECT value FROM kv_settings WHERE key = ?').get(key) as { value: string } | undefined;
      const last = row ? Date.parse(JSON.parse(row.value) as string) : Number.NaN;
      if (Number.isFinite(last) && now - last < RETENTION_SWEEP_MS) return false;
      this.deps.store.db.prepare('INSERT OR REPLACE INTO kv_settings (key, value) VALUES (?, ?)').run(key, JSON.stringify(new Date(now).toISOString()));
    } catch (e) {
      this.deps.logger.warn('audit retention: sweep marker unavailable', { cluster, error: msg(e) });
    }
    return true;
  }

  private track(p: Promise<unknown>): void {
    const t = p.catch((e: unknown) => this.deps.logger.warn('audit stream background work failed', { error: msg(e) }));
    this.background.add(t);
    void t.finally(() => this.background.delete(t));
  }

  /** Flush what is queued (the CLI awaits this through services.close before exit) and stop timers. */
  async close(): Promise<void> {
    if (this.sealTimer) clearInterval(this.sealTimer);
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await Promise.allSettled([...this.background]);
    await this.flush(true);
    this.index.close();
    this.closed = true;
    if (this.lost > 0) this.deps.logger.warn('audit stream: events kept in the local audit only', { events: this.lost });
  }
}

/** A tenant console's inbox row as an event (null: unreadable). Claims only: the sealer relabels time, origin and detail. */
export function parseInboxEvent(text: string): NewAuditEvent | null {
  try {
    if (text.length > 256 * 1024) return null;
    const v = JSON.parse(text) as Record<string, unknown>;
    if (!v || typeof v !== 'object' || Array.isArray(v)) return null;
    const s = (k: string): string | null => (typeof v[k] === 'string' ? wellFormed(v[k] as string) : null);
    const source = s('source');
    const category = s('category');
    const outcome = s('outcome');
    if (!s('at') || !s('type') || !s('operation')) return null;
    if (!(AUDIT_SOURCES as readonly string[]).includes(source ?? '') || !(AUDIT_CATEGORIES as readonly string[]).includes(category ?? '') || !(AUDIT_OUTCOMES as readonly string[]).includes(outcome ?? '')) return null;
    // A channel name (what a console records as type): anything else is not a console event.
    const type = s('type')!;
    if (!/^[A-Za-z][A-Za-z0-9_.:-]{0,199}$/.test(type)) return null;
    return sanitizeEvent({
      at: s('at')!,
      source: 'console', // an inbox speaks for a console, never for Cassandra or retention
      type,
      category: category === 'RETENTION' ? 'CONSOLE' : (category as NewAuditEvent['category']),
      user: s('user'),
      keyspace: s('keyspace'),
      scope: s('scope'),
      operation: s('operation')!.slice(0, Math.min(OPERATION_MAX_CHARS, 4000)),
      outcome: outcome as NewAuditEvent['outcome'],
      errorCode: s('errorCode'),
      origin: s('origin'),
      detail: boundedDetail(v['detail']),
    });
  } catch {
    return null;
  }
}
