import cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../src-main/app/errors';
import type { ModuleDeps } from '../../../src-main/app/module-deps';
import type { LocalClient } from '../../../src-main/ipc/local-client';
import { createImporter, type Importer } from '../../../src-main/portability/core/import';
import { TableDigest } from '../../../src-main/portability/core/digest';
import { createTableCql } from '../../../src-main/portability/core/import-cql';
import { digestTable, grantsLive, shapesOf, tenantKeyspacesLive, tenantRolesLive } from '../../../src-main/portability/core/verify';
import type { BundleManifest, BundleReader, PortabilityCore } from '../../../src-main/portability/types';
import type { KeyService } from '../../../src-main/keys/hierarchy';
import type { HeldKek } from '../../../src-main/keys/local-keks';
import { openTenantShare } from '../../../src-main/keys/shares';
import { driverClient, node, unique } from '../../support/cassandra';
import { platformConsole, provision, scrub, userClient, type Svc } from '../tenancy/support';

/**
 * Issue 11 item 2 against the real node: a tenant with data imported as a new tenant id on the
 * same cluster through tenancy's own provisioning, then verified (row counts, digests, grants after
 * mapping, configuration). The bundle here is a reader of our own port over the live source
 * tenant (the export owner's file format is exercised by its own tests); everything the importer
 * writes and reads is the real node.
 */

const BOSS_PW = 'correct-horse-battery';
const ANA_PW = 'ana-keeps-this-password-1';

/**
 * A BundleReader over a snapshot of a live tenant (rows read in pages into memory when it is made,
 * manifest figures from the same reads); `tamper` changes one value of one table as it is read;
 * `keys` exports the tenant's KEKs through a tenant key share, as a bundle carries them.
 */
async function liveReader(client: cassandra.Client, tenant: string, opts: { tamper?: { table: string }; keys?: KeyService; corrupt?: { table: string; column: string; value: unknown } } = {}): Promise<BundleReader> {
  const c = client as unknown as Parameters<typeof digestTable>[0];
  const keyspaces: BundleManifest['keyspaces'] = [];
  const tables: BundleManifest['tables'] = [];
  const data = new Map<string, Record<string, unknown>[]>();
  for (const ks of await tenantKeyspacesLive(c, tenant)) {
    const repl = (await client.execute('SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = ?', [ks], { prepare: true })).rows[0]!['replication'] as Record<string, string>;
    keyspaces.push({ name: ks, cql: '', replication: repl });
    for (const shape of await shapesOf(c, ks)) {
      const fig = await digestTable(c, ks, shape);
      const rows: Record<string, unknown>[] = [];
      for await (const r of await client.execute(`SELECT * FROM "${ks}"."${shape.table}"`, [], { fetchSize: 200 })) {
        const row: Record<string, unknown> = {};
        for (const col of shape.columns) row[col.name] = r[col.name];
        rows.push(row);
      }
      if (opts.corrupt?.table === shape.table && rows[0]) {
        // Consistent with its own manifest, but not insertable (a key column without a value).
        rows[0][opts.corrupt.column] = opts.corrupt.value;
        const d = new TableDigest();
        for (const r of rows) d.add(r, shape.columns.map((x) => x.name));
        fig.digest = d.hex();
      }
      data.set(`${ks}.${shape.table}`, rows);
      const kind = (n: string) => (shape.partitionKey.includes(n) ? 'partition_key' : shape.clustering.some((x) => x.name === n) ? 'clustering' : shape.statics.includes(n) ? 'static' : 'regular');
      const ordered = [...shape.partitionKey, ...shape.clustering.map((x) => x.name), ...shape.columns.map((x) => x.name).filter((x) => kind(x) === 'regular' || kind(x) === 'static')];
      const columns = ordered.map((n) => ({ name: n, type: shape.columns.find((x) => x.name === n)!.type, kind: kind(n) }));
      tables.push({ keyspace: ks, table: shape.table, cql: createTableCql(ks, shape), rows: fig.rows, digest: fig.digest, columns });
    }
  }
  const roleNames = await tenantRolesLive(c, tenant);
  const roles: BundleManifest['roles'] = [];
  for (const r of roleNames) {
    const info = (await client.execute('LIST ROLES')).rows.find((x) => x['role'] === r)!;
    const of = (await client.execute(`LIST ROLES OF "${r}"`)).rows.map((x) => String(x['role'])).filter((x) => x !== r);
    // As the exporter reads it: a user's bcrypt hash from system_auth.roles.
    const hash = (await client.execute('SELECT salted_hash FROM system_auth.roles WHERE role = ?', [r], { prepare: true })).rows[0]?.['salted_hash'];
    roles.push({ name: r, login: Boolean(info['login']), superuser: false, memberOf: of, ...(r.startsWith(`tenant_${tenant}_u_`) && typeof hash === 'string' ? { passwordHash: hash } : {}) });
  }
  let keks: HeldKek[] = [];
  if (opts.keys) {
    const pass = 'a passphrase for the test share';
    keks = (await openTenantShare(await opts.keys.exportTenantShare(tenant, pass), pass)).keks;
  }
  const manifest: BundleManifest = {
    format: 1,
    sourceCluster: 'live',
    tenant,
    createdAt: new Date().toISOString(),
    createdBy: 'test',
    withData: true,
    wrap: 'installation',
    registry: { name: `Tenant ${tenant}`, tier: 'standard', dataCenters: [node().localDc] },
    keyspaces,
    tables,
    roles,
    grants: await grantsLive(c, roleNames),
    auditHeads: [],
    consoleKeyspace: `tenant_${tenant}_csm`,
    chunks: [],
    networkPermissions: [],
  };
  return {
    manifest,
    async *rows(ks: string, table: string) {
      const rows = (data.get(`${ks}.${table}`) ?? []).map((r) => ({ ...r }));
      // What a bundle reader does with a chunk whose checksum fails: refuse it as it is read.
      if (opts.tamper?.table === table) throw new AppError('BAD_INPUT', `bundle: chunk #0 (${ks}.${table}): ciphertext checksum mismatch`);
      for (let i = 0; i < rows.length; i += 200) yield rows.slice(i, i + 200);
    },
    keys: async () => {
      if (!opts.keys) throw new AppError('BAD_INPUT', 'the bundle carries no key material');
      return { tenantId: tenant, keks };
    },
    close: async () => undefined,
  };
}

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return e instanceof AppError ? `${e.code}: ${e.message}` : `other: ${(e as Error).message}`;
  }
}

describe('tenant import on the real node', () => {
  let svc: Svc;
  let api: LocalClient;
  let cluster: string;
  let su: cassandra.Client;
  let importer: Importer;
  const source = unique('is');
  const target = unique('it');
  const tampered = unique('ix');
  const created = [source, target, tampered];
  let reader: BundleReader;

  beforeAll(async () => {
    ({ svc, api, cluster } = await platformConsole());
    const s = await provision(svc, api, cluster, source);
    expect(s.state, JSON.stringify(s.steps)).toBe('succeeded');
    su = await driverClient();
    const ks = `tenant_${source}_data`;
    // A table of our own with the awkward parts: clustering order, a static, collections, nulls.
    await su.execute(`CREATE TABLE "${ks}"."orders" (customer text, placed timestamp, id uuid, total decimal, tags set<text>, attrs map<text, int>, note text, region text static, PRIMARY KEY ((customer), placed, id)) WITH CLUSTERING ORDER BY (placed DESC, id ASC)`);
    const ins = `INSERT INTO "${ks}"."orders" (customer, placed, id, total, tags, attrs, note, region) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`;
    for (let i = 0; i < 300; i++) {
      await su.execute(ins, [`c${i % 17}`, new Date(1_700_000_000_000 + i * 1000), cassandra.types.Uuid.random(), cassandra.types.BigDecimal.fromString(`${i}.25`), i % 3 ? ['a', `t${i}`] : null, { n: i }, i % 5 ? `note ${i}` : null, `r${i % 17}`], { prepare: true });
    }
    for (let i = 0; i < 120; i++) await su.execute(`INSERT INTO "${ks}"."events" (bucket, at, payload) VALUES (?, now(), ?)`, [`b${i % 4}`, Buffer.from(`event ${i}`)], { prepare: true });
    // A second user besides the initial admin, member of no group: the importer creates it itself.
    await su.execute(`CREATE ROLE "tenant_${source}_u_ana" WITH LOGIN = true AND PASSWORD = '${ANA_PW}'`);
    const deps = { host: 'cli', connections: svc.connections, clusters: svc.clusters, sessions: svc.sessions, tenants: svc.tenants, keys: svc.keys, secrets: svc.secrets, store: svc.store, jobs: svc.jobs, bus: svc.bus, logger: svc.logger } as unknown as ModuleDeps;
    importer = createImporter(deps, {} as PortabilityCore['operations']);
    reader = await liveReader(su, source);
  }, 240_000);

  afterAll(async () => {
    await su?.shutdown();
    await svc?.close();
    await scrub(created);
  });

  it('imports the tenant under a new id and verifies identical digests and grants', async () => {
    const phases = new Set<string>();
    const res = await importer.importReader(reader, { cluster, newId: target, progress: (p) => phases.add(p.phase ?? '') });
    expect(res.tenant).toBe(target);
    expect(res.report.tables.filter((t) => !t.ok)).toEqual([]);
    expect(res.report.grants.filter((g) => g.side !== 'both')).toEqual([]);
    expect(res.report.ok, JSON.stringify(res.report.notes)).toBe(true);
    const orders = res.report.tables.find((t) => t.table === 'orders')!;
    expect(orders).toMatchObject({ keyspace: `tenant_${target}_data`, sourceRows: 300, targetRows: 300 });
    expect(orders.targetDigest).toBe(orders.sourceDigest);
    expect(res.report.tables.find((t) => t.table === 'events')!.targetRows).toBe(120);
    expect(res.report.configEqual).toBe(true);
    expect(res.report.notes.join(' ')).toMatch(/2 users keep their passwords/);
    expect(res.report.notes.join(' ')).not.toMatch(/new random password/);
    expect(res.rows).toBeGreaterThanOrEqual(420);
    expect([...phases]).toEqual(expect.arrayContaining(['plan', 'check', 'provision', 'data', 'verify']));
    // Registered, active, with the source's DCs, keyspaces and a service credential in the keychain.
    const row = (await su.execute('SELECT state, data_centers, keyspaces FROM csm_system.tenants WHERE id = ?', [target], { prepare: true })).rows[0]!;
    expect(row['state']).toBe('active');
    expect(row['data_centers']).toEqual([node().localDc]);
    expect([...(row['keyspaces'] as string[])].sort()).toEqual([`tenant_${target}_csm`, `tenant_${target}_data`]);
    // The schema came across with its clustering order and static column.
    const cols = (await su.execute("SELECT column_name, kind, clustering_order FROM system_schema.columns WHERE keyspace_name = ? AND table_name = 'orders'", [`tenant_${target}_data`], { prepare: true })).rows;
    expect(cols.find((x) => x['column_name'] === 'placed')!['clustering_order']).toBe('desc');
    expect(cols.find((x) => x['column_name'] === 'region')!['kind']).toBe('static');
  });

  it('live verification of source against the import agrees; a changed row makes it disagree', async () => {
    const same = await importer.verifyLive({ cluster, tenant: source }, { cluster, tenant: target });
    expect(same.tables.filter((t) => !t.ok)).toEqual([]);
    expect(same.grantsEqual).toBe(true);
    expect(same.ok, JSON.stringify(same.notes)).toBe(true);
    await su.execute(`UPDATE "tenant_${target}_data"."orders" SET note = 'changed' WHERE customer = 'c1' AND placed = ? AND id = ?`, [new Date(1_700_000_001_000), cassandra.types.Uuid.random()], { prepare: true });
    const diff = await importer.verifyLive({ cluster, tenant: source }, { cluster, tenant: target });
    expect(diff.ok).toBe(false);
    expect(diff.tables.filter((t) => !t.ok).map((t) => t.table)).toEqual(['orders']);
  });

  it("the new tenant's users keep their passwords, read the imported data and cannot read the source's", async () => {
    // Created WITH HASHED PASSWORD from the source's hashes: the admin (by the provisioning step) and ana (by the importer).
    await expect(userClient(`tenant_${target}_u_ana`, 'not-her-password')).rejects.toThrow(/Authentication|credentials|password/i);
    const ana = await userClient(`tenant_${target}_u_ana`, ANA_PW);
    await ana.shutdown();
    const user = await userClient(`tenant_${target}_u_boss`, BOSS_PW);
    try {
      const n = (await user.execute(`SELECT count(*) FROM "tenant_${target}_data"."events"`)).rows[0]!['count'];
      expect(Number(n)).toBe(120);
      await expect(user.execute(`SELECT * FROM "tenant_${source}_data"."events" LIMIT 1`)).rejects.toThrow(/Unauthorized|permission/i);
    } finally {
      await user.shutdown();
    }
  });

  it('restores into the existing tenant: rows deleted after the bundle come back', async () => {
    const back = await liveReader(su, target);
    await su.execute(`DELETE FROM "tenant_${target}_data"."events" WHERE bucket = 'b0'`);
    expect(Number((await su.execute(`SELECT count(*) FROM "tenant_${target}_data"."events"`)).rows[0]!['count'])).toBe(90);
    const res = await importer.importReader(back, { cluster, newId: target, intoExisting: true });
    expect(res.report.ok, JSON.stringify(res.report)).toBe(true);
    expect(Number((await su.execute(`SELECT count(*) FROM "tenant_${target}_data"."events"`)).rows[0]!['count'])).toBe(120);
  });

  it('refuses a tampered bundle before anything is created', async () => {
    const bad = await liveReader(su, source, { tamper: { table: 'events' } });
    const before = (await su.execute('SELECT id FROM csm_system.tenants')).rows.map((r) => String(r['id'])).sort();
    expect(await failure(importer.importReader(bad, { cluster, newId: tampered }))).toMatch(/^BAD_INPUT: bundle: chunk #0 \(tenant_\w+_data\.events\): ciphertext checksum mismatch/);
    expect((await su.execute('SELECT id FROM csm_system.tenants')).rows.map((r) => String(r['id'])).sort()).toEqual(before);
    const ks = (await su.execute('SELECT keyspace_name FROM system_schema.keyspaces')).rows.map((r) => String(r['keyspace_name']));
    expect(ks.filter((k) => k.startsWith(`tenant_${tampered}_`))).toEqual([]);
    const roles = (await su.execute('LIST ROLES')).rows.map((r) => String(r['role']));
    expect(roles.filter((r) => r.startsWith(`tenant_${tampered}_`))).toEqual([]);
  });

  it('a failure after provisioning rolls the half-imported tenant back: registry, keyspaces and roles as before', async () => {
    const broken = await liveReader(su, source, { corrupt: { table: 'orders', column: 'id', value: null } });
    const before = (await su.execute('SELECT id FROM csm_system.tenants')).rows.map((r) => String(r['id'])).sort();
    const phases: string[] = [];
    const msg = await failure(importer.importReader(broken, { cluster, newId: tampered, progress: (p) => phases.push(p.phase ?? '') }));
    expect(msg).not.toBe('ok');
    expect(phases).toContain('provision');
    expect(phases).toContain('rollback');
    expect((await su.execute('SELECT id FROM csm_system.tenants')).rows.map((r) => String(r['id'])).sort()).toEqual(before);
    const ks = (await su.execute('SELECT keyspace_name FROM system_schema.keyspaces')).rows.map((r) => String(r['keyspace_name']));
    expect(ks.filter((k) => k.startsWith(`tenant_${tampered}_`))).toEqual([]);
    const roles = (await su.execute('LIST ROLES')).rows.map((r) => String(r['role']));
    expect(roles.filter((r) => r.startsWith(`tenant_${tampered}_`))).toEqual([]);
    expect((await su.execute('SELECT tenant_id FROM csm_system.tenant_keks WHERE tenant_id = ?', [tampered], { prepare: true })).rows).toEqual([]);
    // The source is untouched.
    expect(Number((await su.execute(`SELECT count(*) FROM "tenant_${source}_data"."orders"`)).rows[0]!['count'])).toBe(300);
  });

  it('refuses bad input with clear codes and creates nothing', async () => {
    expect(await failure(importer.importReader(reader, { cluster }))).toMatch(/^CONFLICT: tenant id \w+ is already registered/);
    expect(await failure(importer.importReader(reader, { cluster, newId: target }))).toMatch(/^CONFLICT: tenant id \w+ is already registered/);
    expect(await failure(importer.importReader(reader, { cluster, newId: tampered, dcMap: { [node().localDc]: 'nowhere9' } }))).toMatch(/^BAD_INPUT: data centre nowhere9 is not part of/);
    expect(await failure(importer.importReader(reader, { cluster, newId: 'Not-An-Id' }))).toMatch(/^BAD_INPUT: invalid tenant id/);
    expect(await failure(importer.verifyLive({ cluster, tenant: source }, { cluster: 'nowhere', tenant: target }))).toMatch(/^NOT_SIGNED_IN/);
    const rows = (await su.execute('SELECT id FROM csm_system.tenants WHERE id = ?', [tampered], { prepare: true })).rows;
    expect(rows).toEqual([]);
    void api;
  });

  it('re-imports under the same id on a cluster that lost the tenant: its keys come along, values sealed before open after', async () => {
    const keys = svc.keys.for(cluster);
    const sealed = await keys.encrypt(target, 'cache', 'sealed before the move');
    const snap = await liveReader(su, target, { keys });
    await scrub([target]);
    keys.forget(target);
    const res = await importer.importReader(snap, { cluster });
    expect(res.tenant).toBe(target);
    expect(res.report.ok, JSON.stringify(res.report)).toBe(true);
    expect(res.report.notes.join(' ')).toMatch(/key material carried: KEK version 1 rewrapped/);
    // The data keys are the source's: a value sealed before the move opens after it.
    keys.forget(target);
    expect((await keys.decrypt(target, 'cache', sealed)).toString('utf8')).toBe('sealed before the move');
    const loaded = res.report.tables.map((t) => t.table);
    expect(loaded).toEqual(expect.arrayContaining(['data_keys', 'pki_ca', 'events', 'orders']));
  });
});
