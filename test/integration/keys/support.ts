import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type cassandra from 'cassandra-driver';
import { SealedCache } from '../../../src-main/keys/cache';
import { CassandraDataKeyStore, CassandraKekStore, systemKeyTables, tenantConsoleKeyspace, tenantKeyTables } from '../../../src-main/keys/cassandra-stores';
import { KeyService } from '../../../src-main/keys/hierarchy';
import { SqliteCacheStore } from '../../../src-main/keys/sqlite-cache';
import { KeytarSecretStore } from '../../../src-main/secrets/keytar-store';
import { openStore, type Store } from '../../../src-main/store';
import { Cleanup, driverClient, unique } from '../../support/cassandra';

/**
 * A private "installation" on the real node: its own system keyspace standing in for csm_system
 * (so these tests never touch the shared one's schema version), tenant console keyspaces made
 * here the way provisioning will make them, real keychain entries under test-only service names,
 * and a real SQLite cache file. Everything is removed by close().
 */
export class KeyWorld {
  readonly cleanup = new Cleanup();
  readonly sysKs = this.cleanup.keyspace(unique('keys_sys'));
  private readonly services = new Map<string, Set<string>>();
  private readonly dirs: string[] = [];
  private readonly stores: Store[] = [];

  private constructor(readonly admin: cassandra.Client) {}

  static async open(): Promise<KeyWorld> {
    const w = new KeyWorld(await driverClient());
    await w.admin.execute(`CREATE KEYSPACE "${w.sysKs}" WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
    for (const stmt of systemKeyTables(w.sysKs)) await w.admin.execute(stmt);
    return w;
  }

  /** A tenant id with its console keyspace and key tables, as provisioning will create them. */
  async tenant(prefix = 'k'): Promise<string> {
    const id = unique(prefix).toLowerCase();
    const ks = this.cleanup.keyspace(tenantConsoleKeyspace(id));
    await this.admin.execute(`CREATE KEYSPACE "${ks}" WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
    for (const stmt of tenantKeyTables(id)) await this.admin.execute(stmt);
    return id;
  }

  /** A keychain (real Secret Service) under its own service name; remembered for cleanup. */
  keychain(): { service: string; secrets: KeytarSecretStore } {
    const service = unique('csm-keys-test');
    this.services.set(service, new Set(['installation/master-key']));
    return { service, secrets: new KeytarSecretStore({ service }) };
  }

  forgetLater(service: string, key: string): void {
    this.services.get(service)?.add(key);
  }

  /** A real SQLite cache file in a temp directory. */
  sqlite(dir = mkdtempSync(join(tmpdir(), 'csm-keys-int-'))): { dir: string; store: Store; cache: SqliteCacheStore } {
    if (!this.dirs.includes(dir)) this.dirs.push(dir);
    const store = openStore({ dir });
    this.stores.push(store);
    return { dir, store, cache: new SqliteCacheStore(store.db) };
  }

  /** recordTtlMs 0 by default: several "consoles" in one test must see each other's changes at once. */
  console(secrets: KeytarSecretStore, cache: SqliteCacheStore, recordTtlMs = 0): { keys: KeyService; sealed: SealedCache } {
    const keys = new KeyService({
      secrets,
      keks: new CassandraKekStore(this.admin, { keyspace: this.sysKs }),
      dataKeys: new CassandraDataKeyStore(() => this.admin),
      cache,
      recordTtlMs,
    });
    return { keys, sealed: new SealedCache(keys, cache) };
  }

  async close(): Promise<void> {
    for (const s of this.stores) s.close();
    for (const [service, keys] of this.services) {
      const store = new KeytarSecretStore({ service });
      for (const k of keys) await store.delete(k).catch(() => false);
    }
    await this.cleanup.run(this.admin);
    await this.admin.shutdown();
    for (const d of this.dirs) rmSync(d, { recursive: true, force: true });
  }
}
