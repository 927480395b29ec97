import type { BackupStatus, Operation } from '../../../src-shared/contract/portability';
import { AppError } from '../../app/errors';
import { command, need, str, table, type CallFn, type Command, type Values } from './util';

const ref = { cluster: { type: 'string' as const }, tenant: { type: 'string' as const } };
const refInput = (v: Values) => ({ cluster: need(v, 'cluster'), tenant: need(v, 'tenant') });

/** After a job: the operation as recorded (its state, phase, report, error). */
const finished = (operationId: string, call: CallFn): Promise<Operation> => call('portability.result', { operationId });

const yes = (b: boolean | null): string => (b === null ? 'not measured' : b ? 'met' : 'MISSED');

export const statusText = (s: BackupStatus): string =>
  [
    `backups of ${s.tenant} on ${s.cluster}: every ${s.policy.everyHours ? `${s.policy.everyHours} h` : '— (not scheduled)'}, keep ${s.policy.keep}, ${s.policy.withData ? 'with data' : 'schema only'}`,
    `RPO ${s.policy.rpoMinutes} min: ${yes(s.rpo.met)}${s.rpo.newestAgeMinutes !== null ? ` (newest good backup ${s.rpo.newestAgeMinutes} min old)` : ' (no good backup)'}`,
    `RTO ${s.policy.rtoMinutes} min: ${yes(s.rto.met)}${s.rto.lastRestoreMinutes !== null ? ` (last restore/verify took ${s.rto.lastRestoreMinutes} min)` : ''}`,
    s.nextDueAt ? `next scheduled backup due ${s.nextDueAt}` : 'no scheduled backups',
    s.backups.length
      ? table([['ID', 'AT', 'TRIGGER', 'ROWS', 'BYTES', 'VERIFIED', 'SHA-256'], ...s.backups.map((b) => [b.id, b.at, b.trigger, String(b.rows), String(b.bytes), b.verified ? `${b.verified.ok ? 'ok' : 'FAILED'} ${b.verified.at}` : '—', b.sha256.slice(0, 16)])])
      : 'no backups',
  ].join('\n');

export const operationText = (o: Operation): string =>
  [
    `${o.kind} ${o.id}: ${o.state.toUpperCase()}${o.phase ? ` at ${o.phase}` : ''} — ${o.tenant} on ${o.cluster}${o.targetCluster && (o.targetCluster !== o.cluster || o.targetTenant !== o.tenant) ? ` → ${o.targetTenant ?? o.tenant} on ${o.targetCluster}` : ''}`,
    ...(o.path ? [`bundle ${o.path}${o.bytes !== null ? ` (${o.bytes} bytes, ${o.tables} tables, ${o.rows} rows)` : ''}`] : []),
    ...(o.report
      ? [
          `verification: ${o.report.ok ? 'OK' : 'DIFFERENCES'} — ${o.report.tables.filter((t) => t.ok).length}/${o.report.tables.length} tables equal, grants ${o.report.grantsEqual ? 'equal' : 'differ'}, config ${o.report.configEqual ? 'equal' : 'differs'}`,
          ...o.report.tables.filter((t) => !t.ok).map((t) => `  ${t.keyspace}.${t.table}: rows ${t.sourceRows ?? '?'} → ${t.targetRows ?? '?'}`),
          ...o.report.notes.map((n) => `  note: ${n}`),
        ]
      : []),
    ...(o.error ? [`error: ${o.error}`] : []),
  ].join('\n');

function int(v: Values, k: string): number {
  const raw = need(v, k).trim();
  if (!/^[0-9]{1,7}$/.test(raw)) throw new AppError('BAD_INPUT', `--${k}: a whole number, not "${raw.slice(0, 20)}"`);
  return Number(raw);
}

/** `--dc-map dc1=dcA,dc2=dcB` (or repeated --dc-map). */
export function dcMap(v: Values): Record<string, string> | undefined {
  const raw = v['dc-map'];
  const parts = (Array.isArray(raw) ? raw : typeof raw === 'string' ? [raw] : []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
  if (!parts.length) return undefined;
  const out: Record<string, string> = {};
  for (const p of parts) {
    const m = /^([^=\s]+)=([^=\s]+)$/.exec(p);
    if (!m) throw new AppError('BAD_INPUT', `--dc-map: SOURCE_DC=TARGET_DC pairs separated by commas, not "${p.slice(0, 40)}"`);
    if (out[m[1]!] !== undefined) throw new AppError('BAD_INPUT', `--dc-map: ${m[1]} mapped twice`);
    out[m[1]!] = m[2]!;
  }
  return out;
}

/** `csm backup …`, `csm tenant migrate`, `csm migration abort` (issue 11 items 3–4). Long work waits for its job. */
export const BACKUP_COMMANDS: Command[] = [
  command({
    words: ['backup', 'create'],
    usage: 'csm backup create --tenant ID --cluster C [--with-data | --no-data] [--json]',
    options: { ...ref, 'with-data': { type: 'boolean' }, 'no-data': { type: 'boolean' } },
    positionals: [],
    channel: 'backup.create',
    input: async (v) => {
      if (v['with-data'] === true && v['no-data'] === true) throw new AppError('BAD_INPUT', '--with-data and --no-data contradict each other');
      return { ...refInput(v), ...(v['with-data'] === true ? { withData: true } : v['no-data'] === true ? { withData: false } : {}) };
    },
    waitFor: (r) => r.jobId,
    after: (r, call) => finished(r.operationId, call),
    text: (o) => operationText(o as unknown as Operation),
  }),
  command({
    words: ['backup', 'list'],
    usage: 'csm backup list --tenant ID --cluster C [--json]',
    options: ref,
    positionals: [],
    channel: 'backup.list',
    input: async (v) => refInput(v),
    text: statusText,
  }),
  command({
    words: ['backup', 'policy'],
    usage: 'csm backup policy --tenant ID --cluster C --every-hours N --keep N --rpo-minutes N --rto-minutes N [--no-data] [--json]',
    options: { ...ref, 'every-hours': { type: 'string' }, keep: { type: 'string' }, 'rpo-minutes': { type: 'string' }, 'rto-minutes': { type: 'string' }, 'no-data': { type: 'boolean' } },
    positionals: [],
    channel: 'backup.setPolicy',
    input: async (v) => ({
      ...refInput(v),
      policy: { everyHours: int(v, 'every-hours'), keep: int(v, 'keep'), rpoMinutes: int(v, 'rpo-minutes'), rtoMinutes: int(v, 'rto-minutes'), withData: v['no-data'] !== true },
    }),
    text: statusText,
  }),
  command({
    words: ['backup', 'restore'],
    usage: 'csm backup restore --tenant ID --cluster C --backup BACKUP_ID (--confirm ID | --into NEW_ID) [--json]',
    options: { ...ref, backup: { type: 'string' }, confirm: { type: 'string' }, into: { type: 'string' } },
    positionals: [],
    channel: 'backup.restore',
    input: async (v) => {
      const confirm = str(v, 'confirm');
      const into = str(v, 'into');
      if ((confirm === undefined) === (into === undefined)) throw new AppError('BAD_INPUT', 'say where: --confirm ID (replace the tenant’s own data) or --into NEW_ID (a new tenant)');
      return { ...refInput(v), backupId: need(v, 'backup'), into: confirm !== undefined ? { kind: 'same' as const, confirm } : { kind: 'new' as const, tenant: into! } };
    },
    waitFor: (r) => r.jobId,
    after: (r, call) => finished(r.operationId, call),
    text: (o) => operationText(o as unknown as Operation),
  }),
  command({
    words: ['backup', 'verify'],
    usage: 'csm backup verify --tenant ID --cluster C --backup BACKUP_ID [--json]',
    options: { ...ref, backup: { type: 'string' } },
    positionals: [],
    channel: 'backup.verify',
    input: async (v) => ({ ...refInput(v), backupId: need(v, 'backup') }),
    waitFor: (r) => r.jobId,
    after: (r, call) => finished(r.operationId, call),
    text: (o) => operationText(o as unknown as Operation),
  }),
  command({
    words: ['tenant', 'migrate'],
    usage: 'csm tenant migrate ID --cluster C --to CLUSTER [--dc-map SRC=DST,…] [--json]',
    options: { cluster: { type: 'string' }, to: { type: 'string' }, 'dc-map': { type: 'string', multiple: true } },
    positionals: ['id'],
    channel: 'tenant.migrate',
    input: async (v, p) => {
      const map = dcMap(v);
      return { cluster: need(v, 'cluster'), tenant: p.id!, to: need(v, 'to'), ...(map ? { dcMap: map } : {}) };
    },
    waitFor: (r) => r.jobId,
    after: (r, call) => finished(r.operationId, call),
    text: (o) => operationText(o as unknown as Operation),
  }),
  // Also lifts the 'restore' write freeze a crashed restore in place left (give the restore's operation id, on the console that ran it).
  // A migration another console ran is found in csm_system.tenant_moves of --cluster: one whose console
  // stopped heartbeating (60 s) is recovered here; a live one is asked to abort (exit 1, CONFLICT).
  // The target cluster is signed in to with its stored credentials.
  command({
    words: ['migration', 'abort'],
    usage: 'csm migration abort OPERATION_ID --cluster C [--json]',
    options: { cluster: { type: 'string' } },
    positionals: ['operation'],
    channel: 'migration.abort',
    input: async (v, p) => ({ cluster: need(v, 'cluster'), operationId: p.operation! }),
    text: operationText,
    exitCode: (o) => (o.state === 'aborted' ? 0 : 1),
  }),
];
