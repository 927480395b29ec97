import type { UsageFigure, UsageSample, UsageView } from '../../../src-shared/contract/resources';
import { AppError } from '../../app/errors';
import { command, need, str, table, type Command, type Values } from './util';

const bytes = (n: number): string => {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) (v /= 1024), i++;
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
};

/** One figure as text; estimates are marked with "~" and the word, unavailable figures say so. */
export const figureText = (f: UsageFigure): string => {
  if (f.value === null || f.precision === 'unavailable') return 'unavailable';
  const v = f.unit === 'bytes' ? bytes(f.value) : f.unit === 'ms' ? `${f.value} ms` : String(f.value);
  return f.precision === 'estimate' ? `~${v} (estimate)` : `${v} (exact)`;
};

export const sampleText = (s: UsageSample): string =>
  [
    `usage of ${s.tenant} at ${s.at} (${s.trigger})`,
    table([['METRIC', 'VALUE', 'SOURCE', 'NOTE'], ...s.figures.map((f) => [f.metric, figureText(f), f.source, f.note ?? ''])]),
  ].join('\n');

const viewText = (v: UsageView): string =>
  [
    v.latest ? sampleText(v.latest) : `no usage sample of ${v.tenant} yet: csm usage collect --tenant ${v.tenant} --cluster ${v.cluster}`,
    '',
    table([
      ['SERIES', 'POINTS', 'FIRST', 'LAST', 'PRECISION'],
      ...v.series.map((s) => {
        const vals = s.points.filter((p) => p.value !== null);
        const show = (x: number | null | undefined): string => (x === null || x === undefined ? '—' : s.unit === 'bytes' ? bytes(x) : String(x));
        return [s.metric, String(s.points.length), show(vals[0]?.value), show(vals[vals.length - 1]?.value), s.precision];
      }),
    ]),
    v.intervalS > 0 ? `sampled every ${v.intervalS} s by this console` : 'not sampled on a schedule by this console (a desktop or web console signed in with platform scope samples)',
    '~ marks estimates (sampled virtual tables, node-local counters); exact figures are counted from schema, roles and rows',
  ].join('\n');

function ratio(v: Values, k: string): number {
  const raw = need(v, k).trim();
  const n = Number(raw);
  if (!/^[0-9]*\.?[0-9]+$/.test(raw) || !Number.isFinite(n)) throw new AppError('BAD_INPUT', `--${k}: a number, not "${raw.slice(0, 20)}"`);
  return n;
}

/** `csm usage collect|show|noisy` (issue 10 items 1 and 5). */
export const USAGE_COMMANDS: Command[] = [
  command({
    words: ['usage', 'collect'],
    usage: 'csm usage collect [--tenant ID] --cluster C [--json]',
    options: { cluster: { type: 'string' }, tenant: { type: 'string' } },
    positionals: [],
    channel: 'usage.collect',
    input: async (v) => ({ cluster: need(v, 'cluster'), ...(str(v, 'tenant') !== undefined ? { tenant: need(v, 'tenant') } : {}) }),
    text: (o) =>
      [
        ...(o.samples.length === 1 ? [sampleText(o.samples[0]!)] : [`${o.samples.length} tenants sampled`, ...o.samples.map((s) => `  ${s.tenant}: storage ${figureText(s.figures.find((f) => f.metric === 'storage_bytes')!)}`)]),
        ...(o.failed.length ? [`${o.failed.length} failed:`, ...o.failed.map((f) => `  ${f.tenant}: ${f.message}`)] : []),
      ].join('\n'),
    exitCode: (o) => (o.failed.length ? 1 : 0),
  }),
  command({
    words: ['usage', 'show'],
    usage: 'csm usage show --tenant ID --cluster C [--from ISO] [--to ISO] [--json]',
    options: { cluster: { type: 'string' }, tenant: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } },
    positionals: [],
    channel: 'usage.show',
    input: async (v) => ({
      cluster: need(v, 'cluster'),
      tenant: need(v, 'tenant'),
      ...(str(v, 'from') !== undefined ? { from: need(v, 'from') } : {}),
      ...(str(v, 'to') !== undefined ? { to: need(v, 'to') } : {}),
    }),
    text: viewText,
  }),
  command({
    words: ['usage', 'noisy'],
    usage: 'csm usage noisy --cluster C [--threshold 0.5] [--window-hours 24] [--json]',
    options: { cluster: { type: 'string' }, threshold: { type: 'string' }, 'window-hours': { type: 'string' } },
    positionals: [],
    channel: 'usage.noisy',
    input: async (v) => ({
      cluster: need(v, 'cluster'),
      ...(str(v, 'threshold') !== undefined ? { threshold: ratio(v, 'threshold') } : {}),
      ...(str(v, 'window-hours') !== undefined ? { windowHours: ratio(v, 'window-hours') } : {}),
    }),
    text: (o) =>
      [
        `noisy neighbours over the last ${o.windowHours} h (threshold ${o.threshold}; requests and storage are estimates)`,
        table([
          ['TENANT', 'REQUESTS', 'SHARE', 'STORAGE GROWTH', 'SHARE', 'SAMPLES', 'OVER'],
          ...o.rows.map((r) => [r.tenant, String(r.requests), r.requestShare.toFixed(3), bytes(r.storageGrowthBytes), r.storageGrowthShare.toFixed(3), String(r.samples), r.over ? 'OVER' : '']),
        ]),
        ...(o.note ? [o.note] : []),
        ...(o.alerts.length ? ['alerts (7 days):', ...o.alerts.slice(0, 20).map((a) => `  ${a.at} ${a.tenant} ${a.kind} share ${a.share.toFixed(3)} > ${a.threshold}`)] : []),
      ].join('\n'),
    exitCode: (o) => (o.rows.some((r) => r.over) ? 1 : 0),
  }),
];
