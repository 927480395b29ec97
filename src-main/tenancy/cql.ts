import { AppError } from '../app/errors';
import { column, dcLiteral, hashedPasswordLiteral, keyspace, newRole, passwordLiteral, qualified, tenantId as checkTenantId, type CqlIdent } from '../cassandra/identifiers';
import { isTenantKeyspace, tenantConsoleKeyspace, tenantKeyspace } from '../../src-shared/rules/lifecycle';
import { tenantAdminRole, tenantAuditorRole } from '../../src-shared/rules/names';
import type { TableDef, Template } from '../../src-shared/rules/templates';

/**
 * Every statement tenancy sends, built from validated names only (identifiers.ts). Statements
 * are idempotent (IF [NOT] EXISTS) because every saga step may run again after a crash.
 */

export const tenantServiceRole = (id: string): string => `tenant_${checkTenantId(id)}_svc`;
export const tenantUserRole = (id: string, user: string): string => `tenant_${checkTenantId(id)}_u_${user}`;
export const TENANT_CONFIG_TABLE = 'config';
export const TENANT_INFO_TABLE = 'tenant_info';
export const TENANT_USERS_TABLE = 'users';

/** The tenant's fixed roles, in creation order (the service role is granted the admin role). */
export function fixedRoles(id: string): { admin: string; auditor: string; service: string } {
  const t = checkTenantId(id);
  return { admin: tenantAdminRole(t), auditor: tenantAuditorRole(t), service: tenantServiceRole(t) };
}

/** Keyspace names the template gives this tenant, console keyspace last. */
export function tenantKeyspaces(id: string, template: Template): string[] {
  const t = checkTenantId(id);
  return [...template.keyspaces.map((k) => tenantKeyspace(t, k.suffix)), tenantConsoleKeyspace(t)];
}

/** NetworkTopologyStrategy over the tenant's boundary, rf capped by the nodes each DC has. */
export function replication(dcs: ReadonlyMap<string, number>, rf: number): string {
  const parts = [...dcs].sort(([a], [b]) => a.localeCompare(b)).map(([dc, nodes]) => `${dcLiteral(dc)}: ${Math.max(1, Math.min(rf, nodes))}`);
  return `{'class': 'NetworkTopologyStrategy', ${parts.join(', ')}}`;
}

export function createKeyspace(name: string, repl: string): string {
  return `CREATE KEYSPACE IF NOT EXISTS ${keyspace(name)} WITH replication = ${repl}`;
}

export function dropKeyspace(name: string): string {
  return `DROP KEYSPACE IF EXISTS ${keyspace(name)}`;
}

/** Column types come from the template's whitelist pattern; names through the identifier module. */
export function createTable(ks: string, def: TableDef): string {
  const cols = def.columns.map((c) => `${column(c.name)} ${c.type}`);
  const part = `(${def.partitionKey.map((k) => column(k)).join(', ')})`;
  const key = [part, ...def.clusteringKey.map((k) => column(k))].join(', ');
  return `CREATE TABLE IF NOT EXISTS ${qualified(ks, def.name)} (${cols.join(', ')}, PRIMARY KEY (${key}))`;
}

/** The console keyspace's own tables besides data_keys (keys/cassandra-stores.ts). */
export function consoleTables(id: string): string[] {
  const ks = tenantConsoleKeyspace(checkTenantId(id));
  return [
    `CREATE TABLE IF NOT EXISTS ${qualified(ks, TENANT_CONFIG_TABLE)} (key text PRIMARY KEY, value text, version int, updated_by text, updated_at timestamp)`,
    `CREATE TABLE IF NOT EXISTS ${qualified(ks, TENANT_INFO_TABLE)} (key text PRIMARY KEY, value text)`,
    `CREATE TABLE IF NOT EXISTS ${qualified(ks, TENANT_USERS_TABLE)} (name text PRIMARY KEY, role text, created_by text, created_at timestamp)`,
  ];
}

const dcClause = (dcs: readonly string[]): string => `ACCESS TO DATACENTERS {${dcs.map(dcLiteral).join(', ')}}`;

/** A group role: no LOGIN, so nobody signs in as it; users and the service role are granted it. */
export function createGroupRole(name: string, dcs: readonly string[]): string {
  return `CREATE ROLE IF NOT EXISTS ${newRole(name)} WITH LOGIN = false AND SUPERUSER = false AND ${dcClause(dcs)}`;
}

export function createLoginRole(name: string, password: string, dcs: readonly string[]): string {
  return `CREATE ROLE IF NOT EXISTS ${newRole(name)} WITH LOGIN = true AND SUPERUSER = false AND PASSWORD = ${passwordLiteral(password)} AND ${dcClause(dcs)}`;
}

/** A login role that keeps the password it had elsewhere: created from its bcrypt hash (import, migration). */
export function createLoginRoleHashed(name: string, hash: string, dcs: readonly string[]): string {
  return `CREATE ROLE IF NOT EXISTS ${newRole(name)} WITH LOGIN = true AND SUPERUSER = false AND HASHED PASSWORD = ${hashedPasswordLiteral(hash)} AND ${dcClause(dcs)}`;
}

export function alterLogin(role: string, login: boolean): string {
  return `ALTER ROLE ${newRole(role)} WITH LOGIN = ${login ? 'true' : 'false'}`;
}

export function alterPassword(role: string, password: string): string {
  return `ALTER ROLE ${newRole(role)} WITH PASSWORD = ${passwordLiteral(password)}`;
}

export function dropRole(name: string): string {
  return `DROP ROLE IF EXISTS ${newRole(name)}`;
}

export function grantRole(role: string, to: string): string {
  return `GRANT ${newRole(role)} TO ${newRole(to)}`;
}

/**
 * Data keyspaces: the admin role (users and the service role inherit it) may CREATE, ALTER, DROP,
 * SELECT and MODIFY — never AUTHORIZE (tenant user management goes through the console, which
 * checks scope) and never on ALL KEYSPACES. The console keyspace holds the tenant's wrapped keys,
 * configuration and audit stream: the tenant's people may read it (admin, auditor) but only the
 * console's own service role may write it, so a tenant admin with cqlsh cannot rewrite them.
 */
export function tenantGrants(id: string, keyspaces: readonly string[]): string[] {
  const r = fixedRoles(id);
  const consoleKs = tenantConsoleKeyspace(id);
  const names = keyspaces.map((ks) => keyspace(ks)); // every name validated before anything else
  // Belt and braces: whatever the caller passes, a tenant is only ever granted its own keyspaces.
  const foreign = keyspaces.find((ks) => !isTenantKeyspace(id, ks));
  if (foreign !== undefined) throw new AppError('BAD_INPUT', `keyspace ${JSON.stringify(foreign.slice(0, 64))} is not tenant ${id}'s`);
  const out: string[] = [];
  keyspaces.forEach((ks, i) => {
    if (ks === consoleKs) return;
    for (const p of ['CREATE', 'ALTER', 'DROP', 'SELECT', 'MODIFY']) out.push(`GRANT ${p} ON KEYSPACE ${names[i]} TO ${newRole(r.admin)}`);
  });
  out.push(`GRANT SELECT ON KEYSPACE ${keyspace(consoleKs)} TO ${newRole(r.admin)}`);
  out.push(`GRANT SELECT ON KEYSPACE ${keyspace(consoleKs)} TO ${newRole(r.auditor)}`);
  out.push(`GRANT MODIFY ON KEYSPACE ${keyspace(consoleKs)} TO ${newRole(r.service)}`);
  out.push(grantRole(r.admin, r.service));
  return out;
}

const PERMISSIONS = new Set(['CREATE', 'ALTER', 'DROP', 'SELECT', 'MODIFY', 'AUTHORIZE', 'DESCRIBE', 'EXECUTE', 'UNMASK', 'SELECT_MASKED']);

/**
 * `LIST ALL PERMISSIONS` prints resources as `<keyspace ks>`, `<table ks.t>`, `<role r>`,
 * `<all keyspaces>` …; this turns one back into GRANT/REVOKE syntax, or null for a resource kind
 * the console does not restore by itself (functions, MBeans): those are left in place.
 */
export function resourceClause(resource: string): CqlIdent | string | null {
  let m: RegExpExecArray | null;
  if (resource === '<all keyspaces>') return 'ALL KEYSPACES';
  if (resource === '<all roles>') return 'ALL ROLES';
  if ((m = /^<keyspace ([a-z][a-z0-9_]{0,47})>$/.exec(resource))) return `KEYSPACE ${keyspace(m[1]!)}`;
  if ((m = /^<table ([a-z][a-z0-9_]{0,47})\.([a-z][a-z0-9_]{0,47})>$/.exec(resource))) return `TABLE ${qualified(m[1]!, m[2]!)}`;
  if ((m = /^<role ([a-z][a-z0-9_]{0,127})>$/.exec(resource))) return `ROLE ${newRole(m[1]!)}`;
  return null;
}

export function permissionStatement(verb: 'GRANT' | 'REVOKE', permission: string, resource: string, role: string): string | null {
  const clause = resourceClause(resource);
  if (clause === null || !PERMISSIONS.has(permission)) return null;
  return `${verb} ${permission} ON ${clause} ${verb === 'GRANT' ? 'TO' : 'FROM'} ${newRole(role)}`;
}

export function tableNames(template: Template): { keyspace: string; tables: string[] }[] {
  return template.keyspaces.map((k) => ({ keyspace: k.suffix, tables: k.tables.map((t) => t.name) }));
}
