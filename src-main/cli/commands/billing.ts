import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ChannelOutput } from '../../../src-shared/contract';
import { ANALYTICS_GROUPINGS, type Statement } from '../../../src-shared/contract/resources';
import { AppError } from '../../app/errors';
import { formatMinor } from '../../resources/billing/money';
import { command, need, str, table, type Command, type Values } from './util';

const s = { type: 'string' as const };
const b = { type: 'boolean' as const };

function num(v: Values, k: string, what: string, int = false): number | undefined {
  const raw = str(v, k);
  if (raw === undefined) return undefined;
  const n = Number(raw.trim());
  if (!/^[0-9]+(\.[0-9]+)?$/.test(raw.trim()) || !Number.isFinite(n) || (int && !Number.isInteger(n))) throw new AppError('BAD_INPUT', `--${k}: ${what}, not "${raw.slice(0, 20)}"`);
  return n;
}

type Rates = ChannelOutput<'billing.rates'>;
const ratesText = (r: Rates): string =>
  [
    `rate card (${r.currency})${r.isDefault ? ' — DEFAULT: none was set on this cluster' : ` — set by ${r.updatedBy ?? '?'} at ${r.updatedAt ?? '?'}`}`,
    table([
      ['ITEM', 'RATE', 'MINOR UNITS'],
      ['per GB-month (10^9 bytes, 30 days)', formatMinor(r.perGbMonth, r.currency), String(r.perGbMonth)],
      ['per user-month', formatMinor(r.perUserMonth, r.currency), String(r.perUserMonth)],
      ['per certificate-month', formatMinor(r.perCertificateMonth, r.currency), String(r.perCertificateMonth)],
      ['per million requests', formatMinor(r.perMillionRequests, r.currency), String(r.perMillionRequests)],
      ...Object.entries(r.tierFees).map(([t, v]) => [`tier ${t} per month`, formatMinor(v, r.currency), String(v)]),
    ]),
  ].join('\n');

export const statementText = (st: Statement): string =>
  [
    `statement of ${st.tenant} on ${st.cluster}${st.costCentre ? ` (cost centre ${st.costCentre})` : ''}: ${st.from} → ${st.to}`,
    table([
      ['ITEM', 'QUANTITY', 'UNIT', 'RATE', 'AMOUNT', 'PRECISION'],
      ...st.lines.map((l) => [l.item, l.quantity, l.unit, formatMinor(l.rateMinor, st.currency), formatMinor(l.amountMinor, st.currency), l.precision]),
      ['total', '', '', '', formatMinor(st.totalMinor, st.currency), ''],
    ]),
    `coverage ${(st.coverage * 100).toFixed(2)} % from ${st.samples} samples (a sample holds at most ${st.maxGapSeconds / 60} min); amounts rounded half-even to minor units once per line`,
    ...st.notes.map((n) => `note: ${n}`),
  ].join('\n');

type Report = ChannelOutput<'billing.report'>;
const reportText = (r: Report): string =>
  [
    `MSP report ${r.from} → ${r.to} (${r.currency}), ${r.statements.length} tenants`,
    table([['TENANT', 'COST CENTRE', 'COVERAGE', 'TOTAL'], ...r.statements.map((x) => [x.tenant, x.costCentre ?? '', `${(x.coverage * 100).toFixed(1)} %`, formatMinor(x.totalMinor, r.currency)])]),
    '',
    table([['COST CENTRE', 'TENANTS', 'TOTAL'], ...r.byCostCentre.map((c) => [c.costCentre ?? '(none)', String(c.tenants), formatMinor(c.totalMinor, r.currency)])]),
    `grand total ${formatMinor(r.totalMinor, r.currency)}`,
    ...(r.csvPath ? [`CSV written to ${r.csvPath}`] : []),
  ].join('\n');

type Analytics = ChannelOutput<'analytics.report'>;
const fig = (v: number | null, unit = ''): string => (v === null ? '—' : `${v}${unit}`);
const analyticsText = (r: Analytics): string =>
  [
    `analytics by ${r.groupBy}, k = ${r.k}${r.epsilon !== null ? `, ε = ${r.epsilon} (count noise scale ${r.noiseScale?.toFixed(3)})` : ', no noise'}; budget ${r.budgetSpent} of ${r.budgetTotal} spent, ${r.budgetLeft} left`,
    table([
      ['GROUP', 'TENANTS', 'STORAGE GB', 'REQUESTS 30D', 'FINDINGS', 'GROWTH 30D'],
      ...[...r.cells, ...(r.total ? [r.total] : [])].map((c) => [c.group, fig(c.tenants), fig(c.storageGb), fig(c.requests), fig(c.findings), fig(c.growthPercent, ' %')]),
    ]),
    `storage percentiles (bin upper edge, GB): ${r.distribution.map((d) => `p${d.percentile} ${d.storageGb === null ? 'suppressed' : `≤ ${d.storageGb}`}`).join(', ')}`,
    ...r.noise.map((n) => `noise ${n.figure}: clip ${n.clip}, sensitivity ${n.sensitivity}, ε ${n.epsilon.toFixed(6)}, scale ${n.scale.toFixed(3)}`),
    ...r.notes.map((n) => `note: ${n}`),
  ].join('\n');

type Budget = ChannelOutput<'analytics.budget'>;
const budgetText = (x: Budget): string =>
  [`privacy budget: ε ${x.spent} of ${x.total} spent, ${x.left} left`, ...(x.reports.length ? [table([['AT', 'ε', 'BY'], ...x.reports.map((r) => [r.at, String(r.epsilon), r.by ?? '?'])])] : ['no noisy reports released yet'])].join('\n');

const period = (v: Values) => ({ from: need(v, 'from'), to: need(v, 'to') });

/** `csm billing …` and `csm analytics …` (issue 10 items 3–4). */
export const BILLING_COMMANDS: Command[] = [
  command({
    words: ['billing', 'rates'],
    usage: 'csm billing rates --cluster C [--json]   (set: csm billing rates set --cluster C --file F.json)',
    options: { cluster: s, 'set-file': s },
    positionals: [],
    channel: 'billing.rates',
    input: async (v) => {
      if (str(v, 'set-file') !== undefined) throw new AppError('BAD_INPUT', 'to set the rate card: csm billing rates set --cluster C --file F.json');
      return { cluster: need(v, 'cluster') };
    },
    text: ratesText,
  }),
  command({
    words: ['billing', 'rates', 'set'],
    usage:
      'csm billing rates set --cluster C --file F.json [--json]   (F: {"currency":"EUR","perGbMonth":10,"perUserMonth":100,"perCertificateMonth":50,"perMillionRequests":40,"tierFees":{"basic":0,"standard":5000,"premium":20000,"enterprise":100000}} — integer minor units)',
    options: { cluster: s, file: s },
    positionals: [],
    channel: 'billing.setRates',
    input: async (v) => {
      const file = need(v, 'file');
      let rates: unknown;
      try {
        rates = JSON.parse(readFileSync(file, 'utf8'));
      } catch (e) {
        throw new AppError('BAD_INPUT', `--file ${file.slice(0, 200)}: ${(e as { code?: string }).code === 'ENOENT' ? 'no such file' : 'not a JSON rate card'}`);
      }
      return { cluster: need(v, 'cluster'), rates: rates as never };
    },
    text: ratesText,
  }),
  command({
    words: ['billing', 'statement'],
    usage: 'csm billing statement --tenant ID --cluster C --from TIME --to TIME [--json]   (ISO 8601 with offset, e.g. 2026-11-01T00:00:00Z)',
    options: { cluster: s, tenant: s, from: s, to: s },
    positionals: [],
    channel: 'billing.statement',
    input: async (v) => ({ cluster: need(v, 'cluster'), tenant: need(v, 'tenant'), ...period(v) }),
    text: statementText,
  }),
  command({
    words: ['billing', 'cost-centre'],
    usage: 'csm billing cost-centre --tenant ID --cluster C (--set NAME | --clear) [--json]',
    options: { cluster: s, tenant: s, set: s, clear: b },
    positionals: [],
    channel: 'billing.setCostCentre',
    input: async (v) => {
      const set = str(v, 'set');
      if ((set === undefined) === (v['clear'] !== true)) throw new AppError('BAD_INPUT', 'give exactly one of --set NAME or --clear');
      return { cluster: need(v, 'cluster'), tenant: need(v, 'tenant'), costCentre: set ?? null };
    },
    text: (r) => (r.costCentre ? `cost centre of ${r.tenant}: ${r.costCentre}` : `cost centre of ${r.tenant} cleared`),
  }),
  command({
    words: ['billing', 'report'],
    usage: 'csm billing report --cluster C --from TIME --to TIME [--out F.csv] [--json]   (the CSV is created new, 0600; an existing file is never overwritten)',
    options: { cluster: s, from: s, to: s, out: s },
    positionals: [],
    channel: 'billing.report',
    input: async (v) => {
      const out = str(v, 'out');
      return { cluster: need(v, 'cluster'), ...period(v), ...(out !== undefined ? { out: resolve(out) } : {}) };
    },
    text: reportText,
  }),
  command({
    words: ['analytics'],
    usage: `csm analytics --cluster C --k N [--epsilon E] [--group-by ${ANALYTICS_GROUPINGS.join('|')}] [--clip-storage-gb G] [--clip-requests R] [--clip-findings F] [--json]   (with --epsilon, spends ε from the cluster's budget)`,
    options: { cluster: s, k: s, epsilon: s, 'group-by': s, 'clip-storage-gb': s, 'clip-requests': s, 'clip-findings': s },
    positionals: [],
    channel: 'analytics.report',
    input: async (v) => {
      const k = num(v, 'k', 'a whole number ≥ 2', true);
      if (k === undefined) throw new AppError('BAD_INPUT', '--k is required');
      const epsilon = num(v, 'epsilon', 'a positive number');
      const groupBy = str(v, 'group-by') ?? 'tier';
      if (!(ANALYTICS_GROUPINGS as readonly string[]).includes(groupBy)) throw new AppError('BAD_INPUT', `--group-by: one of ${ANALYTICS_GROUPINGS.join(', ')}`);
      const clip = { storageGb: num(v, 'clip-storage-gb', 'a positive number'), requests: num(v, 'clip-requests', 'a whole number', true), findings: num(v, 'clip-findings', 'a whole number', true) };
      const given = Object.fromEntries(Object.entries(clip).filter(([, x]) => x !== undefined));
      return { cluster: need(v, 'cluster'), k, groupBy: groupBy as (typeof ANALYTICS_GROUPINGS)[number], ...(epsilon !== undefined ? { epsilon } : {}), ...(Object.keys(given).length ? { clip: given } : {}) };
    },
    text: analyticsText,
  }),
  command({
    words: ['analytics', 'budget'],
    usage: 'csm analytics budget --cluster C [--total E] [--json]',
    options: { cluster: s, total: s },
    positionals: [],
    channel: 'analytics.budget',
    input: async (v) => {
      const total = num(v, 'total', 'a positive number');
      return { cluster: need(v, 'cluster'), ...(total !== undefined ? { total } : {}) };
    },
    text: budgetText,
  }),
];
