import { streamOf, type StreamId } from '../types';
import type { AuditFields } from './parse';

/**
 * Which streams a Cassandra audit event belongs to (issue 9, item 2).
 *
 * - The event's keyspace — the `ks` field, the keyspace inside a `data/<ks>[/<table>]` resource
 *   (GRANT/REVOKE log `ks:data|scope:data/<ks>`), or the resource an UNAUTHORIZED_ATTEMPT /
 *   REQUEST_FAILURE names in its error (`<table ks.t>`, `<keyspace ks>`, `<all tables in ks>`)
 *   — and a target role (`roles/<name>`, `<role name>`) are the TARGET. The user (or, for a
 *   failed login, the user name it tried) is the ACTOR.
 * - A name `tenant_<id>_…` belongs to tenant `<id>` when `<id>` is a tenant the cluster's
 *   registry holds in a state that has a stream (active, suspended): the event goes to
 *   `tenant:<id>`. Ids may contain `_`, so the longest registered id that prefixes the name wins.
 * - A `tenant_…` name that names no such tenant goes to the platform stream and is flagged
 *   (`unknownTenantNames`), so a stray or deleted tenant's activity is visible, not lost.
 * - An actor of tenant A touching a target of tenant B is CROSS-TENANT: the event goes to B's
 *   stream (the victim's auditors see it), A's stream (the actor's auditors see what their user
 *   did) and the platform stream; the ingester raises an alert for it. An operator's statement
 *   naming two tenants' objects (a GRANT of A's keyspace to B's role) goes to both and platform.
 * - Everything else (superuser, operators, system keyspaces) → platform. Operation text is not
 *   scanned for tenant names: a platform statement listing several tenants must not leak one
 *   tenant's names into another's stream.
 */

export interface TenantDirectory {
  /** Registered tenant ids with a stream. */
  ids: ReadonlySet<string>;
}

export const directoryOf = (ids: Iterable<string>): TenantDirectory => ({ ids: new Set(ids) });

/** The tenant a `tenant_<id>_…` name belongs to: a registered id, `unknown`, or null (not a tenant name). */
export function tenantOfName(dir: TenantDirectory, name: string | null): { tenant: string } | { unknown: string } | null {
  if (!name) return null;
  const n = name.charCodeAt(0) === 34 /* " */ ? name.replace(/^"|"$/g, '') : name;
  if (!n.startsWith('tenant_')) return null;
  // the longest registered id followed by `_` and at least one more character
  let found: string | null = null;
  for (let i = n.indexOf('_', 7); i > 7 && i < n.length - 1; i = n.indexOf('_', i + 1)) {
    const id = n.slice(7, i);
    if (dir.ids.has(id)) found = id;
  }
  return found ? { tenant: found } : { unknown: n };
}

export interface Attribution {
  streams: StreamId[];
  actorTenant: string | null;
  targetTenants: string[];
  crossTenant: boolean;
  /** Keyspaces and roles the event names (what attribution looked at). */
  keyspace: string | null;
  targetRole: string | null;
  unknownTenantNames: string[];
}

/** GRANT/REVOKE/LIST log the resource in ks/scope: `data/<ks>[/<table>]`, `roles/<name>`, `functions/…`, `mbean…`. */
const RESOURCE = /^(?:data|roles|functions|mbean)(?:\/|$)/;

/** The keyspace and role an event targets, from its fields and (failures) its error's resource. */
export function targetsOf(f: AuditFields): { keyspaces: string[]; role: string | null } {
  const keyspaces: string[] = [];
  let role: string | null = null;
  const resource = (r: string | null): void => {
    if (!r) return;
    const d = /^data\/([^/]+)/.exec(r);
    if (d) keyspaces.push(d[1]!);
    const ro = /^roles\/(.+)$/.exec(r);
    if (ro) role = ro[1]!;
  };
  if (f.ks && !RESOURCE.test(f.ks)) keyspaces.push(f.ks);
  else resource(f.ks);
  resource(f.scope);
  if (f.error) {
    const m = /<(table|keyspace|all tables in|role|function|all functions in) ([^>]+)>/.exec(f.error);
    if (m) {
      const what = m[1]!;
      const name = m[2]!.trim();
      if (what === 'role') role = name;
      else if (what === 'table' || what === 'function') keyspaces.push(name.split('.')[0]!);
      else keyspaces.push(name);
    }
  }
  return { keyspaces: [...new Set(keyspaces)], role };
}

export function attribute(dir: TenantDirectory, f: AuditFields): Attribution {
  const unknown: string[] = [];
  const of = (name: string | null): string | null => {
    const t = tenantOfName(dir, name);
    if (t === null) return null;
    if ('unknown' in t) {
      if (!unknown.includes(t.unknown)) unknown.push(t.unknown);
      return null;
    }
    return t.tenant;
  };
  const actorTenant = of(f.user ?? f.attemptedUser);
  const { keyspaces, role } = targetsOf(f);
  const targetTenants: string[] = [];
  for (const ks of keyspaces) {
    const t = of(ks);
    if (t && !targetTenants.includes(t)) targetTenants.push(t);
  }
  const roleTenant = of(role);
  if (roleTenant && !targetTenants.includes(roleTenant)) targetTenants.push(roleTenant);
  let crossTenant = false;
  const streams: StreamId[] = [];
  for (const t of targetTenants) {
    if (actorTenant !== null && t !== actorTenant) crossTenant = true;
    streams.push(streamOf(t));
  }
  if (actorTenant !== null && !targetTenants.includes(actorTenant)) streams.push(streamOf(actorTenant));
  if (streams.length === 0 || crossTenant || targetTenants.length > 1 || unknown.length > 0) streams.push('platform');
  return { streams, actorTenant, targetTenants, crossTenant, keyspace: keyspaces[0] ?? null, targetRole: role, unknownTenantNames: unknown };
}
