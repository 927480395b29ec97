import type { BulkAction, BulkApplyInput, BulkApplyOutput, BulkFilter, BulkOperation, BulkSummary, BulkTarget, Dashboard } from '../../../src-shared/contract/msp';
import { BULK_ACTIONS, frameworkNamed } from '../../../src-shared/contract/msp';
import { FRAMEWORKS } from '../../../src-shared/rules/compliance';
import { TENANT_STATES, type TenantState } from '../../../src-shared/rules/lifecycle';
import { AppError } from '../../app/errors';
import { command, list, need, str, table, type Command, type Values } from './util';

/** `--tenants c1/t1,c2/t2`: the exact tenants, cluster first (tenant ids repeat across clusters). */
export function parseTenants(text: string): BulkTarget[] {
  const parts = text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (parts.length === 0) throw new AppError('BAD_INPUT', '--tenants: the selection is empty (give CLUSTER/TENANT,…)');
  return parts.map((p) => {
    const m = /^([^/\s]+)\/([^/\s]+)$/.exec(p);
    if (!m) throw new AppError('BAD_INPUT', `--tenants: "${p}" is not CLUSTER/TENANT`);
    return { cluster: m[1]!, tenant: m[2]! };
  });
}

/**
 * `--filter EXPR`: comma-separated `state=…`, `cluster=…`, `text=…` (alternatives with `|`);
 * a bare word is a text term. E.g. `state=active,cluster=prod|dr,text=acme`.
 */
export function parseFilter(text: string): BulkFilter {
  const terms: string[] = [];
  const states: TenantState[] = [];
  const clusters: string[] = [];
  for (const raw of text.split(',').map((s) => s.trim()).filter((s) => s.length > 0)) {
    const eq = raw.indexOf('=');
    if (eq < 0) {
      terms.push(raw);
      continue;
    }
    const key = raw.slice(0, eq).trim();
    const values = raw
      .slice(eq + 1)
      .split('|')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    if (values.length === 0) throw new AppError('BAD_INPUT', `--filter: ${key}= needs a value`);
    if (key === 'state') {
      for (const v of values) {
        if (!(TENANT_STATES as readonly string[]).includes(v)) throw new AppError('BAD_INPUT', `--filter: unknown state "${v}" (one of ${TENANT_STATES.join(', ')})`);
        states.push(v as TenantState);
      }
    } else if (key === 'cluster') clusters.push(...values);
    else if (key === 'text') terms.push(...values);
    else throw new AppError('BAD_INPUT', `--filter: unknown key "${key}" (state, cluster or text)`);
  }
  const f: BulkFilter = {};
  if (terms.length) f.text = terms.join(' ');
  if (states.length) f.states = states;
  if (clusters.length) f.clusters = clusters;
  return f;
}

export function parseAction(v: Values): BulkAction {
  const action = need(v, 'action');
  const reason = str(v, 'reason');
  const frameworks = list(v, 'framework');
  const approvals = list(v, 'approval');
  const template = str(v, 'template');
  if (action !== 'suspend' && action !== 'template' && reason !== undefined) throw new AppError('BAD_INPUT', '--reason goes with --action suspend or template only');
  if (action !== 'template' && template !== undefined) throw new AppError('BAD_INPUT', '--template goes with --action template only');
  if (action !== 'policy' && (frameworks.length || approvals.length || v['no-frameworks'] === true)) throw new AppError('BAD_INPUT', '--framework/--approval go with --action policy only');
  switch (action) {
    case 'suspend':
      if (reason === undefined || reason.trim() === '') throw new AppError('BAD_INPUT', '--action suspend needs --reason TEXT (it is recorded with the suspension)');
      return { action, reason };
    case 'resume':
    case 'rotate-keys':
      return { action };
    case 'policy': {
      const none = v['no-frameworks'] === true;
      if (none && frameworks.length) throw new AppError('BAD_INPUT', '--no-frameworks and --framework exclude each other');
      if (!none && !frameworks.length && !approvals.length) throw new AppError('BAD_INPUT', '--action policy needs --framework NAME (repeatable), --no-frameworks, or --approval CHANNEL');
      const named = frameworks.map((f) => {
        const n = frameworkNamed(f);
        if (!n) throw new AppError('BAD_INPUT', `--framework: unknown framework "${f}" (one of ${FRAMEWORKS.join(', ')})`);
        return n;
      });
      return { action, ...(named.length || none ? { frameworks: named } : {}), ...(approvals.length ? { approvals } : {}) };
    }
    case 'template':
      if (template === undefined || template.trim() === '') throw new AppError('BAD_INPUT', '--action template needs --template NAME (see csm template list)');
      if (reason === undefined || reason.trim() === '') throw new AppError('BAD_INPUT', '--action template needs --reason TEXT (it is kept with each configuration version)');
      return { action, template, reason };
    default:
      throw new AppError('BAD_INPUT', `--action: one of ${BULK_ACTIONS.join(', ')}`);
  }
}

export function applyInput(v: Values): BulkApplyInput {
  const tenants = str(v, 'tenants');
  const filter = str(v, 'filter');
  if ((tenants === undefined) === (filter === undefined)) throw new AppError('BAD_INPUT', 'select tenants with exactly one of --tenants CLUSTER/TENANT,… or --filter EXPR');
  const action = parseAction(v);
  return { ...(tenants !== undefined ? { targets: parseTenants(tenants) } : { filter: parseFilter(filter!) }), action, dryRun: v['dry-run'] === true };
}

/** Exit 1 when any tenant failed (refused, not found, errored) or the run was cancelled; skips and approvals waiting are not failures. */
export function bulkExitCode(v: BulkApplyOutput | BulkOperation): number {
  if ('results' in v) return v.counts.failed > 0 || v.counts.cancelled > 0 || v.state === 'cancelled' ? 1 : 0;
  return 0;
}

const countsText = (s: BulkSummary): string =>
  `${s.counts.ok} ok, ${s.counts.skipped} skipped, ${s.counts['awaiting-approval']} awaiting approval, ${s.counts.failed} failed${s.counts.cancelled ? `, ${s.counts.cancelled} cancelled` : ''}${s.counts.pending ? `, ${s.counts.pending} pending` : ''}`;

const actionText = (a: BulkAction): string =>
  a.action === 'suspend' ? `suspend (reason: ${a.reason})` : a.action === 'template' ? `template ${a.template} (reason: ${a.reason})` : a.action === 'policy' ? `policy${a.frameworks ? ` frameworks=${a.frameworks.join('|') || 'none'}` : ''}${a.approvals ? ` approvals=${a.approvals.join('|')}` : ''}` : a.action;

export function operationText(op: BulkOperation): string {
  return [
    `bulk ${actionText(op.action)} ${op.id} — ${op.state}; ${op.selection}`,
    `${op.total} tenants: ${countsText(op)}`,
    table([['TENANT', 'OUTCOME', 'CODE', 'MESSAGE'], ...op.results.map((r) => [`${r.cluster}/${r.tenant}`, r.outcome, r.code ?? '', r.message ?? ''])]),
  ].join('\n');
}

export function planText(r: BulkApplyOutput): string {
  const head = r.dryRun ? `dry run: bulk ${actionText(r.action)} — nothing was changed; ${r.selection}` : `bulk ${actionText(r.action)} ${r.id ?? ''} started (job ${r.jobId ?? '-'}); ${r.selection}`;
  const n = (w: string): number => r.plan.filter((p) => p.will === w).length;
  return [
    head,
    `${r.plan.length} tenants: ${n('run')} would run, ${n('skip')} skipped, ${n('refuse')} refused`,
    table([['TENANT', 'STATE', 'WILL', 'APPROVAL', 'DETAIL'], ...r.plan.map((p) => [`${p.cluster}/${p.tenant}`, p.state ?? '-', p.will, p.approval, p.detail])]),
  ].join('\n');
}

export function dashboardText(d: Dashboard): string {
  const totals = table([
    ['CLUSTER', 'ONLINE', 'TENANTS', 'ACTIVE', 'SUSPENDED', 'HEALTHY', 'WARNING', 'CRITICAL', 'UNKNOWN', 'FINDINGS C/W', 'ROTATION DUE', 'APPROVALS'],
    ...d.clusters.map((c) => [
      c.cluster,
      c.online ? 'yes' : 'cached',
      String(c.tenants),
      String(c.byState['active'] ?? 0),
      String(c.byState['suspended'] ?? 0),
      String(c.byHealth.healthy),
      String(c.byHealth.warning),
      String(c.byHealth.critical),
      String(c.byHealth.unknown),
      `${c.findings.critical}/${c.findings.warning}`,
      String(c.rotationDue),
      c.pendingApprovals === null ? 'unknown' : String(c.pendingApprovals),
    ]),
  ]);
  const unavailable = d.clusters.flatMap((c) => c.sources.filter((s) => s.status === 'unavailable' || s.status === 'pending').map((s) => `  ${c.cluster} ${s.source}: ${s.status}${s.message ? ` — ${s.message}` : ''}`));
  const rows = table([
    ['TENANT', 'NAME', 'TIER', 'STATE', 'HEALTH', 'ISOLATION C/W/I', 'KEYS', 'KEYSPACES', 'TABLES', 'USERS'],
    ...d.rows.map((r) => [
      `${r.cluster}/${r.id}`,
      r.name,
      r.tier,
      r.state,
      `${r.health.level}${r.health.reasons.length ? ` (${r.health.reasons.join('; ')})` : ''}`,
      r.isolation ? `${r.isolation.critical}/${r.isolation.warning}/${r.isolation.info}` : 'not scanned',
      r.keys ? (r.keys.rotationDue ? 'rotation due' : `ok (${r.keys.daysLeft} d left)`) : 'unknown',
      r.usage ? String(r.usage.keyspaces) : '-',
      r.usage?.tables !== null && r.usage?.tables !== undefined ? String(r.usage.tables) : '-',
      r.usage ? String(r.usage.users) : '-',
    ]),
  ]);
  return [totals, ...(unavailable.length ? ['sources not available:', ...unavailable] : []), '', rows, '', `usage metering not yet available; ${d.rows.length} tenants, built in ${d.tookMs} ms`].join('\n');
}

const summaryText = (list: BulkSummary[]): string =>
  list.length === 0
    ? 'no bulk operations recorded'
    : table([['ID', 'STARTED', 'BY', 'ACTION', 'STATE', 'TENANTS', 'RESULTS'], ...list.map((s) => [s.id, s.startedAt, s.startedBy, actionText(s.action), s.state, String(s.total), countsText(s)])]);

const clusterOpt = { cluster: { type: 'string' as const } };
const withCluster = (v: Values) => (str(v, 'cluster') !== undefined ? { cluster: str(v, 'cluster')! } : {});

/** `csm msp …` and `csm bulk …` (issue 6 item 5). */
export const MSP_COMMANDS: Command[] = [
  command({
    words: ['msp', 'dashboard'],
    usage: 'csm msp dashboard [--cluster NAME] [--refresh] [--json]   (every tenant: state, health, findings, keys, usage; totals per cluster)',
    options: { ...clusterOpt, refresh: { type: 'boolean' } },
    positionals: [],
    channel: 'msp.dashboard',
    input: async (v) => ({ ...withCluster(v), refresh: v['refresh'] === true }),
    text: dashboardText,
  }),
  command({
    words: ['bulk', 'apply'],
    usage:
      'csm bulk apply --action suspend|resume|rotate-keys|policy|template (--tenants C/T,… | --filter EXPR) [--reason TEXT] [--framework NAME]… [--no-frameworks] [--approval CHANNEL]… [--template NAME] [--dry-run] [--json]   (exit 1 when a tenant failed)',
    options: {
      action: { type: 'string' },
      tenants: { type: 'string' },
      filter: { type: 'string' },
      reason: { type: 'string' },
      framework: { type: 'string', multiple: true },
      'no-frameworks': { type: 'boolean' },
      approval: { type: 'string', multiple: true },
      template: { type: 'string' },
      'dry-run': { type: 'boolean' },
    },
    positionals: [],
    channel: 'bulk.apply',
    input: async (v) => applyInput(v),
    text: (r) => ('results' in (r as object) ? operationText(r as unknown as BulkOperation) : planText(r)),
    waitFor: (r) => r.jobId,
    after: async (r, call) => (r.id ? call('bulk.show', { id: r.id }) : r),
    exitCode: (r) => bulkExitCode(r as BulkApplyOutput | BulkOperation),
  }),
  command({
    words: ['bulk', 'list'],
    usage: 'csm bulk list [--cluster NAME] [--limit N] [--json]',
    options: { ...clusterOpt, limit: { type: 'string' } },
    positionals: [],
    channel: 'bulk.list',
    input: async (v) => {
      const limit = str(v, 'limit');
      if (limit !== undefined && !/^[0-9]{1,3}$/.test(limit)) throw new AppError('BAD_INPUT', '--limit: a number from 1 to 200');
      return { ...withCluster(v), ...(limit !== undefined ? { limit: Number(limit) } : {}) };
    },
    text: summaryText,
  }),
  command({
    words: ['bulk', 'show'],
    usage: 'csm bulk show ID [--cluster NAME] [--json]   (per-tenant results; exit 1 when a tenant failed)',
    options: clusterOpt,
    positionals: ['id'],
    channel: 'bulk.show',
    input: async (v, p) => ({ ...withCluster(v), id: p.id! }),
    text: operationText,
    exitCode: bulkExitCode,
  }),
];
