import { z } from 'zod';

/**
 * Naming rules shared by the UI (form validation) and main (which also quotes, in
 * src-main/cassandra/identifiers.ts). Pure: no Node, no driver.
 */

/** DESIGN §4: tenant id. 30 characters leave 10 for a keyspace suffix under Cassandra's 48. */
export const TENANT_ID_PATTERN = /^[a-z][a-z0-9_]{1,29}$/;
/** Cassandra's own limit for keyspace and table names. */
export const CQL_NAME_MAX = 48;
/** Unquoted-safe CQL identifier we allow for keyspaces/tables we create. */
export const CQL_NAME_PATTERN = /^[a-z][a-z0-9_]{0,47}$/;
/**
 * Roles we read back from Cassandra may have been made by others (e.g. `cassandra`,
 * `Admin.Ops`). What an operator may *type* as a sign-in role is printable ASCII without
 * quotes or control characters; it is still bound or quoted by the identifier module.
 */
export const ROLE_INPUT_PATTERN = /^[A-Za-z0-9_.@-]{1,128}$/;
export const CLUSTER_NAME_PATTERN = /^[a-z][a-z0-9-]{0,39}$/;
export const DC_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export const tenantIdSchema = z
  .string()
  .regex(TENANT_ID_PATTERN, 'tenant id: a lower-case letter, then 1–29 lower-case letters, digits or _')
  // `_u_` marks user roles (tenant_<id>_u_<user>); an id containing it would make names ambiguous.
  .refine((id) => !id.includes('_u_') && !id.endsWith('_u'), 'tenant id: must not contain "_u_" (reserved for user roles)');
export const clusterNameSchema = z
  .string()
  .regex(CLUSTER_NAME_PATTERN, 'cluster name: a lower-case letter, then up to 39 lower-case letters, digits or -');
export const roleNameInputSchema = z
  .string()
  .regex(ROLE_INPUT_PATTERN, 'role name: 1–128 characters from A–Z a–z 0–9 _ . @ -');
export const dcNameSchema = z
  .string()
  .regex(DC_NAME_PATTERN, 'data centre: letters, digits, _ . - (up to 64), starting with a letter or digit');

/** `host:port` or `[v6]:port`; host is a DNS name or IP literal. Port defaults are not guessed. */
export const hostPortSchema = z
  .string()
  .max(261)
  .refine((s) => parseHostPort(s) !== null, 'contact point: HOST:PORT, e.g. 127.0.0.1:9042');

export function parseHostPort(s: string): { host: string; port: number } | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]{1,253})):(\d{1,5})$/.exec(s);
  if (!m) return null;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return null;
  const host = m[1] ?? m[2];
  if (host === undefined || host.startsWith('-') || host.startsWith('.')) return null;
  return { host, port };
}

/** Role names that mark operator scope (DESIGN §2). */
export const PLATFORM_ADMIN_ROLE = 'csm_platform_admin';
export const PLATFORM_AUDITOR_ROLE = 'csm_auditor';
export const tenantAdminRole = (id: string): string => `tenant_${id}_admin`;
export const tenantAuditorRole = (id: string): string => `tenant_${id}_auditor`;
