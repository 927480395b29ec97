import { describe, expect, it } from 'vitest';
import { existingTable } from '../../../../src-main/cassandra/identifiers';
import { cqlResource, parseRevoked, resourceClause } from '../../../../src-main/tenancy/write-freeze';

describe('write freeze: resource names a tenant may have created', () => {
  it('a mixed-case table a tenant created by CQL is quoted, not refused', () => {
    expect(cqlResource('data/tenant_ab_data/Evil')).toBe('<table tenant_ab_data.Evil>');
    expect(resourceClause('<table tenant_ab_data.Evil>')).toBe('TABLE "tenant_ab_data"."Evil"');
    expect(resourceClause('<table tenant_ab_data.events>')).toBe('TABLE "tenant_ab_data"."events"');
    expect(resourceClause('<keyspace tenant_ab_data>')).toBe('KEYSPACE "tenant_ab_data"');
  });

  it('anything else is refused with BAD_INPUT (quotes, dots, spaces, too long)', () => {
    for (const bad of ['<table ks.a"b>', '<table ks.a b>', '<table Ks.t>', `<table ks.${'x'.repeat(49)}>`, '<all keyspaces>']) expect(() => resourceClause(bad)).toThrow(/not a keyspace or table resource/);
    expect(() => existingTable('a"; DROP')).toThrow(/invalid table name/);
    expect(() => existingTable('')).toThrow(/invalid table name/);
    expect(existingTable('Evil_1')).toBe('"Evil_1"');
  });

  it('records keep their permission; records from before CREATE was taken read as MODIFY', () => {
    expect(parseRevoked(JSON.stringify([{ role: 'r', resource: '<keyspace k>', permission: 'CREATE' }, { role: 'r', resource: '<keyspace k>' }]))).toEqual([
      { role: 'r', resource: '<keyspace k>', permission: 'CREATE' },
      { role: 'r', resource: '<keyspace k>', permission: 'MODIFY' },
    ]);
    expect(parseRevoked('not json')).toEqual([]);
  });
});
