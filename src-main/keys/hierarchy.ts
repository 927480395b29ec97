import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign as edSign, verify as edVerify, type KeyObject } from 'node:crypto';
import { AppError, isAppError } from '../app/errors';
import { tenantId as checkTenantId } from '../cassandra/identifiers';
import type { SecretStore } from '../secrets/types';
import { envelopeKeyVersion, isEnvelopeError, KEY_BYTES, openEnvelope, openParsed, parseEnvelope, sealEnvelope, EnvelopeError, type EnvelopeKey } from './envelope';
import { deleteHeldKeks, readHeldKeks, writeHeldKeks, type HeldKek } from './local-keks';
import { MasterKeyProvider, type MasterKey } from './master';
import {
  DATA_KEY_PURPOSES,
  STORED_KEY_PURPOSES,
  type CacheCiphertextStore,
  type DataKeyPurpose,
  type DataKeyRecord,
  type DataKeyStore,
  type KekRecord,
  type KekStore,
  type KeyState,
  type StoredKeyPurpose,
} from './ports';
import { checkCancelled, reencryptCache, type RotateOptions, type RotationPhase } from './rotation';
import { openMasterShare, openTenantShare, sealMasterShare, sealTenantShare } from './shares';
import { sealEscrow } from './escrow';

/** Envelope purposes of the hierarchy's own wrappings; data purposes are 'cache' and 'ca'. */
const WRAP_KEK = 'kek';
const WRAP_KEY = 'wrap';
/** Header key id of values wrapped under the master key: there is one master key generation. */
const MASTER_GENERATION = 1;

export interface KeyServiceDeps {
  secrets: SecretStore;
  keks: KekStore;
  dataKeys: DataKeyStore;
  /** The encrypted local cache: needed for rotation (re-encryption) and shred verification. */
  cache?: CacheCiphertextStore;
  now?: () => Date;
  /**
   * How long key records read from the cluster are trusted. Another console may rotate or shred a
   * tenant; after this long, this one sees it. Unwrapped keys are only reachable through records.
   */
  recordTtlMs?: number;
}

export interface KeyVersionInfo {
  version: number;
  state: KeyState;
  createdAt: string | null;
  retiredAt: string | null;
  /** Data keys: the KEK version wrapping it. */
  kekVersion?: number;
}

export interface KeyLine {
  current: number | null;
  versions: KeyVersionInfo[];
}

export interface TenantKeyStatus {
  tenantId: string;
  /** 'master': this console opens the tenant's KEK with the installation master key; 'tenant-share': it holds the KEK itself. */
  source: 'master' | 'tenant-share';
  masterFingerprint: string | null;
  kek: KeyLine;
  dataKeys: Record<StoredKeyPurpose, KeyLine>;
  /** When the current KEK was made: provisioning or the last rotation. */
  lastRotatedAt: string | null;
  pending: { kek: boolean; reencrypt: { purpose: DataKeyPurpose; toVersion: number; done: number; total: number }[] };
  /**
   * Source 'tenant-share' only: the KEK versions the share holds, and whether the tenant's keys
   * have moved on since it was exported (rotated: data keys wrapped under a KEK it lacks).
   */
  share: { versions: number[]; outdated: boolean; clusterKekVersion: number | null } | null;
}

export interface RotationReport {
  tenantId: string;
  /** true when an interrupted rotation was finished instead of a new one started. */
  resumed: boolean;
  kekVersion: number;
  retiredKekVersions: number[];
  rewrapped: number;
  dataKeyVersion: number | null;
  retiredDataKeyVersions: number[];
  reencrypted: number;
  unreadable: string[];
}

export interface ShredReport {
  tenantId: string;
  kekVersionsDestroyed: number;
  dataKeysDestroyed: number;
  /** Whether this console's keychain held the tenant's KEK (tenant key share) and it was removed. */
  keychainEntryRemoved: boolean;
  /** The tenant console keyspace was already gone, so there were no data-key rows to destroy. */
  tenantKeyspaceMissing: boolean;
}

export interface ShredVerification {
  tenantId: string;
  attempted: number;
  failed: number;
  unexpectedlyDecrypted: number;
  /** Why each attempt failed, by error code: NOT_FOUND (no key left) is the expected one. */
  failures: Record<string, number>;
  kekVersionsRemaining: number;
  keychainEntryRemaining: boolean;
  /** Every value failed, no KEK row and no keychain entry remain. */
  shredded: boolean;
}

interface TenantMaterial {
  loadedAt: number;
  records: DataKeyRecord[];
  kekRecords: KekRecord[] | null;
  held: HeldKek[] | null;
  heldChecked: boolean;
  keks: Map<number, Buffer>;
  /** Data keys as Buffers (zeroed when dropped; Node's AES also runs faster from a Buffer than a KeyObject), signing keys as KeyObjects. */
  keys: Map<string, Buffer | KeyObject>;
  /** When a record was last looked for and not found: re-reading the cluster for it again waits a second. */
  misses: Map<string, number>;
}

const MISS_RETRY_MS = 1000;

const slot = (purpose: StoredKeyPurpose, version: number, publicKey: Buffer | null): string =>
  publicKey ? `${purpose}/v${version}/${createHash('sha256').update(publicKey).digest('hex').slice(0, 16)}` : `${purpose}/v${version}`;
const materialKey = (r: DataKeyRecord): string => `${r.purpose}/${r.version}/${r.kekVersion}`;
const highestActive = <T extends { version: number; state: KeyState }>(rows: T[]): T | null =>
  rows.filter((r) => r.state === 'active').reduce<T | null>((best, r) => (best === null || r.version > best.version ? r : best), null);
const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/**
 * The per-tenant key hierarchy (DESIGN §5): installation master key → tenant KEK (csm_system) →
 * data keys and the audit-signing key (tenant console keyspace). Provisioning, encryption,
 * signing, rotation, crypto-shredding and key shares; storage through ports.
 */
export class KeyService {
  readonly master: MasterKeyProvider;
  private readonly now: () => Date;
  private readonly ttl: number;
  private readonly tenants = new Map<string, TenantMaterial>();
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: KeyServiceDeps) {
    this.master = new MasterKeyProvider(deps.secrets, () => deps.keks.anyFingerprint());
    this.now = deps.now ?? (() => new Date());
    this.ttl = deps.recordTtlMs ?? 30_000;
  }

  // ---------------------------------------------------------------------------------------------
  // Provisioning and status

  /** Create whatever the tenant lacks (KEK, cache and CA data keys, signing key). Idempotent, race-safe. */
  async ensureTenantKeys(tenantId: string): Promise<TenantKeyStatus> {
    const t = checkTenantId(tenantId);
    return this.exclusive(t, () => this.provision(t));
  }

  private async provision(t: string): Promise<TenantKeyStatus> {
    let keks = await this.deps.keks.list(t);
    if (keks.some((k) => k.state === 'destroyed')) {
      throw new AppError('CONFLICT', `tenant ${t}'s keys are being shredded; finish the shred before provisioning keys again`);
    }
    if (!highestActive(keks)) {
      const master = await this.master.obtain();
      await this.insertKek(t, master, keks);
      keks = await this.deps.keks.list(t);
    }
    const kek = highestActive(keks)!;
    const records = await this.deps.dataKeys.list(t);
    for (const purpose of STORED_KEY_PURPOSES) {
      const mine = records.filter((r) => r.purpose === purpose);
      if (!highestActive(mine)) await this.insertDataKey(t, purpose, Math.max(0, ...mine.map((r) => r.version)) + 1, kek.version);
    }
    this.drop(t);
    return this.status(t);
  }

  async status(tenantId: string): Promise<TenantKeyStatus> {
    const t = checkTenantId(tenantId);
    const m = await this.material(t, true);
    const held = m.held;
    const master = held ? null : await this.master.current();
    const kekRows: KeyVersionInfo[] = held
      ? held.map((k) => ({ version: k.version, state: k.state, createdAt: iso(k.createdAt), retiredAt: null }))
      : (m.kekRecords ?? []).map((k) => ({ version: k.version, state: k.state, createdAt: iso(k.createdAt), retiredAt: iso(k.retiredAt) }));
    kekRows.sort((a, b) => b.version - a.version);
    const currentKek = highestActive(kekRows);
    const line = (purpose: StoredKeyPurpose): KeyLine => {
      const rows = m.records.filter((r) => r.purpose === purpose).sort((a, b) => b.version - a.version);
      return {
        current: highestActive(rows)?.version ?? null,
        versions: rows.map((r) => ({ version: r.version, state: r.state, createdAt: iso(r.createdAt), retiredAt: iso(r.retiredAt), kekVersion: r.kekVersion })),
      };
    };
    const reencrypt: TenantKeyStatus['pending']['reencrypt'] = [];
    if (this.deps.cache) {
      for (const purpose of DATA_KEY_PURPOSES) {
        const j = await this.deps.cache.readJournal(t, purpose);
        if (j) reencrypt.push({ purpose, toVersion: j.toVersion, done: j.done, total: j.total });
      }
    }
    const live = m.records.filter((r) => r.state !== 'destroyed');
    // A share exported before a rotation lacks the KEK the data keys are now wrapped under: that
    // is an old share (import a fresh one), not an unfinished rotation.
    const share = held
      ? {
          versions: held.map((k) => k.version).sort((a, b) => a - b),
          outdated: live.some((r) => !held.some((k) => k.version === r.kekVersion)),
          clusterKekVersion: live.length ? Math.max(...live.map((r) => r.kekVersion)) : null,
        }
      : null;
    return {
      tenantId: t,
      source: held ? 'tenant-share' : 'master',
      masterFingerprint: master?.fingerprint ?? null,
      kek: { current: currentKek?.version ?? null, versions: kekRows },
      dataKeys: { cache: line('cache'), ca: line('ca'), signing: line('signing') },
      lastRotatedAt: currentKek?.createdAt ?? null,
      pending: {
        kek: !share?.outdated && (kekRows.filter((k) => k.state === 'active').length > 1 || live.some((r) => currentKek !== null && r.kekVersion !== currentKek.version)),
        reencrypt,
      },
      share,
    };
  }

  /** Status of every tenant with a KEK on this cluster (platform consoles). */
  async statusAll(): Promise<TenantKeyStatus[]> {
    const out: TenantKeyStatus[] = [];
    for (const t of (await this.deps.keks.tenants()).sort()) out.push(await this.status(t));
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // Data: encrypt, decrypt, sign

  async encrypt(tenantId: string, purpose: DataKeyPurpose, plaintext: Uint8Array | string, opts: { context?: string } = {}): Promise<Buffer> {
    const t = checkTenantId(tenantId);
    const p = checkPurpose(purpose);
    const rec = await this.record(t, p, null);
    const key = await this.dataKey(t, rec);
    const pt = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
    return sealEnvelope(key, { tenantId: t, purpose: p, keyVersion: rec.version, context: opts.context ?? '' }, pt);
  }

  async decrypt(tenantId: string, purpose: DataKeyPurpose, ciphertext: Uint8Array, opts: { context?: string } = {}): Promise<Buffer> {
    const t = checkTenantId(tenantId);
    const p = checkPurpose(purpose);
    const rec = await this.record(t, p, envelopeKeyVersion(ciphertext));
    const key = await this.dataKey(t, rec);
    return openEnvelope(key, { tenantId: t, purpose: p, context: opts.context ?? '' }, ciphertext);
  }

  /** Many values of one tenant and purpose (a cached list): each key version is looked up once. */
  async decryptMany(tenantId: string, purpose: DataKeyPurpose, items: readonly { ciphertext: Uint8Array; context?: string }[]): Promise<Buffer[]> {
    const t = checkTenantId(tenantId);
    const p = checkPurpose(purpose);
    // Copies: the loop awaits, and a concurrent rotation or shred zeroes the cached keys meanwhile.
    const byVersion = new Map<number, Buffer>();
    try {
      const parsed = items.map((it) => parseEnvelope(it.ciphertext));
      for (const env of parsed) {
        if (!byVersion.has(env.keyVersion)) byVersion.set(env.keyVersion, Buffer.from((await this.dataKey(t, await this.record(t, p, env.keyVersion))) as Buffer));
      }
      return parsed.map((env, i) => openParsed(byVersion.get(env.keyVersion)!, { tenantId: t, purpose: p, context: items[i]!.context ?? '' }, env));
    } finally {
      for (const k of byVersion.values()) k.fill(0);
    }
  }

  /** Ed25519 signature with the tenant's active signing key (audit snapshots). */
  async sign(tenantId: string, data: Uint8Array): Promise<{ keyVersion: number; signature: Buffer }> {
    const t = checkTenantId(tenantId);
    const rec = await this.record(t, 'signing', null);
    const key = await this.dataKey(t, rec);
    if (Buffer.isBuffer(key)) throw new AppError('INTERNAL', 'a signing key must be a private key object');
    return { keyVersion: rec.version, signature: edSign(null, data, key) };
  }

  /** Needs only the public half, so an auditor's console verifies without any KEK. */
  async verify(tenantId: string, data: Uint8Array, signature: Uint8Array, keyVersion: number): Promise<boolean> {
    const pub = await this.signingPublicKey(tenantId, keyVersion);
    return edVerify(null, data, createPublicKey(pub.pem), signature);
  }

  async signingPublicKey(tenantId: string, keyVersion?: number): Promise<{ version: number; pem: string }> {
    const t = checkTenantId(tenantId);
    const rec = await this.record(t, 'signing', keyVersion ?? null);
    if (!rec.publicKey) throw new AppError('INTERNAL', `tenant ${t}'s signing key version ${rec.version} has no public key`);
    const pem = createPublicKey({ key: rec.publicKey, format: 'der', type: 'spki' }).export({ format: 'pem', type: 'spki' }).toString();
    return { version: rec.version, pem };
  }

  // ---------------------------------------------------------------------------------------------
  // Rotation

  /**
   * Rotate the tenant: a new KEK with every data key rewrapped under it and the old KEK retired,
   * then a new cache data key with the cache re-encrypted. If an earlier rotation was interrupted,
   * that one is finished instead (nothing new is started), so retrying after a crash is safe.
   */
  async rotate(tenantId: string, opts: RotateOptions = {}): Promise<RotationReport> {
    const t = checkTenantId(tenantId);
    return this.exclusive(t, async () => {
      const pending = await this.pending(t);
      return this.rotateOrResume(t, opts, pending);
    });
  }

  /** Finish an interrupted rotation, if any; starts nothing new. */
  async resume(tenantId: string, opts: RotateOptions = {}): Promise<RotationReport & { hadPending: boolean }> {
    const t = checkTenantId(tenantId);
    return this.exclusive(t, async () => {
      const pending = await this.pending(t);
      return { ...(await this.rotateOrResume(t, opts, true)), hadPending: pending };
    });
  }

  /** `resumeOnly`: finish what an interrupted rotation left; otherwise a full new rotation. */
  private async rotateOrResume(t: string, opts: RotateOptions, resumeOnly: boolean): Promise<RotationReport> {
    const kek = await this.doRotateKek(t, { ...opts, resumeOnly });
    const data = await this.doRotateDataKey(t, 'cache', { ...opts, resumeOnly });
    return {
      tenantId: t,
      resumed: resumeOnly,
      kekVersion: kek.kekVersion,
      retiredKekVersions: kek.retired,
      rewrapped: kek.rewrapped,
      dataKeyVersion: data.version,
      retiredDataKeyVersions: data.retired,
      reencrypted: data.reencrypted,
      unreadable: data.unreadable,
    };
  }

  /** New KEK version (unless `resumeOnly`), every data key rewrapped under the newest, older KEKs retired. */
  async rotateKek(tenantId: string, opts: RotateOptions & { resumeOnly?: boolean } = {}): Promise<{ kekVersion: number; rewrapped: number; retired: number[] }> {
    const t = checkTenantId(tenantId);
    return this.exclusive(t, () => this.doRotateKek(t, opts));
  }

  private async doRotateKek(t: string, opts: RotateOptions & { resumeOnly?: boolean }): Promise<{ kekVersion: number; rewrapped: number; retired: number[] }> {
    const progress = (phase: RotationPhase, done: number, total: number): void => opts.onProgress?.({ tenantId: t, phase, done, total });
    let keks = await this.deps.keks.list(t);
    if (!highestActive(keks)) throw this.noKeys(t, keks);
    if (!opts.resumeOnly) {
      checkCancelled(opts.signal, t);
      progress('kek', 0, 1);
      // Open the current KEK first: proves this console's master key is the one that wrapped it.
      await this.kekBytes(t, highestActive(keks)!.version, keks);
      await this.insertKek(t, await this.master.require(`rotating tenant ${t}'s keys`), keks);
      keks = await this.deps.keks.list(t);
      progress('kek', 1, 1);
    }
    const target = highestActive(keks)!;
    // A copy: the loop below awaits, and the cached one may be zeroed by a concurrent drop meanwhile.
    const targetKey = Buffer.from(await this.kekBytes(t, target.version, keks));
    let rewrapped = 0;
    try {
      const records = (await this.deps.dataKeys.list(t)).filter((r) => r.state !== 'destroyed' && r.kekVersion !== target.version);
      progress('rewrap', 0, records.length);
      for (const r of records) {
        checkCancelled(opts.signal, t);
        const material = this.unwrapKeyBytes(t, r, await this.kekBytes(t, r.kekVersion, keks));
        try {
          const wrapped = sealEnvelope(targetKey, { tenantId: t, purpose: WRAP_KEY, keyVersion: target.version, context: slot(r.purpose, r.version, r.publicKey) }, material);
          // Lost compare-and-set: another console rewrapped it first, which is just as good.
          if (await this.deps.dataKeys.rewrap(t, r.purpose, r.version, r.kekVersion, target.version, wrapped)) rewrapped++;
        } finally {
          material.fill(0);
        }
        progress('rewrap', rewrapped, records.length);
      }
    } finally {
      targetKey.fill(0);
    }
    const retired: number[] = [];
    const old = keks.filter((k) => k.state === 'active' && k.version < target.version);
    for (const k of old) {
      if (await this.deps.keks.setState(t, k.version, 'active', 'retired', this.now())) retired.push(k.version);
      progress('retire-kek', retired.length, old.length);
    }
    this.drop(t);
    return { kekVersion: target.version, rewrapped, retired };
  }

  /**
   * New data key version for `purpose` (unless `resumeOnly`); for 'cache', every cache value is
   * re-encrypted under it (journalled, resumable) before older versions are retired. Retired keys
   * still open old values (a CA key sealed under one keeps working); they just seal nothing new.
   */
  async rotateDataKey(
    tenantId: string,
    purpose: StoredKeyPurpose,
    opts: RotateOptions & { resumeOnly?: boolean } = {},
  ): Promise<{ version: number | null; retired: number[]; reencrypted: number; unreadable: string[] }> {
    const t = checkTenantId(tenantId);
    return this.exclusive(t, () => this.doRotateDataKey(t, purpose, opts));
  }

  private async doRotateDataKey(
    t: string,
    purpose: StoredKeyPurpose,
    opts: RotateOptions & { resumeOnly?: boolean },
  ): Promise<{ version: number | null; retired: number[]; reencrypted: number; unreadable: string[] }> {
    const progress = (phase: RotationPhase, done: number, total: number): void => opts.onProgress?.({ tenantId: t, phase, done, total });
    const cache = purpose === 'cache' ? this.deps.cache : undefined;
    let journal = cache ? await cache.readJournal(t, 'cache') : null;
    let records = (await this.deps.dataKeys.list(t)).filter((r) => r.purpose === purpose);
    const active = records.filter((r) => r.state === 'active');
    if (active.length === 0) {
      if (opts.resumeOnly) return { version: null, retired: [], reencrypted: 0, unreadable: [] };
      throw this.noKeys(t, []);
    }
    const interrupted = journal !== null || active.length > 1;
    if (!interrupted) {
      if (opts.resumeOnly) return { version: active[0]!.version, retired: [], reencrypted: 0, unreadable: [] };
      checkCancelled(opts.signal, t);
      progress('data-key', 0, 1);
      const keks = await this.deps.keks.list(t);
      const kek = highestActive(keks);
      if (!kek) throw this.noKeys(t, keks);
      await this.insertDataKey(t, purpose, Math.max(...records.map((r) => r.version)) + 1, kek.version);
      records = (await this.deps.dataKeys.list(t)).filter((r) => r.purpose === purpose);
      this.drop(t);
      progress('data-key', 1, 1);
    }
    const target = highestActive(records)!;
    /** The version everything now lives under; below it, active versions are retired. */
    let settled = target.version;
    let reencrypted = 0;
    let unreadable: string[] = [];
    if (cache) {
      if (journal && journal.toVersion !== target.version) {
        if (!records.some((r) => r.version === journal!.toVersion && r.state !== 'destroyed')) {
          // The cluster lost the key the journal was moving to (a shred, a restore): start over towards the current one.
          journal = null;
        }
      }
      const now = this.now().toISOString();
      journal ??= { tenantId: t, purpose: 'cache', toVersion: target.version, cursor: null, done: 0, total: await cache.countStale(t, 'cache', target.version), startedAt: now, updatedAt: now };
      await cache.writeJournal(journal);
      const toVersion = journal.toVersion;
      // An older journal moving towards a version below the newest (another console rotated again
      // meanwhile): finish it, leave the newer version active, and the next rotation resumes there.
      settled = toVersion;
      const result = await reencryptCache({
        cache,
        journal,
        now: this.now,
        opts,
        reseal: async (row) => {
          let plain: Buffer;
          try {
            plain = await this.decrypt(t, 'cache', row.ciphertext, { context: row.key });
          } catch (e) {
            if (isEnvelopeError(e)) return null;
            throw e;
          }
          try {
            const rec = await this.record(t, 'cache', toVersion);
            return sealEnvelope(await this.dataKey(t, rec), { tenantId: t, purpose: 'cache', keyVersion: toVersion, context: row.key }, plain);
          } finally {
            plain.fill(0);
          }
        },
      });
      reencrypted = result.journal.done - journal.done;
      unreadable = result.unreadable;
    }
    const retired: number[] = [];
    const old = records.filter((r) => r.state === 'active' && r.version < settled);
    for (const r of old) {
      if (await this.deps.dataKeys.setState(t, purpose, r.version, 'active', 'retired', this.now())) retired.push(r.version);
      progress('retire-data-key', retired.length, old.length);
    }
    if (cache) await cache.clearJournal(t, 'cache');
    this.drop(t);
    return { version: target.version, retired, reencrypted, unreadable };
  }

  /** New audit-signing key pair; older ones are retired and keep verifying. */
  async rotateSigningKey(tenantId: string): Promise<{ version: number; retired: number[] }> {
    const r = await this.rotateDataKey(tenantId, 'signing');
    return { version: r.version!, retired: r.retired };
  }

  // ---------------------------------------------------------------------------------------------
  // Crypto-shredding

  /**
   * Destroy every KEK version of the tenant (overwrite, mark destroyed, delete), its data-key
   * rows, and this console's keychain entry for it. Everything sealed for the tenant becomes
   * undecryptable. Idempotent: rerun after a failure to finish.
   */
  async shred(tenantId: string): Promise<ShredReport> {
    const t = checkTenantId(tenantId);
    return this.exclusive(t, () => this.doShred(t));
  }

  private async doShred(t: string): Promise<ShredReport> {
    this.drop(t);
    let kekVersionsDestroyed = 0;
    for (const k of await this.deps.keks.list(t)) {
      await this.deps.keks.overwrite(t, k.version, randomBytes(k.wrapped.length));
      if (k.state !== 'destroyed') await this.deps.keks.setState(t, k.version, k.state, 'destroyed', this.now());
      await this.deps.keks.delete(t, k.version);
      kekVersionsDestroyed++;
    }
    let dataKeysDestroyed = 0;
    let tenantKeyspaceMissing = false;
    try {
      for (const r of await this.deps.dataKeys.list(t)) {
        await this.deps.dataKeys.overwrite(t, r.purpose, r.version, randomBytes(r.wrapped.length));
        if (r.state !== 'destroyed') await this.deps.dataKeys.setState(t, r.purpose, r.version, r.state, 'destroyed', this.now());
        await this.deps.dataKeys.delete(t, r.purpose, r.version);
        dataKeysDestroyed++;
      }
    } catch (e) {
      if (!(isAppError(e) && e.code === 'NOT_FOUND')) throw e;
      tenantKeyspaceMissing = true;
    }
    if (this.deps.cache) for (const p of DATA_KEY_PURPOSES) await this.deps.cache.clearJournal(t, p);
    let keychainEntryRemoved: boolean;
    try {
      keychainEntryRemoved = await deleteHeldKeks(this.deps.secrets, t);
    } catch (e) {
      const code = isAppError(e) ? e.code : 'KEYCHAIN_UNAVAILABLE';
      const why = isAppError(e) ? e.message : 'the keychain failed';
      throw new AppError(code, `tenant ${t}'s keys were destroyed on the cluster, but this console's keychain entry could not be removed (${why}); run the shred again`);
    }
    this.drop(t);
    return { tenantId: t, kekVersionsDestroyed, dataKeysDestroyed, keychainEntryRemoved, tenantKeyspaceMissing };
  }

  /** Try to open every cached value of the tenant with everything this console can reach; count the outcome. */
  async verifyShred(tenantId: string): Promise<ShredVerification> {
    const t = checkTenantId(tenantId);
    const cache = this.deps.cache;
    if (!cache) throw new AppError('INTERNAL', 'shred verification needs the encrypted cache store');
    this.drop(t);
    let attempted = 0;
    let unexpectedlyDecrypted = 0;
    const failures: Record<string, number> = {};
    for (let after: string | null = null; ; ) {
      const rows = await cache.list(t, { after, limit: 500 });
      if (rows.length === 0) break;
      for (const row of rows) {
        attempted++;
        try {
          const plain = await this.decrypt(t, row.purpose, row.ciphertext, { context: row.key });
          plain.fill(0);
          unexpectedlyDecrypted++;
        } catch (e) {
          const code = isAppError(e) ? e.code : 'INTERNAL';
          failures[code] = (failures[code] ?? 0) + 1;
        }
      }
      after = rows[rows.length - 1]!.key;
    }
    const kekVersionsRemaining = (await this.deps.keks.list(t)).length;
    const keychainEntryRemaining = (await readHeldKeks(this.deps.secrets, t).catch(() => [])) !== null;
    const failed = attempted - unexpectedlyDecrypted;
    return {
      tenantId: t,
      attempted,
      failed,
      unexpectedlyDecrypted,
      failures,
      kekVersionsRemaining,
      keychainEntryRemaining,
      shredded: unexpectedlyDecrypted === 0 && kekVersionsRemaining === 0 && !keychainEntryRemaining,
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Shares and escrow

  async exportMasterShare(passphrase: string): Promise<string> {
    const m = await this.master.require('exporting the master key share');
    return sealMasterShare(m.key, passphrase);
  }

  async importMasterShare(text: string, passphrase: string, opts: { force?: boolean } = {}): Promise<{ fingerprint: string; replaced: string | null; unchanged: boolean }> {
    const key = await openMasterShare(text, passphrase);
    try {
      const result = await this.master.install(key, opts);
      this.tenants.clear();
      return result;
    } finally {
      key.fill(0);
    }
  }

  /** One tenant's KEK versions (not destroyed), for a tenant admin's console. */
  async exportTenantShare(tenantId: string, passphrase: string): Promise<string> {
    const t = checkTenantId(tenantId);
    const keks = await this.exportableKeks(t);
    try {
      return await sealTenantShare(t, keks, passphrase);
    } finally {
      for (const k of keks) k.key.fill(0);
    }
  }

  /** Hold the tenant's KEK in this console's keychain; replaces an older share of the same tenant. */
  async importTenantShare(text: string, passphrase: string): Promise<{ tenantId: string; versions: number[] }> {
    const share = await openTenantShare(text, passphrase);
    try {
      await writeHeldKeks(this.deps.secrets, share.tenantId, share.keks);
      this.drop(share.tenantId);
      return { tenantId: share.tenantId, versions: share.keks.map((k) => k.version).sort((a, b) => a - b) };
    } finally {
      for (const k of share.keks) k.key.fill(0);
    }
  }

  /** Drop a tenant key share from this console (a tenant admin leaving); the tenant's keys elsewhere are untouched. */
  async removeTenantShare(tenantId: string): Promise<boolean> {
    const t = checkTenantId(tenantId);
    this.drop(t);
    return deleteHeldKeks(this.deps.secrets, t);
  }

  /** The tenant's KEK versions sealed to an escrow agent's RSA or EC public key (PEM). */
  async exportEscrow(tenantId: string, publicKeyPem: string): Promise<string> {
    const t = checkTenantId(tenantId);
    const keks = await this.exportableKeks(t);
    try {
      return sealEscrow(t, keks, publicKeyPem);
    } finally {
      for (const k of keks) k.key.fill(0);
    }
  }

  /** Forget unwrapped keys held in memory (one tenant, or all and the master key). */
  forget(tenantId?: string): void {
    if (tenantId !== undefined) {
      this.drop(tenantId);
      return;
    }
    for (const t of [...this.tenants.keys()]) this.drop(t);
    this.master.forget();
  }

  // ---------------------------------------------------------------------------------------------
  // Internals

  /** One provisioning, rotation or shred per tenant at a time in this process. */
  private exclusive<T>(t: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(t) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.locks.set(t, tail);
    void tail.then(() => {
      if (this.locks.get(t) === tail) this.locks.delete(t);
    });
    return run;
  }

  private async exportableKeks(t: string): Promise<HeldKek[]> {
    const keks = await this.deps.keks.list(t);
    const live = keks.filter((k) => k.state !== 'destroyed').sort((a, b) => a.version - b.version);
    if (live.length === 0) throw this.noKeys(t, keks);
    const out: HeldKek[] = [];
    for (const k of live) {
      out.push({ version: k.version, key: Buffer.from(await this.kekBytes(t, k.version, keks)), state: k.state, createdAt: k.createdAt });
    }
    return out;
  }

  /** Whether an earlier rotation stopped half-way (KEKs, rewrapping, or cache re-encryption). */
  private async pending(t: string): Promise<boolean> {
    const keks = await this.deps.keks.list(t);
    const current = highestActive(keks);
    if (keks.filter((k) => k.state === 'active').length > 1) return true;
    const records = await this.deps.dataKeys.list(t);
    if (current && records.some((r) => r.state !== 'destroyed' && r.kekVersion !== current.version)) return true;
    if (records.filter((r) => r.purpose === 'cache' && r.state === 'active').length > 1) return true;
    return this.deps.cache !== undefined && (await this.deps.cache.readJournal(t, 'cache')) !== null;
  }

  private noKeys(t: string, keks: KekRecord[]): AppError {
    if (keks.some((k) => k.state === 'destroyed')) return new AppError('NOT_FOUND', `tenant ${t}'s keys have been shredded`);
    return new AppError('NOT_FOUND', `tenant ${t} has no keys (not provisioned, or shredded)`);
  }

  private async insertKek(t: string, master: MasterKey, existing: KekRecord[]): Promise<void> {
    const foreign = existing.find((k) => k.state !== 'destroyed' && k.masterFingerprint !== master.fingerprint);
    if (foreign) throw masterMismatch(t, foreign, master);
    const version = Math.max(0, ...existing.map((k) => k.version)) + 1;
    const kek = randomBytes(KEY_BYTES);
    try {
      const wrapped = sealEnvelope(master.key, { tenantId: t, purpose: WRAP_KEK, keyVersion: MASTER_GENERATION, context: `v${version}/${master.fingerprint}` }, kek);
      // false: another console made this version at the same moment; theirs stands, and callers re-read.
      await this.deps.keks.insert({ tenantId: t, version, wrapped, masterFingerprint: master.fingerprint, state: 'active', createdAt: this.now(), retiredAt: null });
    } finally {
      kek.fill(0);
    }
  }

  private async insertDataKey(t: string, purpose: StoredKeyPurpose, version: number, kekVersion: number): Promise<void> {
    const kek = await this.kekBytes(t, kekVersion, null);
    let material: Buffer;
    let publicKey: Buffer | null = null;
    if (purpose === 'signing') {
      const pair = generateKeyPairSync('ed25519');
      material = pair.privateKey.export({ format: 'der', type: 'pkcs8' });
      publicKey = pair.publicKey.export({ format: 'der', type: 'spki' });
    } else {
      material = randomBytes(KEY_BYTES);
    }
    try {
      const wrapped = sealEnvelope(kek, { tenantId: t, purpose: WRAP_KEY, keyVersion: kekVersion, context: slot(purpose, version, publicKey) }, material);
      await this.deps.dataKeys.insert(t, { purpose, version, kekVersion, wrapped, publicKey, state: 'active', createdAt: this.now(), retiredAt: null });
    } finally {
      material.fill(0);
    }
  }

  private drop(t: string): void {
    const m = this.tenants.get(t);
    if (!m) return;
    for (const k of m.keks.values()) k.fill(0);
    for (const k of m.keys.values()) if (Buffer.isBuffer(k)) k.fill(0);
    for (const h of m.held ?? []) h.key.fill(0);
    this.tenants.delete(t);
  }

  private async material(t: string, fresh = false): Promise<TenantMaterial> {
    let m = this.tenants.get(t);
    if (m && (fresh || Date.now() - m.loadedAt > this.ttl)) {
      // Keep unwrapped keys whose records are unchanged; drop the rest with the stale records.
      const records = await this.listDataKeys(t);
      const live = new Set(records.filter((r) => r.state !== 'destroyed').map(materialKey));
      for (const [k, v] of [...m.keys]) {
        if (live.has(k)) continue;
        if (Buffer.isBuffer(v)) v.fill(0);
        m.keys.delete(k);
      }
      m.records = records;
      m.kekRecords = null;
      m.loadedAt = Date.now();
      if (fresh) {
        for (const k of m.keks.values()) k.fill(0);
        m.keks.clear();
        m.heldChecked = false;
      }
    }
    if (!m) {
      m = { loadedAt: Date.now(), records: await this.listDataKeys(t), kekRecords: null, held: null, heldChecked: false, keks: new Map(), keys: new Map(), misses: new Map() };
      this.tenants.set(t, m);
    }
    if (!m.heldChecked) {
      for (const h of m.held ?? []) h.key.fill(0);
      m.held = await readHeldKeks(this.deps.secrets, t);
      m.heldChecked = true;
    }
    if (!m.held && m.kekRecords === null && fresh) m.kekRecords = await this.readableKeks(t);
    return m;
  }

  /**
   * The tenant's wrapped KEKs, for opening its keys. Only platform roles may read csm_system: a
   * tenant admin's session is refused there by Cassandra, and what that console lacks is not a
   * grant but a key — so say which key and how it gets one, instead of passing the refusal on.
   */
  private async readableKeks(t: string): Promise<KekRecord[]> {
    try {
      return await this.deps.keks.list(t);
    } catch (e) {
      if (!(isAppError(e) && e.code === 'UNAUTHORIZED_STATEMENT')) throw e;
      throw new AppError(
        'NOT_FOUND',
        `this console holds no key for tenant ${t}: the tenant's keys are opened either with the installation master key, by a platform operator's session ` +
          `(this session's role may not read the wrapped keys in csm_system), or with a tenant key share of ${t}. ` +
          `A platform operator exports one (the tenant's Keys tab, or csm keys export-tenant-share --tenant ${t}); import it here under Settings → Key shares (or csm keys import-tenant-share)`,
        { cause: e },
      );
    }
  }

  /** A tenant console keyspace that is gone (a decommissioned tenant) has no keys. */
  private async listDataKeys(t: string): Promise<DataKeyRecord[]> {
    try {
      return await this.deps.dataKeys.list(t);
    } catch (e) {
      if (isAppError(e) && e.code === 'NOT_FOUND') return [];
      throw e;
    }
  }

  /** The record for `version` (null: the active one), re-reading once if this console's copy is stale. */
  private async record(t: string, purpose: StoredKeyPurpose, version: number | null): Promise<DataKeyRecord> {
    const pick = (m: TenantMaterial): DataKeyRecord | null => {
      const mine = m.records.filter((r) => r.purpose === purpose);
      if (version === null) return highestActive(mine);
      return mine.find((r) => r.version === version && r.state !== 'destroyed') ?? null;
    };
    let m = await this.material(t);
    let rec = pick(m);
    const miss = `${purpose}/${version ?? 'active'}`;
    if (!rec && Date.now() - (m.misses.get(miss) ?? 0) > MISS_RETRY_MS) {
      m = await this.material(t, true);
      rec = pick(m);
      if (!rec) m.misses.set(miss, Date.now());
    }
    if (rec) return rec;
    if (m.records.length === 0) throw new AppError('NOT_FOUND', `tenant ${t} has no keys (not provisioned, or shredded)`);
    throw new AppError(
      'NOT_FOUND',
      version === null ? `tenant ${t} has no active ${purpose} key` : `tenant ${t} has no ${purpose} key version ${version} (destroyed, or from another installation)`,
    );
  }

  private async dataKey(t: string, rec: DataKeyRecord): Promise<EnvelopeKey> {
    const m = await this.material(t);
    const id = materialKey(rec);
    const hit = m.keys.get(id);
    if (hit) return hit;
    const bytes = this.unwrapKeyBytes(t, rec, await this.kekBytes(t, rec.kekVersion, null));
    if (rec.purpose !== 'signing') {
      if (bytes.length !== KEY_BYTES) throw new EnvelopeError('malformed', `tenant ${t}'s ${rec.purpose} key version ${rec.version} is not a 256-bit key`);
      m.keys.set(id, bytes);
      return bytes;
    }
    try {
      const key = createPrivateKey({ key: bytes, format: 'der', type: 'pkcs8' });
      m.keys.set(id, key);
      return key;
    } finally {
      bytes.fill(0);
    }
  }

  private unwrapKeyBytes(t: string, rec: DataKeyRecord, kek: Buffer): Buffer {
    try {
      return openEnvelope(kek, { tenantId: t, purpose: WRAP_KEY, context: slot(rec.purpose, rec.version, rec.publicKey) }, rec.wrapped);
    } catch (e) {
      if (!isEnvelopeError(e)) throw e;
      throw new EnvelopeError(
        e.reason,
        `tenant ${t}'s ${rec.purpose} key version ${rec.version} does not open under KEK version ${rec.kekVersion}: the stored key was altered or moved` +
          (this.tenants.get(t)?.held ? ', or this console holds an outdated tenant key share (import a fresh one)' : ''),
      );
    }
  }

  /** KEK bytes: from a tenant key share this console holds, else unwrapped with the master key. */
  private async kekBytes(t: string, version: number, known: KekRecord[] | null): Promise<Buffer> {
    const m = await this.material(t);
    const hit = m.keks.get(version);
    if (hit) return hit;
    if (m.held) {
      const held = m.held.find((k) => k.version === version);
      if (!held) {
        throw new AppError(
          'NOT_FOUND',
          `this console holds tenant ${t}'s KEK versions ${m.held.map((k) => k.version).join(', ')} from a tenant key share, but the keys need version ${version}: import a fresh tenant key share`,
        );
      }
      const copy = Buffer.from(held.key);
      m.keks.set(version, copy);
      return copy;
    }
    const records = known ?? (m.kekRecords ??= await this.readableKeks(t));
    let rec = records.find((k) => k.version === version);
    if (!rec && known === null) {
      m.kekRecords = await this.readableKeks(t);
      rec = m.kekRecords.find((k) => k.version === version);
    }
    if (!rec || rec.state === 'destroyed') throw new AppError('NOT_FOUND', `tenant ${t} has no KEK version ${version} (shredded, or never created)`);
    const master = await this.master.require(`opening tenant ${t}'s keys`);
    if (rec.masterFingerprint !== master.fingerprint) throw masterMismatch(t, rec, master);
    let kek: Buffer;
    try {
      kek = openEnvelope(master.key, { tenantId: t, purpose: WRAP_KEK, context: `v${version}/${rec.masterFingerprint}` }, rec.wrapped);
    } catch (e) {
      if (!isEnvelopeError(e)) throw e;
      throw new EnvelopeError(e.reason, `tenant ${t}'s KEK version ${version} does not open under master key ${master.fingerprint}: the stored key was altered or moved`);
    }
    if (kek.length !== KEY_BYTES) throw new EnvelopeError('malformed', `tenant ${t}'s KEK version ${version} is not a 256-bit key`);
    m.keks.set(version, kek);
    return kek;
  }
}

function masterMismatch(t: string, rec: KekRecord, master: MasterKey): AppError {
  return new AppError(
    'CONFLICT',
    `tenant ${t}'s KEK version ${rec.version} is wrapped under installation master key ${rec.masterFingerprint}, but this console's master key is ${master.fingerprint}: ` +
      "this console is pointed at another installation's cluster. Import that installation's master key share (csm keys import-share --force) to manage it",
  );
}

function checkPurpose(p: unknown): DataKeyPurpose {
  if (p === 'cache' || p === 'ca') return p;
  throw new AppError('BAD_INPUT', `key purpose must be one of ${DATA_KEY_PURPOSES.join(', ')}`);
}
