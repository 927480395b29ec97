import { AppError } from '../../app/errors';
import { command, list, need, str, table, tlsFrom, type Command, type OptionSpec } from './util';

/** The connection options `cluster add` and `cluster update` share. */
const PROFILE_OPTIONS: OptionSpec = {
  'contact-point': { type: 'string', multiple: true },
  dc: { type: 'string' },
  username: { type: 'string' },
  'password-stdin': { type: 'boolean' },
  'ca-file': { type: 'string' },
  'cert-file': { type: 'string' },
  'key-file': { type: 'string' },
};

export const CORE_COMMANDS: Command[] = [
  command({
    words: ['info'],
    usage: 'csm info [--json]',
    options: {},
    positionals: [],
    channel: 'app.info',
    input: async () => ({}),
    text: (v) =>
      [`Cassandra Security Manager ${v.version}`, `data dir: ${v.dataDir}`, `secrets: ${v.secretBackend}`, `local schema: v${v.schemaVersion}`, ...v.notices.map((n) => `${n.level}: ${n.message}`)].join('\n'),
  }),
  command({
    words: ['cluster', 'list'],
    usage: 'csm cluster list [--json]',
    options: {},
    positionals: [],
    channel: 'cluster.list',
    input: async () => ({}),
    text: (v) =>
      v.length === 0
        ? 'no clusters registered (csm cluster add … or csm cluster sandbox)'
        : table([
            ['NAME', 'CONTACT POINTS', 'DC', 'USER', 'TLS', 'PASSWORD'],
            ...v.map((p) => [p.name + (p.sandbox ? ' (sandbox)' : ''), p.contactPoints.join(','), p.localDc, p.username, p.tls ? 'yes' : 'no', p.passwordStored ? 'stored' : 'missing']),
          ]),
  }),
  command({
    words: ['cluster', 'add'],
    usage: 'csm cluster add NAME --contact-point HOST:PORT [--contact-point …] --dc DC --username U --password-stdin [--ca-file F [--cert-file F --key-file F]] [--json]',
    options: PROFILE_OPTIONS,
    positionals: ['name'],
    channel: 'cluster.add',
    input: async (v, p, io) => {
      const contactPoints = list(v, 'contact-point');
      if (contactPoints.length === 0) throw new AppError('BAD_INPUT', '--contact-point HOST:PORT is required');
      const localDc = need(v, 'dc');
      const username = need(v, 'username');
      const tls = tlsFrom(v);
      const password = await io.secret(`password for ${username}`, v['password-stdin'] === true);
      return { name: p.name!, contactPoints, localDc, username, password, ...(tls ? { tls } : {}) };
    },
    text: (p) => `registered ${p.name} (${p.contactPoints.join(', ')}); password ${p.passwordStored ? 'stored in the secret store' : 'NOT stored'}`,
  }),
  command({
    words: ['cluster', 'update'],
    usage: 'csm cluster update NAME [--contact-point HOST:PORT …] [--dc DC] [--username U] [--password-stdin] [--ca-file F …] [--json]',
    options: { ...PROFILE_OPTIONS, 'no-tls': { type: 'boolean' } },
    positionals: ['name'],
    channel: 'cluster.update',
    input: async (v, p, io) => {
      const contactPoints = list(v, 'contact-point');
      const tls = v['no-tls'] === true ? null : tlsFrom(v);
      const localDc = str(v, 'dc');
      const username = str(v, 'username');
      const password = v['password-stdin'] === true ? await io.secret('new password', true) : undefined;
      return {
        name: p.name!,
        ...(contactPoints.length ? { contactPoints } : {}),
        ...(localDc !== undefined ? { localDc } : {}),
        ...(username !== undefined ? { username } : {}),
        ...(password !== undefined ? { password } : {}),
        ...(tls !== undefined ? { tls } : {}),
      };
    },
    text: (p) => `updated ${p.name}`,
  }),
  command({
    words: ['cluster', 'remove'],
    usage: 'csm cluster remove NAME [--json]',
    options: {},
    positionals: ['name'],
    channel: 'cluster.remove',
    input: async (_v, p) => ({ name: p.name! }),
    text: (r) => (r.removed ? 'removed (profile and stored password)' : 'nothing to remove'),
  }),
  command({
    words: ['cluster', 'test'],
    usage: 'csm cluster test NAME [--json]',
    options: {},
    positionals: ['name'],
    channel: 'cluster.test',
    input: async (_v, p) => ({ name: p.name! }),
    text: (r) =>
      [
        `Cassandra ${r.releaseVersion} · cluster "${r.clusterName}" · ${r.latencyMs} ms`,
        `data centres: ${r.dataCenters.map((d) => `${d.name} (${d.nodesUp} up, ${d.nodesDown} down)`).join(', ')}`,
        `authenticator: ${r.authenticator} · authorizer: ${r.authorizer} · role manager: ${r.roleManager} · network authorizer: ${r.networkAuthorizer}`,
        `audit logging: ${r.auditLogging ? (r.auditLogging.enabled ? `on (${r.auditLogging.logger})` : 'off') : 'unknown'}`,
        `system_auth replication: ${Object.entries(r.systemAuthReplication).map(([k, v]) => `${k}=${v}`).join(', ')}`,
        ...(r.warnings.length ? r.warnings.map((w) => `${w.severity.toUpperCase()} ${w.code}: ${w.message}`) : ['no warnings']),
      ].join('\n'),
  }),
  command({
    words: ['cluster', 'sandbox'],
    usage: 'csm cluster sandbox [--json]   (start the local sandbox node and register it as "sandbox")',
    options: {},
    positionals: [],
    channel: 'cluster.sandboxStart',
    input: async () => ({}),
    text: (p) => `sandbox node running at ${p.contactPoints.join(', ')} and registered as "${p.name}" — a local test node, not for production`,
  }),
  command({
    words: ['cluster', 'sandbox-status'],
    usage: 'csm cluster sandbox-status [--json]   (can the local sandbox node start, is it running, is it registered)',
    options: {},
    positionals: [],
    channel: 'cluster.sandboxStatus',
    input: async () => ({}),
    text: (s) =>
      [
        s.available ? `sandbox node: ${s.running ? `running${s.contactPoint ? ` at ${s.contactPoint}` : ''}` : 'not running'}` : `sandbox node: not available${s.reason ? ` (${s.reason})` : ''}`,
        `registered as "sandbox": ${s.registered ? 'yes' : 'no'}`,
        ...(s.available && !(s.running && s.registered) ? ['start and register it with: csm cluster sandbox'] : []),
      ].join('\n'),
  }),
  command({
    words: ['signout'],
    usage: 'csm signout --cluster NAME [--json]',
    options: { cluster: { type: 'string' } },
    positionals: [],
    channel: 'session.signOut',
    input: async (v) => ({ cluster: need(v, 'cluster') }),
    // A csm run signs in for itself and its sessions end with it, so there is rarely anything open.
    text: (r) =>
      r.signedOut
        ? 'signed out; the sessions of the cluster are closed'
        : 'nothing to sign out in this run: each csm command signs in with the stored credentials and closes its sessions when it ends (the desktop app and csm serve keep their own sessions; sign out there)',
  }),
  command({
    words: ['whoami'],
    usage: 'csm whoami --cluster NAME [--json]',
    options: { cluster: { type: 'string' } },
    positionals: [],
    channel: 'session.whoami',
    input: async (v) => ({ cluster: need(v, 'cluster') }),
    text: (s) =>
      [
        `role: ${s.role}${s.superuser ? ' (superuser)' : ''} on ${s.cluster}`,
        `scope: ${s.platform ? 'platform' : s.tenantAdmin.length ? `tenant admin of ${s.tenantAdmin.join(', ')}` : s.auditor === 'all' || s.auditor.length ? 'auditor' : 'none'}`,
        `auditor: ${s.auditor === 'all' ? 'all tenants' : s.auditor.join(', ') || 'no'}`,
        `tenants in scope: ${s.tenants.join(', ') || 'none'}`,
      ].join('\n'),
  }),
  command({
    words: ['jobs', 'list'],
    usage: 'csm jobs list [--json]',
    options: {},
    positionals: [],
    channel: 'jobs.list',
    input: async () => ({}),
    text: (jobs) => (jobs.length ? table([['ID', 'KIND', 'STATE', 'STEP', 'STARTED'], ...jobs.map((j) => [j.id.slice(0, 8), j.kind, j.state, j.step, j.startedAt])]) : 'no jobs'),
  }),
  command({
    words: ['jobs', 'cancel'],
    usage: 'csm jobs cancel JOB_ID [--json]   (the full id, as in csm jobs list --json)',
    options: {},
    positionals: ['jobId'],
    channel: 'jobs.cancel',
    input: async (_v, p) => ({ jobId: p.jobId! }),
    text: (r) =>
      r.cancelled
        ? 'cancel requested: the job stops at its next safe point'
        : 'nothing cancelled: no job with that id is running in this csm process. A csm run only sees the jobs it started itself; cancel the job in the console that runs it (the desktop app or csm serve).',
  }),
];

