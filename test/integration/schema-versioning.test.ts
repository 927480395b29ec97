import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSystemSchema, readSchemaVersion, type SchemaMigration, type VersionedSchema } from '../../src-main/cassandra/system-schema';
import { Cleanup, driverClient, unique } from '../support/cassandra';

/**
 * The versioned-schema mechanism behind csm_system, on a scratch keyspace so the real
 * csm_system is never moved: upgrade, refusal by an older console, and two consoles racing.
 */
describe('versioned schema in Cassandra (real node)', () => {
  let client: cassandra.Client;
  const cleanup = new Cleanup();
  const ks = cleanup.keyspace(unique('csm_schema_t'));
  const m = (version: number, stmt: string): SchemaMigration => ({ version, name: `v${version}`, statements: [stmt] });
  const v1 = m(1, `CREATE TABLE IF NOT EXISTS "${ks}".a (id int PRIMARY KEY)`);
  const v2 = m(2, `CREATE TABLE IF NOT EXISTS "${ks}".b (id int PRIMARY KEY)`);
  const older: VersionedSchema = { keyspace: ks, migrations: [v1] };
  const newer: VersionedSchema = { keyspace: ks, migrations: [v1, v2] };

  beforeAll(async () => {
    client = await driverClient();
  });
  afterAll(async () => {
    await cleanup.run(client);
    await client.shutdown();
  });

  it('creates from nothing, then a newer console upgrades only what is missing', async () => {
    expect(await readSchemaVersion(client, older)).toBe(0);
    expect(await ensureSystemSchema(client, 'console-a', older)).toEqual({ version: 1, latestKnown: 1, applied: [1] });
    expect(await ensureSystemSchema(client, 'console-a', older)).toEqual({ version: 1, latestKnown: 1, applied: [] });
    expect(await ensureSystemSchema(client, 'console-b', newer)).toEqual({ version: 2, latestKnown: 2, applied: [2] });
    const tables = await client.execute('SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?', [ks], { prepare: true });
    expect(tables.rows.map((r) => r['table_name']).sort()).toEqual(['a', 'b', 'schema_migrations']);
    const rows = await client.execute(`SELECT version, applied_by FROM "${ks}".schema_migrations`);
    expect(rows.rows.map((r) => [r['version'], r['applied_by']]).sort()).toEqual([[1, 'console-a'], [2, 'console-b']]);
  });

  it('an older console refuses a newer schema with SCHEMA_TOO_NEW and changes nothing', async () => {
    await expect(ensureSystemSchema(client, 'console-a', older)).rejects.toMatchObject({ code: 'SCHEMA_TOO_NEW', message: expect.stringMatching(/version 2.*up to 1/) });
    expect(await readSchemaVersion(client, newer)).toBe(2);
  });

  it('two consoles upgrading at once both succeed and record each version once', async () => {
    const v3 = m(3, `CREATE TABLE IF NOT EXISTS "${ks}".c (id int PRIMARY KEY)`);
    const next: VersionedSchema = { keyspace: ks, migrations: [v1, v2, v3] };
    const [a, b] = await Promise.all([ensureSystemSchema(client, 'racer-a', next), ensureSystemSchema(client, 'racer-b', next)]);
    expect(a.version).toBe(3);
    expect(b.version).toBe(3);
    const rows = await client.execute(`SELECT version FROM "${ks}".schema_migrations`);
    expect(rows.rows.map((r) => r['version']).sort()).toEqual([1, 2, 3]);
  });

  it('an empty (mid-build) migration is skipped unrecorded; once it has statements it is applied even though a later one went first', async () => {
    const v3 = m(3, `CREATE TABLE IF NOT EXISTS "${ks}".c (id int PRIMARY KEY)`);
    const v5 = m(5, `CREATE TABLE IF NOT EXISTS "${ks}".e (id int PRIMARY KEY)`);
    const empty4: SchemaMigration = { version: 4, name: 'v4', statements: [] };
    const withGap: VersionedSchema = { keyspace: ks, migrations: [v1, m(2, `CREATE TABLE IF NOT EXISTS "${ks}".b (id int PRIMARY KEY)`), v3, empty4, v5] };
    expect(await ensureSystemSchema(client, 'console-c', withGap)).toEqual({ version: 5, latestKnown: 5, applied: [5] });
    const filled: VersionedSchema = { keyspace: ks, migrations: [...withGap.migrations.slice(0, 3), m(4, `CREATE TABLE IF NOT EXISTS "${ks}".d (id int PRIMARY KEY)`), v5] };
    expect(await ensureSystemSchema(client, 'console-c', filled)).toEqual({ version: 5, latestKnown: 5, applied: [4] });
    const rows = await client.execute(`SELECT version FROM "${ks}".schema_migrations`);
    expect(rows.rows.map((r) => Number(r['version'])).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5]);
    const d = await client.execute('SELECT table_name FROM system_schema.tables WHERE keyspace_name = ? AND table_name = ?', [ks, 'd'], { prepare: true });
    expect(d.rowLength).toBe(1);
  });
});
