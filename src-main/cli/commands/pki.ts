import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { AppError } from '../../app/errors';
import { CERT_TYPES, MAX_CSR_BYTES, PKI_ALGORITHMS, REVOCATION_REASONS, type CertificateInfo } from '../../../src-shared/contract/pki';
import { command, list, need, str, table, type Command, type Values } from './util';

/**
 * `csm cert …` (issue 8). Paths are resolved against the working directory (the channel wants
 * them absolute); files are written by the service itself, keys with mode 0600, and no key ever
 * reaches stdout. Serials as openssl prints them: hex, any case, colons allowed.
 */
const ref = { cluster: { type: 'string' }, tenant: { type: 'string' } } as const;
const tenantRef = (v: Values) => ({ cluster: need(v, 'cluster'), tenant: need(v, 'tenant') });
const abs = (p: string): string => resolve(p);

function oneOf<T extends string>(v: Values, k: string, allowed: readonly T[]): T | undefined {
  const s = str(v, k);
  if (s === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(s)) throw new AppError('BAD_INPUT', `--${k} must be one of ${allowed.join(', ')}`);
  return s as T;
}

function int(v: Values, k: string): number | undefined {
  const s = str(v, k);
  if (s === undefined) return undefined;
  if (!/^\d{1,5}$/.test(s)) throw new AppError('BAD_INPUT', `--${k} must be a whole number`);
  return Number(s);
}

const opt = <K extends string, V>(k: K, v: V | undefined): Partial<Record<K, V>> => (v === undefined ? {} : ({ [k]: v } as Record<K, V>));

const files = (fs: { path: string; kind: string; sha256: string; bytes: number }[]): string => fs.map((f) => `  ${f.kind.padEnd(11)} ${f.path}  ${f.bytes} bytes  sha256 ${f.sha256}`).join('\n');

const certLine = (c: CertificateInfo): string[] => [
  c.serial,
  c.type,
  c.commonName,
  c.status,
  c.notAfter.slice(0, 10),
  c.status === 'active' ? String(c.daysLeft) : '-',
  c.expiryBucket ?? '',
  c.algorithm,
  c.source,
];
const certTable = (rows: CertificateInfo[]): string => (rows.length ? table([['SERIAL', 'TYPE', 'CN', 'STATUS', 'NOT AFTER', 'DAYS', 'WARN', 'ALGORITHM', 'SOURCE'], ...rows.map(certLine)]) : 'no certificates');

const issuedText = (r: { certificate: CertificateInfo; files: { path: string; kind: string; sha256: string; bytes: number }[]; notices?: string[] | undefined }): string =>
  [
    `issued ${r.certificate.type} certificate ${r.certificate.serial} for ${r.certificate.commonName} (${r.certificate.algorithm}), valid until ${r.certificate.notAfter}`,
    ...(r.notices ?? []).map((n) => `  note: ${n}`),
    ...(r.certificate.sans.length ? [`  SANs: ${r.certificate.sans.join(', ')}`] : []),
    ...(r.files.length ? ['files:', files(r.files)] : ['no files written (give --out DIR)']),
  ].join('\n');

const outputs = { out: { type: 'string' }, overwrite: { type: 'boolean' } } as const;

export const PKI_COMMANDS: Command[] = [
  command({
    words: ['cert', 'platform-root'],
    usage: 'csm cert platform-root --cluster C [--json]',
    options: { cluster: { type: 'string' } },
    positionals: [],
    channel: 'cert.platformRoot',
    input: async (v) => ({ cluster: need(v, 'cluster') }),
    text: (r) => (r ? `platform root ${r.subject} (${r.algorithm}) serial ${r.serial}, valid until ${r.notAfter}\n${r.certificatePem}` : 'no platform root: tenant CAs are self-signed roots (csm cert platform-root-init creates one)'),
  }),
  command({
    words: ['cert', 'platform-root-init'],
    usage: `csm cert platform-root-init --cluster C [--algorithm ${PKI_ALGORITHMS.join('|')}] [--days N] [--json]`,
    options: { cluster: { type: 'string' }, algorithm: { type: 'string' }, days: { type: 'string' } },
    positionals: [],
    channel: 'cert.platformRootInit',
    input: async (v) => ({ cluster: need(v, 'cluster'), ...opt('algorithm', oneOf(v, 'algorithm', PKI_ALGORITHMS)), ...opt('validityDays', int(v, 'days')) }) as never,
    text: (r) => `created platform root ${r.subject} (${r.algorithm}) serial ${r.serial}, valid until ${r.notAfter}; tenant CAs created from now on are its subordinates\n${r.certificatePem}`,
  }),
  command({
    words: ['cert', 'ca'],
    usage: 'csm cert ca --cluster C --tenant ID [--json]',
    options: ref,
    positionals: [],
    channel: 'cert.ca',
    input: async (v) => tenantRef(v),
    text: (r) => (r ? `${r.kind} CA ${r.subject} (${r.algorithm}) serial ${r.serial}, valid until ${r.notAfter}, CRL #${r.crlNumber}\n${r.chainPem}` : 'no CA yet (csm cert ca-init creates one)'),
  }),
  command({
    words: ['cert', 'ca-init'],
    usage: `csm cert ca-init --cluster C --tenant ID [--algorithm ${PKI_ALGORITHMS.join('|')}] [--days N] [--json]`,
    options: { ...ref, algorithm: { type: 'string' }, days: { type: 'string' } },
    positionals: [],
    channel: 'cert.caInit',
    input: async (v) => ({ ...tenantRef(v), ...opt('algorithm', oneOf(v, 'algorithm', PKI_ALGORITHMS)), ...opt('validityDays', int(v, 'days')) }),
    text: (r) => `created ${r.kind} CA ${r.subject} (${r.algorithm}) serial ${r.serial}, valid until ${r.notAfter}\n${r.chainPem}`,
  }),
  command({
    words: ['cert', 'issue'],
    usage: `csm cert issue --cluster C --tenant ID --cn NAME --type client|node [--san S]... [--algorithm ${PKI_ALGORITHMS.join('|')}] [--days N] [--out DIR [--overwrite]] [--json]`,
    options: { ...ref, cn: { type: 'string' }, type: { type: 'string' }, san: { type: 'string', multiple: true }, algorithm: { type: 'string' }, days: { type: 'string' }, ...outputs },
    positionals: [],
    channel: 'cert.issue',
    input: async (v) => {
      const type = oneOf(v, 'type', CERT_TYPES);
      if (!type) throw new AppError('BAD_INPUT', '--type is required (client or node)');
      const out = str(v, 'out');
      return {
        ...tenantRef(v),
        type,
        commonName: need(v, 'cn'),
        sans: list(v, 'san'),
        ...opt('algorithm', oneOf(v, 'algorithm', PKI_ALGORITHMS)),
        ...opt('validityDays', int(v, 'days')),
        ...opt('outDir', out === undefined ? undefined : abs(out)),
        overwrite: v['overwrite'] === true,
      };
    },
    text: issuedText,
  }),
  command({
    words: ['cert', 'sign-csr'],
    usage: 'csm cert sign-csr --cluster C --tenant ID --csr FILE --type client|node [--days N] [--out DIR [--overwrite]] [--json]',
    options: { ...ref, csr: { type: 'string' }, type: { type: 'string' }, days: { type: 'string' }, ...outputs },
    positionals: [],
    channel: 'cert.signCsr',
    input: async (v) => {
      const file = abs(need(v, 'csr'));
      let size: number;
      try {
        size = statSync(file).size;
      } catch {
        throw new AppError('NOT_FOUND', `--csr ${file}: no such file`);
      }
      if (size > MAX_CSR_BYTES) throw new AppError('BAD_INPUT', `--csr ${file}: larger than ${MAX_CSR_BYTES} bytes`);
      const out = str(v, 'out');
      return {
        ...tenantRef(v),
        type: oneOf(v, 'type', CERT_TYPES) ?? 'client',
        csrPem: readFileSync(file, 'utf8'),
        ...opt('validityDays', int(v, 'days')),
        ...opt('outDir', out === undefined ? undefined : abs(out)),
        overwrite: v['overwrite'] === true,
      };
    },
    text: issuedText,
  }),
  command({
    words: ['cert', 'list'],
    usage: 'csm cert list --cluster C --tenant ID [--status active|revoked|expired|all] [--type client|node|all] [--expiring DAYS] [--text T] [--json]',
    options: { ...ref, status: { type: 'string' }, type: { type: 'string' }, expiring: { type: 'string' }, text: { type: 'string' } },
    positionals: [],
    channel: 'cert.list',
    input: async (v) => ({
      ...tenantRef(v),
      status: oneOf(v, 'status', ['active', 'revoked', 'expired', 'all'] as const) ?? 'all',
      type: oneOf(v, 'type', ['client', 'node', 'all'] as const) ?? 'all',
      ...opt('expiringWithinDays', int(v, 'expiring')),
      ...opt('text', str(v, 'text')),
    }),
    text: certTable,
  }),
  command({
    words: ['cert', 'show'],
    usage: 'csm cert show --cluster C --tenant ID --serial S [--json]',
    options: { ...ref, serial: { type: 'string' } },
    positionals: [],
    channel: 'cert.show',
    input: async (v) => ({ ...tenantRef(v), serial: need(v, 'serial') }),
    text: (r) =>
      [
        certTable([r.certificate]),
        `subject ${r.certificate.subject}`,
        `issuer  ${r.certificate.issuer}`,
        `SANs    ${r.certificate.sans.join(', ') || '-'}`,
        `sha256  ${r.certificate.fingerprintSha256}`,
        ...(r.certificate.revokedAt ? [`revoked ${r.certificate.revokedAt} (${r.certificate.revocationReason ?? 'unspecified'})`] : []),
        ...(r.certificate.renewedBy ? [`renewed by ${r.certificate.renewedBy}`] : []),
        r.certificatePem,
      ].join('\n'),
  }),
  command({
    words: ['cert', 'revoke'],
    usage: `csm cert revoke --cluster C --tenant ID --serial S --reason ${REVOCATION_REASONS.join('|')} [--json]`,
    options: { ...ref, serial: { type: 'string' }, reason: { type: 'string' } },
    positionals: [],
    channel: 'cert.revoke',
    input: async (v) => {
      const reason = oneOf(v, 'reason', REVOCATION_REASONS);
      if (!reason) throw new AppError('BAD_INPUT', `--reason is required (${REVOCATION_REASONS.join(', ')})`);
      return { ...tenantRef(v), serial: need(v, 'serial'), reason };
    },
    text: (c) => `revoked ${c.serial} (${c.commonName}) at ${c.revokedAt ?? '?'}: ${c.revocationReason ?? 'unspecified'}; the next CRL lists it (csm cert crl)`,
  }),
  command({
    words: ['cert', 'crl'],
    usage: 'csm cert crl --cluster C --tenant ID [--out FILE [--overwrite]] [--json]',
    options: { ...ref, ...outputs },
    positionals: [],
    channel: 'cert.crl',
    input: async (v) => {
      const out = str(v, 'out');
      return { ...tenantRef(v), ...opt('out', out === undefined ? undefined : abs(out)), overwrite: v['overwrite'] === true };
    },
    text: (r) => [`CRL #${r.crlNumber} of ${r.tenant}: ${r.revokedCount} revoked, this update ${r.thisUpdate}, next update ${r.nextUpdate}`, r.file ? files([r.file]) : r.pem].join('\n'),
  }),
  command({
    words: ['cert', 'renew'],
    usage: 'csm cert renew --cluster C --tenant ID --serial S [--same-key] [--days N] [--out DIR [--overwrite]] [--json]',
    options: { ...ref, serial: { type: 'string' }, 'same-key': { type: 'boolean' }, days: { type: 'string' }, ...outputs },
    positionals: [],
    channel: 'cert.renew',
    input: async (v) => {
      const out = str(v, 'out');
      return {
        ...tenantRef(v),
        serial: need(v, 'serial'),
        newKey: v['same-key'] !== true,
        ...opt('validityDays', int(v, 'days')),
        ...opt('outDir', out === undefined ? undefined : abs(out)),
        overwrite: v['overwrite'] === true,
      };
    },
    text: issuedText,
  }),
  command({
    words: ['cert', 'export'],
    usage: 'csm cert export --cluster C --tenant ID --serial S --format pem|p12 --out DIR|FILE [--password-stdin] [--no-key] [--overwrite] [--json]',
    options: { ...ref, serial: { type: 'string' }, format: { type: 'string' }, 'password-stdin': { type: 'boolean' }, 'no-key': { type: 'boolean' }, ...outputs },
    positionals: [],
    channel: 'cert.export',
    input: async (v, _p, io) => {
      const format = oneOf(v, 'format', ['pem', 'p12'] as const);
      if (!format) throw new AppError('BAD_INPUT', '--format is required (pem or p12)');
      const base = { ...tenantRef(v), serial: need(v, 'serial'), format, out: abs(need(v, 'out')), includeKey: v['no-key'] !== true, overwrite: v['overwrite'] === true };
      if (format === 'p12') return { ...base, password: await io.secret('PKCS#12 password', v['password-stdin'] === true) };
      return base;
    },
    text: (r) => `exported ${r.serial} as ${r.format}:\n${files(r.files)}`,
  }),
  command({
    words: ['cert', 'bundle'],
    usage: 'csm cert bundle --cluster C --tenant ID --serial S --out FILE.zip [--overwrite] [--json]',
    options: { ...ref, serial: { type: 'string' }, ...outputs },
    positionals: [],
    channel: 'cert.bundle',
    input: async (v) => ({ ...tenantRef(v), serial: need(v, 'serial'), out: abs(need(v, 'out')), overwrite: v['overwrite'] === true }),
    text: (r) =>
      [`secure connect bundle for ${r.serial}: ${r.entries.join(', ')}`, `  contact points ${r.contactPoints.join(', ')}, local DC ${r.localDataCenter}`, `  keyspaces ${r.keyspaces.join(', ') || '-'}`, files([r.file])].join('\n'),
  }),
  command({
    words: ['cert', 'report'],
    usage: 'csm cert report --cluster C --tenant ID [--json]',
    options: ref,
    positionals: [],
    channel: 'cert.expiryReport',
    input: async (v) => tenantRef(v),
    text: (r) =>
      [
        `${r.tenant} at ${r.generatedAt}: ${r.counts.active} active, ${r.counts.revoked} revoked, ${r.counts.expired} expired; expiring within 30 days ${r.counts.within30}, 14 days ${r.counts.within14}, 7 days ${r.counts.within7}`,
        ...(r.items.length ? [certTable(r.items)] : []),
      ].join('\n'),
  }),
];
