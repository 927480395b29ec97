import { describe, expect, it } from 'vitest';
import { analyze, countSeverities, findingId, forTenant } from '../../../src-main/isolation/analyze';
import { parseResource, resourceCql, revokePermissions } from '../../../src-main/isolation/resources';
import type { Finding } from '../../../src-shared/contract/isolation';
import { snapshot, withRole } from './fixtures';

const serious = (fs: Finding[]): Finding[] => fs.filter((f) => f.severity !== 'info');
const only = (fs: Finding[]): Finding => {
  const s = serious(fs);
  expect(s, JSON.stringify(s.map((f) => f.title))).toHaveLength(1);
  return s[0]!;
};

describe('isolation analysis: a clean cluster', () => {
  it('reports no finding of warning or worse, only the schema-visibility note', () => {
    const { findings, stats } = analyze(snapshot(['a', 'b']));
    expect(serious(findings)).toEqual([]);
    expect(findings.map((f) => f.kind)).toEqual(['schema-visibility']);
    const note = findings[0]!;
    expect(note).toMatchObject({ severity: 'info', global: true, fix: [], id: findingId('schema-visibility', 'system_schema') });
    expect(note.evidence[0]!.text).toContain('4 tenant keyspaces of 2 tenants');
    expect(note.fixNote).toMatch(/neutral/);
    expect(stats).toEqual({ roles: 12, memberships: 5, grants: 20, tenants: 2 });
  });

  it('says nothing at all when no tenant is registered', () => {
    expect(analyze(snapshot([])).findings).toEqual([]);
  });

  it('treats superusers, the console platform roles and their members as the platform', () => {
    const s = snapshot(['a'], {
      roles: [{ name: 'dba_root', superuser: true, login: true, memberOf: [] }, { name: 'csm_sandbox_admin', superuser: true, login: true, memberOf: [] }],
      permissions: [
        { role: 'dba_root', resource: 'data', permissions: ['SELECT'] },
        { role: 'csm_sandbox_admin', resource: 'data/tenant_a_data', permissions: ['SELECT'] },
      ],
    });
    expect(serious(analyze(s).findings)).toEqual([]);
  });
});

describe('isolation analysis: each kind of violation', () => {
  it('a csm_-named role made behind the console’s back is not the platform: its tenant grant is a finding', () => {
    const s = snapshot(['a'], {
      roles: [{ name: 'csm_backup', superuser: false, login: true, memberOf: [] }],
      permissions: [{ role: 'csm_backup', resource: 'data/tenant_a_data', permissions: ['SELECT'] }],
    });
    expect(only(analyze(s).findings)).toMatchObject({ kind: 'unowned-role-tenant-access', subject: 'csm_backup', tenants: ['a'] });
  });

  it('a direct cross-tenant grant, with the exact REVOKE statements', () => {
    const s = snapshot(['a', 'b'], { permissions: [{ role: 'tenant_a_admin', resource: 'data/tenant_b_data', permissions: ['SELECT', 'MODIFY'] }] });
    const f = only(analyze(s).findings);
    expect(f).toMatchObject({ kind: 'cross-tenant-grant', severity: 'critical', tenants: ['a', 'b'], subject: 'tenant_a_admin', global: false, fixNote: null });
    expect(f.evidence).toEqual([{ chain: ['tenant_a_admin'], permissions: ['MODIFY', 'SELECT'], resource: 'KEYSPACE tenant_b_data', owner: 'b', text: 'tenant_a_admin holds MODIFY, SELECT on KEYSPACE tenant_b_data' }]);
    expect(f.fix).toEqual(['REVOKE MODIFY ON KEYSPACE "tenant_b_data" FROM "tenant_a_admin"', 'REVOKE SELECT ON KEYSPACE "tenant_b_data" FROM "tenant_a_admin"']);
    expect(f.id).toBe(findingId('cross-tenant-grant', 'tenant_a_admin\u0000data/tenant_b_data'));
  });

  it('a grant on one table and on another tenant’s role count as cross-tenant too', () => {
    const s = snapshot(['a', 'b'], {
      permissions: [
        { role: 'tenant_a_u_boss', resource: 'data/tenant_b_data/events', permissions: ['SELECT'] },
        { role: 'tenant_a_svc', resource: 'roles/tenant_b_u_boss', permissions: ['ALTER'] },
      ],
    });
    const fs = serious(analyze(s).findings);
    expect(fs.map((f) => [f.kind, f.subject, f.fix])).toEqual([
      ['cross-tenant-grant', 'tenant_a_svc', ['REVOKE ALTER ON ROLE "tenant_b_u_boss" FROM "tenant_a_svc"']],
      ['cross-tenant-grant', 'tenant_a_u_boss', ['REVOKE SELECT ON TABLE "tenant_b_data"."events" FROM "tenant_a_u_boss"']],
    ]);
  });

  it("an inherited role: tenant B's admin granted to tenant A's user — the chain and a REVOKE of the membership", () => {
    const s = withRole(snapshot(['a', 'b']), 'tenant_a_u_boss', { memberOf: ['tenant_a_admin', 'tenant_b_admin'] });
    const f = only(analyze(s).findings);
    expect(f).toMatchObject({ kind: 'cross-tenant-membership', severity: 'critical', tenants: ['a', 'b'], subject: 'tenant_a_u_boss' });
    expect(f.fix).toEqual(['REVOKE "tenant_b_admin" FROM "tenant_a_u_boss"']);
    expect(f.evidence.map((e) => e.text)).toEqual([
      'tenant_a_u_boss → tenant_b_admin: a role of tenant b',
      'tenant_a_u_boss → tenant_b_admin holds ALTER, CREATE, DROP, MODIFY, SELECT on KEYSPACE tenant_b_data',
      'tenant_a_u_boss → tenant_b_admin holds SELECT on KEYSPACE tenant_b_csm',
    ]);
  });

  it('a longer chain through an unowned role is reported at the edge that leaves the tenant', () => {
    const s = withRole(
      snapshot(['a', 'b'], { roles: [{ name: 'bridge', superuser: false, login: false, memberOf: ['tenant_b_auditor'] }] }),
      'tenant_a_admin',
      { memberOf: ['bridge'] },
    );
    const fs = serious(analyze(s).findings);
    expect(fs.map((f) => [f.kind, f.severity, f.subject, f.fix[0]])).toEqual([
      ['cross-tenant-membership', 'critical', 'tenant_a_admin', 'REVOKE "bridge" FROM "tenant_a_admin"'],
      ['unowned-role-tenant-access', 'warning', 'bridge', 'REVOKE "tenant_b_auditor" FROM "bridge"'],
    ]);
    expect(fs[0]!.evidence.map((e) => e.chain)).toEqual([
      ['tenant_a_admin', 'bridge', 'tenant_b_auditor'],
      ['tenant_a_admin', 'bridge', 'tenant_b_auditor'],
    ]);
    expect(fs[0]!.evidence[1]!.text).toBe('tenant_a_admin → bridge → tenant_b_auditor holds SELECT on KEYSPACE tenant_b_csm');
  });

  it('membership cycles end, and each path is still found once', () => {
    let s = snapshot(['a', 'b'], {
      roles: [
        { name: 'loop_x', superuser: false, login: false, memberOf: ['loop_y'] },
        { name: 'loop_y', superuser: false, login: false, memberOf: ['loop_x', 'tenant_b_admin'] },
      ],
    });
    s = withRole(s, 'tenant_a_admin', { memberOf: ['loop_x', 'tenant_a_auditor'] });
    s = withRole(s, 'tenant_a_auditor', { memberOf: ['tenant_a_admin'] }); // a cycle inside the tenant too
    const fs = serious(analyze(s).findings);
    const a = fs.find((f) => f.subject === 'tenant_a_admin')!;
    expect(a.kind).toBe('cross-tenant-membership');
    expect(a.evidence[0]!.chain).toEqual(['tenant_a_admin', 'loop_x', 'loop_y', 'tenant_b_admin']);
    expect(fs.filter((f) => f.subject === 'tenant_a_admin')).toHaveLength(1);
    expect(fs.map((f) => f.subject).sort()).toEqual(['loop_y', 'tenant_a_admin']);
  });

  it('ALL KEYSPACES / ALL ROLES to a tenant role (critical) and to an unowned role (warning)', () => {
    const s = snapshot(['a'], {
      roles: [{ name: 'reporting', superuser: false, login: true, memberOf: [] }],
      permissions: [
        { role: 'tenant_a_admin', resource: 'data', permissions: ['SELECT'] },
        { role: 'tenant_a_svc', resource: 'roles', permissions: ['DESCRIBE'] },
        { role: 'reporting', resource: 'data', permissions: ['SELECT'] },
      ],
    });
    const fs = serious(analyze(s).findings);
    expect(fs.map((f) => [f.kind, f.severity, f.subject, f.global, f.fix])).toEqual([
      ['broad-grant', 'critical', 'tenant_a_admin', true, ['REVOKE SELECT ON ALL KEYSPACES FROM "tenant_a_admin"']],
      ['broad-grant', 'critical', 'tenant_a_svc', true, ['REVOKE DESCRIBE ON ALL ROLES FROM "tenant_a_svc"']],
      ['broad-grant', 'warning', 'reporting', true, ['REVOKE SELECT ON ALL KEYSPACES FROM "reporting"']],
    ]);
  });

  it('a grant on the platform keyspaces (csm_system, system_auth) is broad too', () => {
    const s = snapshot(['a'], { permissions: [{ role: 'tenant_a_admin', resource: 'data/system_auth/roles', permissions: ['SELECT'] }] });
    expect(only(analyze(s).findings)).toMatchObject({ kind: 'broad-grant', fix: ['REVOKE SELECT ON TABLE "system_auth"."roles" FROM "tenant_a_admin"'] });
  });

  it('a superuser tenant role, direct and inherited', () => {
    const direct = only(analyze(withRole(snapshot(['a']), 'tenant_a_svc', { superuser: true })).findings);
    expect(direct).toMatchObject({ kind: 'superuser-role', severity: 'critical', subject: 'tenant_a_svc', fix: ['ALTER ROLE "tenant_a_svc" WITH SUPERUSER = false'] });
    const inherited = only(analyze(withRole(snapshot(['a']), 'tenant_a_u_boss', { memberOf: ['tenant_a_admin', 'cassandra'] })).findings);
    expect(inherited).toMatchObject({ kind: 'superuser-role', subject: 'tenant_a_u_boss', fix: ['REVOKE "cassandra" FROM "tenant_a_u_boss"'] });
    expect(inherited.evidence[0]!.text).toBe('tenant_a_u_boss → cassandra: SUPERUSER = true');
  });

  it('a tenant role inside a platform role', () => {
    const f = only(analyze(withRole(snapshot(['a', 'b']), 'tenant_a_svc', { memberOf: ['tenant_a_admin', 'csm_platform_admin'] })).findings);
    expect(f).toMatchObject({ kind: 'platform-role-member', severity: 'critical', fix: ['REVOKE "csm_platform_admin" FROM "tenant_a_svc"'] });
    // What csm_platform_admin holds (ALL KEYSPACES) is part of the evidence.
    expect(f.evidence.map((e) => e.resource)).toEqual(['ROLE csm_platform_admin', 'ALL KEYSPACES']);
  });

  it('a tenant LOGIN role with no DC restriction; the fix pins it to the tenant’s boundary', () => {
    const s = snapshot(['a']);
    const net = new Map(s.network!);
    net.set('tenant_a_u_boss', []);
    net.delete('tenant_a_svc');
    net.set('tenant_a_admin', []); // a group role: nobody logs in as it, not a finding
    const fs = serious(analyze({ ...s, network: net }).findings);
    expect(fs.map((f) => [f.kind, f.severity, f.subject, f.fix])).toEqual([
      ['login-without-dc-restriction', 'warning', 'tenant_a_svc', ["ALTER ROLE \"tenant_a_svc\" WITH ACCESS TO DATACENTERS {'dc1'}"]],
      ['login-without-dc-restriction', 'warning', 'tenant_a_u_boss', ["ALTER ROLE \"tenant_a_u_boss\" WITH ACCESS TO DATACENTERS {'dc1'}"]],
    ]);
  });

  it('no DC finding per role when the network authorizer is AllowAll: one configuration finding instead', () => {
    const s = snapshot(['a']);
    const fs = serious(analyze({ ...s, network: new Map(), auth: { ...s.auth, networkAuthorizer: 'AllowAllNetworkAuthorizer' } }).findings);
    expect(fs.map((f) => [f.kind, f.severity])).toEqual([['allow-all-auth', 'warning']]);
  });

  it('a role outside the naming scheme holding a tenant keyspace, or a tenant role', () => {
    const s = snapshot(['a', 'b'], {
      roles: [
        { name: 'etl_job', superuser: false, login: true, memberOf: [] },
        { name: 'tenant_ghost_admin', superuser: false, login: false, memberOf: ['tenant_b_auditor'] },
      ],
      permissions: [{ role: 'etl_job', resource: 'data/tenant_a_data', permissions: ['SELECT'] }],
    });
    const fs = serious(analyze(s).findings);
    expect(fs.map((f) => [f.kind, f.severity, f.subject, f.tenants, f.fix])).toEqual([
      ['unowned-role-tenant-access', 'warning', 'etl_job', ['a'], ['REVOKE SELECT ON KEYSPACE "tenant_a_data" FROM "etl_job"']],
      ['unowned-role-tenant-access', 'warning', 'tenant_ghost_admin', ['b'], ['REVOKE "tenant_b_auditor" FROM "tenant_ghost_admin"']],
    ]);
  });

  it('AUTHORIZE held by a tenant role, even on its own keyspace', () => {
    const s = snapshot(['a'], { permissions: [{ role: 'tenant_a_admin', resource: 'data/tenant_a_data', permissions: ['AUTHORIZE'] }] });
    expect(only(analyze(s).findings)).toMatchObject({ kind: 'tenant-role-authorize', severity: 'warning', fix: ['REVOKE AUTHORIZE ON KEYSPACE "tenant_a_data" FROM "tenant_a_admin"'] });
  });

  it('AllowAll authenticator / authorizer in force', () => {
    const s = snapshot(['a']);
    const fs = serious(analyze({ ...s, auth: { ...s.auth, authenticator: 'org.apache.cassandra.auth.AllowAllAuthenticator', authorizer: 'AllowAllAuthorizer' } }).findings);
    expect(fs.map((f) => [f.kind, f.severity, f.global, f.fix.length])).toEqual([
      ['allow-all-auth', 'critical', true, 0],
      ['allow-all-auth', 'critical', true, 0],
    ]);
    expect(fs[0]!.fixNote).toMatch(/cassandra.yaml/);
  });

  it('CIDR: an info note per tenant login role when the CIDR authorizer is in force and the table exists', () => {
    const s = snapshot(['a']);
    const fs = analyze({ ...s, cidr: new Map([['tenant_a_svc', ['office']]]), auth: { ...s.auth, cidrAuthorizer: 'CassandraCIDRAuthorizer' } }).findings;
    expect(fs.filter((f) => f.kind === 'login-without-cidr-restriction').map((f) => [f.severity, f.subject])).toEqual([['info', 'tenant_a_u_boss']]);
  });

  it('ownership comes from the registry, not the prefix: tenant_acme_x_data is acme_x’s', () => {
    const s = snapshot(['acme', 'acme_x'], { permissions: [{ role: 'tenant_acme_admin', resource: 'data/tenant_acme_x_data', permissions: ['SELECT'] }] });
    expect(only(analyze(s).findings)).toMatchObject({ kind: 'cross-tenant-grant', tenants: ['acme', 'acme_x'] });
    // acme_x's own admin on its own keyspace is not acme's business.
    expect(serious(analyze(snapshot(['acme', 'acme_x'])).findings)).toEqual([]);
  });

  it('a name the console cannot quote gets a manual-fix note, never a statement', () => {
    const s = snapshot(['a', 'b'], { permissions: [{ role: 'tenant_a_admin', resource: 'functions/tenant_b_data/f[org.apache.cassandra.db.marshal.Int32Type]', permissions: ['EXECUTE'] }] });
    const f = only(analyze(s).findings);
    expect(f).toMatchObject({ kind: 'cross-tenant-grant', fix: [] });
    expect(f.fixNote).toMatch(/by hand/);
  });

  it('ids are stable across scans and evidence order, and differ per violation', () => {
    const mk = () => snapshot(['a', 'b'], { permissions: [{ role: 'tenant_a_admin', resource: 'data/tenant_b_data', permissions: ['SELECT'] }, { role: 'tenant_b_admin', resource: 'data/tenant_a_data', permissions: ['SELECT'] }] });
    const one = analyze(mk()).findings.map((f) => f.id);
    const s2 = mk();
    s2.permissions.reverse();
    expect(analyze(s2).findings.map((f) => f.id)).toEqual(one);
    expect(new Set(one).size).toBe(one.length);
  });

  it('--tenant keeps the findings that involve the tenant plus cluster-wide ones; severities are counted', () => {
    const s = snapshot(['a', 'b', 'c'], {
      permissions: [
        { role: 'tenant_a_admin', resource: 'data/tenant_b_data', permissions: ['SELECT'] },
        { role: 'tenant_c_admin', resource: 'data', permissions: ['SELECT'] },
      ],
    });
    const all = analyze(s).findings;
    expect(forTenant(all, 'b').map((f) => f.kind)).toEqual(['broad-grant', 'cross-tenant-grant', 'schema-visibility']);
    expect(forTenant(all, 'c').map((f) => f.kind)).toEqual(['broad-grant', 'schema-visibility']);
    expect(countSeverities(forTenant(all, 'c'))).toEqual({ critical: 1, warning: 0, info: 1 });
  });
});

describe('resources', () => {
  it('parses every resource form role_permissions uses and names it through identifiers.ts', () => {
    expect(['data', 'data/ks', 'data/ks/t', 'roles', 'roles/r', 'functions', 'functions/ks', 'mbean'].map((r) => resourceCql(parseResource(r)))).toEqual([
      'ALL KEYSPACES',
      'KEYSPACE "ks"',
      'TABLE "ks"."t"',
      'ALL ROLES',
      'ROLE "r"',
      'ALL FUNCTIONS',
      'ALL FUNCTIONS IN KEYSPACE "ks"',
      'ALL MBEANS',
    ]);
    expect(resourceCql(parseResource('data/MixedCase'))).toBeNull();
    expect(revokePermissions('x"; DROP', parseResource('data/ks'), ['SELECT'])).toBeNull();
    expect(revokePermissions('r', parseResource('data/ks'), ['SELECT; DROP'])).toBeNull();
  });
});
