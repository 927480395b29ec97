import type { AvailabilityView, CapacityReport, ClusterHealth, ProbeSample, ScheduleStatus } from '../../../src-shared/contract/availability';
import { AppError } from '../../app/errors';
import { command, need, str, table, type Command, type Values } from './util';

const ref = { cluster: { type: 'string' as const }, tenant: { type: 'string' as const } };
const refInput = (v: Values) => ({ cluster: need(v, 'cluster'), tenant: need(v, 'tenant') });
const pct = (p: number | null): string => (p === null ? 'no data' : `${p.toFixed(3)} %`);

const sampleLine = (s: ProbeSample): string =>
  `${s.at} ${s.ok ? 'OK  ' : 'FAIL'} ${s.latencyMs.toFixed(1)} ms as ${s.role ?? '?'} at ${s.consistency} on ${s.keyspace ?? '?'}${s.coordinator ? ` via ${s.coordinator}` : ''} (${s.trigger})${s.ok ? '' : ` — ${s.errorClass}: ${s.message}`}`;

export const viewText = (v: AvailabilityView): string =>
  [
    `availability of ${v.tenant} on ${v.cluster} — target ${v.target.percent} %${v.target.isDefault ? ' (default)' : ` (set by ${v.target.updatedBy ?? '?'} at ${v.target.updatedAt})`}`,
    table([
      ['PERIOD', 'AVAILABILITY', 'DOWN MIN', 'MONITORED MIN', 'EXCLUDED MIN', 'BUDGET LEFT MIN'],
      ...v.periods.map((p) => [p.period, pct(p.percent), p.downMinutes.toFixed(2), p.monitoredMinutes.toFixed(1), p.excludedMinutes.toFixed(1), `${p.budgetLeftMinutes.toFixed(2)} of ${p.budgetMinutes.toFixed(2)}`]),
    ]),
    v.alert ? `ALERT: below target since ${v.alert.at} (${pct(v.alert.percent)} over 24 h)` : 'at or above target',
    v.latest ? `latest: ${sampleLine(v.latest)}` : 'not probed yet: csm availability probe --tenant ' + v.tenant + ' --cluster ' + v.cluster,
    v.incidents.length ? `incidents:\n${v.incidents.map((i) => `  ${i.startedAt} → ${i.endedAt ?? 'ONGOING'} (${i.samples} failed probes) ${i.errorClass ?? ''}`).join('\n')}` : 'no incidents',
    ...(v.windows.length ? [`maintenance windows:\n${v.windows.map((w) => `  ${w.id} ${w.startsAt} → ${w.endsAt} ${w.reason}`).join('\n')}`] : []),
    v.scheduled ? `probed every ${v.intervalSeconds} s by this console` : 'not probed on a schedule by this console (a desktop or web console signed in with platform scope probes)',
  ].join('\n');

const healthText = (h: ClusterHealth): string =>
  [
    `health of ${h.cluster} at ${h.checkedAt}: ${h.up} up, ${h.down} down; ${h.tenantsFailing} of ${h.tenantsProbed} probed tenants failing`,
    table([['DC', 'NODE', 'STATE', 'RACK', 'VERSION', 'HOST ID'], ...h.dcs.flatMap((d) => d.nodes.map((n) => [d.name, n.address, n.up ? 'UP' : 'DOWN', n.rack ?? '', n.releaseVersion ?? '', n.hostId ?? '']))]),
  ].join('\n');

const capacityText = (c: CapacityReport): string =>
  [
    table([
      ['CLUSTER', 'STATUS', 'NODES', 'TENANTS', 'KEYSPACES', 'TABLES', 'NOTE'],
      ...c.clusters.map((x) => [x.cluster, x.status.toUpperCase(), String(x.nodes), String(x.tenants), String(x.keyspaces), String(x.tables), x.error ?? x.checks.filter((k) => k.status !== 'ok').map((k) => `${k.name} ${k.value} ≥ ${k.status === 'fail' ? k.fail : k.warn}`).join(', ')]),
    ]),
    `thresholds: ${Object.entries(c.thresholds).map(([k, t]) => `${k} warn ${t.warn} / fail ${t.fail}`).join('; ')}`,
    c.placement ? `next tenant goes to: ${c.placement.chosen ?? 'nowhere'} — ${c.placement.reason}` : `placement unknown: ${c.placementError}`,
  ].join('\n');

const scheduleText = (s: ScheduleStatus): string =>
  `probe schedule: every ${s.intervalSeconds} s, ${s.concurrency} at a time; ${s.running ? `running in this ${s.host} console over ${s.clusters.join(', ')} (${s.tenantsPlanned} tenants planned, ${s.probesRun} probes run)` : `not running here (${s.host === 'cli' ? 'the CLI never schedules; the setting applies to desktop and web consoles using this data directory' : 'no platform cluster signed in'})`}`;

function number(v: Values, k: string, what: string): number {
  const raw = need(v, k).trim();
  const n = Number(raw);
  if (!/^[0-9]+(\.[0-9]+)?$/.test(raw) || !Number.isFinite(n)) throw new AppError('BAD_INPUT', `--${k}: ${what}, not "${raw.slice(0, 20)}"`);
  return n;
}

/** `csm availability …`, `csm health`, `csm capacity` (issue 12). */
export const AVAILABILITY_COMMANDS: Command[] = [
  command({
    words: ['availability', 'probe'],
    usage: 'csm availability probe --tenant ID --cluster C [--json]',
    options: ref,
    positionals: [],
    channel: 'availability.probe',
    input: async (v) => refInput(v),
    text: sampleLine,
    exitCode: (s) => (s.ok ? 0 : 1),
  }),
  command({
    words: ['availability', 'show'],
    usage: 'csm availability show --tenant ID --cluster C [--json]',
    options: ref,
    positionals: [],
    channel: 'availability.show',
    input: async (v) => refInput(v),
    text: viewText,
    exitCode: (v) => (v.alert ? 1 : 0),
  }),
  command({
    words: ['availability', 'overview'],
    usage: 'csm availability overview --cluster C [--below] [--json]',
    options: { cluster: { type: 'string' }, below: { type: 'boolean' } },
    positionals: [],
    channel: 'availability.overview',
    input: async (v) => ({ cluster: need(v, 'cluster'), belowOnly: v['below'] === true }),
    text: (o) =>
      [
        `${o.total} probed tenants on ${o.cluster}, ${o.below} below target`,
        table([['TENANT', '24 H', '30 D', 'TARGET', 'BUDGET LEFT 30D MIN', 'LAST PROBE'], ...o.rows.map((r) => [r.tenant, pct(r.percent24h), pct(r.percent30d), `${r.target} %`, r.budgetLeftMinutes30d.toFixed(1), `${r.lastOk ? 'ok' : 'FAILED'} ${r.lastAt ?? ''}`])]),
      ].join('\n'),
    exitCode: (o) => (o.below > 0 ? 1 : 0),
  }),
  command({
    words: ['availability', 'target'],
    usage: 'csm availability target --tenant ID --cluster C --percent 99.95 [--json]',
    options: { ...ref, percent: { type: 'string' } },
    positionals: [],
    channel: 'availability.setTarget',
    input: async (v) => ({ ...refInput(v), percent: number(v, 'percent', 'a percentage such as 99.95') }),
    text: (t) => `SLA target ${t.percent} % (set by ${t.updatedBy ?? '?'} at ${t.updatedAt})`,
  }),
  command({
    words: ['availability', 'window', 'add'],
    usage: 'csm availability window add --tenant ID --cluster C --from ISO --to ISO --reason "…" [--json]',
    options: { ...ref, from: { type: 'string' }, to: { type: 'string' }, reason: { type: 'string' } },
    positionals: [],
    channel: 'availability.addWindow',
    input: async (v) => ({ ...refInput(v), startsAt: need(v, 'from'), endsAt: need(v, 'to'), reason: need(v, 'reason') }),
    text: (w) => `maintenance window ${w.id}: ${w.startsAt} → ${w.endsAt} (${w.reason})`,
  }),
  command({
    words: ['availability', 'window', 'remove'],
    usage: 'csm availability window remove --tenant ID --cluster C --id UUID [--json]',
    options: { ...ref, id: { type: 'string' } },
    positionals: [],
    channel: 'availability.removeWindow',
    input: async (v) => ({ ...refInput(v), id: need(v, 'id') }),
    text: () => 'maintenance window removed',
  }),
  command({
    words: ['availability', 'schedule'],
    usage: 'csm availability schedule [--interval SECONDS] [--concurrency N] [--json]',
    options: { interval: { type: 'string' }, concurrency: { type: 'string' } },
    positionals: [],
    channel: 'availability.schedule',
    input: async (v) => ({
      ...(str(v, 'interval') !== undefined ? { intervalSeconds: number(v, 'interval', 'seconds between probes (1–3600)') } : {}),
      ...(str(v, 'concurrency') !== undefined ? { concurrency: number(v, 'concurrency', 'probes at a time (1–64)') } : {}),
    }),
    text: scheduleText,
  }),
  command({
    words: ['health'],
    usage: 'csm health --cluster C [--json]',
    options: { cluster: { type: 'string' } },
    positionals: [],
    channel: 'health.show',
    input: async (v) => ({ cluster: need(v, 'cluster') }),
    text: healthText,
    exitCode: (h) => (h.down > 0 ? 1 : 0),
  }),
  command({
    words: ['capacity'],
    usage: 'csm capacity [--cluster C] [--json]',
    options: { cluster: { type: 'string' } },
    positionals: [],
    channel: 'capacity.show',
    input: async (v) => (str(v, 'cluster') !== undefined ? { cluster: str(v, 'cluster')! } : {}),
    text: capacityText,
    signInAll: true,
    exitCode: (c) => (c.clusters.some((x) => x.status === 'fail') ? 1 : 0),
  }),
];
