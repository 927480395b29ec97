import { describe, expect, it } from 'vitest';
import { allowedDcs, analyzeDrift, driftId, outsideBoundary, parseReplication, type TenantSnapshot } from '../../../src-main/compliance/drift';
import { checkWithinBoundary } from '../../../src-main/compliance/boundary';

const NTS = 'org.apache.cassandra.locator.NetworkTopologyStrategy';
const snap = (over: Partial<TenantSnapshot> = {}): TenantSnapshot => ({
  tenant: 'acme',
  registryDcs: ['dc1'],
  boundary: [{ dc: 'dc1', region: 'eu-west-1' }],
  keyspaces: [parseReplication('tenant_acme_data', { class: NTS, dc1: '3' }), parseReplication('tenant_acme_csm', { class: NTS, dc1: '3' })],
  roles: [
    { name: 'tenant_acme_admin', login: false, dcs: ['dc1'] },
    { name: 'tenant_acme_svc', login: true, dcs: ['dc1'] },
    { name: 'tenant_acme_u_boss', login: true, dcs: ['dc1'] },
  ],
  clusterDcs: { dc1: 3, dc2: 3, dc9: 1 },
  ...over,
});

describe('drift analysis', () => {
  it('a tenant as provisioned has no drift', () => {
    expect(analyzeDrift(snap())).toEqual([]);
  });

  it('parses replication maps', () => {
    expect(parseReplication('k', { class: NTS, dc1: '3', dc2: '0' })).toEqual({ name: 'k', strategy: 'NetworkTopologyStrategy', dcs: { dc1: 3 }, rf: 3 });
    expect(parseReplication('k', { class: 'org.apache.cassandra.locator.SimpleStrategy', replication_factor: '2' })).toEqual({ name: 'k', strategy: 'SimpleStrategy', dcs: {}, rf: 2 });
  });

  it('finds replication outside the boundary, keeps the in-boundary replication factor in the fix', () => {
    const s = snap({ keyspaces: [parseReplication('tenant_acme_data', { class: NTS, dc1: '3', dc9: '1' })] });
    const [d, ...rest] = analyzeDrift(s);
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ kind: 'replication-outside-boundary', severity: 'critical', subject: 'tenant_acme_data', actual: ['dc1', 'dc9'], allowed: ['dc1'], fixNote: null });
    expect(d!.fix).toEqual([`ALTER KEYSPACE "tenant_acme_data" WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3}`]);
    expect(d!.evidence).toContain('boundary: dc1 (eu-west-1)');
    expect(d!.id).toBe(driftId('acme', 'replication-outside-boundary', 'tenant_acme_data'));
  });

  it('without a boundary compares with the registry', () => {
    const s = snap({ boundary: null, keyspaces: [parseReplication('tenant_acme_data', { class: NTS, dc1: '3', dc2: '2' })] });
    expect(analyzeDrift(s).map((d) => [d.kind, d.severity])).toEqual([['replication-not-registered', 'warning']]);
  });

  it('SimpleStrategy is drift; its fix goes to NTS over the allowed DCs, rf capped by their nodes', () => {
    const s = snap({ clusterDcs: { dc1: 1 }, keyspaces: [parseReplication('tenant_acme_data', { class: 'org.apache.cassandra.locator.SimpleStrategy', replication_factor: '3' })] });
    const [d] = analyzeDrift(s);
    expect(d!.kind).toBe('replication-strategy');
    expect(d!.fix).toEqual([`ALTER KEYSPACE "tenant_acme_data" WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 1}`]);
  });

  it('finds a LOGIN role with no DC restriction (critical) and a group role widened (warning)', () => {
    const s = snap({
      roles: [
        { name: 'tenant_acme_admin', login: false, dcs: null },
        { name: 'tenant_acme_u_boss', login: true, dcs: null },
        { name: 'tenant_acme_svc', login: true, dcs: ['dc1', 'dc2'] },
      ],
    });
    const ds = analyzeDrift(s);
    expect(ds.map((d) => [d.kind, d.subject, d.severity])).toEqual([
      ['dc-access-outside-boundary', 'tenant_acme_svc', 'critical'],
      ['login-without-dc-restriction', 'tenant_acme_u_boss', 'critical'],
      ['dc-access-outside-boundary', 'tenant_acme_admin', 'warning'],
    ]);
    expect(ds[1]!.fix).toEqual([`ALTER ROLE "tenant_acme_u_boss" WITH ACCESS TO DATACENTERS {'dc1'}`]);
  });

  it('roles not readable (tenant scope): keyspaces are still checked', () => {
    expect(analyzeDrift(snap({ roles: null }))).toEqual([]);
  });

  it('allowed DCs are boundary ∩ registry, or the boundary when they share none', () => {
    expect(allowedDcs({ boundary: [{ dc: 'dc1', region: 'a' }, { dc: 'dc2', region: 'b' }], registryDcs: ['dc2', 'dc3'] })).toEqual(['dc2']);
    expect(allowedDcs({ boundary: [{ dc: 'dc1', region: 'a' }], registryDcs: ['dc3'] })).toEqual(['dc1']);
    expect(allowedDcs({ boundary: null, registryDcs: [] })).toEqual([]);
    expect(analyzeDrift(snap({ boundary: null, registryDcs: [] }))).toEqual([]);
  });

  it('a DC name that could inject CQL never reaches a fix statement', () => {
    const s = snap({ boundary: null, registryDcs: ["dc1'}; DROP KEYSPACE x; --"], keyspaces: [parseReplication('tenant_acme_data', { class: NTS, dc2: '1' })] });
    expect(() => analyzeDrift(s)).toThrow(/invalid data centre/);
  });

  it('outsideBoundary lists every reason a proposed boundary does not hold', () => {
    const s = snap({ roles: [{ name: 'tenant_acme_u_boss', login: true, dcs: null }] });
    expect(outsideBoundary(s, ['dc2'])).toEqual([
      'the registry places the tenant in dc1',
      'keyspace tenant_acme_data replicates to dc1',
      'keyspace tenant_acme_csm replicates to dc1',
      'role tenant_acme_u_boss has access to all data centres',
    ]);
    expect(outsideBoundary(snap(), ['dc1', 'dc2'])).toEqual([]);
  });

  it('checkWithinBoundary refuses DCs outside with CONFLICT and passes without a boundary', () => {
    expect(() => checkWithinBoundary('acme', null, ['dc9'])).not.toThrow();
    expect(() => checkWithinBoundary('acme', [{ dc: 'dc1', region: 'eu' }], ['dc1'])).not.toThrow();
    expect(() => checkWithinBoundary('acme', [{ dc: 'dc1', region: 'eu' }], ['dc1', 'dc2'], 'replication to')).toThrow(expect.objectContaining({ code: 'CONFLICT', message: expect.stringContaining('replication to dc2 lies outside the compliance boundary of tenant acme (allowed: dc1 (eu))') }));
  });
});
