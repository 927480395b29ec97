import { chmod, mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { AppError } from '../app/errors';
import { assertSecretKey, assertSecretValue, parseSecretKey } from './secret-key';
import type { SecretStore } from './types';
import { deriveKey, kdfParamsProblem, newKdfParams, seal, unseal, type KdfParams } from './vault-crypto';
import { createVaultDoc, readVaultDoc, writeVaultDoc, type VaultDoc } from './vault-file';

// Cannot collide with an entry: every valid secret key has exactly three parts or is installation/master-key.
const VERIFIER_AD = 'csm-vault/verifier';
const VERIFIER_TEXT = 'cassandra-security-manager vault v1';
export const MIN_NEW_PASSPHRASE = 8;

export interface VaultSecretStoreOptions {
  path: string;
  passphrase: string;
}

interface Unlocked {
  key: Buffer;
  kdf: KdfParams;
}

/**
 * Opt-in encrypted file for hosts without a Secret Service. One JSON file; scrypt turns the
 * passphrase into a key once per process; each entry is AES-256-GCM with its name as
 * associated data. Every operation re-reads and re-authenticates the whole file, so a file
 * altered on disk is reported and never written over, and a second console on the same
 * vault sees the other's changes.
 */
export class VaultSecretStore implements SecretStore {
  private readonly path: string;
  private passphrase: string | null;
  private unlocked: Promise<Unlocked> | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  /** Open now: a wrong passphrase or a damaged file fails here rather than at first use. */
  static async open(opts: VaultSecretStoreOptions): Promise<VaultSecretStore> {
    const store = new VaultSecretStore(opts);
    await store.ready();
    return store;
  }

  /** Cheap: the key is derived on first use (or by ready()/open()). */
  constructor(opts: VaultSecretStoreOptions) {
    if (typeof opts.passphrase !== 'string' || opts.passphrase.length === 0) {
      throw new AppError('BAD_INPUT', 'the vault needs a passphrase (CSM_VAULT_PASSPHRASE)');
    }
    this.path = resolve(opts.path);
    this.passphrase = opts.passphrase;
  }

  ready(): Promise<void> {
    this.unlocked ??= this.unlock();
    return this.unlocked.then(() => undefined);
  }

  async get(key: string): Promise<string | null> {
    const name = assertSecretKey(key);
    return this.serial(async () => {
      const { doc, key: k } = await this.load();
      const sealed = doc.entries[name];
      // load() has authenticated every entry, so null here would mean a race we do not have.
      return sealed ? unseal(k, sealed, name) : null;
    });
  }

  async set(key: string, value: string): Promise<void> {
    const name = assertSecretKey(key);
    const secret = assertSecretValue(value);
    await this.serial(async () => {
      const { doc, key: k } = await this.load();
      doc.entries[name] = seal(k, secret, name);
      await writeVaultDoc(this.path, doc);
    });
  }

  async delete(key: string): Promise<boolean> {
    const name = assertSecretKey(key);
    return this.serial(async () => {
      const { doc } = await this.load();
      if (!(name in doc.entries)) return false;
      delete doc.entries[name];
      await writeVaultDoc(this.path, doc);
      return true;
    });
  }

  async has(key: string): Promise<boolean> {
    return (await this.get(key)) !== null;
  }

  describe(): { backend: 'vault'; location: string } {
    return { backend: 'vault', location: this.path };
  }

  /** Forget the key. Further calls fail; open a new store to use the vault again. */
  async close(): Promise<void> {
    const u = await this.unlocked?.catch(() => null);
    u?.key.fill(0);
    this.unlocked = Promise.reject(new AppError('INTERNAL', 'the vault was closed'));
    this.unlocked.catch(() => undefined);
  }

  /** One operation at a time in this process, so two set() calls cannot lose each other's entry. */
  private serial<T>(op: () => Promise<T>): Promise<T> {
    const run = this.queue.then(op, op);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async unlock(): Promise<Unlocked> {
    const passphrase = this.passphrase;
    this.passphrase = null; // not kept past unlocking
    if (passphrase === null) throw new AppError('INTERNAL', 'vault passphrase already consumed');
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });

    let found = await readVaultDoc(this.path);
    if (found === 'absent') {
      if (passphrase.length < MIN_NEW_PASSPHRASE) {
        throw new AppError('BAD_INPUT', `a new vault needs a passphrase of at least ${MIN_NEW_PASSPHRASE} characters`);
      }
      const kdf = newKdfParams();
      const key = await deriveKey(passphrase, kdf);
      const doc: VaultDoc = { format: 'csm-secret-vault', version: 1, kdf, verifier: seal(key, VERIFIER_TEXT, VERIFIER_AD), entries: {} };
      if ((await createVaultDoc(this.path, doc)) === 'created') return { key, kdf };
      key.fill(0);
      found = await readVaultDoc(this.path); // another console created it first: use theirs
      if (found === 'absent') throw this.damaged('it disappeared while being created');
    }
    if ('invalid' in found) throw this.damaged(found.invalid);
    const problem = kdfParamsProblem(found.kdf);
    if (problem) throw this.damaged(problem);
    const key = await deriveKey(passphrase, found.kdf);
    if (unseal(key, found.verifier, VERIFIER_AD) !== VERIFIER_TEXT) {
      key.fill(0);
      throw new AppError('AUTH_FAILED', 'wrong vault passphrase');
    }
    const unlocked = { key, kdf: found.kdf };
    this.authenticateEntries(unlocked, found);
    await this.tightenMode();
    return unlocked;
  }

  /** Read the file and authenticate all of it; any doubt is an error and nothing gets written. */
  private async load(): Promise<{ doc: VaultDoc; key: Buffer }> {
    if (!this.unlocked) this.unlocked = this.unlock();
    const u = await this.unlocked;
    const doc = await readVaultDoc(this.path);
    if (doc === 'absent') throw this.damaged('the file is gone (it existed when the console opened it)');
    if ('invalid' in doc) throw this.damaged(doc.invalid);
    if (JSON.stringify(doc.kdf) !== JSON.stringify(u.kdf)) throw this.damaged('it was replaced by a different vault');
    if (unseal(u.key, doc.verifier, VERIFIER_AD) !== VERIFIER_TEXT) throw this.damaged('its verifier does not authenticate');
    this.authenticateEntries(u, doc);
    return { doc, key: u.key };
  }

  private authenticateEntries(u: Unlocked, doc: VaultDoc): void {
    for (const [name, sealed] of Object.entries(doc.entries)) {
      try {
        parseSecretKey(name);
      } catch {
        throw this.damaged('it contains an entry with an invalid name');
      }
      if (unseal(u.key, sealed, name) === null) throw this.damaged(`entry "${name}" does not authenticate`);
    }
  }

  private damaged(why: string): AppError {
    return new AppError(
      'INTERNAL',
      `The secret vault ${this.path} failed its integrity check: ${why}. It was modified outside the console or is damaged, ` +
        'and was left untouched. Restore it from a backup, or move it aside to start a new vault and store the secrets again.',
    );
  }

  /** A vault copied in with `cp` may be world-readable; narrow it, never widen. */
  private async tightenMode(): Promise<void> {
    if (process.platform === 'win32') return;
    const st = await stat(this.path);
    if ((st.mode & 0o077) !== 0) await chmod(this.path, st.mode & 0o700);
  }
}
