export type SecretBackend = 'keychain' | 'vault';

/**
 * Where secrets live (DESIGN §3): cluster sign-in passwords, tenant role secrets, the
 * installation master key. Keys are built and checked by `secret-key.ts`; a value never
 * appears in an error, a log line or anything sent to the renderer.
 */
export interface SecretStore {
  /** null when nothing is stored under the key. */
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
  /** true if something was removed. */
  delete(key: string): Promise<boolean>;
  has(key: string): Promise<boolean>;
  /** For app.info and messages: which backend, and where (never a secret). */
  describe(): { backend: SecretBackend; location: string };
}
