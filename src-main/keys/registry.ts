import { AppError } from '../app/errors';
import type { ConnectionManager, CqlClient } from '../cassandra/connections';
import type { SecretStore } from '../secrets/types';
import { SealedCache } from './cache';
import { CassandraDataKeyStore, CassandraKekStore } from './cassandra-stores';
import { KeyService } from './hierarchy';
import { MasterKeyProvider } from './master';
import { KeyPolicyStore } from './policy-store';
import { writeHeldKeks } from './local-keks';
import { openMasterShare, openTenantShare, sealMasterShare } from './shares';
import type { CacheCiphertextStore } from './ports';

interface Entry {
  client: CqlClient;
  keys: KeyService;
  sealed: SealedCache;
  policies: KeyPolicyStore;
}

/**
 * One KeyService per cluster, over that cluster's signed-in operator session: KEKs live in that
 * cluster's csm_system, data keys in the tenant console keyspaces there, and Cassandra refuses
 * whatever the operator's role may not read. A new sign-in (new operator session) rebuilds it.
 */
export class ClusterKeys {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly deps: { secrets: SecretStore; connections: ConnectionManager; cache: CacheCiphertextStore }) {}

  private entry(cluster: string): Entry {
    const client = this.deps.connections.operator(cluster);
    if (!client) throw new AppError('NOT_SIGNED_IN', `sign in to cluster ${cluster} first`);
    const hit = this.entries.get(cluster);
    if (hit && hit.client === client) return hit;
    const keys = new KeyService({
      secrets: this.deps.secrets,
      keks: new CassandraKekStore(client),
      dataKeys: new CassandraDataKeyStore(() => client),
      cache: this.deps.cache,
    });
    const e = { client, keys, sealed: new SealedCache(keys, this.deps.cache), policies: new KeyPolicyStore(() => client) };
    this.entries.set(cluster, e);
    return e;
  }

  for(cluster: string): KeyService {
    return this.entry(cluster).keys;
  }

  sealed(cluster: string): SealedCache {
    return this.entry(cluster).sealed;
  }

  policies(cluster: string): KeyPolicyStore {
    return this.entry(cluster).policies;
  }

  // The installation master key belongs to this console, not to a cluster: these work signed out.

  async masterStatus(): Promise<{ present: boolean; fingerprint: string | null }> {
    return this.withMaster(async (p) => {
      const m = await p.current();
      return { present: m !== null, fingerprint: m?.fingerprint ?? null };
    });
  }

  async exportMasterShare(passphrase: string): Promise<{ text: string; fingerprint: string }> {
    return this.withMaster(async (p) => {
      const m = await p.require('exporting the master key share');
      return { text: await sealMasterShare(m.key, passphrase), fingerprint: m.fingerprint };
    });
  }

  /** Installs the key, then every cluster's key service drops what it unwrapped under the old one. */
  async importMasterShare(text: string, passphrase: string, opts: { force?: boolean } = {}): Promise<{ fingerprint: string; replaced: string | null; unchanged: boolean }> {
    const key = await openMasterShare(text, passphrase);
    try {
      const result = await this.withMaster((p) => p.install(key, opts));
      for (const e of this.entries.values()) e.keys.forget();
      return result;
    } finally {
      key.fill(0);
    }
  }

  /** A tenant key share lands in this console's keychain; every cluster's service re-reads that tenant. */
  async importTenantShare(text: string, passphrase: string): Promise<{ tenantId: string; versions: number[] }> {
    const share = await openTenantShare(text, passphrase);
    try {
      await writeHeldKeks(this.deps.secrets, share.tenantId, share.keks);
      for (const e of this.entries.values()) e.keys.forget(share.tenantId);
      return { tenantId: share.tenantId, versions: share.keks.map((k) => k.version).sort((a, b) => a - b) };
    } finally {
      for (const k of share.keks) k.key.fill(0);
    }
  }

  /**
   * A provider for one call, zeroed after it: between calls the keychain is the only place the
   * key is kept. The cluster fingerprint only explains a missing key; any signed-in cluster will do.
   */
  private async withMaster<T>(fn: (p: MasterKeyProvider) => Promise<T>): Promise<T> {
    const p = new MasterKeyProvider(this.deps.secrets, async () => {
      for (const e of this.entries.values()) {
        const fp = await new CassandraKekStore(e.client).anyFingerprint().catch(() => null);
        if (fp) return fp;
      }
      return null;
    });
    try {
      return await fn(p);
    } finally {
      p.forget();
    }
  }

  forget(cluster: string): void {
    this.entries.get(cluster)?.keys.forget();
    this.entries.delete(cluster);
  }
}
