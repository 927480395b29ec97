import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { AppError } from '../app/errors';
import { keyspace, newRole, qualified, table as tableIdent } from '../cassandra/identifiers';
import { tenantConsoleKeyspace } from '../../src-shared/rules/lifecycle';
import { tenantAdminRole } from '../../src-shared/rules/names';
import type { UserTemplate } from '../../src-shared/contract/users';

/**
 * Pure rules of tenant users: template expansion, the custom-grant fence, the bcrypt hash sent to
 * Cassandra and the scrypt hashes of the password history. No I/O here, so all of it is unit-tested.
 */

/** Cassandra (jBCrypt) accepts `$2a$` only; bcryptjs writes `$2b$`, the same algorithm for ≤ 72 bytes. */
export const BCRYPT_HASH_PATTERN = /^\$2a\$(1[0-9]|2[0-9]|3[01])\$[./A-Za-z0-9]{53}$/;
/** Cost ≥ 10 (the brief's floor); 10 keeps a pure-JS hash near 100 ms on a laptop. */
export const BCRYPT_COST = 10;

export function bcryptHash(password: string, cost = BCRYPT_COST): string {
  if (cost < 10) throw new AppError('BAD_INPUT', 'bcrypt cost must be at least 10');
  return bcrypt.hashSync(password, cost).replace(/^\$2b\$/, '$2a$');
}

/**
 * A hash that came back from a request row is checked like any input before it reaches CQL: this
 * module's own form and cost floor; identifiers.hashedPasswordLiteral then quotes it.
 */
export function checkedUserHash(hash: string): string {
  if (typeof hash !== 'string' || !BCRYPT_HASH_PATTERN.test(hash)) throw new AppError('BAD_INPUT', 'the password hash is not a bcrypt $2a$ hash of cost 10–31');
  return hash;
}

// Password history: scrypt with a per-entry salt; never the password itself. -----------------------

const SCRYPT = { N: 16384, r: 8, p: 1 } as const;
export function historyHash(password: string, salt = randomBytes(16)): string {
  const h = scryptSync(password.normalize('NFC'), salt, 32, SCRYPT);
  return `scrypt$${salt.toString('base64')}$${h.toString('base64')}`;
}

export function historyMatches(password: string, stored: string): boolean {
  const m = /^scrypt\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(stored);
  if (!m) return false;
  const want = Buffer.from(m[2]!, 'base64');
  const got = scryptSync(password.normalize('NFC'), Buffer.from(m[1]!, 'base64'), want.length, SCRYPT);
  return want.length === got.length && timingSafeEqual(want, got);
}

// Templates ---------------------------------------------------------------------------------------

/** The data keyspaces a template covers: the tenant's own, never its console keyspace. */
export function dataKeyspaces(tenant: string, keyspaces: readonly string[]): string[] {
  const cks = tenantConsoleKeyspace(tenant);
  return [...keyspaces].filter((k) => k !== cks).sort();
}

/**
 * What a template gives a user. read-only → SELECT; read-write and application → SELECT, MODIFY
 * (application also EXECUTE on the functions of keyspaces that have some); admin → membership of
 * `tenant_<id>_admin` (which already reads the console keyspace). Only the tenant's own data
 * keyspaces: the console keyspace stays the admin role's. DC access is the tenant's for every
 * template (the application template is not given wider access: a service account of a tenant
 * lives inside the tenant's boundary like its people).
 */
export function templateGrants(tenant: string, template: UserTemplate, role: string, keyspaces: readonly string[], withFunctions: ReadonlySet<string> = new Set()): string[] {
  const r = newRole(role);
  if (template === 'admin') return [`GRANT ${newRole(tenantAdminRole(tenant))} TO ${r}`];
  const perms = template === 'read-only' ? ['SELECT'] : ['SELECT', 'MODIFY'];
  const out: string[] = [];
  for (const ks of dataKeyspaces(tenant, keyspaces)) {
    for (const p of perms) out.push(`GRANT ${p} ON KEYSPACE ${keyspace(ks)} TO ${r}`);
    if (template === 'application' && withFunctions.has(ks)) out.push(`GRANT EXECUTE ON ALL FUNCTIONS IN KEYSPACE ${keyspace(ks)} TO ${r}`);
  }
  return out;
}

/**
 * What the tenant's admin role may do to a user created by the console: Cassandra then enforces
 * that a tenant admin changes passwords, locks and drops its own tenant's users — and no other's.
 */
export function adminHoldsUser(tenant: string, role: string): string[] {
  return ['ALTER', 'DROP', 'DESCRIBE'].map((p) => `GRANT ${p} ON ROLE ${newRole(role)} TO ${newRole(tenantAdminRole(tenant))}`);
}

// Custom grants -----------------------------------------------------------------------------------

const SYSTEM_KEYSPACES = /^(system|system_auth|system_schema|system_distributed|system_traces|system_views|system_virtual_schema|csm_system|csm_shared_readonly)$/;

/**
 * The one fence for custom grants: a keyspace (or a table in one) that is in the tenant's registry
 * row and is not its console keyspace. Everything else — another tenant's keyspace, ALL KEYSPACES,
 * system keyspaces, roles, names that look like CQL — is refused here, naming why, before any
 * identifier is built.
 */
export function customGrantTarget(tenant: string, own: readonly string[], ks: string, tbl?: string): { resource: string; display: string } {
  const shown = JSON.stringify(ks.slice(0, 64));
  if (/^all\s+keyspaces$/i.test(ks.trim()) || /^all\s+roles$/i.test(ks.trim())) throw new AppError('FORBIDDEN', `${ks.trim().toUpperCase()}: a tenant user is only ever granted the tenant's own keyspaces`);
  if (!/^[a-z][a-z0-9_]{0,47}$/.test(ks)) throw new AppError('BAD_INPUT', `keyspace ${shown} is not a keyspace name (a lower-case letter, then lower-case letters, digits or _)`);
  if (SYSTEM_KEYSPACES.test(ks)) throw new AppError('FORBIDDEN', `keyspace ${ks} is a system keyspace: a tenant user is never granted it`);
  if (ks === tenantConsoleKeyspace(tenant)) throw new AppError('FORBIDDEN', `keyspace ${ks} is the tenant's console keyspace: only the console's roles hold it`);
  if (!own.includes(ks)) throw new AppError('FORBIDDEN', `keyspace ${ks} is not one of tenant ${tenant}'s keyspaces`);
  if (tbl === undefined) return { resource: `KEYSPACE ${keyspace(ks)}`, display: ks };
  if (!/^[a-z][a-z0-9_]{0,47}$/.test(tbl)) throw new AppError('BAD_INPUT', `table ${JSON.stringify(tbl.slice(0, 64))} is not a table name (a lower-case letter, then lower-case letters, digits or _)`);
  tableIdent(tbl);
  return { resource: `TABLE ${qualified(ks, tbl)}`, display: `${ks}.${tbl}` };
}

export function customGrantStatement(verb: 'GRANT' | 'REVOKE', permission: string, resource: string, role: string): string {
  if (!['SELECT', 'MODIFY', 'CREATE', 'ALTER', 'DROP', 'EXECUTE'].includes(permission)) throw new AppError('BAD_INPUT', `permission ${JSON.stringify(permission.slice(0, 20))} is not one a custom grant may give`);
  if (permission === 'EXECUTE' && resource.startsWith('TABLE ')) throw new AppError('BAD_INPUT', 'EXECUTE applies to a keyspace (its functions), not a table');
  const res = permission === 'EXECUTE' ? `ALL FUNCTIONS IN ${resource}` : resource;
  return `${verb} ${permission} ON ${res} ${verb === 'GRANT' ? 'TO' : 'FROM'} ${newRole(role)}`;
}

/** Cassandra's "Password for role X can only be changed every N ms" said plainly. */
export function throttleMessage(message: string): string | null {
  const m = /can only be changed every (\d+) ?ms/i.exec(message);
  return m ? `Cassandra lets a role change its password only once every ${Math.round(Number(m[1]) / 1000)} s (the node's setting); try again in a few seconds` : null;
}
