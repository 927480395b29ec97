import { existingRole, keyspace, qualified } from '../cassandra/identifiers';

/**
 * Resources as system_auth.role_permissions names them (`data`, `data/ks`, `data/ks/t`, `roles`,
 * `roles/r`, `functions…`, `mbean…`), parsed once so the analysis can ask who owns them and the
 * fix can name them in GRANT/REVOKE syntax.
 */
export type Resource =
  | { kind: 'all-keyspaces' }
  | { kind: 'keyspace'; ks: string }
  | { kind: 'table'; ks: string; table: string }
  | { kind: 'all-roles' }
  | { kind: 'role'; role: string }
  | { kind: 'all-functions' }
  | { kind: 'functions-in'; ks: string }
  | { kind: 'function'; ks: string; name: string }
  | { kind: 'all-mbeans' }
  | { kind: 'mbean'; name: string }
  | { kind: 'other'; raw: string };

export function parseResource(raw: string): Resource {
  const parts = raw.split('/');
  const [root, a, b] = parts;
  switch (root) {
    case 'data':
      if (a === undefined) return { kind: 'all-keyspaces' };
      if (b === undefined) return { kind: 'keyspace', ks: a };
      return { kind: 'table', ks: a, table: parts.slice(2).join('/') };
    case 'roles':
      return a === undefined ? { kind: 'all-roles' } : { kind: 'role', role: parts.slice(1).join('/') };
    case 'functions':
      if (a === undefined) return { kind: 'all-functions' };
      if (b === undefined) return { kind: 'functions-in', ks: a };
      return { kind: 'function', ks: a, name: parts.slice(2).join('/') };
    case 'mbean':
      return a === undefined ? { kind: 'all-mbeans' } : { kind: 'mbean', name: parts.slice(1).join('/') };
    default:
      return { kind: 'other', raw };
  }
}

/** Human form, as cqlsh would print it in a GRANT. */
export function describeResource(r: Resource): string {
  switch (r.kind) {
    case 'all-keyspaces':
      return 'ALL KEYSPACES';
    case 'keyspace':
      return `KEYSPACE ${r.ks}`;
    case 'table':
      return `TABLE ${r.ks}.${r.table}`;
    case 'all-roles':
      return 'ALL ROLES';
    case 'role':
      return `ROLE ${r.role}`;
    case 'all-functions':
      return 'ALL FUNCTIONS';
    case 'functions-in':
      return `ALL FUNCTIONS IN KEYSPACE ${r.ks}`;
    case 'function':
      return `FUNCTION ${r.ks}.${r.name}`;
    case 'all-mbeans':
      return 'ALL MBEANS';
    case 'mbean':
      return `MBEAN ${r.name}`;
    case 'other':
      return r.raw;
  }
}

/** The keyspace a resource lives in, if any. */
export function keyspaceOf(r: Resource): string | null {
  return r.kind === 'keyspace' || r.kind === 'table' || r.kind === 'functions-in' || r.kind === 'function' ? r.ks : null;
}

/**
 * GRANT/REVOKE form through the identifier module; null where the console cannot name the
 * resource exactly (a single function's signature, an MBean pattern, a quoted mixed-case name):
 * such a finding is reported with a manual-fix note instead of a statement that might miss.
 */
export function resourceCql(r: Resource): string | null {
  try {
    switch (r.kind) {
      case 'all-keyspaces':
        return 'ALL KEYSPACES';
      case 'keyspace':
        return `KEYSPACE ${keyspace(r.ks)}`;
      case 'table':
        return `TABLE ${qualified(r.ks, r.table)}`;
      case 'all-roles':
        return 'ALL ROLES';
      case 'role':
        return `ROLE ${existingRole(r.role)}`;
      case 'all-functions':
        return 'ALL FUNCTIONS';
      case 'functions-in':
        return `ALL FUNCTIONS IN KEYSPACE ${keyspace(r.ks)}`;
      case 'all-mbeans':
        return 'ALL MBEANS';
      default:
        return null;
    }
  } catch {
    return null;
  }
}

/** Permission names Cassandra 5.0 accepts in GRANT/REVOKE; anything else is never spliced into a statement. */
export const CQL_PERMISSIONS = new Set(['ALTER', 'AUTHORIZE', 'CREATE', 'DROP', 'MODIFY', 'SELECT', 'DESCRIBE', 'EXECUTE', 'UNMASK', 'SELECT_MASKED']);

/** `REVOKE p ON resource FROM role` for each permission, or null when one of them cannot be named exactly. */
export function revokePermissions(role: string, r: Resource, permissions: readonly string[]): string[] | null {
  const clause = resourceCql(r);
  if (clause === null) return null;
  let who: string;
  try {
    who = existingRole(role);
  } catch {
    return null;
  }
  if (permissions.some((p) => !CQL_PERMISSIONS.has(p))) return null;
  return [...permissions].sort().map((p) => `REVOKE ${p} ON ${clause} FROM ${who}`);
}
