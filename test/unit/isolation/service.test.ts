import { describe, expect, it } from 'vitest';
import type { CqlClient } from '../../../src-main/cassandra/connections';
import type { AuthSnapshot } from '../../../src-main/isolation/analyze';
import { IsolationService } from '../../../src-main/isolation/service';
import { canonicalJson, ReportSigner } from '../../../src-main/isolation/signing';
import { INSTALLATION_REPORT_SIGNING_KEY, parseSecretKey, secretKey } from '../../../src-main/secrets/secret-key';
import type { SecretStore } from '../../../src-main/secrets/types';
import { snapshot } from './fixtures';

function memorySecrets(): SecretStore & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    get: async (k) => map.get(secretKey.assert(k)) ?? null,
    set: async (k, v) => void map.set(secretKey.assert(k), v),
    delete: async (k) => map.delete(k),
    has: async (k) => map.has(k),
    describe: () => ({ backend: 'keychain', location: 'memory' }),
  };
}

/** A cluster in memory: the snapshot is what the "reader" sees; executed statements edit it like Cassandra would. */
function fakeCluster(s: AuthSnapshot) {
  const executed: string[] = [];
  const client = {
    execute: async (cql: string) => {
      executed.push(cql);
      let m: RegExpExecArray | null;
      if ((m = /^REVOKE (\w+) ON KEYSPACE "(\w+)" FROM "(\w+)"$/.exec(cql))) {
        const [, p, ks, role] = m;
        for (const g of s.permissions) if (g.role === role && g.resource === `data/${ks}`) g.permissions = g.permissions.filter((x) => x !== p);
      } else if ((m = /^REVOKE "(\w+)" FROM "(\w+)"$/.exec(cql))) {
        const [, granted, member] = m;
        s.roles = s.roles.map((r) => (r.name === member ? { ...r, memberOf: r.memberOf.filter((x) => x !== granted) } : r));
      } else throw new Error(`fake cluster cannot run ${cql}`);
      return { rows: [] };
    },
  } as unknown as CqlClient;
  return { client, executed, read: async () => structuredClone({ ...s, network: null }) as AuthSnapshot };
}

function service(s: AuthSnapshot, secrets: SecretStore | null = memorySecrets()) {
  const c = fakeCluster(s);
  const svc = new IsolationService({ connections: { operator: (n) => (n === 'prod' ? c.client : undefined) }, operatorOf: () => 'cassandra', signer: secrets ? new ReportSigner(secrets) : null, read: c.read });
  return { svc, ...c };
}

describe('isolation service (fake cluster)', () => {
  it('scan: counts, operator, tenant filter, NOT_SIGNED_IN and NOT_FOUND', async () => {
    const s = snapshot(['a', 'b'], { permissions: [{ role: 'tenant_a_admin', resource: 'data/tenant_b_data', permissions: ['SELECT'] }] });
    const { svc } = service(s);
    const r = await svc.scan('prod');
    expect(r).toMatchObject({ cluster: 'prod', scannedBy: 'cassandra', tenant: null, counts: { critical: 1, warning: 0, info: 1 } });
    expect(r.stats.tenants).toBe(2);
    expect((await svc.scan('prod', { tenant: 'b' })).findings.map((f) => f.kind)).toEqual(['cross-tenant-grant', 'schema-visibility']);
    await expect(svc.scan('other')).rejects.toMatchObject({ code: 'NOT_SIGNED_IN' });
    await expect(svc.scan('prod', { tenant: 'zz' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('fix: runs exactly the finding’s statements, re-scans, reports before and after', async () => {
    const s = snapshot(['a', 'b'], { permissions: [{ role: 'tenant_a_admin', resource: 'data/tenant_b_data', permissions: ['SELECT', 'MODIFY'] }] });
    s.roles = s.roles.map((r) => (r.name === 'tenant_b_u_boss' ? { ...r, memberOf: ['tenant_b_admin', 'tenant_a_auditor'] } : r));
    const { svc, executed } = service(s);
    const scan = await svc.scan('prod');
    const grant = scan.findings.find((f) => f.kind === 'cross-tenant-grant')!;
    const r = await svc.fix('prod', grant.id);
    expect(executed).toEqual(['REVOKE MODIFY ON KEYSPACE "tenant_b_data" FROM "tenant_a_admin"', 'REVOKE SELECT ON KEYSPACE "tenant_b_data" FROM "tenant_a_admin"']);
    expect(r).toMatchObject({ resolved: true, before: { critical: 2 }, applied: executed });
    expect(r.after.counts.critical).toBe(1);
    const member = r.after.findings.find((f) => f.kind === 'cross-tenant-membership')!;
    expect((await svc.fix('prod', member.id)).after.counts).toEqual({ critical: 0, warning: 0, info: 1 });
    await expect(svc.fix('prod', member.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('fix refuses a finding that needs a manual change', async () => {
    const s = snapshot(['a']);
    s.auth = { ...s.auth, authorizer: 'AllowAllAuthorizer' };
    const { svc, executed } = service(s);
    const f = (await svc.scan('prod')).findings.find((x) => x.kind === 'allow-all-auth')!;
    await expect(svc.fix('prod', f.id)).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(executed).toEqual([]);
  });

  it('export signs with one installation key kept in the secret store; verify catches any change', async () => {
    const secrets = memorySecrets();
    const { svc } = service(snapshot(['a'], { permissions: [{ role: 'tenant_a_admin', resource: 'data', permissions: ['SELECT'] }] }), secrets);
    const out = await svc.export('prod', { tenant: 'a' });
    expect(out.fileName).toMatch(/^isolation-prod-a-.*\.json$/);
    expect([...secrets.map.keys()]).toEqual([INSTALLATION_REPORT_SIGNING_KEY]);
    const again = await svc.export('prod');
    expect(again.keyId).toBe(out.keyId);
    expect(await svc.verify(out.text)).toMatchObject({ valid: true, keyId: out.keyId, signedByThisInstallation: true, cluster: 'prod', counts: { critical: 1 } });

    const doc = JSON.parse(out.text);
    doc.report.findings = [];
    expect(await svc.verify(JSON.stringify(doc))).toMatchObject({ valid: false, signedByThisInstallation: false });
    expect((await svc.verify('{')).reason).toBe('not JSON');
    // Another installation verifies offline (valid) but sees it is not its own key.
    const other = service(snapshot(['a']), memorySecrets()).svc;
    expect(await other.verify(out.text)).toMatchObject({ valid: true, signedByThisInstallation: false });
    // Verification never creates a key.
    const empty = memorySecrets();
    await service(snapshot(['a']), empty).svc.verify(out.text);
    expect(empty.map.size).toBe(0);
  });

  it('export without a secret store refuses; canonical JSON ignores key order', async () => {
    await expect(service(snapshot(['a']), null).svc.export('prod')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(canonicalJson({ b: [1, { d: 1, c: 2 }], a: null })).toBe('{"a":null,"b":[1,{"c":2,"d":1}]}');
  });

  it('the report-signing key has a secret name of its own', () => {
    expect(parseSecretKey('installation/report-signing-key')).toEqual({ kind: 'installation-report-signing-key' });
    expect(secretKey.installationReportSigningKey()).toBe('installation/report-signing-key');
    expect(() => parseSecretKey('installation/report-signing-key2')).toThrow();
  });
});
