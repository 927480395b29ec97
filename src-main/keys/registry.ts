import { AppError } from '../app/errors';
import type { ConnectionManager, CqlClient } from '../cassandra/connections';
import type { SecretStore } from '../secrets/types';
import { SealedCache } from './cache';
import { CassandraDataKeyStore, CassandraKekStore } from './cassandra-stores';
import { KeyService } from './hierarchy';
import type { CacheCiphertextStore } from './ports';

interface Entry {
  client: CqlClient;
  keys: KeyService;
  sealed: SealedCache;
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
    const e = { client, keys, sealed: new SealedCache(keys, this.deps.cache) };
    this.entries.set(cluster, e);
    return e;
  }

  for(cluster: string): KeyService {
    return this.entry(cluster).keys;
  }

  sealed(cluster: string): SealedCache {
    return this.entry(cluster).sealed;
  }

  forget(cluster: string): void {
    this.entries.get(cluster)?.keys.forget();
    this.entries.delete(cluster);
  }
}
