import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Operation } from '../../../src-shared/contract/portability';
import type { LocalClient } from '../../../src-main/ipc/local-client';
import { driverClient, node, unique } from '../../support/cassandra';
import { platformConsole, provision, scrub, type Svc } from '../tenancy/support';

/**
 * Issue 11's proof through the channels, on the real node: a tenant with data exported to a
 * bundle file (tenant.export), imported as a new tenant id (tenant.import), and the operation's
 * verification report shows identical row counts, digests and grants after id mapping. A bundle
 * with one byte changed is refused and the registry is unchanged.
 */

let svc: Svc;
let api: LocalClient;
let cluster: string;
let su: cassandra.Client;
const source = unique('ib');
const target = unique('ic');
const refused = unique('id');
const dir = mkdtempSync(join(tmpdir(), 'csm-import-'));

async function ok<T>(p: Promise<{ ok: true; value: T } | { ok: false; error: { code: string; message: string } }>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

async function run(started: { jobId: string; operationId: string }): Promise<Operation> {
  await svc.jobs.wait(started.jobId)?.catch(() => undefined);
  return ok(api.call('portability.result', { operationId: started.operationId }));
}

describe('export → import through the channels', () => {
  const bundle = join(dir, 'tenant.csmb');

  beforeAll(async () => {
    ({ svc, api, cluster } = await platformConsole());
    const s = await provision(svc, api, cluster, source);
    expect(s.state, JSON.stringify(s.steps)).toBe('succeeded');
    su = await driverClient();
    const ks = `tenant_${source}_data`;
    await su.execute(`CREATE TABLE "${ks}"."readings" (sensor text, at timestamp, value double, flags set<int>, meta map<text, text>, PRIMARY KEY ((sensor), at)) WITH CLUSTERING ORDER BY (at DESC)`);
    for (let i = 0; i < 500; i++) {
      await su.execute(`INSERT INTO "${ks}"."readings" (sensor, at, value, flags, meta) VALUES (?, ?, ?, ?, ?)`, [`s${i % 9}`, new Date(1_700_000_000_000 + i * 60_000), i / 7, i % 4 ? [i % 4] : null, { unit: 'C', i: String(i) }], { prepare: true });
    }
    for (let i = 0; i < 50; i++) await su.execute(`INSERT INTO "${ks}"."events" (bucket, at, payload) VALUES (?, now(), ?)`, [`b${i % 3}`, Buffer.from(`e${i}`)], { prepare: true });
    // The source's compliance profile (boundary: this node's DC) travels in the bundle.
    await su.execute('INSERT INTO csm_system.compliance_profiles (tenant_id, boundary, frameworks, overrides, version, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [source, { [node().localDc]: 'test-region' }, [], '{}', 1, 'test', new Date()], { prepare: true });
    const exp = await run(await ok(api.call('tenant.export', { cluster, tenant: source, out: bundle, withData: true, resume: false })));
    expect(exp.state, exp.error ?? '').toBe('succeeded');
  }, 300_000);

  afterAll(async () => {
    await svc?.close();
    for (const t of [source, target, refused]) await su?.execute('DELETE FROM csm_system.compliance_profiles WHERE tenant_id = ?', [t], { prepare: true }).catch(() => undefined);
    await su?.shutdown();
    await scrub([source, target, refused]);
  });

  it('imports the bundle as a new tenant id with identical digests and grants', async () => {
    const op = await run(await ok(api.call('tenant.import', { cluster, path: bundle, newId: target })));
    expect(op.state, op.error ?? '').toBe('succeeded');
    expect(op.targetTenant).toBe(target);
    const report = op.report!;
    expect(report.tables.filter((t) => !t.ok)).toEqual([]);
    expect(report.grants.filter((g) => g.side !== 'both')).toEqual([]);
    expect(report.ok, JSON.stringify(report.notes)).toBe(true);
    const readings = report.tables.find((t) => t.table === 'readings')!;
    expect(readings).toMatchObject({ keyspace: `tenant_${target}_data`, sourceRows: 500, targetRows: 500 });
    expect(readings.targetDigest).toBe(readings.sourceDigest);
    expect(report.grants.some((g) => g.role === `tenant_${target}_admin` && g.resource === `<keyspace tenant_${target}_data>`)).toBe(true);
    // The bundle's compliance profile became the new tenant's (the target had none).
    const prof = (await su.execute('SELECT boundary FROM csm_system.compliance_profiles WHERE tenant_id = ?', [target], { prepare: true })).rows[0];
    expect(prof?.['boundary']).toEqual({ [node().localDc]: 'test-region' });
    // What the report says is what the node holds.
    expect(Number((await su.execute(`SELECT count(*) FROM "tenant_${target}_data"."readings"`)).rows[0]!['count'])).toBe(500);
  });

  it('refuses a bundle with one byte changed; nothing is registered', async () => {
    const bytes = readFileSync(bundle);
    bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
    const bad = join(dir, 'tampered.csmb');
    writeFileSync(bad, bytes);
    const before = (await su.execute('SELECT id FROM csm_system.tenants')).rows.map((r) => String(r['id'])).sort();
    const started = await api.call('tenant.import', { cluster, path: bad, newId: refused });
    if (started.ok) {
      const op = await run(started.value);
      expect(op.state).toBe('failed');
      expect(op.error).toMatch(/BAD_INPUT|checksum|signature|HMAC|altered/i);
    } else {
      expect(started.error.code).toBe('BAD_INPUT');
    }
    expect((await su.execute('SELECT id FROM csm_system.tenants')).rows.map((r) => String(r['id'])).sort()).toEqual(before);
    const ks = (await su.execute('SELECT keyspace_name FROM system_schema.keyspaces')).rows.map((r) => String(r['keyspace_name']));
    expect(ks.filter((k) => k.startsWith(`tenant_${refused}_`))).toEqual([]);
  });
});
