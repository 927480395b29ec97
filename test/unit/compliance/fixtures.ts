import { buildControls } from '../../../src-main/compliance/controls';
import { analyzeDrift, parseReplication, type TenantSnapshot } from '../../../src-main/compliance/drift';
import type { ComplianceProfile, ComplianceScan } from '../../../src-shared/contract/compliance';
import { effectivePolicy, type Framework, type Overrides } from '../../../src-shared/rules/compliance';

export function profileFixture(frameworks: Framework[] = ['PCI-DSS'], overrides: Overrides = {}, boundary: ComplianceProfile['boundary'] = [{ dc: 'dc1', region: 'eu-west-1' }]): ComplianceProfile {
  const { policy, fields } = effectivePolicy(frameworks, overrides);
  return { cluster: 'prod', tenant: 'acme', boundary, frameworks, overrides, effective: policy, fields, version: 3, updatedBy: 'cassandra', updatedAt: '2025-01-01T00:00:00.000Z', readFrom: 'csm_system' };
}

export const snapshotFixture = (over: Partial<TenantSnapshot> = {}): TenantSnapshot => ({
  tenant: 'acme',
  registryDcs: ['dc1'],
  boundary: [{ dc: 'dc1', region: 'eu-west-1' }],
  keyspaces: [parseReplication('tenant_acme_csm', { class: 'org.apache.cassandra.locator.NetworkTopologyStrategy', dc1: '1' })],
  roles: [{ name: 'tenant_acme_u_boss', login: true, dcs: null }],
  clusterDcs: { dc1: 1 },
  ...over,
});

/** A scan with one drift (a LOGIN role unrestricted) and its controls, built by the real functions. */
export function scanFixture(profile = profileFixture(), snap = snapshotFixture()): ComplianceScan {
  const drift = analyzeDrift(snap);
  const controls = buildControls({
    cluster: 'prod',
    tenant: 'acme',
    profile,
    allowed: ['dc1'],
    drift,
    roles: snap.roles,
    isolation: { ok: true, value: { critical: 0, warning: 0, info: 1 } },
    keyStatus: { ok: false, reason: 'FORBIDDEN: test' },
    keyPolicy: { ok: true, value: { algorithms: ['rsa', 'ec'], minRsaBits: 2048, curves: ['P-256'], rotationIntervalDays: 90 } },
    approvals: { ok: true, value: Object.fromEntries(profile.effective.approvalRequired.map((c) => [c, true])) },
    now: new Date('2025-06-01T00:00:00Z'),
  });
  return {
    cluster: 'prod',
    tenant: 'acme',
    scannedAt: '2025-06-01T00:00:00.000Z',
    profile,
    registeredDataCenters: snap.registryDcs,
    keyspaces: snap.keyspaces.map((k) => ({ name: k.name, strategy: k.strategy, dcs: k.dcs })),
    roles: snap.roles,
    drift,
    controls,
    counts: { drift: drift.length, failed: controls.filter((c) => c.status === 'fail').length, unknown: controls.filter((c) => c.status === 'unknown').length },
    readMs: 1,
  };
}
