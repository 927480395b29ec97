import { readFile } from 'node:fs/promises';
import type { Branding, ConfigVersion, ConfigView, Integration, TemplatePreview } from '../../../src-shared/contract/config';
import { fieldDef, parseFieldText, sniffLogo, showValue, type FieldChange, type FieldValue, type TemplateFieldChange } from '../../../src-shared/rules/tenant-config';
import { AppError } from '../../app/errors';
import { command, list, need, str, table, type Command, type Values } from './util';

/** `csm config …`, `csm branding …`, `csm integration …` (issue 7 items 2–4). */

const tenantOpts = { cluster: { type: 'string' as const }, tenant: { type: 'string' as const } };
const ref = (v: Values): { cluster: string; tenant: string } => ({ cluster: need(v, 'cluster'), tenant: need(v, 'tenant') });

const int = (v: Values, k: string): number | undefined => {
  const s = str(v, k);
  if (s === undefined) return undefined;
  if (!/^\d{1,9}$/.test(s)) throw new AppError('BAD_INPUT', `--${k}: a whole number, got ${JSON.stringify(s.slice(0, 20))}`);
  return Number(s);
};
const version = (s: string, what: string): number => {
  const n = /^v?(\d{1,9})$/.exec(s);
  if (!n) throw new AppError('BAD_INPUT', `${what}: a version number (e.g. 3 or v3), got ${JSON.stringify(s.slice(0, 20))}`);
  return Number(n[1]);
};

/**
 * `--set password.minLength=14` → typed value by the field's kind. A value that does not parse is
 * passed on as text, so main refuses it with the field and the reason like any other client.
 */
export function parseAssignments(items: string[]): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  for (const item of items) {
    const i = item.indexOf('=');
    if (i <= 0) throw new AppError('BAD_INPUT', `--set ${JSON.stringify(item.slice(0, 80))}: write FIELD=VALUE, e.g. password.minLength=14`);
    const path = item.slice(0, i);
    const text = item.slice(i + 1);
    if (path in out) throw new AppError('BAD_INPUT', `--set ${path} given twice`);
    const def = fieldDef(path);
    const typed = def ? parseFieldText(def, text) : undefined;
    out[path] = typed === undefined ? text : typed; // null is a value (no limit), not "did not parse"

  }
  return out;
}

export const changesText = (changes: FieldChange[]): string =>
  changes.length === 0
    ? '(no changes)'
    : table([['FIELD', 'CHANGE', 'BEFORE', 'AFTER'], ...changes.map((c) => [c.path, c.kind, c.kind === 'set' ? '(inherited)' : showValue(c.before), c.kind === 'cleared' ? '(inherited)' : showValue(c.after)])]);

export const viewText = (v: ConfigView): string =>
  [
    `configuration of ${v.tenant} on ${v.cluster}: version ${v.version}${v.updatedBy ? ` by ${v.updatedBy} at ${v.updatedAt}` : ' (nothing overridden yet)'}`,
    `template: ${v.template.name ?? '(none)'}${v.template.found ? '' : ' (not readable here: built-in defaults)'}`,
    table([
      ['FIELD', 'VALUE', 'ORIGIN', 'INHERITED VALUE'],
      ...v.fields.map((f) => [f.path, showValue(f.value), f.origin === 'overridden' ? 'overridden' : `inherited (${f.inheritedFrom})`, f.origin === 'overridden' ? `${showValue(f.inheritedValue)} (${f.inheritedFrom})` : '']),
    ]),
    ...v.warnings.map((w) => `warning: ${w.path}: ${w.message}`),
  ].join('\n');

export const templateFieldsText = (changes: TemplateFieldChange[], shadowed: TemplateFieldChange[]): string =>
  [
    changes.length ? table([['FIELD', 'BEFORE', 'AFTER'], ...changes.map((c) => [c.path, showValue(c.before), showValue(c.after)])]) : '(no effective value changes)',
    ...(shadowed.length ? ['overridden, so unchanged (template value before → after):', ...shadowed.map((c) => `  ${c.path}: ${showValue(c.before)} → ${showValue(c.after)}`)] : []),
  ].join('\n');

const previewText = (p: TemplatePreview): string =>
  [
    `dry run: template of ${p.tenant} on ${p.cluster}: ${p.from ?? '(none)'} → ${p.to} — nothing was changed`,
    p.current ? `already uses template ${p.to} and its defaults are current: nothing to do` : templateFieldsText(p.changes, p.shadowed),
    ...p.problems.map((i) => `refused: ${i.path}: ${i.message}`),
    ...p.ignored.map((i) => `warning: ${i.path}: ${i.message}`),
  ].join('\n');

const versionText = (v: ConfigVersion): string => [`v${v.version} by ${v.author} at ${v.at}: ${v.reason}`, changesText(v.changes)].join('\n');

const brandingText = (b: Branding): string =>
  b.set
    ? [`branding of ${b.tenant}: ${b.displayName ?? ''}`, `colours: primary ${b.primaryColor} accent ${b.accentColor}`, `logo: ${b.logo ? `${b.logo.type} ${b.logo.width}×${b.logo.height} (${b.logo.bytes} bytes)` : 'none'}`, `set by ${b.updatedBy} at ${b.updatedAt}`].join('\n')
    : `branding of ${b.tenant}: not set (default theme)`;

const integrationsText = (rows: Integration[]): string =>
  rows.length === 0 ? '(no integrations)' : table([['NAME', 'KIND', 'ENDPOINT', 'SECRET STORED'], ...rows.map((r) => [r.name, r.kind, r.endpoint, r.secretStored ? 'yes' : 'no'])]);

/** Checked here too, so a wrong file fails before anything is sent (main checks again). */
async function logoBase64(file: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new AppError('BAD_INPUT', `--logo: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  const c = sniffLogo(new Uint8Array(bytes));
  if (!c.ok) throw new AppError('BAD_INPUT', c.message);
  return bytes.toString('base64');
}

export const CONFIG_COMMANDS: Command[] = [
  command({
    words: ['config', 'show'],
    usage: 'csm config show --cluster C --tenant ID [--json]',
    options: tenantOpts,
    positionals: [],
    channel: 'config.show',
    input: async (v) => ref(v),
    text: viewText,
  }),
  command({
    words: ['config', 'set'],
    usage: 'csm config set --cluster C --tenant ID --set FIELD=VALUE… [--clear FIELD…] --reason TEXT [--expected-version N] [--json]',
    options: { ...tenantOpts, set: { type: 'string', multiple: true }, clear: { type: 'string', multiple: true }, reason: { type: 'string' }, 'expected-version': { type: 'string' } },
    positionals: [],
    channel: 'config.set',
    input: async (v) => {
      const set = parseAssignments(list(v, 'set'));
      const clear = list(v, 'clear');
      if (Object.keys(set).length === 0 && clear.length === 0) throw new AppError('BAD_INPUT', 'nothing to change: give --set FIELD=VALUE or --clear FIELD');
      const expectedVersion = int(v, 'expected-version');
      return { ...ref(v), set, clear, reason: need(v, 'reason'), ...(expectedVersion !== undefined ? { expectedVersion } : {}) };
    },
    text: (v) => `saved version ${v.version}\n${viewText(v)}`,
  }),
  command({
    words: ['config', 'history'],
    usage: 'csm config history --cluster C --tenant ID [--limit N] [--json]',
    options: { ...tenantOpts, limit: { type: 'string' } },
    positionals: [],
    channel: 'config.history',
    input: async (v) => {
      const limit = int(v, 'limit');
      return { ...ref(v), ...(limit !== undefined ? { limit } : {}) };
    },
    text: (rows) => (rows.length ? table([['VERSION', 'AUTHOR', 'AT', 'CHANGES', 'REASON'], ...rows.map((r) => [`v${r.version}`, r.author, r.at, String(r.changes.length), r.reason])]) : '(no versions: every field is inherited)'),
  }),
  command({
    words: ['config', 'version'],
    usage: 'csm config version N --cluster C --tenant ID [--json]',
    options: tenantOpts,
    positionals: ['version'],
    channel: 'config.version',
    input: async (v, p) => ({ ...ref(v), version: version(p['version']!, 'version') }),
    text: versionText,
  }),
  command({
    words: ['config', 'diff'],
    usage: 'csm config diff FROM TO --cluster C --tenant ID [--json]   (0 = nothing overridden)',
    options: tenantOpts,
    positionals: ['from', 'to'],
    channel: 'config.diff',
    input: async (v, p) => ({ ...ref(v), from: version(p['from']!, 'FROM'), to: version(p['to']!, 'TO') }),
    text: (d) => `v${d.from} → v${d.to}\n${changesText(d.changes)}`,
  }),
  command({
    words: ['config', 'rollback'],
    usage: 'csm config rollback N --cluster C --tenant ID [--note TEXT] [--expected-version N] [--json]',
    options: { ...tenantOpts, note: { type: 'string' }, 'expected-version': { type: 'string' } },
    positionals: ['version'],
    channel: 'config.rollback',
    input: async (v, p) => {
      const expectedVersion = int(v, 'expected-version');
      const note = str(v, 'note');
      return { ...ref(v), version: version(p['version']!, 'version'), ...(note !== undefined ? { note } : {}), ...(expectedVersion !== undefined ? { expectedVersion } : {}) };
    },
    text: (v) => `rolled back: now version ${v.version}\n${viewText(v)}`,
  }),
  command({
    words: ['config', 'template'],
    usage: 'csm config template --cluster C --tenant ID --template NAME --reason TEXT [--expected-version N] [--json]   (platform scope; re-base the tenant on a template; preview with csm config template-preview)',
    options: { ...tenantOpts, template: { type: 'string' }, reason: { type: 'string' }, 'expected-version': { type: 'string' } },
    positionals: [],
    channel: 'config.setTemplate',
    input: async (v) => {
      const expectedVersion = int(v, 'expected-version');
      return { ...ref(v), template: need(v, 'template'), reason: need(v, 'reason'), ...(expectedVersion !== undefined ? { expectedVersion } : {}) };
    },
    text: (v) => `template ${v.template.name ?? '(none)'}: saved version ${v.version}\n${templateFieldsText(v.changes, [])}`,
  }),
  command({
    words: ['config', 'template-preview'],
    usage: 'csm config template-preview --cluster C --tenant ID --template NAME [--json]   (dry run of csm config template: the effective fields that would change; nothing written)',
    options: { ...tenantOpts, template: { type: 'string' } },
    positionals: [],
    channel: 'config.templatePreview',
    input: async (v) => ({ ...ref(v), template: need(v, 'template') }),
    text: previewText,
  }),
  command({
    words: ['branding', 'show'],
    usage: 'csm branding show --cluster C --tenant ID [--json]',
    options: tenantOpts,
    positionals: [],
    channel: 'branding.get',
    input: async (v) => ref(v),
    text: brandingText,
  }),
  command({
    words: ['branding', 'set'],
    usage: 'csm branding set --cluster C --tenant ID --name TEXT --primary #RRGGBB --accent #RRGGBB [--logo FILE.png|jpg | --no-logo] [--json]',
    options: { ...tenantOpts, name: { type: 'string' }, primary: { type: 'string' }, accent: { type: 'string' }, logo: { type: 'string' }, 'no-logo': { type: 'boolean' } },
    positionals: [],
    channel: 'branding.set',
    input: async (v) => {
      const file = str(v, 'logo');
      if (file !== undefined && v['no-logo'] === true) throw new AppError('BAD_INPUT', '--logo and --no-logo exclude each other');
      const logo = file !== undefined ? await logoBase64(file) : v['no-logo'] === true ? null : undefined;
      return { ...ref(v), displayName: need(v, 'name'), primaryColor: need(v, 'primary'), accentColor: need(v, 'accent'), ...(logo !== undefined ? { logo } : {}) };
    },
    text: brandingText,
    // The logo travels back as a data URL: not something a terminal or a JSON pipe wants.
    deliver: async (value) => {
      const b = value as Branding;
      return { ...b, logo: b.logo ? { ...b.logo, dataUrl: `(${b.logo.bytes} bytes)` } : null };
    },
  }),
  command({
    words: ['integration', 'list'],
    usage: 'csm integration list --cluster C --tenant ID [--json]',
    options: tenantOpts,
    positionals: [],
    channel: 'integration.list',
    input: async (v) => ref(v),
    text: integrationsText,
  }),
  command({
    words: ['integration', 'add'],
    usage: 'csm integration add --cluster C --tenant ID --name N --kind ldap|sso|siem|webhook|smtp|kms|ticketing|other --endpoint URL [--secret-stdin | --clear-secret] [--json]',
    options: { ...tenantOpts, name: { type: 'string' }, kind: { type: 'string' }, endpoint: { type: 'string' }, 'secret-stdin': { type: 'boolean' }, 'clear-secret': { type: 'boolean' } },
    positionals: [],
    channel: 'integration.save',
    input: async (v, _p, io) => {
      const input = { ...ref(v), name: need(v, 'name'), kind: need(v, 'kind') as Integration['kind'], endpoint: need(v, 'endpoint'), clearSecret: v['clear-secret'] === true };
      // Secrets only from stdin (never an argument: shell history, process lists).
      return v['secret-stdin'] === true ? { ...input, secret: await io.secret('integration secret', true) } : input;
    },
    text: (i) => `integration ${i.name} (${i.kind}) → ${i.endpoint}; secret stored: ${i.secretStored ? 'yes' : 'no'}`,
  }),
  command({
    words: ['integration', 'remove'],
    usage: 'csm integration remove --cluster C --tenant ID --name N [--json]',
    options: { ...tenantOpts, name: { type: 'string' } },
    positionals: [],
    channel: 'integration.remove',
    input: async (v) => ({ ...ref(v), name: need(v, 'name') }),
    text: () => 'removed (with its keychain secret)',
  }),
];
