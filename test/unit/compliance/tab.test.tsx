// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OperatorScope } from '../../../src-shared/contract';
import type { ComplianceProfile } from '../../../src-shared/contract/compliance';
import { ClientProvider } from '../../../src-renderer/app/client';
import { resetAllStores } from '../../../src-renderer/app/stores';
import { useSession } from '../../../src-renderer/app/stores/session';
import { ComplianceTab } from '../../../src-renderer/features/compliance/ComplianceTab';
import { useCompliance } from '../../../src-renderer/features/compliance/store';
import { createFakeBridge, fail, ok, type FakeBridge } from '../renderer/fake-bridge';
import { profileFixture, scanFixture, snapshotFixture } from './fixtures';

const scope = (cluster: string, platform = true): OperatorScope => ({ cluster, role: 'cassandra', superuser: platform, roles: [], platform, tenantAdmin: platform ? [] : ['acme'], auditor: platform ? 'all' : [], tenants: [] });

const mount = (fake: FakeBridge) =>
  render(
    <ClientProvider client={fake.client}>
      <ComplianceTab cluster="prod" tenant="acme" />
    </ClientProvider>,
  );

describe('tenant Compliance tab (unit: fake bridge)', () => {
  beforeEach(() => {
    resetAllStores();
    useCompliance.getState().reset();
  });
  afterEach(cleanup);

  it('shows the profile, the effective policy field by field, the controls and the drift', async () => {
    useSession.getState().setScope('prod', scope('prod'));
    const fake = createFakeBridge({ 'compliance.get': () => ok(profileFixture()), 'compliance.scan': () => ok(scanFixture()) });
    mount(fake);
    expect((await screen.findByTestId('effective-minRsaBits')).textContent).toContain('2048');
    expect(screen.getByTestId('effective-minRsaBits').textContent).toContain('preset · PCI-DSS');
    expect((screen.getByTestId('boundary-dc-0') as HTMLInputElement).value).toBe('dc1');
    expect((screen.getByTestId('framework-PCI-DSS') as HTMLInputElement).checked).toBe(true);
    expect((await screen.findByTestId('control-status-login-roles-dc-restricted')).textContent).toBe('fail');
    expect(screen.getByTestId('control-isolation-clean').textContent).toContain('csm isolation scan --cluster prod --tenant acme');
    expect(screen.getByTestId('compliance-drift').textContent).toContain('LOGIN role tenant_acme_u_boss may sign in through every data centre');
  });

  it('previews framework changes before saving, and refuses a weaker override in place', async () => {
    useSession.getState().setScope('prod', scope('prod'));
    const fake = createFakeBridge({ 'compliance.get': () => ok(profileFixture()), 'compliance.scan': () => ok(scanFixture()) });
    mount(fake);
    fireEvent.click(await screen.findByTestId('framework-SOX'));
    expect(screen.getByTestId('effective-retentionYears').textContent).toContain('7');
    expect(screen.getByTestId('effective-retentionYears').textContent).toContain('preset · SOX');
    fireEvent.change(screen.getByTestId('compliance-retention'), { target: { value: '2' } });
    expect(screen.getByTestId('compliance-problems').textContent).toContain('retentionYears: SOX requires at least 7');
    expect((screen.getByTestId('compliance-save') as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(screen.getByTestId('compliance-retention'), { target: { value: '10' } });
    expect(screen.getByTestId('effective-retentionYears').textContent).toContain('override');
    expect((screen.getByTestId('compliance-save') as HTMLButtonElement).disabled).toBe(false);
  });

  it('saves boundary, frameworks and overrides at the version read, then re-scans', async () => {
    useSession.getState().setScope('prod', scope('prod'));
    let saved: ComplianceProfile = profileFixture();
    const fake = createFakeBridge({
      'compliance.get': () => ok(saved),
      'compliance.scan': () => ok(scanFixture(saved)),
      'compliance.set': (i) => {
        saved = { ...profileFixture(i.frameworks ?? [], i.overrides ?? {}, i.boundary ?? null), version: 4 };
        return ok(saved);
      },
    });
    mount(fake);
    fireEvent.click(await screen.findByTestId('boundary-add'));
    fireEvent.change(screen.getByTestId('boundary-dc-1'), { target: { value: 'dc2' } });
    expect((screen.getByTestId('compliance-save') as HTMLButtonElement).disabled).toBe(true); // region missing
    fireEvent.change(screen.getByTestId('boundary-region-1'), { target: { value: 'eu-central-1' } });
    fireEvent.click(screen.getByTestId('approval-tenant.suspend'));
    fireEvent.click(screen.getByTestId('compliance-save'));
    await waitFor(() => expect(fake.callsTo('compliance.set')).toHaveLength(1));
    expect(fake.callsTo('compliance.set')[0]!.input).toEqual({
      cluster: 'prod',
      tenant: 'acme',
      boundary: [{ dc: 'dc1', region: 'eu-west-1' }, { dc: 'dc2', region: 'eu-central-1' }],
      frameworks: ['PCI-DSS'],
      overrides: { approvalRequired: ['keys.rotate', 'tenant.delete', 'tenant.suspend'] },
      expectedVersion: 3,
    });
    await waitFor(() => expect(fake.callsTo('compliance.scan').length).toBe(2));
  });

  it('shows a refusal from main (CONFLICT) in place and keeps the form', async () => {
    useSession.getState().setScope('prod', scope('prod'));
    const fake = createFakeBridge({ 'compliance.get': () => ok(profileFixture()), 'compliance.scan': () => ok(scanFixture()), 'compliance.set': () => fail('CONFLICT', 'tenant acme already lies outside the boundary dc2') });
    mount(fake);
    fireEvent.change(await screen.findByTestId('boundary-dc-0'), { target: { value: 'dc2' } });
    fireEvent.click(screen.getByTestId('compliance-save'));
    expect((await screen.findByTestId('form-error')).textContent).toContain('CONFLICT');
    expect((screen.getByTestId('boundary-dc-0') as HTMLInputElement).value).toBe('dc2');
  });

  it('fixes a drift only after confirmation, then shows the re-scan', async () => {
    useSession.getState().setScope('prod', scope('prod'));
    const dirty = scanFixture();
    const clean = scanFixture(profileFixture(), snapshotFixture({ roles: [{ name: 'tenant_acme_u_boss', login: true, dcs: ['dc1'] }] }));
    const d = dirty.drift[0]!;
    const fake = createFakeBridge({ 'compliance.get': () => ok(profileFixture()), 'compliance.scan': () => ok(dirty), 'compliance.fix': () => ok({ drift: d, applied: d.fix, resolved: true, after: clean }) });
    mount(fake);
    fireEvent.click(await screen.findByTestId(`drift-fix-${d.id}`));
    const dialog = screen.getByTestId('compliance-fix-dialog');
    expect(within(dialog).getByTestId('compliance-fix-statements').textContent).toBe(d.fix[0]);
    expect(fake.callsTo('compliance.fix')).toHaveLength(0);
    fireEvent.click(within(dialog).getByTestId('compliance-fix-confirm'));
    await waitFor(() => expect(screen.queryByTestId('compliance-fix-dialog')).toBeNull());
    expect(fake.callsTo('compliance.fix')[0]!.input).toEqual({ cluster: 'prod', tenant: 'acme', driftId: d.id });
    expect(screen.getByTestId('compliance-drift').textContent).toContain('No drift');
    expect(screen.getByTestId('control-status-login-roles-dc-restricted').textContent).toBe('pass');
  });

  it('is read-only for a tenant admin: no editing, no fix buttons', async () => {
    useSession.getState().setScope('prod', scope('prod', false));
    mount(createFakeBridge({ 'compliance.get': () => ok({ ...profileFixture(), readFrom: 'tenant-keyspace' }), 'compliance.scan': () => ok(scanFixture()) }));
    expect((await screen.findByTestId('framework-PCI-DSS') as HTMLInputElement).disabled).toBe(true);
    expect(screen.queryByTestId('compliance-save')).toBeNull();
    await screen.findByTestId('compliance-drift');
    expect(screen.queryByTestId(`drift-fix-${scanFixture().drift[0]!.id}`)).toBeNull();
  });
});
