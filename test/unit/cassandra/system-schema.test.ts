import { describe, expect, it } from 'vitest';
import { SYSTEM_MIGRATIONS } from '../../../src-main/cassandra/system-schema';

describe('csm_system migrations as shipped', () => {
  it('are numbered 1..n without gaps, each with idempotent statements (never empty once shipped)', () => {
    expect(SYSTEM_MIGRATIONS.map((m) => m.version)).toEqual(SYSTEM_MIGRATIONS.map((_, i) => i + 1));
    for (const m of SYSTEM_MIGRATIONS) {
      expect(m.statements.length, `migration ${m.version} (${m.name})`).toBeGreaterThan(0);
      for (const s of m.statements) expect(s, `migration ${m.version}`).toMatch(/\bIF NOT EXISTS\b/);
    }
  });
});
