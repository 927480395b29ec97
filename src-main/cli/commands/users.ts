import { AppError } from '../../app/errors';
import type { TenantUser } from '../../../src-shared/contract/users';
import { command, need, str, table, type Command, type Values } from './util';

/** `csm user …` (issue 7). Passwords only from --password-stdin or a prompt, never argv. */
const ref = { cluster: { type: 'string' }, tenant: { type: 'string' } } as const;
const named = { ...ref, name: { type: 'string' } } as const;
const target = (v: Values) => ({ cluster: need(v, 'cluster'), tenant: need(v, 'tenant'), name: need(v, 'name') });
const userLine = (u: TenantUser) => `${u.name} (${u.role}) ${u.template ?? '-'}${u.locked ? ' LOCKED' : ''}`;
const action = (r: { state: string; requestId: string | null; user: string }) =>
  r.state === 'applied' ? `${r.user}: done` : `${r.user}: filed as request ${r.requestId ?? '?'}; a platform console carries it out (csm user process)`;

const grantOptions = { ...named, permission: { type: 'string' }, keyspace: { type: 'string' }, table: { type: 'string' } } as const;
const grantInput = async (v: Values) => {
  const permission = need(v, 'permission').toUpperCase();
  const t = str(v, 'table');
  return { ...target(v), permission, keyspace: need(v, 'keyspace'), ...(t !== undefined ? { table: t } : {}) } as never;
};

export const USERS_COMMANDS: Command[] = [
  command({
    words: ['user', 'list'],
    usage: 'csm user list --cluster C --tenant ID [--json]',
    options: ref,
    positionals: [],
    channel: 'user.list',
    input: async (v) => ({ cluster: need(v, 'cluster'), tenant: need(v, 'tenant') }),
    text: (rows) =>
      rows.length
        ? table([['NAME', 'TEMPLATE', 'LOCKED', 'CREATED', 'PASSWORD CHANGED'], ...rows.map((u) => [u.name, u.template ?? '-', u.locked ? 'yes' : 'no', u.createdAt ?? '-', u.passwordChangedAt ?? '-'])])
        : 'no users',
  }),
  command({
    words: ['user', 'create'],
    usage: 'csm user create --cluster C --tenant ID --name U --template read-only|read-write|admin|application [--password-stdin] [--json]',
    options: { ...named, template: { type: 'string' }, 'password-stdin': { type: 'boolean' } },
    positionals: [],
    channel: 'user.create',
    input: async (v, _p, io) => {
      const t = target(v);
      const template = need(v, 'template');
      if (!['read-only', 'read-write', 'admin', 'application'].includes(template)) throw new AppError('BAD_INPUT', '--template must be read-only, read-write, admin or application');
      const password = await io.secret(`password for ${t.name}`, v['password-stdin'] === true);
      return { ...t, template, password } as never;
    },
    text: action,
  }),
  command({
    words: ['user', 'passwd'],
    usage: 'csm user passwd --cluster C --tenant ID --name U [--password-stdin] [--json]',
    options: { ...named, 'password-stdin': { type: 'boolean' } },
    positionals: [],
    channel: 'user.passwd',
    input: async (v, _p, io) => {
      const t = target(v);
      return { ...t, newPassword: await io.secret(`new password for ${t.name}`, v['password-stdin'] === true) };
    },
    text: (r) => `${r.user}: password changed at ${r.changedAt}`,
  }),
  command({
    words: ['user', 'lock'],
    usage: 'csm user lock --cluster C --tenant ID --name U [--json]',
    options: named,
    positionals: [],
    channel: 'user.lock',
    input: async (v) => target(v),
    text: (u) => `${userLine(u)} — sign-in refused, open sessions closed`,
  }),
  command({
    words: ['user', 'unlock'],
    usage: 'csm user unlock --cluster C --tenant ID --name U [--json]',
    options: named,
    positionals: [],
    channel: 'user.unlock',
    input: async (v) => target(v),
    text: userLine,
  }),
  command({
    words: ['user', 'drop'],
    usage: 'csm user drop --cluster C --tenant ID --name U [--json]',
    options: named,
    positionals: [],
    channel: 'user.drop',
    input: async (v) => target(v),
    text: (r) => `${r.user}: dropped`,
  }),
  command({
    words: ['user', 'grant'],
    usage: 'csm user grant --cluster C --tenant ID --name U --permission SELECT|MODIFY|CREATE|ALTER|DROP|EXECUTE --keyspace KS [--table T] [--json]',
    options: grantOptions,
    positionals: [],
    channel: 'user.grant',
    input: grantInput,
    text: action,
  }),
  command({
    words: ['user', 'revoke'],
    usage: 'csm user revoke --cluster C --tenant ID --name U --permission P --keyspace KS [--table T] [--json]',
    options: grantOptions,
    positionals: [],
    channel: 'user.revoke',
    input: grantInput,
    text: action,
  }),
  command({
    words: ['user', 'permissions'],
    usage: 'csm user permissions --cluster C --tenant ID --name U [--json]',
    options: named,
    positionals: [],
    channel: 'user.permissions',
    input: async (v) => target(v),
    text: (r) => (r.permissions.length ? table([['PERMISSION', 'RESOURCE', 'VIA'], ...r.permissions.map((p) => [p.permission, p.resource, p.via])]) : `${r.role}: no permissions`),
  }),
  command({
    words: ['user', 'requests'],
    usage: 'csm user requests --cluster C --tenant ID [--json]',
    options: ref,
    positionals: [],
    channel: 'user.requests',
    input: async (v) => ({ cluster: need(v, 'cluster'), tenant: need(v, 'tenant') }),
    text: (rows) =>
      rows.length
        ? table([['ID', 'KIND', 'USER', 'WHAT', 'STATE', 'BY', 'ERROR'], ...rows.map((r) => [r.id, r.kind, r.user, r.template ?? r.grant ?? '-', r.state, r.requestedBy, r.error ?? ''])])
        : 'no requests',
  }),
  command({
    words: ['user', 'process'],
    usage: 'csm user process --cluster C [--tenant ID] [--json]',
    options: ref,
    positionals: [],
    channel: 'user.process',
    input: async (v) => ({ cluster: need(v, 'cluster'), ...(str(v, 'tenant') !== undefined ? { tenant: str(v, 'tenant') } : {}) }) as never,
    text: (r) => `${r.processed} requests carried out: ${r.done} done, ${r.failed} failed`,
  }),
];
