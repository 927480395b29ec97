import { readFile } from 'node:fs/promises';
import type { Saga, TenantSummary } from '../../../src-shared/contract/tenants';
import { AppError } from '../../app/errors';
import { command, list, need, str, table, type CallFn, type Command } from './util';

const sagaText = (s: Saga): string =>
  [
    `${s.kind} of tenant ${s.tenantId} on ${s.cluster}: ${s.state.replace('_', ' ')} (job ${s.jobId})`,
    ...s.steps.map((st) => `  [${st.state}] ${st.label}${st.message ? ` — ${st.message}` : ''}`),
    ...(s.error ? [`error: ${s.error}`, `resume: csm tenant resume-job ${s.jobId} --cluster ${s.cluster}${s.needsAdminPassword ? ' --admin-password-stdin' : ''}   roll back: csm tenant rollback-job ${s.jobId} --cluster ${s.cluster}`] : []),
  ].join('\n');

const finishedSaga = async (cluster: string, jobId: string, call: CallFn): Promise<Saga> => {
  const jobs = await call('tenant.jobs', { cluster });
  const s = jobs.find((j) => j.jobId === jobId);
  if (!s) throw new AppError('NOT_FOUND', `job ${jobId} is not recorded on ${cluster}`);
  return s;
};

const summaryLine = (t: TenantSummary): string => `${t.id} (${t.name}) on ${t.cluster}: ${t.state}`;

const tenantRef = { cluster: { type: 'string' as const } };

/** `csm tenant …` (issue 5): every command waits for its saga, printing each step on stderr. */
export const TENANT_COMMANDS: Command[] = [
  command({
    words: ['tenant', 'list'],
    usage: 'csm tenant list [--refresh] [--json]',
    options: { refresh: { type: 'boolean' } },
    positionals: [],
    channel: 'tenant.list',
    signInAll: true,
    input: async (v) => ({ refresh: v['refresh'] === true }),
    text: (rows) =>
      rows.length === 0
        ? 'no tenants (csm tenant create …)'
        : table([['ID', 'NAME', 'CLUSTER', 'STATE', 'TIER', 'ISOLATION', 'DCS', 'CACHED'], ...rows.map((t) => [t.id, t.name, t.cluster, t.state, t.tier, t.isolation, t.dataCenters.join(','), t.online ? '' : `offline, ${t.syncedAt}`])]),
  }),
  command({
    words: ['tenant', 'show'],
    usage: 'csm tenant show ID --cluster C [--json]',
    options: tenantRef,
    positionals: ['id'],
    channel: 'tenant.show',
    input: async (v, p) => ({ cluster: need(v, 'cluster'), tenant: p.id! }),
    text: (d) =>
      [
        `${d.tenant.name} (${d.tenant.id}) — ${d.tenant.state}${d.suspendedAt ? ` since ${d.suspendedAt}` : ''}`,
        `cluster ${d.tenant.cluster} · ${d.tenant.isolation} isolation · DCs ${d.tenant.dataCenters.join(', ')} · tier ${d.tenant.tier} · template ${d.tenant.template}`,
        'keyspaces:',
        ...d.keyspaces.map((k) => `  ${k.name}: ${k.tables.join(', ') || 'no tables'}`),
        ...(d.roles.length ? ['roles:', ...d.roles.map((r) => `  ${r.name} (${r.kind}${r.login ? ', login' : ''}${r.memberOf.length ? `, member of ${r.memberOf.join(', ')}` : ''}; DCs ${r.dataCenters})`)] : []),
        ...(Object.keys(d.config).length ? ['config:', ...Object.entries(d.config).map(([k, v]) => `  ${k} = ${v}`)] : []),
        ...(d.jobs.length ? ['jobs:', ...d.jobs.map((j) => `  ${j.jobId} ${j.kind} ${j.state} ${j.startedAt}`)] : []),
      ].join('\n'),
  }),
  command({
    words: ['tenant', 'config'],
    usage: 'csm tenant config ID --cluster C [--json]',
    options: tenantRef,
    positionals: ['id'],
    channel: 'tenant.config',
    input: async (v, p) => ({ cluster: need(v, 'cluster'), tenant: p.id! }),
    text: (rows) => (rows.length ? table([['KEY', 'VALUE', 'VERSION'], ...rows.map((r) => [r.key, r.value, String(r.version)])]) : 'no configuration'),
  }),
  command({
    words: ['tenant', 'create'],
    usage: 'csm tenant create --id ID --name "…" [--cluster C] [--template T] [--tier T] [--isolation keyspace|cluster] [--dc DC …] [--color #rrggbb] --admin-user U --admin-password-stdin [--json]',
    options: {
      cluster: { type: 'string' },
      id: { type: 'string' },
      name: { type: 'string' },
      template: { type: 'string' },
      tier: { type: 'string' },
      isolation: { type: 'string' },
      dc: { type: 'string', multiple: true },
      color: { type: 'string' },
      'admin-user': { type: 'string' },
      'admin-password-stdin': { type: 'boolean' },
    },
    positionals: [],
    channel: 'tenant.create',
    input: async (v, _p, io) => {
      const id = need(v, 'id');
      const name = need(v, 'name');
      const adminUser = need(v, 'admin-user');
      const dcs = list(v, 'dc');
      const adminPassword = await io.secret(`password for the tenant admin ${adminUser}`, v['admin-password-stdin'] === true);
      const opt = (k: string) => str(v, k);
      return {
        id,
        name,
        adminUser,
        adminPassword,
        ...(opt('cluster') !== undefined ? { cluster: opt('cluster') } : {}),
        ...(opt('template') !== undefined ? { template: opt('template') } : {}),
        ...(opt('tier') !== undefined ? { tier: opt('tier') } : {}),
        ...(opt('isolation') !== undefined ? { isolation: opt('isolation') } : {}),
        ...(opt('color') !== undefined ? { color: opt('color') } : {}),
        ...(dcs.length ? { dataCenters: dcs } : {}),
      } as never;
    },
    waitFor: (r) => r.jobId,
    after: (r, call) => finishedSaga(r.tenant.cluster, r.jobId, call),
    text: (s) => sagaText(s as unknown as Saga),
  }),
  command({
    words: ['tenant', 'suspend'],
    usage: 'csm tenant suspend ID --cluster C [--reason "…"] [--json]',
    options: { ...tenantRef, reason: { type: 'string' } },
    positionals: ['id'],
    channel: 'tenant.suspend',
    input: async (v, p) => ({ cluster: need(v, 'cluster'), tenant: p.id!, ...(str(v, 'reason') !== undefined ? { reason: str(v, 'reason') } : {}) }),
    text: (t) => `${summaryLine(t)} — every tenant login and permission revoked, sessions closed`,
  }),
  command({
    words: ['tenant', 'resume'],
    usage: 'csm tenant resume ID --cluster C [--json]',
    options: tenantRef,
    positionals: ['id'],
    channel: 'tenant.resume',
    input: async (v, p) => ({ cluster: need(v, 'cluster'), tenant: p.id! }),
    text: (t) => `${summaryLine(t)} — logins and permissions restored as they were`,
  }),
  command({
    words: ['tenant', 'delete'],
    usage: 'csm tenant delete ID --cluster C --purge --confirm ID [--json]',
    options: { ...tenantRef, purge: { type: 'boolean' }, confirm: { type: 'string' } },
    positionals: ['id'],
    channel: 'tenant.delete',
    input: async (v, p) => {
      if (v['purge'] !== true) throw new AppError('BAD_INPUT', 'deletion drops the tenant’s keyspaces and shreds its keys: say --purge');
      return { cluster: need(v, 'cluster'), tenant: p.id!, purge: true, confirm: need(v, 'confirm') };
    },
    waitFor: (r) => r.jobId,
    after: (r, call) => finishedSaga(r.tenant.cluster, r.jobId, call),
    text: (s) => sagaText(s as unknown as Saga),
  }),
  command({
    words: ['tenant', 'clone'],
    usage: 'csm tenant clone ID --cluster C --id NEW [--name "…"] [--with-data] --admin-user U --admin-password-stdin [--json]',
    options: { ...tenantRef, id: { type: 'string' }, name: { type: 'string' }, 'with-data': { type: 'boolean' }, 'admin-user': { type: 'string' }, 'admin-password-stdin': { type: 'boolean' } },
    positionals: ['source'],
    channel: 'tenant.clone',
    input: async (v, p, io) => {
      const cluster = need(v, 'cluster');
      const newId = need(v, 'id');
      const adminUser = need(v, 'admin-user');
      const adminPassword = await io.secret(`password for the clone's admin ${adminUser}`, v['admin-password-stdin'] === true);
      return { cluster, tenant: p.source!, newId, adminUser, adminPassword, withData: v['with-data'] === true, ...(str(v, 'name') !== undefined ? { name: str(v, 'name') } : {}) };
    },
    waitFor: (r) => r.jobId,
    after: (r, call) => finishedSaga(r.tenant.cluster, r.jobId, call),
    text: (s) => sagaText(s as unknown as Saga),
  }),
  command({
    words: ['tenant', 'jobs'],
    usage: 'csm tenant jobs --cluster C [--tenant ID] [--json]',
    options: { ...tenantRef, tenant: { type: 'string' } },
    positionals: [],
    channel: 'tenant.jobs',
    input: async (v) => ({ cluster: need(v, 'cluster'), ...(str(v, 'tenant') !== undefined ? { tenant: str(v, 'tenant') } : {}) }),
    text: (jobs) => (jobs.length ? table([['JOB', 'KIND', 'TENANT', 'STATE', 'STARTED', 'ERROR'], ...jobs.map((j) => [j.jobId, j.kind, j.tenantId, j.state, j.startedAt, j.error ?? ''])]) : 'no tenant jobs'),
  }),
  command({
    words: ['tenant', 'resume-job'],
    usage: 'csm tenant resume-job JOB --cluster C [--admin-password-stdin] [--force] [--json]',
    options: { ...tenantRef, 'admin-password-stdin': { type: 'boolean' }, force: { type: 'boolean' } },
    positionals: ['job'],
    channel: 'tenant.resumeJob',
    input: async (v, p, io) => ({
      cluster: need(v, 'cluster'),
      jobId: p.job!,
      force: v['force'] === true,
      ...(v['admin-password-stdin'] === true ? { adminPassword: await io.secret('password for the tenant admin', true) } : {}),
    }),
    waitFor: (s) => s.jobId,
    after: (s, call) => finishedSaga(s.cluster, s.jobId, call),
    text: (s) => sagaText(s as unknown as Saga),
  }),
  command({
    words: ['tenant', 'rollback-job'],
    usage: 'csm tenant rollback-job JOB --cluster C [--force] [--json]',
    options: { ...tenantRef, force: { type: 'boolean' } },
    positionals: ['job'],
    channel: 'tenant.rollbackJob',
    input: async (v, p) => ({ cluster: need(v, 'cluster'), jobId: p.job!, force: v['force'] === true }),
    waitFor: (s) => s.jobId,
    after: (s, call) => finishedSaga(s.cluster, s.jobId, call),
    text: (s) => sagaText(s as unknown as Saga),
  }),
  command({
    words: ['tenant', 'placement'],
    usage: 'csm tenant placement [--isolation keyspace|cluster] [--json]',
    options: { isolation: { type: 'string' } },
    positionals: [],
    channel: 'tenant.placement',
    signInAll: true,
    input: async (v) => ({ ...(str(v, 'isolation') !== undefined ? { isolation: str(v, 'isolation') } : {}) }) as never,
    text: (r) => [r.chosen ? `would place on ${r.chosen}: ${r.reason}` : `no placement: ${r.reason}`, ...r.candidates.map((c) => `  ${c.cluster}: ${c.tenants} tenants, ${c.tables} tables${c.refusal ? ` — ${c.refusal}` : ''}`)].join('\n'),
  }),
  command({
    words: ['template', 'list'],
    usage: 'csm template list --cluster C [--json]',
    options: tenantRef,
    positionals: [],
    channel: 'template.list',
    input: async (v) => ({ cluster: need(v, 'cluster') }),
    text: (ts) => table([['NAME', 'RF', 'KEYSPACES', 'DESCRIPTION'], ...ts.map((t) => [t.name + (t.builtIn ? ' (built-in)' : ''), String(t.replicationFactor), t.keyspaces.map((k) => `${k.suffix}(${k.tables.length})`).join(' '), t.description])]),
  }),
  command({
    words: ['template', 'save'],
    usage: 'csm template save --cluster C --file TEMPLATE.json [--json]   (validated before it is stored)',
    options: { ...tenantRef, file: { type: 'string' } },
    positionals: [],
    channel: 'template.save',
    input: async (v) => {
      const file = need(v, 'file');
      let body: unknown;
      try {
        body = JSON.parse(await readFile(file, 'utf8'));
      } catch (e) {
        throw new AppError('BAD_INPUT', `${file}: not a readable JSON file (${e instanceof Error ? e.message.slice(0, 120) : 'unreadable'})`);
      }
      return { cluster: need(v, 'cluster'), template: body as never };
    },
    text: (t) => `saved template ${t.name}: ${t.keyspaces.length} keyspaces, replication ${t.replicationFactor}`,
  }),
  command({
    words: ['template', 'delete'],
    usage: 'csm template delete NAME --cluster C [--json]',
    options: tenantRef,
    positionals: ['name'],
    channel: 'template.delete',
    input: async (v, p) => ({ cluster: need(v, 'cluster'), name: p.name! }),
    text: (r) => (r.deleted ? 'deleted' : 'no such template'),
  }),
  command({
    words: ['security', 'alerts'],
    usage: 'csm security alerts [--json]',
    options: {},
    positionals: [],
    channel: 'security.alerts',
    input: async () => ({}),
    text: (as) => (as.length ? as.map((a) => `${a.at} ${a.message}`).join('\n') : 'no refused out-of-scope calls recorded'),
  }),
];
