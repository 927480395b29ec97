import type { ApprovalRequest, SupportGrant } from '../../../src-shared/contract/access';
import { AppError } from '../../app/errors';
import { writeSealedFile } from './keys';
import { command, need, str, table, type Command, type Values } from './util';

const opt = (v: Values, k: string): Record<string, string> => (str(v, k) !== undefined ? { [k]: str(v, k)! } : {});
const dash = (s: string | null): string => s ?? '—';

/** Minutes as the CLI takes them: a whole number, refused here with the rule rather than as NaN. */
export function parseMinutes(s: string): number {
  if (!/^\d{1,5}$/.test(s)) throw new AppError('BAD_INPUT', '--minutes: a whole number of minutes, 1–1440');
  return Number(s);
}

export function expiresIn(g: Pick<SupportGrant, 'state' | 'expiresAt'>, now = new Date()): string {
  if (g.state !== 'active' || g.expiresAt === null) return '—';
  const m = Math.max(0, Math.ceil((Date.parse(g.expiresAt) - now.getTime()) / 60_000));
  return m >= 60 ? `${Math.floor(m / 60)} h ${m % 60} min` : `${m} min`;
}

export const grantLine = (g: SupportGrant): string =>
  `support request ${g.id} on tenant ${g.tenant}: ${g.state}${g.role ? `, role ${g.role}` : ''}${g.state === 'active' ? `, expires ${g.expiresAt} (in ${expiresIn(g)})` : ''}${g.revokeRequestedBy && g.state === 'active' ? `; revocation requested by ${g.revokeRequestedBy}, carried out by the next platform sweep` : ''}`;

export function grantsText(list: SupportGrant[]): string {
  if (list.length === 0) return 'no support requests';
  return table([
    ['ID', 'TENANT', 'STATE', 'REQUESTER', 'APPROVER', 'MINUTES', 'ACCESS', 'EXPIRES IN', 'ROLE'],
    ...list.map((g) => [g.id, g.tenant, g.state, g.requestedBy, dash(g.decidedBy), String(g.minutes), g.readOnly ? 'read-only' : 'read-write', expiresIn(g), dash(g.role)]),
  ]);
}

export function approvalsText(list: ApprovalRequest[]): string {
  if (list.length === 0) return 'no change requests';
  return table([['ID', 'TENANT', 'CHANNEL', 'STATE', 'REQUESTER', 'DECIDED BY', 'RESULT'], ...list.map((a) => [a.id, a.tenant, a.channel, a.state, a.requestedBy, dash(a.decidedBy), dash(a.errorCode ?? a.resultSummary)])]);
}

const approvalLine = (a: ApprovalRequest): string => `change request ${a.id} (${a.channel} on tenant ${a.tenant}): ${a.state}${a.decidedBy ? ` by ${a.decidedBy}` : ''}`;

/** The file `support credentials` writes: cqlsh's own credentials format, so `cqlsh --credentials FILE` works. */
export const credentialsFile = (c: { username: string; password: string; expiresAt: string; id: string; tenant: string }): string =>
  `; support window ${c.id} on tenant ${c.tenant}, ends ${c.expiresAt}\n[PlainTextAuthProvider]\nusername = ${c.username}\npassword = ${c.password}\n`;

/** `csm support …` and `csm approval …` (issue 6 item 5). */
export const ACCESS_COMMANDS: Command[] = [
  command({
    words: ['support', 'request'],
    usage: 'csm support request --cluster C --tenant T --minutes N [--read-only] --reason TEXT [--json]   (platform; 1–1440 minutes)',
    options: { cluster: { type: 'string' }, tenant: { type: 'string' }, minutes: { type: 'string' }, 'read-only': { type: 'boolean' }, reason: { type: 'string' } },
    positionals: [],
    channel: 'support.request',
    input: async (v) => ({ cluster: need(v, 'cluster'), tenant: need(v, 'tenant'), minutes: parseMinutes(need(v, 'minutes')), readOnly: v['read-only'] === true, reason: need(v, 'reason') }),
    text: (g) => `${grantLine(g)}\nan admin of tenant ${g.tenant} approves it with: csm support approve ${g.id} --cluster C --tenant ${g.tenant}`,
  }),
  command({
    words: ['support', 'approve'],
    usage: 'csm support approve ID --cluster C --tenant T [--note TEXT] [--json]   (an admin of the tenant)',
    options: { cluster: { type: 'string' }, tenant: { type: 'string' }, note: { type: 'string' } },
    positionals: ['id'],
    channel: 'support.approve',
    input: async (v, p) => ({ cluster: need(v, 'cluster'), tenant: need(v, 'tenant'), id: p.id!, ...opt(v, 'note') }),
    text: (g) => `${grantLine(g)}\nthe requester activates it with: csm support activate ${g.id} --cluster C`,
  }),
  command({
    words: ['support', 'reject'],
    usage: 'csm support reject ID --cluster C --tenant T --reason TEXT [--json]   (an admin of the tenant)',
    options: { cluster: { type: 'string' }, tenant: { type: 'string' }, reason: { type: 'string' } },
    positionals: ['id'],
    channel: 'support.reject',
    input: async (v, p) => ({ cluster: need(v, 'cluster'), tenant: need(v, 'tenant'), id: p.id!, reason: need(v, 'reason') }),
    text: grantLine,
  }),
  command({
    words: ['support', 'activate'],
    usage: 'csm support activate ID --cluster C [--json]   (the requester; creates the support role, the window starts now)',
    options: { cluster: { type: 'string' } },
    positionals: ['id'],
    channel: 'support.activate',
    input: async (v, p) => ({ cluster: need(v, 'cluster'), id: p.id! }),
    text: (g) => `${grantLine(g)}\npassword: csm support credentials ${g.id} --cluster C --out FILE`,
  }),
  command({
    words: ['support', 'revoke'],
    usage: 'csm support revoke ID --cluster C --tenant T [--reason TEXT] [--json]   (requester, platform operator or tenant admin)',
    options: { cluster: { type: 'string' }, tenant: { type: 'string' }, reason: { type: 'string' } },
    positionals: ['id'],
    channel: 'support.revoke',
    input: async (v, p) => ({ cluster: need(v, 'cluster'), tenant: need(v, 'tenant'), id: p.id!, ...opt(v, 'reason') }),
    text: grantLine,
  }),
  command({
    words: ['support', 'list'],
    usage: 'csm support list --cluster C [--tenant T] [--json]   (a tenant admin: --tenant is their tenant)',
    options: { cluster: { type: 'string' }, tenant: { type: 'string' } },
    positionals: [],
    channel: 'support.list',
    input: async (v) => ({ cluster: need(v, 'cluster'), ...opt(v, 'tenant') }),
    text: grantsText,
  }),
  Object.assign(
    command({
      words: ['support', 'credentials'],
      usage: 'csm support credentials ID --cluster C --out FILE [--force] [--json]   (the activator; a cqlsh credentials file, mode 0600)',
      options: { cluster: { type: 'string' }, out: { type: 'string' }, force: { type: 'boolean' } },
      positionals: ['id'],
      channel: 'support.credentials',
      input: async (v, p) => {
        need(v, 'out');
        return { cluster: need(v, 'cluster'), id: p.id! };
      },
      // text() gets what deliver() returned: where the file went, never the password.
      text: (r) => {
        const w = r as unknown as { written?: string; username: string; expiresAt: string };
        return w.written ? `credentials of ${w.username} written to ${w.written} (mode 0600); the window ends ${w.expiresAt}\nuse: cqlsh --credentials ${w.written} -u ${w.username} HOST` : 'credentials were NOT written';
      },
    }),
    {
      async deliver(value: unknown, values: Values) {
        const c = value as { id: string; tenant: string; username: string; password: string; expiresAt: string };
        const written = await writeSealedFile(need(values, 'out'), credentialsFile(c), values['force'] === true);
        return { id: c.id, tenant: c.tenant, username: c.username, expiresAt: c.expiresAt, ...written };
      },
    },
  ),
  command({
    words: ['approval', 'list'],
    usage: 'csm approval list --cluster C [--tenant T] [--state pending|approved|executed|failed|rejected|expired|cancelled] [--json]',
    options: { cluster: { type: 'string' }, tenant: { type: 'string' }, state: { type: 'string' } },
    positionals: [],
    channel: 'approval.list',
    input: async (v) => ({ cluster: need(v, 'cluster'), ...opt(v, 'tenant'), ...(str(v, 'state') !== undefined ? { state: str(v, 'state') as ApprovalRequest['state'] } : {}) }),
    text: approvalsText,
  }),
  command({
    words: ['approval', 'approve'],
    usage: 'csm approval approve ID --cluster C [--reason TEXT] [--json]   (not your own request; carries the call out now, as you)',
    options: { cluster: { type: 'string' }, reason: { type: 'string' } },
    positionals: ['id'],
    channel: 'approval.approve',
    input: async (v, p) => ({ cluster: need(v, 'cluster'), id: p.id!, ...(str(v, 'reason') !== undefined ? { note: str(v, 'reason')! } : {}) }),
    text: (r) => `${approvalLine(r.request)}\n${r.outcome.ok ? r.outcome.summary : `the call failed: ${r.outcome.errorCode}: ${r.outcome.errorMessage}`}`,
    // Approved but the carried-out call failed: the operation did not happen.
    exitCode: (r) => (r.outcome.ok ? 0 : 1),
  }),
  command({
    words: ['approval', 'reject'],
    usage: 'csm approval reject ID --cluster C --reason TEXT [--json]',
    options: { cluster: { type: 'string' }, reason: { type: 'string' } },
    positionals: ['id'],
    channel: 'approval.reject',
    input: async (v, p) => ({ cluster: need(v, 'cluster'), id: p.id!, reason: need(v, 'reason') }),
    text: approvalLine,
  }),
  command({
    words: ['approval', 'cancel'],
    usage: 'csm approval cancel ID --cluster C [--json]   (withdraw your own pending request)',
    options: { cluster: { type: 'string' } },
    positionals: ['id'],
    channel: 'approval.cancel',
    input: async (v, p) => ({ cluster: need(v, 'cluster'), id: p.id! }),
    text: approvalLine,
  }),
];
