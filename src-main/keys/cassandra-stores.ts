import { AppError } from '../app/errors';
import type { CqlClient } from '../cassandra/connections';
import { fromDriverError } from '../cassandra/driver-errors';
import { keyspace, qualified, tenantId as checkTenantId } from '../cassandra/identifiers';
import { SYSTEM_KEYSPACE } from '../cassandra/system-schema';
import { tenantConsoleKeyspace as consoleKeyspaceName } from '../../src-shared/rules/lifecycle';
import { STORED_KEY_PURPOSES, type DataKeyRecord, type DataKeyStore, type KekRecord, type KekStore, type KeyState, type StoredKeyPurpose } from './ports';

export const TENANT_KEKS_TABLE = 'tenant_keks';
export const DATA_KEYS_TABLE = 'data_keys';
export const KEY_POLICY_TABLE = 'key_policy';

/** DESIGN §4: the tenant's console keyspace (naming shared with the UI), id validated here. */
export function tenantConsoleKeyspace(id: string): string {
  return consoleKeyspaceName(checkTenantId(id));
}

/** csm_system migration 2: wrapped tenant KEKs. `ks` is for tests that keep to their own keyspace. */
export function systemKeyTables(ks: string = SYSTEM_KEYSPACE): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${qualified(ks, TENANT_KEKS_TABLE)} (
       tenant_id text, version int, wrapped blob, master_fingerprint text, state text,
       created_at timestamp, retired_at timestamp,
       PRIMARY KEY ((tenant_id), version)
     ) WITH CLUSTERING ORDER BY (version DESC)`,
  ];
}

/** Run by tenant provisioning once the tenant console keyspace exists. */
export function tenantKeyTables(id: string): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${qualified(tenantConsoleKeyspace(id), DATA_KEYS_TABLE)} (
       purpose text, version int, kek_version int, wrapped blob, public_key blob, state text,
       created_at timestamp, retired_at timestamp,
       PRIMARY KEY ((purpose), version)
     ) WITH CLUSTERING ORDER BY (version DESC)`,
    keyPolicyTable(id),
  ];
}

/** The tenant's key policy (one row): tenant-private, so it lives beside the data keys. */
export function keyPolicyTable(id: string): string {
  return `CREATE TABLE IF NOT EXISTS ${qualified(tenantConsoleKeyspace(id), KEY_POLICY_TABLE)} (
       name text PRIMARY KEY, body text, updated_by text, updated_at timestamp
     )`;
}

// types.consistencies.localQuorum / localSerial: the driver's enum may only be imported in src-main/cassandra/.
const LOCAL_QUORUM = 0x06;
const LOCAL_SERIAL = 0x09;
/** Every write is a lightweight transaction, so two consoles racing on a key row never both win. */
const LWT = { prepare: true, consistency: LOCAL_QUORUM, serialConsistency: LOCAL_SERIAL } as const;
const READ = { prepare: true, consistency: LOCAL_QUORUM } as const;

const isState = (s: unknown): s is KeyState => s === 'active' || s === 'retired' || s === 'destroyed';

function state(v: unknown, what: string): KeyState {
  if (!isState(v)) throw new AppError('INTERNAL', `${what}: unknown key state in the cluster`);
  return v;
}

async function run<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw fromDriverError(e, what);
  }
}

/** KekStore on csm_system.tenant_keks, through the platform operator's session. */
export class CassandraKekStore implements KekStore {
  private readonly table: string;
  private readonly ks: string;

  constructor(
    private readonly client: CqlClient,
    opts: { keyspace?: string } = {},
  ) {
    this.ks = opts.keyspace ?? SYSTEM_KEYSPACE;
    this.table = qualified(this.ks, TENANT_KEKS_TABLE);
  }

  list(tenantId: string): Promise<KekRecord[]> {
    const t = checkTenantId(tenantId);
    return run(`reading tenant ${t}'s KEKs`, async () => {
      const rs = await this.client.execute(
        `SELECT tenant_id, version, wrapped, master_fingerprint, state, created_at, retired_at FROM ${this.table} WHERE tenant_id = ?`,
        [t],
        READ,
      );
      const out: KekRecord[] = [];
      for await (const r of rs) {
        out.push({
          tenantId: r['tenant_id'] as string,
          version: r['version'] as number,
          wrapped: r['wrapped'] as Buffer,
          masterFingerprint: r['master_fingerprint'] as string,
          state: state(r['state'], `tenant ${t}'s KEK`),
          createdAt: r['created_at'] as Date,
          retiredAt: (r['retired_at'] as Date | null) ?? null,
        });
      }
      return out;
    });
  }

  insert(rec: KekRecord): Promise<boolean> {
    const t = checkTenantId(rec.tenantId);
    return run(`storing tenant ${t}'s KEK`, async () => {
      const rs = await this.client.execute(
        `INSERT INTO ${this.table} (tenant_id, version, wrapped, master_fingerprint, state, created_at, retired_at) VALUES (?, ?, ?, ?, ?, ?, ?) IF NOT EXISTS`,
        [t, rec.version, rec.wrapped, rec.masterFingerprint, rec.state, rec.createdAt, rec.retiredAt],
        LWT,
      );
      return rs.wasApplied();
    });
  }

  setState(tenantId: string, version: number, from: KeyState, to: KeyState, at: Date): Promise<boolean> {
    const t = checkTenantId(tenantId);
    return run(`updating tenant ${t}'s KEK state`, async () => {
      const rs = await this.client.execute(
        `UPDATE ${this.table} SET state = ?, retired_at = ? WHERE tenant_id = ? AND version = ? IF state = ?`,
        [to, to === 'active' ? null : at, t, version, from],
        LWT,
      );
      return rs.wasApplied();
    });
  }

  overwrite(tenantId: string, version: number, wrapped: Buffer): Promise<void> {
    const t = checkTenantId(tenantId);
    return run(`overwriting tenant ${t}'s KEK`, async () => {
      await this.client.execute(`UPDATE ${this.table} SET wrapped = ? WHERE tenant_id = ? AND version = ? IF EXISTS`, [wrapped, t, version], LWT);
    });
  }

  delete(tenantId: string, version: number): Promise<void> {
    const t = checkTenantId(tenantId);
    return run(`deleting tenant ${t}'s KEK`, async () => {
      await this.client.execute(`DELETE FROM ${this.table} WHERE tenant_id = ? AND version = ? IF EXISTS`, [t, version], LWT);
    });
  }

  tenants(): Promise<string[]> {
    return run('listing tenants with keys', async () => {
      const rs = await this.client.execute(`SELECT DISTINCT tenant_id FROM ${this.table}`, [], { ...READ, fetchSize: 1000 });
      const out: string[] = [];
      for await (const r of rs) out.push(r['tenant_id'] as string);
      return out;
    });
  }

  anyFingerprint(): Promise<string | null> {
    return run('reading the cluster master key fingerprint', async () => {
      const rs = await this.client.execute(`SELECT master_fingerprint FROM ${this.table} LIMIT 1`, [], READ);
      return (rs.rows[0]?.['master_fingerprint'] as string | undefined) ?? null;
    });
  }
}

/**
 * DataKeyStore on tenant_<id>_csm.data_keys. `session` gives the session to use for a tenant:
 * the platform operator's, or the tenant's own role session, so Cassandra's grants apply.
 */
export class CassandraDataKeyStore implements DataKeyStore {
  constructor(private readonly session: (tenantId: string) => CqlClient | Promise<CqlClient>) {}

  private async exec(tenantId: string, what: string, cql: (table: string) => string, params: unknown[], opts: typeof LWT | typeof READ) {
    const t = checkTenantId(tenantId);
    const ks = tenantConsoleKeyspace(t);
    const client = await this.session(t);
    try {
      return await client.execute(cql(qualified(ks, DATA_KEYS_TABLE)), params, opts);
    } catch (e) {
      const err = fromDriverError(e, `${what} (tenant ${t})`);
      // A dropped keyspace shows up as "unconfigured table", or (for a statement prepared before
      // the drop) as a failed re-prepare that the driver reports as no host answering.
      if (err.code !== 'UNAUTHORIZED_STATEMENT' && err.code !== 'AUTH_FAILED' && !(await this.keyspaceExists(client, ks))) {
        throw new AppError('NOT_FOUND', `tenant ${t}'s console keyspace ${ks} does not exist`, { cause: e });
      }
      throw err;
    }
  }

  private async keyspaceExists(client: CqlClient, ks: string): Promise<boolean> {
    keyspace(ks);
    const rs = await client.execute('SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = ?', [ks], { prepare: true }).catch(() => null);
    return rs === null || rs.rowLength > 0;
  }

  async list(tenantId: string): Promise<DataKeyRecord[]> {
    const rs = await this.exec(
      tenantId,
      'reading data keys',
      (tbl) => `SELECT purpose, version, kek_version, wrapped, public_key, state, created_at, retired_at FROM ${tbl} WHERE purpose IN ?`,
      [[...STORED_KEY_PURPOSES]],
      READ,
    );
    return rs.rows.map((r) => ({
      purpose: r['purpose'] as StoredKeyPurpose,
      version: r['version'] as number,
      kekVersion: r['kek_version'] as number,
      wrapped: r['wrapped'] as Buffer,
      publicKey: (r['public_key'] as Buffer | null) ?? null,
      state: state(r['state'], `tenant ${tenantId}'s data key`),
      createdAt: r['created_at'] as Date,
      retiredAt: (r['retired_at'] as Date | null) ?? null,
    }));
  }

  async insert(tenantId: string, rec: DataKeyRecord): Promise<boolean> {
    const rs = await this.exec(
      tenantId,
      'storing a data key',
      (tbl) => `INSERT INTO ${tbl} (purpose, version, kek_version, wrapped, public_key, state, created_at, retired_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) IF NOT EXISTS`,
      [rec.purpose, rec.version, rec.kekVersion, rec.wrapped, rec.publicKey, rec.state, rec.createdAt, rec.retiredAt],
      LWT,
    );
    return rs.wasApplied();
  }

  async rewrap(tenantId: string, purpose: StoredKeyPurpose, version: number, fromKek: number, toKek: number, wrapped: Buffer): Promise<boolean> {
    const rs = await this.exec(
      tenantId,
      'rewrapping a data key',
      (tbl) => `UPDATE ${tbl} SET kek_version = ?, wrapped = ? WHERE purpose = ? AND version = ? IF kek_version = ?`,
      [toKek, wrapped, purpose, version, fromKek],
      LWT,
    );
    return rs.wasApplied();
  }

  async setState(tenantId: string, purpose: StoredKeyPurpose, version: number, from: KeyState, to: KeyState, at: Date): Promise<boolean> {
    const rs = await this.exec(
      tenantId,
      'updating a data key state',
      (tbl) => `UPDATE ${tbl} SET state = ?, retired_at = ? WHERE purpose = ? AND version = ? IF state = ?`,
      [to, to === 'active' ? null : at, purpose, version, from],
      LWT,
    );
    return rs.wasApplied();
  }

  async overwrite(tenantId: string, purpose: StoredKeyPurpose, version: number, wrapped: Buffer): Promise<void> {
    await this.exec(tenantId, 'overwriting a data key', (tbl) => `UPDATE ${tbl} SET wrapped = ? WHERE purpose = ? AND version = ? IF EXISTS`, [wrapped, purpose, version], LWT);
  }

  async delete(tenantId: string, purpose: StoredKeyPurpose, version: number): Promise<void> {
    await this.exec(tenantId, 'deleting a data key', (tbl) => `DELETE FROM ${tbl} WHERE purpose = ? AND version = ? IF EXISTS`, [purpose, version], LWT);
  }
}
