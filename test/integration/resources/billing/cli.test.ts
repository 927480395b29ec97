import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../../../src-main/resources/billing/csv';
import { driverClient, node, SUPERUSER, unique } from '../../../support/cassandra';
import { csmRunner, type CliRun } from '../../../support/cli';

type Run = CliRun;

const keychain = unique('csm-billing-cli');
const csm = csmRunner(keychain);

/** `csm billing …` and `csm analytics …` on the real node, as a platform installation. */
describe('csm billing and csm analytics', () => {
  const dir = mkdtempSync(join(tmpdir(), 'csm-billing-cli-'));
  const C = ['--cluster', 'main'];
  let su: cassandra.Client;
  let previousCard: string | null = null;

  beforeAll(async () => {
    su = await driverClient();
    previousCard = ((await su.execute("SELECT card FROM csm_system.billing_rates WHERE id = 'current'")).first()?.['card'] as string | undefined) ?? null;
    const p = await csm(dir, ['cluster', 'add', 'main', '--contact-point', node().contactPoint, '--dc', node().localDc, '--username', SUPERUSER.username, '--password-stdin', '--json'], `${SUPERUSER.password}\n`);
    expect(p.code, p.stderr).toBe(0);
  }, 120_000);

  afterAll(async () => {
    if (previousCard === null) await su?.execute("DELETE FROM csm_system.billing_rates WHERE id = 'current'").catch(() => undefined);
    else await su?.execute("UPDATE csm_system.billing_rates SET card = ? WHERE id = 'current'", [previousCard], { prepare: true }).catch(() => undefined);
    await su?.shutdown();
  });

  it('sets the rate card from a file and prints it in minor units (--json) and formatted (text)', async () => {
    const file = join(dir, 'card.json');
    const card = { currency: 'EUR', perGbMonth: 1234, perUserMonth: 99, perCertificateMonth: 5, perMillionRequests: 100000, tierFees: { basic: 0, standard: 5000, premium: 20000, enterprise: 123456789 } };
    writeFileSync(file, JSON.stringify(card));
    const set = await csm(dir, ['billing', 'rates', 'set', ...C, '--file', file, '--json']);
    expect(set.code, set.stderr + set.stdout).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({ ...card, isDefault: false });
    const text = await csm(dir, ['billing', 'rates', ...C]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('12.34 EUR');
    expect(text.stdout).toContain('1,234,567.89 EUR');
    writeFileSync(file, JSON.stringify({ ...card, perGbMonth: 12.34 }));
    const bad = await csm(dir, ['billing', 'rates', 'set', ...C, '--file', file, '--json']);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout).error.code).toBe('BAD_INPUT');
    expect((await csm(dir, ['billing', 'rates', ...C, '--set-file', file])).code).toBe(2);
  }, 120_000);

  it('writes the MSP report CSV and refuses bad input with exit 2', async () => {
    const out = join(dir, 'report.csv');
    const r = await csm(dir, ['billing', 'report', ...C, '--from', '2026-01-01T00:00:00Z', '--to', '2026-01-02T00:00:00Z', '--out', out, '--json']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const report = JSON.parse(r.stdout) as { totalMinor: number; csvPath: string; statements: unknown[] };
    expect(report.csvPath).toBe(out);
    const rows = parseCsv(readFileSync(out, 'utf8'));
    expect(rows[rows.length - 1]!.slice(4, 6)).toEqual(['grand total', String(report.statements.length)]);
    expect(Number(rows[rows.length - 1]![9])).toBe(report.totalMinor);
    expect((await csm(dir, ['billing', 'report', ...C, '--from', '2026-01-02T00:00:00Z', '--to', '2026-01-01T00:00:00Z'])).code).toBe(2);
    expect((await csm(dir, ['billing', 'cost-centre', ...C, '--tenant', unique('gh'), '--set', 'x', '--clear'])).code).toBe(2);
    const ghost = await csm(dir, ['billing', 'statement', ...C, '--tenant', unique('gh'), '--from', '2026-01-01T00:00:00Z', '--to', '2026-01-02T00:00:00Z', '--json']);
    expect([ghost.code, JSON.parse(ghost.stdout).error.code]).toEqual([1, 'NOT_FOUND']);
  }, 120_000);

  it('csm analytics: budget shown, k below 2 and an ε with too many decimals refused', async () => {
    const b = await csm(dir, ['analytics', 'budget', ...C, '--json']);
    expect(b.code, b.stderr + b.stdout).toBe(0);
    expect(JSON.parse(b.stdout)).toMatchObject({ total: expect.any(Number), spent: expect.any(Number) });
    const plain = await csm(dir, ['analytics', ...C, '--k', '2', '--group-by', 'tier']);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toMatch(/analytics by tier, k = 2, no noise/);
    expect((await csm(dir, ['analytics', ...C, '--k', '1'])).code).toBe(2);
    expect((await csm(dir, ['analytics', ...C, '--k', '2', '--epsilon', '0.0000001'])).code).toBe(2);
    expect((await csm(dir, ['analytics', ...C, '--k', '2', '--group-by', 'colour'])).code).toBe(2);
  }, 120_000);
});
