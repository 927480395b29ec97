import { describe, expect, it } from 'vitest';
import * as cql from '../../../src-main/tenancy/cql';
import { DEFAULT_TEMPLATE, templateSchema, type TableDef } from '../../../src-shared/rules/templates';
import { appErrorOf } from './helpers';

/** Names no builder may accept: each would break out of a quoted name or alias another name. */
const HOSTILE_NAMES = [
  'a"; DROP KEYSPACE system_auth; --',
  "x' OR '1'='1",
  'ks;drop',
  'ks--',
  'ks/*c*/',
  'tenant_аcme', // Cyrillic а (U+0430): looks like tenant_acme
  'Tenant_acme',
  'TENANT',
  'a b',
  'a\nb',
  'a\u0000b',
  '',
  '1abc',
  '_abc',
];
/** Data-centre names are wider (upper case, dot, dash) but never quotes, braces or separators. */
const HOSTILE_DCS = ["dc1'}; DROP ROLE x; --", "dc1', 'dc2", 'dc1}', 'dc 1', 'dс1' /* Cyrillic с */, 'dc1;', 'dc1/*', '', '-dc', 'd'.repeat(65), 'dc\n1'];

const expectBadInput = (fn: () => unknown, what: RegExp = /invalid/) => {
  const e = appErrorOf(fn);
  expect(e.code).toBe('BAD_INPUT');
  expect(e.message).toMatch(what);
};

const EVENTS: TableDef = {
  name: 'events',
  columns: [
    { name: 'bucket', type: 'text' },
    { name: 'at', type: 'timeuuid' },
    { name: 'tags', type: 'set<text>' },
    { name: 'attrs', type: 'map<text, int>' },
  ],
  partitionKey: ['bucket'],
  clusteringKey: ['at'],
};

describe('tenant statement builders: exact output', () => {
  it('names the fixed roles, keyspaces and user roles of a tenant', () => {
    expect(cql.fixedRoles('acme')).toEqual({ admin: 'tenant_acme_admin', auditor: 'tenant_acme_auditor', service: 'tenant_acme_svc' });
    expect(cql.tenantServiceRole('acme')).toBe('tenant_acme_svc');
    expect(cql.tenantUserRole('acme', 'alice')).toBe('tenant_acme_u_alice');
    expect(cql.tenantKeyspaces('acme', DEFAULT_TEMPLATE)).toEqual(['tenant_acme_data', 'tenant_acme_csm']);
    const two = templateSchema.parse({ ...DEFAULT_TEMPLATE, keyspaces: [{ suffix: 'raw', tables: [] }, { suffix: 'agg', tables: [EVENTS] }] });
    expect(cql.tenantKeyspaces('acme', two)).toEqual(['tenant_acme_raw', 'tenant_acme_agg', 'tenant_acme_csm']);
    expect(cql.tableNames(two)).toEqual([
      { keyspace: 'raw', tables: [] },
      { keyspace: 'agg', tables: ['events'] },
    ]);
  });

  it('creates and drops keyspaces idempotently', () => {
    const repl = cql.replication(new Map([['dc1', 3]]), 3);
    expect(cql.createKeyspace('tenant_acme_data', repl)).toBe(`CREATE KEYSPACE IF NOT EXISTS "tenant_acme_data" WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3}`);
    expect(cql.dropKeyspace('tenant_acme_data')).toBe('DROP KEYSPACE IF EXISTS "tenant_acme_data"');
  });

  it('creates a table with quoted names, whitelisted types and partition + clustering keys', () => {
    expect(cql.createTable('tenant_acme_data', EVENTS)).toBe(
      'CREATE TABLE IF NOT EXISTS "tenant_acme_data"."events" ("bucket" text, "at" timeuuid, "tags" set<text>, "attrs" map<text, int>, PRIMARY KEY (("bucket"), "at"))',
    );
    const composite: TableDef = { name: 'kv', columns: [{ name: 'a', type: 'int' }, { name: 'b', type: 'text' }, { name: 'v', type: 'blob' }], partitionKey: ['a', 'b'], clusteringKey: [] };
    expect(cql.createTable('ks', composite)).toBe('CREATE TABLE IF NOT EXISTS "ks"."kv" ("a" int, "b" text, "v" blob, PRIMARY KEY (("a", "b")))');
  });

  it('creates the console keyspace’s own tables', () => {
    expect(cql.consoleTables('acme')).toEqual([
      'CREATE TABLE IF NOT EXISTS "tenant_acme_csm"."config" (key text PRIMARY KEY, value text, version int, updated_by text, updated_at timestamp)',
      'CREATE TABLE IF NOT EXISTS "tenant_acme_csm"."tenant_info" (key text PRIMARY KEY, value text)',
      'CREATE TABLE IF NOT EXISTS "tenant_acme_csm"."users" (name text PRIMARY KEY, role text, created_by text, created_at timestamp)',
    ]);
  });

  it('creates group and login roles confined to the tenant’s data centres', () => {
    expect(cql.createGroupRole('tenant_acme_admin', ['dc1', 'DC-2.east'])).toBe(
      `CREATE ROLE IF NOT EXISTS "tenant_acme_admin" WITH LOGIN = false AND SUPERUSER = false AND ACCESS TO DATACENTERS {'dc1', 'DC-2.east'}`,
    );
    expect(cql.createLoginRole('tenant_acme_svc', 'S3cret-pass_word', ['dc1'])).toBe(
      `CREATE ROLE IF NOT EXISTS "tenant_acme_svc" WITH LOGIN = true AND SUPERUSER = false AND PASSWORD = 'S3cret-pass_word' AND ACCESS TO DATACENTERS {'dc1'}`,
    );
  });

  it('inlines a password with its single quotes doubled (the only inlined value)', () => {
    expect(cql.createLoginRole('tenant_acme_u_bob', "it's'; DROP ROLE x; --", ['dc1'])).toBe(
      `CREATE ROLE IF NOT EXISTS "tenant_acme_u_bob" WITH LOGIN = true AND SUPERUSER = false AND PASSWORD = 'it''s''; DROP ROLE x; --' AND ACCESS TO DATACENTERS {'dc1'}`,
    );
    expect(cql.createLoginRole('r', "''", ['dc1'])).toContain(`PASSWORD = '''''' AND`);
  });

  it('alters login, drops and grants roles', () => {
    expect(cql.alterLogin('tenant_acme_svc', false)).toBe('ALTER ROLE "tenant_acme_svc" WITH LOGIN = false');
    expect(cql.alterLogin('tenant_acme_svc', true)).toBe('ALTER ROLE "tenant_acme_svc" WITH LOGIN = true');
    expect(cql.dropRole('tenant_acme_u_bob')).toBe('DROP ROLE IF EXISTS "tenant_acme_u_bob"');
    expect(cql.grantRole('tenant_acme_admin', 'tenant_acme_u_bob')).toBe('GRANT "tenant_acme_admin" TO "tenant_acme_u_bob"');
  });
});

describe('replication', () => {
  it('caps the replication factor by the nodes of each DC, and sorts the DCs', () => {
    const dcs = new Map([
      ['eu-west', 1],
      ['ap-south', 5],
      ['dc2', 2],
    ]);
    expect(cql.replication(dcs, 3)).toBe(`{'class': 'NetworkTopologyStrategy', 'ap-south': 3, 'dc2': 2, 'eu-west': 1}`);
    expect(cql.replication(dcs, 1)).toBe(`{'class': 'NetworkTopologyStrategy', 'ap-south': 1, 'dc2': 1, 'eu-west': 1}`);
  });

  it('never writes a replication factor below 1', () => {
    expect(cql.replication(new Map([['dc1', 0]]), 3)).toBe(`{'class': 'NetworkTopologyStrategy', 'dc1': 1}`);
  });

  it.each(HOSTILE_DCS)('refuses data centre %j', (dc) => {
    expectBadInput(() => cql.replication(new Map([[dc, 3]]), 3), /invalid data centre name/);
  });
});

describe('hostile names are refused by every builder that takes one', () => {
  it.each(HOSTILE_NAMES)('refuses %j as keyspace, table, column and role', (name) => {
    const repl = cql.replication(new Map([['dc1', 1]]), 1);
    expectBadInput(() => cql.createKeyspace(name, repl), /invalid keyspace name/);
    expectBadInput(() => cql.dropKeyspace(name), /invalid keyspace name/);
    expectBadInput(() => cql.createTable(name, EVENTS), /invalid keyspace name/);
    expectBadInput(() => cql.createTable('tenant_acme_data', { ...EVENTS, name }), /invalid table name/);
    expectBadInput(() => cql.createTable('tenant_acme_data', { ...EVENTS, columns: [...EVENTS.columns, { name, type: 'text' }] }), /invalid column name/);
    expectBadInput(() => cql.createTable('tenant_acme_data', { ...EVENTS, partitionKey: [name] }), /invalid column name/);
    expectBadInput(() => cql.createTable('tenant_acme_data', { ...EVENTS, clusteringKey: [name] }), /invalid column name/);
    expectBadInput(() => cql.createGroupRole(name, ['dc1']), /invalid role name/);
    expectBadInput(() => cql.createLoginRole(name, 'a good password', ['dc1']), /invalid role name/);
    expectBadInput(() => cql.alterLogin(name, false), /invalid role name/);
    expectBadInput(() => cql.dropRole(name), /invalid role name/);
    expectBadInput(() => cql.grantRole(name, 'tenant_acme_u_bob'), /invalid role name/);
    expectBadInput(() => cql.grantRole('tenant_acme_admin', name), /invalid role name/);
    expectBadInput(() => cql.tenantGrants('acme', [name]), /invalid keyspace name/);
  });

  it('refuses a hostile user part of a tenant user role once it reaches a statement', () => {
    for (const user of ['bob"; DROP ROLE x; --', "bob'", 'Bob', 'bоb' /* Cyrillic о */]) {
      expectBadInput(() => cql.createLoginRole(cql.tenantUserRole('acme', user), 'a good password', ['dc1']), /invalid role name/);
      expectBadInput(() => cql.dropRole(cql.tenantUserRole('acme', user)), /invalid role name/);
    }
  });

  it.each(['acme"; --', "acme'", 'Acme', 'аcme' /* Cyrillic */, 'a', '', 'a'.repeat(31), 'ac/*me'])('refuses tenant id %j in every id-based builder', (id) => {
    expectBadInput(() => cql.fixedRoles(id), /invalid tenant name/);
    expectBadInput(() => cql.tenantServiceRole(id), /invalid tenant name/);
    expectBadInput(() => cql.tenantUserRole(id, 'bob'), /invalid tenant name/);
    expectBadInput(() => cql.tenantKeyspaces(id, DEFAULT_TEMPLATE), /invalid tenant name/);
    expectBadInput(() => cql.consoleTables(id), /invalid tenant name/);
    expectBadInput(() => cql.tenantGrants(id, []), /invalid tenant name/);
  });

  it.each(HOSTILE_DCS)('refuses data centre %j in role boundaries', (dc) => {
    expectBadInput(() => cql.createGroupRole('tenant_acme_admin', ['dc1', dc]), /invalid data centre name/);
    expectBadInput(() => cql.createLoginRole('tenant_acme_svc', 'a good password', [dc]), /invalid data centre name/);
  });

  it('refuses passwords with control characters, empty or over 512 characters', () => {
    for (const pw of ['line\nbreak', 'nul\u0000byte', 'tab\there', 'esc\u001b[31m', 'del\u007f', 'cr\r']) {
      expectBadInput(() => cql.createLoginRole('tenant_acme_svc', pw, ['dc1']), /control characters/);
    }
    expectBadInput(() => cql.createLoginRole('tenant_acme_svc', '', ['dc1']), /1–512/);
    expectBadInput(() => cql.createLoginRole('tenant_acme_svc', 'x'.repeat(513), ['dc1']), /1–512/);
    expect(cql.createLoginRole('tenant_acme_svc', 'x'.repeat(512), ['dc1'])).toContain(`PASSWORD = '${'x'.repeat(512)}'`);
  });

  it('refuses names over the limits (48 for keyspace, table and column, 128 for roles)', () => {
    const n49 = 'a'.repeat(49);
    expectBadInput(() => cql.createKeyspace(n49, "{'class': 'NetworkTopologyStrategy', 'dc1': 1}"), /invalid keyspace name/);
    expectBadInput(() => cql.dropKeyspace(n49), /invalid keyspace name/);
    expectBadInput(() => cql.createTable('tenant_acme_data', { ...EVENTS, name: n49 }), /invalid table name/);
    expectBadInput(() => cql.createTable('tenant_acme_data', { ...EVENTS, columns: [...EVENTS.columns, { name: n49, type: 'text' }] }), /invalid column name/);
    expectBadInput(() => cql.tenantGrants('acme', [n49]), /invalid keyspace name/);
    const r129 = 'r'.repeat(129);
    expectBadInput(() => cql.createGroupRole(r129, ['dc1']), /invalid role name/);
    expectBadInput(() => cql.createLoginRole(r129, 'a good password', ['dc1']), /invalid role name/);
    expectBadInput(() => cql.dropRole(r129), /invalid role name/);
    // a 30-character tenant id with a 32-character user still makes a legal role name (72)
    expect(cql.dropRole(cql.tenantUserRole('t'.repeat(30), 'u'.repeat(32)))).toBe(`DROP ROLE IF EXISTS "tenant_${'t'.repeat(30)}_u_${'u'.repeat(32)}"`);
  });

  it('accepts names at the limits', () => {
    const ks48 = 'k'.repeat(48);
    expect(cql.dropKeyspace(ks48)).toBe(`DROP KEYSPACE IF EXISTS "${ks48}"`);
    expect(cql.dropRole('r'.repeat(128))).toBe(`DROP ROLE IF EXISTS "${'r'.repeat(128)}"`);
    expectBadInput(() => cql.dropRole('r'.repeat(129)), /invalid role name/);
  });
});

describe('tenantGrants', () => {
  const keyspaces = cql.tenantKeyspaces('acme', DEFAULT_TEMPLATE);
  const grants = cql.tenantGrants('acme', keyspaces);

  it('gives the admin role everything but AUTHORIZE on data keyspaces; the console keyspace is read-only to people, writable by the service role', () => {
    expect(grants).toEqual([
      'GRANT CREATE ON KEYSPACE "tenant_acme_data" TO "tenant_acme_admin"',
      'GRANT ALTER ON KEYSPACE "tenant_acme_data" TO "tenant_acme_admin"',
      'GRANT DROP ON KEYSPACE "tenant_acme_data" TO "tenant_acme_admin"',
      'GRANT SELECT ON KEYSPACE "tenant_acme_data" TO "tenant_acme_admin"',
      'GRANT MODIFY ON KEYSPACE "tenant_acme_data" TO "tenant_acme_admin"',
      'GRANT SELECT ON KEYSPACE "tenant_acme_csm" TO "tenant_acme_admin"',
      'GRANT SELECT ON KEYSPACE "tenant_acme_csm" TO "tenant_acme_auditor"',
      'GRANT MODIFY ON KEYSPACE "tenant_acme_csm" TO "tenant_acme_svc"',
      'GRANT "tenant_acme_admin" TO "tenant_acme_svc"',
    ]);
  });

  it('refuses a keyspace that is not the tenant\'s', () => {
    expectBadInput(() => cql.tenantGrants('acme', ['tenant_acme_data', 'tenant_other_data']), /is not tenant acme's/);
    expectBadInput(() => cql.tenantGrants('acme', ['tenant_acme_x', 'csm_system']), /is not tenant acme's/);
  });

  it('never mentions ALL KEYSPACES, ALL ROLES, AUTHORIZE or SUPERUSER, nor a keyspace outside the tenant', () => {
    const many = templateSchema.parse({ ...DEFAULT_TEMPLATE, keyspaces: [{ suffix: 'a' }, { suffix: 'b' }, { suffix: 'c' }] });
    for (const g of [...grants, ...cql.tenantGrants('acme', cql.tenantKeyspaces('acme', many))]) {
      expect(g).not.toMatch(/ALL KEYSPACES|ALL ROLES|AUTHORIZE|SUPERUSER|DESCRIBE|EXECUTE/);
      for (const m of g.matchAll(/KEYSPACE "([^"]*)"/g)) expect(m[1]).toMatch(/^tenant_acme_(data|csm|a|b|c)$/);
      expect(g).toMatch(/ TO "tenant_acme_(admin|auditor|svc)"$/);
    }
  });
});

describe('resourceClause / permissionStatement', () => {
  it('turns LIST ALL PERMISSIONS resources back into GRANT/REVOKE syntax', () => {
    expect(cql.resourceClause('<keyspace tenant_acme_data>')).toBe('KEYSPACE "tenant_acme_data"');
    expect(cql.resourceClause('<table tenant_acme_data.events>')).toBe('TABLE "tenant_acme_data"."events"');
    expect(cql.resourceClause('<role tenant_acme_u_bob>')).toBe('ROLE "tenant_acme_u_bob"');
    expect(cql.resourceClause('<all keyspaces>')).toBe('ALL KEYSPACES');
    expect(cql.resourceClause('<all roles>')).toBe('ALL ROLES');
  });

  it('builds GRANT … TO and REVOKE … FROM', () => {
    expect(cql.permissionStatement('GRANT', 'SELECT', '<keyspace x>', 'r')).toBe('GRANT SELECT ON KEYSPACE "x" TO "r"');
    expect(cql.permissionStatement('REVOKE', 'MODIFY', '<table x.y>', 'r')).toBe('REVOKE MODIFY ON TABLE "x"."y" FROM "r"');
    expect(cql.permissionStatement('GRANT', 'AUTHORIZE', '<role r2>', 'r')).toBe('GRANT AUTHORIZE ON ROLE "r2" TO "r"');
    expect(cql.permissionStatement('REVOKE', 'CREATE', '<all keyspaces>', 'r')).toBe('REVOKE CREATE ON ALL KEYSPACES FROM "r"');
  });

  it('returns null for resource kinds it does not restore and for unknown permissions', () => {
    for (const res of ['<function ks.f(int)>', '<all functions in ks>', '<all functions>', '<mbean org.apache.cassandra.db:type=Tables>', '<all mbeans>', '<data>', '<keyspace Acme>', '<keyspace x"y>', '<table x>', '<keyspace x>;', ' <keyspace x>', '']) {
      expect(cql.resourceClause(res), res).toBeNull();
      expect(cql.permissionStatement('GRANT', 'SELECT', res, 'r'), res).toBeNull();
    }
    for (const perm of ['ALL', 'ALL PERMISSIONS', 'SUPERUSER', 'select', 'SELECT ON ALL KEYSPACES TO x; --', '']) {
      expect(cql.permissionStatement('GRANT', perm, '<keyspace x>', 'r'), perm).toBeNull();
    }
  });

  it('still refuses a hostile grantee', () => {
    expectBadInput(() => cql.permissionStatement('GRANT', 'SELECT', '<keyspace x>', 'r"; DROP'), /invalid role name/);
  });
});
