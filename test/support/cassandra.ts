import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { inject } from 'vitest';
import { createServices, type Services } from '../../src-main/app/services';

export const SUPERUSER = { username: 'cassandra', password: 'cassandra' };

export function node(): { contactPoint: string; localDc: string; auditLogPaths: string[]; dataDir: string } {
  return inject('cassandra');
}

/** Names unique to one test, so tests cannot see each other's keyspaces or roles. */
export function unique(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

export async function driverClient(creds = SUPERUSER): Promise<cassandra.Client> {
  const n = node();
  const client = new cassandra.Client({ contactPoints: [n.contactPoint], localDataCenter: n.localDc, credentials: creds, monitorReporting: { enabled: false } });
  await client.connect();
  return client;
}

/**
 * Real services (real SQLite file, real keychain) in a temp dir. By default every console of a
 * run shares one keychain service, i.e. they are consoles of one installation: they hold the same
 * master key, as the shared csm_system's wrapped KEKs require. Pass `keychainService` for a
 * console of another installation (or an isolated keychain test).
 */
export async function realServices(host: 'cli' | 'web' = 'cli', opts: { keychainService?: string } = {}): Promise<Services & { dataDir: string; keychainService: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'csm-int-'));
  const keychainService = opts.keychainService ?? inject('installationKeychain');
  const s = await createServices({ host, dataDir, keychainService, secretBackend: 'keychain' });
  return Object.assign(s, { dataDir, keychainService });
}

/** Drop whatever a test created, superuser session, ignoring what is already gone. */
export class Cleanup {
  private readonly roles = new Set<string>();
  private readonly keyspaces = new Set<string>();
  role(name: string): string {
    this.roles.add(name);
    return name;
  }
  keyspace(name: string): string {
    this.keyspaces.add(name);
    return name;
  }
  async run(client: cassandra.Client): Promise<void> {
    for (const r of this.roles) await client.execute(`DROP ROLE IF EXISTS "${r}"`).catch(() => undefined);
    for (const k of this.keyspaces) await client.execute(`DROP KEYSPACE IF EXISTS "${k}"`).catch(() => undefined);
  }
}
