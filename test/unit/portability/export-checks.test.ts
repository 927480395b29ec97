import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src-main/app/errors';
import { checkExportable } from '../../../src-main/portability/core/export';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return e instanceof AppError ? `${e.code}: ${e.message}` : `other: ${String(e)}`;
  }
  return 'no error';
}

describe('export refuses what an import cannot restore, naming the table', () => {
  const ks = 'tenant_acme_data';
  it('accepts plain lower-case tables of simple, collection, frozen and tuple types', () => {
    expect(codeOf(() => checkExportable(ks, 'orders', [{ name: 'id', type: 'uuid' }, { name: 'tags', type: 'set<text>' }, { name: 'pair', type: 'frozen<tuple<int, text>>' }]))).toBe('no error');
  });
  it('mixed-case table or column names are BAD_INPUT at export', () => {
    expect(codeOf(() => checkExportable(ks, 'Orders', [{ name: 'id', type: 'uuid' }]))).toMatch(/^BAD_INPUT: table "tenant_acme_data.Orders" has a quoted or mixed-case name/);
    expect(codeOf(() => checkExportable(ks, 'orders', [{ name: 'id', type: 'uuid' }, { name: 'Total', type: 'int' }]))).toMatch(/^BAD_INPUT: table tenant_acme_data.orders: column "Total"/);
  });
  it('counter tables and user-defined types are BAD_INPUT at export', () => {
    expect(codeOf(() => checkExportable(ks, 'hits', [{ name: 'id', type: 'text' }, { name: 'n', type: 'counter' }]))).toMatch(/^BAD_INPUT: table tenant_acme_data.hits is a counter table/);
    expect(codeOf(() => checkExportable(ks, 'people', [{ name: 'id', type: 'uuid' }, { name: 'home', type: 'frozen<address>' }]))).toMatch(/^BAD_INPUT: table tenant_acme_data.people: column home has type frozen<address>/);
  });
});
