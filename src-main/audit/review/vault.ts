import { hkdfSync } from 'node:crypto';
import { AppError } from '../../app/errors';
import type { ConnectionManager } from '../../cassandra/connections';
import type { SessionService } from '../../identity/sessions';
import { CassandraKekStore } from '../../keys/cassandra-stores';
import { openEnvelope, sealEnvelope } from '../../keys/envelope';
import { MasterKeyProvider } from '../../keys/master';
import type { SecretStore } from '../../secrets/types';

/**
 * Imported snapshots stay encrypted at rest (issue 9 item 3). The key is derived (HKDF-SHA256,
 * label `csm/audit-snapshots/v1`) from the installation master key in the keychain, so it needs
 * no cluster and no tenant key — an auditor's laptop that never signs in has one. Each file is
 * one AES-256-GCM envelope (keys/envelope.ts) bound to the snapshot id, so a sealed blob moved
 * to another row does not open. The envelope's tenant field carries the fixed label `snapshots`:
 * the key belongs to this installation, not to the snapshot's tenant.
 *
 * A laptop without a master key gets one on first import (as any first use does), unless a
 * signed-in cluster already holds KEKs wrapped under another installation's key: then minting a
 * second key would split the hierarchy, and the operator is told to import that key's share.
 * Replacing the master key (`keys import-share --force`) makes earlier imports unreadable; the
 * error says which master key sealed them.
 */
const LABEL = 'csm/audit-snapshots/v1';
const BINDING = { tenantId: 'snapshots', purpose: 'audit-snapshot' } as const;

export class SnapshotVault {
  constructor(private readonly deps: { secrets: SecretStore; connections: ConnectionManager; sessions: SessionService }) {}

  private provider(): MasterKeyProvider {
    return new MasterKeyProvider(this.deps.secrets, async () => {
      for (const s of this.deps.sessions.signedIn()) {
        const client = this.deps.connections.operator(s.cluster);
        if (!client) continue;
        const fp = await new CassandraKekStore(client).anyFingerprint().catch(() => null);
        if (fp) return fp;
      }
      return null;
    });
  }

  private static derive(master: Buffer): Buffer {
    return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), Buffer.from(LABEL, 'utf8'), 32));
  }

  async seal(id: string, bytes: Uint8Array): Promise<{ sealed: Buffer; masterFingerprint: string }> {
    const p = this.provider();
    try {
      const m = await p.obtain();
      const key = SnapshotVault.derive(m.key);
      try {
        return { sealed: sealEnvelope(key, { ...BINDING, keyVersion: 1, context: id }, bytes), masterFingerprint: m.fingerprint };
      } finally {
        key.fill(0);
      }
    } finally {
      p.forget();
    }
  }

  async open(id: string, sealed: Uint8Array, masterFingerprint: string): Promise<Buffer> {
    const p = this.provider();
    try {
      const m = await p.current();
      if (!m) throw new AppError('NOT_FOUND', `snapshot ${id} was sealed under installation master key ${masterFingerprint}, and this console has no master key (a locked keyring reads as empty)`);
      if (m.fingerprint !== masterFingerprint) {
        throw new AppError('CONFLICT', `snapshot ${id} was sealed under installation master key ${masterFingerprint}, this console now has ${m.fingerprint}: import the file again`);
      }
      const key = SnapshotVault.derive(m.key);
      try {
        return openEnvelope(key, { ...BINDING, context: id }, sealed);
      } finally {
        key.fill(0);
      }
    } finally {
      p.forget();
    }
  }
}
