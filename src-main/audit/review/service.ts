import { randomBytes } from 'node:crypto';
import { auditFilterSchema, type AuditEventView, type AuditFilter, type SnapshotInfo, type Verification } from '../../../src-shared/contract/audit';
import { AppError } from '../../app/errors';
import type { Db } from '../../store';
import { batchCovering, batchesOverlapping, getEvent, iterateEvents, notableEvents, previousEvent, queryEvents, readStream, seqRangeOf, streamCounts, TOTAL_CAP, type EventPage } from '../index';
import { chainProof, verifyChain, type ChainProof } from '../streams/chain';
import { streamOf, tenantOfStream, type AuditStreamsPort, type StreamId } from '../types';
import { csvEvent, csvHeader } from './csv';
import { writeOut } from './files';
import { renderReport } from './report';
import { buildSnapshot } from './snapshot-file';
import { describeProblems, SnapshotStore, type OpenSnapshot } from './snapshots';

export interface ReviewDeps {
  /** The live index (in memory for this session: the mirror of Cassandra's streams). */
  db: Db;
  /** The cache file: audit_saved_filters (snapshots go through `snapshots`). */
  cache: Db;
  streams: AuditStreamsPort;
  liveSource(cluster: string): string;
  snapshots: SnapshotStore;
  /** The tenant's audit-signing key (KeyService.sign / signingPublicKey on the cluster). */
  signer(cluster: string, tenant: string): (data: Buffer) => Promise<{ keyVersion: number; signature: Buffer; publicKeyPem: string }>;
  operatorOf(cluster: string): string | null;
  now?(): Date;
}

type Range = { since?: string | undefined; until?: string | undefined };
type FileOut = { out: string; overwrite: boolean };

/** How long a synced mirror counts as fresh: a query within it does not go to Cassandra again. */
export const MIRROR_FRESH_MS = 5_000;
const NOTABLE_MAX = 200;

const view = (p: EventPage): { stream: string; events: AuditEventView[]; total: number; totalCapped: boolean; nextBeforeSeq: number | null } => ({
  stream: p.stream,
  events: p.events.map((e) => ({ ...e, detail: e.detail ?? null })),
  total: p.total,
  totalCapped: p.totalCapped,
  nextBeforeSeq: p.nextBeforeSeq,
});

/**
 * Review (issue 9 items 3–4): live queries over the local mirror, signed snapshot export and the
 * offline side (import, verify, query, report, CSV of imported snapshots), saved filters.
 *
 * Mirror freshness: every live read (query, CSV, report, export) first brings the stream's mirror
 * up to date through the streams port, unless this console synced it less than MIRROR_FRESH_MS
 * ago — so paging through results does not hit Cassandra per page, and a new search sees new events.
 */
export class ReviewService {
  private readonly synced = new Map<string, number>();

  constructor(private readonly deps: ReviewDeps) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  private async fresh(cluster: string, stream: StreamId, force = false): Promise<void> {
    const k = `${cluster}\n${stream}`;
    const at = this.synced.get(k);
    const t = this.now().getTime();
    if (!force && at !== undefined && t - at < MIRROR_FRESH_MS) return;
    await this.deps.streams.sync(cluster, stream);
    this.synced.set(k, t);
  }

  // ---- live ------------------------------------------------------------------------------

  async query(cluster: string, tenant: string | undefined, filter: AuditFilter) {
    const stream = streamOf(tenant);
    await this.fresh(cluster, stream);
    return view(queryEvents(this.deps.db, this.deps.liveSource(cluster), stream, filter));
  }

  async csv(cluster: string, tenant: string | undefined, filter: AuditFilter, o: FileOut) {
    const stream = streamOf(tenant);
    await this.fresh(cluster, stream);
    return this.writeCsv(this.deps.db, this.deps.liveSource(cluster), stream, filter, o);
  }

  async report(cluster: string, tenant: string | undefined, range: Range, o: Partial<FileOut>) {
    const stream = streamOf(tenant);
    await this.fresh(cluster, stream);
    const verification = await this.deps.streams.verify(cluster, stream);
    return this.writeReport({
      db: this.deps.db,
      source: this.deps.liveSource(cluster),
      stream,
      cluster,
      origin: `live stream of cluster ${cluster} (local mirror, synced ${this.now().toISOString()}); verified against Cassandra`,
      range,
      verification,
      generatedBy: this.deps.operatorOf(cluster),
      o,
    });
  }

  /**
   * A signed snapshot of a tenant's stream for a time range. The events in the range decide a seq
   * range (ingested Cassandra events may carry older times than their position), widened to whole
   * signed batches so each batch signature stays checkable; a trailing run not yet signed is left
   * out. The selection is verified before it is signed: the console does not sign a broken chain.
   */
  async export(cluster: string, tenant: string | undefined, range: Range, o: FileOut) {
    if (!tenant) throw new AppError('BAD_INPUT', 'a snapshot is of one tenant\'s stream: name the tenant');
    const stream = streamOf(tenant);
    if (range.since && range.until && Date.parse(range.since) > Date.parse(range.until)) throw new AppError('BAD_INPUT', 'since is after until');
    await this.fresh(cluster, stream, true);
    const db = this.deps.db;
    const source = this.deps.liveSource(cluster);
    const seqs = seqRangeOf(db, source, stream, range);
    if (!seqs) throw new AppError('NOT_FOUND', `no events of ${stream} on ${cluster} fall in ${range.since ?? 'the start'} — ${range.until ?? 'now'}`);
    const batches = batchesOverlapping(db, source, stream, seqs.first, seqs.last);
    if (batches.length === 0) throw new AppError('CONFLICT', `the events of ${stream} in this range are not signed yet; try again in a moment`);
    const first = Math.min(seqs.first, ...batches.map((b) => b.firstSeq));
    const last = Math.max(...batches.map((b) => b.lastSeq));
    const content = readStream(db, source, stream, { fromSeq: first, toSeq: last });
    const signers = await this.deps.streams.signers(cluster, stream);
    const f = content.events[0];
    const check = verifyChain({ stream, events: content.events, batches: content.batches, signers, anchor: f ? { seq: f.seq - 1, hash: f.prevHash } : null, now: () => this.now() });
    if (!check.intact) {
      throw new AppError('CONFLICT', `the mirror of ${stream} does not verify over seq ${first}–${last}, so it is not signed as a snapshot: ${describeProblems(check, 3)} (audit.verify checks Cassandra's copy)`);
    }
    const headRow = db.prepare('SELECT seq, hash FROM audit_events WHERE source = ? AND stream = ? ORDER BY seq DESC LIMIT 1').get(source, stream) as { seq: number; hash: string } | undefined;
    const built = await buildSnapshot({
      id: randomBytes(16).toString('hex'),
      stream,
      cluster,
      range: { since: range.since ?? null, until: range.until ?? null },
      streamHead: headRow ? { seq: headRow.seq, hash: headRow.hash } : null,
      createdAt: this.now().toISOString(),
      createdBy: this.deps.operatorOf(cluster) ?? 'unknown',
      events: content.events,
      batches: content.batches,
      signers,
      sign: this.deps.signer(cluster, tenant),
    });
    const file = await writeOut(o.out, built.bytes, o.overwrite);
    return { path: file.path, sha256: file.sha256, bytes: file.bytes, events: built.manifest.events, stream, signerFingerprint: built.signerFingerprint };
  }

  // ---- offline: imported snapshots ---------------------------------------------------------

  importFile(file: string): Promise<SnapshotInfo> {
    return this.deps.snapshots.importFile(file);
  }

  list(): SnapshotInfo[] {
    return this.deps.snapshots.list();
  }

  verifySnapshot(input: { file: string } | { snapshotId: string }): Promise<Verification> {
    return 'file' in input ? this.deps.snapshots.verifyFile(input.file) : this.deps.snapshots.verify(input.snapshotId);
  }

  async snapshotQuery(id: string, filter: AuditFilter) {
    const s = await this.deps.snapshots.openSnapshot(id);
    return view(queryEvents(s.db, s.source, s.info.stream, filter));
  }

  async snapshotEvent(id: string, seq: number): Promise<ChainProof> {
    const s = await this.deps.snapshots.openSnapshot(id);
    return this.proof(s, seq);
  }

  private proof(s: OpenSnapshot, seq: number): ChainProof {
    const event = getEvent(s.db, s.source, s.info.stream, seq);
    if (!event) throw new AppError('NOT_FOUND', `snapshot ${s.info.id} holds seq ${s.info.firstSeq ?? '-'}–${s.info.lastSeq ?? '-'}, not ${seq}`);
    const prev = previousEvent(s.db, s.source, s.info.stream, seq);
    // The first event of a snapshot links to the manifest's anchor: the event before it is not in the file.
    const previous = prev && prev.seq === seq - 1 ? { seq: prev.seq, hash: prev.hash } : s.anchor && s.anchor.seq === seq - 1 && s.anchor.seq > 0 ? s.anchor : null;
    return chainProof({ stream: s.info.stream, event, previous, batch: batchCovering(s.db, s.source, s.info.stream, seq), signers: s.signers });
  }

  async snapshotReport(id: string, o: Partial<FileOut>) {
    const s = await this.deps.snapshots.openSnapshot(id);
    const verification = await this.deps.snapshots.verify(id);
    return this.writeReport({
      db: s.db,
      source: s.source,
      stream: s.info.stream,
      cluster: s.info.cluster,
      origin: `snapshot ${s.info.id} (sha256 ${s.info.sha256.slice(0, 16)}…), exported ${s.info.createdAt} by ${s.info.createdBy}, imported ${s.info.importedAt}; verified offline with the keys in the file`,
      range: { since: s.info.since ?? undefined, until: s.info.until ?? undefined },
      verification,
      generatedBy: null,
      o,
      signer: s.info.signerFingerprint,
    });
  }

  async snapshotCsv(id: string, filter: AuditFilter, o: FileOut) {
    const s = await this.deps.snapshots.openSnapshot(id);
    return this.writeCsv(s.db, s.source, s.info.stream, filter, o);
  }

  /** Close the in-memory databases of opened snapshots (decrypted evidence leaves memory with them). */
  close(): void {
    this.deps.snapshots.close();
  }

  removeSnapshot(id: string): { removed: boolean } {
    return { removed: this.deps.snapshots.remove(id) };
  }

  // ---- saved filters -------------------------------------------------------------------------

  filters(): { name: string; filter: AuditFilter; createdAt: string }[] {
    const rows = this.deps.cache.prepare('SELECT name, filter, created_at FROM audit_saved_filters ORDER BY name').all() as { name: string; filter: string; created_at: string }[];
    const out: { name: string; filter: AuditFilter; createdAt: string }[] = [];
    for (const r of rows) {
      const f = auditFilterSchema.safeParse(JSON.parse(r.filter));
      if (f.success) out.push({ name: r.name, filter: f.data, createdAt: r.created_at });
    }
    return out;
  }

  saveFilter(name: string, filter: AuditFilter): { name: string; filter: AuditFilter; createdAt: string } {
    const createdAt = this.now().toISOString();
    // A saved filter is a search, not a position in it.
    const { beforeSeq: _cursor, ...kept } = filter;
    this.deps.cache
      .prepare('INSERT INTO audit_saved_filters (name, filter, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET filter = excluded.filter, created_at = excluded.created_at')
      .run(name, JSON.stringify(kept), createdAt);
    return { name, filter: kept as AuditFilter, createdAt };
  }

  deleteFilter(name: string): { removed: boolean } {
    return { removed: this.deps.cache.prepare('DELETE FROM audit_saved_filters WHERE name = ?').run(name).changes > 0 };
  }

  // ---- shared --------------------------------------------------------------------------------

  /** CSV of every matching event (the filter's `limit` and `beforeSeq` are paging settings and are not applied), newest first, at most TOTAL_CAP rows. */
  private async writeCsv(db: Db, source: string, stream: StreamId, filter: AuditFilter, o: FileOut): Promise<{ path: string; rows: number; sha256: string }> {
    const parts = [csvHeader()];
    let rows = 0;
    const { beforeSeq: _page, ...all } = filter;
    for (const e of iterateEvents(db, source, stream, all, TOTAL_CAP)) {
      parts.push(csvEvent(e));
      rows += 1;
    }
    const file = await writeOut(o.out, parts.join(''), o.overwrite);
    return { path: file.path, rows, sha256: file.sha256 };
  }

  private async writeReport(r: {
    db: Db;
    source: string;
    stream: StreamId;
    cluster: string;
    origin: string;
    range: Range;
    verification: Verification;
    generatedBy: string | null;
    o: Partial<FileOut>;
    signer?: string;
  }) {
    const range = { ...(r.range.since ? { since: r.range.since } : {}), ...(r.range.until ? { until: r.range.until } : {}) };
    const generatedAt = this.now().toISOString();
    const notable = notableEvents(r.db, r.source, r.stream, range, NOTABLE_MAX);
    const signers = [...new Set([...(r.signer ? [r.signer] : []), ...r.verification.signers])];
    const html = renderReport({
      stream: r.stream,
      tenant: tenantOfStream(r.stream),
      cluster: r.cluster,
      origin: r.origin,
      range: { since: r.range.since ?? null, until: r.range.until ?? null },
      counts: streamCounts(r.db, r.source, r.stream, range),
      refusals: notable.refusals,
      alerts: notable.alerts,
      verification: r.verification,
      signerFingerprints: signers,
      generatedAt,
      generatedBy: r.generatedBy,
    });
    const file = r.o.out ? await writeOut(r.o.out, html, r.o.overwrite ?? false) : null;
    return { stream: r.stream, generatedAt, html, file: file ? { path: file.path, sha256: file.sha256, bytes: file.bytes } : null };
  }
}
