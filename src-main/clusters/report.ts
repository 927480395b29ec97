import type { ClusterTestReport } from '../../src-shared/contract';
import type { CqlClient } from '../cassandra/connections';

type Warning = ClusterTestReport['warnings'][number];

/** Short class name: `org.apache.cassandra.auth.PasswordAuthenticator` → `PasswordAuthenticator`. */
export function shortClass(v: string | null | undefined): string {
  if (!v) return 'unknown';
  const m = /class_name=([\w.$]+)/.exec(v) ?? /^([\w.$]+)/.exec(v.trim());
  const name = m?.[1] ?? v;
  return name.slice(name.lastIndexOf('.') + 1);
}

export interface ReportFacts {
  authenticator: string;
  authorizer: string;
  roleManager: string;
  networkAuthorizer: string;
  auditLogging: { enabled: boolean; logger: string } | null;
  defaultSuperuser: 'enabled' | 'disabled' | 'absent' | 'unknown';
  systemAuthReplication: Record<string, string>;
  nodesPerDc: Map<string, number>;
}

/** The warnings an administrator must see (issue 3). Pure, so each rule is unit-tested. */
export function securityWarnings(f: ReportFacts): Warning[] {
  const w: Warning[] = [];
  if (/AllowAll/i.test(f.authenticator)) {
    w.push({ code: 'ALLOW_ALL_AUTHENTICATOR', severity: 'critical', message: 'AllowAllAuthenticator is in force: anyone can connect without a password' });
  }
  if (/AllowAll/i.test(f.authorizer)) {
    w.push({ code: 'ALLOW_ALL_AUTHORIZER', severity: 'critical', message: 'AllowAllAuthorizer is in force: every role can read and change every keyspace — tenants are not isolated' });
  }
  if (/AllowAll/i.test(f.networkAuthorizer)) {
    w.push({ code: 'NO_NETWORK_AUTHORIZER', severity: 'warning', message: 'AllowAllNetworkAuthorizer: roles cannot be pinned to data centres (compliance boundaries unenforceable)' });
  }
  if (f.defaultSuperuser === 'enabled') {
    w.push({ code: 'DEFAULT_SUPERUSER', severity: 'critical', message: "the default superuser 'cassandra' can still log in: create your own superuser and run ALTER ROLE cassandra WITH LOGIN = false" });
  } else if (f.defaultSuperuser === 'unknown') {
    w.push({ code: 'DEFAULT_SUPERUSER_UNKNOWN', severity: 'info', message: "could not read system_auth.roles to check the default 'cassandra' superuser (needs superuser)" });
  }
  if (!f.auditLogging?.enabled) {
    w.push({ code: 'AUDIT_LOG_OFF', severity: 'warning', message: 'Cassandra audit logging is off: there is no server-side record of who did what' });
  }
  const cls = f.systemAuthReplication['class'] ?? '';
  for (const [dc, nodes] of f.nodesPerDc) {
    const rf = /SimpleStrategy/.test(cls) ? Number(f.systemAuthReplication['replication_factor'] ?? 1) : Number(f.systemAuthReplication[dc] ?? 0);
    const wanted = Math.min(3, nodes);
    if (rf < wanted) {
      w.push({
        code: 'SYSTEM_AUTH_RF_LOW',
        severity: rf === 0 ? 'critical' : 'warning',
        message: `system_auth has ${rf} replica(s) in ${dc} with ${nodes} node(s) there: losing one node can lock every role out; use NetworkTopologyStrategy with ${wanted}`,
      });
    }
  }
  return w;
}

async function settings(client: CqlClient, names: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  try {
    const rs = await client.execute('SELECT name, value FROM system_views.settings WHERE name IN ?', [names], { prepare: true });
    for (const r of rs.rows) out.set(String(r['name']), String(r['value'] ?? ''));
  } catch {
    // Virtual tables can be unreadable for a restricted role: the report then says "unknown".
  }
  return out;
}

export async function gatherReport(client: CqlClient, cluster: string, started: number): Promise<ClusterTestReport> {
  const local = (await client.execute('SELECT release_version, cluster_name, data_center, rack, broadcast_address FROM system.local')).first();
  const peers = await client.execute('SELECT peer, data_center, rack, release_version FROM system.peers_v2');
  const hostUp = new Map<string, boolean>();
  for (const h of client.hosts.values()) hostUp.set(h.address.split(':')[0]!.replace(/^\[|\]$/g, ''), h.isUp());
  const nodes: ClusterTestReport['nodes'] = [];
  const localAddr = String(local?.['broadcast_address'] ?? '');
  nodes.push({ address: localAddr, dc: String(local?.['data_center']), rack: String(local?.['rack']), up: true, releaseVersion: String(local?.['release_version']) });
  for (const p of peers.rows) {
    const addr = String(p['peer']);
    nodes.push({ address: addr, dc: String(p['data_center']), rack: String(p['rack']), up: hostUp.get(addr) ?? false, releaseVersion: String(p['release_version']) });
  }
  const perDc = new Map<string, { up: number; down: number }>();
  for (const n of nodes) {
    const e = perDc.get(n.dc) ?? { up: 0, down: 0 };
    if (n.up) e.up++;
    else e.down++;
    perDc.set(n.dc, e);
  }
  const s = await settings(client, [
    'authenticator',
    'authorizer',
    'role_manager',
    'network_authorizer',
    'audit_logging_options_enabled',
    'audit_logging_options_logger',
  ]);
  let defaultSuperuser: ReportFacts['defaultSuperuser'] = 'unknown';
  try {
    const r = (await client.execute("SELECT can_login FROM system_auth.roles WHERE role = 'cassandra'")).first();
    defaultSuperuser = r === null ? 'absent' : r['can_login'] ? 'enabled' : 'disabled';
  } catch {
    defaultSuperuser = 'unknown';
  }
  const ksRow = (await client.execute("SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = 'system_auth'")).first();
  const systemAuthReplication = Object.fromEntries(Object.entries((ksRow?.['replication'] ?? {}) as Record<string, string>).map(([k, v]) => [k, String(v)]));
  const auditEnabled = s.get('audit_logging_options_enabled');
  const facts: ReportFacts = {
    authenticator: shortClass(s.get('authenticator')),
    authorizer: shortClass(s.get('authorizer')),
    roleManager: shortClass(s.get('role_manager')),
    networkAuthorizer: shortClass(s.get('network_authorizer')),
    auditLogging: auditEnabled === undefined ? null : { enabled: auditEnabled === 'true', logger: shortClass(s.get('audit_logging_options_logger')) },
    defaultSuperuser,
    systemAuthReplication,
    nodesPerDc: new Map([...perDc].map(([dc, c]) => [dc, c.up + c.down])),
  };
  return {
    cluster,
    releaseVersion: String(local?.['release_version'] ?? 'unknown'),
    clusterName: String(local?.['cluster_name'] ?? 'unknown'),
    dataCenters: [...perDc].map(([name, c]) => ({ name, nodesUp: c.up, nodesDown: c.down })),
    nodes,
    authenticator: facts.authenticator,
    authorizer: facts.authorizer,
    roleManager: facts.roleManager,
    networkAuthorizer: facts.networkAuthorizer,
    auditLogging: facts.auditLogging,
    systemAuthReplication,
    warnings: securityWarnings(facts),
    latencyMs: Date.now() - started,
  };
}
