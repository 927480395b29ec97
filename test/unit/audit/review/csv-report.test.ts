import { describe, expect, it } from 'vitest';
import { csvCell, csvEvent, csvHeader } from '../../../../src-main/audit/review/csv';
import { renderReport } from '../../../../src-main/audit/review/report';
import type { Verification } from '../../../../src-shared/contract/audit';
import { genEvents, signedStream, testKey } from './fixtures';

/** A minimal RFC 4180 reader, to prove what a spreadsheet would load. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (q) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') q = false;
      else cell += c;
    } else if (c === '"') q = true;
    else if (c === ',') row.push(cell), (cell = '');
    else if (c === '\r' && text[i + 1] === '\n') row.push(cell), rows.push(row), (row = []), (cell = ''), i++;
    else cell += c;
  }
  return rows;
}

describe('audit CSV', () => {
  it('quotes per RFC 4180 and defuses formulas', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    for (const f of ['=1+1', '+1', '-2', '@SUM(A1)', '\t=x', '\r=x']) expect(csvCell(f).replace(/^"/, '')).toMatch(/^'/);
    expect(csvCell('=HYPERLINK("http://evil","x")')).toBe('"\'=HYPERLINK(""http://evil"",""x"")"');
    expect(csvCell(null)).toBe('');
    expect(csvCell(12)).toBe('12');
    expect(csvCell({ a: 1 })).toBe('"{""a"":1}"');
  });

  it('round-trips events through a CSV reader with no cell starting a formula', () => {
    const evil = ['=cmd|" /C calc"!A0', 'line1\r\nline2, "x"', '@import', '-1+1'];
    const s = signedStream('tenant:ab', genEvents(4, { operation: (i) => evil[i]! }), testKey());
    const text = csvHeader() + s.events.map(csvEvent).join('');
    const rows = parseCsv(text);
    expect(rows).toHaveLength(5);
    expect(rows[0]!.slice(0, 3)).toEqual(['seq', 'at', 'source']);
    rows.slice(1).forEach((r, i) => {
      expect(r).toHaveLength(15);
      expect(r[8]).toBe(/^[=+\-@]/.test(evil[i]!) ? `'${evil[i]}` : evil[i]);
      expect(r[0]).toBe(String(i + 1));
      for (const c of r) expect(c).not.toMatch(/^[=+\-@]/);
    });
  });
});

describe('compliance report', () => {
  const s = signedStream('tenant:ab', genEvents(12, { operation: (i) => (i === 7 ? '<script>alert(1)</script>' : `op ${i}`) }), testKey());
  const base = {
    stream: 'tenant:ab',
    tenant: 'ab',
    cluster: 'prod-1',
    origin: 'snapshot 0123',
    range: { since: '2026-01-01T00:00:00Z', until: null },
    counts: { total: 12, byType: { SELECT: 3, 'tenant.create': 3 }, byCategory: { DML: 4 }, byOutcome: { ok: 9, refused: 2, error: 1 }, byUser: { bob: 3 }, firstAt: 'A', lastAt: 'B' },
    refusals: s.events.filter((e) => e.outcome !== 'ok'),
    alerts: [],
    signerFingerprints: ['f'.repeat(64)],
    generatedAt: '2026-02-02T00:00:00.000Z',
    generatedBy: 'cassandra',
  };
  const intact: Verification = { stream: 'tenant:ab', intact: true, events: 12, batches: 2, firstSeq: 1, lastSeq: 12, headHash: 'h', signers: [], problems: [], verifiedAt: 'x' };

  it('is self-contained HTML with counts, refusals, signer and status; no script runs', () => {
    const html = renderReport({ ...base, verification: intact });
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain("default-src 'none'");
    expect(html).toContain('@media print');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\b(src|href)=/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('Verification: intact');
    expect(html).toContain('f'.repeat(64));
    expect(html).toContain('tenant ab');
    expect(html).toContain('<td>refused</td><td class="n">2</td>');
    expect(html).toContain('No security alerts in this range.');
    expect(html).toContain('2026-02-02T00:00:00.000Z');
  });

  it('lists each problem when not intact', () => {
    const html = renderReport({ ...base, verification: { ...intact, intact: false, problems: [{ kind: 'deleted', seq: 7, batch: null, message: 'event 7 is missing' }, { kind: 'bad-signature', seq: 1, batch: 1, message: 'batch 1 <b>' }] } });
    expect(html).toContain('NOT intact — 2 problems');
    expect(html).toContain('<td>deleted</td><td class="n">7</td>');
    expect(html).toContain('batch 1 &lt;b&gt;');
  });
});
