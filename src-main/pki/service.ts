import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { limitsFor } from '../resources/quotas/store';
import {
  commonNameSchema,
  MAX_SANS,
  sanSchema,
  type CaInfo,
  type CertificateInfo,
  type CertType,
  type ExpiryReport,
  type Issued,
  type PkiAlgorithm,
  type PlatformRoot,
  type RevocationReason,
} from '../../src-shared/contract/pki';
import { isTenantKeyspace, tenantConsoleKeyspace } from '../../src-shared/rules/lifecycle';
import { AppError, isAppError } from '../app/errors';
import type { Logger } from '../app/log';
import type { CqlClient } from '../cassandra/connections';
import { fromDriverError } from '../cassandra/driver-errors';
import { qualified } from '../cassandra/identifiers';
import { SYSTEM_KEYSPACE } from '../cassandra/system-schema';
import { caCertificates, caKeyContext, caSigner, certKeyContext, createPlatformRoot, createTenantCa, keyMatches, pkcs8, platformSigner, privateKeyFrom, BACKDATE_MS, type CaKeyWrap, type CaSigner } from './ca';
import { buildBundle } from './bundle';
import { buildCrl, parseCrl, type ParsedCrl, type RevokedEntry } from './crl';
import { parseCsr } from './csr';
import { checkTargets, fileStem, inDir, planned, writeAll, type PlannedFile, type WrittenFile } from './files';
import { certificateInfo, parseCertificates } from './parse';
import { toPkcs12 } from './pkcs12';
import { caAlgorithm, caValidity, checkCsrAlgorithm, leafAlgorithm, leafValidity, leafWindow, type CertPolicy } from './policy';
import { PkiStore, PlatformRootStore, type CaRow, type CertRow, type RawCertState } from './store';
import { missingTables, ensurePkiTables } from './tables';
import { buildCertificate, generateKeyPair, keyToPkcs8Pem, randomSerial, serialHex } from './x509';

const day = 86_400_000;
/** CRLs say when the next one is due; relying parties that fetch them refresh by then. */
const CRL_VALIDITY_DAYS = 7;

/** One call's view of the tenant: the session the router gave it, who is calling, whether that is platform scope. */
export interface TenantCall {
  cluster: string;
  tenant: string;
  session: CqlClient;
  operator: string;
  /** The operator's own platform session (table creation, csm_system), null for tenant admins. */
  platform: CqlClient | null;
}

export interface PkiServiceDeps {
  /** The tenant's 'ca' data key of that cluster (KeyService.encrypt/decrypt). */
  wrap(cluster: string, tenant: string): CaKeyWrap;
  policy(cluster: string, tenant: string): Promise<CertPolicy>;
  secrets: import('../secrets/types').SecretStore;
  /** Contact points and local DC of the cluster profile. */
  profile(cluster: string): { contactPoints: string[]; localDc: string };
  logger: Logger;
  now?: () => Date;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/** Certificate operations over one tenant's tables (issue 8 items 1–4). */
export class PkiService {
  /** Tenants whose tables this console has prepared (platform) in this process. */
  private readonly prepared = new Set<string>();

  constructor(private readonly deps: PkiServiceDeps) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  // ------------------------------------------------------------------ tables and CA

  /** Before a write: platform prepares the tables; a tenant admin needs them prepared already. */
  private async writable(c: TenantCall): Promise<PkiStore> {
    const key = `${c.cluster}\u0000${c.tenant}`;
    if (!this.prepared.has(key)) {
      if (c.platform) {
        await ensurePkiTables(c.platform, c.tenant);
        this.prepared.add(key);
      } else if ((await missingTables(c.session, c.tenant)).length) {
        throw new AppError('CONFLICT', `tenant ${c.tenant}'s certificate tables are not prepared yet: a platform console prepares them (csm cert ca-init as a platform operator, or provisioning)`);
      } else this.prepared.add(key);
    }
    return new PkiStore(c.session, c.tenant);
  }

  /** Before a read: null when the tables do not exist yet (nothing issued). */
  private async readable(c: TenantCall): Promise<PkiStore | null> {
    if (!this.prepared.has(`${c.cluster}\u0000${c.tenant}`) && (await missingTables(c.session, c.tenant)).length) return null;
    return new PkiStore(c.session, c.tenant);
  }

  private async caRow(c: TenantCall, store: PkiStore): Promise<CaRow> {
    const row = await store.ca();
    if (!row) throw new AppError('NOT_FOUND', `tenant ${c.tenant} has no CA yet (csm cert ca-init --tenant ${c.tenant})`);
    return row;
  }

  private signer(c: TenantCall, row: CaRow): Promise<CaSigner> {
    return caSigner(row, c.tenant, this.deps.wrap(c.cluster, c.tenant));
  }

  async platformRoot(platform: CqlClient): Promise<PlatformRoot | null> {
    const row = await new PlatformRootStore(platform).get();
    if (!row) return null;
    const cert = parseCertificates(row.certificatePem, { what: 'platform root certificate', maxCount: 1 })[0]!;
    const info = certificateInfo(cert);
    return { serial: info.serial, subject: info.subject.text, algorithm: row.algorithm, notBefore: info.notBefore, notAfter: info.notAfter, fingerprintSha256: info.fingerprintSha256, certificatePem: row.certificatePem, createdAt: row.createdAt.toISOString(), createdBy: row.createdBy };
  }

  async platformRootInit(cluster: string, platform: CqlClient, operator: string, input: { algorithm: PkiAlgorithm; validityDays: number }): Promise<PlatformRoot> {
    await createPlatformRoot({ client: platform, secrets: this.deps.secrets, cluster, algorithm: input.algorithm, validityDays: input.validityDays, operator });
    return (await this.platformRoot(platform))!;
  }

  async ca(c: TenantCall): Promise<CaInfo | null> {
    const store = await this.readable(c);
    const row = store ? await store.ca() : null;
    return row ? this.caInfo(c, row) : null;
  }

  private caInfo(c: TenantCall, row: CaRow): CaInfo {
    const { cert } = caCertificates(row, c.tenant);
    const info = certificateInfo(cert);
    return {
      tenant: c.tenant,
      serial: info.serial,
      subject: info.subject.text,
      algorithm: row.algorithm,
      notBefore: info.notBefore,
      notAfter: info.notAfter,
      fingerprintSha256: info.fingerprintSha256,
      kind: row.kind,
      certificatePem: row.certificatePem,
      chainPem: row.chainPem,
      createdAt: row.createdAt.toISOString(),
      createdBy: row.createdBy,
      keyVersion: row.keyVersion,
      crlNumber: row.crlNumber,
      lastCrlAt: iso(row.lastCrlAt),
    };
  }

  async caInit(c: TenantCall, input: { algorithm?: PkiAlgorithm | undefined; validityDays?: number | undefined }): Promise<CaInfo> {
    const store = await this.writable(c);
    if (await store.ca()) throw new AppError('CONFLICT', `tenant ${c.tenant} already has a CA`);
    const policy = await this.deps.policy(c.cluster, c.tenant);
    const algorithm = caAlgorithm(policy, input.algorithm);
    const validityDays = caValidity(policy, input.validityDays);
    // A platform root makes this CA its subordinate. A tenant admin cannot read csm_system: their
    // on-demand CA is a root of its own (provisioning, run by the platform, chains it).
    const root = c.platform ? await platformSigner(c.platform, this.deps.secrets, { tolerateUnreadable: true }) : null;
    const row = await createTenantCa({
      tenant: c.tenant,
      store,
      wrap: this.deps.wrap(c.cluster, c.tenant),
      algorithm,
      validityDays,
      operator: c.operator,
      root,
      rootStore: root && c.platform ? new PlatformRootStore(c.platform) : null,
    });
    return this.caInfo(c, row);
  }

  // ------------------------------------------------------------------ inventory

  /** Re-validates a row against the CA (a tenant admin may write rows): null when it does not hold. */
  private checked(c: TenantCall, row: CertRow, caCert: X509Certificate): X509Certificate | null {
    try {
      const cert = parseCertificates(row.certificatePem, { what: `certificate ${row.serial}`, maxCount: 1 })[0]!;
      const info = certificateInfo(cert);
      if (info.serial !== row.serial || info.fingerprintSha256 !== row.fingerprint || !cert.checkIssued(caCert) || !cert.verify(caCert.publicKey)) throw new AppError('CONFLICT', 'does not match its row or the CA');
      return cert;
    } catch (e) {
      this.deps.logger.warn('certificate row failed re-validation; not shown', { tenant: c.tenant, serial: row.serial, error: e instanceof Error ? e.message : String(e) });
      return null;
    }
  }

  private info(c: TenantCall, row: CertRow, cert: X509Certificate, now: Date): CertificateInfo {
    const s = certificateInfo(cert);
    const notAfter = new Date(s.notAfter);
    const daysLeft = Math.floor((notAfter.getTime() - now.getTime()) / day);
    const status = row.status === 'revoked' ? 'revoked' : notAfter <= now ? 'expired' : 'active';
    const expiryBucket = status === 'expired' ? 'expired' : status === 'active' ? (daysLeft < 7 ? '7' : daysLeft < 14 ? '14' : daysLeft < 30 ? '30' : null) : null;
    return {
      serial: s.serial,
      tenant: c.tenant,
      type: row.type,
      commonName: s.subject.commonName ?? row.commonName,
      subject: s.subject.text,
      issuer: s.issuer.text,
      sans: s.sans,
      algorithm: s.algorithm ?? row.algorithm,
      notBefore: s.notBefore,
      notAfter: s.notAfter,
      status,
      daysLeft,
      expiryBucket,
      revokedAt: iso(row.revokedAt),
      revocationReason: row.status === 'revoked' ? (row.revocationReason ?? 'unspecified') : null,
      fingerprintSha256: s.fingerprintSha256,
      source: row.source,
      hasKey: row.keyWrapped !== null,
      issuedBy: row.issuedBy,
      issuedAt: row.issuedAt.toISOString(),
      renewedFrom: row.renewedFrom,
      renewedBy: row.renewedBy,
    };
  }

  private async inventory(c: TenantCall, store: PkiStore, row: CaRow): Promise<{ row: CertRow; cert: X509Certificate; info: CertificateInfo }[]> {
    return (await this.scan(c, store, row)).valid;
  }

  /**
   * Every row: those that re-validate, and those that do not (a tenant admin may write rows).
   * Quota and CRLs fail closed on the invalid ones; the inventory does not show them.
   */
  private async scan(c: TenantCall, store: PkiStore, row: CaRow): Promise<{ valid: { row: CertRow; cert: X509Certificate; info: CertificateInfo }[]; invalid: RawCertState[] }> {
    const { cert: caCert } = caCertificates(row, c.tenant);
    const now = this.now();
    const valid: { row: CertRow; cert: X509Certificate; info: CertificateInfo }[] = [];
    const invalid: RawCertState[] = [];
    for (const r of await store.certStates()) {
      const cert = r.row ? this.checked(c, r.row, caCert) : null;
      if (r.row && cert) valid.push({ row: r.row, cert, info: this.info(c, r.row, cert, now) });
      else {
        if (!r.row) this.deps.logger.warn('certificate row lacks its essential fields; not shown', { tenant: c.tenant, serial: r.serial });
        invalid.push(r);
      }
    }
    return { valid, invalid };
  }

  async list(c: TenantCall, f: { status: 'active' | 'revoked' | 'expired' | 'all'; type: 'client' | 'node' | 'all'; expiringWithinDays?: number | undefined; text?: string | undefined }): Promise<CertificateInfo[]> {
    const store = await this.readable(c);
    const ca = store ? await store.ca() : null;
    if (!store || !ca) return [];
    const text = f.text?.trim().toLowerCase();
    return (await this.inventory(c, store, ca))
      .map((x) => x.info)
      .filter((i) => (f.status === 'all' || i.status === f.status) && (f.type === 'all' || i.type === f.type))
      .filter((i) => f.expiringWithinDays === undefined || (i.status === 'active' && i.daysLeft <= f.expiringWithinDays))
      .filter((i) => !text || [i.serial, i.commonName, i.subject, ...i.sans].some((v) => v.toLowerCase().includes(text)))
      .sort((a, b) => a.notAfter.localeCompare(b.notAfter) || a.serial.localeCompare(b.serial));
  }

  private async one(c: TenantCall, store: PkiStore, ca: CaRow, serial: string): Promise<{ row: CertRow; cert: X509Certificate; info: CertificateInfo }> {
    const s = serialHex(serial);
    const row = await store.cert(s);
    if (!row) throw new AppError('NOT_FOUND', `tenant ${c.tenant} has no certificate with serial ${s}`);
    const { cert: caCert } = caCertificates(ca, c.tenant);
    const cert = this.checked(c, row, caCert);
    if (!cert) throw new AppError('CONFLICT', `certificate ${s} of tenant ${c.tenant} does not match its row or the tenant's CA; it is not used`);
    return { row, cert, info: this.info(c, row, cert, this.now()) };
  }

  async show(c: TenantCall, serial: string): Promise<{ certificate: CertificateInfo; certificatePem: string; chainPem: string }> {
    const store = await this.readable(c);
    if (!store) throw new AppError('NOT_FOUND', `tenant ${c.tenant} has no certificates`);
    const ca = await this.caRow(c, store);
    const x = await this.one(c, store, ca, serial);
    return { certificate: x.info, certificatePem: x.row.certificatePem, chainPem: ca.chainPem };
  }

  async expiryReport(c: TenantCall): Promise<ExpiryReport> {
    const all = await this.list(c, { status: 'all', type: 'all' });
    const live = all.filter((i) => i.renewedBy === null);
    const active = all.filter((i) => i.status === 'active');
    const counts = {
      active: active.length,
      revoked: all.filter((i) => i.status === 'revoked').length,
      expired: all.filter((i) => i.status === 'expired').length,
      within30: active.filter((i) => i.daysLeft < 30).length,
      within14: active.filter((i) => i.daysLeft < 14).length,
      within7: active.filter((i) => i.daysLeft < 7).length,
    };
    const items = live.filter((i) => (i.status === 'active' && i.daysLeft < 30) || i.status === 'expired').sort((a, b) => a.notAfter.localeCompare(b.notAfter));
    const caInfo = await this.ca(c);
    let ca: { notAfter: string; daysLeft: number; expiryBucket: '30' | '14' | '7' | 'expired' | null } | null = null;
    if (caInfo) {
      const left = Date.parse(caInfo.notAfter) - this.now().getTime();
      const daysLeft = Math.floor(left / day);
      ca = { notAfter: caInfo.notAfter, daysLeft, expiryBucket: left <= 0 ? 'expired' : daysLeft < 7 ? '7' : daysLeft < 14 ? '14' : daysLeft < 30 ? '30' : null };
    }
    return { tenant: c.tenant, generatedAt: this.now().toISOString(), counts, items, ca };
  }

  // ------------------------------------------------------------------ issuance

  private async checkQuota(c: TenantCall, store: PkiStore, ca: CaRow, policy: CertPolicy): Promise<void> {
    // The limit in force is decided by the quotas part (a quota row or raise, else quotas.maxCertificates).
    const limits = await limitsFor(c.platform ?? c.session, c.tenant, 'certificates', { platform: c.platform !== null, configMax: policy.maxCertificates });
    if (limits.hard === null) return;
    const { valid, invalid } = await this.scan(c, store, ca);
    // Rows that fail re-validation count as active: a tenant admin corrupting a row frees no quota.
    const active = valid.filter((x) => x.info.status === 'active' && x.row.renewedBy === null).length + invalid.length;
    if (active >= limits.hard) {
      const note = invalid.length ? ` (${invalid.length} of them rows that fail re-validation, counted as active)` : '';
      const which = limits.source === 'config' ? 'its quota (quotas.maxCertificates) is' : limits.source === 'raise' ? 'hard limit (temporary raise)' : 'hard limit';
      throw new AppError('QUOTA_EXCEEDED', `tenant ${c.tenant} has ${active} active certificates${note}; ${which} ${limits.hard}. Revoke one, or raise the quota`);
    }
  }

  /**
   * Signs and records one leaf: a fresh random serial, inserted with LWT (IF NOT EXISTS) so two
   * consoles can never record the same one; a collision draws again.
   */
  private async sign(
    c: TenantCall,
    store: PkiStore,
    signer: CaSigner,
    a: { type: CertType; commonName: string; sans: string[]; publicKey: KeyObject; privateKey: KeyObject | null; validityDays: number; validityRequested: boolean; source: 'generated' | 'csr'; renewedFrom: string | null; serial?: Buffer },
  ): Promise<{ row: CertRow; cert: X509Certificate; notices: string[] }> {
    const now = this.now().getTime();
    const { notAfter, notice } = leafWindow({ now: new Date(now), notBefore: new Date(now - BACKDATE_MS), caNotAfter: new Date(signer.cert.validTo), validityDays: a.validityDays, requested: a.validityRequested });
    const notices = notice ? [notice] : [];
    const algorithm = certificateInfoAlg(a.publicKey);
    for (let attempt = 0; attempt < 4; attempt++) {
      const serial = attempt === 0 && a.serial ? a.serial : randomSerial();
      const built = buildCertificate({
        kind: a.type,
        serial,
        subject: { commonName: a.commonName, organization: c.tenant },
        notBefore: new Date(now - BACKDATE_MS),
        notAfter,
        publicKey: a.publicKey,
        sans: a.sans,
        issuerKey: signer.key,
        issuerCert: signer.cert.raw,
      });
      const cert = new X509Certificate(built.der);
      const info = certificateInfo(cert);
      const keyWrapped = a.privateKey ? await this.deps.wrap(c.cluster, c.tenant).encrypt(pkcs8(a.privateKey), certKeyContext(info.serial)) : null;
      const row: CertRow = {
        serial: info.serial,
        caSerial: signer.row.serial,
        type: a.type,
        commonName: a.commonName,
        subject: info.subject.text,
        issuer: info.issuer.text,
        sans: info.sans,
        algorithm,
        notBefore: new Date(info.notBefore),
        notAfter: new Date(info.notAfter),
        status: 'active',
        revokedAt: null,
        revocationReason: null,
        revokedBy: null,
        fingerprint: info.fingerprintSha256,
        source: a.source,
        certificatePem: built.pem,
        keyWrapped,
        keyVersion: keyWrapped ? keyWrapped.readUInt32BE(2) : null,
        issuedBy: c.operator,
        issuedAt: new Date(now),
        renewedFrom: a.renewedFrom,
        renewedBy: null,
      };
      if (await store.insertCert(row)) return { row, cert, notices };
      if (a.serial) throw new AppError('CONFLICT', `serial ${info.serial} is already taken in tenant ${c.tenant}'s inventory`);
    }
    throw new AppError('INTERNAL', 'could not draw an unused serial');
  }

  /**
   * Node (serverAuth) certificates are the platform's to issue: every tenant CA chains to the
   * platform root when there is one, so an application trusting its tenant's ca.pem would accept
   * a server certificate another tenant's admin issued for any host name.
   */
  private nodeNeedsPlatform(c: TenantCall, type: CertType, what: string): void {
    if (type === 'node' && !c.platform) {
      throw new AppError('FORBIDDEN', `node certificates are issued by the platform: a tenant admin cannot ${what} a node (server) certificate for tenant ${c.tenant}; ask a platform operator, or use type client`);
    }
  }

  private issued(c: TenantCall, ca: CaRow, row: CertRow, cert: X509Certificate, files: WrittenFile[], notices: string[]): Issued {
    return { certificate: this.info(c, row, cert, this.now()), certificatePem: row.certificatePem, chainPem: ca.chainPem, files, ...(notices.length ? { notices } : {}) };
  }

  /** The leaf files of issue/sign-csr/renew in `outDir`: NAME.crt.pem, NAME.key.pem (when there is a key), ca.pem. */
  private leafTargets(outDir: string, commonName: string, withKey: boolean): { crt: string; key: string | null; ca: string } {
    const stem = fileStem(commonName);
    return { crt: inDir(outDir, `${stem}.crt.pem`), key: withKey ? inDir(outDir, `${stem}.key.pem`) : null, ca: inDir(outDir, 'ca.pem') };
  }

  private writeLeaf(t: { crt: string; key: string | null; ca: string }, certPem: string, key: KeyObject | null, chainPem: string, overwrite: boolean): WrittenFile[] {
    const files: PlannedFile[] = [planned(t.crt, 'certificate', certPem)];
    if (t.key && key) files.push(planned(t.key, 'key', keyToPkcs8Pem(key)));
    files.push(planned(t.ca, 'chain', chainPem));
    return writeAll(files, { overwrite, createDir: true });
  }

  async issue(
    c: TenantCall,
    input: { type: CertType; commonName: string; sans: string[]; algorithm?: PkiAlgorithm | undefined; validityDays?: number | undefined; outDir?: string | undefined; overwrite: boolean },
  ): Promise<Issued> {
    this.nodeNeedsPlatform(c, input.type, 'issue');
    const policy = await this.deps.policy(c.cluster, c.tenant);
    const algorithm = leafAlgorithm(policy, input.algorithm, 'certificate');
    const validityDays = leafValidity(policy, input.validityDays);
    const sans = checkSans(input.sans);
    const targets = input.outDir ? this.leafTargets(input.outDir, input.commonName, true) : null;
    if (targets) checkTargets([targets.crt, targets.key!, targets.ca], { overwrite: input.overwrite, createDir: true });
    const store = await this.writable(c);
    const ca = await this.caRow(c, store);
    await this.checkQuota(c, store, ca, policy);
    const signer = await this.signer(c, ca);
    const pair = await generateKeyPair(algorithm);
    const { row, cert, notices } = await this.sign(c, store, signer, { type: input.type, commonName: input.commonName, sans, publicKey: pair.publicKey, privateKey: pair.privateKey, validityDays, validityRequested: input.validityDays !== undefined, source: 'generated', renewedFrom: null });
    const files = targets ? this.writeLeaf(targets, row.certificatePem, pair.privateKey, ca.chainPem, input.overwrite) : [];
    return this.issued(c, ca, row, cert, files, notices);
  }

  async signCsr(c: TenantCall, input: { type: CertType; csrPem: string; validityDays?: number | undefined; outDir?: string | undefined; overwrite: boolean }): Promise<Issued> {
    this.nodeNeedsPlatform(c, input.type, 'sign');
    const csr = parseCsr(input.csrPem);
    const cn = csr.subject.commonName;
    if (cn === null) throw new AppError('BAD_INPUT', 'CSR: the subject has no common name (CN)');
    const cnOk = commonNameSchema.safeParse(cn);
    if (!cnOk.success) throw new AppError('BAD_INPUT', `CSR: subject CN ${JSON.stringify(cn.slice(0, 80))}: ${cnOk.error.issues[0]?.message ?? 'not allowed'}`);
    const sans = checkSans(csr.sans, 'CSR');
    const policy = await this.deps.policy(c.cluster, c.tenant);
    checkCsrAlgorithm(policy, csr.algorithm);
    const validityDays = leafValidity(policy, input.validityDays);
    const targets = input.outDir ? this.leafTargets(input.outDir, cnOk.data, false) : null;
    if (targets) checkTargets([targets.crt, targets.ca], { overwrite: input.overwrite, createDir: true });
    const store = await this.writable(c);
    const ca = await this.caRow(c, store);
    await this.checkQuota(c, store, ca, policy);
    const signer = await this.signer(c, ca);
    const { row, cert, notices } = await this.sign(c, store, signer, { type: input.type, commonName: cnOk.data, sans, publicKey: csr.publicKey, privateKey: null, validityDays, validityRequested: input.validityDays !== undefined, source: 'csr', renewedFrom: null });
    const files = targets ? this.writeLeaf(targets, row.certificatePem, null, ca.chainPem, input.overwrite) : [];
    return this.issued(c, ca, row, cert, files, notices);
  }

  async renew(c: TenantCall, input: { serial: string; newKey: boolean; validityDays?: number | undefined; outDir?: string | undefined; overwrite: boolean }): Promise<Issued> {
    const store = await this.writable(c);
    const ca = await this.caRow(c, store);
    const old = await this.one(c, store, ca, input.serial);
    if (old.info.status === 'revoked') throw new AppError('CONFLICT', `certificate ${old.info.serial} is revoked; issue a new one instead of renewing it`);
    if (old.row.renewedBy) throw new AppError('CONFLICT', `certificate ${old.info.serial} was already renewed by ${old.row.renewedBy}`);
    // The type the certificate itself says (its extended key usage), not the editable row's.
    const certType = certificateInfo(old.cert).type;
    if (certType !== 'client' && certType !== 'node') throw new AppError('CONFLICT', `certificate ${old.info.serial} is neither a client nor a node certificate (its extended key usage); it is not renewed`);
    this.nodeNeedsPlatform(c, certType, 'renew');
    const policy = await this.deps.policy(c.cluster, c.tenant);
    // Renewing a live certificate swaps one active for another; renewing an expired one adds one.
    if (old.info.status === 'expired') await this.checkQuota(c, store, ca, policy);
    const validityDays = leafValidity(policy, input.validityDays);
    let publicKey: KeyObject;
    let privateKey: KeyObject | null;
    if (input.newKey) {
      if (old.row.source === 'csr') throw new AppError('BAD_INPUT', `certificate ${old.info.serial} was signed from a CSR: the console does not hold its key; renew with the same key, or sign a new CSR`);
      const alg = policy.allowed.includes(old.info.algorithm) ? old.info.algorithm : leafAlgorithm(policy, undefined, 'renewal');
      const pair = await generateKeyPair(alg);
      publicKey = pair.publicKey;
      privateKey = pair.privateKey;
    } else {
      if (!policy.allowed.includes(old.info.algorithm)) throw new AppError('BAD_INPUT', `the key of ${old.info.serial} (${old.info.algorithm}) is no longer allowed by the tenant's policy: renew with a new key`);
      publicKey = old.cert.publicKey;
      privateKey = old.row.keyWrapped ? await this.leafKey(c, old.row, old.cert) : null;
    }
    const targets = input.outDir ? this.leafTargets(input.outDir, old.info.commonName, privateKey !== null) : null;
    if (targets) checkTargets([targets.crt, ...(targets.key ? [targets.key] : []), targets.ca], { overwrite: input.overwrite, createDir: true });
    const signer = await this.signer(c, ca);
    // Claim the renewal first (LWT): of two consoles renewing at once, one wins, and the loser issues nothing.
    const serial = randomSerial();
    const successor = serialHex(serial);
    if (!(await store.markRenewed(old.info.serial, successor))) throw new AppError('CONFLICT', `certificate ${old.info.serial} was renewed meanwhile`);
    let signed: { row: CertRow; cert: X509Certificate; notices: string[] };
    try {
      signed = await this.sign(c, store, signer, {
        type: certType,
        validityRequested: input.validityDays !== undefined,
        commonName: old.info.commonName,
        sans: old.info.sans,
        publicKey,
        privateKey,
        validityDays,
        source: old.row.source,
        renewedFrom: old.info.serial,
        serial,
      });
    } catch (e) {
      // Nothing was issued: the old certificate must not name a successor that does not exist.
      await store.unmarkRenewed(old.info.serial, successor).catch((u: unknown) => this.deps.logger.warn('undoing a renewal mark failed', { tenant: c.tenant, serial: old.info.serial, error: u instanceof Error ? u.message : String(u) }));
      throw e;
    }
    const { row, cert, notices } = signed;
    const files = targets ? this.writeLeaf(targets, row.certificatePem, privateKey, ca.chainPem, input.overwrite) : [];
    return this.issued(c, ca, row, cert, files, notices);
  }

  // ------------------------------------------------------------------ revocation

  async revoke(c: TenantCall, input: { serial: string; reason: RevocationReason }): Promise<CertificateInfo> {
    const store = await this.writable(c);
    const ca = await this.caRow(c, store);
    const x = await this.one(c, store, ca, input.serial);
    if (x.row.status === 'revoked') throw new AppError('CONFLICT', `certificate ${x.info.serial} is already revoked (${x.row.revocationReason ?? 'unspecified'}, ${iso(x.row.revokedAt) ?? '?'})`);
    const at = this.now();
    if (!(await store.revoke(x.info.serial, input.reason, c.operator, at))) throw new AppError('CONFLICT', `certificate ${x.info.serial} was revoked meanwhile`);
    const row = { ...x.row, status: 'revoked' as const, revokedAt: at, revocationReason: input.reason, revokedBy: c.operator };
    return this.info(c, row, x.cert, at);
  }

  /**
   * The entries of the last signed CRL, checked against the CA: a CRL never forgets a revocation,
   * whatever the (tenant-writable) rows say now. Fails closed when that CRL is missing or does not verify.
   */
  private async previousCrlEntries(c: TenantCall, store: PkiStore, ca: CaRow, caCert: X509Certificate): Promise<Map<string, RevokedEntry>> {
    const out = new Map<string, RevokedEntry>();
    const last = await store.latestCrl();
    if (!last) {
      if (ca.crlNumber > 0) throw new AppError('CONFLICT', `tenant ${c.tenant}'s CRL ${ca.crlNumber} is missing from its CRL table; no CRL is signed without the previous one's entries`);
      return out;
    }
    if (last.crlNumber !== ca.crlNumber) throw new AppError('CONFLICT', `tenant ${c.tenant}'s last recorded CRL is number ${last.crlNumber}, but the CA has numbered ${ca.crlNumber}; no CRL is signed until that is resolved`);
    let parsed: ParsedCrl;
    try {
      parsed = parseCrl(last.pem ?? '', caCert);
    } catch (e) {
      throw new AppError('CONFLICT', `tenant ${c.tenant}'s CRL ${last.crlNumber} does not parse (${e instanceof Error ? e.message : String(e)}); no CRL is signed without the previous one's entries`);
    }
    if (!parsed.verified || parsed.crlNumber !== BigInt(last.crlNumber)) throw new AppError('CONFLICT', `tenant ${c.tenant}'s CRL ${last.crlNumber} does not verify against the tenant CA (or its number differs); no CRL is signed without the previous one's entries`);
    for (const r of parsed.revoked) out.set(serialKey(r.serial), { serial: r.serial, revokedAt: r.revokedAt, reason: r.reason ?? 'unspecified' });
    return out;
  }

  async crl(c: TenantCall, input: { out?: string | undefined; overwrite: boolean }): Promise<{ tenant: string; crlNumber: number; thisUpdate: string; nextUpdate: string; revokedCount: number; pem: string; file: WrittenFile | null }> {
    if (input.out) checkTargets([input.out], { overwrite: input.overwrite, createDir: false });
    const store = await this.writable(c);
    for (let attempt = 0; attempt < 4; attempt++) {
      const ca = await this.caRow(c, store);
      const signer = await this.signer(c, ca);
      const previous = await this.previousCrlEntries(c, store, ca, signer.cert);
      const { valid, invalid } = await this.scan(c, store, ca);
      const crlNumber = ca.crlNumber + 1;
      const thisUpdate = new Date(Math.floor(this.now().getTime() / 1000) * 1000);
      const nextUpdate = new Date(thisUpdate.getTime() + CRL_VALIDITY_DAYS * day);
      // Every earlier entry, every revoked row, and every row that fails re-validation but says revoked with a hex serial.
      const entries = new Map(previous);
      for (const x of valid) {
        if (x.row.status === 'revoked' && !entries.has(serialKey(x.row.serial))) entries.set(serialKey(x.row.serial), { serial: x.row.serial, revokedAt: x.row.revokedAt ?? thisUpdate, reason: x.row.revocationReason ?? 'unspecified' });
      }
      for (const r of invalid) {
        if (r.status === 'revoked' && r.serial !== null && !entries.has(serialKey(r.serial))) entries.set(serialKey(r.serial), { serial: r.serial, revokedAt: r.revokedAt ?? thisUpdate, reason: r.revocationReason ?? 'unspecified' });
      }
      if (entries.size < previous.size) throw new AppError('CONFLICT', `tenant ${c.tenant}'s new CRL would list ${entries.size} certificates, fewer than the ${previous.size} of CRL ${ca.crlNumber}; not signed`);
      const revoked = [...entries.values()];
      // The number is claimed first (LWT): two consoles never sign two different CRLs with one number.
      if (!(await store.bumpCrlNumber(ca.crlNumber, crlNumber, thisUpdate))) continue;
      const built = buildCrl({ issuerCert: signer.cert.raw, issuerKey: signer.key, crlNumber, thisUpdate, nextUpdate, revoked });
      await store.insertCrl({ crlNumber, pem: built.pem, thisUpdate, nextUpdate, revokedCount: revoked.length, signedBy: c.operator });
      const file = input.out ? writeAll([planned(input.out, 'crl', built.pem)], { overwrite: input.overwrite, createDir: false })[0]! : null;
      return { tenant: c.tenant, crlNumber, thisUpdate: thisUpdate.toISOString(), nextUpdate: nextUpdate.toISOString(), revokedCount: revoked.length, pem: built.pem, file };
    }
    throw new AppError('CONFLICT', `tenant ${c.tenant}'s CRL number kept moving (other consoles signing CRLs); try again`);
  }

  // ------------------------------------------------------------------ exports

  private async leafKey(c: TenantCall, row: CertRow, cert: X509Certificate): Promise<KeyObject> {
    if (!row.keyWrapped) throw new AppError('BAD_INPUT', `certificate ${row.serial} was signed from a CSR: the console never held its private key (the requester has it)`);
    const key = privateKeyFrom(await this.deps.wrap(c.cluster, c.tenant).decrypt(row.keyWrapped, certKeyContext(row.serial)), `key of certificate ${row.serial}`);
    if (!keyMatches(cert, key)) throw new AppError('CONFLICT', `the stored key of certificate ${row.serial} does not belong to it; it is not exported`);
    return key;
  }

  /** Only live certificates leave the console with their key. */
  private exportable(x: { info: CertificateInfo }, what: string): void {
    if (x.info.status === 'revoked') throw new AppError('CONFLICT', `certificate ${x.info.serial} is revoked (${x.info.revocationReason ?? 'unspecified'}); a revoked certificate is not ${what}`);
    if (x.info.status === 'expired') throw new AppError('CONFLICT', `certificate ${x.info.serial} expired on ${x.info.notAfter}; renew it instead`);
  }

  async export(c: TenantCall, input: { serial: string; format: 'pem' | 'p12'; out: string; password?: string | undefined; overwrite: boolean; includeKey: boolean }): Promise<{ serial: string; format: 'pem' | 'p12'; files: WrittenFile[] }> {
    const store = await this.writable(c);
    const ca = await this.caRow(c, store);
    const x = await this.one(c, store, ca, input.serial);
    this.exportable(x, 'exported');
    if (input.format === 'p12') {
      if (!input.password) throw new AppError('BAD_INPUT', 'a PKCS#12 export needs a password (--password-stdin)');
      if (!x.row.keyWrapped) throw new AppError('BAD_INPUT', `certificate ${x.info.serial} was signed from a CSR: the console never held its private key, so there is no PKCS#12 to make (export it as pem without the key)`);
      checkTargets([input.out], { overwrite: input.overwrite, createDir: false });
      const key = await this.leafKey(c, x.row, x.cert);
      const chain = parseCertificates(ca.chainPem, { what: 'CA chain', maxCount: 4 }).map((k) => k.raw);
      const p12 = toPkcs12({ privateKey: key, certificate: x.cert.raw, chain, password: input.password, friendlyName: x.info.commonName });
      return { serial: x.info.serial, format: 'p12', files: writeAll([planned(input.out, 'p12', p12)], { overwrite: input.overwrite, createDir: false }) };
    }
    if (input.password !== undefined) throw new AppError('BAD_INPUT', 'a password is only used with --format p12');
    if (input.includeKey && !x.row.keyWrapped) {
      throw new AppError('BAD_INPUT', `certificate ${x.info.serial} was signed from a CSR: the console never held its private key (the requester has it); export without the key (includeKey false, --no-key)`);
    }
    const t = this.leafTargets(input.out, x.info.commonName, input.includeKey);
    checkTargets([t.crt, ...(t.key ? [t.key] : []), t.ca], { overwrite: input.overwrite, createDir: true });
    const key = input.includeKey ? await this.leafKey(c, x.row, x.cert) : null;
    return { serial: x.info.serial, format: 'pem', files: this.writeLeaf(t, x.row.certificatePem, key, ca.chainPem, input.overwrite) };
  }

  async bundle(
    c: TenantCall,
    input: { serial: string; out: string; overwrite: boolean },
  ): Promise<{ serial: string; file: WrittenFile; entries: string[]; contactPoints: string[]; localDataCenter: string; keyspaces: string[] }> {
    checkTargets([input.out], { overwrite: input.overwrite, createDir: false });
    const store = await this.writable(c);
    const ca = await this.caRow(c, store);
    const x = await this.one(c, store, ca, input.serial);
    this.exportable(x, 'bundled');
    if (x.row.type !== 'client') throw new AppError('BAD_INPUT', `certificate ${x.info.serial} is a ${x.row.type} certificate; a secure connect bundle carries a client certificate`);
    const key = await this.leafKey(c, x.row, x.cert);
    const profile = this.deps.profile(c.cluster);
    const { hosts, port } = splitContactPoints(profile.contactPoints);
    const keyspaces = await this.keyspaces(c);
    const zip = buildBundle({
      caPem: ca.chainPem,
      certPem: x.row.certificatePem,
      keyPem: keyToPkcs8Pem(key),
      config: { contactPoints: hosts, localDataCenter: profile.localDc, keyspaces, tenant: c.tenant, ...(port !== null ? { port } : {}) },
    });
    const file = writeAll([planned(input.out, 'bundle', zip)], { overwrite: input.overwrite, createDir: false })[0]!;
    return { serial: x.info.serial, file, entries: ['ca.pem', 'client.crt.pem', 'client.key.pem', 'config.json', 'README.txt'], contactPoints: hosts, localDataCenter: profile.localDc, keyspaces };
  }

  /** The tenant's keyspaces: the registry (platform), else the schema's keyspaces that are the tenant's (tenant admins cannot read csm_system). */
  private async keyspaces(c: TenantCall): Promise<string[]> {
    const consoleKs = tenantConsoleKeyspace(c.tenant);
    try {
      if (c.platform) {
        const r = (await c.platform.execute(`SELECT keyspaces FROM ${qualified(SYSTEM_KEYSPACE, 'tenants')} WHERE id = ?`, [c.tenant], { prepare: true })).rows[0];
        const ks = r && Array.isArray(r['keyspaces']) ? (r['keyspaces'] as unknown[]).filter((k): k is string => typeof k === 'string') : [];
        return ks.filter((k) => k !== consoleKs && isTenantKeyspace(c.tenant, k)).sort();
      }
      const rs = await c.session.execute('SELECT keyspace_name FROM system_schema.keyspaces', [], { prepare: true });
      return rs.rows.map((r) => String(r['keyspace_name'])).filter((k) => k !== consoleKs && isTenantKeyspace(c.tenant, k)).sort();
    } catch (e) {
      throw isAppError(e) ? e : fromDriverError(e, `reading the keyspaces of ${c.tenant}`);
    }
  }

  /** Approvable channels that need a second person when the tenant's policy says `certificates.approvalRequired`. */
  async requiresApproval(cluster: string, tenant: string, channel: string): Promise<boolean> {
    if (channel !== 'cert.issue' && channel !== 'cert.signCsr' && channel !== 'cert.renew') return false;
    return (await this.deps.policy(cluster, tenant)).approvalRequired;
  }
}

/** Serials compared as numbers: hex without leading zeros. */
const serialKey = (hex: string): string => hex.toLowerCase().replace(/:/g, '').replace(/^0+(?=.)/, '');

function certificateInfoAlg(publicKey: KeyObject): PkiAlgorithm {
  const k = publicKey.type === 'public' ? publicKey : createPublicKey(publicKey);
  if (k.asymmetricKeyType === 'rsa') {
    const bits = k.asymmetricKeyDetails?.modulusLength;
    if (bits === 2048 || bits === 3072 || bits === 4096) return `rsa-${bits}`;
  } else if (k.asymmetricKeyType === 'ec') {
    const curve = k.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return 'ec-p256';
    if (curve === 'secp384r1') return 'ec-p384';
  }
  throw new AppError('BAD_INPUT', 'key algorithm not supported');
}

/** SANs: DNS names or IP addresses, at most MAX_SANS, no duplicates (case-insensitive). */
export function checkSans(sans: readonly string[], what = 'SAN'): string[] {
  if (sans.length > MAX_SANS) throw new AppError('BAD_INPUT', `${what}: ${sans.length} subject alternative names; at most ${MAX_SANS}`);
  const out: string[] = [];
  const seen = new Set<string>();
  for (const s of sans) {
    const r = sanSchema.safeParse(s);
    if (!r.success) throw new AppError('BAD_INPUT', `${what}: ${JSON.stringify(String(s).slice(0, 80))} is not allowed: a DNS name or an IP address`);
    const k = r.data.toLowerCase();
    if (seen.has(k)) throw new AppError('BAD_INPUT', `${what}: ${r.data} listed twice`);
    seen.add(k);
    out.push(r.data);
  }
  return out;
}

function splitContactPoints(points: string[]): { hosts: string[]; port: number | null } {
  const ports = new Set<number>();
  const hosts = points.map((p) => {
    const m = /^(.*):(\d{1,5})$/.exec(p);
    // Bare IPv6 addresses have colons too: only host:port with a non-IPv6 host (or [v6]:port) is split.
    if (m && (!m[1]!.includes(':') || /^\[.*\]$/.test(m[1]!))) {
      ports.add(Number(m[2]));
      return m[1]!.replace(/^\[|\]$/g, '');
    }
    return p;
  });
  return { hosts, port: ports.size === 1 ? [...ports][0]! : null };
}

export { caKeyContext };
