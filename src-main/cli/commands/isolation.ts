import { readFile, stat } from 'node:fs/promises';
import type { Finding, IsolationAlert, IsolationReport, MonitorStatus, ScanSchedule } from '../../../src-shared/contract/isolation';
import { AppError } from '../../app/errors';
import { writeSealedFile } from './keys';
import { command, need, str, type Command, type Values } from './util';

/** Exit 1 when anything of warning severity or worse is left; info notes (schema visibility) never count. */
export const scanExitCode = (r: Pick<IsolationReport, 'counts'>): number => (r.counts.critical + r.counts.warning > 0 ? 1 : 0);

const findingText = (f: Finding): string =>
  [
    `[${f.severity}] ${f.id} ${f.kind}${f.tenants.length ? ` — tenants ${f.tenants.join(', ')}` : ''}`,
    `  ${f.title}`,
    ...f.evidence.map((e) => `  evidence: ${e.text}`),
    ...(f.moreEvidence ? [`  … and ${f.moreEvidence} more paths (--json)`] : []),
    ...f.fix.map((s) => `  fix: ${s}`),
    ...(f.fixNote ? [`  note: ${f.fixNote}`] : []),
  ].join('\n');

export const reportText = (r: IsolationReport): string =>
  [
    `isolation scan of ${r.cluster}${r.tenant ? ` (tenant ${r.tenant})` : ''} by ${r.scannedBy ?? 'unknown'} at ${r.scannedAt}`,
    `${r.counts.critical} critical, ${r.counts.warning} warning, ${r.counts.info} info — ${r.stats.tenants} tenants, ${r.stats.roles} roles, ${r.stats.memberships} memberships, ${r.stats.grants} permissions; read ${r.stats.readMs} ms, analysis ${r.stats.analysisMs} ms`,
    ...r.findings.map(findingText),
    ...(r.counts.critical + r.counts.warning === 0 ? ['no role reaches across a tenant boundary'] : [`fix one: csm isolation fix ID --cluster ${r.cluster}`]),
  ].join('\n');

/** Exit 1 while any alert waits for acknowledgement (a resolved but unacknowledged one too: someone should look), or when the alerts could not be read. */
export const statusExitCode = (s: Pick<MonitorStatus, 'unacknowledged' | 'stale'>): number => (s.unacknowledged > 0 || s.stale ? 1 : 0);

const scheduleText = (s: ScanSchedule): string => (s.everyMinutes === null ? 'off' : `every ${s.everyMinutes} min${s.isDefault ? ' (default)' : ''}`) + (s.updatedBy ? ` — set by ${s.updatedBy} at ${s.updatedAt}` : '');
const alertText = (a: IsolationAlert): string =>
  `${a.id} [${a.severity}] ${a.acknowledgedAt ? `acknowledged by ${a.acknowledgedBy ?? 'unknown'}` : 'UNACKNOWLEDGED'}${a.resolvedAt ? `, resolved ${a.resolvedAt}` : ''}\n  ${a.title}\n  finding ${a.findingId} (${a.kind}) raised ${a.raisedAt} by a ${a.trigger} scan${a.tenants.length ? ` — tenants ${a.tenants.join(', ')}` : ''}`;

export const statusText = (s: MonitorStatus): string =>
  [
    `isolation monitor of ${s.cluster}: ${scheduleText(s.schedule)}`,
    s.lastScan ? `last scan ${s.lastScan.at} by ${s.lastScan.by ?? 'unknown'} (${s.lastScan.trigger}): ${s.lastScan.counts.critical} critical, ${s.lastScan.counts.warning} warning, ${s.lastScan.counts.info} info` : 'not scanned by the monitor yet',
    ...(s.nextScanAt ? [`next scan ${s.nextScanAt}`] : []),
    ...(s.stale ? ['csm_system could not be read: schedule, last scan and alerts are unknown'] : []),
    ...(s.lastError ? [`last error ${s.lastError.at} (${s.lastError.trigger}): ${s.lastError.code}: ${s.lastError.message}`] : []),
    s.openAlerts.length ? `${s.unacknowledged} unacknowledged, ${s.openAlerts.length} open alerts:` : 'no open alerts',
    ...s.openAlerts.map(alertText),
    ...(s.unacknowledged ? [`acknowledge one: csm isolation ack ALERT --cluster ${s.cluster}`] : []),
  ].join('\n');

/** `--every 30` or `--every off`. */
export function everyInput(v: Values): number | 'off' {
  const raw = need(v, 'every').trim().toLowerCase();
  if (raw === 'off') return 'off';
  if (!/^[0-9]{1,5}$/.test(raw)) throw new AppError('BAD_INPUT', `--every: minutes between scans (1–1440) or off, not "${raw.slice(0, 20)}"`);
  return Number(raw);
}

const scanOptions = { cluster: { type: 'string' as const }, tenant: { type: 'string' as const } };
const scanInput = (v: Values) => ({ ...(str(v, 'cluster') !== undefined ? { cluster: str(v, 'cluster')! } : {}), ...(str(v, 'tenant') !== undefined ? { tenant: str(v, 'tenant')! } : {}) });

/** `csm isolation …` (issue 6, item 1). */
export const ISOLATION_COMMANDS: Command[] = [
  command({
    words: ['isolation', 'scan'],
    usage: 'csm isolation scan [--cluster NAME] [--tenant ID] [--json]   (exit 1 when findings of warning severity or worse exist)',
    options: scanOptions,
    positionals: [],
    channel: 'isolation.scan',
    input: async (v) => scanInput(v),
    text: reportText,
    exitCode: scanExitCode,
  }),
  command({
    words: ['isolation', 'fix'],
    usage: 'csm isolation fix FINDING --cluster NAME [--json]   (re-scans, runs the finding’s statements, re-scans)',
    options: { cluster: { type: 'string' } },
    positionals: ['finding'],
    channel: 'isolation.fix',
    input: async (v, p) => ({ cluster: need(v, 'cluster'), findingId: p.finding! }),
    text: (r) =>
      [
        `${r.resolved ? 'fixed' : 'NOT fixed'}: ${r.finding.title}`,
        ...r.applied.map((s) => `  ran: ${s}`),
        `before: ${r.before.critical} critical, ${r.before.warning} warning — after: ${r.after.counts.critical} critical, ${r.after.counts.warning} warning`,
      ].join('\n'),
    exitCode: (r) => (r.resolved ? 0 : 1),
  }),
  command({
    words: ['isolation', 'export'],
    usage: 'csm isolation export --cluster NAME --out FILE [--tenant ID] [--force] [--json]   (signed report, verifiable offline)',
    options: { ...scanOptions, out: { type: 'string' }, force: { type: 'boolean' } },
    positionals: [],
    channel: 'isolation.export',
    input: async (v) => {
      const out = need(v, 'out');
      if (v['force'] !== true && (await stat(out).catch(() => null))) throw new AppError('CONFLICT', `${out} exists; it was left as it is (use --force to replace it)`);
      return { cluster: need(v, 'cluster'), ...(str(v, 'tenant') !== undefined ? { tenant: str(v, 'tenant')! } : {}) };
    },
    async deliver(value, values) {
      const v = value as { text: string; keyId: string; counts: IsolationReport['counts'] };
      const written = await writeSealedFile(need(values, 'out'), v.text, values['force'] === true);
      return { keyId: v.keyId, counts: v.counts, ...written };
    },
    text: (r) => {
      const w = r as unknown as { written?: string; keyId: string; counts: IsolationReport['counts'] };
      return `signed isolation report written to ${w.written ?? '(nowhere)'} — key ${w.keyId}; ${w.counts.critical} critical, ${w.counts.warning} warning, ${w.counts.info} info`;
    },
  }),
  command({
    words: ['isolation', 'status'],
    usage: 'csm isolation status [--cluster NAME] [--json]   (schedule, last scan, open alerts; exit 1 while alerts wait for acknowledgement)',
    options: { cluster: { type: 'string' } },
    positionals: [],
    channel: 'isolation.status',
    input: async (v) => (str(v, 'cluster') !== undefined ? { cluster: str(v, 'cluster')! } : {}),
    text: statusText,
    exitCode: statusExitCode,
  }),
  command({
    words: ['isolation', 'ack'],
    usage: 'csm isolation ack ALERT --cluster NAME [--json]   (acknowledge an isolation alert; again is harmless)',
    options: { cluster: { type: 'string' } },
    positionals: ['alert'],
    channel: 'isolation.acknowledge',
    input: async (v, p) => ({ cluster: need(v, 'cluster'), alertId: p.alert! }),
    text: (a) => `acknowledged by ${a.acknowledgedBy ?? 'unknown'} at ${a.acknowledgedAt}: ${a.title}`,
  }),
  command({
    words: ['isolation', 'schedule'],
    usage: 'csm isolation schedule --cluster NAME --every MINUTES|off [--json]   (1–1440; shared by every console on the cluster)',
    options: { cluster: { type: 'string' }, every: { type: 'string' } },
    positionals: [],
    channel: 'isolation.setSchedule',
    input: async (v) => ({ cluster: need(v, 'cluster'), everyMinutes: everyInput(v) }),
    text: (s) => `isolation scans: ${scheduleText(s)}`,
  }),
  command({
    words: ['isolation', 'verify'],
    usage: 'csm isolation verify FILE [--json]   (offline; exit 1 when the signature does not hold)',
    options: {},
    positionals: ['file'],
    channel: 'isolation.verifyReport',
    input: async (_v, p) => {
      const text = await readFile(p.file!, 'utf8').catch(() => {
        throw new AppError('BAD_INPUT', `cannot read ${p.file}`);
      });
      return { text };
    },
    text: (r) =>
      r.valid
        ? `valid: isolation report of ${r.cluster} at ${r.scannedAt}, signed by key ${r.keyId}${r.signedByThisInstallation ? ' (this installation)' : ' (not this installation’s key: compare the key id with the one you trust)'}`
        : `INVALID: ${r.reason}`,
    exitCode: (r) => (r.valid ? 0 : 1),
  }),
];
