import { createHash } from 'node:crypto';

/**
 * Order-independent content digest of a table (issue 11): every row is encoded canonically
 * (columns sorted by name, values type-tagged), hashed with SHA-256, and the hashes are added
 * modulo 2^256. Two tables with the same rows give the same digest whatever order the pages came
 * in; a changed, missing or extra row changes it (unlike XOR, a duplicated row does not cancel).
 * Both sides compute it from rows the driver decoded, so the same CQL types meet the same encoder.
 */
const MOD = 1n << 256n;

/** Canonical, type-tagged text of a driver value. Objects the driver returns (Uuid, Long, LocalDate, InetAddress, BigDecimal, Duration …) are tagged with their class and their string form. */
export function canonical(v: unknown): string {
  if (v === null || v === undefined) return 'n';
  if (typeof v === 'string') return `s${JSON.stringify(v)}`;
  if (typeof v === 'boolean') return v ? 'b1' : 'b0';
  if (typeof v === 'number') return Number.isNaN(v) ? 'fNaN' : `f${Object.is(v, -0) ? '-0' : String(v)}`;
  if (typeof v === 'bigint') return `i${v.toString()}`;
  if (Buffer.isBuffer(v)) return `x${v.toString('hex')}`;
  if (v instanceof Date) return `t${v.getTime()}`;
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v instanceof Map) {
    const entries = [...v.entries()].map(([k, x]) => `${canonical(k)}:${canonical(x)}`).sort();
    return `{${entries.join(',')}}`;
  }
  if (v instanceof Set) return `<${[...v].map(canonical).sort().join(',')}>`;
  if (typeof v === 'object') {
    const ctor = (v as { constructor?: { name?: string } }).constructor?.name ?? 'Object';
    if (ctor === 'Object') {
      // A map<text, …> or a UDT the driver gave as a plain object: keys sorted.
      const o = v as Record<string, unknown>;
      return `{${Object.keys(o)
        .sort()
        .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
        .join(',')}}`;
    }
    // Tuple (driver class with .values()), else the driver type's own string form.
    const tuple = v as { values?: () => unknown[]; elements?: unknown[] };
    if (ctor === 'Tuple' && Array.isArray(tuple.elements)) return `(${tuple.elements.map(canonical).join(',')})`;
    return `${ctor}:${String(v)}`;
  }
  return `?${String(v)}`;
}

/** Canonical text of a row: columns sorted by name. */
export function canonicalRow(row: Record<string, unknown>, columns?: readonly string[]): string {
  const names = [...(columns ?? Object.keys(row))].sort();
  return names.map((c) => `${JSON.stringify(c)}=${canonical(row[c])}`).join(';');
}

export function rowHash(row: Record<string, unknown>, columns?: readonly string[]): bigint {
  return BigInt(`0x${createHash('sha256').update(canonicalRow(row, columns)).digest('hex')}`);
}

/** Accumulates rows in any order; `hex()` is the table digest, `rows` the count. */
export class TableDigest {
  private sum = 0n;
  rows = 0;
  add(row: Record<string, unknown>, columns?: readonly string[]): void {
    this.sum = (this.sum + rowHash(row, columns)) % MOD;
    this.rows += 1;
  }
  /** Merge another partial digest (pages digested in parallel, a resumed export's earlier chunks). */
  merge(other: TableDigest): void {
    this.sum = (this.sum + other.sum) % MOD;
    this.rows += other.rows;
  }
  hex(): string {
    return this.sum.toString(16).padStart(64, '0');
  }
  /** Resume from a recorded state. */
  static from(hex: string, rows: number): TableDigest {
    const d = new TableDigest();
    d.sum = BigInt(`0x${hex}`) % MOD;
    d.rows = rows;
    return d;
  }
}
