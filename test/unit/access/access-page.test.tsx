// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OperatorScope } from '../../../src-shared/contract';
import type { ApprovalRequest, SupportGrant } from '../../../src-shared/contract/access';
import { ClientProvider } from '../../../src-renderer/app/client';
import { resetAllStores } from '../../../src-renderer/app/stores';
import { useSession } from '../../../src-renderer/app/stores/session';
import { useToasts } from '../../../src-renderer/app/stores/toasts';
import { AccessPage } from '../../../src-renderer/features/access/AccessPage';
import { useAccess } from '../../../src-renderer/features/access/store';
import { expiresIn, supportOps } from '../../../src-renderer/features/access/SupportTable';
import { createFakeBridge, fail, ok, type FakeBridge } from '../renderer/fake-bridge';

const platform = (role = 'ops_alice'): OperatorScope => ({ cluster: 'prod', role, superuser: false, roles: ['csm_platform_admin'], platform: true, tenantAdmin: [], auditor: 'all', tenants: ['acme'] });
const tenantAdmin: OperatorScope = { cluster: 'prod', role: 'tenant_acme_u_boss', superuser: false, roles: ['tenant_acme_admin'], platform: false, tenantAdmin: ['acme'], auditor: [], tenants: ['acme'] };

const grant = (over: Partial<SupportGrant> = {}): SupportGrant => ({
  id: '1111111111111111',
  tenant: 'acme',
  requestedBy: 'ops_alice',
  requestedAt: '2030-01-01T00:00:00.000Z',
  minutes: 60,
  readOnly: true,
  reason: 'ticket 4711',
  state: 'pending',
  decideBy: '2030-01-04T00:00:00.000Z',
  decidedBy: null,
  decidedAt: null,
  decisionNote: null,
  activatedBy: null,
  activatedAt: null,
  role: null,
  expiresAt: null,
  revokeRequestedBy: null,
  revokedBy: null,
  revokedAt: null,
  revokeReason: null,
  history: [],
  ...over,
});
const approval = (over: Partial<ApprovalRequest> = {}): ApprovalRequest => ({
  id: 'aaaaaaaaaaaaaaaa',
  tenant: 'acme',
  channel: 'tenant.suspend',
  input: '{"reason":"unpaid","tenant":"acme"}',
  inputHash: 'h',
  requestedBy: 'ops_alice',
  requestedAt: '2030-01-01T00:00:00.000Z',
  reason: 'unpaid',
  state: 'pending',
  expiresAt: '2030-01-04T00:00:00.000Z',
  decidedBy: null,
  decidedAt: null,
  decisionNote: null,
  executedAt: null,
  resultSummary: null,
  errorCode: null,
  history: [],
  ...over,
});

const mount = (fake: FakeBridge) =>
  render(
    <ClientProvider client={fake.client}>
      <AccessPage />
    </ClientProvider>,
  );

describe('Support & approvals screen (unit: fake bridge)', () => {
  beforeEach(() => {
    resetAllStores();
    useAccess.getState().reset();
  });
  afterEach(cleanup);

  it('asks for a sign-in with platform or tenant-admin scope when there is none', () => {
    mount(createFakeBridge());
    expect(screen.getByTestId('access-no-cluster')).toBeTruthy();
  });

  it('platform: lists support windows and pending-first approvals; Approve is disabled, with the reason, on your own request', async () => {
    useSession.getState().setScope('prod', platform());
    const mine = approval();
    const theirs = approval({ id: 'bbbbbbbbbbbbbbbb', requestedBy: 'ops_bob', requestedAt: '2029-12-31T00:00:00.000Z' });
    const done = approval({ id: 'cccccccccccccccc', state: 'executed', requestedAt: '2030-01-02T00:00:00.000Z', decidedBy: 'ops_bob', resultSummary: 'tenant.suspend: tenant acme is suspended' });
    const active = grant({ id: '2222222222222222', state: 'active', decidedBy: 'tenant_acme_u_boss', activatedBy: 'ops_alice', role: 'tenant_acme_support_0a1b2c3d', expiresAt: new Date(Date.now() + 30 * 60_000).toISOString() });
    const fake = createFakeBridge({ 'support.list': () => ok([active, grant()]), 'approval.list': () => ok([done, theirs, mine]) });
    mount(fake);
    const table = await screen.findByTestId('approvals-table');
    expect(fake.callsTo('support.list')[0]!.input).toEqual({ cluster: 'prod' });
    const rows = within(table).getAllByTestId(/^approval-row-/).map((r) => r.getAttribute('data-testid'));
    expect(rows).toEqual([`approval-row-${mine.id}`, `approval-row-${theirs.id}`, `approval-row-${done.id}`]);
    expect((screen.getByTestId(`approval-approve-${mine.id}`) as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByTestId(`approval-own-${mine.id}`).textContent).toMatch(/another operator must approve/);
    expect((screen.getByTestId(`approval-approve-${theirs.id}`) as HTMLButtonElement).disabled).toBe(false);
    // Support: the active window shows role, countdown and the CLI command for the password — no password.
    expect(screen.getByTestId(`support-expires-${active.id}`).textContent).toMatch(/^(29|30) min$/);
    expect(screen.getByTestId(`support-password-hint-${active.id}`).textContent).toContain(`csm support credentials ${active.id} --cluster prod --out FILE`);
    expect(screen.queryByTestId(`support-approve-${grant().id}`)).toBeNull(); // platform cannot approve support
  });

  it('platform: approving another operator’s request runs it and shows the outcome', async () => {
    useSession.getState().setScope('prod', platform());
    const theirs = approval({ id: 'bbbbbbbbbbbbbbbb', requestedBy: 'ops_bob' });
    const fake = createFakeBridge({
      'support.list': () => ok([]),
      'approval.list': () => ok([theirs]),
      'approval.approve': (i) => ok({ request: { ...theirs, state: 'executed', decidedBy: 'ops_alice', decisionNote: i.note ?? null, resultSummary: 'tenant.suspend: tenant acme is suspended' }, outcome: { ok: true, summary: 'tenant.suspend: tenant acme is suspended', jobId: null, errorCode: null, errorMessage: null } }),
      'approval.reject': () => fail('BAD_INPUT', 'reason: required'),
    });
    mount(fake);
    fireEvent.click(await screen.findByTestId(`approval-approve-${theirs.id}`));
    fireEvent.change(screen.getByTestId('approval-approve-dialog-text'), { target: { value: 'checked' } });
    fireEvent.click(screen.getByTestId('approval-approve-dialog-confirm'));
    await waitFor(() => expect(screen.getByTestId(`approval-state-${theirs.id}`).textContent).toBe('executed'));
    expect(fake.callsTo('approval.approve')[0]!.input).toEqual({ cluster: 'prod', id: theirs.id, note: 'checked' });
    expect(useToasts.getState().toasts.at(-1)?.message).toMatch(/Approved and carried out/);
  });

  it('a reject needs a reason before anything is sent', async () => {
    useSession.getState().setScope('prod', platform());
    const theirs = approval({ id: 'bbbbbbbbbbbbbbbb', requestedBy: 'ops_bob' });
    const fake = createFakeBridge({ 'support.list': () => ok([]), 'approval.list': () => ok([theirs]), 'approval.reject': (i) => ok({ ...theirs, state: 'rejected', decisionNote: i.reason }) });
    mount(fake);
    fireEvent.click(await screen.findByTestId(`approval-reject-${theirs.id}`));
    fireEvent.click(screen.getByTestId('approval-reject-dialog-confirm'));
    expect(await screen.findByText('a reason is required')).toBeTruthy();
    expect(fake.callsTo('approval.reject')).toHaveLength(0);
    fireEvent.change(screen.getByTestId('approval-reject-dialog-text'), { target: { value: 'not now' } });
    fireEvent.click(screen.getByTestId('approval-reject-dialog-confirm'));
    await waitFor(() => expect(screen.getByTestId(`approval-state-${theirs.id}`).textContent).toBe('rejected'));
  });

  it('platform: the request dialog checks minutes (1–1440) and sends the request', async () => {
    useSession.getState().setScope('prod', platform());
    const fake = createFakeBridge({ 'support.list': () => ok([]), 'approval.list': () => ok([]), 'support.request': (i) => ok(grant({ tenant: i.tenant, minutes: i.minutes, readOnly: i.readOnly ?? false, reason: i.reason })) });
    mount(fake);
    fireEvent.click(await screen.findByTestId('support-request-open'));
    fireEvent.change(screen.getByTestId('support-request-tenant'), { target: { value: 'acme' } });
    fireEvent.change(screen.getByTestId('support-request-minutes'), { target: { value: '2000' } });
    fireEvent.change(screen.getByTestId('support-request-reason'), { target: { value: 'ticket 4711' } });
    fireEvent.click(screen.getByTestId('support-request-submit'));
    expect(await screen.findByText(/24 h at most/)).toBeTruthy();
    expect(fake.callsTo('support.request')).toHaveLength(0);
    fireEvent.change(screen.getByTestId('support-request-minutes'), { target: { value: '90' } });
    fireEvent.click(screen.getByTestId('support-request-readonly'));
    fireEvent.click(screen.getByTestId('support-request-submit'));
    await screen.findByTestId(`support-row-${grant().id}`);
    expect(fake.callsTo('support.request')[0]!.input).toEqual({ cluster: 'prod', tenant: 'acme', minutes: 90, readOnly: false, reason: 'ticket 4711' });
  });

  it('tenant admin: lists their tenant, approves a pending request; sees no request button', async () => {
    useSession.getState().setScope('prod', tenantAdmin);
    const g = grant();
    const fake = createFakeBridge({ 'support.list': () => ok([g]), 'approval.list': () => ok([]), 'support.approve': () => ok({ ...g, state: 'approved', decidedBy: 'tenant_acme_u_boss' }) });
    mount(fake);
    fireEvent.click(await screen.findByTestId(`support-approve-${g.id}`));
    expect(fake.callsTo('support.list')[0]!.input).toEqual({ cluster: 'prod', tenant: 'acme' });
    expect(screen.queryByTestId('support-request-open')).toBeNull();
    fireEvent.click(screen.getByTestId('support-approve-dialog-confirm'));
    await waitFor(() => expect(screen.getByTestId(`support-state-${g.id}`).textContent).toBe('approved'));
    expect(fake.callsTo('support.approve')[0]!.input).toEqual({ cluster: 'prod', tenant: 'acme', id: g.id });
  });

  it('re-reads the lists when the sweep ends a window on the cluster on screen', async () => {
    useSession.getState().setScope('prod', platform());
    const fake = createFakeBridge({ 'support.list': () => ok([]), 'approval.list': () => ok([]) });
    mount(fake);
    await screen.findByTestId('support-empty');
    expect(fake.callsTo('support.list')).toHaveLength(1);
    fake.emit('support.revoked', { cluster: 'other', tenant: 'acme', id: '1111111111111111', why: 'expired' });
    fake.emit('support.revoked', { cluster: 'prod', tenant: 'acme', id: '1111111111111111', why: 'expired' });
    await waitFor(() => expect(fake.callsTo('support.list')).toHaveLength(2));
  });

  it('shows a refusal in place, with its code', async () => {
    useSession.getState().setScope('prod', tenantAdmin);
    mount(createFakeBridge({ 'support.list': () => fail('FORBIDDEN', 'role x has no tenant scope'), 'approval.list': () => ok([]) }));
    expect((await screen.findByTestId('form-error')).textContent).toContain('FORBIDDEN');
  });
});

describe('row rules', () => {
  it('offers each operator exactly what main allows', () => {
    const me = platform();
    expect(supportOps(grant(), me)).toEqual(['revoke']);
    expect(supportOps(grant({ state: 'approved' }), me)).toEqual(['activate', 'revoke']);
    expect(supportOps(grant({ state: 'approved', requestedBy: 'ops_bob' }), me)).toEqual(['revoke']);
    expect(supportOps(grant(), tenantAdmin)).toEqual(['approve', 'reject']);
    expect(supportOps(grant({ state: 'active' }), tenantAdmin)).toEqual(['revoke']);
    expect(supportOps(grant({ state: 'active', revokeRequestedBy: 'tenant_acme_u_boss' }), tenantAdmin)).toEqual([]);
    expect(supportOps(grant({ tenant: 'other' }), tenantAdmin)).toEqual([]);
    expect(supportOps(grant({ state: 'revoked' }), me)).toEqual([]);
  });
  it('counts down the window', () => {
    const now = new Date('2030-01-01T00:00:00.000Z');
    expect(expiresIn(grant({ state: 'active', expiresAt: '2030-01-01T01:30:00.000Z' }), now)).toBe('1 h 30 min');
    expect(expiresIn(grant({ state: 'pending' }), now)).toBe('—');
  });
});
