// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OperatorScope } from '../../../src-shared/contract';
import type { Backup, BackupStatus, BundleInfo, Operation, VerificationReport } from '../../../src-shared/contract/portability';
import { ClientProvider } from '../../../src-renderer/app/client';
import { resetAllStores } from '../../../src-renderer/app/stores';
import { useSession } from '../../../src-renderer/app/stores/session';
import { BackupsTab } from '../../../src-renderer/features/portability/BackupsTab';
import { phaseStates } from '../../../src-renderer/features/portability/bits';
import { parseDcMap, parsePolicy } from '../../../src-renderer/features/portability/form';
import { MigrationsPage } from '../../../src-renderer/features/portability/MigrationsPage';
import { usePortability } from '../../../src-renderer/features/portability/store';
import { createFakeBridge, fail, ok, type FakeBridge, type Handlers } from './fake-bridge';
import { summary } from './tenants-fixtures';

const scope = (cluster: string, platform = true): OperatorScope => ({ cluster, role: platform ? 'cassandra' : 'tenant_acme_u_boss', superuser: platform, roles: [], platform, tenantAdmin: platform ? [] : ['acme'], auditor: platform ? 'all' : [], tenants: ['acme'] });

const AT = '2026-11-29T10:00:00.000Z';
const backup = (id: string, extra: Partial<Backup> = {}): Backup => ({ id, cluster: 'prod', tenant: 'acme', at: AT, path: `/b/${id}.csmb`, bytes: 20480, rows: 42, sha256: 'ab12'.repeat(16), trigger: 'manual', verified: null, ...extra });

function status(extra: Partial<BackupStatus> = {}): BackupStatus {
  return {
    cluster: 'prod',
    tenant: 'acme',
    policy: { everyHours: 6, keep: 7, rpoMinutes: 480, rtoMinutes: 60, withData: true },
    backups: [backup('bk1', { verified: { at: AT, ok: true } }), backup('bk0', { trigger: 'schedule' })],
    rpo: { met: true, newestAgeMinutes: 35 },
    rto: { met: false, lastRestoreMinutes: 95 },
    nextDueAt: '2026-11-29T16:00:00.000Z',
    ...extra,
  };
}

function op(id: string, extra: Partial<Operation> = {}): Operation {
  return { id, jobId: `job-${id}`, kind: 'backup', state: 'running', cluster: 'prod', tenant: 'acme', targetCluster: null, targetTenant: null, phase: null, startedAt: AT, endedAt: null, path: null, bytes: null, tables: 0, rows: 0, sha256: null, error: null, report: null, ...extra };
}

const report = (ok: boolean): VerificationReport => ({
  ok,
  tables: [
    { keyspace: 'tenant_acme_data', table: 'orders', sourceRows: 10, targetRows: 10, sourceDigest: 'aa'.repeat(32), targetDigest: 'aa'.repeat(32), ok: true },
    { keyspace: 'tenant_acme_data', table: 'events', sourceRows: 7, targetRows: ok ? 7 : 6, sourceDigest: 'bb'.repeat(32), targetDigest: ok ? 'bb'.repeat(32) : 'cc'.repeat(32), ok },
  ],
  grants: [
    { role: 'tenant_acme_admin', resource: 'data/tenant_acme_data', permissions: ['SELECT', 'MODIFY'], side: 'both' },
    ...(ok ? [] : [{ role: 'tenant_acme_svc', resource: 'data/tenant_acme_data', permissions: ['SELECT'], side: 'source' as const }]),
  ],
  grantsEqual: ok,
  configEqual: true,
  certificates: { source: 2, target: 2 },
  notes: [],
});

const progress = (operationId: string, extra: Record<string, unknown> = {}) => ({ operationId, kind: 'backup', tenant: 'acme', phase: null, done: 0, total: null, message: 'working', at: new Date().toISOString(), ...extra });

function mountTab(fake: FakeBridge) {
  return render(
    <ClientProvider client={fake.client}>
      <BackupsTab cluster="prod" tenant="acme" />
    </ClientProvider>,
  );
}
function mountPage(fake: FakeBridge) {
  return render(
    <ClientProvider client={fake.client}>
      <MigrationsPage />
    </ClientProvider>,
  );
}

beforeEach(() => {
  resetAllStores();
  usePortability.getState().reset();
});
afterEach(cleanup);

const text = (el: Element): string => el.textContent ?? '';
const disabled = (el: Element): boolean => (el as HTMLButtonElement).disabled;

describe('portability form rules (same bounds as the contract)', () => {
  it('checks each policy field: whole numbers within the schema bounds', () => {
    const good = parsePolicy({ everyHours: '0', keep: '1', rpoMinutes: '60', rtoMinutes: '30', withData: false });
    expect(good.value).toEqual({ everyHours: 0, keep: 1, rpoMinutes: 60, rtoMinutes: 30, withData: false });
    const bad = parsePolicy({ everyHours: '721', keep: '0', rpoMinutes: '1.5', rtoMinutes: '', withData: true });
    expect(bad.value).toBeNull();
    expect(bad.errors).toEqual({ everyHours: 'at most 720', keep: 'at least 1', rpoMinutes: 'a whole number', rtoMinutes: 'a whole number' });
  });

  it('turns DC map rows into a record; half rows and duplicates are refused', () => {
    expect(parseDcMap([{ from: ' dc1 ', to: 'eu-west' }, { from: '', to: '' }])).toEqual({ value: { dc1: 'eu-west' }, error: null });
    expect(parseDcMap([])).toEqual({ value: undefined, error: null });
    expect(parseDcMap([{ from: 'dc1', to: '' }]).error).toMatch(/both a source and a target/);
    expect(parseDcMap([{ from: 'dc1', to: 'a' }, { from: 'dc1', to: 'b' }]).error).toBe('source data centre dc1 is mapped twice');
  });

  it('phase states: done before, running at, pending after; aborted undoes what was done', () => {
    expect(phaseStates('verify', 'running')).toEqual(['done', 'running', 'pending', 'pending', 'pending']);
    expect(phaseStates('cutover', 'failed')).toEqual(['done', 'done', 'failed', 'pending', 'pending']);
    expect(phaseStates('cutover', 'aborted')).toEqual(['undone', 'undone', 'undone', 'pending', 'pending']);
    expect(phaseStates('done', 'succeeded')).toEqual(['done', 'done', 'done', 'done', 'done']);
  });
});

describe('Backups tab (unit: fake bridge)', () => {
  it('shows RPO met / RTO missed with their figures, and the backups with size, rows, sha256 and verified state', async () => {
    useSession.getState().setScope('prod', scope('prod'));
    mountTab(createFakeBridge({ 'backup.list': () => ok(status()) }));
    expect(text(await screen.findByTestId('backup-rpo-badge'))).toMatch('RPO met');
    expect(text(screen.getByTestId('backup-rpo-figures'))).toMatch('newest good backup 35 min old · target 8.0 h');
    expect(text(screen.getByTestId('backup-rto-badge'))).toMatch('RTO missed');
    expect((screen.getByTestId('backup-rto')).getAttribute('data-met')).toBe('false');
    expect(text(screen.getByTestId('backup-rto-figures'))).toMatch('last restore took 95 min · target 60 min');
    const row = screen.getByTestId('backup-row-bk1');
    expect(text(row)).toMatch('20.0 KiB');
    expect(text(row)).toMatch('42');
    expect(text(row)).toMatch('ab12ab12ab12');
    expect(text(within(row).getByTestId('backup-verified'))).toMatch(/^ok /);
    expect(text(within(screen.getByTestId('backup-row-bk0')).getByTestId('backup-verified'))).toMatch('never');
    expect(text(screen.getByTestId('backup-row-bk0'))).toMatch('schedule');
  });

  it('says "unknown" when there is nothing to measure, and shows a refusal with its code', async () => {
    useSession.getState().setScope('prod', scope('prod'));
    mountTab(createFakeBridge({ 'backup.list': () => ok(status({ backups: [], rpo: { met: null, newestAgeMinutes: null }, rto: { met: null, lastRestoreMinutes: null } })) }));
    expect(text(await screen.findByTestId('backup-rpo-badge'))).toMatch('RPO unknown');
    expect(text(screen.getByTestId('backup-rpo-figures'))).toMatch('no good backup yet');
    expect(text(screen.getByTestId('backup-rto-badge'))).toMatch('RTO unknown');
    expect(screen.getByTestId('backup-none')).toBeTruthy();
    cleanup();
    usePortability.getState().reset();
    mountTab(createFakeBridge({ 'backup.list': () => fail('FORBIDDEN', 'not your tenant') }));
    expect(text(await screen.findByTestId('backup-error'))).toMatch('FORBIDDEN');
  });

  it('policy editor: refuses out-of-bound values in place and sends numbers when valid', async () => {
    useSession.getState().setScope('prod', scope('prod'));
    const fake = createFakeBridge({ 'backup.list': () => ok(status()), 'backup.setPolicy': (i) => ok(status({ policy: i.policy })) });
    mountTab(fake);
    const keep = await screen.findByTestId('backup-policy-keep');
    fireEvent.change(keep, { target: { value: '0' } });
    fireEvent.change(screen.getByTestId('backup-policy-rtoMinutes'), { target: { value: 'soon' } });
    expect(screen.getByText('at least 1')).toBeTruthy();
    expect(screen.getByText('a whole number')).toBeTruthy();
    expect(disabled(screen.getByTestId('backup-policy-save'))).toBe(true);
    fireEvent.change(keep, { target: { value: '3' } });
    fireEvent.change(screen.getByTestId('backup-policy-rtoMinutes'), { target: { value: '45' } });
    fireEvent.click(screen.getByTestId('backup-policy-withData'));
    fireEvent.click(screen.getByTestId('backup-policy-save'));
    await waitFor(() => expect(fake.callsTo('backup.setPolicy')).toHaveLength(1));
    expect(fake.callsTo('backup.setPolicy')[0]!.input).toEqual({ cluster: 'prod', tenant: 'acme', policy: { everyHours: 6, keep: 3, rpoMinutes: 480, rtoMinutes: 45, withData: false } });
    await waitFor(() => expect(text(screen.getByTestId('backup-schedule'))).toMatch('Every 6 h, keep 3, schema and config only'));
  });

  it('without platform scope: says why, reads nothing, offers no action', async () => {
    useSession.getState().setScope('prod', scope('prod', false));
    const fake = createFakeBridge({ 'backup.list': () => ok(status()) });
    mountTab(fake);
    expect(text(screen.getByTestId('backup-needs-platform'))).toMatch('need platform scope on prod');
    expect(fake.callsTo('backup.list')).toHaveLength(0);
    expect(screen.queryByTestId('backup-now')).toBeNull();
    expect(screen.queryByTestId('backup-list')).toBeNull();
    expect(screen.queryByTestId('backup-policy')).toBeNull();
  });

  it('restore into the same tenant is only possible after typing the tenant id, with the data-loss warning', async () => {
    useSession.getState().setScope('prod', scope('prod'));
    const fake = createFakeBridge({
      'backup.list': () => ok(status()),
      'backup.restore': () => ok({ jobId: 'job-r1', operationId: 'r1' }),
      'portability.result': () => ok(op('r1', { kind: 'restore' })),
    });
    mountTab(fake);
    fireEvent.click(within(await screen.findByTestId('backup-row-bk1')).getByTestId('backup-restore'));
    const dialog = screen.getByTestId('restore-dialog');
    // New tenant (the default): a bad id is refused in place.
    fireEvent.change(within(dialog).getByTestId('restore-new-id'), { target: { value: 'Bad-Id' } });
    expect(disabled(within(dialog).getByTestId('restore-submit'))).toBe(true);
    expect(text(dialog)).toMatch('tenant id: a lower-case letter');
    fireEvent.click(within(dialog).getByTestId('restore-into-same'));
    expect(text(within(dialog).getByTestId('restore-warning'))).toMatch('Rows written to acme after');
    expect(text(within(dialog).getByTestId('restore-warning'))).toMatch('are lost');
    const submit = within(dialog).getByTestId('restore-submit');
    expect(disabled(submit)).toBe(true);
    fireEvent.change(within(dialog).getByTestId('restore-confirm'), { target: { value: 'acm' } });
    expect(disabled(submit)).toBe(true);
    fireEvent.click(submit);
    expect(fake.callsTo('backup.restore')).toHaveLength(0);
    fireEvent.change(within(dialog).getByTestId('restore-confirm'), { target: { value: 'acme' } });
    expect(disabled(submit)).toBe(false);
    fireEvent.click(submit);
    await waitFor(() => expect(fake.callsTo('backup.restore')).toHaveLength(1));
    expect(fake.callsTo('backup.restore')[0]!.input).toEqual({ cluster: 'prod', tenant: 'acme', backupId: 'bk1', into: { kind: 'same', confirm: 'acme' } });
    await waitFor(() => expect(screen.queryByTestId('restore-dialog')).toBeNull());
    expect((screen.getByTestId('op-view')).getAttribute('data-operation')).toBe('r1');
  });

  it('a restore filed for approval says so in the dialog and runs nothing', async () => {
    useSession.getState().setScope('prod', scope('prod'));
    const fake = createFakeBridge({ 'backup.list': () => ok(status()), 'backup.restore': () => fail('APPROVAL_REQUIRED', 'backup.restore needs a second person: request ap_123 filed; approve it in Support & approvals') });
    mountTab(fake);
    fireEvent.click(within(await screen.findByTestId('backup-row-bk1')).getByTestId('backup-restore'));
    fireEvent.change(screen.getByTestId('restore-new-id'), { target: { value: 'acme_copy' } });
    fireEvent.click(screen.getByTestId('restore-submit'));
    const note = await screen.findByTestId('restore-approval');
    expect(text(note)).toMatch('Filed for approval, request ap_123');
    expect(text(note)).toMatch('APPROVAL_REQUIRED');
    expect(fake.callsTo('backup.restore')[0]!.input).toMatchObject({ into: { kind: 'new', tenant: 'acme_copy' } });
    expect(screen.queryByTestId('op-view')).toBeNull();
  });

  it('Back up now: live progress from portability.progress, then the outcome read with portability.result', async () => {
    useSession.getState().setScope('prod', scope('prod'));
    let record = op('b9');
    let listed = status();
    const fake = createFakeBridge({
      'backup.list': () => ok(listed),
      'backup.create': () => ok({ jobId: 'job-b9', operationId: 'b9' }),
      'portability.result': () => ok(record),
    });
    mountTab(fake);
    fireEvent.click(await screen.findByTestId('backup-now'));
    const view = await screen.findByTestId('op-view');
    expect((view).getAttribute('data-state')).toBe('running');
    expect(text(within(view).getByTestId('op-message'))).toMatch('Waiting for the first progress report');
    act(() => fake.emit('portability.progress', progress('b9', { done: 3, total: 12, message: 'tenant_acme_data.orders' })));
    expect(text(within(view).getByTestId('op-message'))).toMatch('tenant_acme_data.orders (3 of 12)');
    expect((within(view).getByTestId('op-progress-bar')).getAttribute('value')).toBe('0.25');
    // Another operation's event does not move this one.
    act(() => fake.emit('portability.progress', progress('other', { done: 11, total: 12, message: 'elsewhere' })));
    expect(text(within(view).getByTestId('op-message'))).toMatch('(3 of 12)');

    record = op('b9', { state: 'succeeded', endedAt: AT, tables: 4, rows: 43, bytes: 4096, sha256: 'fe'.repeat(32) });
    listed = status({ backups: [backup('bk2', { rows: 43 }), ...status().backups] });
    act(() => fake.emit('job.progress', { jobId: 'job-b9', kind: 'backup.create', label: 'Backup', step: 'done', fraction: 1, state: 'succeeded' }));
    await waitFor(() => expect((screen.getByTestId('op-view')).getAttribute('data-state')).toBe('succeeded'));
    expect(text(screen.getByTestId('op-outcome'))).toMatch('4 tables · 43 rows · 4.0 KiB · sha256 fefefefefefe');
    // The list is re-read once the backup has ended.
    expect(await screen.findByTestId('backup-row-bk2')).toBeTruthy();
  });

  it('Verify says it restores into a scratch tenant; a failed verification shows the report with the mismatch highlighted', async () => {
    useSession.getState().setScope('prod', scope('prod'));
    const fake = createFakeBridge({
      'backup.list': () => ok(status()),
      'backup.verify': () => ok({ jobId: 'job-v1', operationId: 'v1' }),
      'portability.result': () => ok(op('v1', { kind: 'verify-backup', state: 'failed', endedAt: AT, error: 'verification failed: 1 table differs', report: report(false) })),
    });
    mountTab(fake);
    const verify = within(await screen.findByTestId('backup-row-bk1')).getByTestId('backup-verify');
    const noteId = verify.getAttribute('aria-describedby')!;
    expect(text(document.getElementById(noteId)!)).toMatch('restores the backup into a scratch tenant');
    fireEvent.click(verify);
    const rep = await screen.findByTestId('verification-report');
    expect(fake.callsTo('backup.verify')[0]!.input).toEqual({ cluster: 'prod', tenant: 'acme', backupId: 'bk1' });
    expect((rep).getAttribute('data-ok')).toBe('false');
    expect(screen.getByTestId('report-failed')).toBeTruthy();
    const bad = screen.getByTestId('report-table-tenant_acme_data.events');
    expect((bad).getAttribute('data-ok')).toBe('false');
    expect((bad).classList.contains('port-mismatch')).toBe(true);
    expect((within(bad).getByTestId('report-target-rows')).classList.contains('port-diff')).toBe(true);
    expect(within(bad).getAllByText(/^(bbbb|cccc)/).every((e) => e.classList.contains('port-diff'))).toBe(true);
    expect(text(bad)).toMatch('mismatch');
    const good = screen.getByTestId('report-table-tenant_acme_data.orders');
    expect((good).getAttribute('data-ok')).toBe('true');
    expect((good).classList.contains('port-mismatch')).toBe(false);
    expect((within(good).getByTestId('report-target-rows')).classList.contains('port-diff')).toBe(false);
    const missing = screen.getAllByTestId('report-grant').find((g) => g.getAttribute('data-side') === 'source')!;
    expect(text(missing)).toMatch('missing at target');
    expect((missing).classList.contains('port-mismatch')).toBe(true);
    expect(text(screen.getByTestId('op-error'))).toMatch('1 table differs');
  });
});

const tenants = () => ok([summary('acme'), summary('beta', { cluster: 'dev' })]);
const BUNDLE: BundleInfo = {
  format: 1,
  sourceCluster: 'prod',
  tenant: 'acme',
  createdAt: AT,
  createdBy: 'cassandra',
  withData: true,
  wrap: 'installation',
  tables: [{ keyspace: 'tenant_acme_data', table: 'orders', rows: 10, sha256: 'dd'.repeat(32) }],
  dataCenters: ['dc1'],
  signatureOk: true,
  complete: true,
  sha256: 'ee'.repeat(32),
  bytes: 3 * 1024 * 1024,
  signer: '9f'.repeat(32),
  signedByThisInstallation: true,
  keyspaces: ['tenant_acme_data', 'tenant_acme_csm'],
  roles: 3,
  grants: 9,
  rows: 10,
  chunks: 2,
};

describe('Migration & export screen (unit: fake bridge)', () => {
  const base = (extra: Handlers = {}): FakeBridge =>
    createFakeBridge({ 'tenant.list': tenants, 'portability.list': () => ok([op('e1', { kind: 'export', state: 'succeeded', endedAt: AT }), op('m1', { kind: 'migrate', phase: 'copy', targetCluster: 'dev' })]), ...extra });

  it('lists operations and keeps them live: a progress event moves the phase, a new operation re-reads the list', async () => {
    useSession.getState().setScope('prod', scope('prod'));
    let listed = [op('m1', { kind: 'migrate', phase: 'copy', targetCluster: 'dev' })];
    const fake = base({ 'portability.list': () => ok(listed) });
    mountPage(fake);
    const row = await screen.findByTestId('op-row-m1');
    expect(text(within(row).getByTestId('op-phase'))).toMatch('copy');
    act(() => fake.emit('portability.progress', progress('m1', { kind: 'migrate', phase: 'verify', message: 'comparing' })));
    expect(text(within(screen.getByTestId('op-row-m1')).getByTestId('op-phase'))).toMatch('verify');
    listed = [op('x2', { kind: 'import', tenant: 'acme' }), ...listed];
    act(() => fake.emit('portability.progress', progress('x2', { kind: 'import' })));
    expect(await screen.findByTestId('op-row-x2', {}, { timeout: 2000 })).toBeTruthy();
  });

  it('export: passphrase confirmation checked, the passphrase sent once and cleared from the form after submit; CONFLICT shown with its code', async () => {
    useSession.getState().setScope('prod', scope('prod'));
    const fake = base({ 'tenant.export': () => fail('CONFLICT', 'an export of acme is already running') });
    mountPage(fake);
    fireEvent.click(await screen.findByTestId('open-export'));
    const dialog = screen.getByTestId('export-dialog');
    await waitFor(() => expect(within(dialog).getByTestId('export-tenant').querySelectorAll('option')).toHaveLength(2));
    fireEvent.change(within(dialog).getByTestId('export-tenant'), { target: { value: 'prod/acme' } });
    fireEvent.change(within(dialog).getByTestId('export-out'), { target: { value: '/tmp/acme.csmb' } });
    const pass = within(dialog).getByTestId('export-passphrase') as HTMLInputElement;
    const pass2 = within(dialog).getByTestId('export-passphrase-confirm') as HTMLInputElement;
    expect(pass.type).toBe('password');
    fireEvent.change(pass, { target: { value: 'short' } });
    expect(text(dialog)).toMatch('passphrase: at least 12 characters');
    expect(disabled(within(dialog).getByTestId('export-submit'))).toBe(true);
    fireEvent.change(pass, { target: { value: 'correct horse battery' } });
    fireEvent.change(pass2, { target: { value: 'correct horse batterY' } });
    expect(text(dialog)).toMatch('the two passphrases differ');
    expect(disabled(within(dialog).getByTestId('export-submit'))).toBe(true);
    fireEvent.change(pass2, { target: { value: 'correct horse battery' } });
    fireEvent.click(within(dialog).getByTestId('export-submit'));
    await waitFor(() => expect(fake.callsTo('tenant.export')).toHaveLength(1));
    expect(fake.callsTo('tenant.export')[0]!.input).toEqual({ cluster: 'prod', tenant: 'acme', out: '/tmp/acme.csmb', withData: false, resume: false, passphrase: 'correct horse battery' });
    expect(text(await within(dialog).findByTestId('form-error'))).toMatch('CONFLICT');
    expect(pass.value).toBe('');
    expect(pass2.value).toBe('');
    expect(dialog.innerHTML).not.toContain('correct horse battery');
  });

  it('export without a passphrase starts a job and shows its live progress in the dialog', async () => {
    useSession.getState().setScope('prod', scope('prod'));
    const fake = base({ 'tenant.export': () => ok({ jobId: 'job-e2', operationId: 'e2' }), 'portability.result': () => ok(op('e2', { kind: 'export' })) });
    mountPage(fake);
    fireEvent.click(await screen.findByTestId('open-export'));
    const dialog = screen.getByTestId('export-dialog');
    await waitFor(() => expect(within(dialog).getByTestId('export-tenant').querySelectorAll('option')).toHaveLength(2));
    fireEvent.change(within(dialog).getByTestId('export-tenant'), { target: { value: 'prod/acme' } });
    fireEvent.change(within(dialog).getByTestId('export-out'), { target: { value: '/tmp/acme.csmb' } });
    fireEvent.click(within(dialog).getByTestId('export-with-data'));
    fireEvent.click(within(dialog).getByTestId('export-resume'));
    fireEvent.click(within(dialog).getByTestId('export-submit'));
    await within(dialog).findByTestId('op-view');
    expect(fake.callsTo('tenant.export')[0]!.input).toEqual({ cluster: 'prod', tenant: 'acme', out: '/tmp/acme.csmb', withData: true, resume: true });
    act(() => fake.emit('portability.progress', progress('e2', { kind: 'export', done: 1, total: 4, message: 'tenant_acme_data.orders' })));
    expect((within(dialog).getByTestId('op-progress-bar')).getAttribute('value')).toBe('0.25');
  });

  it('import: inspect first (manifest and signature), then import with a new id and a DC map', async () => {
    useSession.getState().setScope('prod', scope('prod'));
    const fake = base({ 'tenant.inspectBundle': () => ok(BUNDLE), 'tenant.import': () => ok({ jobId: 'job-i1', operationId: 'i1' }), 'portability.result': () => ok(op('i1', { kind: 'import', state: 'succeeded', endedAt: AT, targetTenant: 'acme_two', report: report(true) })) });
    mountPage(fake);
    fireEvent.click(await screen.findByTestId('open-import'));
    const dialog = screen.getByTestId('import-dialog');
    expect(disabled(within(dialog).getByTestId('import-submit'))).toBe(true);
    fireEvent.change(within(dialog).getByTestId('import-path'), { target: { value: '/tmp/acme.csmb' } });
    expect(disabled(within(dialog).getByTestId('import-submit'))).toBe(true);
    fireEvent.click(within(dialog).getByTestId('import-inspect'));
    const info = await within(dialog).findByTestId('bundle-info');
    expect(text(within(info).getByTestId('bundle-signature'))).toMatch('signature valid');
    expect(text(within(info).getByTestId('bundle-complete'))).toMatch('checksums match');
    expect(text(within(info).getByTestId('bundle-content'))).toMatch('with data: 1 tables, 10 rows · 2 keyspaces · 3 roles · 9 grants · 2 chunks');
    expect(text(within(info).getByTestId('bundle-file'))).toMatch('sha256 eeeeeeeeeeee · 3.0 MiB');
    expect(text(within(info).getByTestId('bundle-signer'))).toMatch('9f9f9f9f9f9f (this installation)');
    fireEvent.change(within(dialog).getByTestId('import-new-id'), { target: { value: 'acme_two' } });
    fireEvent.click(within(dialog).getByTestId('import-dcmap-add'));
    fireEvent.change(within(dialog).getByTestId('import-dcmap-from-0'), { target: { value: 'dc1' } });
    expect(within(dialog).getByTestId('import-dcmap-error')).toBeTruthy();
    expect(disabled(within(dialog).getByTestId('import-submit'))).toBe(true);
    fireEvent.change(within(dialog).getByTestId('import-dcmap-to-0'), { target: { value: 'dc2' } });
    fireEvent.click(within(dialog).getByTestId('import-submit'));
    await waitFor(() => expect(fake.callsTo('tenant.import')).toHaveLength(1));
    expect(fake.callsTo('tenant.import')[0]!.input).toEqual({ cluster: 'prod', path: '/tmp/acme.csmb', newId: 'acme_two', dcMap: { dc1: 'dc2' } });
    expect(text(await within(dialog).findByTestId('report-ok'))).toMatch('verified: identical');
  });

  it('import refuses a bundle whose signature does not verify', async () => {
    useSession.getState().setScope('prod', scope('prod'));
    mountPage(base({ 'tenant.inspectBundle': () => ok({ ...BUNDLE, signatureOk: false }) }));
    fireEvent.click(await screen.findByTestId('open-import'));
    fireEvent.change(screen.getByTestId('import-path'), { target: { value: '/tmp/tampered.csmb' } });
    fireEvent.click(screen.getByTestId('import-inspect'));
    expect(text(await screen.findByTestId('import-refused'))).toMatch('signature does not verify');
    expect(text(screen.getByTestId('bundle-signature'))).toMatch('INVALID');
    expect(disabled(screen.getByTestId('import-submit'))).toBe(true);
    expect(screen.queryByTestId('import-cluster')).toBeNull();
  });

  it('import refuses an unfinished export and says to resume it', async () => {
    useSession.getState().setScope('prod', scope('prod'));
    mountPage(base({ 'tenant.inspectBundle': () => ok({ ...BUNDLE, complete: false, sha256: null, bytes: null }) }));
    fireEvent.click(await screen.findByTestId('open-import'));
    fireEvent.change(screen.getByTestId('import-path'), { target: { value: '/tmp/half.csmb' } });
    fireEvent.click(screen.getByTestId('import-inspect'));
    expect(text(await screen.findByTestId('import-refused'))).toMatch('unfinished');
    expect(text(screen.getByTestId('bundle-file'))).toMatch('not finished');
    expect(disabled(screen.getByTestId('import-submit'))).toBe(true);
  });

  it('inspect failures come back with their code (BAD_INPUT)', async () => {
    useSession.getState().setScope('prod', scope('prod'));
    mountPage(base({ 'tenant.inspectBundle': () => fail('BAD_INPUT', 'not a CSM bundle') }));
    fireEvent.click(await screen.findByTestId('open-import'));
    fireEvent.change(screen.getByTestId('import-path'), { target: { value: '/etc/hostname' } });
    fireEvent.click(screen.getByTestId('import-inspect'));
    expect(text(await screen.findByTestId('form-error'))).toMatch('BAD_INPUT');
    expect(text(screen.getByTestId('form-error'))).toMatch('not a CSM bundle');
  });

  it('migrate wizard: choose → review → start; live phases, Abort until clean-up, then the report', async () => {
    useSession.getState().setScope('prod', scope('prod'));
    useSession.getState().setScope('dev', scope('dev'));
    let record = op('mg', { kind: 'migrate', phase: 'copy', targetCluster: 'dev' });
    const fake = base({
      'tenant.migrate': () => ok({ jobId: 'job-mg', operationId: 'mg' }),
      'portability.result': () => ok(record),
      'migration.abort': () => ok({ ...record, state: 'aborted', endedAt: AT, error: 'aborted by cassandra' }),
    });
    mountPage(fake);
    fireEvent.click(await screen.findByTestId('open-migrate'));
    const wiz = screen.getByTestId('migrate-wizard');
    expect(disabled(within(wiz).getByTestId('migrate-next'))).toBe(true);
    await waitFor(() => expect(within(wiz).getByTestId('migrate-tenant').querySelectorAll('option').length).toBe(3));
    fireEvent.change(within(wiz).getByTestId('migrate-tenant'), { target: { value: 'prod/acme' } });
    // The source cluster is not offered as the target.
    expect(Array.from(within(wiz).getByTestId('migrate-to').querySelectorAll('option')).map((o) => o.getAttribute('value'))).toEqual(['', 'dev']);
    fireEvent.change(within(wiz).getByTestId('migrate-to'), { target: { value: 'dev' } });
    fireEvent.click(within(wiz).getByTestId('migrate-next'));
    expect(text(within(wiz).getByTestId('migrate-review'))).toMatch('acme');
    expect((within(wiz).getByTestId('migrate-step-review')).getAttribute('aria-current')).toBe('step');
    fireEvent.click(within(wiz).getByTestId('migrate-start'));
    await within(wiz).findByTestId('migrate-phases');
    expect(fake.callsTo('tenant.migrate')[0]!.input).toEqual({ cluster: 'prod', tenant: 'acme', to: 'dev' });
    expect((within(wiz).getByTestId('migrate-phase-copy')).getAttribute('data-state')).toBe('running');
    act(() => fake.emit('portability.progress', progress('mg', { kind: 'migrate', phase: 'cutover', done: 5, total: 10, message: 'final sync, writes paused' })));
    expect((within(wiz).getByTestId('migrate-phase-verify')).getAttribute('data-state')).toBe('done');
    expect((within(wiz).getByTestId('migrate-phase-cutover')).getAttribute('data-state')).toBe('running');
    expect((within(wiz).getByTestId('migrate-phase-cutover')).getAttribute('aria-current')).toBe('step');
    expect((within(wiz).getByTestId('op-progress-bar')).getAttribute('value')).toBe('0.5');
    expect(disabled(within(wiz).getByTestId('migrate-abort'))).toBe(false);
    act(() => fake.emit('portability.progress', progress('mg', { kind: 'migrate', phase: 'cleanup', done: 1, total: 2, message: 'dropping source keyspaces' })));
    expect(within(wiz).queryByTestId('migrate-abort')).toBeNull();
    record = op('mg', { kind: 'migrate', state: 'succeeded', phase: 'done', targetCluster: 'dev', endedAt: AT, report: report(true) });
    act(() => fake.emit('job.progress', { jobId: 'job-mg', kind: 'tenant.migrate', label: 'Migrate', step: 'done', fraction: 1, state: 'succeeded' }));
    expect(await within(wiz).findByTestId('report-ok')).toBeTruthy();
    expect((within(wiz).getByTestId('migrate-phase-cleanup')).getAttribute('data-state')).toBe('done');
  });

  it('a stranded migration (orphaned elsewhere, or interrupted here) offers Roll back, which calls migration.abort; a finished one offers nothing', async () => {
    useSession.getState().setScope('prod', scope('prod'));
    useSession.getState().setScope('dev', scope('dev'));
    const orphan = op('mo', { kind: 'migrate', state: 'paused', phase: 'cutover', targetCluster: 'dev', error: 'orphaned: no heartbeat from its console since 2026-11-29T15:00:00Z' });
    const gone = op('mi', { kind: 'migrate', state: 'interrupted', phase: 'copy', targetCluster: 'dev', endedAt: AT, error: 'interrupted: its process is gone' });
    const done = op('md', { kind: 'migrate', state: 'succeeded', phase: 'done', targetCluster: 'dev', endedAt: AT });
    const fake = base({ 'portability.list': () => ok([orphan, gone, done]), 'portability.result': ({ operationId }: { operationId: string }) => ok([orphan, gone, done].find((o) => o.id === operationId)!), 'migration.abort': () => ok({ ...orphan, state: 'aborted', endedAt: AT, error: null }) });
    mountPage(fake);
    fireEvent.click(within(await screen.findByTestId('op-row-mo')).getByTestId('op-open'));
    const view = await screen.findByTestId('op-view');
    expect(text(within(view).getByTestId('op-stranded'))).toMatch(/orphaned: no heartbeat/);
    expect(within(view).queryByTestId('op-progress')).toBeNull();
    const rollBack = within(view).getByTestId('migrate-abort');
    expect(text(rollBack)).toBe('Roll back migration');
    fireEvent.click(rollBack);
    await waitFor(() => expect(fake.callsTo('migration.abort').map((c) => c.input)).toEqual([{ cluster: 'prod', operationId: 'mo' }]));
    fireEvent.click(within(screen.getByTestId('op-row-mi')).getByTestId('op-open'));
    await waitFor(() => expect(screen.getByTestId('op-view').getAttribute('data-operation')).toBe('mi'));
    expect(text(within(screen.getByTestId('op-view')).getByTestId('migrate-abort'))).toBe('Roll back migration');
    fireEvent.click(within(screen.getByTestId('op-row-md')).getByTestId('op-open'));
    await waitFor(() => expect(screen.getByTestId('op-view').getAttribute('data-operation')).toBe('md'));
    expect(within(screen.getByTestId('op-view')).queryByTestId('migrate-abort')).toBeNull();
  });

  it('migrate wizard: Abort calls migration.abort and the phases show undone', async () => {
    useSession.getState().setScope('prod', scope('prod'));
    useSession.getState().setScope('dev', scope('dev'));
    const running = op('mg', { kind: 'migrate', phase: 'verify', targetCluster: 'dev' });
    const fake = base({ 'tenant.migrate': () => ok({ jobId: 'job-mg', operationId: 'mg' }), 'portability.result': () => ok(running), 'migration.abort': () => ok({ ...running, state: 'aborted', endedAt: AT, error: 'aborted: the source is as it was' }) });
    mountPage(fake);
    fireEvent.click(await screen.findByTestId('open-migrate'));
    await waitFor(() => expect(screen.getByTestId('migrate-tenant').querySelectorAll('option').length).toBe(3));
    fireEvent.change(screen.getByTestId('migrate-tenant'), { target: { value: 'prod/acme' } });
    fireEvent.change(screen.getByTestId('migrate-to'), { target: { value: 'dev' } });
    fireEvent.click(screen.getByTestId('migrate-next'));
    fireEvent.click(screen.getByTestId('migrate-start'));
    fireEvent.click(await screen.findByTestId('migrate-abort'));
    await waitFor(() => expect(fake.callsTo('migration.abort')).toHaveLength(1));
    expect(fake.callsTo('migration.abort')[0]!.input).toEqual({ cluster: 'prod', operationId: 'mg' });
    await waitFor(() => expect((screen.getByTestId('migrate-phase-verify')).getAttribute('data-state')).toBe('undone'));
    expect((screen.getByTestId('migrate-phase-cutover')).getAttribute('data-state')).toBe('pending');
    expect(screen.queryByTestId('migrate-abort')).toBeNull();
  });

  it('migrate filed for approval says so and does not move on', async () => {
    useSession.getState().setScope('prod', scope('prod'));
    useSession.getState().setScope('dev', scope('dev'));
    const fake = base({ 'tenant.migrate': () => fail('APPROVAL_REQUIRED', 'tenant.migrate needs a second person: request ap_9 filed') });
    mountPage(fake);
    fireEvent.click(await screen.findByTestId('open-migrate'));
    await waitFor(() => expect(screen.getByTestId('migrate-tenant').querySelectorAll('option').length).toBe(3));
    fireEvent.change(screen.getByTestId('migrate-tenant'), { target: { value: 'prod/acme' } });
    fireEvent.change(screen.getByTestId('migrate-to'), { target: { value: 'dev' } });
    fireEvent.click(screen.getByTestId('migrate-next'));
    fireEvent.click(screen.getByTestId('migrate-start'));
    expect(text(await screen.findByTestId('migrate-approval'))).toMatch('Filed for approval, request ap_9');
    expect(disabled(screen.getByTestId('migrate-start'))).toBe(true);
    expect(screen.queryByTestId('migrate-phases')).toBeNull();
  });

  it('without platform scope the actions are disabled', async () => {
    useSession.getState().setScope('prod', scope('prod', false));
    mountPage(base());
    expect(disabled(await screen.findByTestId('open-export'))).toBe(true);
    expect(disabled(screen.getByTestId('open-migrate'))).toBe(true);
  });
});
