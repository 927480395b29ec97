import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src-main/app/errors';
import { checkType, createTableCql, normalizeResource, parseCreateTable, shapeFromColumns } from '../../../src-main/portability/core/import-cql';
import { isTenantRole, mapResource, planImport, type TargetFacts } from '../../../src-main/portability/core/import-plan';
import { buildReport, compareGrants, compareTables, mapGrants } from '../../../src-main/portability/core/verify';
import type { BundleManifest } from '../../../src-main/portability/types';

const D = 'a'.repeat(64);

function manifest(over: Partial<BundleManifest> = {}): BundleManifest {
  return {
    format: 1,
    sourceCluster: 'src',
    tenant: 'acme',
    createdAt: new Date().toISOString(),
    createdBy: 'cassandra',
    withData: true,
    wrap: 'installation',
    registry: { name: 'Acme', tier: 'premium', dataCenters: ['dc1'] },
    keyspaces: [
      { name: 'tenant_acme_data', cql: '', replication: { class: 'org.apache.cassandra.locator.NetworkTopologyStrategy', dc1: '3' } },
      { name: 'tenant_acme_csm', cql: '', replication: { class: 'org.apache.cassandra.locator.NetworkTopologyStrategy', dc1: '3' } },
    ],
    tables: [
      { keyspace: 'tenant_acme_data', table: 'events', cql: 'CREATE TABLE tenant_acme_data.events (id uuid, at timestamp, tags set<text>, body text, PRIMARY KEY ((id), at)) WITH CLUSTERING ORDER BY (at DESC) AND gc_grace_seconds = 864000;', rows: 10, digest: D, columns: [] },
      { keyspace: 'tenant_acme_csm', table: 'config', cql: 'CREATE TABLE tenant_acme_csm.config (key text PRIMARY KEY, value text, version int, updated_by text, updated_at timestamp)', rows: 2, digest: D, columns: [] },
      { keyspace: 'tenant_acme_csm', table: 'data_keys', cql: 'CREATE TABLE tenant_acme_csm.data_keys (purpose text, version int, wrapped blob, PRIMARY KEY (purpose, version))', rows: 3, digest: D, columns: [] },
    ],
    roles: [
      { name: 'tenant_acme_admin', login: false, superuser: false, memberOf: [] },
      { name: 'tenant_acme_auditor', login: false, superuser: false, memberOf: [] },
      { name: 'tenant_acme_svc', login: true, superuser: false, memberOf: ['tenant_acme_admin'] },
      { name: 'tenant_acme_u_boss', login: true, superuser: false, memberOf: ['tenant_acme_admin'] },
    ],
    grants: [
      { role: 'tenant_acme_admin', resource: 'data/tenant_acme_data', permissions: ['SELECT', 'MODIFY'] },
      { role: 'tenant_acme_admin', resource: '<keyspace tenant_acme_data>', permissions: ['CREATE'] },
      { role: 'tenant_acme_auditor', resource: '<keyspace tenant_acme_csm>', permissions: ['SELECT'] },
      { role: 'tenant_acme_admin', resource: '<table tenant_acme_csm.config>', permissions: ['SELECT'] },
    ],
    auditHeads: [],
    consoleKeyspace: 'tenant_acme_csm',
    chunks: [],
    networkPermissions: [],
    ...over,
  };
}

function facts(over: Partial<TargetFacts> = {}): TargetFacts {
  return { cluster: 'dst', dataCenters: ['dc1', 'eu1'], registered: new Set(['acme']), keyspaces: new Set(['tenant_acme_data']), roles: new Set(['tenant_acme_admin']), boundaries: [], ...over };
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return e instanceof AppError ? `${e.code}: ${e.message}` : `other: ${String(e)}`;
  }
  return 'no error';
}

describe('table shapes', () => {
  it('parses an exported statement and rebuilds it with quoted names, clustering order kept', () => {
    const s = parseCreateTable(manifest().tables[0]!.cql);
    expect(s).toMatchObject({ keyspace: 'tenant_acme_data', table: 'events', partitionKey: ['id'], clustering: [{ name: 'at', order: 'DESC' }] });
    expect(createTableCql('tenant_beta_data', s)).toBe(
      'CREATE TABLE IF NOT EXISTS "tenant_beta_data"."events" ("id" uuid, "at" timestamp, "tags" set<text>, "body" text, PRIMARY KEY (("id"), "at")) WITH CLUSTERING ORDER BY ("at" DESC)',
    );
  });

  it('reads composite partition keys, statics and quoted names', () => {
    const s = parseCreateTable('CREATE TABLE IF NOT EXISTS "tenant_acme_data"."t" ("a" int, b text, c int static, d frozen<list<int>>, PRIMARY KEY ((a, b), "d"))');
    expect(s.partitionKey).toEqual(['a', 'b']);
    expect(s.statics).toEqual(['c']);
    expect(s.columns.find((c) => c.name === 'd')!.type).toBe('frozen<list<int>>');
  });

  it("takes the manifest's column list when there is one, the order from the statement", () => {
    const s = shapeFromColumns(
      'orders',
      [
        { name: 'customer', type: 'text', kind: 'partition_key' },
        { name: 'placed', type: 'timestamp', kind: 'clustering' },
        { name: 'region', type: 'text', kind: 'static' },
        { name: 'tags', type: 'set<text>', kind: 'regular' },
      ],
      'CREATE TABLE x.orders (...) WITH CLUSTERING ORDER BY (placed DESC)',
    );
    expect(createTableCql('tenant_b_data', s)).toBe('CREATE TABLE IF NOT EXISTS "tenant_b_data"."orders" ("customer" text, "placed" timestamp, "region" text STATIC, "tags" set<text>, PRIMARY KEY (("customer"), "placed")) WITH CLUSTERING ORDER BY ("placed" DESC)');
    expect(code(() => shapeFromColumns('t', [{ name: 'a', type: 'int', kind: 'regular' }], ''))).toMatch(/no partition key/);
    expect(code(() => shapeFromColumns('t', [{ name: 'a', type: 'int', kind: 'weird' }], ''))).toMatch(/^BAD_INPUT/);
  });

  it('refuses what it cannot rebuild safely: injected types, UDTs, bad names, no key', () => {
    expect(code(() => checkType("text); DROP KEYSPACE x; --"))).toMatch(/^BAD_INPUT/);
    expect(code(() => checkType('frozen<address>'))).toMatch(/^BAD_INPUT/);
    expect(checkType('map<text,frozen<set<int>>>')).toBe('map<text, frozen<set<int>>>');
    expect(code(() => parseCreateTable('CREATE TABLE tenant_acme_data."x""y" (a int PRIMARY KEY)'))).toMatch(/^BAD_INPUT/);
    expect(code(() => parseCreateTable('CREATE TABLE tenant_acme_data.t (a int, b int)'))).toMatch(/no primary key/);
    expect(code(() => parseCreateTable('DROP TABLE tenant_acme_data.t'))).toMatch(/^BAD_INPUT/);
  });
});

describe('import plan', () => {
  it('maps keyspaces, roles, grants and DCs to the new id', () => {
    const p = planImport(manifest(), { newId: 'beta', dcMap: { dc1: 'eu1' } }, facts());
    expect(p.target).toBe('beta');
    expect(p.keyspaces.map((k) => k.to)).toEqual(['tenant_beta_data', 'tenant_beta_csm']);
    expect(p.dataCenters).toEqual(['eu1']);
    expect(p.replicationFactor).toBe(3);
    expect(p.adminUser).toBe('boss');
    expect(p.roles.find((r) => r.from === 'tenant_acme_svc')).toMatchObject({ to: 'tenant_beta_svc', memberOf: ['tenant_beta_admin'], kind: 'service' });
    expect(p.grants).toContainEqual({ role: 'tenant_beta_admin', resource: '<keyspace tenant_beta_data>', permissions: ['CREATE', 'MODIFY', 'SELECT'] });
    expect(p.grants).toContainEqual({ role: 'tenant_beta_admin', resource: '<table tenant_beta_csm.config>', permissions: ['SELECT'] });
    // Console tables: config is loaded, keys are not (they are the target's own).
    expect(p.tables.find((t) => t.shape.table === 'config')!.load).toBe(true);
    expect(p.tables.find((t) => t.shape.table === 'data_keys')!.load).toBe(false);
    // No hash in this bundle: the user gets a new password and the notes name it.
    expect(p.roles.find((r) => r.kind === 'user')!.passwordHash).toBeNull();
    expect(p.notes.join(' ')).toMatch(/1 user has a new random password .* tenant_beta_u_boss/);
  });

  it("carries a user's bcrypt hash, and refuses a hash that is not bcrypt or sits on a non-user role", () => {
    const H = '$2a$10$' + 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXY./'.slice(0, 53);
    const withHash = (name: string, passwordHash: string) => manifest({ roles: [...manifest().roles.filter((r) => r.name !== name), { ...manifest().roles.find((r) => r.name === name)!, passwordHash }] });
    const p = planImport(withHash('tenant_acme_u_boss', H), { newId: 'beta' }, facts());
    expect(p.roles.find((r) => r.to === 'tenant_beta_u_boss')!.passwordHash).toBe(H);
    expect(p.notes.join(' ')).toMatch(/1 user keeps its password/);
    expect(p.notes.join(' ')).not.toMatch(/new random password/);
    // A quote would end the CQL literal: nothing but bcrypt's alphabet passes.
    expect(code(() => planImport(withHash('tenant_acme_u_boss', "x' AND SUPERUSER = true AND PASSWORD = 'y"), { newId: 'beta' }, facts()))).toMatch(/^BAD_INPUT: bundle: the password hash of tenant_acme_u_boss is not a bcrypt hash/);
    expect(code(() => planImport(withHash('tenant_acme_u_boss', H.slice(0, -1) + "'"), { newId: 'beta' }, facts()))).toMatch(/^BAD_INPUT/);
    expect(code(() => planImport(withHash('tenant_acme_svc', H), { newId: 'beta' }, facts()))).toMatch(/^BAD_INPUT: bundle: role tenant_acme_svc carries a password hash, but only users do/);
  });

  it('refuses before anything exists: taken id, invalid id, unknown DC, stray DC map, boundary, long names', () => {
    expect(code(() => planImport(manifest(), {}, facts()))).toMatch(/^CONFLICT: tenant id acme is already registered/);
    expect(code(() => planImport(manifest(), { newId: 'Bad-Id' }, facts()))).toMatch(/^BAD_INPUT: invalid tenant id/);
    expect(code(() => planImport(manifest(), { newId: 'beta', dcMap: { dc1: 'mars1' } }, facts()))).toMatch(/^BAD_INPUT: data centre mars1 is not part of dst/);
    expect(code(() => planImport(manifest(), { newId: 'beta', dcMap: { nowhere: 'dc1' } }, facts()))).toMatch(/^BAD_INPUT: DC map names nowhere/);
    expect(code(() => planImport(manifest(), { newId: 'beta' }, facts({ boundaries: [{ tenant: 'acme', boundary: [{ dc: 'eu1', region: 'eu' }] }] })))).toMatch(/^FORBIDDEN: data centre dc1 lies outside the compliance boundary of tenant acme/);
    expect(code(() => planImport(manifest(), { newId: 'beta', dcMap: { dc1: 'eu1' } }, facts({ boundaries: [{ tenant: 'acme', boundary: [{ dc: 'eu1', region: 'eu' }] }] })))).toBe('no error');
    const long = manifest({ keyspaces: [{ name: 'tenant_acme_analyticsstore', cql: '', replication: { dc1: '1' } }], tables: [] });
    expect(code(() => planImport(long, { newId: 'b'.repeat(29) + 'x' }, facts()))).toMatch(/^BAD_INPUT: keyspace tenant_acme_analyticsstore would become/);
    expect(code(() => planImport(manifest(), { newId: 'acme', intoExisting: false }, facts({ registered: new Set() })))).toMatch(/^CONFLICT: keyspace tenant_acme_data already exists/);
    expect(code(() => planImport(manifest(), { newId: 'gamma', intoExisting: true }, facts()))).toMatch(/^NOT_FOUND/);
    // A deleted tenant's id stays taken, also for a restore into it.
    expect(code(() => planImport(manifest(), {}, facts({ registered: new Set(['acme']), deleted: new Set(['acme']) })))).toMatch(/^CONFLICT: tenant id acme belonged to a deleted tenant/);
    expect(code(() => planImport(manifest(), { intoExisting: true }, facts({ registered: new Set(['acme']), deleted: new Set(['acme']) })))).toMatch(/^CONFLICT: tenant id acme belonged to a deleted tenant/);
    expect(code(() => planImport(manifest(), { newId: 'beta' }, facts({ deleted: new Set(['acme']) })))).toBe('no error');
  });

  it('refuses a bundle that reaches outside its tenant', () => {
    const bad = (over: Partial<BundleManifest>) => code(() => planImport(manifest(over), { newId: 'beta' }, facts()));
    expect(bad({ grants: [{ role: 'tenant_acme_admin', resource: '<all keyspaces>', permissions: ['SELECT'] }] })).toMatch(/^BAD_INPUT/);
    expect(bad({ grants: [{ role: 'tenant_acme_admin', resource: 'data/tenant_other_data', permissions: ['SELECT'] }] })).toMatch(/outside tenant acme/);
    expect(bad({ grants: [{ role: 'csm_platform_admin', resource: 'data/tenant_acme_data', permissions: ['SELECT'] }] })).toMatch(/outside tenant acme/);
    expect(bad({ roles: [{ name: 'tenant_acme_u_x', login: true, superuser: false, memberOf: ['csm_platform_admin'] }] })).toMatch(/outside tenant acme/);
    expect(bad({ keyspaces: [{ name: 'tenant_acmex_data', cql: '', replication: {} }] })).toMatch(/not tenant acme's/);
    // `tenant_acme_x_data` is tenant acme_x's keyspace, not acme's (suffixes have no _).
    expect(bad({ keyspaces: [{ name: 'tenant_acme_x_data', cql: '', replication: {} }] })).toMatch(/not tenant acme's/);
    expect(bad({ tables: [{ ...manifest().tables[0]!, cql: manifest().tables[0]!.cql.replace('tenant_acme_data.events', 'tenant_acme_data.other') }] })).toMatch(/creates tenant_acme_data.other/);
    expect(bad({ tables: [{ ...manifest().tables[0]!, digest: 'zz' }] })).toMatch(/no valid row count\/digest/);
    // Shared read-only reference data stays as it is.
    expect(mapResource('data/csm_shared_readonly', 'acme', 'beta')).toBe('<keyspace csm_shared_readonly>');
  });

  it("accepts memberships and <role r> grants only among the bundle's own roles, never a tenant whose id extends the source's", () => {
    const bad = (over: Partial<BundleManifest>, newId = 'beta', f = facts()) => code(() => planImport(manifest(over), { newId }, f));
    const roles = manifest().roles;
    // acme's bundle making its user a member of tenant acme_x's admin → becomes beta_x's admin under --id beta.
    expect(bad({ roles: [...roles, { name: 'tenant_acme_u_m', login: true, superuser: false, memberOf: ['tenant_acme_x_admin'] }] })).toMatch(/^BAD_INPUT: bundle: role tenant_acme_u_m is a member of tenant_acme_x_admin, outside tenant acme/);
    expect(bad({ grants: [{ role: 'tenant_acme_admin', resource: 'roles/tenant_acme_x_admin', permissions: ['AUTHORIZE'] }] })).toMatch(/^BAD_INPUT: bundle: a grant on role tenant_acme_x_admin is outside tenant acme/);
    expect(bad({ grants: [{ role: 'tenant_acme_admin', resource: '<role tenant_acme_x_svc>', permissions: ['AUTHORIZE'] }] })).toMatch(/^BAD_INPUT/);
    // A user the bundle does not carry is not the plan's either.
    expect(bad({ grants: [{ role: 'tenant_acme_admin', resource: '<role tenant_acme_u_ghost>', permissions: ['AUTHORIZE'] }] })).toMatch(/^BAD_INPUT: bundle: a grant on role tenant_acme_u_ghost/);
    expect(bad({ roles: [...roles, { name: 'tenant_acme_u_m', login: true, superuser: false, memberOf: ['tenant_acme_u_ghost'] }] })).toMatch(/^BAD_INPUT/);
    // A role of a registered tenant whose id extends the source's (acme_u → tenant_acme_u_x_admin) is not acme's.
    expect(bad({ roles: [...roles, { name: 'tenant_acme_u_x_admin', login: false, superuser: false, memberOf: [] }] }, 'beta', facts({ registered: new Set(['acme', 'acme_u_x']) }))).toMatch(/^BAD_INPUT: bundle: role tenant_acme_u_x_admin is not tenant acme's/);
    // Own roles are fine: a grant on the plan's own user and a membership in its admin.
    const ok = planImport(manifest({ grants: [{ role: 'tenant_acme_admin', resource: 'roles/tenant_acme_u_boss', permissions: ['AUTHORIZE'] }] }), { newId: 'beta' }, facts());
    expect(ok.grants).toContainEqual({ role: 'tenant_beta_admin', resource: '<role tenant_beta_u_boss>', permissions: ['AUTHORIZE'] });
    expect(isTenantRole('ab', 'tenant_ab_u_x_admin', ['ab', 'ab_u_x'])).toBe(false);
    expect(isTenantRole('ab', 'tenant_ab_u_x_admin', ['ab'])).toBe(true);
    expect(isTenantRole('ab', 'tenant_ab_x_admin', ['ab'])).toBe(false);
  });

  it("enforces the compliance boundary the bundle carries, whatever the target stores", () => {
    const withProfile = (compliance: unknown) => manifest({ compliance } as Partial<BundleManifest>);
    const eu = { boundary: [{ dc: 'eu1', region: 'eu' }], frameworks: [], overrides: {} };
    expect(code(() => planImport(withProfile(eu), { newId: 'beta' }, facts()))).toMatch(/^FORBIDDEN: data centre dc1 lies outside the compliance boundary of tenant acme/);
    const p = planImport(withProfile(eu), { newId: 'beta', dcMap: { dc1: 'eu1' } }, facts());
    expect(p.compliance).toEqual(eu);
    expect(planImport(manifest(), { newId: 'beta' }, facts()).compliance).toBeNull();
    expect(code(() => planImport(withProfile({ boundary: 'everywhere', frameworks: [], overrides: {} }), { newId: 'beta' }, facts()))).toMatch(/^BAD_INPUT: bundle: the compliance profile is not valid/);
  });

  it('keeps only SELECT and DESCRIBE on the shared read-only keyspace', () => {
    const grant = (permissions: string[], resource = 'data/csm_shared_readonly') => code(() => planImport(manifest({ grants: [{ role: 'tenant_acme_admin', resource, permissions }] }), { newId: 'beta' }, facts()));
    expect(grant(['SELECT', 'DESCRIBE'])).toBe('no error');
    expect(grant(['select'], 'data/csm_shared_readonly/ref')).toBe('no error');
    expect(grant(['SELECT', 'MODIFY'])).toMatch(/^BAD_INPUT: bundle: MODIFY on <keyspace csm_shared_readonly> refused/);
    expect(grant(['ALTER', 'DROP'], 'data/csm_shared_readonly/ref')).toMatch(/^BAD_INPUT: bundle: ALTER, DROP on <table csm_shared_readonly.ref> refused/);
    expect(grant(['AUTHORIZE'])).toMatch(/^BAD_INPUT/);
  });
});

describe('verification', () => {
  it('compares tables by count and digest, and names what is missing on either side', () => {
    const checks = compareTables(
      [
        { keyspace: 'k', table: 'a', rows: 2, digest: D },
        { keyspace: 'k', table: 'b', rows: 1, digest: D },
      ],
      [
        { keyspace: 'k', table: 'a', rows: 2, digest: D },
        { keyspace: 'k', table: 'b', rows: 1, digest: 'b'.repeat(64) },
        { keyspace: 'k', table: 'c', rows: 0, digest: '0'.repeat(64) },
      ],
    );
    expect(checks.map((c) => [c.table, c.ok])).toEqual([
      ['a', true],
      ['b', false],
      ['c', false],
    ]);
    expect(checks[2]).toMatchObject({ sourceRows: null, targetRows: 0 });
  });

  it('compares grants as sets after mapping, one line per side', () => {
    const src = mapGrants([{ role: 'tenant_acme_admin', resource: normalizeResource('data/tenant_acme_data'), permissions: ['SELECT', 'MODIFY'] }], 'acme', 'beta');
    const same = compareGrants(src, [{ role: 'tenant_beta_admin', resource: '<keyspace tenant_beta_data>', permissions: ['MODIFY', 'SELECT'] }]);
    expect(same.equal).toBe(true);
    expect(same.grants).toEqual([{ role: 'tenant_beta_admin', resource: '<keyspace tenant_beta_data>', permissions: ['MODIFY', 'SELECT'], side: 'both' }]);
    const diff = compareGrants(src, [{ role: 'tenant_beta_admin', resource: '<keyspace tenant_beta_data>', permissions: ['SELECT', 'DROP'] }]);
    expect(diff.equal).toBe(false);
    expect(diff.grants.map((g) => [g.side, g.permissions.join()])).toEqual([
      ['both', 'SELECT'],
      ['source', 'MODIFY'],
      ['target', 'DROP'],
    ]);
    const report = buildReport({ tables: [], grants: diff, configEqual: true, certificates: { source: 1, target: 1 }, notes: [] });
    expect(report.ok).toBe(false);
    expect(report.grantsEqual).toBe(false);
    expect(buildReport({ tables: [], grants: same, configEqual: true, certificates: { source: 1, target: 0 }, notes: [] }).ok).toBe(false);
    // Under a new tenant id certificates are not carried (the new tenant has its own CA): said, not a mismatch.
    const renamed = buildReport({ tables: [], grants: same, configEqual: true, certificates: { source: 1, target: 0 }, notes: [], newTenantId: true });
    expect(renamed.ok).toBe(true);
    expect(renamed.notes.join(' ')).toMatch(/not carried to a new tenant id/);
    expect(buildReport({ tables: [], grants: same, configEqual: true, certificates: { source: 1, target: 1 }, notes: [] }).ok).toBe(true);
  });
});
