import { resolve } from 'node:path';
import type { IngestReport } from '../../../src-shared/contract/audit';
import { AppError } from '../../app/errors';
import { command, list, need, table, type Command } from './util';

export const ingestReportText = (r: IngestReport): string =>
  [
    `${r.cancelled ? 'CANCELLED (run again to resume): ' : ''}ingested ${r.ingested} events into ${r.cluster} from ${r.linesRead} lines in ${r.seconds} s — ${r.duplicates} duplicates, ${r.malformed.count} malformed`,
    ...(Object.keys(r.perStream).length
      ? [
          table([
            ['STREAM', 'EVENTS'],
            ...Object.entries(r.perStream)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([s, n]) => [s, String(n)]),
          ]),
        ]
      : []),
    ...(r.files.length
      ? [
          table([
            ['FILE', 'LINES', 'INGESTED', 'DUPLICATES', 'MALFORMED', 'RESUMED AT LINE'],
            ...r.files.map((f) => [f.path, String(f.lines), String(f.ingested), String(f.duplicates), String(f.malformed), f.resumedAt ? String(f.resumedAt) : '-']),
          ]),
        ]
      : []),
    ...r.malformed.first.map((m) => `malformed: ${m.file}:${m.line}: ${m.reason}`),
    ...(r.malformed.count > r.malformed.first.length ? [`… and ${r.malformed.count - r.malformed.first.length} more malformed lines`] : []),
    ...(r.undelivered ?? []).map((u) => `undelivered: ${u.events} events of ${u.stream} went to the platform stream (${u.reason})`),
    ...(r.alerts.length ? [`${r.alerts.length} security alert${r.alerts.length === 1 ? '' : 's'}:`] : []),
    ...r.alerts.map((a) => `  [${a.kind}] ${a.stream}: ${a.message} (${a.first} … ${a.last})`),
  ].join('\n');

/** `csm audit …` commands of the audit ingest part (issue 9). */
export const AUDIT_INGEST_COMMANDS: Command[] = [
  command({
    words: ['audit', 'ingest'],
    usage: 'csm audit ingest --cluster NAME (--file PATH… | --dir DIR…) [--json]   (exit 1 when cancelled)',
    options: { cluster: { type: 'string' }, file: { type: 'string', multiple: true }, dir: { type: 'string', multiple: true } },
    positionals: [],
    channel: 'audit.ingest',
    input: async (v) => {
      const files = list(v, 'file').map((p) => resolve(p));
      const dirs = list(v, 'dir').map((p) => resolve(p));
      if (files.length + dirs.length === 0) throw new AppError('BAD_INPUT', 'name at least one --file or --dir');
      return { cluster: need(v, 'cluster'), files, dirs };
    },
    text: ingestReportText,
    exitCode: (r) => (r.cancelled ? 1 : 0),
  }),
];
