import { AppError } from '../../app/errors';
import { BCRYPT_HASH_PATTERN } from '../../cassandra/identifiers';
import { z } from 'zod';
import { boundaryEntrySchema, type BoundaryEntry } from '../../../src-shared/contract/compliance';
import { frameworkSchema, overridesSchema, type Framework, type Overrides } from '../../../src-shared/rules/compliance';
import { isTenantKeyspace, tenantConsoleKeyspace, TENANT_CONSOLE_SUFFIX } from '../../../src-shared/rules/lifecycle';
import { CQL_NAME_PATTERN, tenantIdSchema } from '../../../src-shared/rules/names';
import type { BundleManifest } from '../types';
import { checkShape, normalizeResource, parseCreateTable, shapeFromColumns, type TableShape } from './import-cql';

/**
 * Import planning (issue 11 item 2), pure: everything that can be refused is refused here, before
 * anything is created on the target — the id, names that would not fit, DCs the target lacks or
 * the tenant's compliance boundary forbids, grants a bundle may not carry.
 */

/** Console-keyspace tables an import loads from a bundle: id-independent content (no keys, no audit chain, no tenant_info). */
export const CONSOLE_TABLES_NEW = ['config', 'config_versions', 'branding', 'integrations'] as const;
/** A restore into the same tenant also brings the certificate tables back (their keys are bound to the tenant id, which is unchanged). */
export const CONSOLE_TABLES_SAME = [...CONSOLE_TABLES_NEW, 'pki_ca', 'pki_certs', 'pki_crls'] as const;
export const CERTS_TABLE = 'pki_certs';
/** Wrapped data keys (cache, CA, signing) of the console keyspace. */
export const KEYS_TABLE = 'data_keys';
export const CONFIG_TABLE = 'config';
/** The one non-tenant keyspace a tenant role may hold a grant on (read-only reference data). */
export const SHARED_READONLY_KEYSPACE = 'csm_shared_readonly';

/** The tenant's compliance profile as the export carries it (manifest field `compliance`, null: none set at the source). */
export interface CarriedProfile {
  boundary: BoundaryEntry[] | null;
  frameworks: Framework[];
  overrides: Overrides;
}
const carriedProfileSchema = z.object({ boundary: z.array(boundaryEntrySchema).nullable(), frameworks: z.array(frameworkSchema), overrides: overridesSchema }).strict().nullable();
/** The manifest with the compliance profile the export adds (older bundles lack it: undefined). */
export type ManifestWithCompliance = BundleManifest & { compliance?: CarriedProfile | null };

/** The bundle's compliance profile, checked: a malformed one is BAD_INPUT (it is signed, but by whom is checked elsewhere). */
export function carriedProfile(m: BundleManifest): CarriedProfile | null {
  const raw = (m as ManifestWithCompliance).compliance;
  if (raw === undefined) return null;
  const r = carriedProfileSchema.safeParse(raw);
  if (!r.success) throw new AppError('BAD_INPUT', `bundle: the compliance profile is not valid (${r.error.issues[0]?.path.join('.') ?? '?'}: ${r.error.issues[0]?.message ?? ''})`);
  return r.data as CarriedProfile | null;
}

export interface PlannedTable {
  fromKs: string;
  toKs: string;
  shape: TableShape;
  rows: number;
  digest: string;
  console: boolean;
  /** false: a console table the import leaves to the target's own provisioning (keys, audit, info …). */
  load: boolean;
}
export interface PlannedRole {
  from: string;
  to: string;
  login: boolean;
  memberOf: string[];
  kind: 'admin' | 'auditor' | 'service' | 'user' | 'other';
  /** The user's bcrypt hash from the bundle: created WITH HASHED PASSWORD, so it keeps its password. */
  passwordHash: string | null;
}
export interface PlannedGrant {
  role: string;
  resource: string;
  permissions: string[];
}
export interface ImportPlan {
  source: string;
  target: string;
  intoExisting: boolean;
  name: string;
  tier: string;
  color: string | null;
  dataCenters: string[];
  replicationFactor: number;
  keyspaces: { from: string; to: string; suffix: string; console: boolean }[];
  tables: PlannedTable[];
  roles: PlannedRole[];
  grants: PlannedGrant[];
  /** The source tenant's compliance profile from the bundle (written on the target when the target id has none). */
  compliance: CarriedProfile | null;
  /** The admin user the tenancy saga creates (a source user holding the admin role), if any. */
  adminUser: string | null;
  notes: string[];
}

export interface TargetFacts {
  cluster: string;
  /** Data centres the target cluster has. */
  dataCenters: string[];
  /** Tenant ids in the target's registry (any state: a deleted tenant's id stays taken). */
  registered: ReadonlySet<string>;
  /** Of those, ids of deleted (shredded) tenants, here or on another cluster this console knows: never reused. */
  deleted?: ReadonlySet<string> | undefined;
  keyspaces: ReadonlySet<string>;
  roles: ReadonlySet<string>;
  /** Compliance boundaries that bind the import: the target id's and the source id's on the target, the bundle's own. */
  boundaries: { tenant: string; boundary: readonly BoundaryEntry[] }[];
}

export interface PlanOptions {
  newId?: string | undefined;
  dcMap?: Record<string, string> | undefined;
  intoExisting?: boolean | undefined;
  /** The bundle's KEKs will be carried (same id): its data keys and certificates then load too. */
  carryKeys?: boolean | undefined;
}

/** `tenant_<old>_rest` → `tenant_<new>_rest`; anything else is not the source tenant's. */
export function renamer(oldId: string, newId: string): (name: string) => string | null {
  const from = `tenant_${oldId}_`;
  return (n) => (n.startsWith(from) ? `tenant_${newId}_${n.slice(from.length)}` : null);
}

/** Permissions a tenant role may hold on the shared read-only keyspace. */
export const SHARED_READONLY_PERMISSIONS: readonly string[] = ['SELECT', 'DESCRIBE'];

/** Roles of the tenant by name (admin, auditor, svc, users) — the same rule export applies. */
function roleShape(tenant: string, role: string): boolean {
  const p = `tenant_${tenant}_`;
  if (!role.startsWith(p)) return false;
  const rest = role.slice(p.length);
  return ['admin', 'auditor', 'svc'].includes(rest) || (rest.startsWith('u_') && rest.length > 2);
}

/** A role of `tenant`, not one of a registered tenant whose id extends this one's (tenant_ab_u_admin is tenant ab_u's admin when ab_u exists). */
export function isTenantRole(tenant: string, role: string, otherTenants: Iterable<string>): boolean {
  if (!roleShape(tenant, role)) return false;
  for (const o of otherTenants) if (o !== tenant && o.startsWith(`${tenant}_`) && roleShape(o, role)) return false;
  return true;
}

/**
 * Map a resource of the source tenant to the target; a resource outside the tenant is refused.
 * `ownRoles` (source names): the only roles a `<role r>` resource may name — the plan's own roles.
 */
export function mapResource(resource: string, oldId: string, newId: string, ownRoles?: ReadonlySet<string>): string {
  const r = normalizeResource(resource);
  const rename = renamer(oldId, newId);
  const ks = (k: string): string => {
    if (k === SHARED_READONLY_KEYSPACE) return k;
    if (!isTenantKeyspace(oldId, k)) throw new AppError('BAD_INPUT', `bundle: a grant on ${r.slice(0, 80)} is outside tenant ${oldId}; refused`);
    return rename(k)!;
  };
  let m: RegExpExecArray | null;
  if ((m = /^<keyspace ([a-z][a-z0-9_]{0,47})>$/.exec(r))) return `<keyspace ${ks(m[1]!)}>`;
  if ((m = /^<table ([a-z][a-z0-9_]{0,47})\.([a-z][a-z0-9_]{0,47})>$/.exec(r))) return `<table ${ks(m[1]!)}.${m[2]!}>`;
  if ((m = /^<role ([a-z][a-z0-9_]{0,127})>$/.exec(r))) {
    const to = ownRoles && !ownRoles.has(m[1]!) ? null : rename(m[1]!);
    if (!to) throw new AppError('BAD_INPUT', `bundle: a grant on role ${m[1]!} is outside tenant ${oldId}; refused`);
    return `<role ${to}>`;
  }
  throw new AppError('BAD_INPUT', `bundle: a grant on ${r.slice(0, 80)} cannot be imported (tenant roles hold grants on their own keyspaces and roles only)`);
}

/** Merge grant rows to one per (role, resource), permissions sorted. */
export function mergeGrants(rows: readonly PlannedGrant[]): PlannedGrant[] {
  const by = new Map<string, PlannedGrant>();
  for (const g of rows) {
    const k = `${g.role}\u0000${g.resource}`;
    const cur = by.get(k) ?? { role: g.role, resource: g.resource, permissions: [] };
    cur.permissions = [...new Set([...cur.permissions, ...g.permissions.map((p) => p.toUpperCase())])].sort();
    by.set(k, cur);
  }
  return [...by.values()].sort((a, b) => a.role.localeCompare(b.role) || a.resource.localeCompare(b.resource));
}

function str(v: unknown, dflt: string): string {
  return typeof v === 'string' && v.length ? v : dflt;
}

/** Source DCs: the registry's data centres and every DC a keyspace replicates to. */
export function sourceDataCenters(m: BundleManifest): string[] {
  const reg = m.registry['dataCenters'] ?? m.registry['data_centers'];
  const out = new Set<string>(Array.isArray(reg) ? reg.map(String) : []);
  for (const k of m.keyspaces) for (const dc of Object.keys(k.replication ?? {})) if (dc !== 'class' && dc !== 'replication_factor') out.add(dc);
  return [...out].sort();
}

export function roleKind(tenant: string, role: string): PlannedRole['kind'] {
  if (role === `tenant_${tenant}_admin`) return 'admin';
  if (role === `tenant_${tenant}_auditor`) return 'auditor';
  if (role === `tenant_${tenant}_svc`) return 'service';
  if (role.startsWith(`tenant_${tenant}_u_`)) return 'user';
  return 'other';
}

export function planImport(m: BundleManifest, opts: PlanOptions, target: TargetFacts): ImportPlan {
  const notes: string[] = [];
  const srcParse = tenantIdSchema.safeParse(m.tenant);
  if (!srcParse.success) throw new AppError('BAD_INPUT', `bundle: invalid source tenant id ${JSON.stringify(String(m.tenant).slice(0, 40))}`);
  const source = srcParse.data;
  const idParse = tenantIdSchema.safeParse(opts.newId ?? source);
  if (!idParse.success) throw new AppError('BAD_INPUT', `invalid tenant id ${JSON.stringify(String(opts.newId).slice(0, 40))}: ${idParse.error.issues[0]?.message ?? ''}`);
  const id = idParse.data;
  const intoExisting = opts.intoExisting === true;
  if (target.deleted?.has(id)) throw new AppError('CONFLICT', `tenant id ${id} belonged to a deleted tenant (its keys were shredded): a deleted id is never reused — import under another id (--id)`);
  if (intoExisting && !target.registered.has(id)) throw new AppError('NOT_FOUND', `tenant ${id} is not registered on ${target.cluster}; nothing to restore into`);
  if (!intoExisting && target.registered.has(id)) throw new AppError('CONFLICT', `tenant id ${id} is already registered on ${target.cluster}${opts.newId ? '' : '; import it under another id (--id)'}`);
  const rename = renamer(source, id);

  // Keyspaces: every one the source's, renamed, fitting Cassandra's 48 characters.
  // The console keyspace travels as rows (manifest.consoleKeyspace) even where `keyspaces` lists only data keyspaces.
  const declared = [...m.keyspaces];
  if (m.consoleKeyspace && !declared.some((k) => k.name === m.consoleKeyspace)) {
    if (m.consoleKeyspace !== tenantConsoleKeyspace(source)) throw new AppError('BAD_INPUT', `bundle: console keyspace ${String(m.consoleKeyspace).slice(0, 64)} is not tenant ${source}'s`);
    declared.push({ name: m.consoleKeyspace, cql: '', replication: {} });
  }
  const keyspaces = declared.map((k) => {
    if (!isTenantKeyspace(source, k.name)) throw new AppError('BAD_INPUT', `bundle: keyspace ${k.name.slice(0, 64)} is not tenant ${source}'s`);
    const to = rename(k.name)!;
    if (!CQL_NAME_PATTERN.test(to)) throw new AppError('BAD_INPUT', `keyspace ${k.name} would become ${to}, longer than Cassandra's 48 characters: choose a shorter tenant id`);
    const suffix = k.name.slice(`tenant_${source}_`.length);
    return { from: k.name, to, suffix, console: suffix === TENANT_CONSOLE_SUFFIX };
  });
  if (!keyspaces.some((k) => !k.console)) throw new AppError('BAD_INPUT', `bundle: tenant ${source} has no data keyspaces`);
  if (!intoExisting) {
    const clash = keyspaces.find((k) => target.keyspaces.has(k.to));
    if (clash) throw new AppError('CONFLICT', `keyspace ${clash.to} already exists on ${target.cluster}`);
  }
  const ksMap = new Map(keyspaces.map((k) => [k.from, k]));

  // Tables: shapes parsed from the exported statements.
  const consoleLoad: readonly string[] = id !== source ? CONSOLE_TABLES_NEW : intoExisting ? CONSOLE_TABLES_SAME : opts.carryKeys ? [...CONSOLE_TABLES_SAME, KEYS_TABLE] : CONSOLE_TABLES_NEW;
  const tables: PlannedTable[] = m.tables.map((t) => {
    const k = ksMap.get(t.keyspace);
    if (!k) throw new AppError('BAD_INPUT', `bundle: table ${t.keyspace.slice(0, 48)}.${t.table.slice(0, 48)} is in a keyspace the bundle does not declare`);
    let shape: TableShape;
    if (Array.isArray(t.columns) && t.columns.length) {
      shape = shapeFromColumns(t.table, t.columns, t.cql ?? '');
    } else {
      const parsed = parseCreateTable(t.cql);
      if (parsed.keyspace !== t.keyspace || parsed.table !== t.table) throw new AppError('BAD_INPUT', `bundle: the statement of ${t.keyspace}.${t.table} creates ${parsed.keyspace}.${parsed.table}`);
      const { keyspace: _k, ...rest } = parsed;
      shape = rest;
    }
    checkShape(shape);
    if (!Number.isInteger(t.rows) || t.rows < 0 || !/^[0-9a-f]{64}$/.test(t.digest)) throw new AppError('BAD_INPUT', `bundle: table ${t.keyspace}.${t.table} has no valid row count/digest`);
    return { fromKs: t.keyspace, toKs: k.to, shape, rows: t.rows, digest: t.digest, console: k.console, load: !k.console || consoleLoad.includes(t.table) };
  });
  const skipped = tables.filter((t) => !t.load).map((t) => t.shape.table);
  if (skipped.length) notes.push(`console tables kept as the target provisioned them (keys, audit chain, tenant info, users): ${skipped.sort().join(', ')}`);
  if (!consoleLoad.includes(CERTS_TABLE)) {
    const certs = tables.find((t) => t.console && t.shape.table === CERTS_TABLE);
    if (certs && certs.rows > 0) notes.push(`${certs.rows} certificates were not imported: their private keys are sealed to tenant ${source}'s keys, which ${id === source ? 'the bundle does not carry' : `open only under id ${source}`}; tenant ${id} has its own new CA`);
  }
  if (!m.withData) notes.push('the bundle carries no data rows (exported without --with-data): tables are created empty');

  // DCs: mapped, present on the target, inside every boundary that binds the tenant.
  const dcMap = opts.dcMap ?? {};
  const srcDcs = sourceDataCenters(m);
  const stray = Object.keys(dcMap).filter((d) => !srcDcs.includes(d));
  if (stray.length) throw new AppError('BAD_INPUT', `DC map names ${stray.join(', ')}, which the bundle does not use (it uses ${srcDcs.join(', ') || 'none'})`);
  const dataCenters = [...new Set(srcDcs.map((d) => dcMap[d] ?? d))].sort();
  if (dataCenters.length === 0) throw new AppError('BAD_INPUT', 'bundle: the tenant has no data centres');
  const unknown = dataCenters.filter((d) => !target.dataCenters.includes(d));
  if (unknown.length) throw new AppError('BAD_INPUT', `data centre ${unknown.join(', ')} is not part of ${target.cluster} (it has ${[...target.dataCenters].sort().join(', ')}); map it with a DC map (--dc-map SRC=DST)`);
  // The bundle's own boundary binds the import too: the tenant's data never lands outside it, whatever the target stores.
  const compliance = carriedProfile(m);
  const bounds = [...target.boundaries];
  if (compliance?.boundary?.length) bounds.push({ tenant: source, boundary: compliance.boundary });
  for (const b of bounds) {
    const allowed = b.boundary.map((e) => e.dc);
    const outside = dataCenters.filter((d) => !allowed.includes(d));
    if (outside.length) throw new AppError('FORBIDDEN', `data centre ${outside.join(', ')} lies outside the compliance boundary of tenant ${b.tenant} (allowed: ${allowed.join(', ')}); remap it to a DC inside the boundary`);
  }
  let rf = 1;
  for (const k of m.keyspaces) for (const [dc, v] of Object.entries(k.replication ?? {})) if (dc !== 'class') rf = Math.max(rf, Math.min(9, Number(v) || 1));

  // Roles: the tenant's only; memberships inside the tenant only — among the bundle's own roles,
  // never a role of a tenant whose id extends the source's or the target's (acme → acme_x).
  const registered = [...target.registered];
  // admin, auditor and svc always exist on the target (the tenancy saga creates them).
  const ownRoles = new Set<string>(['admin', 'auditor', 'svc'].map((k) => `tenant_${source}_${k}`));
  for (const r of m.roles) {
    const to = rename(r.name);
    if (!to || !isTenantRole(source, r.name, registered) || !isTenantRole(id, to, registered)) throw new AppError('BAD_INPUT', `bundle: role ${String(r.name).slice(0, 64)} is not tenant ${source}'s`);
    ownRoles.add(r.name);
  }
  const roles: PlannedRole[] = m.roles.map((r) => {
    const to = rename(r.name)!;
    if (r.superuser !== false) throw new AppError('BAD_INPUT', `bundle: role ${r.name} is a superuser; refused`);
    const memberOf = r.memberOf.map((g) => {
      const mg = ownRoles.has(g) ? rename(g) : null;
      if (!mg) throw new AppError('BAD_INPUT', `bundle: role ${r.name} is a member of ${g.slice(0, 64)}, outside tenant ${source}; refused`);
      return mg;
    });
    const kind = roleKind(source, r.name);
    let passwordHash: string | null = null;
    if (r.passwordHash !== undefined) {
      if (kind !== 'user') throw new AppError('BAD_INPUT', `bundle: role ${r.name} carries a password hash, but only users do`);
      if (typeof r.passwordHash !== 'string' || !BCRYPT_HASH_PATTERN.test(r.passwordHash)) throw new AppError('BAD_INPUT', `bundle: the password hash of ${r.name} is not a bcrypt hash`);
      passwordHash = r.passwordHash;
    }
    return { from: r.name, to, login: r.login, memberOf: memberOf.sort(), kind, passwordHash };
  });
  const other = roles.find((r) => r.kind === 'other');
  if (other) throw new AppError('BAD_INPUT', `bundle: role ${other.from} is not a tenant admin/auditor/service role or user`);
  if (!intoExisting) {
    const taken = roles.find((r) => target.roles.has(r.to));
    if (taken) throw new AppError('CONFLICT', `role ${taken.to} already exists on ${target.cluster}`);
  }
  const admin = roles.find((r) => r.kind === 'user' && r.login && r.memberOf.includes(`tenant_${id}_admin`));
  const adminUser = admin ? admin.to.slice(`tenant_${id}_u_`.length) : null;
  const users = roles.filter((r) => r.kind === 'user');
  const kept = users.filter((r) => r.passwordHash !== null);
  const fresh = users.filter((r) => r.passwordHash === null);
  if (kept.length) notes.push(`${kept.length} user${kept.length === 1 ? ' keeps its' : 's keep their'} password${kept.length === 1 ? '' : 's'}: the bundle carries their bcrypt hashes (encrypted), and the import creates them WITH HASHED PASSWORD`);
  if (fresh.length) notes.push(`${fresh.length} user${fresh.length === 1 ? ' has' : 's have'} a new random password (the bundle carries no hash for ${fresh.length === 1 ? 'it' : 'them'}: the exporting role could not read them): reset ${fresh.length === 1 ? 'it' : 'them'} before use — ${fresh.map((r) => r.to).slice(0, 5).join(', ')}${fresh.length > 5 ? ' …' : ''}`);
  if (roles.some((r) => r.kind === 'service')) notes.push('the service role has a new password, held in this console’s keychain');

  const grants = mergeGrants(
    m.grants.map((g) => {
      const role = ownRoles.has(g.role) ? rename(g.role) : null;
      if (!role) throw new AppError('BAD_INPUT', `bundle: a grant to role ${String(g.role).slice(0, 64)}, outside tenant ${source}; refused`);
      const resource = mapResource(g.resource, source, id, ownRoles);
      if (resource === `<keyspace ${SHARED_READONLY_KEYSPACE}>` || resource.startsWith(`<table ${SHARED_READONLY_KEYSPACE}.`)) {
        const extra = g.permissions.map((p) => String(p).toUpperCase()).filter((p) => !SHARED_READONLY_PERMISSIONS.includes(p));
        if (extra.length) throw new AppError('BAD_INPUT', `bundle: ${extra.join(', ')} on ${resource} refused — tenant roles may only read (SELECT, DESCRIBE) the shared read-only keyspace`);
      }
      return { role, resource, permissions: g.permissions };
    }),
  );

  return {
    source,
    target: id,
    intoExisting,
    name: str(m.registry['name'], `Tenant ${id}`).slice(0, 80),
    tier: str(m.registry['tier'], 'standard').slice(0, 20),
    color: typeof m.registry['color'] === 'string' && m.registry['color'] ? (m.registry['color'] as string) : null,
    dataCenters,
    replicationFactor: rf,
    keyspaces,
    tables,
    roles,
    grants,
    adminUser,
    compliance,
    notes,
  };
}

export { tenantConsoleKeyspace };
