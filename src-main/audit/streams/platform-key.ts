import { createPrivateKey, createPublicKey, generateKeyPairSync, sign as edSign, type KeyObject } from 'node:crypto';
import { AppError } from '../../app/errors';
import type { CqlClient } from '../../cassandra/connections';
import { fromDriverError } from '../../cassandra/driver-errors';
import { keyspace } from '../../cassandra/identifiers';
import { CassandraKekStore } from '../../keys/cassandra-stores';
import { openEnvelope, sealEnvelope } from '../../keys/envelope';
import { MasterKeyProvider } from '../../keys/master';
import type { SecretStore } from '../../secrets/types';
import type { SignerKey } from '../types';
import { keyFingerprint } from './chain';

const TABLE = `${keyspace('csm_system')}.audit_signing_keys`;
const Q = { prepare: true, consistency: 0x06 } as const;
const LWT = { prepare: true, consistency: 0x06, serialConsistency: 0x09 } as const;
/** Envelope binding of the sealed private key (AAD): not a tenant, a fixed name for the platform. */
const BINDING = { tenantId: 'platform', purpose: 'audit-signing' } as const;

interface KeyRow {
  version: number;
  publicKey: Buffer;
  wrapped: Buffer | null;
  masterFingerprint: string | null;
  state: string;
}

/**
 * The platform stream's Ed25519 signing key (csm_system.audit_signing_keys): the private half
 * sealed under the installation master key, so only a platform console of this installation can
 * sign; the public halves (every version, retired ones too) are readable by any verifier.
 * Created on first use (INSERT … IF NOT EXISTS, so two consoles agree on one key).
 */
export class PlatformSigningKey {
  private signing: { version: number; fingerprint: string; key: KeyObject } | null = null;

  constructor(
    private readonly client: CqlClient,
    private readonly secrets: SecretStore,
    private readonly operator: () => string | null,
  ) {}

  private master(): MasterKeyProvider {
    return new MasterKeyProvider(this.secrets, () => new CassandraKekStore(this.client).anyFingerprint());
  }

  private async rows(): Promise<KeyRow[]> {
    try {
      const rs = await this.client.execute(`SELECT version, public_key, key_wrapped, master_fingerprint, state FROM ${TABLE}`, [], Q);
      return rs.rows
        .map((r) => ({
          version: Number(r['version']),
          publicKey: r['public_key'] as Buffer,
          wrapped: (r['key_wrapped'] as Buffer | null) ?? null,
          masterFingerprint: (r['master_fingerprint'] as string | null) ?? null,
          state: String(r['state'] ?? 'active'),
        }))
        .filter((r) => Buffer.isBuffer(r.publicKey))
        .sort((a, b) => a.version - b.version);
    } catch (e) {
      throw fromDriverError(e, 'reading the platform audit-signing keys');
    }
  }

  async signers(): Promise<SignerKey[]> {
    return (await this.rows()).map((r) => {
      const pub = createPublicKey({ key: r.publicKey, format: 'der', type: 'spki' });
      return { fingerprint: keyFingerprint(pub), version: r.version, publicKeyPem: pub.export({ format: 'pem', type: 'spki' }).toString() };
    });
  }

  /**
   * Rows whose stored public key does not match the private key sealed beside it (a privileged
   * writer replaced it): checked for every row this console's master key opens. Rows without a
   * sealed key (retired) or sealed under another master key cannot be checked here.
   */
  async mismatchedKeys(): Promise<{ version: number; fingerprint: string; actual: string }[]> {
    const m = await this.master().current().catch(() => null);
    if (!m) return [];
    const out: { version: number; fingerprint: string; actual: string }[] = [];
    for (const r of await this.rows()) {
      if (!r.wrapped || (r.masterFingerprint && r.masterFingerprint !== m.fingerprint)) continue;
      const stored = keyFingerprint(createPublicKey({ key: r.publicKey, format: 'der', type: 'spki' }));
      let actual: string;
      try {
        const der = openEnvelope(m.key, { ...BINDING, context: `v${r.version}` }, r.wrapped);
        try {
          actual = keyFingerprint(createPublicKey(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })));
        } finally {
          der.fill(0);
        }
      } catch {
        actual = 'unopenable';
      }
      if (actual !== stored) out.push({ version: r.version, fingerprint: stored, actual });
    }
    return out;
  }

  /** The active key's version and fingerprint, creating version 1 on a cluster that has none. */
  async active(): Promise<{ version: number; fingerprint: string; key: KeyObject }> {
    if (this.signing) return this.signing;
    let rows = await this.rows();
    if (!rows.some((r) => r.state === 'active')) {
      await this.create(Math.max(0, ...rows.map((r) => r.version)) + 1);
      rows = await this.rows();
    }
    const row = rows.filter((r) => r.state === 'active').pop();
    if (!row?.wrapped) throw new AppError('INTERNAL', 'the platform audit-signing key has no sealed private key');
    const m = await this.master().require('signing the platform audit stream');
    if (row.masterFingerprint && row.masterFingerprint !== m.fingerprint) {
      throw new AppError('NOT_FOUND', `the platform audit-signing key is sealed under master key ${row.masterFingerprint}, this console holds ${m.fingerprint}: import that installation's master key share (csm keys import-share)`);
    }
    const der = openEnvelope(m.key, { ...BINDING, context: `v${row.version}` }, row.wrapped);
    try {
      const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
      this.signing = { version: row.version, fingerprint: keyFingerprint(createPublicKey(key)), key };
      return this.signing;
    } finally {
      der.fill(0);
    }
  }

  async sign(data: Uint8Array): Promise<{ keyVersion: number; fingerprint: string; signature: Buffer }> {
    const a = await this.active();
    return { keyVersion: a.version, fingerprint: a.fingerprint, signature: edSign(null, data, a.key) };
  }

  private async create(version: number): Promise<void> {
    const m = await this.master().obtain();
    const pair = generateKeyPairSync('ed25519');
    const der = pair.privateKey.export({ format: 'der', type: 'pkcs8' });
    try {
      const wrapped = sealEnvelope(m.key, { ...BINDING, keyVersion: version, context: `v${version}` }, der);
      await this.client.execute(
        `INSERT INTO ${TABLE} (version, public_key, key_wrapped, master_fingerprint, state, created_by, created_at) VALUES (?, ?, ?, ?, 'active', ?, ?) IF NOT EXISTS`,
        [version, pair.publicKey.export({ format: 'der', type: 'spki' }), wrapped, m.fingerprint, this.operator(), new Date()],
        LWT,
      );
    } catch (e) {
      throw fromDriverError(e, 'creating the platform audit-signing key');
    } finally {
      der.fill(0);
    }
  }
}
