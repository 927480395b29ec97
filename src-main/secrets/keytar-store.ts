// The only file that imports keytar. It is loaded on first use, not at import time, so a host
// without libsecret gets KEYCHAIN_UNAVAILABLE with a fix instead of a crash at start-up.
import { AppError } from '../app/errors';
import { keychainError } from './keychain-errors';
import { assertSecretKey, assertSecretValue } from './secret-key';
import type { SecretStore } from './types';

export const DEFAULT_KEYTAR_SERVICE = 'cassandra-security-manager';

/**
 * The part of keytar we use. findCredentials is left out on purpose: on a locked
 * gnome-keyring collection it crashes the process (libsecret assertion, then SIGSEGV).
 */
export interface KeytarApi {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
}

function isKeytarApi(m: unknown): m is KeytarApi {
  const o = m as Partial<Record<keyof KeytarApi, unknown>> | null;
  return !!o && typeof o.getPassword === 'function' && typeof o.setPassword === 'function' && typeof o.deletePassword === 'function';
}

async function loadKeytar(): Promise<KeytarApi> {
  // keytar is CommonJS: under Node ESM the exports arrive as `default`; bundled to CJS, as the module itself.
  const mod: unknown = await import('keytar');
  const api = (mod as { default?: unknown }).default ?? mod;
  if (!isKeytarApi(api)) throw new Error('keytar does not export getPassword/setPassword/deletePassword');
  return api;
}

export interface KeytarSecretStoreOptions {
  /** Tests use their own service name so they never touch a real installation's secrets. */
  service?: string;
  /** Tests inject a fake keytar to exercise error mapping. */
  load?: () => Promise<KeytarApi>;
}

/**
 * Note on locked keyrings (gnome-keyring): writes fail with "locked collection" (mapped to
 * KEYCHAIN_LOCKED), but libsecret returns nothing for locked items, so get() yields null and
 * delete() false, indistinguishable from "not stored". Callers that need the value treat null
 * as "ask the operator" rather than as proof that nothing was ever stored.
 */
export class KeytarSecretStore implements SecretStore {
  private readonly service: string;
  private readonly load: () => Promise<KeytarApi>;
  private api: Promise<KeytarApi> | null = null;

  constructor(opts: KeytarSecretStoreOptions = {}) {
    this.service = opts.service ?? DEFAULT_KEYTAR_SERVICE;
    if (!/^[A-Za-z0-9._-]{1,100}$/.test(this.service)) throw new AppError('BAD_INPUT', 'keychain service name: letters, digits, . _ -');
    this.load = opts.load ?? loadKeytar;
  }

  private keytar(): Promise<KeytarApi> {
    // A failed load is not cached: installing libsecret and retrying should not need a restart of this object.
    this.api ??= this.load().catch((e: unknown) => {
      this.api = null;
      throw keychainError(e, 'load');
    });
    return this.api;
  }

  async get(key: string): Promise<string | null> {
    const account = assertSecretKey(key);
    const kt = await this.keytar();
    try {
      return await kt.getPassword(this.service, account);
    } catch (e) {
      throw keychainError(e, 'read');
    }
  }

  async set(key: string, value: string): Promise<void> {
    const account = assertSecretKey(key);
    const secret = assertSecretValue(value);
    const kt = await this.keytar();
    try {
      await kt.setPassword(this.service, account, secret);
    } catch (e) {
      throw keychainError(e, 'write', secret);
    }
  }

  async delete(key: string): Promise<boolean> {
    const account = assertSecretKey(key);
    const kt = await this.keytar();
    try {
      return await kt.deletePassword(this.service, account);
    } catch (e) {
      throw keychainError(e, 'delete');
    }
  }

  async has(key: string): Promise<boolean> {
    return (await this.get(key)) !== null;
  }

  describe(): { backend: 'keychain'; location: string } {
    const where =
      process.platform === 'darwin' ? 'macOS Keychain' : process.platform === 'win32' ? 'Windows Credential Manager' : 'Secret Service (D-Bus)';
    return { backend: 'keychain', location: `${where}, service "${this.service}"` };
  }
}
