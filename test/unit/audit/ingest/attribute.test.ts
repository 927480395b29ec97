import { describe, expect, it } from 'vitest';
import { BurstDetector } from '../../../../src-main/audit/ingest/alerts';
import { attribute, directoryOf, tenantOfName } from '../../../../src-main/audit/ingest/attribute';
import { parseMessage, type AuditFields } from '../../../../src-main/audit/ingest/parse';

const dir = directoryOf(['acme', 'acme_eu', 'globex']);
const msg = (fields: string, op = 'x'): AuditFields => {
  const p = parseMessage(`user:${fields}|operation:${op}`);
  if (!p.ok) throw new Error(p.reason);
  return p.fields;
};
const base = (user: string, type: string, cat: string, rest = '') => `${user}|host:/127.0.0.1:7000|source:/10.0.0.9|port:1|timestamp:1000|type:${type}|category:${cat}${rest}`;

describe('tenant names', () => {
  it('matches the longest registered id, rejects non-tenant and unknown names', () => {
    expect(tenantOfName(dir, 'tenant_acme_data')).toEqual({ tenant: 'acme' });
    expect(tenantOfName(dir, 'tenant_acme_eu_data')).toEqual({ tenant: 'acme_eu' });
    expect(tenantOfName(dir, '"tenant_globex_u_bob"')).toEqual({ tenant: 'globex' });
    expect(tenantOfName(dir, 'tenant_acme_')).toEqual({ unknown: 'tenant_acme_' });
    expect(tenantOfName(dir, 'tenant_initech_data')).toEqual({ unknown: 'tenant_initech_data' });
    expect(tenantOfName(dir, 'csm_system')).toBeNull();
    expect(tenantOfName(dir, null)).toBeNull();
  });
});

describe('attribution', () => {
  it('tenant keyspace → that tenant only, whoever ran it', () => {
    const a = attribute(dir, msg(base('cassandra', 'SELECT', 'QUERY', '|ks:tenant_acme_data|scope:t')));
    expect(a).toMatchObject({ streams: ['tenant:acme'], actorTenant: null, targetTenants: ['acme'], crossTenant: false, keyspace: 'tenant_acme_data' });
  });

  it('tenant role without a keyspace (login) → its tenant; failed login by the tried name', () => {
    expect(attribute(dir, msg(base('tenant_globex_svc', 'LOGIN_SUCCESS', 'AUTH'))).streams).toEqual(['tenant:globex']);
    const f = msg(base('null', 'LOGIN_ERROR', 'AUTH'), 'LOGIN FAILURE; Provided username tenant_acme_eu_svc and/or password *******');
    expect(attribute(dir, f)).toMatchObject({ streams: ['tenant:acme_eu'], actorTenant: 'acme_eu' });
  });

  it('everything else → platform', () => {
    expect(attribute(dir, msg(base('cassandra', 'SELECT', 'QUERY', '|ks:csm_system|scope:tenants'))).streams).toEqual(['platform']);
    expect(attribute(dir, msg(base('cassandra', 'CREATE_ROLE', 'DCL'), "CREATE ROLE tenant_acme_u_x WITH PASSWORD = '*******'")).streams).toEqual(['platform']);
  });

  it('unknown tenant prefix → platform, flagged', () => {
    const a = attribute(dir, msg(base('cassandra', 'SELECT', 'QUERY', '|ks:tenant_initech_data|scope:t')));
    expect(a).toMatchObject({ streams: ['platform'], unknownTenantNames: ['tenant_initech_data'], targetTenants: [] });
    const b = attribute(dir, msg(base('tenant_ghost_u_x', 'SELECT', 'QUERY', '|ks:tenant_acme_data|scope:t')));
    expect(b.streams.sort()).toEqual(['platform', 'tenant:acme']);
    expect(b.unknownTenantNames).toEqual(['tenant_ghost_u_x']);
  });

  it('GRANT resources: data/<ks>, data/<ks>/*, roles/<name>', () => {
    expect(attribute(dir, msg(base('cassandra', 'GRANT', 'DCL', '|ks:data|scope:data/tenant_acme_data'))).streams).toEqual(['tenant:acme']);
    expect(attribute(dir, msg(base('cassandra', 'GRANT', 'DCL', '|ks:data/tenant_globex_csm/*|scope:data/tenant_globex_csm/branding'))).streams).toEqual(['tenant:globex']);
    expect(attribute(dir, msg(base('cassandra', 'GRANT', 'DCL', '|ks:roles|scope:roles/tenant_acme_u_reader'))).streams).toEqual(['tenant:acme']);
    expect(attribute(dir, msg(base('cassandra', 'GRANT', 'DCL', '|ks:data|scope:data'))).streams).toEqual(['platform']);
    // a keyspace whose name merely starts with "data" or "roles" is a keyspace, not a resource
    expect(attribute(dir, msg(base('tenant_acme_svc', 'SELECT', 'QUERY', '|ks:datalake|scope:t'))).keyspace).toBe('datalake');
    expect(attribute(dir, msg(base('tenant_acme_svc', 'SELECT', 'QUERY', '|ks:roles_x|scope:t'))).keyspace).toBe('roles_x');
  });

  it('an operator statement naming two tenants goes to both and to platform, without being a cross-tenant attempt', () => {
    const a = attribute(dir, msg(base('cassandra', 'GRANT', 'DCL', '|ks:data|scope:data/tenant_acme_data'), 'GRANT SELECT ON KEYSPACE tenant_acme_data TO tenant_globex_u_x; <role tenant_globex_u_x>'));
    expect(a.crossTenant).toBe(false);
  });

  it('a tenant role on another tenant’s table (UNAUTHORIZED_ATTEMPT names it only in the error) → both tenants and platform, cross-tenant', () => {
    const f = msg(base('tenant_acme_u_boss', 'UNAUTHORIZED_ATTEMPT', 'AUTH'), 'SELECT * FROM "tenant_globex_data".events; User tenant_acme_u_boss has no SELECT permission on <table tenant_globex_data.events> or any of its parents');
    const a = attribute(dir, f);
    expect(a.crossTenant).toBe(true);
    expect(a.actorTenant).toBe('acme');
    expect(a.targetTenants).toEqual(['globex']);
    expect(a.keyspace).toBe('tenant_globex_data');
    expect([...a.streams].sort()).toEqual(['platform', 'tenant:acme', 'tenant:globex']);
    const ks = attribute(dir, msg(base('tenant_globex_u_x', 'UNAUTHORIZED_ATTEMPT', 'AUTH'), 'GRANT SELECT ON KEYSPACE "tenant_acme_data" TO x; User tenant_globex_u_x has no AUTHORIZE permission on <keyspace tenant_acme_data> or any of its parents'));
    expect(ks).toMatchObject({ crossTenant: true, targetTenants: ['acme'] });
  });

  it('a tenant role inside its own keyspace is not cross-tenant', () => {
    const a = attribute(dir, msg(base('tenant_acme_u_boss', 'UNAUTHORIZED_ATTEMPT', 'AUTH'), 'SELECT * FROM t; User tenant_acme_u_boss has no SELECT permission on <table tenant_acme_data.t> or any of its parents'));
    expect(a).toMatchObject({ crossTenant: false, streams: ['tenant:acme'] });
  });
});

describe('LOGIN_ERROR bursts', () => {
  const fail = (d: BurstDetector, user: string | null, source: string, atMs: number, key = `k${atMs}`) => d.push({ user, source, atMs, eventKey: key, stream: 'platform', node: 'n' });

  it('4 failures in 60 s are not a burst; the 5th is; further ones within the window extend it', () => {
    const d = new BurstDetector(5, 60_000);
    for (let i = 0; i < 4; i++) fail(d, 'u', '1.1.1.1', i * 10_000);
    expect(d.drain()).toEqual([]);
    const e = new BurstDetector(5, 60_000);
    for (let i = 0; i < 5; i++) fail(e, 'u', '1.1.1.1', i * 10_000);
    for (let i = 5; i < 12; i++) fail(e, 'u', '1.1.1.1', 40_000 + (i - 4) * 50_000);
    expect(e.drain()).toEqual([{ user: 'u', source: '1.1.1.1', stream: 'platform', node: 'n', count: 12, firstMs: 0, lastMs: 390_000, firstEventKey: 'k0' }]);
  });

  it('5 failures spread over more than the window are not a burst', () => {
    const d = new BurstDetector(5, 60_000);
    for (let i = 0; i < 5; i++) fail(d, 'u', '1.1.1.1', i * 16_000);
    expect(d.drain()).toEqual([]);
  });

  it('pairs are separate: same user from two sources, two users from one source', () => {
    const d = new BurstDetector(5, 60_000);
    for (let i = 0; i < 3; i++) {
      fail(d, 'u', '1.1.1.1', i);
      fail(d, 'u', '2.2.2.2', i);
      fail(d, 'v', '1.1.1.1', i);
    }
    expect(d.drain()).toEqual([]);
  });

  it('a gap longer than the window closes a burst; the next needs 5 again', () => {
    const d = new BurstDetector(5, 60_000);
    for (let i = 0; i < 5; i++) fail(d, 'u', 's', i);
    for (let i = 0; i < 5; i++) fail(d, 'u', 's', 200_000 + i);
    const b = d.drain();
    expect(b.map((x) => [x.count, x.firstMs, x.firstEventKey])).toEqual([
      [5, 0, 'k0'],
      [5, 200_000, 'k200000'],
    ]);
  });

  it('drain(now) returns only bursts that are over and forgets quiet pairs', () => {
    const d = new BurstDetector(5, 60_000);
    for (let i = 0; i < 5; i++) fail(d, 'u', 's', 1000 + i);
    expect(d.drain(30_000)).toEqual([]);
    expect(d.drain(100_000).map((b) => b.count)).toEqual([5]);
    expect(d.drain()).toEqual([]);
  });
});
