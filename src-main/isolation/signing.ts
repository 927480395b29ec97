import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { AppError } from '../app/errors';
import { secretKey } from '../secrets/secret-key';
import type { SecretStore } from '../secrets/types';
import { isolationReportSchema, type IsolationReport, type ReportVerification } from '../../src-shared/contract/isolation';

/**
 * Exported isolation reports are signed with an Ed25519 key of the installation — a platform
 * report is no tenant's, so no tenant key signs it. The private half lives in the SecretStore
 * (keychain); the public half travels inside the file, so an auditor verifies it offline and
 * pins the key id out of band.
 */
export const REPORT_FORMAT = 'csm-isolation-report/1';

/** Key order fixed recursively, so the signed bytes do not depend on how an object was built. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
    .join(',')}}`;
}

const keyIdOf = (spkiDer: Buffer): string => createHash('sha256').update(spkiDer).digest('hex').slice(0, 16);
const signedBytes = (report: IsolationReport): Buffer => Buffer.from(`${REPORT_FORMAT}\n${canonicalJson(report)}`, 'utf8');

export class ReportSigner {
  private cached: { priv: KeyObject; spki: Buffer } | null = null;

  constructor(private readonly secrets: SecretStore) {}

  /** The installation's key pair, made on first use. */
  private async key(): Promise<{ priv: KeyObject; spki: Buffer }> {
    if (this.cached) return this.cached;
    const name = secretKey.installationReportSigningKey();
    let stored = await this.secrets.get(name);
    if (!stored) {
      const { privateKey } = generateKeyPairSync('ed25519');
      stored = privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
      await this.secrets.set(name, stored);
    }
    const priv = createPrivateKey({ key: Buffer.from(stored, 'base64'), format: 'der', type: 'pkcs8' });
    if (priv.asymmetricKeyType !== 'ed25519') throw new AppError('INTERNAL', 'the stored report-signing key is not an Ed25519 key');
    const spki = createPublicKey(priv).export({ format: 'der', type: 'spki' });
    this.cached = { priv, spki };
    return this.cached;
  }

  /** This installation's key id, or null when it never signed anything (verification makes no key). */
  async ownKeyId(): Promise<string | null> {
    if (this.cached) return keyIdOf(this.cached.spki);
    if (!(await this.secrets.has(secretKey.installationReportSigningKey()))) return null;
    return keyIdOf((await this.key()).spki);
  }

  async sign(report: IsolationReport): Promise<{ text: string; keyId: string }> {
    const { priv, spki } = await this.key();
    const signature = sign(null, signedBytes(report), priv);
    const keyId = keyIdOf(spki);
    const doc = { format: REPORT_FORMAT, report, signature: { algorithm: 'ed25519', keyId, publicKey: spki.toString('base64'), value: signature.toString('base64') } };
    return { text: JSON.stringify(doc, null, 2) + '\n', keyId };
  }
}

/** Offline check of an exported report: the signature against the public key inside it. */
export function verifyReportText(text: string, ownKeyId: string | null): ReportVerification {
  const bad = (reason: string, extra: Partial<ReportVerification> = {}): ReportVerification => ({ valid: false, keyId: null, signedByThisInstallation: false, cluster: null, scannedAt: null, counts: null, reason, ...extra });
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return bad('not JSON');
  }
  const d = doc as { format?: unknown; report?: unknown; signature?: { algorithm?: unknown; publicKey?: unknown; value?: unknown } };
  if (d?.format !== REPORT_FORMAT) return bad(`not an isolation report (format ${JSON.stringify(String(d?.format)).slice(0, 60)})`);
  const parsed = isolationReportSchema.safeParse(d.report);
  if (!parsed.success) return bad('the report body does not match the report format');
  const sig = d.signature;
  if (sig?.algorithm !== 'ed25519' || typeof sig.publicKey !== 'string' || typeof sig.value !== 'string') return bad('no Ed25519 signature in the file');
  const spki = Buffer.from(sig.publicKey, 'base64');
  const keyId = keyIdOf(spki);
  const about = { keyId, cluster: parsed.data.cluster, scannedAt: parsed.data.scannedAt, counts: parsed.data.counts, signedByThisInstallation: ownKeyId !== null && ownKeyId === keyId };
  let pub: KeyObject;
  try {
    pub = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  } catch {
    return bad('the public key in the file is malformed', { keyId });
  }
  if (pub.asymmetricKeyType !== 'ed25519') return bad('the public key in the file is not Ed25519', { keyId });
  // Verify the report exactly as it was parsed from the file (not the zod copy, which could drop fields).
  const ok = verify(null, signedBytes(d.report as IsolationReport), pub, Buffer.from(sig.value, 'base64'));
  return ok ? { valid: true, reason: null, ...about } : { ...bad('the signature does not match the report: it was altered or signed by another key'), ...about, signedByThisInstallation: false };
}
