// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OperatorScope } from '../../../src-shared/contract';
import type { ConfigView } from '../../../src-shared/contract/config';
import type { TenantUser, UserRequest } from '../../../src-shared/contract/users';
import { DEFAULT_PASSWORD_POLICY } from '../../../src-shared/rules/password-policy';
import { BUILTIN_POLICIES } from '../../../src-shared/rules/tenant-config';
import { ClientProvider } from '../../../src-renderer/app/client';
import { resetAllStores } from '../../../src-renderer/app/stores';
import { useSession } from '../../../src-renderer/app/stores/session';
import { Toasts } from '../../../src-renderer/app/Toasts';
import { UsersTab } from '../../../src-renderer/features/users/UsersTab';
import { createFakeBridge, fail, ok, type FakeBridge, type Handlers } from './fake-bridge';

const scope = (platform: boolean): OperatorScope => ({
  cluster: 'prod',
  role: platform ? 'cassandra' : 'tenant_acme_u_boss',
  superuser: platform,
  roles: platform ? [] : ['tenant_acme_admin', 'tenant_acme_u_boss'],
  platform,
  tenantAdmin: platform ? [] : ['acme'],
  auditor: platform ? 'all' : [],
  tenants: ['acme'],
});

const user = (name: string, extra: Partial<TenantUser> = {}): TenantUser => ({
  name,
  role: `tenant_acme_u_${name}`,
  template: 'read-only',
  locked: false,
  createdBy: 'cassandra',
  createdAt: '2025-01-01T00:00:00.000Z',
  passwordChangedAt: '2025-01-01T00:00:00.000Z',
  ...extra,
});

/** A tenant whose policy is stricter than the default: 16 characters and a symbol. */
const STRICT = { ...DEFAULT_PASSWORD_POLICY, minLength: 16, requireSymbol: true };
const view: ConfigView = {
  cluster: 'prod',
  tenant: 'acme',
  template: { name: 'default', found: true, syncedAt: null },
  version: 3,
  updatedBy: 'tenant_acme_u_boss',
  updatedAt: '2025-01-02T00:00:00.000Z',
  overrides: { 'password.minLength': 16, 'password.requireSymbol': true },
  effective: { ...BUILTIN_POLICIES, password: STRICT },
  fields: [],
  compliance: null,
  warnings: [],
};

function bridge(extra: Handlers = {}): FakeBridge {
  let users = [user('boss', { template: null }), user('reader')];
  return createFakeBridge({
    'user.list': () => ok(users),
    'user.requests': () => ok([]),
    'config.show': () => ok(view),
    'user.create': (i) => {
      users = [...users, user(i.name, { template: i.template })];
      return ok({ state: 'applied' as const, requestId: null, user: i.name });
    },
    'user.lock': (i) => {
      users = users.map((u) => (u.name === i.name ? { ...u, locked: true } : u));
      return ok(users.find((u) => u.name === i.name)!);
    },
    'user.unlock': (i) => {
      users = users.map((u) => (u.name === i.name ? { ...u, locked: false } : u));
      return ok(users.find((u) => u.name === i.name)!);
    },
    'user.drop': (i) => {
      users = users.filter((u) => u.name !== i.name);
      return ok({ user: i.name, dropped: true });
    },
    ...extra,
  });
}

const mount = (fake: FakeBridge) =>
  render(
    <ClientProvider client={fake.client}>
      <UsersTab cluster="prod" tenant="acme" />
      <Toasts />
    </ClientProvider>,
  );

describe('Users tab (unit: fake bridge)', () => {
  beforeEach(() => {
    resetAllStores();
    useSession.getState().setScope('prod', scope(true));
  });
  afterEach(cleanup);

  it("lists the tenant's users with template and lock state", async () => {
    const fake = bridge({ 'user.list': () => ok([user('boss', { template: null }), user('reader', { locked: true })]) });
    mount(fake);
    const row = await screen.findByTestId('user-row-reader');
    expect(fake.callsTo('user.list')[0]?.input).toEqual({ cluster: 'prod', tenant: 'acme' });
    expect(row.textContent).toContain('read-only');
    expect(row.textContent).toContain('locked');
    expect(within(screen.getByTestId('user-row-boss')).getAllByRole('cell')[1]?.textContent).toBe('—');
    expect(screen.getByTestId('user-lock-reader').textContent).toBe('Unlock');
    // A platform console with no requests shows no requests section.
    expect(screen.queryByTestId('user-requests')).toBeNull();
  });

  it("checks the password live against the tenant's own policy and refuses a weak one before calling", async () => {
    const fake = bridge();
    mount(fake);
    await screen.findByTestId('user-row-reader');
    await waitFor(() => expect(fake.callsTo('config.show')[0]?.input).toEqual({ cluster: 'prod', tenant: 'acme' }));
    fireEvent.click(screen.getByTestId('user-create'));
    const dialog = screen.getByTestId('user-create-dialog');
    expect(within(dialog).getByTestId('password-feedback').dataset.source).toBe('tenant');
    expect(within(dialog).getByTestId('password-policy').textContent).toMatch(/Tenant's password policy: at least 16 characters.*a symbol.*not one of the last 5/);

    fireEvent.change(within(dialog).getByTestId('user-name'), { target: { value: 'alice' } });
    fireEvent.change(within(dialog).getByTestId('user-template'), { target: { value: 'read-write' } });
    // 12 characters passes the default policy, not this tenant's 16 + symbol.
    fireEvent.change(within(dialog).getByTestId('user-password'), { target: { value: 'Abcdefgh1234' } });
    expect(within(dialog).getByTestId('password-strength').textContent).toBeTruthy();
    expect(within(dialog).getByTestId('password-needs').textContent).toBe('Needs: at least 16 characters, a symbol (not a letter or digit)');
    fireEvent.change(within(dialog).getByTestId('user-password'), { target: { value: 'aaaa' } });
    expect(within(dialog).getByTestId('password-strength').textContent).toBe('weak');
    fireEvent.change(within(dialog).getByTestId('user-password'), { target: { value: 'xx-alice-Secret-99' } });
    expect(within(dialog).getByTestId('password-needs').textContent).toContain('must not contain the user name');
    fireEvent.click(within(dialog).getByTestId('user-create-submit'));
    const err = within(dialog).getByTestId('form-error');
    expect(err.textContent).toContain('BAD_INPUT');
    expect(err.textContent).toContain('forbidUserName');
    expect(fake.callsTo('user.create')).toHaveLength(0);

    const PASSWORD = 'Cobalt-Harbour-77!x';
    fireEvent.change(within(dialog).getByTestId('user-password'), { target: { value: PASSWORD } });
    expect(within(dialog).getByTestId('password-meets')).toBeTruthy();
    expect(within(dialog).getByTestId('password-strength').textContent).toBe('strong');
    fireEvent.click(within(dialog).getByTestId('user-create-submit'));
    await waitFor(() => expect(screen.queryByTestId('user-create-dialog')).toBeNull());
    expect(fake.callsTo('user.create')).toEqual([{ channel: 'user.create', input: { cluster: 'prod', tenant: 'acme', name: 'alice', template: 'read-write', password: PASSWORD } }]);
    expect((await screen.findByTestId('user-row-alice')).textContent).toContain('read-write');
    expect(screen.getAllByTestId('toast-message').map((m) => m.textContent)).toContain('User alice created');
    expect(document.body.innerHTML).not.toContain(PASSWORD);
  });

  it('without the tenant policy (config.show refused) the default is shown with a visible note', async () => {
    const fake = bridge({ 'config.show': () => fail('FORBIDDEN', 'tenant acme is outside your scope') });
    mount(fake);
    await screen.findByTestId('user-row-reader');
    await waitFor(() => expect(fake.callsTo('config.show')).toHaveLength(1));
    fireEvent.click(screen.getByTestId('user-create'));
    const dialog = screen.getByTestId('user-create-dialog');
    expect(within(dialog).getByTestId('password-feedback').dataset.source).toBe('default');
    expect(within(dialog).getByTestId('password-policy').textContent).toContain("Default password policy (the tenant's could not be read — FORBIDDEN: tenant acme is outside your scope");
    expect(within(dialog).getByTestId('password-policy').textContent).toContain('at least 12 characters');
    fireEvent.change(within(dialog).getByTestId('user-name'), { target: { value: 'bob' } });
    fireEvent.change(within(dialog).getByTestId('user-password'), { target: { value: 'Abcdefgh1234' } });
    expect(within(dialog).getByTestId('password-meets')).toBeTruthy();
    // No toast for the policy read: the note says it in place.
    expect(screen.queryAllByTestId('toast-code')).toHaveLength(0);
  });

  it("main's refusal (here the history rule the screen cannot check) is shown in the dialog with its code", async () => {
    const fake = bridge({ 'user.create': () => fail('BAD_INPUT', "password refused by tenant acme's policy: historyCount (must not be one of the last 5 passwords)") });
    mount(fake);
    await screen.findByTestId('user-row-reader');
    fireEvent.click(screen.getByTestId('user-create'));
    const dialog = screen.getByTestId('user-create-dialog');
    fireEvent.change(within(dialog).getByTestId('user-name'), { target: { value: 'carol' } });
    fireEvent.change(within(dialog).getByTestId('user-password'), { target: { value: 'Cobalt-Harbour-77!x' } });
    fireEvent.click(within(dialog).getByTestId('user-create-submit'));
    const err = await within(dialog).findByTestId('form-error');
    expect(within(err).getByText('BAD_INPUT')).toBeTruthy();
    expect(err.textContent).toContain('historyCount');
    expect(fake.callsTo('user.create')).toHaveLength(1);
    expect(screen.getByTestId('user-create-dialog')).toBeTruthy(); // kept open: nothing typed is lost
    expect((within(dialog).getByTestId('user-name') as HTMLInputElement).value).toBe('carol');
  });

  it('lock, unlock and drop (after confirmation) call their channels and the table follows', async () => {
    const fake = bridge();
    mount(fake);
    await screen.findByTestId('user-row-reader');
    fireEvent.click(screen.getByTestId('user-lock-reader'));
    await waitFor(() => expect(screen.getByTestId('user-lock-reader').textContent).toBe('Unlock'));
    expect(fake.callsTo('user.lock')[0]?.input).toEqual({ cluster: 'prod', tenant: 'acme', name: 'reader' });
    expect(within(screen.getByTestId('user-row-reader')).getByText('locked')).toBeTruthy();
    fireEvent.click(screen.getByTestId('user-lock-reader'));
    await waitFor(() => expect(screen.getByTestId('user-lock-reader').textContent).toBe('Lock'));
    expect(fake.callsTo('user.unlock')[0]?.input).toEqual({ cluster: 'prod', tenant: 'acme', name: 'reader' });

    fireEvent.click(within(screen.getByTestId('user-row-reader')).getByRole('button', { name: 'Drop' }));
    const dialog = screen.getByTestId('user-drop-dialog');
    expect(dialog.textContent).toContain('Drop reader?');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(fake.callsTo('user.drop')).toHaveLength(0);
    fireEvent.click(within(screen.getByTestId('user-row-reader')).getByRole('button', { name: 'Drop' }));
    fireEvent.click(screen.getByTestId('user-drop-confirm'));
    await waitFor(() => expect(screen.queryByTestId('user-row-reader')).toBeNull());
    expect(fake.callsTo('user.drop')).toEqual([{ channel: 'user.drop', input: { cluster: 'prod', tenant: 'acme', name: 'reader' } }]);
    await waitFor(() => expect(screen.queryByTestId('user-drop-dialog')).toBeNull());
  });

  it('an error envelope shows its code: the list in place, a refused lock as a toast', async () => {
    const fake = bridge({ 'user.list': () => fail('FORBIDDEN', 'tenant other is outside your scope') });
    mount(fake);
    const err = await screen.findByTestId('form-error');
    expect(within(err).getByText('FORBIDDEN')).toBeTruthy();
    expect(err.textContent).toContain('outside your scope');
    expect(screen.queryByTestId('users-table')).toBeNull();
    cleanup();
    resetAllStores();
    useSession.getState().setScope('prod', scope(true));
    const f2 = bridge({ 'user.lock': () => fail('FORBIDDEN', 'locking user boss: Cassandra refused it for this role') });
    mount(f2);
    fireEvent.click(await screen.findByTestId('user-lock-boss'));
    expect((await screen.findByTestId('toast-code')).textContent).toBe('FORBIDDEN');
    expect(screen.getByTestId('user-lock-boss').textContent).toBe('Lock');
  });

  it("a tenant-scoped console files creations as requests and shows the requests' state", async () => {
    useSession.getState().setScope('prod', scope(false));
    const pending: UserRequest = { id: 'a1b2c3d4e5f60708', tenant: 'acme', kind: 'create', user: 'app', template: 'application', grant: null, state: 'pending', requestedBy: 'tenant_acme_u_boss', requestedAt: '2025-01-03T00:00:00.000Z', processedBy: null, processedAt: null, error: null };
    const failed: UserRequest = { ...pending, id: '0000000000000001', kind: 'grant', user: 'reader', template: null, grant: 'MODIFY ON tenant_acme_data', state: 'failed', error: 'FORBIDDEN: not an admin' };
    let requests: UserRequest[] = [failed];
    const fake = bridge({
      'user.requests': () => ok(requests),
      'user.create': (i) => {
        requests = [pending, ...requests];
        return ok({ state: 'requested' as const, requestId: pending.id, user: i.name });
      },
    });
    mount(fake);
    const section = await screen.findByTestId('user-requests');
    await waitFor(() => expect(section.textContent).toContain('grant reader MODIFY ON tenant_acme_data'));
    expect(section.textContent).toContain('failed');
    expect(section.textContent).toContain('FORBIDDEN: not an admin');
    fireEvent.click(screen.getByTestId('user-create'));
    const dialog = screen.getByTestId('user-create-dialog');
    fireEvent.change(within(dialog).getByTestId('user-name'), { target: { value: 'app' } });
    fireEvent.change(within(dialog).getByTestId('user-template'), { target: { value: 'application' } });
    fireEvent.change(within(dialog).getByTestId('user-password'), { target: { value: 'Cobalt-Harbour-77!x' } });
    fireEvent.click(within(dialog).getByTestId('user-create-submit'));
    await waitFor(() => expect(screen.getByTestId('user-requests').textContent).toContain('create app application'));
    expect(screen.getByTestId('user-requests').textContent).toContain('pending');
    expect(fake.callsTo('user.create')[0]?.input).toMatchObject({ name: 'app', template: 'application' });
    expect(screen.getAllByTestId('toast-message').map((m) => m.textContent)).toContain('Request filed for app: a platform console carries it out');
  });
});
