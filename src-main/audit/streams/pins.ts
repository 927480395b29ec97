import type { Db } from '../../store/db';
import type { SignerKey, StreamId } from '../types';

/**
 * Signer pinning (trust on first use). A stream's public signing keys are read from Cassandra,
 * where a privileged writer could replace one (with a key of their own, re-signing forged
 * batches). The first time this console sees a (cluster, stream, key version) it records the key's
 * fingerprint in the cache file (`audit_signer_pins`); ever after, a different key under the same
 * version is untrusted — whatever Cassandra says. Versions only grow (rotation adds max+1, a
 * retired key keeps its row), so a pin never has a legitimate reason to change.
 *
 * Limit, stated: a console that never saw a version before trusts what it first reads; a newer
 * version is not cross-signed by the older one, so a key injected before any console saw it is
 * not caught by pinning (the private-key match check in untrustedSigners covers platform
 * consoles that hold the KEK or the master key).
 */
export class SignerPins {
  constructor(private readonly db: Db | null) {}

  /** Pins unseen versions; returns the keys whose fingerprint differs from their pin. */
  check(cluster: string, stream: StreamId, keys: readonly SignerKey[]): { version: number; fingerprint: string; pinned: string }[] {
    if (!this.db || keys.length === 0) return [];
    const get = this.db.prepare('SELECT fingerprint FROM audit_signer_pins WHERE cluster = ? AND stream = ? AND version = ?');
    const put = this.db.prepare('INSERT OR IGNORE INTO audit_signer_pins (cluster, stream, version, fingerprint, pinned_at) VALUES (?, ?, ?, ?, ?)');
    const at = new Date().toISOString();
    const bad: { version: number; fingerprint: string; pinned: string }[] = [];
    this.db.transaction(() => {
      for (const k of keys) {
        const row = get.get(cluster, stream, k.version) as { fingerprint: string } | undefined;
        if (!row) put.run(cluster, stream, k.version, k.fingerprint, at);
        else if (row.fingerprint !== k.fingerprint) bad.push({ version: k.version, fingerprint: k.fingerprint, pinned: row.fingerprint });
      }
    })();
    return bad;
  }
}
