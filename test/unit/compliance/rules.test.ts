import { describe, expect, it } from 'vitest';
import { contract } from '../../../src-shared/contract';
import { complianceSetInputSchema } from '../../../src-shared/contract/compliance';
import { effectivePolicy, overrideProblems, POLICY_FIELDS, PRESETS, presetPolicy, FRAMEWORKS } from '../../../src-shared/rules/compliance';
import { isApprovable } from '../../../src-main/compliance/service';

describe('compliance presets', () => {
  it('every preset value names its source', () => {
    for (const fw of FRAMEWORKS) {
      for (const [field, v] of Object.entries(PRESETS[fw])) {
        expect(POLICY_FIELDS).toContain(field);
        expect(v!.source.length, `${fw}.${field}`).toBeGreaterThan(10);
      }
    }
  });

  it('only lists approvable channels of the contract', () => {
    for (const fw of FRAMEWORKS) for (const ch of PRESETS[fw].approvalRequired?.value ?? []) expect(isApprovable(ch), ch).toBe(true);
    expect(isApprovable('tenant.list')).toBe(false);
    expect(isApprovable('no.such')).toBe(false);
    expect(Object.entries(contract).filter(([, d]) => (d as { approvable?: boolean }).approvable).map(([n]) => n).sort()).toEqual(expect.arrayContaining(['keys.rotate', 'tenant.delete']));
  });

  it('merges frameworks with the strictest value winning and records which framework gave it', () => {
    const { policy, from } = presetPolicy(['PCI-DSS', 'SOX', 'GDPR']);
    expect(policy.retentionYears).toBe(7); // SOX 7 beats PCI 1
    expect(from.retentionYears.frameworks).toEqual(['SOX']);
    expect(policy.minRsaBits).toBe(3072); // GDPR beats PCI 2048
    expect(from.minRsaBits.frameworks).toEqual(['GDPR']);
    expect(policy.maxKeyAgeDays).toBe(365);
    expect(from.maxKeyAgeDays.frameworks.sort()).toEqual(['PCI-DSS', 'SOX']); // equal values: both cited
    expect(policy.approvalRequired).toEqual(['keys.rotate', 'tenant.delete', 'tenant.suspend']); // union
    expect(policy.boundaryRequired).toBe(true);
    expect(from.boundaryRequired.frameworks.sort()).toEqual(['GDPR', 'PCI-DSS']);
  });

  it('merging does not depend on the order frameworks are given', () => {
    expect(presetPolicy(['HIPAA', 'SOX', 'PCI-DSS']).policy).toEqual(presetPolicy(['PCI-DSS', 'HIPAA', 'SOX']).policy);
  });

  it('no framework: no requirement', () => {
    const { policy, fields } = effectivePolicy([], {});
    expect(policy).toEqual({ retentionYears: null, minRsaBits: null, minEcBits: null, maxKeyAgeDays: null, approvalRequired: [], boundaryRequired: false });
    expect(fields.every((f) => f.origin === 'none')).toBe(true);
  });

  it('lets overrides tighten and marks them, and refuses weaker ones with field and reason', () => {
    const eff = effectivePolicy(['PCI-DSS'], { retentionYears: 3, maxKeyAgeDays: 90 });
    expect(eff.policy.retentionYears).toBe(3);
    expect(eff.fields.find((f) => f.field === 'retentionYears')?.origin).toBe('override');
    expect(eff.fields.find((f) => f.field === 'minRsaBits')).toMatchObject({ origin: 'preset', frameworks: ['PCI-DSS'], value: 2048 });
    expect(overrideProblems(['PCI-DSS'], { retentionYears: 3, maxKeyAgeDays: 90 }, isApprovable)).toEqual([]);

    const problems = overrideProblems(['PCI-DSS', 'SOX'], { retentionYears: 5, maxKeyAgeDays: 400, minRsaBits: 1024, approvalRequired: ['tenant.delete'], boundaryRequired: false }, isApprovable);
    expect(problems.map((p) => p.field).sort()).toEqual(['approvalRequired', 'boundaryRequired', 'maxKeyAgeDays', 'minRsaBits', 'retentionYears']);
    expect(problems.find((p) => p.field === 'retentionYears')?.reason).toContain('SOX requires at least 7');
    expect(problems.find((p) => p.field === 'maxKeyAgeDays')?.reason).toContain('at most 365');
    expect(problems.find((p) => p.field === 'approvalRequired')?.reason).toContain('keys.rotate');
  });

  it('a field no framework sets may be overridden freely; null where a framework sets one is weaker', () => {
    expect(overrideProblems(['GDPR'], { retentionYears: 2 }, isApprovable)).toEqual([]);
    expect(overrideProblems(['GDPR'], { minRsaBits: null }, isApprovable).map((p) => p.field)).toEqual(['minRsaBits']);
  });

  it('refuses approval entries that are not approvable channels', () => {
    expect(overrideProblems([], { approvalRequired: ['tenant.create'] }, isApprovable)).toEqual([{ field: 'approvalRequired', reason: expect.stringContaining('tenant.create is not an approvable channel') }]);
  });

  it('the set input is strict and validates DC and region names', () => {
    const base = { cluster: 'c1', tenant: 'acme' };
    expect(complianceSetInputSchema.safeParse({ ...base, boundary: [{ dc: 'dc1', region: 'eu-west-1' }] }).success).toBe(true);
    expect(complianceSetInputSchema.safeParse({ ...base, boundary: [{ dc: "dc1'}; DROP", region: 'x' }] }).success).toBe(false);
    expect(complianceSetInputSchema.safeParse({ ...base, boundary: [{ dc: 'dc1', region: "x'" }] }).success).toBe(false);
    expect(complianceSetInputSchema.safeParse({ ...base, boundary: [] }).success).toBe(false);
    expect(complianceSetInputSchema.safeParse({ ...base, frameworks: ['ISO27001'] }).success).toBe(false);
    expect(complianceSetInputSchema.safeParse({ ...base, extra: 1 }).success).toBe(false);
    expect(complianceSetInputSchema.safeParse({ ...base, overrides: { minRsaBits: 3000 } }).success).toBe(false);
    expect(complianceSetInputSchema.safeParse({ ...base, tenant: 'Bad-Id' }).success).toBe(false);
  });
});
