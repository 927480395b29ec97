import { describe, expect, it } from 'vitest';
import * as id from '../../../src-main/cassandra/identifiers';

const HOSTILE = [
  'a"; DROP KEYSPACE system_auth; --',
  "x' OR '1'='1",
  'ks;drop',
  'ks/*c*/',
  'ks--',
  'Tenant',
  'tеnant', // Cyrillic е: a look-alike
  'ｔenant', // full-width
  'a b',
  'a\u0000b',
  'a\nb',
  '',
  '1abc',
  '_abc',
  'a'.repeat(129),
];

describe('CQL identifier module', () => {
  it('quotes valid names', () => {
    expect(id.keyspace('tenant_acme_data')).toBe('"tenant_acme_data"');
    expect(id.table('users')).toBe('"users"');
    expect(id.qualified('ks', 't1')).toBe('"ks"."t1"');
    expect(id.newRole('tenant_acme_admin')).toBe('"tenant_acme_admin"');
    expect(id.existingRole('Admin.Ops@corp')).toBe('"Admin.Ops@corp"');
  });

  it.each(HOSTILE)('refuses %j as keyspace, table and created role', (name) => {
    expect(() => id.keyspace(name)).toThrow(/invalid keyspace name/);
    expect(() => id.table(name)).toThrow(/invalid table name/);
    expect(() => id.newRole(name)).toThrow(/invalid role name/);
  });

  it('keeps keyspace and table names within Cassandra\'s 48 characters', () => {
    expect(id.keyspace('a'.repeat(48))).toBe(`"${'a'.repeat(48)}"`);
    expect(() => id.keyspace('a'.repeat(49))).toThrow();
    expect(() => id.table('a'.repeat(49))).toThrow();
  });

  it('refuses quotes, whitespace and control characters in existing role names', () => {
    for (const n of ['a"b', "a'b", 'a b', 'a;b', 'a\tb', '', 'x'.repeat(129)]) expect(() => id.existingRole(n)).toThrow(/invalid role name/);
  });

  it('error codes are BAD_INPUT and the message cannot be flooded', () => {
    try {
      id.keyspace('x"'.repeat(10_000));
      expect.unreachable();
    } catch (e) {
      expect((e as { code: string }).code).toBe('BAD_INPUT');
      expect((e as Error).message.length).toBeLessThan(300);
    }
  });

  it('accepts tenant ids by the design rule only', () => {
    expect(id.tenantId('acme_1')).toBe('acme_1');
    for (const bad of ['a', 'Acme', '1acme', 'a'.repeat(31), 'ac-me', 'acme;']) expect(() => id.tenantId(bad)).toThrow();
  });

  it('renders a DC literal only from a safe name', () => {
    expect(id.dcLiteral('dc1')).toBe("'dc1'");
    expect(() => id.dcLiteral("dc1': 3}; DROP")).toThrow();
  });

  it('escapes a password literal and refuses control characters', () => {
    expect(id.passwordLiteral("it's")).toBe("'it''s'");
    expect(id.passwordLiteral("'; DROP ROLE x; --")).toBe("'''; DROP ROLE x; --'");
    expect(() => id.passwordLiteral('a\nb')).toThrow();
    expect(() => id.passwordLiteral('')).toThrow();
  });

  it('inlines only a well-formed bcrypt hash for WITH HASHED PASSWORD', () => {
    const h = '$2a$10$JSJEMFm6GeaW9XxT5JIheuEtPvat6i7uKbnTcxX3c1wshIIsGyUtG';
    expect(id.hashedPasswordLiteral(h)).toBe(`'${h}'`);
    for (const bad of ['', 'secret', h.replace('$2a$10$', '$2a$03$'), h + 'x', h.slice(0, -1), h.slice(0, -1) + "'", "$2a$10$' OR SUPERUSER = true --" + 'a'.repeat(30), `$2a$10$${'a'.repeat(52)}\n`, '$1$10$' + h.slice(7)]) {
      expect(() => id.hashedPasswordLiteral(bad), bad).toThrow(/bcrypt hash/);
    }
  });
});
