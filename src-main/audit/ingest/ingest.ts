import { createHash } from 'node:crypto';
import type { IngestReport } from '../../../src-shared/contract/audit';
import { AppError } from '../../app/errors';
import type { JsonValue } from '../../store/json';
import { streamOf, tenantOfStream, type AuditStreamsPort, type NewAuditEvent, type StreamId } from '../types';
import { BurstDetector, type Burst } from './alerts';
import { attribute, type Attribution, type TenantDirectory } from './attribute';
import { isAuditRecord, parseMessage, RecordAssembler, type AuditFields, type Malformed, type RawRecord } from './parse';
import { openSource, type AuditSource, type OpenedSource } from './reader';

/**
 * The ingest run (issue 9, item 2): sources → lines → records → events → streams, with resume
 * offsets, alerts and a report. Everything outside (the streams, the offsets table, the bus, the
 * job) comes in through IngestOptions, so the unit tests drive it with fakes and the handler with
 * the real parts.
 *
 * Idempotency: an event's key is a hash of the node that logged it, the file's identity (its
 * first line), the record's line number and the record's bytes. The same record read from the
 * live file, its rotated zip or a copy gets the same key; the streams drop a key they hold
 * (counted as duplicates). Resume: after every flush the file's offset (the start of the first
 * record not yet appended) is stored under (cluster, file id); the next run seeks there. A run
 * killed between an append and the offset write re-reads a few records, and the keys drop them.
 */

export interface OffsetStore {
  get(cluster: string, fileId: string): { offset: number; line: number } | null;
  put(cluster: string, fileId: string, path: string, offset: number, line: number): void;
}

export interface IngestAlert {
  at: string;
  tenant: string | null;
  message: string;
}

export interface IngestOptions {
  cluster: string;
  streams: Pick<AuditStreamsPort, 'append'>;
  offsets: OffsetStore;
  directory: TenantDirectory;
  signal?: AbortSignal;
  /** Throttled progress: fraction of the input bytes read. */
  progress?(fraction: number, message: string): void;
  /** Each new alert (one per alert in the report; the caller caps what it shows). */
  alert?(a: IngestAlert): void;
  /** Events (over all streams) held before they are appended. */
  batchSize?: number;
  burst?: { threshold: number; windowMs: number };
  /**
   * A tenant stream refused an append: is the tenant still one with a stream? (It may have been
   * deleted since the run read the registry.) When not, its events go to the platform stream,
   * flagged `tenantGone`, instead of failing the run.
   */
  tenantGone?(tenant: string): Promise<boolean>;
}

const MALFORMED_LISTED = 100;

export const eventKey = (node: string, fileId: string, lineNo: number, text: string): string =>
  createHash('sha256').update(`${node}\n${fileId}\n${lineNo}\n`).update(text).digest('hex').slice(0, 32);

const alertKey = (kind: string, eventKey: string): string => createHash('sha256').update(`alert\n${kind}\n${eventKey}`).digest('hex').slice(0, 32);

/** The event a parsed record becomes (one per stream it is attributed to, same key). */
export function toEvent(f: AuditFields, a: Attribution, rec: { lineNo: number; thread: string; level: string; loggedAt: string }, fileId: string, key: string): NewAuditEvent {
  const detail: { [k: string]: JsonValue } = {
    node: f.host,
    source: f.source,
    port: f.port,
    timestamp: f.timestamp,
    thread: rec.thread,
    level: rec.level,
    loggedAt: rec.loggedAt,
    file: fileId,
    line: rec.lineNo,
  };
  if (f.rawCategory) detail.category = f.rawCategory;
  if (f.batch) detail.batch = f.batch;
  if (f.ks) detail.ks = f.ks;
  if (f.scope) detail.scope = f.scope;
  if (f.error !== null) detail.error = f.error;
  if (f.attemptedUser) detail.attemptedUser = f.attemptedUser;
  if (Object.keys(f.extra).length > 0) detail.extra = f.extra;
  if (a.actorTenant) detail.actorTenant = a.actorTenant;
  if (a.targetTenants.length > 0) detail.targetTenants = a.targetTenants;
  if (a.crossTenant) detail.crossTenant = true;
  if (a.unknownTenantNames.length > 0) detail.unknownTenantNames = a.unknownTenantNames;
  return {
    at: new Date(f.timestamp).toISOString(),
    source: 'cassandra',
    type: f.type,
    category: f.category,
    user: f.user,
    keyspace: a.keyspace,
    scope: f.scope,
    operation: f.operation,
    outcome: f.type === 'UNAUTHORIZED_ATTEMPT' ? 'refused' : f.failure ? 'error' : 'ok',
    errorCode: f.failure ? f.type : null,
    origin: f.host,
    detail,
    key,
  };
}

type AlertKind = IngestReport['alerts'][number]['kind'];
interface PendingAlert {
  group: string;
  kind: AlertKind;
  stream: StreamId;
  user: string | null;
  atMs: number;
  event: NewAuditEvent;
  streams: StreamId[];
  describe(count: number): string;
}

/** An error from the streams (Cassandra): stops the run; reading errors do not. */
class SinkError extends Error {
  constructor(readonly inner: unknown) {
    super('append failed');
  }
}

export async function ingestSources(sources: readonly AuditSource[], opts: IngestOptions): Promise<IngestReport> {
  const t0 = performance.now();
  const batchSize = opts.batchSize ?? 2000;
  const bursts = new BurstDetector(opts.burst?.threshold ?? 5, opts.burst?.windowMs ?? 60_000);
  const report: IngestReport = { cluster: opts.cluster, files: [], linesRead: 0, ingested: 0, duplicates: 0, malformed: { count: 0, first: [] }, perStream: {}, alerts: [], undelivered: [], cancelled: false, seconds: 0 };
  const alertsByGroup = new Map<string, IngestReport['alerts'][number] & { describe(count: number): string }>();
  let totalBytes = sources.reduce((n, s) => n + s.size, 0);
  let readBytes = 0;
  let lastProgress = 0;
  let maxAtMs = 0;
  const aborted = (): boolean => opts.signal?.aborted === true;
  const progress = (force = false): void => {
    const now = performance.now();
    if (!opts.progress || (!force && now - lastProgress < 200)) return;
    lastProgress = now;
    opts.progress(totalBytes > 0 ? Math.min(1, readBytes / totalBytes) : 1, `${report.linesRead.toLocaleString('en-US')} lines, ${report.ingested.toLocaleString('en-US')} events`);
  };

  const pending = new Map<StreamId, NewAuditEvent[]>();
  let pendingCount = 0;
  let pendingAlerts: PendingAlert[] = [];

  const malformed = (file: IngestReport['files'][number], m: Malformed): void => {
    file.malformed += 1;
    report.malformed.count += 1;
    if (report.malformed.first.length < MALFORMED_LISTED) report.malformed.first.push({ file: file.path, line: m.line, reason: m.reason });
  };

  const undelivered = new Map<StreamId, NonNullable<IngestReport['undelivered']>[number]>();
  /**
   * Why a tenant stream's append failure should divert its events to the platform stream instead
   * of stopping the run (null: stop). A deleted tenant, or a stream this console cannot write
   * (no signing key here, another installation's keys, no table: NOT_FOUND, FORBIDDEN, BAD_INPUT,
   * CONFLICT twice). Transient errors (UNAVAILABLE, TIMEOUT, anything not an AppError) stop the
   * run; the next run resumes and retries them.
   */
  const undeliverable = async (tenant: string, err: unknown): Promise<{ gone: boolean; reason: string } | null> => {
    const inner = err instanceof SinkError ? err.inner : err;
    if (opts.tenantGone && (await opts.tenantGone(tenant).catch(() => false))) return { gone: true, reason: `tenant ${tenant} was deleted` };
    if (inner instanceof AppError && ['NOT_FOUND', 'FORBIDDEN', 'BAD_INPUT', 'CONFLICT'].includes(inner.code)) return { gone: false, reason: `${inner.code}: ${inner.message}` };
    return null;
  };
  /**
   * CONFLICT is both "the stream head kept moving" (transient: the streams already retried many
   * times) and "this tenant's keys are another installation's" (permanent). Once more, then it
   * counts as permanent for this run.
   */
  const appendRetryingConflict = async (stream: StreamId, events: NewAuditEvent[]): Promise<{ appended: number; duplicates: number }> => {
    try {
      return await append(stream, events);
    } catch (e) {
      const inner = e instanceof SinkError ? e.inner : e;
      if (!(inner instanceof AppError) || inner.code !== 'CONFLICT' || !tenantOfStream(stream)) throw e;
      return append(stream, events);
    }
  };

  const append = async (stream: StreamId, events: NewAuditEvent[]): Promise<{ appended: number; duplicates: number }> => {
    try {
      return await opts.streams.append(opts.cluster, stream, events);
    } catch (e) {
      throw new SinkError(e);
    }
  };

  const burstAlert = (b: Burst): PendingAlert => {
    const tenant = tenantOfStream(b.stream);
    const at = new Date(b.firstMs).toISOString();
    const who = b.user ?? 'an unnamed user';
    return {
      group: `burst|${b.firstEventKey}`,
      kind: 'login-error-burst',
      stream: b.stream,
      user: b.user,
      atMs: b.lastMs,
      streams: tenant ? ['platform', b.stream] : ['platform'],
      describe: () => `${b.count} failed logins as ${who} from ${b.source} within ${Math.round((b.lastMs - b.firstMs) / 1000)} s`,
      event: {
        at,
        source: 'cassandra',
        type: 'SECURITY_ALERT',
        category: 'AUTH',
        user: b.user,
        keyspace: null,
        scope: null,
        operation: `LOGIN_ERROR burst: ${b.count} failed logins as ${who} from ${b.source} between ${at} and ${new Date(b.lastMs).toISOString()}`,
        outcome: 'error',
        errorCode: 'LOGIN_ERROR_BURST',
        origin: b.node,
        detail: { kind: 'login-error-burst', user: b.user, source: b.source, count: b.count, first: at, last: new Date(b.lastMs).toISOString(), firstEvent: b.firstEventKey },
        key: alertKey('login-error-burst', b.firstEventKey),
      },
    };
  };

  const flushAlerts = async (final: boolean): Promise<void> => {
    for (const b of final ? bursts.drain() : bursts.drain(maxAtMs)) pendingAlerts.push(burstAlert(b));
    if (pendingAlerts.length === 0) return;
    const groups = new Map<string, PendingAlert[]>();
    for (const a of pendingAlerts) {
      const g = groups.get(a.group);
      if (g) g.push(a);
      else groups.set(a.group, [a]);
    }
    pendingAlerts = [];
    for (const [group, list] of groups) {
      const head = list[0]!;
      // The platform copy decides whether the alert is new: an alert whose events the platform
      // stream already holds was raised by an earlier run.
      const r = await append('platform', list.map((a) => a.event));
      for (const s of head.streams) {
        if (s === 'platform') continue;
        try {
          await append(s, list.map((a) => a.event));
        } catch (e) {
          const tenant = tenantOfStream(s);
          // the platform copy holds the alert; a tenant stream that cannot take it is skipped
          if (!tenant || !(await undeliverable(tenant, e))) throw e;
        }
      }
      if (r.appended === 0) continue;
      const count = head.kind === 'login-error-burst' ? Number((head.event.detail as { count: number }).count) : r.appended;
      const first = new Date(Math.min(...list.map((a) => Date.parse(a.event.at)))).toISOString();
      const last = new Date(Math.max(...list.map((a) => a.atMs))).toISOString();
      const key = head.kind === 'login-error-burst' ? group : `${head.kind}|${head.stream}|${head.user ?? ''}`;
      const prev = alertsByGroup.get(key);
      if (prev) {
        prev.count += count;
        prev.first = prev.first < first ? prev.first : first;
        prev.last = prev.last > last ? prev.last : last;
        prev.message = head.describe(prev.count);
      } else {
        alertsByGroup.set(key, { kind: head.kind, stream: head.stream, user: head.user, count, first, last, message: head.describe(count), describe: head.describe });
      }
    }
  };

  const flush = async (file: IngestReport['files'][number], opened: OpenedSource, resume: { offset: number; line: number } | null): Promise<void> => {
    const gone: NewAuditEvent[] = [];
    for (const stream of [...pending.keys()].sort()) {
      const events = pending.get(stream)!;
      const tenant = tenantOfStream(stream);
      let r: { appended: number; duplicates: number };
      try {
        r = await appendRetryingConflict(stream, events);
      } catch (e) {
        const why = tenant ? await undeliverable(tenant, e) : null;
        if (!why) throw e;
        const flag: { [k: string]: JsonValue } = why.gone ? { tenantGone: tenant } : { undeliveredTo: tenant, undeliveredReason: why.reason };
        gone.push(...events.map((ev) => ({ ...ev, detail: { ...(ev.detail as { [k: string]: JsonValue }), ...flag } })));
        const u = undelivered.get(stream);
        if (u) u.events += events.length;
        else undelivered.set(stream, { stream, events: events.length, reason: why.reason });
        continue;
      }
      file.ingested += r.appended;
      file.duplicates += r.duplicates;
      report.ingested += r.appended;
      report.duplicates += r.duplicates;
      report.perStream[stream] = (report.perStream[stream] ?? 0) + r.appended;
    }
    if (gone.length > 0) {
      const r = await append('platform', gone);
      file.ingested += r.appended;
      file.duplicates += r.duplicates;
      report.ingested += r.appended;
      report.duplicates += r.duplicates;
      report.perStream.platform = (report.perStream.platform ?? 0) + r.appended;
    }
    pending.clear();
    pendingCount = 0;
    await flushAlerts(false);
    if (resume && opened.fileId) opts.offsets.put(opts.cluster, opened.fileId, opened.source.path, resume.offset, resume.line);
  };

  /**
   * The last record of the current file that was not suspect (see RawRecord.suspect): the streams
   * its event went to and its user. A suspect record goes only there and to the platform stream.
   */
  let trusted: { streams: StreamId[]; user: string | null; line: number } | null = null;

  const processRecord = (rec: RawRecord, opened: OpenedSource, file: IngestReport['files'][number]): void => {
    const enclosing = trusted;
    if (!rec.suspect) trusted = { streams: [], user: null, line: rec.lineNo };
    if (!isAuditRecord(rec.header)) return;
    const parsed = parseMessage(rec.header.message);
    if (!parsed.ok) {
      malformed(file, { line: rec.lineNo, reason: parsed.reason });
      return;
    }
    const f = parsed.fields;
    const key = eventKey(f.host, opened.fileId!, rec.lineNo, rec.text);
    const recInfo = { lineNo: rec.lineNo, thread: rec.header.thread, level: rec.header.level, loggedAt: rec.header.loggedAt };
    maxAtMs = Math.max(maxAtMs, f.timestamp);
    if (rec.suspect) {
      suspectRecord(f, key, recInfo, opened.fileId!, enclosing);
      return;
    }
    const a = attribute(opts.directory, f);
    trusted = { streams: a.streams, user: f.user, line: rec.lineNo };
    const event = toEvent(f, a, recInfo, opened.fileId!, key);
    for (const s of a.streams) {
      const list = pending.get(s);
      if (list) list.push(event);
      else pending.set(s, [event]);
      pendingCount += 1;
    }
    if (a.crossTenant && a.actorTenant) {
      for (const target of a.targetTenants.filter((t) => t !== a.actorTenant)) {
        const refused = f.type === 'UNAUTHORIZED_ATTEMPT' || f.failure;
        const stream = streamOf(target);
        const actor = a.actorTenant;
        const user = f.user;
        pendingAlerts.push({
          group: `cross|${stream}|${user ?? ''}`,
          kind: 'cross-tenant-attempt',
          stream,
          user,
          atMs: f.timestamp,
          streams: ['platform', stream],
          describe: (count) =>
            refused
              ? `${user ?? 'a user'} of tenant ${actor} was refused on tenant ${target}'s objects (${count} attempt${count === 1 ? '' : 's'})`
              : `${user ?? 'a user'} of tenant ${actor} reached tenant ${target}'s objects (${count} statement${count === 1 ? '' : 's'}): isolation breach`,
          event: {
            ...event,
            type: 'SECURITY_ALERT',
            category: 'AUTH',
            operation: `Cross-tenant ${refused ? 'attempt' : 'access'}: ${user ?? 'a user'} (tenant ${actor}) → tenant ${target}: ${f.type} ${f.operation}`,
            errorCode: 'CROSS_TENANT_ATTEMPT',
            detail: { kind: 'cross-tenant-attempt', actorTenant: actor, targetTenant: target, eventType: f.type, event: key },
            key: alertKey(`cross-tenant-attempt:${target}`, key),
          },
        });
      }
    }
    if (f.type === 'LOGIN_ERROR') {
      bursts.push({ user: f.attemptedUser ?? f.user, source: f.source, atMs: f.timestamp, eventKey: key, stream: a.streams.find((s) => s !== 'platform') ?? 'platform', node: f.host });
    }
  };

  /**
   * A record whose header followed continuation lines (a log without escaping): possibly text of
   * the enclosing record's statement. It is not attributed to the user, keyspace or role it names:
   * it goes to the enclosing record's streams and the platform stream, marked suspect, with an
   * alert; it raises no cross-tenant or login alerts of its own.
   */
  const suspectRecord = (f: AuditFields, key: string, rec: { lineNo: number; thread: string; level: string; loggedAt: string }, fileId: string, enclosing: typeof trusted): void => {
    const tenantStreams = (enclosing?.streams ?? []).filter((s) => s !== 'platform');
    const streams: StreamId[] = [...tenantStreams, 'platform'];
    const a: Attribution = { streams, actorTenant: null, targetTenants: [], crossTenant: false, keyspace: f.ks, targetRole: null, unknownTenantNames: [] };
    const base = toEvent(f, a, rec, fileId, key);
    const event: NewAuditEvent = { ...base, detail: { ...(base.detail as { [k: string]: JsonValue }), suspect: true, enclosingLine: enclosing?.line ?? null, enclosingUser: enclosing?.user ?? null } };
    for (const s of streams) {
      const list = pending.get(s);
      if (list) list.push(event);
      else pending.set(s, [event]);
      pendingCount += 1;
    }
    const stream = tenantStreams[0] ?? 'platform';
    const by = enclosing?.user ?? null;
    pendingAlerts.push({
      group: `forged|${stream}|${by ?? ''}`,
      kind: 'forged-record-suspected',
      stream,
      user: by,
      atMs: f.timestamp,
      streams: ['platform', ...tenantStreams],
      describe: (count) =>
        `${count} record${count === 1 ? '' : 's'} that may be forged inside the statement text of ${by ?? 'an unknown user'}${enclosing ? ` (record at line ${enclosing.line})` : ''}; the audit log is not escaped — use the escaping audit appender pattern`,
      event: {
        ...event,
        type: 'SECURITY_ALERT',
        category: 'AUTH',
        user: by,
        operation: `Possibly forged audit record (claims user ${f.user ?? 'null'}, ${f.type}) inside the statement of ${by ?? 'an unknown user'}: ${f.operation}`,
        outcome: 'error',
        errorCode: 'FORGED_RECORD_SUSPECTED',
        detail: { kind: 'forged-record-suspected', claimedUser: f.user, claimedType: f.type, enclosingUser: by, enclosingLine: enclosing?.line ?? null, event: key },
        key: alertKey('forged-record-suspected', key),
      },
    });
  };

  try {
    for (const source of sources) {
      if (aborted()) {
        report.cancelled = true;
        break;
      }
      let openedList: OpenedSource[];
      try {
        openedList = await openSource(source);
      } catch (e) {
        const file = { path: source.path, lines: 0, ingested: 0, duplicates: 0, malformed: 0, resumedAt: 0 };
        report.files.push(file);
        malformed(file, { line: 0, reason: e instanceof AppError ? e.message : 'cannot read the file' });
        readBytes += source.size;
        continue;
      }
      for (const opened of openedList) {
        const file = { path: opened.source.path, lines: 0, ingested: 0, duplicates: 0, malformed: 0, resumedAt: 0 };
        report.files.push(file);
        if (!opened.fileId) {
          readBytes += opened.source.size;
          continue;
        }
        let offset = 0;
        let lineNo = 1;
        const stored = opts.offsets.get(opts.cluster, opened.fileId);
        if (stored && stored.offset > 0 && (opened.length === null || stored.offset <= opened.length)) {
          offset = stored.offset;
          lineNo = stored.line;
          file.resumedAt = stored.line;
          if (opened.source.kind === 'plain') totalBytes -= Math.min(offset, opened.source.size);
        }
        trusted = null;
        const records: RawRecord[] = [];
        const asm = new RecordAssembler(
          (r) => records.push(r),
          (m) => malformed(file, m),
        );
        let lastEnd = offset;
        let nextLine = lineNo;
        const drain = (): void => {
          for (const r of records) processRecord(r, opened, file);
          records.length = 0;
        };
        try {
          reading: for await (const batch of opened.lines(offset, lineNo, (n) => (readBytes += n))) {
            for (const l of batch) {
              asm.push(l);
              lastEnd = l.end;
              nextLine = l.lineNo + 1;
              file.lines += 1;
              report.linesRead += 1;
              if (records.length > 0) drain();
              if (pendingCount >= batchSize) {
                await flush(file, opened, { offset: asm.pendingStart ?? lastEnd, line: asm.pendingLine ?? nextLine });
                progress();
                if (aborted()) {
                  report.cancelled = true;
                  break reading;
                }
              }
            }
            progress();
            if (aborted()) {
              report.cancelled = true;
              break;
            }
          }
        } catch (e) {
          if (e instanceof SinkError) throw e;
          malformed(file, { line: nextLine, reason: e instanceof AppError ? e.message : `read failed: ${e instanceof Error ? e.message : 'error'}` });
        }
        if (report.cancelled) {
          // keep what was read: append it and store where the open record starts
          drain();
          await flush(file, opened, { offset: asm.pendingStart ?? lastEnd, line: asm.pendingLine ?? nextLine });
          break;
        }
        asm.flush();
        drain();
        await flush(file, opened, { offset: lastEnd, line: nextLine });
        progress(true);
      }
      if (report.cancelled) break;
    }
    await flushAlerts(true);
  } catch (e) {
    if (e instanceof SinkError) throw e.inner;
    throw e;
  }

  report.undelivered = [...undelivered.values()];
  report.alerts = [...alertsByGroup.values()].map(({ describe: _d, ...a }) => a);
  for (const a of report.alerts) opts.alert?.({ at: a.last, tenant: tenantOfStream(a.stream), message: `audit ingest (${opts.cluster}): ${a.kind}: ${a.message}` });
  report.seconds = Math.round(performance.now() - t0) / 1000;
  return report;
}
