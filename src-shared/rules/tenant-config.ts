import { z } from 'zod';
import { DEFAULT_PASSWORD_POLICY, passwordPolicySchema } from './password-policy';

/**
 * A tenant's typed policies (issue 7 items 2–3): the schema, the platform defaults, template
 * inheritance, per-field overrides, diffs and the compliance minimums. Pure and shared: the
 * Policies tab validates with exactly what main validates before it writes a version.
 */

/** Cassandra's consistency levels a read may use (ANY is write-only). */
export const READ_CONSISTENCY = ['ONE', 'TWO', 'THREE', 'QUORUM', 'ALL', 'LOCAL_ONE', 'LOCAL_QUORUM', 'EACH_QUORUM', 'SERIAL', 'LOCAL_SERIAL'] as const;
/** …and a write may use (SERIAL/LOCAL_SERIAL only name the Paxos phase of an LWT, never a write's level). */
export const WRITE_CONSISTENCY = ['ANY', 'ONE', 'TWO', 'THREE', 'QUORUM', 'ALL', 'LOCAL_ONE', 'LOCAL_QUORUM', 'EACH_QUORUM'] as const;
export const CERT_ALGORITHMS = ['RSA', 'ECDSA-P256', 'ECDSA-P384'] as const;
export type CertAlgorithm = (typeof CERT_ALGORITHMS)[number];
const EC_BITS: Record<CertAlgorithm, number | null> = { RSA: null, 'ECDSA-P256': 256, 'ECDSA-P384': 384 };

export const FEATURE_NAME_PATTERN = /^[a-z][a-z0-9_.]{0,63}$/;
export const featureNameSchema = z.string().regex(FEATURE_NAME_PATTERN, 'feature name: a lower-case letter, then up to 63 lower-case letters, digits, _ or .');

const quota = z.number().int().min(0).max(1_000_000).nullable();

export const tenantPoliciesSchema = z
  .object({
    password: passwordPolicySchema,
    certificates: z
      .object({
        validityDays: z.number().int().min(1).max(3650),
        minRsaBits: z.number().int().min(2048, 'at least 2048 bits').max(8192).refine((n) => n % 1024 === 0, 'a multiple of 1024'),
        algorithms: z.array(z.enum(CERT_ALGORITHMS)).min(1, 'at least one algorithm').max(3).refine((a) => new Set(a).size === a.length, 'an algorithm listed twice'),
        approvalRequired: z.boolean(),
      })
      .strict(),
    consistency: z.object({ read: z.enum(READ_CONSISTENCY), write: z.enum(WRITE_CONSISTENCY) }).strict(),
    sessions: z.object({ maxConcurrentPerUser: z.number().int().min(1).max(1000), idleMinutes: z.number().int().min(1).max(1440) }).strict(),
    retention: z.object({ auditDays: z.number().int().min(1).max(36500) }).strict(),
    quotas: z.object({ maxUsers: quota, maxKeyspaces: quota, maxTables: quota, maxCertificates: quota }).strict(),
    features: z.record(featureNameSchema, z.boolean()),
  })
  .strict();
export type TenantPolicies = z.infer<typeof tenantPoliciesSchema>;

/** Built-in defaults: what a field is when neither the template nor the tenant says otherwise. */
export const BUILTIN_POLICIES: TenantPolicies = {
  password: DEFAULT_PASSWORD_POLICY,
  certificates: { validityDays: 365, minRsaBits: 2048, algorithms: ['RSA', 'ECDSA-P256'], approvalRequired: false },
  consistency: { read: 'LOCAL_QUORUM', write: 'LOCAL_QUORUM' },
  sessions: { maxConcurrentPerUser: 5, idleMinutes: 30 },
  retention: { auditDays: 365 },
  quotas: { maxUsers: null, maxKeyspaces: null, maxTables: null, maxCertificates: null },
  features: {},
};

export type FieldKind = 'int' | 'bool' | 'enum' | 'enum-list' | 'quota';
export interface FieldDef {
  path: string;
  section: Exclude<keyof TenantPolicies, 'features'> | 'features';
  label: string;
  kind: FieldKind;
  options?: readonly string[];
  /** Keys a template may give this field under (its policies/config string maps, or quotas). */
  templateKeys: string[];
}

const f = (path: string, label: string, kind: FieldKind, templateKeys: string[], options?: readonly string[]): FieldDef => ({
  path,
  section: path.split('.')[0] as FieldDef['section'],
  label,
  kind,
  templateKeys,
  ...(options ? { options } : {}),
});

/** Every typed field but feature flags (those are `features.<name>`, any valid name). */
export const FIELDS: readonly FieldDef[] = [
  f('password.minLength', 'Minimum length', 'int', ['password.min_length']),
  f('password.requireLower', 'Require a lower-case letter', 'bool', ['password.require_lower']),
  f('password.requireUpper', 'Require an upper-case letter', 'bool', ['password.require_upper']),
  f('password.requireDigit', 'Require a digit', 'bool', ['password.require_digit']),
  f('password.requireSymbol', 'Require a symbol', 'bool', ['password.require_symbol']),
  f('password.historyCount', 'Not one of the last N passwords', 'int', ['password.history_count']),
  f('password.forbidUserName', 'Must not contain the user name', 'bool', ['password.forbid_user_name']),
  f('certificates.validityDays', 'Certificate validity (days)', 'int', ['certificates.validity_days', 'pki.validity_days']),
  f('certificates.minRsaBits', 'Minimum RSA key size (bits)', 'int', ['certificates.min_rsa_bits', 'pki.min_rsa_bits']),
  f('certificates.algorithms', 'Allowed algorithms', 'enum-list', ['certificates.algorithms', 'pki.algorithms'], CERT_ALGORITHMS),
  f('certificates.approvalRequired', 'Issuing needs approval', 'bool', ['certificates.approval_required', 'pki.approval_required']),
  f('consistency.read', 'Default read consistency', 'enum', ['consistency.read'], READ_CONSISTENCY),
  f('consistency.write', 'Default write consistency', 'enum', ['consistency.write'], WRITE_CONSISTENCY),
  f('sessions.maxConcurrentPerUser', 'Concurrent sessions per user', 'int', ['sessions.max_concurrent_per_user', 'session.max_concurrent']),
  f('sessions.idleMinutes', 'Idle timeout (minutes)', 'int', ['sessions.idle_minutes', 'session.idle_minutes']),
  f('retention.auditDays', 'Audit retention (days)', 'int', ['retention.audit_days', 'audit.retention_days']),
  f('quotas.maxUsers', 'Maximum users', 'quota', ['max_users']),
  f('quotas.maxKeyspaces', 'Maximum keyspaces', 'quota', ['max_keyspaces']),
  f('quotas.maxTables', 'Maximum tables', 'quota', ['max_tables']),
  f('quotas.maxCertificates', 'Maximum certificates', 'quota', ['max_certificates']),
];
export const SECTIONS = ['password', 'certificates', 'consistency', 'sessions', 'retention', 'quotas', 'features'] as const;
export type Section = (typeof SECTIONS)[number];
export const SECTION_LABELS: Record<Section, string> = {
  password: 'Password policy',
  certificates: 'Certificate policy',
  consistency: 'Default consistency levels',
  sessions: 'Session limits',
  retention: 'Retention',
  quotas: 'Quotas',
  features: 'Feature flags',
};

const BY_PATH = new Map(FIELDS.map((d) => [d.path, d]));
export const fieldDef = (path: string): FieldDef | undefined =>
  BY_PATH.get(path) ?? (path.startsWith('features.') && FEATURE_NAME_PATTERN.test(path.slice(9)) ? { path, section: 'features', label: path.slice(9), kind: 'bool', templateKeys: [] } : undefined);

export const FIELD_PATH_PATTERN = /^(?:[a-z][A-Za-z]{0,39}\.[a-z][A-Za-z]{0,39}|features\.[a-z][a-z0-9_.]{0,63})$/;
export const fieldPathSchema = z
  .string()
  .regex(FIELD_PATH_PATTERN, 'field: section.field, e.g. password.minLength or features.pki.enabled')
  .refine((p) => fieldDef(p) !== undefined, { message: 'unknown field (see csm config show)' });

export const fieldValueSchema = z.union([z.number(), z.boolean(), z.string().max(64), z.array(z.string().max(64)).max(8), z.null()]);
export type FieldValue = z.infer<typeof fieldValueSchema>;
/** What the tenant stores: only the fields it overrides. */
export const overridesSchema = z.record(fieldPathSchema, fieldValueSchema);
export type ConfigOverrides = Record<string, FieldValue>;

export interface FieldIssue {
  path: string;
  message: string;
}

export function getField(doc: TenantPolicies, path: string): FieldValue | undefined {
  const i = path.indexOf('.');
  const section = (doc as unknown as Record<string, Record<string, FieldValue> | undefined>)[path.slice(0, i)];
  const v = section?.[path.slice(i + 1)];
  return Array.isArray(v) ? [...v] : v;
}

function setField(doc: TenantPolicies, path: string, value: FieldValue): void {
  const i = path.indexOf('.');
  const s = (doc as unknown as Record<string, Record<string, FieldValue>>)[path.slice(0, i)];
  if (s) s[path.slice(i + 1)] = value;
}

const clone = (d: TenantPolicies): TenantPolicies => JSON.parse(JSON.stringify(d)) as TenantPolicies;

/** Template string value → typed value of the field (null when it does not parse). */
export function parseFieldText(def: FieldDef, text: string): FieldValue | undefined {
  const t = text.trim();
  switch (def.kind) {
    case 'int':
      return /^-?\d{1,9}$/.test(t) ? Number(t) : undefined;
    case 'quota':
      if (/^(none|null|unlimited)$/i.test(t)) return null;
      return /^-?\d{1,9}$/.test(t) ? Number(t) : undefined;
    case 'bool':
      return /^(true|yes|on)$/i.test(t) ? true : /^(false|no|off)$/i.test(t) ? false : undefined;
    case 'enum':
      return t.toUpperCase();
    case 'enum-list':
      return t === '' ? [] : t.split(',').map((s) => s.trim().toUpperCase().replace(/^ECDSA[-_ ]?P-?(\d+)$/, 'ECDSA-P$1'));
  }
}

/** The parts of a template (tenancy's templateSchema) that give defaults. */
export interface TemplateDefaults {
  policies?: Record<string, string>;
  config?: Record<string, string>;
  features?: Record<string, boolean>;
  quotas?: Record<string, number>;
}

export type DefaultSource = 'template' | 'builtin';

/**
 * Platform defaults for one tenant: built-in values, replaced field by field by what the template
 * says. A template value that fails the schema is ignored (and named), never half-applied.
 */
export function templateBase(t: TemplateDefaults | null): { base: TenantPolicies; sources: Record<string, DefaultSource>; ignored: FieldIssue[] } {
  const base = clone(BUILTIN_POLICIES);
  const sources: Record<string, DefaultSource> = {};
  const ignored: FieldIssue[] = [];
  for (const d of FIELDS) sources[d.path] = 'builtin';
  if (!t) return { base, sources, ignored };
  for (const d of FIELDS) {
    for (const key of d.templateKeys) {
      let v: FieldValue | undefined;
      if (d.section === 'quotas') v = t.quotas?.[key];
      else {
        const text = t.policies?.[key] ?? t.config?.[key];
        if (text !== undefined) v = parseFieldText(d, text);
        if (text !== undefined && v === undefined) ignored.push({ path: d.path, message: `template value ${JSON.stringify(text)} (${key}) is not a ${d.kind}` });
      }
      if (v === undefined) continue;
      const trial = clone(base);
      setField(trial, d.path, v);
      const issue = validatePolicies(trial).find((i) => i.path === d.path);
      if (issue) ignored.push({ path: d.path, message: `template value ignored: ${issue.message}` });
      else {
        setField(base, d.path, v);
        sources[d.path] = 'template';
      }
      break;
    }
  }
  for (const [name, on] of Object.entries(t.features ?? {})) {
    if (!FEATURE_NAME_PATTERN.test(name)) continue;
    base.features[name] = on;
    sources[`features.${name}`] = 'template';
  }
  return { base, sources, ignored };
}

/** Zod issues as `section.field: reason`, the path in the same dotted form the overrides use. */
export function validatePolicies(doc: unknown): FieldIssue[] {
  const r = tenantPoliciesSchema.safeParse(doc);
  if (r.success) return [];
  return r.error.issues.map((i) => {
    const parts = i.path.map(String);
    // features.<name> keeps its dots; array positions collapse onto the field.
    const path = parts[0] === 'features' ? `features.${parts.slice(1).join('.')}` : parts.filter((p) => !/^\d+$/.test(p)).slice(0, 2).join('.');
    return { path: path || '(document)', message: i.message };
  });
}

/** Effective policies = template base + overrides; issues name each bad field and why. */
export function applyOverrides(base: TenantPolicies, overrides: ConfigOverrides): { effective: TenantPolicies; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const doc = clone(base);
  for (const [path, value] of Object.entries(overrides)) {
    if (!fieldDef(path)) {
      issues.push({ path, message: 'unknown field' });
      continue;
    }
    setField(doc, path, value);
  }
  issues.push(...validatePolicies(doc));
  return { effective: doc, issues };
}

/** Minimums a compliance profile demands (rules/compliance effective policy, the parts config can break). */
export interface ComplianceMinimums {
  retentionYears: number | null;
  minRsaBits: number | null;
  minEcBits: number | null;
  maxKeyAgeDays: number | null;
}

/** Fields weaker than the tenant's compliance profile allows, each with the profile's reason. */
export function complianceIssues(p: TenantPolicies, m: ComplianceMinimums | null): FieldIssue[] {
  if (!m) return [];
  const out: FieldIssue[] = [];
  if (m.retentionYears !== null && p.retention.auditDays < m.retentionYears * 365) {
    out.push({ path: 'retention.auditDays', message: `the compliance profile keeps audit for ${m.retentionYears} year(s): at least ${m.retentionYears * 365} days` });
  }
  if (m.minRsaBits !== null && p.certificates.minRsaBits < m.minRsaBits) {
    out.push({ path: 'certificates.minRsaBits', message: `the compliance profile requires RSA keys of at least ${m.minRsaBits} bits` });
  }
  if (m.minEcBits !== null) {
    const weak = p.certificates.algorithms.filter((a) => (EC_BITS[a] ?? Infinity) < m.minEcBits!);
    if (weak.length) out.push({ path: 'certificates.algorithms', message: `the compliance profile requires EC keys of at least ${m.minEcBits} bits: ${weak.join(', ')} not allowed` });
  }
  if (m.maxKeyAgeDays !== null && p.certificates.validityDays > m.maxKeyAgeDays) {
    out.push({ path: 'certificates.validityDays', message: `the compliance profile caps key age at ${m.maxKeyAgeDays} days` });
  }
  return out;
}

export type ChangeKind = 'set' | 'cleared' | 'changed';
export interface FieldChange {
  path: string;
  kind: ChangeKind;
  before: FieldValue;
  after: FieldValue;
}

const same = (a: FieldValue | undefined, b: FieldValue | undefined): boolean => JSON.stringify(a) === JSON.stringify(b);

/** What changed between two override documents: set (was inherited), cleared (back to inherited), changed. */
export function diffOverrides(before: ConfigOverrides, after: ConfigOverrides): FieldChange[] {
  const paths = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const out: FieldChange[] = [];
  for (const path of paths) {
    const had = Object.prototype.hasOwnProperty.call(before, path);
    const has = Object.prototype.hasOwnProperty.call(after, path);
    if (had && has && same(before[path], after[path])) continue;
    out.push({ path, kind: !had ? 'set' : !has ? 'cleared' : 'changed', before: had ? before[path]! : null, after: has ? after[path]! : null });
  }
  return out;
}

/** Applies `set` and `clear` to an override document; setting a field to its inherited value keeps it as an override (explicit pin). */
export function editOverrides(current: ConfigOverrides, set: ConfigOverrides, clear: readonly string[]): ConfigOverrides {
  const out: ConfigOverrides = { ...current };
  for (const p of clear) delete out[p];
  for (const [p, v] of Object.entries(set)) out[p] = v;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

export interface EffectiveField {
  path: string;
  section: Section;
  label: string;
  value: FieldValue;
  origin: 'inherited' | 'overridden';
  /** What the template (or the built-in default) gives: shown next to an override. null for a flag the template does not have. */
  inheritedValue: FieldValue;
  inheritedFrom: DefaultSource | 'none';
}

/** The effective configuration field by field, as the Configuration tab and `csm config show` print it. */
export function effectiveFields(base: TenantPolicies, sources: Record<string, DefaultSource>, overrides: ConfigOverrides, effective: TenantPolicies): EffectiveField[] {
  const flags = [...new Set([...Object.keys(base.features), ...Object.keys(effective.features)])].sort().map((n) => `features.${n}`);
  return [...FIELDS.map((d) => d.path), ...flags].map((path) => {
    const def = fieldDef(path)!;
    const inherited = getField(base, path);
    return {
      path,
      section: def.section,
      label: def.label,
      value: getField(effective, path) ?? null,
      origin: Object.prototype.hasOwnProperty.call(overrides, path) ? 'overridden' : 'inherited',
      inheritedValue: inherited ?? null,
      inheritedFrom: inherited === undefined ? 'none' : (sources[path] ?? 'builtin'),
    };
  });
}

/** One field a template change touches: its effective value before and after (inherited fields), or only its inherited value (overridden fields keep theirs). */
export interface TemplateFieldChange {
  path: string;
  label: string;
  origin: 'inherited' | 'overridden';
  /** inherited: the effective value; overridden: the inherited (template) value, the effective one stays. */
  before: FieldValue;
  after: FieldValue;
}

/**
 * What re-basing a tenant on another template changes, field by field: `changes` are the
 * inherited fields whose effective value moves; `shadowed` the overridden fields whose template
 * value moves but whose effective value stays (the override wins); `problems` the fields the new
 * template would make weaker than the compliance profile (the change is refused for those). The
 * overrides are the ones already in force (stored, valid, not weaker than the profile).
 */
export function templateChange(
  beforeBase: TenantPolicies,
  afterBase: TenantPolicies,
  overrides: ConfigOverrides,
  minimums: ComplianceMinimums | null,
): { before: TenantPolicies; after: TenantPolicies; changes: TemplateFieldChange[]; shadowed: TemplateFieldChange[]; problems: FieldIssue[] } {
  const before = applyOverrides(beforeBase, overrides).effective;
  const after = applyOverrides(afterBase, overrides).effective;
  const flags = [...new Set([...Object.keys(beforeBase.features), ...Object.keys(afterBase.features), ...Object.keys(before.features), ...Object.keys(after.features)])].sort().map((n) => `features.${n}`);
  const changes: TemplateFieldChange[] = [];
  const shadowed: TemplateFieldChange[] = [];
  for (const path of [...FIELDS.map((d) => d.path), ...flags]) {
    const label = fieldDef(path)?.label ?? path;
    if (Object.prototype.hasOwnProperty.call(overrides, path)) {
      const b = getField(beforeBase, path) ?? null;
      const a = getField(afterBase, path) ?? null;
      if (!same(b, a)) shadowed.push({ path, label, origin: 'overridden', before: b, after: a });
      continue;
    }
    const b = getField(before, path) ?? null;
    const a = getField(after, path) ?? null;
    if (!same(b, a)) changes.push({ path, label, origin: 'inherited', before: b, after: a });
  }
  return { before, after, changes, shadowed, problems: complianceIssues(after, minimums) };
}

/** One line for people: "password.minLength 12 → 16; … (overridden, unchanged: x keeps 3, template 2 → 5)". */
export function templateChangeText(c: { changes: TemplateFieldChange[]; shadowed: TemplateFieldChange[] }): string {
  const moved = c.changes.map((f) => `${f.path} ${showValue(f.before)} → ${showValue(f.after)}`);
  const kept = c.shadowed.map((f) => `${f.path} (template ${showValue(f.before)} → ${showValue(f.after)})`);
  return [
    moved.length ? moved.join('; ') : 'no effective value changes',
    ...(kept.length ? [`overridden, so unchanged: ${kept.join('; ')}`] : []),
  ].join('; ');
}

export const showValue = (v: FieldValue | undefined): string => (v === null || v === undefined ? '—' : Array.isArray(v) ? v.join(', ') || '—' : typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v));

// Branding --------------------------------------------------------------------------------------

export const HEX_COLOR_PATTERN = /^#[0-9a-fA-F]{6}$/;
export const hexColorSchema = z.string().regex(HEX_COLOR_PATTERN, 'colour: #rrggbb');
export const LOGO_MAX_BYTES = 256 * 1024;
export const LOGO_MAX_SIDE = 1024;
export const LOGO_TYPES = ['image/png', 'image/jpeg'] as const;
export type LogoType = (typeof LOGO_TYPES)[number];

export type LogoCheck = { ok: true; type: LogoType; width: number; height: number } | { ok: false; message: string };

/**
 * What the bytes are, from their magic numbers and header — never the file name or a claimed
 * type. PNG and JPEG only: SVG can carry script, and a renamed SVG/HTML has neither signature.
 */
export function sniffLogo(bytes: Uint8Array): LogoCheck {
  if (bytes.length === 0) return { ok: false, message: 'logo: the file is empty' };
  if (bytes.length > LOGO_MAX_BYTES) return { ok: false, message: `logo: ${bytes.length} bytes; at most ${LOGO_MAX_BYTES} (256 KiB)` };
  const dims = pngSize(bytes) ?? jpegSize(bytes);
  if (dims === null) return { ok: false, message: 'logo: not a PNG or JPEG image (checked by content, not by name; SVG is not accepted)' };
  if ('bad' in dims) return { ok: false, message: `logo: ${dims.bad}` };
  if (dims.width < 1 || dims.height < 1) return { ok: false, message: 'logo: the image header gives no size' };
  if (dims.width > LOGO_MAX_SIDE || dims.height > LOGO_MAX_SIDE) return { ok: false, message: `logo: ${dims.width}×${dims.height} pixels; at most ${LOGO_MAX_SIDE}×${LOGO_MAX_SIDE}` };
  return { ok: true, type: dims.type, width: dims.width, height: dims.height };
}

type Dims = { type: LogoType; width: number; height: number } | { bad: string };
const PNG_SIG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const u32 = (b: Uint8Array, i: number): number => ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
const u16 = (b: Uint8Array, i: number): number => (b[i]! << 8) | b[i + 1]!;

function pngSize(b: Uint8Array): Dims | null {
  if (b.length < 8 || PNG_SIG.some((x, i) => b[i] !== x)) return null;
  // The first chunk must be IHDR (length 13): width and height are its first two fields.
  if (b.length < 33 || u32(b, 8) !== 13 || String.fromCharCode(b[12]!, b[13]!, b[14]!, b[15]!) !== 'IHDR') return { bad: 'a PNG signature without a valid IHDR header' };
  return { type: 'image/png', width: u32(b, 16), height: u32(b, 20) };
}

function jpegSize(b: Uint8Array): Dims | null {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8 || b[2] !== 0xff) return null;
  let i = 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) return { bad: 'a JPEG with a broken marker sequence' };
    const marker = b[i + 1]!;
    if (marker === 0xff) {
      i += 1; // fill byte
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) break; // end of image / start of scan before any frame header
    if (marker >= 0xd0 && marker <= 0xd7) {
      i += 2;
      continue;
    }
    const len = u16(b, i + 2);
    if (len < 2 || i + 2 + len > b.length) return { bad: 'a JPEG segment runs past the end of the file' };
    // SOF0..SOF15 but DHT (C4), JPG (C8) and DAC (CC): height, then width.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (len < 7) return { bad: 'a JPEG frame header too short' };
      return { type: 'image/jpeg', height: u16(b, i + 5), width: u16(b, i + 7) };
    }
    i += 2 + len;
  }
  return { bad: 'a JPEG without a frame header (no size)' };
}

export const brandingInputSchema = z
  .object({
    displayName: z.string().trim().min(1, 'display name: at least one character').max(80, 'display name: at most 80 characters'),
    primaryColor: hexColorSchema,
    accentColor: hexColorSchema,
  })
  .strict();

// Integrations ----------------------------------------------------------------------------------

export const INTEGRATION_KINDS = ['ldap', 'sso', 'siem', 'webhook', 'smtp', 'kms', 'ticketing', 'other'] as const;
/** Encrypted transports only: an integration's endpoint carries the tenant's data or credentials. */
export const INTEGRATION_SCHEMES = ['https:', 'ldaps:', 'smtps:', 'wss:'] as const;
/** Also the keychain purpose suffix (`tenant/<id>/integration-<name>`), so the same grammar. */
export const integrationNameSchema = z.string().regex(/^[a-z][a-z0-9-]{0,27}$/, 'integration name: a lower-case letter, then up to 27 lower-case letters, digits or -');

export function endpointProblem(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'endpoint: not a URL (e.g. https://siem.example.com/ingest)';
  }
  if (!(INTEGRATION_SCHEMES as readonly string[]).includes(u.protocol)) return `endpoint: ${u.protocol.replace(':', '')} is not allowed; use ${INTEGRATION_SCHEMES.map((s) => s.replace(':', '')).join(', ')} (encrypted only)`;
  if (!u.hostname) return 'endpoint: a host is required';
  if (u.username || u.password) return 'endpoint: no credentials in the URL — give the secret separately (it goes to the keychain)';
  return null;
}
export const endpointSchema = z
  .string()
  .max(500, 'endpoint: at most 500 characters')
  .superRefine((s, ctx) => {
    const p = endpointProblem(s);
    if (p) ctx.addIssue({ code: 'custom', message: p });
  });
