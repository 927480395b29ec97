import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError } from '../app/errors';
import { secretKey } from '../secrets/secret-key';
import type { SecretStore } from '../secrets/types';
import { KEY_BYTES } from './envelope';

/** Public name of a master key: shown in the UI, recorded with every wrapped KEK, never secret. */
export function masterFingerprint(key: Buffer): string {
  // HMAC with a fixed label, then SHA-256: a fingerprint is a one-way function of the key that
  // is useless for anything else the key does (wrapping uses AES-GCM, not this HMAC).
  const mac = createHmac('sha256', key).update('csm/master-key-fingerprint/v1').digest();
  return createHash('sha256').update(mac).digest('hex').slice(0, 16);
}

export interface MasterKey {
  key: Buffer;
  fingerprint: string;
}

const LOCKED_HINT = 'a locked keyring reads as empty: unlock it first if this console had a master key before';

function decode(stored: string): Buffer {
  const key = Buffer.from(stored, 'base64');
  if (key.length !== KEY_BYTES || key.toString('base64') !== stored) {
    // Never overwritten: it may be another tool's entry or a damaged copy the operator wants back.
    throw new AppError(
      'CONFLICT',
      'the keychain entry installation/master-key is not a 256-bit base64 key; it was left as it is. Remove or restore it, or import a master key share with force',
    );
  }
  return key;
}

/**
 * The installation master key (DESIGN §5), 32 random bytes kept base64 in the SecretStore.
 * Created on first use, but only on a cluster that has no wrapped KEKs yet: a console whose
 * keychain is empty (or locked) pointed at a cluster whose KEKs another master key wrapped must
 * not mint a new key and start a second, incompatible hierarchy.
 */
export class MasterKeyProvider {
  private cached: MasterKey | null = null;
  private creating: Promise<MasterKey> | null = null;

  constructor(
    private readonly secrets: SecretStore,
    /** The master fingerprint any KEK on the cluster carries, or null for a cluster without KEKs. */
    private readonly clusterFingerprint: () => Promise<string | null>,
  ) {}

  /** The key if this console has one; null if the keychain has no entry. Keychain errors propagate. */
  async current(): Promise<MasterKey | null> {
    if (this.cached) return this.cached;
    const stored = await this.secrets.get(secretKey.installationMasterKey());
    if (stored === null) return null;
    const key = decode(stored);
    this.cached = { key, fingerprint: masterFingerprint(key) };
    return this.cached;
  }

  /** For unwrapping: the key must exist already. */
  async require(what: string): Promise<MasterKey> {
    const m = await this.current();
    if (m) return m;
    const onCluster = await this.clusterFingerprint();
    throw new AppError(
      'NOT_FOUND',
      `${what}: this console has no installation master key` +
        (onCluster ? ` (the cluster's keys are wrapped under master key ${onCluster})` : '') +
        `. Import the master key share of the installation that manages this cluster (csm keys import-share); ${LOCKED_HINT}`,
    );
  }

  /** For wrapping new KEKs: load, or create on a cluster that has none yet. */
  async obtain(): Promise<MasterKey> {
    const m = await this.current();
    if (m) return m;
    this.creating ??= this.create().finally(() => {
      this.creating = null;
    });
    return this.creating;
  }

  private async create(): Promise<MasterKey> {
    const onCluster = await this.clusterFingerprint();
    if (onCluster !== null) {
      throw new AppError(
        'NOT_FOUND',
        `this console has no installation master key, and the cluster's tenant keys are wrapped under master key ${onCluster}: ` +
          `import that installation's master key share (csm keys import-share) instead of creating a new one; ${LOCKED_HINT}`,
      );
    }
    const key = randomBytes(KEY_BYTES);
    await this.secrets.set(secretKey.installationMasterKey(), key.toString('base64'));
    // Read back what the keychain holds: if another process created one at the same moment, theirs
    // won, and wrapping under ours would make a KEK nobody can open.
    const stored = await this.secrets.get(secretKey.installationMasterKey());
    if (stored === null) {
      throw new AppError('KEYCHAIN_UNAVAILABLE', 'the installation master key was stored but cannot be read back: check that the keyring is unlocked');
    }
    const kept = decode(stored);
    if (!timingSafeEqual(kept, key)) key.fill(0);
    this.cached = { key: kept, fingerprint: masterFingerprint(kept) };
    return this.cached;
  }

  /**
   * Install a master key from a share. Same key: nothing to do. A different key is refused
   * unless `force`, because every KEK wrapped under the old one becomes unreadable here.
   */
  async install(key: Buffer, opts: { force?: boolean } = {}): Promise<{ fingerprint: string; replaced: string | null; unchanged: boolean }> {
    if (key.length !== KEY_BYTES) throw new AppError('BAD_INPUT', 'a master key is 256 bits');
    const fingerprint = masterFingerprint(key);
    const stored = await this.secrets.get(secretKey.installationMasterKey());
    let existing: string | null = null;
    if (stored !== null) {
      let old: Buffer | null = null;
      try {
        old = decode(stored);
      } catch (e) {
        if (!opts.force) throw e;
      }
      if (old && timingSafeEqual(old, key)) {
        this.cached = { key: old, fingerprint };
        return { fingerprint, replaced: null, unchanged: true };
      }
      existing = old ? masterFingerprint(old) : 'unreadable';
      if (!opts.force) {
        throw new AppError(
          'CONFLICT',
          `this console already has a different installation master key (${existing}); the share holds ${fingerprint}. ` +
            'Importing it would make every tenant key wrapped under the current one unreadable here: import with force only if that is intended',
        );
      }
    }
    await this.secrets.set(secretKey.installationMasterKey(), key.toString('base64'));
    this.cached = { key: Buffer.from(key), fingerprint };
    return { fingerprint, replaced: existing, unchanged: false };
  }

  /** Drop the cached copy (tests, sign-out); the keychain keeps its entry. */
  forget(): void {
    this.cached?.key.fill(0);
    this.cached = null;
  }
}
