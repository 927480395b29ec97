import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalClient } from '../../../src-main/ipc/local-client';
import { IsolationService } from '../../../src-main/isolation/service';
import { ReportSigner } from '../../../src-main/isolation/signing';
import { secretKey } from '../../../src-main/secrets/secret-key';
import type { Finding, IsolationReport } from '../../../src-shared/contract/isolation';
import { driverClient, unique } from '../../support/cassandra';
import { REPO_ROOT } from '../../support/web-host';
import { platformConsole, provision, scrub, userClient, type Svc } from '../tenancy/support';

const PW = 'correct-horse-battery';

/**
 * Issue 6 item 1, proof on the real node: two tenants provisioned by the console scan clean; each
 * kind of violation is then planted with real CQL, found with the right evidence, removed by
 * `isolation.fix`, and the re-scan is clean again. The node is shared with other test files, so
 * assertions look at the findings that involve these two tenants only.
 */
describe('isolation scanner on the real node', () => {
  let svc: Svc;
  let api: LocalClient;
  let cluster: string;
  let admin: cassandra.Client;
  const a = unique('ia');
  const b = unique('ib');
  const unowned = unique('iso_etl');

  const mine = (r: IsolationReport): Finding[] => r.findings.filter((f) => f.tenants.includes(a) || f.tenants.includes(b));
  const serious = (fs: Finding[]): Finding[] => fs.filter((f) => f.severity !== 'info');

  async function scan(tenant?: string): Promise<IsolationReport> {
    const r = await api.call('isolation.scan', { cluster, ...(tenant ? { tenant } : {}) });
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    return r.value;
  }

  /** Plant, find exactly one new finding of ours, check it, fix it through the channel, re-scan clean. */
  async function plantFindFix(plant: string[], check: (f: Finding) => void): Promise<Finding> {
    for (const s of plant) await admin.execute(s);
    const found = serious(mine(await scan()));
    expect(found, JSON.stringify(found.map((f) => f.title))).toHaveLength(1);
    const f = found[0]!;
    check(f);
    const fixed = await api.call('isolation.fix', { cluster, findingId: f.id });
    if (!fixed.ok) throw new Error(`${fixed.error.code}: ${fixed.error.message}`);
    expect(fixed.value.resolved).toBe(true);
    expect(fixed.value.applied).toEqual(f.fix);
    expect(serious(mine(fixed.value.after))).toEqual([]);
    expect(serious(mine(await scan()))).toEqual([]);
    return f;
  }

  beforeAll(async () => {
    ({ svc, api, cluster } = await platformConsole());
    admin = await driverClient();
    const sa = await provision(svc, api, cluster, a, 'boss', PW);
    const sb = await provision(svc, api, cluster, b, 'boss', PW);
    expect([sa.state, sb.state]).toEqual(['succeeded', 'succeeded']);
  }, 180_000);

  afterAll(async () => {
    await admin?.execute(`DROP ROLE IF EXISTS "${unowned}"`).catch(() => undefined);
    await admin?.shutdown();
    await svc?.secrets.delete(secretKey.installationReportSigningKey()).catch(() => undefined);
    await svc?.close();
    await scrub([a, b]);
  });

  it('two tenants fresh from provisioning: no finding of warning or worse, the schema note is there', async () => {
    for (const t of [a, b]) {
      const r = await scan(t);
      expect(r.tenant).toBe(t);
      expect(serious(mine(r))).toEqual([]);
      expect(r.findings.some((f) => f.kind === 'schema-visibility' && f.severity === 'info')).toBe(true);
      expect(r.auth.authorizer).toMatch(/CassandraAuthorizer$/);
      expect(r.stats.tenants).toBeGreaterThanOrEqual(2);
    }
  });

  it('a cross-tenant GRANT', async () => {
    await plantFindFix([`GRANT SELECT ON KEYSPACE "tenant_${b}_data" TO "tenant_${a}_admin"`], (f) => {
      expect(f).toMatchObject({ kind: 'cross-tenant-grant', severity: 'critical', subject: `tenant_${a}_admin`, tenants: [a, b].sort() });
      expect(f.evidence).toEqual([expect.objectContaining({ chain: [`tenant_${a}_admin`], permissions: ['SELECT'], resource: `KEYSPACE tenant_${b}_data`, owner: b })]);
      expect(f.fix).toEqual([`REVOKE SELECT ON KEYSPACE "tenant_${b}_data" FROM "tenant_${a}_admin"`]);
    });
  });

  it("an inherited role: tenant B's admin granted to tenant A's user — Cassandra really lets it in, until the fix", async () => {
    const user = await userClient(`tenant_${a}_u_boss`, PW);
    const read = () => user.execute(`SELECT * FROM "tenant_${b}_data"."events" LIMIT 1`).then(() => 'ok', (e: Error) => e.message);
    try {
      expect(await read()).toMatch(/permission|Unauthorized/i);
      await plantFindFix([`GRANT "tenant_${b}_admin" TO "tenant_${a}_u_boss"`], (f) => {
        expect(f).toMatchObject({ kind: 'cross-tenant-membership', severity: 'critical', subject: `tenant_${a}_u_boss`, fix: [`REVOKE "tenant_${b}_admin" FROM "tenant_${a}_u_boss"`] });
        expect(f.evidence.map((e) => e.text)).toContain(`tenant_${a}_u_boss → tenant_${b}_admin holds ALTER, CREATE, DROP, MODIFY, SELECT on KEYSPACE tenant_${b}_data`);
      });
      expect(await read()).toMatch(/permission|Unauthorized/i);
    } finally {
      await user.shutdown();
    }
  });

  it('ALL KEYSPACES granted to a tenant role', async () => {
    await plantFindFix([`GRANT SELECT ON ALL KEYSPACES TO "tenant_${a}_svc"`], (f) => {
      expect(f).toMatchObject({ kind: 'broad-grant', severity: 'critical', subject: `tenant_${a}_svc`, fix: [`REVOKE SELECT ON ALL KEYSPACES FROM "tenant_${a}_svc"`] });
      expect(f.evidence[0]!.resource).toBe('ALL KEYSPACES');
    });
  });

  it('a superuser tenant role', async () => {
    await plantFindFix([`ALTER ROLE "tenant_${b}_auditor" WITH SUPERUSER = true`], (f) => {
      expect(f).toMatchObject({ kind: 'superuser-role', severity: 'critical', subject: `tenant_${b}_auditor`, fix: [`ALTER ROLE "tenant_${b}_auditor" WITH SUPERUSER = false`] });
    });
  });

  it('DC access widened behind the console’s back (ACCESS TO ALL DATACENTERS)', async () => {
    await plantFindFix([`ALTER ROLE "tenant_${a}_u_boss" WITH ACCESS TO ALL DATACENTERS`], (f) => {
      expect(f).toMatchObject({ kind: 'login-without-dc-restriction', severity: 'warning', subject: `tenant_${a}_u_boss`, tenants: [a] });
      expect(f.fix).toEqual([`ALTER ROLE "tenant_${a}_u_boss" WITH ACCESS TO DATACENTERS {'dc1'}`]);
    });
    const dcs = (await admin.execute(`SELECT dcs FROM system_auth.network_permissions WHERE role = ?`, [`roles/tenant_${a}_u_boss`], { prepare: true })).rows[0]?.['dcs'];
    expect([...(dcs as Iterable<string>)]).toEqual(['dc1']);
  });

  it('a role outside the naming scheme with SELECT on a tenant keyspace', async () => {
    await plantFindFix([`CREATE ROLE "${unowned}" WITH LOGIN = true AND PASSWORD = '${PW}'`, `GRANT SELECT ON KEYSPACE "tenant_${b}_data" TO "${unowned}"`], (f) => {
      expect(f).toMatchObject({ kind: 'unowned-role-tenant-access', severity: 'warning', subject: unowned, tenants: [b], fix: [`REVOKE SELECT ON KEYSPACE "tenant_${b}_data" FROM "${unowned}"`] });
    });
  });

  it('csm isolation scan --tenant exits 1 with a violation present and agrees with the channel otherwise', async () => {
    const csm = (args: string[]): Promise<{ code: number; stdout: string }> =>
      new Promise((ok) => {
        const child = spawn(process.execPath, [join(REPO_ROOT, 'src-main/cli/csm.mjs'), ...args, '--data-dir', svc.dataDir], { env: { ...process.env, CSM_KEYCHAIN_SERVICE: svc.keychainService }, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.on('close', (code) => ok({ code: code ?? -1, stdout }));
      });
    await admin.execute(`GRANT MODIFY ON KEYSPACE "tenant_${a}_data" TO "tenant_${b}_svc"`);
    try {
      const dirty = await csm(['isolation', 'scan', '--cluster', cluster, '--tenant', a, '--json']);
      expect(dirty.code).toBe(1);
      const report = JSON.parse(dirty.stdout) as IsolationReport;
      expect(report.tenant).toBe(a);
      expect(report.findings.find((f) => f.kind === 'cross-tenant-grant' && f.subject === `tenant_${b}_svc`)).toBeDefined();
      const id = report.findings.find((f) => f.subject === `tenant_${b}_svc`)!.id;
      const fix = await csm(['isolation', 'fix', id, '--cluster', cluster, '--json']);
      expect(fix.code).toBe(0);
      expect(JSON.parse(fix.stdout).resolved).toBe(true);
    } finally {
      await admin.execute(`REVOKE MODIFY ON KEYSPACE "tenant_${a}_data" FROM "tenant_${b}_svc"`).catch(() => undefined);
    }
    const clean = await csm(['isolation', 'scan', '--cluster', cluster, '--tenant', a, '--json']);
    const r = JSON.parse(clean.stdout) as IsolationReport;
    expect(serious(mine(r))).toEqual([]);
    // Only cluster-wide findings left by others on the shared node could make this 1.
    expect(clean.code).toBe(r.counts.critical + r.counts.warning > 0 ? 1 : 0);
  });

  it('exports a report signed by the installation key that verifies offline and fails when altered', async () => {
    const iso = new IsolationService({ connections: svc.connections, operatorOf: () => 'cassandra', signer: new ReportSigner(svc.secrets) });
    const out = await iso.export(cluster, { tenant: a });
    expect(await svc.secrets.has(secretKey.installationReportSigningKey())).toBe(true);
    const ok = await api.call('isolation.verifyReport', { text: out.text });
    expect(ok.ok && ok.value.valid).toBe(true);
    expect(await iso.verify(out.text)).toMatchObject({ valid: true, signedByThisInstallation: true, cluster, keyId: out.keyId });
    const doc = JSON.parse(out.text);
    doc.report.scannedAt = '2000-01-01T00:00:00.000Z'; // an old clean scan passed off as today's
    expect((await iso.verify(JSON.stringify(doc))).valid).toBe(false);
  });
});
