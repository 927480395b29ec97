import { createHash } from 'node:crypto';
import { dcLiteral, existingRole, keyspace } from '../cassandra/identifiers';
import type { BoundaryEntry, Drift, DriftKind } from '../../src-shared/contract/compliance';

/**
 * Drift analysis (issue 6 item 3): what Cassandra says a tenant's keyspaces replicate to and its
 * roles may sign in from, compared with the compliance boundary and with what the registry
 * recorded at provisioning. Pure: the reader supplies the snapshot, tests build synthetic ones.
 */

export interface KeyspaceReplication {
  name: string;
  /** Short class name: NetworkTopologyStrategy, SimpleStrategy, LocalStrategy … */
  strategy: string;
  /** NTS: replicas per DC (0 entries dropped); other strategies: {} and `rf`. */
  dcs: Record<string, number>;
  rf: number;
}

export interface RoleAccess {
  name: string;
  login: boolean;
  /** null = every DC (no network_permissions row, or ALL). */
  dcs: string[] | null;
}

export interface TenantSnapshot {
  tenant: string;
  registryDcs: string[];
  boundary: BoundaryEntry[] | null;
  keyspaces: KeyspaceReplication[];
  /** null when this session cannot read system_auth. */
  roles: RoleAccess[] | null;
  /** Nodes per DC of the cluster (caps a restored replication factor). */
  clusterDcs: Record<string, number>;
}

export const driftId = (tenant: string, kind: DriftKind, subject: string): string => createHash('sha256').update(`${tenant}\u0000${kind}\u0000${subject}`).digest('hex').slice(0, 16);

/** The DCs a tenant's data and roles may use: boundary ∩ registry, or whichever of the two exists. */
export function allowedDcs(s: Pick<TenantSnapshot, 'boundary' | 'registryDcs'>): string[] {
  const b = s.boundary?.map((x) => x.dc) ?? null;
  if (b === null) return [...s.registryDcs].sort();
  const both = s.registryDcs.filter((d) => b.includes(d));
  return (both.length ? both : b).sort();
}

/** Parse system_schema.keyspaces.replication ({class: '…NetworkTopologyStrategy', dc1: '3'}). */
export function parseReplication(name: string, repl: Record<string, string>): KeyspaceReplication {
  const cls = String(repl['class'] ?? '').replace(/^.*\./, '');
  const dcs: Record<string, number> = {};
  let rf = 0;
  for (const [k, v] of Object.entries(repl)) {
    if (k === 'class') continue;
    const n = Number.parseInt(String(v), 10);
    if (k === 'replication_factor') rf = Number.isFinite(n) ? n : 0;
    else if (cls === 'NetworkTopologyStrategy' && Number.isFinite(n) && n > 0) dcs[k] = n;
  }
  if (cls === 'NetworkTopologyStrategy') rf = Math.max(0, ...Object.values(dcs));
  return { name, strategy: cls, dcs, rf };
}

const list = (xs: readonly string[]): string => (xs.length ? xs.join(', ') : '(none)');

/** `ALTER KEYSPACE … NTS` keeping each kept DC's replication factor; DCs added get the old maximum, capped by their nodes. */
export function replicationFix(ks: KeyspaceReplication, allowed: string[], clusterDcs: Record<string, number>): string[] {
  const kept = allowed.filter((d) => (ks.dcs[d] ?? 0) > 0);
  const target = kept.length ? kept : allowed;
  const rf = Math.max(1, ks.rf);
  const parts = target.map((d) => `${dcLiteral(d)}: ${ks.dcs[d] ?? Math.max(1, Math.min(rf, clusterDcs[d] ?? 1))}`);
  return [`ALTER KEYSPACE ${keyspace(ks.name)} WITH replication = {'class': 'NetworkTopologyStrategy', ${parts.join(', ')}}`];
}

export function roleFix(role: string, allowed: string[]): string[] {
  return [`ALTER ROLE ${existingRole(role)} WITH ACCESS TO DATACENTERS {${allowed.map(dcLiteral).join(', ')}}`];
}

export function analyzeDrift(s: TenantSnapshot): Drift[] {
  const out: Drift[] = [];
  const allowed = allowedDcs(s);
  if (allowed.length === 0) return out; // nothing recorded and no boundary: nothing to compare with
  const boundary = s.boundary?.map((b) => b.dc) ?? null;
  const regionOf = new Map((s.boundary ?? []).map((b) => [b.dc, b.region]));
  const shown = (dcs: readonly string[]): string => list(dcs.map((d) => (regionOf.has(d) ? `${d} (${regionOf.get(d)})` : d)));
  const basis = [boundary ? `boundary: ${shown(boundary)}` : 'no boundary set', `registry: ${list(s.registryDcs)}`];
  const missing = allowed.filter((d) => s.clusterDcs[d] === undefined);
  const note = missing.length ? `data centre ${missing.join(', ')} has no live node this console sees: check the statement before running it` : null;
  const add = (kind: DriftKind, severity: Drift['severity'], subject: string, title: string, evidence: string[], actual: string[] | null, fix: string[]): void => {
    out.push({ id: driftId(s.tenant, kind, subject), kind, severity, subject, title, evidence: [...evidence, ...basis], allowed, actual, fix, fixNote: note });
  };

  for (const ks of s.keyspaces) {
    const dcs = Object.keys(ks.dcs).sort();
    if (ks.strategy !== 'NetworkTopologyStrategy') {
      add('replication-strategy', boundary ? 'critical' : 'warning', ks.name, `keyspace ${ks.name} uses ${ks.strategy || 'an unknown strategy'} (replication factor ${ks.rf}), which places replicas in any data centre`, [`system_schema.keyspaces: ${ks.name} class ${ks.strategy}, replication_factor ${ks.rf}`], null, replicationFix(ks, allowed, s.clusterDcs));
      continue;
    }
    const outside = boundary ? dcs.filter((d) => !boundary.includes(d)) : [];
    if (outside.length) {
      add('replication-outside-boundary', 'critical', ks.name, `keyspace ${ks.name} replicates to ${list(outside)}, outside the compliance boundary`, [`system_schema.keyspaces: ${ks.name} → ${dcs.map((d) => `${d}: ${ks.dcs[d]}`).join(', ')}`], dcs, replicationFix(ks, allowed, s.clusterDcs));
      continue;
    }
    const unregistered = s.registryDcs.length ? dcs.filter((d) => !s.registryDcs.includes(d)) : [];
    if (unregistered.length) {
      add('replication-not-registered', 'warning', ks.name, `keyspace ${ks.name} replicates to ${list(unregistered)}, which the tenant registry does not record`, [`system_schema.keyspaces: ${ks.name} → ${dcs.map((d) => `${d}: ${ks.dcs[d]}`).join(', ')}`], dcs, replicationFix(ks, allowed, s.clusterDcs));
    }
  }

  for (const r of s.roles ?? []) {
    const what = r.login ? 'LOGIN role' : 'role';
    const sev = r.login ? 'critical' : 'warning';
    if (r.dcs === null) {
      const ev = [`system_auth.network_permissions: no restriction for roles/${r.name} (ACCESS TO ALL DATACENTERS)`, `system_auth.roles: ${r.name} can_login = ${r.login}`];
      if (r.login) add('login-without-dc-restriction', 'critical', r.name, `${what} ${r.name} may sign in through every data centre`, ev, null, roleFix(r.name, allowed));
      else add(boundary ? 'dc-access-outside-boundary' : 'dc-access-not-registered', 'warning', r.name, `${what} ${r.name} has access to every data centre`, ev, null, roleFix(r.name, allowed));
      continue;
    }
    const dcs = [...r.dcs].sort();
    const ev = [`system_auth.network_permissions: roles/${r.name} → ${list(dcs)}`, `system_auth.roles: ${r.name} can_login = ${r.login}`];
    const outside = boundary ? dcs.filter((d) => !boundary.includes(d)) : [];
    if (outside.length) {
      add('dc-access-outside-boundary', sev, r.name, `${what} ${r.name} may sign in through ${list(outside)}, outside the compliance boundary`, ev, dcs, roleFix(r.name, allowed));
      continue;
    }
    const unregistered = s.registryDcs.length ? dcs.filter((d) => !s.registryDcs.includes(d)) : [];
    if (unregistered.length) add('dc-access-not-registered', 'warning', r.name, `${what} ${r.name} may sign in through ${list(unregistered)}, which the tenant registry does not record`, ev, dcs, roleFix(r.name, allowed));
  }
  return out.sort((a, b) => (a.severity === b.severity ? a.subject.localeCompare(b.subject) : a.severity === 'critical' ? -1 : 1));
}

/** What lies outside a proposed boundary right now (compliance.set refuses with this list). */
export function outsideBoundary(s: Omit<TenantSnapshot, 'boundary'>, dcs: readonly string[]): string[] {
  const out: string[] = [];
  const reg = s.registryDcs.filter((d) => !dcs.includes(d));
  if (reg.length) out.push(`the registry places the tenant in ${reg.join(', ')}`);
  for (const ks of s.keyspaces) {
    if (ks.strategy !== 'NetworkTopologyStrategy') out.push(`keyspace ${ks.name} uses ${ks.strategy} (any DC)`);
    else {
      const o = Object.keys(ks.dcs).filter((d) => !dcs.includes(d));
      if (o.length) out.push(`keyspace ${ks.name} replicates to ${o.join(', ')}`);
    }
  }
  for (const r of s.roles ?? []) {
    if (r.dcs === null) out.push(`role ${r.name} has access to all data centres`);
    else {
      const o = r.dcs.filter((d) => !dcs.includes(d));
      if (o.length) out.push(`role ${r.name} has access to ${o.join(', ')}`);
    }
  }
  return out;
}
