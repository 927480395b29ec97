import { OPERATION_KINDS, type BundleInfo, type Operation } from '../../../src-shared/contract/portability';
import { AppError } from '../../app/errors';
import { command, need, str, table, type Command, type CommandIO, type Values } from './util';

/**
 * `csm tenant export|import|inspect-bundle`, `csm operation show|list` (issue 11). Passphrases
 * come from stdin only (--passphrase-stdin), never from argv; without one an export is wrapped
 * to this installation's master key. Export and import wait for their job and print the
 * operation record (exit 1 when it failed).
 */

const passphrase = async (v: Values, io: CommandIO): Promise<{ passphrase?: string }> =>
  v['passphrase-stdin'] === true ? { passphrase: await io.secret('bundle passphrase', true) } : {};

export function parseDcMap(text: string | undefined): Record<string, string> | undefined {
  if (text === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([^=\s]+)=([^=\s]+)$/.exec(part);
    if (!m) throw new AppError('BAD_INPUT', `--dc-map: expected source=target pairs separated by commas, not ${JSON.stringify(part.slice(0, 40))}`);
    if (out[m[1]!] !== undefined) throw new AppError('BAD_INPUT', `--dc-map: ${m[1]} is mapped twice`);
    out[m[1]!] = m[2]!;
  }
  if (Object.keys(out).length === 0) throw new AppError('BAD_INPUT', '--dc-map: no pairs given');
  return out;
}

const mb = (b: number | null): string => (b === null ? '?' : `${(b / 1024 / 1024).toFixed(2)} MiB`);

export const operationText = (o: Operation): string =>
  [
    `${o.kind} ${o.id}: ${o.state.toUpperCase()}${o.phase ? ` (${o.phase})` : ''}`,
    `  tenant ${o.tenant} on ${o.cluster}${o.targetCluster ? ` → ${o.targetTenant ?? o.tenant} on ${o.targetCluster}` : ''}`,
    `  started ${o.startedAt}${o.endedAt ? `, ended ${o.endedAt}` : ''}${o.jobId ? `, job ${o.jobId}` : ''}`,
    ...(o.path ? [`  file ${o.path}${o.bytes !== null ? ` (${mb(o.bytes)})` : ''}`] : []),
    ...(o.sha256 ? [`  sha256 ${o.sha256}`] : []),
    `  ${o.tables} tables, ${o.rows} rows`,
    ...(o.error ? [`  error: ${o.error}`] : []),
    ...(o.state === 'interrupted' && o.kind === 'export' ? ['  the process running it is gone: run the same export with --resume to continue'] : []),
    ...(o.recordedIn === 'cluster' ? [`  recorded in csm_system of ${o.cluster} (run by another console${o.startedBy ? ` as ${o.startedBy}` : ''}${o.heartbeatAt && (o.state === 'running' || o.state === 'paused') ? `, last heartbeat ${o.heartbeatAt}` : ''})`] : []),
    ...(o.kind === 'migrate' && (o.state === 'paused' || o.state === 'interrupted') && o.phase !== 'cleanup' && o.phase !== 'done' ? [`  nothing runs it and the source's writes stay paused: csm migration abort ${o.id} --cluster ${o.cluster} gives them back`] : []),
    ...(o.report
      ? [
          `  verification: ${o.report.ok ? 'OK' : 'MISMATCH'} — grants ${o.report.grantsEqual ? 'equal' : 'differ'}, config ${o.report.configEqual ? 'equal' : 'differs'}, certificates ${o.report.certificates.source}/${o.report.certificates.target}`,
          table([['KEYSPACE', 'TABLE', 'SOURCE ROWS', 'TARGET ROWS', 'DIGESTS', 'OK'], ...o.report.tables.map((t) => [t.keyspace, t.table, String(t.sourceRows ?? '?'), String(t.targetRows ?? '?'), t.sourceDigest === t.targetDigest ? 'equal' : 'differ', t.ok ? 'yes' : 'NO'])]),
          ...o.report.notes.map((n) => `  note: ${n}`),
        ]
      : []),
  ].join('\n');

export const bundleText = (b: BundleInfo): string =>
  [
    `bundle of tenant ${b.tenant} from ${b.sourceCluster}, created ${b.createdAt}${b.createdBy ? ` by ${b.createdBy}` : ''} (format ${b.format})`,
    b.complete
      ? `  ${b.signatureOk ? 'signature and every checksum verified' : 'NOT VERIFIED'}; signed by ${b.signer}${b.signedByThisInstallation === true ? ' (this installation)' : b.signedByThisInstallation === false ? ' (ANOTHER installation)' : ''}`
      : `  UNFINISHED export (${b.chunks} chunks, ${b.rows} rows so far): continue it with csm tenant export … --resume`,
    ...(b.sha256 ? [`  sha256 ${b.sha256}, ${mb(b.bytes)}`] : []),
    `  keys wrapped to ${b.wrap === 'passphrase' ? 'a passphrase' : "this installation's master key"}; ${b.withData ? 'with data' : 'console data only (no tenant data)'}`,
    `  data centres: ${b.dataCenters.join(', ') || '?'}; ${b.keyspaces.length} keyspaces, ${b.roles} roles, ${b.grants} grants`,
    table([['KEYSPACE', 'TABLE', 'ROWS', 'DIGEST'], ...b.tables.map((t) => [t.keyspace, t.table, String(t.rows), t.sha256.slice(0, 16)])]),
  ].join('\n');

const started = (r: { jobId: string; operationId: string }): string => `started job ${r.jobId} (operation ${r.operationId})`;

export const PORTABILITY_COMMANDS: Command[] = [
  command({
    words: ['tenant', 'export'],
    usage: 'csm tenant export ID --cluster C --out F [--with-data] [--passphrase-stdin] [--resume] [--json]',
    options: { cluster: { type: 'string' }, out: { type: 'string' }, 'with-data': { type: 'boolean' }, 'passphrase-stdin': { type: 'boolean' }, resume: { type: 'boolean' } },
    positionals: ['id'],
    channel: 'tenant.export',
    input: async (v, p, io) => ({
      cluster: need(v, 'cluster'),
      tenant: p['id']!,
      out: need(v, 'out'),
      withData: v['with-data'] === true,
      resume: v['resume'] === true,
      ...(await passphrase(v, io)),
    }),
    text: started,
    waitFor: (r) => r.jobId,
    after: async (r, call) => call('portability.result', { operationId: r.operationId }),
  }),
  command({
    words: ['tenant', 'import'],
    usage: 'csm tenant import F --cluster C [--id NEW] [--passphrase-stdin] [--dc-map SRC=DST,...] [--trust-signer FINGERPRINT] [--json]',
    options: { cluster: { type: 'string' }, id: { type: 'string' }, 'passphrase-stdin': { type: 'boolean' }, 'dc-map': { type: 'string' }, 'trust-signer': { type: 'string' } },
    positionals: ['file'],
    channel: 'tenant.import',
    input: async (v, p, io) => {
      const dcMap = parseDcMap(str(v, 'dc-map'));
      const newId = str(v, 'id');
      const trustSigner = str(v, 'trust-signer');
      return { cluster: need(v, 'cluster'), path: p['file']!, ...(newId !== undefined ? { newId } : {}), ...(dcMap ? { dcMap } : {}), ...(trustSigner !== undefined ? { trustSigner } : {}), ...(await passphrase(v, io)) };
    },
    text: started,
    waitFor: (r) => r.jobId,
    after: async (r, call) => call('portability.result', { operationId: r.operationId }),
  }),
  command({
    words: ['tenant', 'inspect-bundle'],
    usage: 'csm tenant inspect-bundle F [--passphrase-stdin] [--json]',
    options: { 'passphrase-stdin': { type: 'boolean' } },
    positionals: ['file'],
    channel: 'tenant.inspectBundle',
    input: async (v, p, io) => ({ path: p['file']!, ...(await passphrase(v, io)) }),
    text: bundleText,
    // A foreign signer is not a verified bundle for this console: exit 1 (the text names the signer to check).
    exitCode: (b) => (b.complete && b.signatureOk && b.signedByThisInstallation !== false ? 0 : 1),
  }),
  command({
    words: ['operation', 'show'],
    usage: 'csm operation show ID [--json]',
    options: {},
    positionals: ['id'],
    channel: 'portability.result',
    // Operations show by the caller's scope on their clusters: sign in to every registered one first.
    signInAll: true,
    input: async (_v, p) => ({ operationId: p['id']! }),
    text: operationText,
    exitCode: (o) => (o.state === 'failed' || o.state === 'interrupted' || o.state === 'aborted' ? 1 : 0),
  }),
  command({
    words: ['operation', 'list'],
    usage: `csm operation list [--cluster C] [--tenant ID] [--kind ${OPERATION_KINDS.join('|')}] [--json]`,
    options: { cluster: { type: 'string' }, tenant: { type: 'string' }, kind: { type: 'string' } },
    positionals: [],
    channel: 'portability.list',
    input: async (v) => {
      const kind = str(v, 'kind');
      if (kind !== undefined && !(OPERATION_KINDS as readonly string[]).includes(kind)) throw new AppError('BAD_INPUT', `--kind: one of ${OPERATION_KINDS.join(', ')}`);
      const tenant = str(v, 'tenant');
      // --cluster filters below (deliver): without a cluster in the input the CLI signs in to every
      // registered cluster, whose scopes decide which operations the caller may see.
      return { ...(tenant ? { tenant } : {}), ...(kind ? { kind: kind as Operation['kind'] } : {}) };
    },
    signInAll: true,
    deliver: async (value, v) => {
      const cluster = str(v, 'cluster');
      return cluster ? (value as Operation[]).filter((o) => o.cluster === cluster) : value;
    },
    text: (list) =>
      list.length === 0
        ? 'no operations recorded on this console'
        : table([['ID', 'KIND', 'STATE', 'TENANT', 'CLUSTER', 'STARTED', 'ROWS', 'FILE'], ...list.map((o) => [o.id, o.kind, o.state, o.tenant, o.cluster, o.startedAt, String(o.rows), o.path ?? ''])]),
  }),
];
