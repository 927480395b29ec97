import { z } from 'zod';

/**
 * Compliance profiles (issue 6 item 4): framework tags switch on policy presets; the strictest
 * value wins when several frameworks are on; per-tenant overrides may tighten but never loosen
 * what the frameworks demand. Pure data and functions, shared by main and the renderer.
 *
 * The presets are this console's reading of each framework, not legal advice: each value carries
 * the clause it comes from so an auditor can check (and a platform operator can tighten it).
 */

export const FRAMEWORKS = ['SOX', 'PCI-DSS', 'GDPR', 'HIPAA'] as const;
export type Framework = (typeof FRAMEWORKS)[number];
export const frameworkSchema = z.enum(FRAMEWORKS);

/** Channels an approval may be demanded for are validated against the contract (`approvable`) in main and UI. */
export const channelNameSchema = z.string().regex(/^[a-z][a-zA-Z]*\.[a-z][a-zA-Z]*$/, 'channel: noun.verb, e.g. tenant.delete');

export interface CompliancePolicy {
  /** Years the tenant's audit trail must be kept. */
  retentionYears: number | null;
  /** Smallest RSA modulus a tenant key or certificate may use. */
  minRsaBits: number | null;
  /** Smallest elliptic-curve size (bits of the curve order), e.g. 256 for P-256. */
  minEcBits: number | null;
  /** Keys must have been rotated within this many days. */
  maxKeyAgeDays: number | null;
  /** Channels that need a second person (change approval). */
  approvalRequired: string[];
  /** The tenant must have a compliance boundary (allowed data centres). */
  boundaryRequired: boolean;
}
export type PolicyField = keyof CompliancePolicy;
export const POLICY_FIELDS: readonly PolicyField[] = ['retentionYears', 'minRsaBits', 'minEcBits', 'maxKeyAgeDays', 'approvalRequired', 'boundaryRequired'];

export const POLICY_LABELS: Record<PolicyField, string> = {
  retentionYears: 'Audit retention (years)',
  minRsaBits: 'Minimum RSA key size (bits)',
  minEcBits: 'Minimum EC key size (bits)',
  maxKeyAgeDays: 'Maximum key age (days)',
  approvalRequired: 'Actions needing approval',
  boundaryRequired: 'Compliance boundary required',
};

/** Which direction is stricter for each field. */
const STRICTER: Record<PolicyField, 'higher' | 'lower' | 'superset' | 'true'> = {
  retentionYears: 'higher',
  minRsaBits: 'higher',
  minEcBits: 'higher',
  maxKeyAgeDays: 'lower',
  approvalRequired: 'superset',
  boundaryRequired: 'true',
};

export interface PresetValue<V> {
  value: V;
  source: string;
}
export type Preset = { [F in PolicyField]?: PresetValue<CompliancePolicy[F]> };

export const PRESETS: Record<Framework, Preset> = {
  SOX: {
    retentionYears: { value: 7, source: 'SOX §802 / SEC Rule 2-06 (17 CFR 210.2-06): retain audit records 7 years' },
    maxKeyAgeDays: { value: 365, source: 'SOX §404 ITGC (COBIT DSS05.03): periodic key rotation; this console takes one year' },
    approvalRequired: { value: ['tenant.delete', 'tenant.suspend'], source: 'SOX §404 ITGC change management: segregation of duties for destructive changes' },
  },
  'PCI-DSS': {
    retentionYears: { value: 1, source: 'PCI DSS 4.0 req 10.5.1: retain audit log history ≥ 12 months' },
    minRsaBits: { value: 2048, source: 'PCI DSS 4.0 glossary "strong cryptography": ≥ 112 bits of strength (RSA 2048)' },
    minEcBits: { value: 224, source: 'PCI DSS 4.0 glossary "strong cryptography": ≥ 112 bits of strength (ECC 224)' },
    maxKeyAgeDays: { value: 365, source: 'PCI DSS 4.0 req 3.7.4: change keys at the end of their cryptoperiod (NIST SP 800-57: ≤ 1 year here)' },
    approvalRequired: { value: ['tenant.delete', 'keys.rotate'], source: 'PCI DSS 4.0 req 6.5.1 / 3.7.6: documented, approved changes and key-management procedures' },
    boundaryRequired: { value: true, source: 'PCI DSS 4.0 req 1.2.3 / 12.5.2: a documented cardholder-data environment scope (where data lives)' },
  },
  GDPR: {
    minRsaBits: { value: 3072, source: 'GDPR Art. 32 "state of the art", read via BSI TR-02102-1 (2024): RSA ≥ 3000 bits' },
    minEcBits: { value: 256, source: 'GDPR Art. 32 "state of the art", read via BSI TR-02102-1 (2024): EC ≥ 250 bits' },
    approvalRequired: { value: ['tenant.delete'], source: 'GDPR Art. 5(1)(f), 32(1)(b): integrity — erasure of a whole tenant needs a second person' },
    boundaryRequired: { value: true, source: 'GDPR Art. 44–49: transfers outside the EEA need safeguards, so data stays in declared data centres' },
  },
  HIPAA: {
    retentionYears: { value: 6, source: 'HIPAA 45 CFR §164.316(b)(2)(i): retain documentation 6 years' },
    minRsaBits: { value: 2048, source: 'HHS breach guidance → NIST SP 800-131A rev 2: RSA ≥ 2048 bits' },
    minEcBits: { value: 224, source: 'NIST SP 800-131A rev 2: ECC ≥ 224 bits' },
    maxKeyAgeDays: { value: 365, source: 'HIPAA 45 CFR §164.312(a)(2)(iv) with NIST SP 800-57: cryptoperiod ≤ 1 year here' },
    approvalRequired: { value: ['tenant.delete'], source: 'HIPAA 45 CFR §164.308(a)(3): workforce access and change authorization' },
  },
};

/** Per-tenant overrides: any subset of the policy fields. */
export const overridesSchema = z
  .object({
    retentionYears: z.number().int().min(0).max(100).nullable().optional(),
    minRsaBits: z.number().int().min(1024).max(16384).multipleOf(1024).nullable().optional(),
    minEcBits: z.number().int().min(160).max(521).nullable().optional(),
    maxKeyAgeDays: z.number().int().min(1).max(3650).nullable().optional(),
    approvalRequired: z.array(channelNameSchema).max(32).optional(),
    boundaryRequired: z.boolean().optional(),
  })
  .strict();
export type Overrides = z.infer<typeof overridesSchema>;

export interface EffectiveField {
  field: PolicyField;
  value: CompliancePolicy[PolicyField];
  /** preset: from the frameworks; override: set for this tenant; none: no requirement. */
  origin: 'preset' | 'override' | 'none';
  /** The frameworks whose preset gives the value (all of them for a union). */
  frameworks: Framework[];
  sources: string[];
}

const EMPTY: CompliancePolicy = { retentionYears: null, minRsaBits: null, minEcBits: null, maxKeyAgeDays: null, approvalRequired: [], boundaryRequired: false };

/** Is `a` at least as strict as `b` for this field (null = no requirement)? */
export function atLeastAsStrict(field: PolicyField, a: unknown, b: unknown): boolean {
  const dir = STRICTER[field];
  if (dir === 'superset') return (b as string[]).every((x) => (a as string[]).includes(x));
  if (dir === 'true') return a === true || b !== true;
  if (b === null || b === undefined) return true;
  if (a === null || a === undefined) return false;
  return dir === 'higher' ? (a as number) >= (b as number) : (a as number) <= (b as number);
}

/** The frameworks' combined minimum: strictest value per field, with the frameworks and sources behind it. */
export function presetPolicy(frameworks: readonly Framework[]): { policy: CompliancePolicy; from: Record<PolicyField, { frameworks: Framework[]; sources: string[] }> } {
  const policy: CompliancePolicy = { ...EMPTY, approvalRequired: [] };
  const from = Object.fromEntries(POLICY_FIELDS.map((f) => [f, { frameworks: [] as Framework[], sources: [] as string[] }])) as Record<PolicyField, { frameworks: Framework[]; sources: string[] }>;
  const p = policy as unknown as Record<PolicyField, unknown>;
  for (const fw of [...new Set(frameworks)].sort()) {
    const preset = PRESETS[fw] as Record<string, PresetValue<unknown> | undefined>;
    for (const field of POLICY_FIELDS) {
      const v = preset[field];
      if (!v) continue;
      if (STRICTER[field] === 'superset') {
        p[field] = [...new Set([...(p[field] as string[]), ...(v.value as string[])])].sort();
        from[field].frameworks.push(fw);
        from[field].sources.push(`${fw}: ${v.source}`);
        continue;
      }
      const cur = p[field];
      const equal = cur === v.value;
      if (equal) {
        from[field].frameworks.push(fw);
        from[field].sources.push(`${fw}: ${v.source}`);
      } else if (!atLeastAsStrict(field, cur, v.value) || cur === null || cur === false) {
        p[field] = v.value;
        from[field] = { frameworks: [fw], sources: [`${fw}: ${v.source}`] };
      }
    }
  }
  return { policy, from };
}

export interface OverrideProblem {
  field: string;
  reason: string;
}

/**
 * Overrides weaker than the frameworks' minimum, and approval entries that are not approvable
 * channels. `isApprovable` comes from the contract (`contract[name].approvable`).
 */
export function overrideProblems(frameworks: readonly Framework[], overrides: Overrides, isApprovable: (channel: string) => boolean): OverrideProblem[] {
  const { policy, from } = presetPolicy(frameworks);
  const out: OverrideProblem[] = [];
  const o = overrides as Record<string, unknown>;
  for (const field of POLICY_FIELDS) {
    if (!(field in o) || o[field] === undefined) continue;
    const want = (policy as unknown as Record<string, unknown>)[field];
    if (!atLeastAsStrict(field, o[field], want)) {
      const by = from[field].frameworks.join(', ');
      const shown = Array.isArray(want) ? want.join(', ') : String(want);
      out.push({ field, reason: `${by} require${from[field].frameworks.length === 1 ? 's' : ''} ${STRICTER[field] === 'superset' ? `at least ${shown}` : STRICTER[field] === 'lower' ? `at most ${shown}` : STRICTER[field] === 'true' ? 'it' : `at least ${shown}`}; an override may only be stricter` });
    }
  }
  for (const ch of overrides.approvalRequired ?? []) {
    if (!isApprovable(ch)) out.push({ field: 'approvalRequired', reason: `${ch} is not an approvable channel (approvable: the contract's channels marked approvable)` });
  }
  return out;
}

/** The effective policy, field by field, with where each value comes from. Call overrideProblems first. */
export function effectivePolicy(frameworks: readonly Framework[], overrides: Overrides): { policy: CompliancePolicy; fields: EffectiveField[] } {
  const { policy, from } = presetPolicy(frameworks);
  const eff = { ...policy } as unknown as Record<PolicyField, unknown>;
  const o = overrides as Record<string, unknown>;
  const fields: EffectiveField[] = POLICY_FIELDS.map((field) => {
    const overridden = field in o && o[field] !== undefined;
    if (overridden) {
      eff[field] = STRICTER[field] === 'superset' ? [...new Set(o[field] as string[])].sort() : o[field];
    }
    const value = eff[field] as CompliancePolicy[PolicyField];
    const none = value === null || value === false || (Array.isArray(value) && value.length === 0);
    return { field, value, origin: overridden ? 'override' : none ? 'none' : 'preset', frameworks: from[field].frameworks, sources: from[field].sources };
  });
  return { policy: eff as unknown as CompliancePolicy, fields };
}

/** Region labels are free text an operator reads (e.g. "eu-west-1", "Frankfurt DC 2"). */
export const REGION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9 _.:/()-]{0,63}$/;
export const regionSchema = z.string().regex(REGION_PATTERN, 'region label: up to 64 letters, digits, spaces and _ . : / ( ) -');

/** EC curve name → size in bits, for comparing a key policy's curves with minEcBits. */
export const CURVE_BITS: Record<string, number> = { 'P-256': 256, 'P-384': 384, 'P-521': 521 };
