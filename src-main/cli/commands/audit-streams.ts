import type { Verification } from '../../../src-shared/contract/audit';
import { AppError } from '../../app/errors';
import { command, need, str, type Command, type OptionSpec, type Values } from './util';

/** `csm audit …` commands of the audit streams part (issue 9 items 1 and 5). */
const liveOptions: OptionSpec = { cluster: { type: 'string' }, tenant: { type: 'string' } };
const live = (v: Values): { cluster: string; tenant?: string } => {
  const tenant = str(v, 'tenant');
  return { cluster: need(v, 'cluster'), ...(tenant !== undefined ? { tenant } : {}) };
};

export const streamVerificationText = (v: Verification): string =>
  [
    v.intact
      ? `INTACT: ${v.stream}, ${v.events} events (seq ${v.firstSeq ?? '-'}–${v.lastSeq ?? '-'}), ${v.batches} signed batches, head ${v.headHash ? `${v.headHash.slice(0, 16)}…` : '-'}`
      : `TAMPERED: ${v.stream}, ${v.problems.length} problem(s) in ${v.events} events`,
    ...v.problems.map((p) => `  ${p.kind}${p.seq !== null ? ` at seq ${p.seq}` : ''}${p.batch !== null ? ` (batch ${p.batch})` : ''}: ${p.message}`),
    `signed by: ${v.signers.length ? v.signers.join(', ') : 'no valid signer'}`,
  ].join('\n');

export const AUDIT_STREAMS_COMMANDS: Command[] = [
  command({
    words: ['audit', 'verify-stream'],
    usage: 'csm audit verify-stream --cluster NAME [--tenant ID] [--json]   (the stream as Cassandra holds it; exit 1 when tampered)',
    options: liveOptions,
    positionals: [],
    channel: 'audit.verify',
    input: async (v) => live(v),
    text: streamVerificationText,
    exitCode: (v) => (v.intact ? 0 : 1),
  }),
  command({
    words: ['audit', 'sync'],
    usage: 'csm audit sync --cluster NAME [--tenant ID] [--json]   (bring the local mirror of the stream up to date)',
    options: liveOptions,
    positionals: [],
    channel: 'audit.sync',
    input: async (v) => live(v),
    text: (r) => `${r.stream}: ${r.fetched} new event(s) mirrored, mirror at seq ${r.lastSeq ?? '-'}`,
  }),
  command({
    words: ['audit', 'prune'],
    usage: "csm audit prune --cluster NAME --tenant ID [--json]   (apply the tenant's retention behind a signed tombstone)",
    options: liveOptions,
    positionals: [],
    channel: 'audit.prune',
    input: async (v) => ({ cluster: need(v, 'cluster'), tenant: need(v, 'tenant') }),
    text: (r) =>
      r.pruned === 0
        ? `${r.stream}: nothing older than ${r.cutoff} (retention ${r.retentionDays} days) in whole signed batches; nothing pruned`
        : `${r.stream}: pruned ${r.pruned} event(s) older than ${r.cutoff} (retention ${r.retentionDays} days); tombstone at seq ${r.tombstoneSeq}`,
  }),
  command({
    words: ['audit', 'event'],
    usage: 'csm audit event --cluster NAME [--tenant ID] --seq N [--json]   (one event with its chain proof; exit 1 when the proof fails)',
    options: { ...liveOptions, seq: { type: 'string' } },
    positionals: [],
    channel: 'audit.event',
    input: async (v) => {
      const s = need(v, 'seq');
      if (!/^[1-9][0-9]{0,14}$/.test(s)) throw new AppError('BAD_INPUT', '--seq: a whole number from 1');
      return { ...live(v), seq: Number(s) };
    },
    text: (p) =>
      [
        `${p.event.stream} #${p.event.seq}  ${p.event.at}  ${p.event.type}  ${p.event.user ?? '-'}  ${p.event.outcome}${p.event.errorCode ? ` (${p.event.errorCode})` : ''}`,
        `  ${p.event.operation}`,
        `hash        ${p.event.hash}  ${p.hashMatches ? 'matches' : `DOES NOT MATCH (recomputed ${p.recomputedHash})`}`,
        `prev hash   ${p.event.prevHash}  ${p.linkMatches ? `links to #${p.previous?.seq ?? 'genesis'}` : p.previous ? `DOES NOT LINK to #${p.previous.seq} (${p.previous.hash})` : 'previous event not held (pruned, or the start of a pruned stream)'}`,
        p.batch ? `batch       #${p.batch.batch} seq ${p.batch.firstSeq}–${p.batch.lastSeq}, signer ${p.batch.signer.slice(0, 16)}…, signature ${p.batch.signatureValid ? 'valid' : 'INVALID'}` : 'batch       none covers this event (unsigned)',
        `canonical   ${p.canonical}`,
      ].join('\n'),
    exitCode: (p) => (p.hashMatches && (p.linkMatches || p.previous === null) && p.batch?.signatureValid ? 0 : 1),
  }),
];
