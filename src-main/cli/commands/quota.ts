import { QUOTA_RESOURCES, type QuotaEvent, type QuotaResource, type QuotaRow } from '../../../src-shared/contract/resources';
import { AppError } from '../../app/errors';
import { command, need, str, table, type Command, type Values } from './util';

const ref = { cluster: { type: 'string' as const }, tenant: { type: 'string' as const } };

function resource(v: Values): QuotaResource {
  const r = need(v, 'resource');
  if (!(QUOTA_RESOURCES as readonly string[]).includes(r)) throw new AppError('BAD_INPUT', `--resource: one of ${QUOTA_RESOURCES.join(', ')}, not "${r.slice(0, 30)}"`);
  return r as QuotaResource;
}

/** A limit: a number (negative ones are refused by the channel with the resource named), or "none" to clear it. */
function limit(v: Values, k: string): number | null | undefined {
  const raw = str(v, k);
  if (raw === undefined) return undefined;
  if (raw.trim() === 'none') return null;
  const n = Number(raw.trim());
  if (raw.trim() === '' || !Number.isFinite(n)) throw new AppError('BAD_INPUT', `--${k}: a number or "none", not "${raw.slice(0, 20)}"`);
  return n;
}

const n = (x: number | null): string => (x === null ? '—' : Number.isInteger(x) ? String(x) : x.toFixed(3));

export const rowText = (r: QuotaRow): string =>
  `${r.resource}: used ${n(r.used)} (${r.usedPrecision}), soft ${n(r.soft)}, hard ${n(r.hard)}${r.raisedHard !== null ? `, raised to ${n(r.raisedHard)} until ${r.raisedUntil}` : ''}, in force ${n(r.effectiveHard)}, state ${r.state}${r.enforcement ? `, ${ENFORCEMENT_TEXT[r.enforcement]}` : ''}`;

/** What a hard limit does, as the CLI says it (keyspaces and tables are monitored only: tenants create them with CQL). */
const ENFORCEMENT_TEXT: Record<NonNullable<QuotaRow['enforcement']>, string> = { refuse: 'over hard: refused', 'revoke-writes': 'over hard past grace: writes revoked', monitor: 'monitor only (not enforced)' };

const showText = (v: { cluster: string; tenant: string; rows: QuotaRow[]; writesRevoked: boolean; events: QuotaEvent[] }): string =>
  [
    `quotas of ${v.tenant} on ${v.cluster}${v.writesRevoked ? ' — WRITES REVOKED (storage over its hard limit)' : ''}`,
    table([
      ['RESOURCE', 'USED', 'SOFT', 'HARD', 'RAISED', 'UNTIL', 'IN FORCE', 'GRACE H', 'STATE', 'GRACE ENDS', 'ENFORCEMENT'],
      ...v.rows.map((r) => [r.resource, n(r.used), n(r.soft), n(r.hard), n(r.raisedHard), r.raisedUntil ?? '', n(r.effectiveHard), n(r.graceHours), r.state.toUpperCase(), r.graceEndsAt ?? '', r.enforcement === 'monitor' ? 'monitor only' : (r.enforcement ?? '')]),
    ]),
    v.events.length ? `events:\n${v.events.slice(0, 20).map((e) => `  ${e.at} ${e.resource} ${e.kind}: ${e.detail}`).join('\n')}` : 'no quota events',
  ].join('\n');

/** `csm quota set|show|raise|enforce` (issue 10 item 2). */
export const QUOTA_COMMANDS: Command[] = [
  command({
    words: ['quota', 'set'],
    usage: 'csm quota set --tenant ID --cluster C --resource users|certificates|keyspaces|tables|storage-gb|ops-per-hour [--soft N|none] [--hard N|none] [--grace-hours H|none] [--json]',
    options: { ...ref, resource: { type: 'string' }, soft: { type: 'string' }, hard: { type: 'string' }, 'grace-hours': { type: 'string' } },
    positionals: [],
    channel: 'quota.set',
    input: async (v) => {
      const soft = limit(v, 'soft');
      const hard = limit(v, 'hard');
      const graceHours = limit(v, 'grace-hours');
      return { cluster: need(v, 'cluster'), tenant: need(v, 'tenant'), resource: resource(v), ...(soft !== undefined ? { soft } : {}), ...(hard !== undefined ? { hard } : {}), ...(graceHours !== undefined ? { graceHours } : {}) };
    },
    text: rowText,
  }),
  command({
    words: ['quota', 'show'],
    usage: 'csm quota show --tenant ID --cluster C [--json]',
    options: ref,
    positionals: [],
    channel: 'quota.show',
    input: async (v) => ({ cluster: need(v, 'cluster'), tenant: need(v, 'tenant') }),
    text: showText,
  }),
  command({
    words: ['quota', 'raise'],
    usage: 'csm quota raise --tenant ID --cluster C --resource R --hard N --until TIME [--reason TEXT] [--json]',
    options: { ...ref, resource: { type: 'string' }, hard: { type: 'string' }, until: { type: 'string' }, reason: { type: 'string' } },
    positionals: [],
    channel: 'quota.raise',
    input: async (v) => {
      const hard = limit(v, 'hard');
      if (hard === undefined || hard === null) throw new AppError('BAD_INPUT', '--hard N is required');
      const reason = str(v, 'reason');
      return { cluster: need(v, 'cluster'), tenant: need(v, 'tenant'), resource: resource(v), hard, until: need(v, 'until'), ...(reason !== undefined ? { reason } : {}) };
    },
    text: rowText,
  }),
  command({
    words: ['quota', 'enforce'],
    usage: 'csm quota enforce --cluster C [--tenant ID] [--json]',
    options: ref,
    positionals: [],
    channel: 'quota.enforce',
    input: async (v) => {
      const tenant = str(v, 'tenant');
      return { cluster: need(v, 'cluster'), ...(tenant !== undefined ? { tenant } : {}) };
    },
    text: (r) => `checked ${r.checked} tenants; writes revoked: ${r.enforced.join(', ') || 'none'}; restored: ${r.restored.join(', ') || 'none'}`,
  }),
];
