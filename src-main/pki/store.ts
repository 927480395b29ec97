import type { CertType, PkiAlgorithm, RevocationReason } from '../../src-shared/contract/pki';
import { PKI_ALGORITHMS, REVOCATION_REASONS } from '../../src-shared/contract/pki';
import { AppError } from '../app/errors';
import type { CqlClient } from '../cassandra/connections';
import { fromDriverError } from '../cassandra/driver-errors';
import { qualified } from '../cassandra/identifiers';
import { SYSTEM_KEYSPACE } from '../cassandra/system-schema';
import { caTable, certsTable, crlsTable } from './tables';

// types.consistencies.localQuorum / localSerial (the driver's enum stays in src-main/cassandra/).
const Q = { prepare: true, consistency: 0x06 } as const;
const LWT = { prepare: true, consistency: 0x06, serialConsistency: 0x09 } as const;

async function run<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw fromDriverError(e, what);
  }
}

const applied = (rows: { [k: string]: unknown }[]): boolean => rows[0]?.['[applied]'] === true;
const date = (v: unknown): Date | null => (v instanceof Date ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number => (typeof v === 'number' ? v : v && typeof (v as { toNumber?: unknown }).toNumber === 'function' ? (v as { toNumber(): number }).toNumber() : Number(v ?? 0));
const blob = (v: unknown): Buffer | null => (Buffer.isBuffer(v) ? v : null);
const alg = (v: unknown): PkiAlgorithm | null => (typeof v === 'string' && (PKI_ALGORITHMS as readonly string[]).includes(v) ? (v as PkiAlgorithm) : null);

export interface CaRow {
  serial: string;
  subject: string;
  algorithm: PkiAlgorithm;
  kind: 'root' | 'subordinate';
  certificatePem: string;
  /** CA first, then every issuer up to the root. */
  chainPem: string;
  /** PKCS#8 DER sealed under the tenant's 'ca' data key (an envelope). */
  keyWrapped: Buffer;
  keyVersion: number;
  notBefore: Date;
  notAfter: Date;
  fingerprint: string;
  crlNumber: number;
  lastCrlAt: Date | null;
  createdBy: string;
  createdAt: Date;
}

export type CertStatusStored = 'active' | 'revoked' | 'superseded';

export interface CertRow {
  serial: string;
  caSerial: string;
  type: CertType;
  commonName: string;
  subject: string;
  issuer: string;
  sans: string[];
  algorithm: PkiAlgorithm;
  notBefore: Date;
  notAfter: Date;
  /** Stored status; `expired` is derived from notAfter when read. */
  status: 'active' | 'revoked';
  revokedAt: Date | null;
  revocationReason: RevocationReason | null;
  revokedBy: string | null;
  fingerprint: string;
  source: 'generated' | 'csr';
  certificatePem: string;
  keyWrapped: Buffer | null;
  keyVersion: number | null;
  issuedBy: string;
  issuedAt: Date;
  renewedFrom: string | null;
  renewedBy: string | null;
}

export interface CrlRow {
  crlNumber: number;
  pem: string;
  thisUpdate: Date;
  nextUpdate: Date;
  revokedCount: number;
  signedBy: string;
}

/** A row as stored, also one the service would not show (missing or tampered fields): quota and CRLs fail closed on these. */
export interface RawCertState {
  /** The serial column as hex (null when it is not hex). */
  serial: string | null;
  status: string | null;
  revokedAt: Date | null;
  revocationReason: RevocationReason | null;
  renewedBy: string | null;
  /** The full row, null when its essentials are missing. */
  row: CertRow | null;
}

export interface PlatformRootRow {
  serial: string;
  subject: string;
  algorithm: PkiAlgorithm;
  certificatePem: string;
  keyWrapped: Buffer;
  masterFingerprint: string;
  notBefore: Date;
  notAfter: Date;
  fingerprint: string;
  createdBy: string;
  createdAt: Date;
}

/**
 * Rows of one tenant's PKI tables, read and written with whichever session the caller is allowed
 * (platform: the tenant's service role; tenant admin: their own role, with MODIFY on these tables).
 * Rows come back as stored: the service re-parses certificates before trusting them.
 */
export class PkiStore {
  constructor(
    private readonly client: CqlClient,
    private readonly tenant: string,
  ) {}

  async ca(): Promise<CaRow | null> {
    const r = await run(`reading the CA of ${this.tenant}`, async () => (await this.client.execute(`SELECT * FROM ${caTable(this.tenant)} WHERE k = ?`, ['ca'], Q)).rows[0]);
    if (!r) return null;
    const algorithm = alg(r['algorithm']);
    const keyWrapped = blob(r['key_wrapped']);
    const certificatePem = str(r['certificate']);
    if (!algorithm || !keyWrapped || !certificatePem) throw new AppError('CONFLICT', `the CA row of tenant ${this.tenant} is incomplete (algorithm, key or certificate missing); it is not used`);
    return {
      serial: str(r['serial']) ?? '',
      subject: str(r['subject']) ?? '',
      algorithm,
      kind: r['kind'] === 'subordinate' ? 'subordinate' : 'root',
      certificatePem,
      chainPem: str(r['chain']) ?? certificatePem,
      keyWrapped,
      keyVersion: num(r['key_version']),
      notBefore: date(r['not_before']) ?? new Date(0),
      notAfter: date(r['not_after']) ?? new Date(0),
      fingerprint: str(r['fingerprint']) ?? '',
      crlNumber: num(r['crl_number']),
      lastCrlAt: date(r['last_crl_at']),
      createdBy: str(r['created_by']) ?? '',
      createdAt: date(r['created_at']) ?? new Date(0),
    };
  }

  /** LWT: false when the tenant already has a CA (the caller answers CONFLICT). */
  async insertCa(row: CaRow): Promise<boolean> {
    return run(`recording the CA of ${this.tenant}`, async () =>
      applied(
        (
          await this.client.execute(
            `INSERT INTO ${caTable(this.tenant)} (k, serial, subject, algorithm, kind, certificate, chain, key_wrapped, key_version, not_before, not_after, fingerprint, crl_number, last_crl_at, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) IF NOT EXISTS`,
            ['ca', row.serial, row.subject, row.algorithm, row.kind, row.certificatePem, row.chainPem, row.keyWrapped, row.keyVersion, row.notBefore, row.notAfter, row.fingerprint, row.crlNumber, row.lastCrlAt, row.createdBy, row.createdAt],
            LWT,
          )
        ).rows,
      ),
    );
  }

  /** LWT compare-and-set of the CRL counter: false when another console took that number. */
  async bumpCrlNumber(from: number, to: number, at: Date): Promise<boolean> {
    return run(`numbering the CRL of ${this.tenant}`, async () =>
      applied((await this.client.execute(`UPDATE ${caTable(this.tenant)} SET crl_number = ?, last_crl_at = ? WHERE k = ? IF crl_number = ?`, [to, at, 'ca', from], LWT)).rows),
    );
  }

  async certs(): Promise<CertRow[]> {
    const rs = await run(`reading the certificates of ${this.tenant}`, () => this.client.execute(`SELECT * FROM ${certsTable(this.tenant)}`, [], { ...Q, fetchSize: 1000 }));
    const out: CertRow[] = [];
    for await (const r of rs) {
      const row = toCertRow(r);
      if (row) out.push(row);
    }
    return out;
  }

  /** Every row, parsed or not. */
  async certStates(): Promise<RawCertState[]> {
    const rs = await run(`reading the certificates of ${this.tenant}`, () => this.client.execute(`SELECT * FROM ${certsTable(this.tenant)}`, [], { ...Q, fetchSize: 1000 }));
    const out: RawCertState[] = [];
    for await (const r of rs) {
      const serial = str(r['serial']);
      const reason = str(r['revocation_reason']);
      out.push({
        serial: serial && /^[0-9a-f]{1,40}$/i.test(serial) ? serial.toLowerCase() : null,
        status: str(r['status']),
        revokedAt: date(r['revoked_at']),
        revocationReason: reason && (REVOCATION_REASONS as readonly string[]).includes(reason) ? (reason as RevocationReason) : null,
        renewedBy: str(r['renewed_by']),
        row: toCertRow(r),
      });
    }
    return out;
  }

  /** The highest-numbered CRL recorded (clustering order is crl_number DESC). */
  async latestCrl(): Promise<{ crlNumber: number; pem: string | null } | null> {
    const r = await run(`reading the last CRL of ${this.tenant}`, async () => (await this.client.execute(`SELECT crl_number, pem FROM ${crlsTable(this.tenant)} WHERE k = ? LIMIT 1`, ['crl'], Q)).rows[0]);
    return r ? { crlNumber: num(r['crl_number']), pem: str(r['pem']) } : null;
  }

  async cert(serial: string): Promise<CertRow | null> {
    const r = await run(`reading certificate ${serial} of ${this.tenant}`, async () => (await this.client.execute(`SELECT * FROM ${certsTable(this.tenant)} WHERE serial = ?`, [serial], Q)).rows[0]);
    return r ? toCertRow(r) : null;
  }

  /** LWT: false when the serial is taken (the caller draws another). */
  async insertCert(row: CertRow): Promise<boolean> {
    return run(`recording certificate ${row.serial} of ${this.tenant}`, async () =>
      applied(
        (
          await this.client.execute(
            `INSERT INTO ${certsTable(this.tenant)} (serial, ca_serial, type, common_name, subject, issuer, sans, algorithm, not_before, not_after, status, revoked_at, revocation_reason, revoked_by, fingerprint, source, certificate, key_wrapped, key_version, issued_by, issued_at, renewed_from, renewed_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) IF NOT EXISTS`,
            [
              row.serial, row.caSerial, row.type, row.commonName, row.subject, row.issuer, row.sans, row.algorithm, row.notBefore, row.notAfter, row.status, row.revokedAt, row.revocationReason, row.revokedBy,
              row.fingerprint, row.source, row.certificatePem, row.keyWrapped, row.keyVersion, row.issuedBy, row.issuedAt, row.renewedFrom, row.renewedBy,
            ],
            LWT,
          )
        ).rows,
      ),
    );
  }

  /** LWT: false when the certificate is not active any more (revoked meanwhile, or twice). */
  async revoke(serial: string, reason: RevocationReason, by: string, at: Date): Promise<boolean> {
    return run(`revoking certificate ${serial} of ${this.tenant}`, async () =>
      applied((await this.client.execute(`UPDATE ${certsTable(this.tenant)} SET status = ?, revoked_at = ?, revocation_reason = ?, revoked_by = ? WHERE serial = ? IF status = ?`, ['revoked', at, reason, by, serial, 'active'], LWT)).rows),
    );
  }

  /** The old certificate names its successor (LWT on renewed_by: one renewal wins). */
  async markRenewed(serial: string, by: string): Promise<boolean> {
    return run(`marking certificate ${serial} of ${this.tenant} renewed`, async () =>
      applied((await this.client.execute(`UPDATE ${certsTable(this.tenant)} SET renewed_by = ? WHERE serial = ? IF renewed_by = null`, [by, serial], LWT)).rows),
    );
  }

  /** Undoes markRenewed when the renewal failed (only our own claim: LWT on renewed_by). */
  async unmarkRenewed(serial: string, by: string): Promise<boolean> {
    return run(`undoing the renewal mark of certificate ${serial} of ${this.tenant}`, async () =>
      applied((await this.client.execute(`UPDATE ${certsTable(this.tenant)} SET renewed_by = null WHERE serial = ? IF renewed_by = ?`, [serial, by], LWT)).rows),
    );
  }

  async insertCrl(row: CrlRow): Promise<void> {
    await run(`recording CRL ${row.crlNumber} of ${this.tenant}`, () =>
      this.client.execute(`INSERT INTO ${crlsTable(this.tenant)} (k, crl_number, pem, this_update, next_update, revoked_count, signed_by) VALUES (?, ?, ?, ?, ?, ?, ?)`, ['crl', row.crlNumber, row.pem, row.thisUpdate, row.nextUpdate, row.revokedCount, row.signedBy], Q),
    );
  }
}

function toCertRow(r: { [k: string]: unknown }): CertRow | null {
  const algorithm = alg(r['algorithm']);
  const serial = str(r['serial']);
  const certificatePem = str(r['certificate']);
  const type = r['type'] === 'client' || r['type'] === 'node' ? r['type'] : null;
  // A row without the essentials is not shown as a certificate (the service re-parses the rest).
  if (!algorithm || !serial || !certificatePem || !type) return null;
  const reason = str(r['revocation_reason']);
  return {
    serial,
    caSerial: str(r['ca_serial']) ?? '',
    type,
    commonName: str(r['common_name']) ?? '',
    subject: str(r['subject']) ?? '',
    issuer: str(r['issuer']) ?? '',
    sans: Array.isArray(r['sans']) ? (r['sans'] as unknown[]).filter((s): s is string => typeof s === 'string') : [],
    algorithm,
    notBefore: date(r['not_before']) ?? new Date(0),
    notAfter: date(r['not_after']) ?? new Date(0),
    status: r['status'] === 'revoked' ? 'revoked' : 'active',
    revokedAt: date(r['revoked_at']),
    revocationReason: reason && (REVOCATION_REASONS as readonly string[]).includes(reason) ? (reason as RevocationReason) : null,
    revokedBy: str(r['revoked_by']),
    fingerprint: str(r['fingerprint']) ?? '',
    source: r['source'] === 'csr' ? 'csr' : 'generated',
    certificatePem,
    keyWrapped: blob(r['key_wrapped']),
    keyVersion: r['key_version'] === null || r['key_version'] === undefined ? null : num(r['key_version']),
    issuedBy: str(r['issued_by']) ?? '',
    issuedAt: date(r['issued_at']) ?? new Date(0),
    renewedFrom: str(r['renewed_from']),
    renewedBy: str(r['renewed_by']),
  };
}

/** csm_system rows of the platform root (platform sessions only). */
export class PlatformRootStore {
  constructor(private readonly client: CqlClient) {}

  async get(): Promise<PlatformRootRow | null> {
    const r = await run('reading the platform root CA', async () => (await this.client.execute(`SELECT * FROM ${qualified(SYSTEM_KEYSPACE, 'platform_ca')} WHERE k = ?`, ['root'], Q)).rows[0]);
    if (!r) return null;
    const algorithm = alg(r['algorithm']);
    const keyWrapped = blob(r['key_wrapped']);
    const certificatePem = str(r['certificate']);
    if (!algorithm || !keyWrapped || !certificatePem) throw new AppError('CONFLICT', 'the platform root CA row is incomplete; it is not used');
    return {
      serial: str(r['serial']) ?? '',
      subject: str(r['subject']) ?? '',
      algorithm,
      certificatePem,
      keyWrapped,
      masterFingerprint: str(r['master_fingerprint']) ?? '',
      notBefore: date(r['not_before']) ?? new Date(0),
      notAfter: date(r['not_after']) ?? new Date(0),
      fingerprint: str(r['fingerprint']) ?? '',
      createdBy: str(r['created_by']) ?? '',
      createdAt: date(r['created_at']) ?? new Date(0),
    };
  }

  async insert(row: PlatformRootRow): Promise<boolean> {
    return run('recording the platform root CA', async () =>
      applied(
        (
          await this.client.execute(
            `INSERT INTO ${qualified(SYSTEM_KEYSPACE, 'platform_ca')} (k, serial, subject, algorithm, certificate, key_wrapped, master_fingerprint, not_before, not_after, fingerprint, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) IF NOT EXISTS`,
            ['root', row.serial, row.subject, row.algorithm, row.certificatePem, row.keyWrapped, row.masterFingerprint, row.notBefore, row.notAfter, row.fingerprint, row.createdBy, row.createdAt],
            LWT,
          )
        ).rows,
      ),
    );
  }

  /** LWT on the serial: false when the root already signed one with it. */
  async recordIssued(serial: string, tenant: string, subject: string, notAfter: Date, by: string): Promise<boolean> {
    return run('recording a tenant CA signed by the platform root', async () =>
      applied(
        (
          await this.client.execute(`INSERT INTO ${qualified(SYSTEM_KEYSPACE, 'platform_ca_issued')} (serial, tenant, subject, not_after, issued_by, issued_at) VALUES (?, ?, ?, ?, ?, ?) IF NOT EXISTS`, [serial, tenant, subject, notAfter, by, new Date()], LWT)
        ).rows,
      ),
    );
  }
}
