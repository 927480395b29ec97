import { describe, expect, it } from 'vitest';
import { canonical, TableDigest } from '../../../src-main/portability/core/digest';

const rows = [
  { id: 1, name: 'a', tags: new Set(['x', 'y']), at: new Date(0), blob: Buffer.from([1, 2]) },
  { id: 2, name: 'b', tags: new Set<string>(), at: null, blob: null },
  { id: 3, name: 'c', tags: new Set(['z']), at: new Date(5), blob: Buffer.alloc(0) },
];

describe('table digest (issue 11)', () => {
  it('is independent of row order and of column order', () => {
    const a = new TableDigest();
    for (const r of rows) a.add(r);
    const b = new TableDigest();
    for (const r of [...rows].reverse()) b.add(Object.fromEntries(Object.entries(r).reverse()));
    expect(b.hex()).toBe(a.hex());
    expect(a.rows).toBe(3);
  });
  it('changes when a value, a row or a duplicate changes', () => {
    const base = new TableDigest();
    for (const r of rows) base.add(r);
    const changed = new TableDigest();
    for (const r of rows) changed.add(r.id === 2 ? { ...r, name: 'B' } : r);
    expect(changed.hex()).not.toBe(base.hex());
    const missing = new TableDigest();
    for (const r of rows.slice(1)) missing.add(r);
    expect(missing.hex()).not.toBe(base.hex());
    const dup = new TableDigest();
    for (const r of [...rows, rows[0]!, rows[0]!]) dup.add(r);
    expect(dup.hex()).not.toBe(base.hex()); // XOR would cancel a pair; a sum does not
  });
  it('tells types apart: "1" is not 1, null is not "", an empty set is not null', () => {
    expect(canonical('1')).not.toBe(canonical(1));
    expect(canonical('')).not.toBe(canonical(null));
    expect(canonical(new Set())).not.toBe(canonical(null));
    expect(canonical(new Map([['b', 1], ['a', 2]]))).toBe(canonical(new Map([['a', 2], ['b', 1]])));
  });
  it('merges partial digests and resumes from a recorded state', () => {
    const whole = new TableDigest();
    for (const r of rows) whole.add(r);
    const p1 = new TableDigest();
    p1.add(rows[0]!);
    const p2 = TableDigest.from(p1.hex(), p1.rows);
    p2.add(rows[1]!);
    const p3 = new TableDigest();
    p3.add(rows[2]!);
    p2.merge(p3);
    expect(p2.hex()).toBe(whole.hex());
    expect(p2.rows).toBe(3);
  });
});
