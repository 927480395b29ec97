import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { AuditEventView, AuditFilter, SnapshotInfo, Verification } from '../../../src-shared/contract/audit';
import { AppError } from '../../app/errors';
import { AUDIT_INGEST_COMMANDS } from './audit-ingest';
import { AUDIT_STREAMS_COMMANDS } from './audit-streams';
import { command, need, str, table, type Command, type OptionSpec, type Values } from './util';

/** `--since 2026-01-01T00:00:00Z`, or relative to now: `--since 24h`, `7d`, `30m`. */
export function whenOption(v: Values, k: string, now = Date.now()): string | undefined {
  const raw = str(v, k);
  if (raw === undefined) return undefined;
  const rel = /^([0-9]{1,6})([mhd])$/.exec(raw.trim());
  if (rel) return new Date(now - Number(rel[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[rel[2] as 'm' | 'h' | 'd']).toISOString();
  const t = Date.parse(raw);
  if (!/^\d{4}-\d{2}-\d{2}/.test(raw) || !Number.isFinite(t)) throw new AppError('BAD_INPUT', `--${k}: an ISO time (2026-01-31T12:00:00Z) or an age like 24h, 7d, 30m, not "${raw.slice(0, 40)}"`);
  return new Date(t).toISOString();
}

const path = (p: string): string => resolve(process.cwd(), p);
const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);
const opt = <T>(k: string, v: T | undefined): Record<string, T> => (v === undefined ? {} : { [k]: v });

const filterOptions: OptionSpec = {
  type: { type: 'string' }, category: { type: 'string' }, source: { type: 'string' }, user: { type: 'string' }, keyspace: { type: 'string' },
  outcome: { type: 'string' }, text: { type: 'string' }, since: { type: 'string' }, until: { type: 'string' }, limit: { type: 'string' }, before: { type: 'string' },
};
const FILTER_USAGE = '[--type T] [--category C] [--source console|cassandra|retention] [--user U] [--keyspace KS] [--outcome ok|error|refused] [--text WORDS] [--since TIME|24h] [--until TIME] [--limit N] [--before SEQ]';

const int = (v: Values, k: string): number | undefined => {
  const s = str(v, k);
  if (s === undefined) return undefined;
  if (!/^[0-9]{1,9}$/.test(s)) throw new AppError('BAD_INPUT', `--${k}: a whole number`);
  return Number(s);
};

/** The filter from options; zod on the channel checks the values. */
function filterFrom(v: Values): AuditFilter {
  return {
    ...opt('type', str(v, 'type')), ...opt('category', str(v, 'category')), ...opt('source', str(v, 'source')), ...opt('user', str(v, 'user')),
    ...opt('keyspace', str(v, 'keyspace')), ...opt('outcome', str(v, 'outcome')), ...opt('text', str(v, 'text')),
    ...opt('since', whenOption(v, 'since')), ...opt('until', whenOption(v, 'until')), limit: int(v, 'limit') ?? 200, ...opt('beforeSeq', int(v, 'before')),
  } as AuditFilter;
}

const live = (v: Values) => ({ cluster: need(v, 'cluster'), ...opt('tenant', str(v, 'tenant')) });
const liveOptions: OptionSpec = { cluster: { type: 'string' }, tenant: { type: 'string' } };

const pageText = (p: { stream: string; events: AuditEventView[]; total: number; totalCapped: boolean; nextBeforeSeq: number | null }): string =>
  [
    `${p.stream}: ${p.total}${p.totalCapped ? '+' : ''} matching events, newest first`,
    table([['seq', 'at', 'type', 'user', 'outcome', 'operation'], ...p.events.map((e) => [String(e.seq), e.at, e.type, e.user ?? '', e.outcome, e.operation.replace(/\s+/g, ' ').slice(0, 100)])]),
    ...(p.nextBeforeSeq !== null ? [`more: --before ${p.nextBeforeSeq}`] : []),
  ].join('\n');

export const verificationText = (v: Verification): string =>
  [
    v.intact ? `INTACT: ${v.stream}, ${v.events} events (seq ${v.firstSeq ?? '-'}–${v.lastSeq ?? '-'}), ${v.batches} signed batches` : `TAMPERED: ${v.stream}, ${v.problems.length} problem(s)`,
    ...v.problems.map((p) => `  ${p.kind}${p.seq !== null ? ` at seq ${p.seq}` : ''}${p.batch !== null ? ` (batch ${p.batch})` : ''}: ${p.message}`),
    `signed by: ${v.signers.length ? v.signers.join(', ') : 'no valid signer'}`,
    'compare the signer fingerprint with the one the tenant published (csm keys status), by another channel than this file',
  ].join('\n');

const snapshotLine = (s: SnapshotInfo): string[] => [s.id, s.stream, s.cluster, String(s.events), `${s.firstSeq ?? '-'}–${s.lastSeq ?? '-'}`, s.createdAt, s.verification.intact ? 'intact' : 'TAMPERED', s.signerFingerprint];

// --overwrite as `csm cert` spells it; --force kept as its alias.
const fileOut = (v: Values) => ({ out: path(need(v, 'out')), overwrite: v['overwrite'] === true || v['force'] === true });

/** `csm audit …` (issue 9): review commands here; streams and ingest parts keep their own tables. */
const AUDIT_REVIEW_COMMANDS: Command[] = [
  command({
    words: ['audit', 'query'],
    usage: `csm audit query --cluster C [--tenant ID] ${FILTER_USAGE} [--json]   (no --tenant: the platform stream)`,
    options: { ...liveOptions, ...filterOptions },
    positionals: [],
    channel: 'audit.query',
    input: async (v) => ({ ...live(v), filter: filterFrom(v) }),
    text: pageText,
  }),
  command({
    words: ['audit', 'csv'],
    usage: `csm audit csv --cluster C [--tenant ID] --out F [--overwrite] ${FILTER_USAGE} [--json]   (every matching event, up to 100,000)`,
    options: { ...liveOptions, ...filterOptions, out: { type: 'string' }, overwrite: { type: 'boolean' }, force: { type: 'boolean' } },
    positionals: [],
    channel: 'audit.csv',
    input: async (v) => ({ ...live(v), filter: filterFrom(v), ...fileOut(v) }),
    text: (r) => `wrote ${r.rows} events to ${r.path} (sha256 ${r.sha256})`,
  }),
  command({
    words: ['audit', 'export'],
    usage: 'csm audit export --cluster C --tenant ID --out F [--since TIME|7d] [--until TIME] [--overwrite] [--json]   (a signed snapshot file for offline review)',
    options: { ...liveOptions, out: { type: 'string' }, since: { type: 'string' }, until: { type: 'string' }, overwrite: { type: 'boolean' }, force: { type: 'boolean' } },
    positionals: [],
    channel: 'audit.export',
    input: async (v) => ({ cluster: need(v, 'cluster'), tenant: need(v, 'tenant'), ...opt('since', whenOption(v, 'since')), ...opt('until', whenOption(v, 'until')), ...fileOut(v) }),
    text: (r) => `wrote ${r.events} events of ${r.stream} to ${r.path}\nsha256 ${r.sha256}, ${r.bytes} bytes\nsigned by ${r.signerFingerprint} — give the auditor this fingerprint by another channel than the file`,
  }),
  command({
    words: ['audit', 'report'],
    usage: 'csm audit report --cluster C [--tenant ID] --out F.html [--since TIME] [--until TIME] [--overwrite] [--json]   (HTML; print it to PDF)',
    options: { ...liveOptions, out: { type: 'string' }, since: { type: 'string' }, until: { type: 'string' }, overwrite: { type: 'boolean' }, force: { type: 'boolean' } },
    positionals: [],
    channel: 'audit.report',
    input: async (v) => ({ ...live(v), ...opt('since', whenOption(v, 'since')), ...opt('until', whenOption(v, 'until')), ...fileOut(v) }),
    text: (r) => `compliance report of ${r.stream} written to ${r.file?.path ?? '(not written)'}${r.file ? ` (sha256 ${r.file.sha256})` : ''}`,
  }),
  command({
    words: ['audit', 'import'],
    usage: 'csm audit import FILE [--json]   (verified, then kept encrypted in this console; no network needed)',
    options: {},
    positionals: ['file'],
    channel: 'audit.import',
    input: async (_v, p) => ({ file: path(p.file!) }),
    text: (s) => `imported snapshot ${s.id}: ${s.stream} of ${s.cluster}, ${s.events} events (seq ${s.firstSeq ?? '-'}–${s.lastSeq ?? '-'}), exported ${s.createdAt} by ${s.createdBy}\n${verificationText(s.verification)}`,
  }),
  command({
    words: ['audit', 'verify'],
    usage: 'csm audit verify FILE|SNAPSHOT-ID [--json]   (exit 1 when anything was tampered with)',
    options: {},
    positionals: ['target'],
    channel: 'audit.verifySnapshot',
    // A path that exists is a file, even when its name is 32 hex digits (a snapshot saved under
    // its id in the current directory); only a 32-hex argument naming nothing is a snapshot id.
    input: async (_v, p) => (/^[0-9a-f]{32}$/.test(p.target!) && !(await exists(path(p.target!))) ? { snapshotId: p.target! } : { file: path(p.target!) }),
    text: verificationText,
    exitCode: (v) => (v.intact ? 0 : 1),
  }),
  command({
    words: ['audit', 'snapshots'],
    usage: 'csm audit snapshots [--json]',
    options: {},
    positionals: [],
    channel: 'audit.snapshots',
    input: async () => ({}),
    text: (l) => (l.length ? table([['id', 'stream', 'cluster', 'events', 'seq', 'created', 'status', 'signer'], ...l.map(snapshotLine)]) : 'no snapshots imported on this machine'),
  }),
  command({
    words: ['audit', 'snapshot-query'],
    usage: `csm audit snapshot-query SNAPSHOT-ID ${FILTER_USAGE} [--json]`,
    options: filterOptions,
    positionals: ['snapshot'],
    channel: 'audit.snapshotQuery',
    input: async (v, p) => ({ snapshotId: p.snapshot!, filter: filterFrom(v) }),
    text: pageText,
  }),
  command({
    words: ['audit', 'snapshot-event'],
    usage: 'csm audit snapshot-event SNAPSHOT-ID SEQ [--json]   (the event with its chain proof)',
    options: {},
    positionals: ['snapshot', 'seq'],
    channel: 'audit.snapshotEvent',
    input: async (_v, p) => {
      if (!/^[0-9]{1,15}$/.test(p.seq!)) throw new AppError('BAD_INPUT', 'SEQ: a whole number');
      return { snapshotId: p.snapshot!, seq: Number(p.seq) };
    },
    text: (r) =>
      [
        `seq ${r.event.seq} ${r.event.at} ${r.event.type} ${r.event.user ?? ''} ${r.event.outcome}: ${r.event.operation}`,
        `hash ${r.event.hash} ${r.hashMatches ? 'matches' : 'DOES NOT MATCH'} the recomputed ${r.recomputedHash}`,
        `link to ${r.previous ? `seq ${r.previous.seq}` : 'the start'}: ${r.linkMatches ? 'ok' : 'BROKEN'}`,
        r.batch ? `batch ${r.batch.batch} (seq ${r.batch.firstSeq}–${r.batch.lastSeq}) signed by ${r.batch.signer}: ${r.batch.signatureValid ? 'valid' : 'INVALID'}` : 'no batch covers it',
      ].join('\n'),
  }),
  command({
    words: ['audit', 'snapshot-report'],
    usage: 'csm audit snapshot-report SNAPSHOT-ID --out F.html [--overwrite] [--json]',
    options: { out: { type: 'string' }, overwrite: { type: 'boolean' }, force: { type: 'boolean' } },
    positionals: ['snapshot'],
    channel: 'audit.snapshotReport',
    input: async (v, p) => ({ snapshotId: p.snapshot!, ...fileOut(v) }),
    text: (r) => `compliance report of ${r.stream} written to ${r.file?.path ?? '(not written)'}`,
  }),
  command({
    words: ['audit', 'snapshot-csv'],
    usage: `csm audit snapshot-csv SNAPSHOT-ID --out F [--overwrite] ${FILTER_USAGE} [--json]`,
    options: { ...filterOptions, out: { type: 'string' }, overwrite: { type: 'boolean' }, force: { type: 'boolean' } },
    positionals: ['snapshot'],
    channel: 'audit.snapshotCsv',
    input: async (v, p) => ({ snapshotId: p.snapshot!, filter: filterFrom(v), ...fileOut(v) }),
    text: (r) => `wrote ${r.rows} events to ${r.path} (sha256 ${r.sha256})`,
  }),
  command({
    words: ['audit', 'remove-snapshot'],
    usage: 'csm audit remove-snapshot SNAPSHOT-ID [--json]',
    options: {},
    positionals: ['snapshot'],
    channel: 'audit.removeSnapshot',
    input: async (_v, p) => ({ snapshotId: p.snapshot! }),
    text: (r) => (r.removed ? 'removed' : 'no such snapshot'),
    exitCode: (r) => (r.removed ? 0 : 1),
  }),
  command({
    words: ['audit', 'filters'],
    usage: 'csm audit filters [--json]',
    options: {},
    positionals: [],
    channel: 'audit.filters',
    input: async () => ({}),
    text: (l) => (l.length ? l.map((f) => `${f.name}: ${JSON.stringify(f.filter)}`).join('\n') : 'no saved filters'),
  }),
  command({
    words: ['audit', 'save-filter'],
    usage: `csm audit save-filter NAME ${FILTER_USAGE} [--json]`,
    options: filterOptions,
    positionals: ['name'],
    channel: 'audit.saveFilter',
    input: async (v, p) => ({ name: p.name!, filter: filterFrom(v) }),
    text: (f) => `saved ${f.name}: ${JSON.stringify(f.filter)}`,
  }),
  command({
    words: ['audit', 'delete-filter'],
    usage: 'csm audit delete-filter NAME [--json]',
    options: {},
    positionals: ['name'],
    channel: 'audit.deleteFilter',
    input: async (_v, p) => ({ name: p.name! }),
    text: (r) => (r.removed ? 'deleted' : 'no such filter'),
    exitCode: (r) => (r.removed ? 0 : 1),
  }),
];

export const AUDIT_COMMANDS: Command[] = [...AUDIT_STREAMS_COMMANDS, ...AUDIT_INGEST_COMMANDS, ...AUDIT_REVIEW_COMMANDS];
