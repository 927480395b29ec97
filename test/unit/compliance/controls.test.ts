import { describe, expect, it } from 'vitest';
import { buildControls, type ControlInputs } from '../../../src-main/compliance/controls';
import { complianceScanSchema } from '../../../src-shared/contract/compliance';
import type { TenantKeyStatus } from '../../../src-shared/contract/keys';
import { profileFixture, scanFixture } from './fixtures';

const NOW = new Date('2025-06-01T00:00:00Z');
const keys = (createdAt: string): TenantKeyStatus =>
  ({ tenantId: 'acme', kek: { current: 2, versions: [{ version: 2, state: 'active', createdAt, retiredAt: null }] }, lastRotatedAt: null }) as unknown as TenantKeyStatus;

function inputs(over: Partial<ControlInputs> = {}): ControlInputs {
  const profile = profileFixture();
  return {
    cluster: 'prod',
    tenant: 'acme',
    profile,
    allowed: ['dc1'],
    drift: [],
    roles: [{ name: 'tenant_acme_u_boss', login: true, dcs: ['dc1'] }],
    isolation: { ok: true, value: { critical: 0, warning: 0, info: 1 } },
    keyStatus: { ok: true, value: keys('2025-05-01T00:00:00Z') },
    keyPolicy: { ok: true, value: { algorithms: ['rsa', 'ec'], minRsaBits: 2048, curves: ['P-256'], rotationIntervalDays: 90 } },
    approvals: { ok: true, value: { 'keys.rotate': true, 'tenant.delete': true } },
    now: NOW,
    ...over,
  };
}
const status = (i: ControlInputs): Record<string, string> => Object.fromEntries(buildControls(i).map((c) => [c.id, c.status]));

describe('compliance controls', () => {
  it('a compliant PCI-DSS tenant passes every control', () => {
    expect(Object.values(status(inputs())).every((s) => s === 'pass'), JSON.stringify(status(inputs()))).toBe(true);
  });

  it('each control fails on its own evidence', () => {
    expect(status(inputs({ profile: profileFixture(['PCI-DSS'], {}, null) }))['boundary-set']).toBe('fail');
    expect(status(inputs({ profile: profileFixture([], {}, null) }))['boundary-set']).toBe('pass');
    expect(status(inputs({ roles: [{ name: 'tenant_acme_u_boss', login: true, dcs: null }] }))['login-roles-dc-restricted']).toBe('fail');
    expect(status(inputs({ isolation: { ok: true, value: { critical: 1, warning: 0, info: 0 } } }))['isolation-clean']).toBe('fail');
    expect(status(inputs({ keyStatus: { ok: true, value: keys('2024-01-01T00:00:00Z') } }))['key-rotation']).toBe('fail');
    expect(status(inputs({ keyPolicy: { ok: true, value: { algorithms: ['rsa'], minRsaBits: 2048, curves: [], rotationIntervalDays: 90 } }, profile: profileFixture(['GDPR']) }))['key-sizes']).toBe('fail');
    expect(status(inputs({ approvals: { ok: true, value: { 'keys.rotate': false, 'tenant.delete': true } } }))['approval-required']).toBe('fail');
    // A stored override weaker than the presets (edited behind the console's back) fails retention.
    expect(status(inputs({ profile: profileFixture(['SOX'], { retentionYears: 1 }) }))['retention']).toBe('fail');
  });

  it('what this session cannot read is unknown, never pass', () => {
    const s = status(inputs({ roles: null, isolation: { ok: false, reason: 'FORBIDDEN' }, keyStatus: { ok: false, reason: 'x' }, keyPolicy: { ok: false, reason: 'x' } }));
    expect([s['no-drift'], s['login-roles-dc-restricted'], s['isolation-clean'], s['key-rotation'], s['key-sizes']]).toEqual(['unknown', 'unknown', 'unknown', 'unknown', 'unknown']);
  });

  it('controls carry evidence, a UI link and a CLI command; the scan output matches the contract', () => {
    const scan = scanFixture();
    expect(complianceScanSchema.safeParse(scan).success).toBe(true);
    for (const c of scan.controls) {
      expect(c.evidence.length, c.id).toBeGreaterThan(0);
      expect(c.href).toMatch(/^#\//);
      expect(c.cli).toMatch(/^csm /);
    }
    expect(scan.controls.find((c) => c.id === 'retention')?.evidence.join(' ')).toContain('lives in the compliance policy for now');
  });
});
