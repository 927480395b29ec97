// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OperatorScope } from '../../../src-shared/contract';
import type { ConfigVersion, ConfigView } from '../../../src-shared/contract/config';
import { DEFAULT_TEMPLATE } from '../../../src-shared/rules/templates';
import { applyOverrides, effectiveFields, templateBase, type ConfigOverrides } from '../../../src-shared/rules/tenant-config';
import { ClientProvider } from '../../../src-renderer/app/client';
import { resetAllStores } from '../../../src-renderer/app/stores';
import { useSession } from '../../../src-renderer/app/stores/session';
import { BrandingTab, ConfigurationTab, PoliciesTab } from '../../../src-renderer/features/config/ConfigTabs';
import { useConfig } from '../../../src-renderer/features/config/store';
import { createFakeBridge, fail, ok, type FakeBridge } from '../renderer/fake-bridge';

const scope = (platform: boolean, tenantAdmin: string[] = []): OperatorScope => ({ cluster: 'prod', role: 'boss', superuser: false, roles: [], platform, tenantAdmin, auditor: [], tenants: [] });

function view(overrides: ConfigOverrides = {}, version = 0): ConfigView {
  const { base, sources } = templateBase(DEFAULT_TEMPLATE);
  const { effective } = applyOverrides(base, overrides);
  return { cluster: 'prod', tenant: 'acme', template: { name: 'default', found: true, syncedAt: null }, version, updatedBy: version ? 'boss' : null, updatedAt: version ? '2026-01-01T00:00:00.000Z' : null, overrides, effective, fields: effectiveFields(base, sources, overrides, effective), compliance: null, warnings: [] };
}

const mount = (fake: FakeBridge, el: React.ReactNode) => render(<ClientProvider client={fake.client}>{el}</ClientProvider>);

describe('config tabs (unit: fake bridge)', () => {
  beforeEach(() => {
    resetAllStores();
    useConfig.getState().reset();
  });
  afterEach(cleanup);

  it('Policies: inline error names the reason from the shared schema; save sends only the changed field at the shown version', async () => {
    useSession.getState().setScope('prod', scope(false, ['acme']));
    const fake = createFakeBridge({ 'config.show': () => ok(view()), 'config.history': () => ok([]), 'config.set': () => ok(view({ 'password.minLength': 16 }, 2)) });
    mount(fake, <PoliciesTab cluster="prod" tenant="acme" />);
    const input = (await screen.findByTestId('policy-password-minLength')) as HTMLInputElement;
    expect(input.value).toBe('12');
    fireEvent.change(input, { target: { value: '3' } });
    expect(screen.getByTestId('policy-password-minLength-error').textContent).toMatch(/8/);
    fireEvent.change(screen.getByTestId('policy-reason'), { target: { value: 'stronger' } });
    expect((screen.getByTestId('policies-save') as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(input, { target: { value: '16' } });
    expect(screen.queryByTestId('policy-password-minLength-error')).toBeNull();
    fireEvent.click(screen.getByTestId('policies-save'));
    await waitFor(() => expect(fake.callsTo('config.set')).toHaveLength(1));
    expect(fake.callsTo('config.set')[0]!.input).toEqual({ cluster: 'prod', tenant: 'acme', set: { 'password.minLength': 16 }, clear: [], reason: 'stronger', expectedVersion: 0 });
  });

  it('Policies: read-only for an auditor; a CONFLICT from main is shown in place', async () => {
    useSession.getState().setScope('prod', scope(false, []));
    const fake = createFakeBridge({ 'config.show': () => ok(view()), 'config.history': () => ok([]) });
    mount(fake, <PoliciesTab cluster="prod" tenant="acme" />);
    expect(((await screen.findByTestId('policy-password-minLength')) as HTMLInputElement).disabled).toBe(true);
    expect(screen.queryByTestId('policies-save')).toBeNull();
    cleanup();
    useSession.getState().setScope('prod', scope(true));
    const conflict = createFakeBridge({ 'config.show': () => ok(view()), 'config.history': () => ok([]), 'config.set': () => fail('CONFLICT', 'another console saved version 1 first') });
    mount(conflict, <PoliciesTab cluster="prod" tenant="acme" />);
    fireEvent.click(await screen.findByTestId('policy-password-requireSymbol'));
    fireEvent.change(screen.getByTestId('policy-reason'), { target: { value: 'x' } });
    fireEvent.click(screen.getByTestId('policies-save'));
    expect((await screen.findByTestId('form-error')).textContent).toContain('another console saved version 1 first');
  });

  it('Configuration: badges per field, history, diff and rollback with confirmation', async () => {
    useSession.getState().setScope('prod', scope(true));
    const v = view({ 'password.minLength': 16 }, 2);
    const history: ConfigVersion[] = [
      { version: 2, author: 'boss', at: '2026-01-01T00:00:00.000Z', reason: 'stronger', overrides: { 'password.minLength': 16 }, changes: [{ path: 'password.minLength', kind: 'set' as const, before: null, after: 16 }] },
      { version: 1, author: 'boss', at: '2026-01-01T00:00:00.000Z', reason: 'initial', overrides: {}, changes: [] },
    ];
    const fake = createFakeBridge({
      'config.show': () => ok(v),
      'config.history': () => ok(history),
      'config.diff': (i) => ok({ from: i.from, to: i.to, changes: history[0]!.changes }),
      'config.rollback': () => ok(view({}, 3)),
    });
    mount(fake, <ConfigurationTab cluster="prod" tenant="acme" />);
    expect((await screen.findByTestId('config-field-password.minLength')).getAttribute('data-origin')).toBe('overridden');
    expect(screen.getByTestId('config-field-retention.auditDays').getAttribute('data-origin')).toBe('inherited');
    expect(screen.getByTestId('config-history-v2').textContent).toContain('stronger');
    fireEvent.click(screen.getByTestId('config-diff'));
    expect((await screen.findByTestId('config-diff-table')).textContent).toContain('16');
    expect(fake.callsTo('config.diff')[0]!.input).toMatchObject({ from: 1, to: 2 });
    fireEvent.click(screen.getByTestId('rollback-v1'));
    fireEvent.click(await screen.findByTestId('rollback-confirm'));
    await waitFor(() => expect(fake.callsTo('config.rollback')).toHaveLength(1));
    expect(fake.callsTo('config.rollback')[0]!.input).toEqual({ cluster: 'prod', tenant: 'acme', version: 1, expectedVersion: 2 });
  });

  it('Branding: a renamed SVG is refused before anything is sent; the secret field never reaches the store', async () => {
    useSession.getState().setScope('prod', scope(true));
    const fake = createFakeBridge({
      'branding.get': () => ok({ cluster: 'prod', tenant: 'acme', set: false, displayName: null, primaryColor: null, accentColor: null, logo: null, updatedBy: null, updatedAt: null }),
      'integration.list': () => ok([{ name: 'siem', kind: 'siem' as const, endpoint: 'https://siem.example.com', secretStored: true, updatedBy: 'boss', updatedAt: null }]),
    });
    mount(fake, <BrandingTab cluster="prod" tenant="acme" />);
    const file = new File(['<svg xmlns="http://www.w3.org/2000/svg"/>'], 'logo.png', { type: 'image/png' });
    fireEvent.change(await screen.findByTestId('branding-logo'), { target: { files: [file] } });
    expect((await screen.findByTestId('branding-logo-error')).textContent).toMatch(/not a PNG or JPEG/);
    expect((screen.getByTestId('branding-save') as HTMLButtonElement).disabled).toBe(true);
    expect(fake.callsTo('branding.set')).toHaveLength(0);
    expect((await screen.findByTestId('integration-siem')).textContent).toContain('yes');
    fireEvent.change(screen.getByTestId('integration-endpoint'), { target: { value: 'http://plain.example.com' } });
    expect(screen.getByText(/http is not allowed/)).toBeTruthy();
  });
  it('Configuration: "Change template" only with platform scope; preview from config.templatePreview, apply with reason at the shown version', async () => {
    useSession.getState().setScope('prod', scope(false, ['acme']));
    const base = { 'config.show': () => ok(view({}, 1)), 'config.history': () => ok([]) };
    mount(createFakeBridge(base), <ConfigurationTab cluster="prod" tenant="acme" />);
    expect((await screen.findByTestId('config-template')).textContent).toBe('default');
    expect(screen.queryByTestId('config-change-template')).toBeNull();
    cleanup();
    useSession.getState().setScope('prod', scope(true));
    const fake = createFakeBridge({
      ...base,
      'template.list': () => ok([{ ...DEFAULT_TEMPLATE, builtIn: true }, { ...DEFAULT_TEMPLATE, name: 'strict', builtIn: false }]),
      'config.templatePreview': (i) =>
        ok({ cluster: 'prod', tenant: 'acme', from: 'default', to: i.template, current: false, snapshotStale: false, version: 1, changes: [{ path: 'password.minLength', label: 'Minimum length', origin: 'inherited' as const, before: 12, after: 16 }], shadowed: [], problems: [], ignored: [] }),
      'config.setTemplate': () => ok({ ...view({}, 2), changes: [] }),
    });
    mount(fake, <ConfigurationTab cluster="prod" tenant="acme" />);
    fireEvent.click(await screen.findByTestId('config-change-template'));
    await waitFor(() => expect(screen.getByTestId('template-pick').querySelectorAll('option')).toHaveLength(3));
    fireEvent.change(screen.getByTestId('template-pick'), { target: { value: 'strict' } });
    expect((await screen.findByTestId('template-preview-changes')).textContent).toContain('password.minLength');
    expect((screen.getByTestId('template-apply') as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(screen.getByTestId('template-reason'), { target: { value: 'stricter' } });
    fireEvent.click(screen.getByTestId('template-apply'));
    await waitFor(() => expect(fake.callsTo('config.setTemplate')).toHaveLength(1));
    expect(fake.callsTo('config.setTemplate')[0]!.input).toEqual({ cluster: 'prod', tenant: 'acme', template: 'strict', reason: 'stricter', expectedVersion: 1 });
  });
});
