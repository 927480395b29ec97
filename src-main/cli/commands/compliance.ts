import type { ComplianceProfile, ComplianceScan, Drift } from '../../../src-shared/contract/compliance';
import { FRAMEWORKS, POLICY_LABELS, type Framework, type Overrides } from '../../../src-shared/rules/compliance';
import { AppError } from '../../app/errors';
import { command, list, need, str, table, type Command, type Values } from './util';

/** Exit 1 when a control fails or any drift exists (issue 6: `csm compliance scan`). */
export const complianceExitCode = (r: Pick<ComplianceScan, 'counts'>): number => (r.counts.failed + r.counts.drift > 0 ? 1 : 0);

const shownValue = (v: unknown): string => (v === null ? '—' : Array.isArray(v) ? v.join(', ') || '—' : String(v));

export const profileText = (p: ComplianceProfile): string =>
  [
    `compliance profile of ${p.tenant} on ${p.cluster} (version ${p.version}${p.updatedBy ? `, set by ${p.updatedBy} at ${p.updatedAt}` : ', never set'}; read from ${p.readFrom})`,
    `boundary: ${p.boundary ? p.boundary.map((b) => `${b.dc}=${b.region}`).join(', ') : 'none'}`,
    `frameworks: ${p.frameworks.join(', ') || 'none'}`,
    table([
      ['POLICY', 'VALUE', 'FROM', 'SOURCE'],
      ...p.fields.map((f) => [POLICY_LABELS[f.field as keyof typeof POLICY_LABELS] ?? f.field, shownValue(f.value), f.origin === 'preset' ? `preset (${f.frameworks.join(', ')})` : f.origin, f.sources.join(' | ')]),
    ]),
  ].join('\n');

const driftText = (d: Drift): string => [`[${d.severity}] ${d.id} ${d.kind} — ${d.title}`, ...d.evidence.map((e) => `  evidence: ${e}`), ...d.fix.map((s) => `  fix: ${s}`), ...(d.fixNote ? [`  note: ${d.fixNote}`] : [])].join('\n');

export const scanText = (r: ComplianceScan): string =>
  [
    `compliance scan of ${r.tenant} on ${r.cluster} at ${r.scannedAt}: ${r.counts.drift} drift, ${r.counts.failed} control${r.counts.failed === 1 ? '' : 's'} failing, ${r.counts.unknown} unknown (read ${r.readMs} ms)`,
    `frameworks: ${r.profile.frameworks.join(', ') || 'none'} · boundary: ${r.profile.boundary ? r.profile.boundary.map((b) => `${b.dc} (${b.region})`).join(', ') : 'none'} · registry DCs: ${r.registeredDataCenters.join(', ') || 'none'}`,
    ...r.drift.map(driftText),
    table([['CONTROL', 'STATUS', 'EVIDENCE', 'SEE'], ...r.controls.map((c) => [c.id, c.status.toUpperCase(), c.evidence.join(' | '), c.cli])]),
    ...(r.drift.length ? [`fix one: csm compliance fix DRIFT --cluster ${r.cluster} --tenant ${r.tenant}`] : []),
  ].join('\n');

const tenantOpts = { cluster: { type: 'string' as const }, tenant: { type: 'string' as const } };
const ref = (v: Values): { cluster: string; tenant: string } => ({ cluster: need(v, 'cluster'), tenant: need(v, 'tenant') });

const int = (v: Values, k: string): number | undefined => {
  const s = str(v, k);
  if (s === undefined) return undefined;
  if (!/^\d{1,6}$/.test(s)) throw new AppError('BAD_INPUT', `--${k}: a whole number, got ${JSON.stringify(s.slice(0, 20))}`);
  return Number(s);
};

/** `--dc dc1=eu-west-1` → {dc, region}; the contract validates both names again. */
export function parseDcs(items: string[]): { dc: string; region: string }[] {
  return items.map((item) => {
    const i = item.indexOf('=');
    if (i <= 0 || i === item.length - 1) throw new AppError('BAD_INPUT', `--dc ${JSON.stringify(item.slice(0, 80))}: write DC=REGION, e.g. dc1=eu-west-1`);
    return { dc: item.slice(0, i), region: item.slice(i + 1) };
  });
}

/** Builds compliance.set's input from flags; override flags replace the stored overrides as a whole. */
export function setInput(v: Values): Record<string, unknown> {
  const input: Record<string, unknown> = ref(v);
  const dcs = list(v, 'dc');
  if (dcs.length && v['no-boundary'] === true) throw new AppError('BAD_INPUT', '--dc and --no-boundary exclude each other');
  if (dcs.length) input['boundary'] = parseDcs(dcs);
  if (v['no-boundary'] === true) input['boundary'] = null;
  const fws = list(v, 'framework');
  if (v['no-frameworks'] === true) input['frameworks'] = [];
  else if (fws.length) {
    const bad = fws.find((f) => !(FRAMEWORKS as readonly string[]).includes(f));
    if (bad !== undefined) throw new AppError('BAD_INPUT', `--framework ${JSON.stringify(bad.slice(0, 40))}: one of ${FRAMEWORKS.join(', ')}`);
    input['frameworks'] = fws as Framework[];
  }
  const o: Overrides = {};
  const approvals = list(v, 'approval');
  if (approvals.length) o.approvalRequired = approvals;
  const n = (k: string, f: keyof Overrides): void => {
    const x = int(v, k);
    if (x !== undefined) (o as Record<string, unknown>)[f] = x;
  };
  n('retention-years', 'retentionYears');
  n('min-rsa-bits', 'minRsaBits');
  n('min-ec-bits', 'minEcBits');
  n('max-key-age-days', 'maxKeyAgeDays');
  if (v['require-boundary'] === true) o.boundaryRequired = true;
  if (v['clear-overrides'] === true) {
    if (Object.keys(o).length) throw new AppError('BAD_INPUT', '--clear-overrides cannot be combined with override flags');
    input['overrides'] = {};
  } else if (Object.keys(o).length) input['overrides'] = o;
  const ev = int(v, 'expected-version');
  if (ev !== undefined) input['expectedVersion'] = ev;
  return input;
}

/** `csm compliance …` (issue 6 items 3–4). */
export const COMPLIANCE_COMMANDS: Command[] = [
  command({
    words: ['compliance', 'set'],
    usage:
      'csm compliance set --cluster C --tenant T [--dc DC=REGION ...|--no-boundary] [--framework SOX|PCI-DSS|GDPR|HIPAA ...|--no-frameworks] [--approval CHANNEL ...] [--retention-years N] [--min-rsa-bits N] [--min-ec-bits N] [--max-key-age-days N] [--require-boundary] [--clear-overrides] [--expected-version N] [--json]   (override flags replace the stored overrides)',
    options: {
      ...tenantOpts,
      dc: { type: 'string', multiple: true },
      'no-boundary': { type: 'boolean' },
      framework: { type: 'string', multiple: true },
      'no-frameworks': { type: 'boolean' },
      approval: { type: 'string', multiple: true },
      'retention-years': { type: 'string' },
      'min-rsa-bits': { type: 'string' },
      'min-ec-bits': { type: 'string' },
      'max-key-age-days': { type: 'string' },
      'require-boundary': { type: 'boolean' },
      'clear-overrides': { type: 'boolean' },
      'expected-version': { type: 'string' },
    },
    positionals: [],
    channel: 'compliance.set',
    input: async (v) => setInput(v) as never,
    text: profileText,
  }),
  command({
    words: ['compliance', 'list'],
    usage: 'csm compliance list --cluster C [--json]   (stored profiles; pass/fail from scans this console ran)',
    options: { cluster: { type: 'string' } },
    positionals: [],
    channel: 'compliance.list',
    input: async (v) => ({ cluster: need(v, 'cluster') }),
    text: (rows) =>
      rows.length === 0
        ? 'no compliance profiles (csm compliance set …)'
        : table([['TENANT', 'FRAMEWORKS', 'BOUNDARY', 'VERSION', 'LAST SCAN'], ...rows.map((r) => [r.tenant, r.frameworks.join(',') || '—', r.boundary?.join(',') ?? '—', String(r.version), r.scannedAt ? `${r.fail} failing, ${r.drift} drift (${r.scannedAt})` : 'not scanned here'])]),
  }),
  command({
    words: ['compliance', 'show'],
    usage: 'csm compliance show --cluster C --tenant T [--json]',
    options: tenantOpts,
    positionals: [],
    channel: 'compliance.get',
    input: async (v) => ref(v),
    text: profileText,
  }),
  command({
    words: ['compliance', 'scan'],
    usage: 'csm compliance scan --cluster C --tenant T [--json]   (exit 1 when a control fails or drift exists)',
    options: tenantOpts,
    positionals: [],
    channel: 'compliance.scan',
    input: async (v) => ref(v),
    text: scanText,
    exitCode: complianceExitCode,
  }),
  command({
    words: ['compliance', 'fix'],
    usage: 'csm compliance fix DRIFT --cluster C --tenant T [--json]   (re-scans, runs the drift’s statements, re-scans)',
    options: tenantOpts,
    positionals: ['drift'],
    channel: 'compliance.fix',
    input: async (v, p) => ({ ...ref(v), driftId: p.drift! }),
    text: (r) => [`${r.resolved ? 'fixed' : 'NOT fixed'}: ${r.drift.title}`, ...r.applied.map((s) => `  ran: ${s}`), `after: ${r.after.counts.drift} drift, ${r.after.counts.failed} controls failing`].join('\n'),
    exitCode: (r) => (r.resolved ? 0 : 1),
  }),
];
