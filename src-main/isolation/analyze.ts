import { createHash } from 'node:crypto';
import { dcLiteral, existingRole } from '../cassandra/identifiers';
import type { EvidencePath, Finding, FindingKind, Severity } from '../../src-shared/contract/isolation';
import { PLATFORM_ADMIN_ROLE, PLATFORM_AUDITOR_ROLE } from '../../src-shared/rules/names';
import { describeResource, keyspaceOf, parseResource, revokePermissions, type Resource } from './resources';

/**
 * The isolation analysis (issue 6, item 1): pure, no driver, so it is unit-tested on hand-made
 * snapshots and benchmarked on 10,000 synthetic tenants.
 *
 * Why the findings cover every path: a role of tenant A reaches something either through a
 * permission one of A's own roles holds (checked grant by grant), or through a membership edge
 * that leaves A's roles (role of A → role not of A). Every such boundary edge is followed
 * (transitively, cycle-safe, memoized per target) and reported with the chains it opens, so
 * "no finding" proves that no role of A reaches a resource of B in Cassandra's own data.
 */

export interface AuthSnapshot {
  /** system_auth.roles: `memberOf` is the roles granted to it (direct only). */
  roles: { name: string; superuser: boolean; login: boolean; memberOf: readonly string[] }[];
  /** system_auth.role_permissions, resource in Cassandra's own form (`data/ks`, `roles/r`, …). */
  permissions: { role: string; resource: string; permissions: readonly string[] }[];
  /** system_auth.network_permissions by role name (no `roles/` prefix); null when not read. */
  network: ReadonlyMap<string, readonly string[]> | null;
  /** system_auth.cidr_permissions by role name; null where the table does not exist. */
  cidr: ReadonlyMap<string, readonly string[]> | null;
  /** The registry (csm_system.tenants): the source of ownership. */
  tenants: { id: string; keyspaces: readonly string[]; roles: readonly string[]; dataCenters: readonly string[] }[];
  auth: AuthConfig;
  /** Keyspace names in system_schema (for the visibility note); null when not read. */
  keyspaces: readonly string[] | null;
}

export interface AuthConfig {
  authenticator: string | null;
  authorizer: string | null;
  roleManager: string | null;
  networkAuthorizer: string | null;
  cidrAuthorizer: string | null;
}

/** Keyspaces whose contents are the platform's (registry, wrapped KEKs, password hashes). */
const PLATFORM_KEYSPACES = new Set(['csm_system', 'system_auth']);
const PLATFORM_ROLES = new Set([PLATFORM_ADMIN_ROLE, PLATFORM_AUDITOR_ROLE]);
const MAX_EVIDENCE = 25;
const SEVERITY_ORDER: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

export const findingId = (kind: FindingKind, anchor: string): string => createHash('sha256').update(`${kind}\u0000${anchor}`).digest('hex').slice(0, 16);

const isAllowAll = (cls: string | null): boolean => cls !== null && /AllowAll/i.test(cls);
const shortClass = (cls: string | null): string => (cls === null ? 'unknown' : (cls.split('.').pop() ?? cls));

type RoleClass = { kind: 'tenant'; tenant: string } | { kind: 'platform' } | { kind: 'unowned' };

/** Who owns what, from the registry; user roles (`tenant_<id>_u_…`) also by name, since ids never contain `_u_`. */
class Ownership {
  private readonly roleOwner = new Map<string, string>();
  private readonly ksOwner = new Map<string, string>();
  private readonly ids = new Set<string>();
  readonly dcs = new Map<string, readonly string[]>();

  constructor(tenants: AuthSnapshot['tenants']) {
    for (const t of tenants) {
      this.ids.add(t.id);
      this.dcs.set(t.id, t.dataCenters);
      for (const r of t.roles) this.roleOwner.set(r, t.id);
      for (const k of t.keyspaces) this.ksOwner.set(k, t.id);
    }
  }

  ofRole(name: string): string | null {
    const hit = this.roleOwner.get(name);
    if (hit !== undefined) return hit;
    if (!name.startsWith('tenant_')) return null;
    const i = name.indexOf('_u_', 7);
    if (i < 0) return null;
    const id = name.slice(7, i);
    return this.ids.has(id) ? id : null;
  }

  ofResource(r: Resource): string | null {
    if (r.kind === 'role') return this.ofRole(r.role);
    const ks = keyspaceOf(r);
    return ks === null ? null : (this.ksOwner.get(ks) ?? null);
  }
}

/** ALL KEYSPACES / ALL ROLES / ALL FUNCTIONS / MBeans, or the platform's own keyspaces. */
function isBroad(r: Resource): boolean {
  if (r.kind === 'all-keyspaces' || r.kind === 'all-roles' || r.kind === 'all-functions' || r.kind === 'all-mbeans' || r.kind === 'mbean') return true;
  const ks = keyspaceOf(r);
  return ks !== null && PLATFORM_KEYSPACES.has(ks);
}

interface Grant {
  resource: Resource;
  raw: string;
  permissions: string[];
}

interface Reached {
  role: string;
  /** From the boundary target to `role`, both included. */
  path: string[];
}

export interface AnalysisResult {
  findings: Finding[];
  stats: { roles: number; memberships: number; grants: number; tenants: number };
}

export function analyze(s: AuthSnapshot): AnalysisResult {
  const own = new Ownership(s.tenants);
  const roles = new Map<string, { superuser: boolean; login: boolean }>();
  const parents = new Map<string, string[]>(); // member → roles granted to it
  const children = new Map<string, string[]>(); // role → its members
  let memberships = 0;
  const touch = (name: string): void => {
    if (!roles.has(name)) roles.set(name, { superuser: false, login: false });
  };
  for (const r of s.roles) roles.set(r.name, { superuser: r.superuser, login: r.login });
  for (const r of s.roles) {
    for (const g of r.memberOf) {
      touch(g);
      (parents.get(r.name) ?? parents.set(r.name, []).get(r.name)!).push(g);
      (children.get(g) ?? children.set(g, []).get(g)!).push(r.name);
      memberships++;
    }
  }
  const grants = new Map<string, Grant[]>();
  let grantCount = 0;
  for (const p of s.permissions) {
    if (p.permissions.length === 0) continue; // a row whose permissions were all revoked grants nothing
    touch(p.role);
    (grants.get(p.role) ?? grants.set(p.role, []).get(p.role)!).push({ resource: parseResource(p.resource), raw: p.resource, permissions: [...p.permissions].sort() });
    grantCount += p.permissions.length;
  }

  // Platform = superuser, a console platform role (csm_platform_admin, csm_auditor) or a member of
  // one — never a name prefix: a csm_backup made in cqlsh is unowned until proven otherwise. Unless a tenant owns
  // it (a tenant role that inherits platform powers is a finding, not an operator).
  const platformReach = new Set<string>();
  const queue: string[] = [];
  for (const [name, r] of roles) if (r.superuser || PLATFORM_ROLES.has(name)) (platformReach.add(name), queue.push(name));
  for (let i = 0; i < queue.length; i++) {
    for (const m of children.get(queue[i]!) ?? []) if (!platformReach.has(m)) (platformReach.add(m), queue.push(m));
  }
  const classOf = new Map<string, RoleClass>();
  for (const name of roles.keys()) {
    const t = own.ofRole(name);
    classOf.set(name, t !== null ? { kind: 'tenant', tenant: t } : name === 'cassandra' || platformReach.has(name) ? { kind: 'platform' } : { kind: 'unowned' });
  }

  // Everything a role reaches through membership, with one shortest path each: BFS, so cycles end,
  // memoized per target, so each boundary target is walked once however many roles point at it.
  const reachMemo = new Map<string, Reached[]>();
  const reach = (start: string): Reached[] => {
    const hit = reachMemo.get(start);
    if (hit) return hit;
    const out: Reached[] = [{ role: start, path: [start] }];
    const seen = new Set([start]);
    for (let i = 0; i < out.length; i++) {
      const cur = out[i]!;
      for (const p of parents.get(cur.role) ?? []) {
        if (seen.has(p)) continue;
        seen.add(p);
        out.push({ role: p, path: [...cur.path, p] });
      }
    }
    reachMemo.set(start, out);
    return out;
  };

  const findings: Finding[] = [];
  const add = (f: Omit<Finding, 'id' | 'moreEvidence' | 'evidence'> & { anchor: string; evidence: EvidencePath[] }): void => {
    const { anchor, evidence, ...rest } = f;
    findings.push({ ...rest, id: findingId(f.kind, anchor), evidence: evidence.slice(0, MAX_EVIDENCE), moreEvidence: Math.max(0, evidence.length - MAX_EVIDENCE), tenants: [...new Set(rest.tenants)].sort() });
  };
  const manual = (fix: string[] | null, why: string): { fix: string[]; fixNote: string | null } => (fix === null ? { fix: [], fixNote: why } : { fix, fixNote: null });
  const role = (name: string): string | null => {
    try {
      return existingRole(name);
    } catch {
      return null;
    }
  };
  const grantText = (chain: string[], g: Grant): string => `${chain.join(' → ')} holds ${g.permissions.join(', ')} on ${describeResource(g.resource)}`;

  // 1. Direct grants of tenant and unowned roles.
  for (const [holder, list] of grants) {
    const cls = classOf.get(holder)!;
    if (cls.kind === 'platform') continue;
    for (const g of list) {
      const owner = own.ofResource(g.resource);
      const ev: EvidencePath = { chain: [holder], permissions: g.permissions, resource: describeResource(g.resource), owner, text: grantText([holder], g) };
      const revoke = (perms: string[]) => manual(revokePermissions(holder, g.resource, perms), `revoke by hand: ${perms.join(', ')} ON ${describeResource(g.resource)} FROM ${holder} (the console does not build statements for this resource or name)`);
      if (cls.kind === 'tenant') {
        if (owner !== null && owner !== cls.tenant) {
          add({ kind: 'cross-tenant-grant', severity: 'critical', anchor: `${holder}\u0000${g.raw}`, title: `Role ${holder} of tenant ${cls.tenant} holds ${g.permissions.join(', ')} on tenant ${owner}'s ${describeResource(g.resource)}`, tenants: [cls.tenant, owner], global: false, subject: holder, evidence: [ev], ...revoke(g.permissions) });
        } else if (isBroad(g.resource)) {
          add({ kind: 'broad-grant', severity: 'critical', anchor: `${holder}\u0000${g.raw}`, title: `Role ${holder} of tenant ${cls.tenant} holds ${g.permissions.join(', ')} on ${describeResource(g.resource)}`, tenants: [cls.tenant], global: true, subject: holder, evidence: [ev], ...revoke(g.permissions) });
        } else if (g.permissions.includes('AUTHORIZE')) {
          add({ kind: 'tenant-role-authorize', severity: 'warning', anchor: `${holder}\u0000${g.raw}`, title: `Role ${holder} of tenant ${cls.tenant} may grant ${describeResource(g.resource)} onwards (AUTHORIZE)`, tenants: [cls.tenant], global: false, subject: holder, evidence: [ev], ...revoke(['AUTHORIZE']) });
        }
      } else if (owner !== null) {
        add({ kind: 'unowned-role-tenant-access', severity: 'warning', anchor: `${holder}\u0000${g.raw}`, title: `Role ${holder}, outside the naming scheme, holds ${g.permissions.join(', ')} on tenant ${owner}'s ${describeResource(g.resource)}`, tenants: [owner], global: false, subject: holder, evidence: [ev], ...revoke(g.permissions) });
      } else if (isBroad(g.resource)) {
        add({ kind: 'broad-grant', severity: 'warning', anchor: `${holder}\u0000${g.raw}`, title: `Role ${holder}, outside the naming scheme, holds ${g.permissions.join(', ')} on ${describeResource(g.resource)}`, tenants: [], global: true, subject: holder, evidence: [ev], ...revoke(g.permissions) });
      }
    }
  }

  // 2. Role attributes: superuser, LOGIN without DC (or CIDR) restriction.
  const networkOn = !isAllowAll(s.auth.networkAuthorizer);
  const cidrOn = s.cidr !== null && s.auth.cidrAuthorizer !== null && !isAllowAll(s.auth.cidrAuthorizer);
  for (const [name, r] of roles) {
    const cls = classOf.get(name)!;
    if (cls.kind !== 'tenant') continue;
    const q = role(name);
    if (r.superuser) {
      add({ kind: 'superuser-role', severity: 'critical', anchor: name, title: `Role ${name} of tenant ${cls.tenant} is a superuser`, tenants: [cls.tenant], global: true, subject: name, evidence: [{ chain: [name], permissions: [], resource: null, owner: cls.tenant, text: `${name}: SUPERUSER = true (every permission on every tenant)` }], ...manual(q ? [`ALTER ROLE ${q} WITH SUPERUSER = false`] : null, `ALTER ROLE … WITH SUPERUSER = false by hand: the name ${JSON.stringify(name)} cannot be quoted safely`) });
    }
    if (r.login && networkOn && s.network !== null) {
      const dcs = s.network.get(name) ?? [];
      if (dcs.length === 0) {
        const boundary = own.dcs.get(cls.tenant) ?? [];
        let fix: string[] | null = null;
        try {
          fix = q && boundary.length ? [`ALTER ROLE ${q} WITH ACCESS TO DATACENTERS {${boundary.map(dcLiteral).join(', ')}}`] : null;
        } catch {
          fix = null;
        }
        add({ kind: 'login-without-dc-restriction', severity: 'warning', anchor: name, title: `Login role ${name} of tenant ${cls.tenant} may connect through every data centre`, tenants: [cls.tenant], global: false, subject: name, evidence: [{ chain: [name], permissions: [], resource: null, owner: cls.tenant, text: `${name}: LOGIN = true, ACCESS TO ALL DATACENTERS (tenant boundary: ${boundary.join(', ') || 'not recorded'})` }], ...manual(fix, `the registry records no data centres for tenant ${cls.tenant}: ALTER ROLE ${name} WITH ACCESS TO DATACENTERS {…} by hand`) });
      }
    }
    if (r.login && cidrOn && (s.cidr!.get(name) ?? []).length === 0) {
      add({ kind: 'login-without-cidr-restriction', severity: 'info', anchor: name, title: `Login role ${name} of tenant ${cls.tenant} has no CIDR group restriction`, tenants: [cls.tenant], global: false, subject: name, evidence: [{ chain: [name], permissions: [], resource: null, owner: cls.tenant, text: `${name}: ACCESS FROM ALL CIDRS` }], fix: [], fixNote: 'ALTER ROLE … WITH ACCESS FROM CIDRS {…} once CIDR groups for the tenant exist' });
    }
  }

  // 3. Boundary edges: a tenant role granted a role that is not its tenant's, an unowned role granted a tenant's role.
  for (const [member, granted] of parents) {
    const cls = classOf.get(member)!;
    if (cls.kind === 'platform') continue;
    for (const g of granted) {
      const gc = classOf.get(g)!;
      const revoke = (): { fix: string[]; fixNote: string | null } => {
        const a = role(g);
        const b = role(member);
        return manual(a && b ? [`REVOKE ${a} FROM ${b}`] : null, `REVOKE ${g} FROM ${member} by hand: the name cannot be quoted safely`);
      };
      if (cls.kind === 'unowned') {
        if (gc.kind === 'tenant') {
          add({ kind: 'unowned-role-tenant-access', severity: 'warning', anchor: `${member}\u0000${g}`, title: `Role ${member}, outside the naming scheme, is a member of tenant ${gc.tenant}'s role ${g}`, tenants: [gc.tenant], global: false, subject: member, evidence: [{ chain: [member, g], permissions: [], resource: `ROLE ${g}`, owner: gc.tenant, text: `${member} → ${g} (a role of tenant ${gc.tenant})` }], ...revoke() });
        }
        continue;
      }
      if (gc.kind === 'tenant' && gc.tenant === cls.tenant) continue; // inside the tenant
      const a = cls.tenant;
      const ev: { kind: FindingKind; path: EvidencePath }[] = [];
      const others = new Set<string>();
      for (const x of reach(g)) {
        const chain = [member, ...x.path];
        const xc = classOf.get(x.role)!;
        const xr = roles.get(x.role)!;
        if (xr.superuser) ev.push({ kind: 'superuser-role', path: { chain, permissions: [], resource: null, owner: null, text: `${chain.join(' → ')}: SUPERUSER = true` } });
        if (PLATFORM_ROLES.has(x.role)) ev.push({ kind: 'platform-role-member', path: { chain, permissions: [], resource: `ROLE ${x.role}`, owner: null, text: `${chain.join(' → ')}: a platform role (console scope over every tenant)` } });
        if (xc.kind === 'tenant' && xc.tenant !== a) {
          others.add(xc.tenant);
          ev.push({ kind: 'cross-tenant-membership', path: { chain, permissions: [], resource: `ROLE ${x.role}`, owner: xc.tenant, text: `${chain.join(' → ')}: a role of tenant ${xc.tenant}` } });
        }
        for (const gr of grants.get(x.role) ?? []) {
          const owner = own.ofResource(gr.resource);
          const path: EvidencePath = { chain, permissions: gr.permissions, resource: describeResource(gr.resource), owner, text: grantText(chain, gr) };
          if (owner !== null && owner !== a) (others.add(owner), ev.push({ kind: 'cross-tenant-membership', path }));
          else if (owner === null && isBroad(gr.resource)) ev.push({ kind: 'broad-grant', path });
        }
      }
      if (ev.length === 0) continue;
      const PRIORITY: FindingKind[] = ['superuser-role', 'platform-role-member', 'cross-tenant-membership', 'broad-grant'];
      const kind = PRIORITY.find((k) => ev.some((e) => e.kind === k))!;
      const reached = [...others].sort();
      const what =
        kind === 'superuser-role'
          ? 'superuser status'
          : kind === 'platform-role-member'
            ? 'a platform role'
            : kind === 'cross-tenant-membership'
              ? `tenant ${reached.join(', ')}'s roles or resources`
              : 'cluster-wide permissions';
      add({
        kind,
        severity: 'critical',
        anchor: `${member}\u0000${g}`,
        title: `Role ${member} of tenant ${a} inherits ${what} through ${g}`,
        tenants: [a, ...reached],
        global: kind !== 'cross-tenant-membership',
        subject: member,
        evidence: ev.sort((x, y) => PRIORITY.indexOf(x.kind) - PRIORITY.indexOf(y.kind)).map((e) => e.path),
        ...revoke(),
      });
    }
  }

  // 4. Configuration: AllowAll in force switches authentication or authorization off for everyone.
  const cfg: [string, string | null, Severity][] = [
    ['authenticator', s.auth.authenticator, 'critical'],
    ['authorizer', s.auth.authorizer, 'critical'],
    ['network_authorizer', s.auth.networkAuthorizer, 'warning'],
  ];
  for (const [setting, cls, severity] of cfg) {
    if (!isAllowAll(cls)) continue;
    add({ kind: 'allow-all-auth', severity, anchor: setting, title: `${setting} is ${shortClass(cls)}: ${setting === 'authenticator' ? 'anyone can connect as anyone' : setting === 'authorizer' ? 'every role may do everything, grants are ignored' : 'ACCESS TO DATACENTERS is not enforced'}`, tenants: [], global: true, subject: null, evidence: [{ chain: [], permissions: [], resource: null, owner: null, text: `cassandra.yaml ${setting}: ${cls}` }], fix: [], fixNote: `set ${setting} to ${setting === 'authenticator' ? 'PasswordAuthenticator' : setting === 'authorizer' ? 'CassandraAuthorizer' : 'CassandraNetworkAuthorizer'} in cassandra.yaml on every node and restart them one by one` });
  }
  if (s.auth.authenticator === null && s.auth.authorizer === null) {
    add({ kind: 'config-unreadable', severity: 'info', anchor: 'settings', title: 'The authenticator and authorizer in force could not be read (system_views.settings)', tenants: [], global: true, subject: null, evidence: [], fix: [], fixNote: 'sign in with a role that may read system_views.settings to check for AllowAll' });
  }

  // 5. What Cassandra cannot hide: every role reads system_schema.
  if (s.tenants.length > 0) {
    const tenantKs = s.keyspaces ? s.keyspaces.filter((k) => own.ofResource({ kind: 'keyspace', ks: k }) !== null).length : null;
    add({
      kind: 'schema-visibility',
      severity: 'info',
      anchor: 'system_schema',
      title: 'Keyspace and table names of every tenant are visible to every role (system_schema)',
      tenants: [],
      global: true,
      subject: null,
      evidence: [{ chain: [], permissions: ['SELECT'], resource: 'KEYSPACE system_schema', owner: null, text: `every role may read system_schema${tenantKs !== null ? `: ${tenantKs} tenant keyspaces of ${s.tenants.length} tenants are listed there` : ''}; data stays protected, names do not` }],
      fix: [],
      fixNote: 'names only, not data: give tenants neutral ids (no customer names) and keep business meaning out of keyspace and table names',
    });
  }

  findings.sort((x, y) => SEVERITY_ORDER[x.severity] - SEVERITY_ORDER[y.severity] || x.kind.localeCompare(y.kind) || (x.subject ?? '').localeCompare(y.subject ?? '') || x.id.localeCompare(y.id));
  return { findings, stats: { roles: roles.size, memberships, grants: grantCount, tenants: s.tenants.length } };
}

export function countSeverities(findings: readonly Finding[]): { critical: number; warning: number; info: number } {
  const c = { critical: 0, warning: 0, info: 0 };
  for (const f of findings) c[f.severity]++;
  return c;
}

/** `--tenant`: findings that involve the tenant, plus the cluster-wide ones (they involve everyone). */
export function forTenant(findings: readonly Finding[], tenant: string | null): Finding[] {
  return tenant === null ? [...findings] : findings.filter((f) => f.global || f.tenants.includes(tenant));
}
