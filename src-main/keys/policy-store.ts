import type { CqlClient } from '../cassandra/connections';
import { fromDriverError } from '../cassandra/driver-errors';
import { qualified, tenantId as checkTenantId } from '../cassandra/identifiers';
import { isAppError } from '../app/errors';
import { KEY_POLICY_TABLE, keyPolicyTable, tenantConsoleKeyspace } from './cassandra-stores';
import { DEFAULT_KEY_POLICY, parseKeyPolicy, type TenantKeyPolicy } from './policy';

const ROW = 'policy';
const LOCAL_QUORUM = 0x06;
const OPTS = { prepare: true, consistency: LOCAL_QUORUM } as const;

/** A tenant console keyspace made before the policy table existed reads as "no policy stored". */
const missingTable = (e: unknown): boolean => isAppError(e) && /unconfigured table|does not exist/i.test(e.message);

/**
 * The tenant key policy (policy.ts) in the tenant's console keyspace: tenant admins read it with
 * their own session, and a tenant without a stored policy gets the default.
 */
export class KeyPolicyStore {
  constructor(private readonly client: () => CqlClient) {}

  async get(tenantId: string): Promise<{ policy: TenantKeyPolicy; stored: boolean }> {
    const t = checkTenantId(tenantId);
    const table = qualified(tenantConsoleKeyspace(t), KEY_POLICY_TABLE);
    try {
      const rs = await this.run(`reading tenant ${t}'s key policy`, () => this.client().execute(`SELECT body FROM ${table} WHERE name = ?`, [ROW], OPTS));
      const body = rs.rows[0]?.['body'] as string | undefined;
      if (body === undefined) return { policy: DEFAULT_KEY_POLICY, stored: false };
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = null;
      }
      return { policy: parseKeyPolicy(json), stored: true };
    } catch (e) {
      if (missingTable(e)) return { policy: DEFAULT_KEY_POLICY, stored: false };
      throw e;
    }
  }

  async set(tenantId: string, input: unknown, operator: string | null): Promise<{ policy: TenantKeyPolicy; stored: boolean }> {
    const t = checkTenantId(tenantId);
    const policy = parseKeyPolicy(input);
    const table = qualified(tenantConsoleKeyspace(t), KEY_POLICY_TABLE);
    const write = () =>
      this.run(`storing tenant ${t}'s key policy`, () =>
        this.client().execute(`INSERT INTO ${table} (name, body, updated_by, updated_at) VALUES (?, ?, ?, ?)`, [ROW, JSON.stringify(policy), operator, new Date()], OPTS),
      );
    try {
      await write();
    } catch (e) {
      if (!missingTable(e)) throw e;
      // A tenant provisioned before the table existed: make it (platform scope), then write.
      await this.run(`creating tenant ${t}'s key policy table`, () => this.client().execute(keyPolicyTable(t)));
      await write();
    }
    return { policy, stored: true };
  }

  private async run<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw isAppError(e) ? e : fromDriverError(e, what);
    }
  }
}
