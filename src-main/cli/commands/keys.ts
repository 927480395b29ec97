import { constants } from 'node:fs';
import { lstat, open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ChannelName, ChannelOutput, RotationOutcome, TenantKeyStatus } from '../../../src-shared/contract';
import { AppError } from '../../app/errors';
import { command, need, str, table, type Command, type CommandIO, type Values } from './util';

/**
 * A command whose result is a sealed file: `deliver` writes it to --out (0600, never over an
 * existing file without --force) and returns what to print instead of the file's text.
 * main.ts calls `deliver` when a command has one.
 */
export type FileCommand = Command & { deliver(value: unknown, values: Values): Promise<unknown> };

const MAX_IN_BYTES = 256 * 1024;

/** Refuse early, before any key is touched, when --out exists and --force was not given. */
async function checkOut(values: Values): Promise<string> {
  const out = need(values, 'out');
  if (values['force'] === true) return out;
  const st = await lstat(out).catch(() => null);
  if (st) throw new AppError('CONFLICT', `${out} exists; it was left as it is (use --force to replace it)`);
  return out;
}

/**
 * Write `text` to `path` with mode 0600. Without force the file is created exclusively (a file
 * that appeared meanwhile is not overwritten); with force it is written beside and renamed over,
 * so a failed write never leaves a half-written share in place of the old one.
 */
export async function writeSealedFile(path: string, text: string, force: boolean): Promise<{ written: string; bytes: number }> {
  const bytes = Buffer.byteLength(text, 'utf8');
  const target = force ? join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`) : path;
  let fh;
  try {
    fh = await open(target, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new AppError('CONFLICT', `${path} exists; it was left as it is (use --force to replace it)`);
    throw new AppError('BAD_INPUT', `cannot create ${path} (${code ?? 'error'})`);
  }
  try {
    await fh.writeFile(text, 'utf8');
    await fh.sync();
  } catch (e) {
    await fh.close().catch(() => undefined);
    await unlink(target).catch(() => undefined);
    throw new AppError('UNAVAILABLE', `writing ${path} failed (${(e as NodeJS.ErrnoException).code ?? 'error'}); nothing was left behind`);
  }
  await fh.close();
  if (force) await rename(target, path);
  return { written: path, bytes };
}

async function readShareFile(path: string): Promise<string> {
  const st = await lstat(path).catch(() => null);
  if (!st || !st.isFile()) throw new AppError('BAD_INPUT', `${path}: no such file`);
  if (st.size > MAX_IN_BYTES) throw new AppError('BAD_INPUT', `${path} is far too large to be a key share file`);
  return readFile(path, 'utf8');
}

const passphrase = (v: Values, io: CommandIO, label: string): Promise<string> => io.secret(label, v['passphrase-stdin'] === true);

/** Sealed-file results: the file goes to --out; the printed result says where, never the text. */
function fileCommand<C extends ChannelName>(c: Command<C>, describe: (v: ChannelOutput<C>) => Record<string, unknown>): FileCommand {
  return Object.assign(command(c), {
    async deliver(value: unknown, values: Values) {
      const v = value as ChannelOutput<C> & { text: string };
      const written = await writeSealedFile(need(values, 'out'), v.text, values['force'] === true);
      return { ...describe(v), ...written };
    },
  });
}

/** text() of a file command gets what deliver() returned; without it nothing was written, and it says so. */
const wroteTo = (r: unknown, what: string): string => {
  const w = (r as { written?: unknown }).written;
  return typeof w === 'string' ? `${what} written to ${w} (mode 0600)` : `${what} was NOT written: this csm build does not deliver files`;
};

const keyLine = (l: TenantKeyStatus['kek']): string => (l.current === null ? 'none' : `v${l.current}${l.versions.length > 1 ? ` (${l.versions.length} versions)` : ''}`);
const day = (iso: string | null): string => (iso ? iso.slice(0, 10) : '—');
const dueText = (s: TenantKeyStatus): string =>
  s.rotation.dueAt === null ? '—' : s.rotation.due ? `DUE (${s.rotation.overdueDays} days over)` : `in ${s.rotation.daysLeft} days`;

function statusText(list: TenantKeyStatus[]): string {
  if (list.length === 0) return 'no tenant has keys on this cluster';
  const rows = list.map((s) => [s.tenantId, keyLine(s.kek), keyLine(s.dataKeys.cache), keyLine(s.dataKeys.ca), keyLine(s.dataKeys.signing), day(s.lastRotatedAt), dueText(s), s.pending.kek || s.pending.reencrypt.length ? 'yes' : 'no', s.source]);
  return table([['TENANT', 'KEK', 'CACHE', 'CA', 'SIGNING', 'ROTATED', 'ROTATION', 'UNFINISHED', 'SOURCE'], ...rows]);
}

export function rotationText(o: RotationOutcome): string {
  const r = o.report;
  if (!r) return `rotation of tenant ${o.tenantId} (job ${o.jobId}) ${o.state}${o.error ? `: ${o.error.code}: ${o.error.message}` : ''}`;
  return [
    `${r.resumed ? 'finished an interrupted rotation of' : 'rotated'} tenant ${r.tenantId}: KEK v${r.kekVersion}${r.retiredKekVersions.length ? ` (retired v${r.retiredKekVersions.join(', v')})` : ''}`,
    `data keys rewrapped: ${r.rewrapped}; cache key v${r.dataKeyVersion ?? '—'}; values re-encrypted: ${r.reencrypted}`,
    ...(r.unreadable.length ? [`WARNING ${r.unreadable.length} cached values did not open and were left as they are: ${r.unreadable.slice(0, 10).join(', ')}`] : []),
  ].join('\n');
}

/** `csm keys …` (issue 4). Passphrases only from stdin or the terminal, never from argv. */
export const KEY_COMMANDS: Command[] = [
  command({
    words: ['keys', 'status'],
    usage: 'csm keys status --cluster C [--tenant ID] [--json]   (without --tenant: every tenant, platform scope)',
    options: { cluster: { type: 'string' }, tenant: { type: 'string' } },
    positionals: [],
    channel: 'keys.status',
    input: async (v) => {
      const tenant = str(v, 'tenant');
      return { cluster: need(v, 'cluster'), ...(tenant !== undefined ? { tenant } : {}) };
    },
    text: (list) => {
      if (list.length !== 1) return statusText(list);
      const s = list[0]!;
      const versions = (name: string, l: TenantKeyStatus['kek']) =>
        l.versions.map((k) => `  ${name} v${k.version}  ${k.state.padEnd(9)} created ${day(k.createdAt)}${k.retiredAt ? `  retired ${day(k.retiredAt)}` : ''}${k.kekVersion !== undefined ? `  under KEK v${k.kekVersion}` : ''}`);
      return [
        statusText([s]),
        '',
        ...versions('KEK', s.kek),
        ...versions('cache', s.dataKeys.cache),
        ...versions('ca', s.dataKeys.ca),
        ...versions('signing', s.dataKeys.signing),
        `rotation interval: ${s.rotation.intervalDays} days${s.rotation.dueAt ? `, next due ${day(s.rotation.dueAt)}` : ''}`,
        ...(s.pending.kek || s.pending.reencrypt.length ? ['an earlier rotation did not finish: csm keys rotate finishes it'] : []),
        ...(s.share ? [`opened with a tenant key share holding KEK v${s.share.versions.join(', v')}`] : []),
        ...(s.share?.outdated
          ? [`the tenant was rotated since this share was made${s.share.clusterKekVersion !== null ? ` (keys now under KEK v${s.share.clusterKekVersion})` : ''}: import a fresh tenant key share (csm keys import-tenant-share)`]
          : []),
      ].join('\n');
    },
  }),
  command({
    words: ['keys', 'rotate'],
    usage: 'csm keys rotate --cluster C --tenant ID [--json]   (waits for the rotation job; progress on stderr)',
    options: { cluster: { type: 'string' }, tenant: { type: 'string' } },
    positionals: [],
    channel: 'keys.rotate',
    input: async (v) => ({ cluster: need(v, 'cluster'), tenant: need(v, 'tenant') }),
    // The channel answers with the job id at once; the report exists when the job has ended.
    waitFor: (r) => r.jobId,
    after: (r, call) => call('keys.rotationReport', { cluster: r.cluster, tenant: r.tenant, jobId: r.jobId }),
    text: (v) => rotationText(v as unknown as RotationOutcome),
  }),
  command({
    words: ['keys', 'policy'],
    usage: 'csm keys policy --cluster C --tenant ID [--json]',
    options: { cluster: { type: 'string' }, tenant: { type: 'string' } },
    positionals: [],
    channel: 'keys.policy',
    input: async (v) => ({ cluster: need(v, 'cluster'), tenant: need(v, 'tenant') }),
    text: ({ policy: p, stored }) =>
      [
        `algorithms: ${p.algorithms.join(', ')}`,
        `RSA at least ${p.minRsaBits} bits; curves: ${p.curves.join(', ') || 'none'}`,
        `rotation every ${p.rotationIntervalDays} days${stored ? '' : ' (platform default; no policy set for this tenant)'}`,
      ].join('\n'),
  }),
  command({
    words: ['keys', 'master'],
    usage: 'csm keys master [--json]   (whether this console holds an installation master key)',
    options: {},
    positionals: [],
    channel: 'keys.masterStatus',
    input: async () => ({}),
    text: (m) => (m.present ? `installation master key ${m.fingerprint}` : 'this console has no installation master key (one is made with the first tenant, or imported: csm keys import-share)'),
  }),
  fileCommand(
    {
      words: ['keys', 'export-share'],
      usage: 'csm keys export-share --out F [--force] --passphrase-stdin [--json]',
      options: { out: { type: 'string' }, force: { type: 'boolean' }, 'passphrase-stdin': { type: 'boolean' } },
      positionals: [],
      channel: 'keys.exportShare',
      input: async (v, _p, io) => {
        await checkOut(v);
        return { passphrase: await passphrase(v, io, 'share passphrase') };
      },
      text: (r) => wroteTo(r, `master key share ${r.fingerprint}`),
    },
    (r) => ({ fingerprint: r.fingerprint }),
  ),
  command({
    words: ['keys', 'import-share'],
    usage: 'csm keys import-share --in F --passphrase-stdin [--force] [--json]',
    options: { in: { type: 'string' }, force: { type: 'boolean' }, 'passphrase-stdin': { type: 'boolean' } },
    positionals: [],
    channel: 'keys.importShare',
    input: async (v, _p, io) => {
      const secretShare = await readShareFile(need(v, 'in'));
      return { secretShare, passphrase: await passphrase(v, io, 'share passphrase'), force: v['force'] === true };
    },
    text: (r) => (r.unchanged ? `this console already holds master key ${r.fingerprint}` : `installed master key ${r.fingerprint}${r.replaced ? ` (replaced ${r.replaced})` : ''}`),
  }),
  fileCommand(
    {
      words: ['keys', 'export-tenant-share'],
      usage: 'csm keys export-tenant-share --cluster C --tenant ID --out F [--force] --passphrase-stdin [--json]',
      options: { cluster: { type: 'string' }, tenant: { type: 'string' }, out: { type: 'string' }, force: { type: 'boolean' }, 'passphrase-stdin': { type: 'boolean' } },
      positionals: [],
      channel: 'keys.exportTenantShare',
      input: async (v, _p, io) => {
        const cluster = need(v, 'cluster');
        const tenant = need(v, 'tenant');
        await checkOut(v);
        return { cluster, tenant, passphrase: await passphrase(v, io, 'share passphrase') };
      },
      text: (r) => wroteTo(r, `tenant key share of ${r.tenant}`),
    },
    (r) => ({ tenant: r.tenant }),
  ),
  command({
    words: ['keys', 'import-tenant-share'],
    usage: 'csm keys import-tenant-share --in F --passphrase-stdin [--json]',
    options: { in: { type: 'string' }, 'passphrase-stdin': { type: 'boolean' } },
    positionals: [],
    channel: 'keys.importTenantShare',
    input: async (v, _p, io) => ({ secretShare: await readShareFile(need(v, 'in')), passphrase: await passphrase(v, io, 'share passphrase') }),
    text: (r) => `this console now holds tenant ${r.tenant}'s KEK (versions ${r.versions.join(', ')})`,
  }),
  fileCommand(
    {
      words: ['keys', 'export-escrow'],
      usage: 'csm keys export-escrow --cluster C --tenant ID --public-key PEMFILE --out F [--force] [--json]',
      options: { cluster: { type: 'string' }, tenant: { type: 'string' }, 'public-key': { type: 'string' }, out: { type: 'string' }, force: { type: 'boolean' } },
      positionals: [],
      channel: 'keys.exportEscrow',
      input: async (v) => {
        const cluster = need(v, 'cluster');
        const tenant = need(v, 'tenant');
        const pemPath = need(v, 'public-key');
        await checkOut(v);
        const st = await lstat(pemPath).catch(() => null);
        if (!st || !st.isFile() || st.size > 16 * 1024) throw new AppError('BAD_INPUT', `${pemPath}: not a PEM public key file`);
        return { cluster, tenant, publicKeyPem: await readFile(pemPath, 'utf8') };
      },
      text: (r) => wroteTo(r, `escrow file of ${r.tenant}`),
    },
    (r) => ({ tenant: r.tenant }),
  ),
];

export const isFileCommand = (c: Command): c is FileCommand => typeof (c as Partial<FileCommand>).deliver === 'function';
