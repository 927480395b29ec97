import { mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cell, HEADER, parseCsv, reportCsv, writeCsvFile } from '../../../../src-main/resources/billing/csv';
import type { ComputedStatement } from '../../../../src-main/resources/billing/integrate';

const st = (tenant: string, costCentre: string | null, total: number): ComputedStatement => ({
  cluster: 'c',
  tenant,
  costCentre,
  from: '2026-11-01T00:00:00.000Z',
  to: '2026-12-01T00:00:00.000Z',
  currency: 'EUR',
  lines: [{ item: 'tier', quantity: '1.000000', unit: 'month (standard)', rateMinor: total, amountMinor: total, precision: 'exact' }],
  totalMinor: total,
  coverage: 1,
  samples: 3,
  maxGapSeconds: 21600,
  notes: [],
});

describe('report CSV', () => {
  it('quotes per RFC 4180 and neutralises formula injection', () => {
    expect(cell('plain')).toBe('plain');
    expect(cell('a,b')).toBe('"a,b"');
    expect(cell('say "hi"')).toBe('"say ""hi"""');
    expect(cell('line\r\nbreak')).toBe('"line\r\nbreak"');
    for (const evil of ['=HYPERLINK("http://x")', '+1', '-1+2', '@SUM(A1)', '\tcmd']) expect(cell(evil).replace(/^"/, '').startsWith("'")).toBe(true);
    expect(cell(-5)).toBe('-5'); // numbers are figures, not text: left alone
    expect(cell(null)).toBe('');
  });

  it('round-trips: every statement line, cost-centre totals and the grand total, minor units and formatted', () => {
    const text = reportCsv([st('acme', '=cmd|"/c calc"!A1', 150), st('beta', 'Ops, "EU"', 5000)], [{ costCentre: '=cmd|"/c calc"!A1', tenants: 1, totalMinor: 150 }, { costCentre: 'Ops, "EU"', tenants: 1, totalMinor: 5000 }], 5150, 'EUR');
    expect(text.endsWith('\r\n')).toBe(true);
    const rows = parseCsv(text);
    expect(rows[0]).toEqual(HEADER);
    expect(rows.every((r) => r.length === HEADER.length)).toBe(true);
    const acme = rows.find((r) => r[0] === 'acme' && r[4] === 'total')!;
    expect(acme[1]).toBe(`'=cmd|"/c calc"!A1`);
    expect([acme[9], acme[10]]).toEqual(['150', '1.50 EUR']);
    expect(rows.find((r) => r[0] === 'beta' && r[4] === 'tier')![1]).toBe('Ops, "EU"');
    expect(rows[rows.length - 1]!.slice(4, 11)).toEqual(['grand total', '2', 'tenants', '', '', '5150', '51.50 EUR']);
  });

  it('writes a new 0600 file at an absolute path, and refuses relative paths, existing files and symlinks', () => {
    const dir = mkdtempSync(join(tmpdir(), 'csm-csv-'));
    const path = join(dir, 'r.csv');
    writeCsvFile(path, 'a,b\r\n');
    expect(readFileSync(path, 'utf8')).toBe('a,b\r\n');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(() => writeCsvFile(path, 'x')).toThrow(/exists/);
    expect(readFileSync(path, 'utf8')).toBe('a,b\r\n');
    expect(() => writeCsvFile('r.csv', 'x')).toThrow(/absolute/);
    writeFileSync(join(dir, 'target'), 'keep');
    symlinkSync(join(dir, 'target'), join(dir, 'link.csv'));
    expect(() => writeCsvFile(join(dir, 'link.csv'), 'x')).toThrow(/exists/);
    expect(readFileSync(join(dir, 'target'), 'utf8')).toBe('keep');
    expect(() => writeCsvFile(join(dir, 'nope', 'r.csv'), 'x')).toThrow(/no such directory/);
  });
});
