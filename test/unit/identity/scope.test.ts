import { describe, expect, it } from 'vitest';
import { allows, deriveScope } from '../../../src-main/identity/scope';

const base = { cluster: 'c1', role: 'alice', registeredTenants: ['acme', 'globex'] };

describe('operator scope from role membership', () => {
  it('superuser → platform over every registered tenant', () => {
    const s = deriveScope({ ...base, roles: [{ role: 'alice', super: true }] });
    expect(s).toMatchObject({ platform: true, superuser: true, auditor: 'all', tenants: ['acme', 'globex'] });
  });
  it('csm_platform_admin member → platform, not superuser', () => {
    const s = deriveScope({ ...base, roles: [{ role: 'alice', super: false }, { role: 'csm_platform_admin', super: false }] });
    expect(s).toMatchObject({ platform: true, superuser: false });
  });
  it('tenant admin sees only its tenants', () => {
    const s = deriveScope({ ...base, roles: [{ role: 'alice', super: false }, { role: 'tenant_acme_admin', super: false }] });
    expect(s).toMatchObject({ platform: false, tenantAdmin: ['acme'], auditor: [], tenants: ['acme'] });
    expect(allows(s, 'tenant', 'acme')).toBe(true);
    expect(allows(s, 'tenant', 'globex')).toBe(false);
    expect(allows(s, 'platform', null)).toBe(false);
    expect(allows(s, 'auditor', 'acme')).toBe(true);
  });
  it('tenant auditor is read-only for its tenant', () => {
    const s = deriveScope({ ...base, roles: [{ role: 'bob', super: false }, { role: 'tenant_globex_auditor', super: false }] });
    expect(allows(s, 'auditor', 'globex')).toBe(true);
    expect(allows(s, 'tenant', 'globex')).toBe(false);
    expect(allows(s, 'auditor', 'acme')).toBe(false);
  });
  it('csm_auditor audits every tenant but administers none', () => {
    const s = deriveScope({ ...base, roles: [{ role: 'carol', super: false }, { role: 'csm_auditor', super: false }] });
    expect(s.auditor).toBe('all');
    expect(allows(s, 'auditor', 'globex')).toBe(true);
    expect(allows(s, 'tenant', 'globex')).toBe(false);
  });
  it('a user whose name ends in _admin is not read as an admin of a look-alike tenant', () => {
    const s = deriveScope({ ...base, roles: [{ role: 'tenant_acme_u_x_admin', super: false }, { role: 'tenant_acme_u_y_auditor', super: false }] });
    expect(s).toMatchObject({ platform: false, tenantAdmin: [], auditor: [], tenants: [] });
  });
  it('look-alike role names grant nothing', () => {
    const s = deriveScope({ ...base, roles: [{ role: 'x', super: false }, { role: 'tenant_acme_admin_x', super: false }, { role: 'Tenant_acme_admin', super: false }, { role: 'tenant__admin', super: false }, { role: 'csm_platform_admin2', super: false }] });
    expect(s).toMatchObject({ platform: false, tenantAdmin: [], auditor: [], tenants: [] });
  });
});
