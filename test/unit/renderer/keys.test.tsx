// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TenantKeyStatus } from '../../../src-shared/contract';
import { ClientProvider } from '../../../src-renderer/app/client';
import { resetAllStores } from '../../../src-renderer/app/stores';
import { useSession } from '../../../src-renderer/app/stores/session';
import { KeySharesPanel, KeysTab } from '../../../src-renderer/features/keys';
import { createFakeBridge, fail, ok, type FakeBridge, type Handlers } from './fake-bridge';

const line = (versions: TenantKeyStatus['kek']['versions']): TenantKeyStatus['kek'] => ({ current: versions.find((v) => v.state === 'active')?.version ?? null, versions });
function status(over: Partial<TenantKeyStatus> = {}): TenantKeyStatus {
  return {
    tenantId: 'acme',
    source: 'master',
    masterFingerprint: '0123456789abcdef',
    kek: line([
      { version: 2, state: 'active', createdAt: '2025-03-01T00:00:00.000Z', retiredAt: null },
      { version: 1, state: 'retired', createdAt: '2025-01-01T00:00:00.000Z', retiredAt: '2025-03-01T00:00:00.000Z' },
    ]),
    dataKeys: {
      cache: line([{ version: 1, state: 'active', createdAt: '2025-01-01T00:00:00.000Z', retiredAt: null, kekVersion: 2 }]),
      ca: line([{ version: 1, state: 'active', createdAt: '2025-01-01T00:00:00.000Z', retiredAt: null, kekVersion: 2 }]),
      signing: line([{ version: 1, state: 'active', createdAt: '2025-01-01T00:00:00.000Z', retiredAt: null, kekVersion: 2 }]),
    },
    lastRotatedAt: '2025-03-01T00:00:00.000Z',
    pending: { kek: false, reencrypt: [] },
    rotation: { due: true, dueAt: '2025-05-30T00:00:00.000Z', daysLeft: 0, overdueDays: 3, intervalDays: 90 },
    share: null,
    ...over,
  };
}

const mount = (fake: FakeBridge, ui: 'tab' | 'panel') =>
  render(<ClientProvider client={fake.client}>{ui === 'tab' ? <KeysTab cluster="prod" tenant="acme" /> : <KeySharesPanel />}</ClientProvider>);

describe('Keys tab and key shares panel (unit: fake bridge)', () => {
  let downloads: { name: string; text: string }[];
  beforeEach(() => {
    resetAllStores();
    downloads = [];
    let blob: Blob | null = null;
    URL.createObjectURL = vi.fn((b: Blob) => ((blob = b), 'blob:fake'));
    URL.revokeObjectURL = vi.fn();
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      void blob!.text().then((text) => downloads.push({ name: this.download, text }));
    });
  });
  afterEach(() => {
    cleanup();
    vi.restoreAllMocks();
  });

  it('shows key versions with dates, rotation due, and which key opens them', async () => {
    const fake = createFakeBridge({ 'keys.status': () => ok([status()]) });
    mount(fake, 'tab');
    const table = await screen.findByTestId('key-versions');
    expect(within(table).getByTestId('key-row-KEK-2').textContent).toContain('2025-03-01');
    expect(within(table).getByTestId('key-row-KEK-1').textContent).toMatch(/retired.*2025-01-01.*2025-03-01/);
    expect(screen.getByTestId('rotation-due').textContent).toBe('due (3 days over)');
    expect(screen.getByTestId('last-rotated').textContent).toBe('2025-03-01');
    expect(fake.callsTo('keys.status')[0]!.input).toEqual({ cluster: 'prod', tenant: 'acme' });
  });

  const REPORT = { tenantId: 'acme', resumed: false, kekVersion: 3, retiredKekVersions: [2], rewrapped: 3, dataKeyVersion: 2, retiredDataKeyVersions: [1], reencrypted: 10, unreadable: [] };
  const outcome = (over: Record<string, unknown> = {}) => ({ jobId: 'j1', cluster: 'prod', tenantId: 'acme', state: 'succeeded' as const, startedAt: '2025-06-01T00:00:00.000Z', finishedAt: '2025-06-01T00:00:01.000Z', report: REPORT, error: null, ...over });
  const LABEL = 'Rotate keys of tenant acme on prod';

  it('rotate starts a job and answers at once; job.progress feeds the bar; on success the report shows and the status is re-read', async () => {
    let kek = 2;
    const fake = createFakeBridge({
      'keys.status': () => ok([status({ kek: line([{ version: kek, state: 'active', createdAt: '2025-03-01T00:00:00.000Z', retiredAt: null }]) })]),
      'keys.rotate': () => ok({ jobId: 'j1', cluster: 'prod', tenant: 'acme', label: LABEL }),
      'keys.rotationReport': () => ok(outcome()),
    });
    mount(fake, 'tab');
    fireEvent.click(await screen.findByTestId('rotate-keys'));
    await waitFor(() => expect(fake.callsTo('keys.rotate')).toHaveLength(1));
    // The call has answered, the job runs on: the button stays disabled, the bar stays up.
    expect((screen.getByTestId('rotate-keys') as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByTestId('rotation-progress')).toBeTruthy();
    act(() => {
      fake.emit('job.progress', { jobId: 'j1', kind: 'keys.rotate', label: LABEL, step: 're-encrypting cached values', fraction: 0.5, state: 'running' });
      fake.emit('job.progress', { jobId: 'j9', kind: 'keys.rotate', label: 'Rotate keys of tenant other on prod', step: 'x', fraction: 0.9, state: 'running' });
    });
    const bar = within(screen.getByTestId('rotation-progress')).getByRole('progressbar') as HTMLProgressElement;
    expect(bar.value).toBe(0.5);
    expect(screen.getByTestId('rotation-progress').textContent).toContain('re-encrypting cached values');
    expect(fake.callsTo('keys.rotationReport')).toHaveLength(0);
    kek = 3;
    act(() => fake.emit('job.progress', { jobId: 'j1', kind: 'keys.rotate', label: LABEL, step: 'done', fraction: 1, state: 'succeeded' }));
    expect((await screen.findByTestId('rotation-result')).textContent).toContain('KEK v3 (retired v2), 3 data keys rewrapped, 10 cached values re-encrypted');
    expect(fake.callsTo('keys.rotationReport')[0]!.input).toEqual({ cluster: 'prod', tenant: 'acme', jobId: 'j1' });
    await waitFor(() => expect(fake.callsTo('keys.status')).toHaveLength(2));
    expect(await screen.findByTestId('key-row-KEK-3')).toBeTruthy();
    expect(screen.queryByTestId('rotation-progress')).toBeNull();
    expect((screen.getByTestId('rotate-keys') as HTMLButtonElement).disabled).toBe(false);
  });

  it('a failed rotation job is shown in place with its code; a refused start frees the button', async () => {
    let starts = 0;
    const fake = createFakeBridge({
      'keys.status': () => ok([status()]),
      'keys.rotate': () => (++starts === 1 ? ok({ jobId: 'j1', cluster: 'prod', tenant: 'acme', label: LABEL }) : fail('CONFLICT', 'a rotation of tenant acme on prod is already running (job j0)')),
      'keys.rotationReport': () => ok(outcome({ state: 'failed', report: null, error: { code: 'UNAVAILABLE', message: 'no Cassandra node answered' } })),
    });
    mount(fake, 'tab');
    fireEvent.click(await screen.findByTestId('rotate-keys'));
    await waitFor(() => expect(fake.callsTo('keys.rotate')).toHaveLength(1));
    act(() => fake.emit('job.progress', { jobId: 'j1', kind: 'keys.rotate', label: LABEL, step: 'rewrapping data keys', fraction: 0.1, state: 'failed', message: 'UNAVAILABLE: no Cassandra node answered' }));
    const result = await screen.findByTestId('rotation-result');
    expect(result.getAttribute('data-state')).toBe('failed');
    expect(result.textContent).toContain('UNAVAILABLE');
    expect(result.textContent).toContain('no Cassandra node answered');
    fireEvent.click(screen.getByTestId('rotate-keys'));
    await waitFor(() => expect(fake.callsTo('keys.rotate')).toHaveLength(2));
    await waitFor(() => expect((screen.getByTestId('rotate-keys') as HTMLButtonElement).disabled).toBe(false));
    expect(screen.queryByTestId('rotation-progress')).toBeNull();
  });

  it('a tenant admin sees the keys but no platform actions; without a share, the error says how to get one', async () => {
    useSession.getState().setScope('prod', { cluster: 'prod', role: 'tenant_acme_u_boss', superuser: false, roles: [], platform: false, tenantAdmin: ['acme'], auditor: [], tenants: ['acme'] });
    mount(createFakeBridge({ 'keys.status': () => ok([status({ source: 'tenant-share', masterFingerprint: null, share: { versions: [2], outdated: true, clusterKekVersion: 3 } })]) }), 'tab');
    expect((await screen.findByTestId('key-source')).textContent).toBe('a tenant key share held by this console (KEK v2)');
    expect(screen.getByTestId('share-outdated').textContent).toMatch(/KEK v3.*import a fresh one/);
    expect(screen.queryByTestId('rotate-keys')).toBeNull();
    expect(screen.queryByTestId('export-escrow')).toBeNull();
    expect(screen.queryByTestId('tenant-share-form')).toBeNull();
    cleanup();
    mount(createFakeBridge({ 'keys.status': () => fail('NOT_FOUND', "this console holds no key for tenant acme: import the tenant's key share") }), 'tab');
    expect((await screen.findByTestId('form-error')).textContent).toContain('NOT_FOUND');
    expect(screen.getByTestId('keys-share-hint').textContent).toContain('Settings → Key shares');
  });

  it("exports the tenant's key share from its Keys tab: passphrase twice, a download, fields cleared", async () => {
    const fake = createFakeBridge({
      'keys.status': () => ok([status()]),
      'keys.exportTenantShare': () => ok({ text: '{"format":"csm-key-share","kind":"tenant"}', fileName: 'csm-tenant-share-acme-2025-06-01.json', tenant: 'acme' }),
    });
    mount(fake, 'tab');
    const button = (await screen.findByTestId('export-tenant-share')) as HTMLButtonElement;
    fireEvent.change(screen.getByTestId('tenant-share-passphrase'), { target: { value: 'tenant share passphrase' } });
    expect(button.disabled).toBe(true);
    fireEvent.change(screen.getByTestId('tenant-share-confirm'), { target: { value: 'tenant share passphrase' } });
    fireEvent.click(button);
    await waitFor(() => expect(downloads.map((d) => d.name)).toEqual(['csm-tenant-share-acme-2025-06-01.json']));
    expect(fake.callsTo('keys.exportTenantShare')[0]!.input).toEqual({ cluster: 'prod', tenant: 'acme', passphrase: 'tenant share passphrase' });
    expect((screen.getByTestId('tenant-share-passphrase') as HTMLInputElement).value).toBe('');
    expect(screen.getByTestId('tenant-share-done').textContent).toContain('csm-tenant-share-acme-2025-06-01.json');
  });

  it('says when an earlier rotation did not finish, and shows a load failure in place', async () => {
    const fake = createFakeBridge({ 'keys.status': () => ok([status({ pending: { kek: true, reencrypt: [] } })]) });
    mount(fake, 'tab');
    expect((await screen.findByTestId('rotation-unfinished')).textContent).toMatch(/finishes it/);
    expect(screen.getByTestId('rotate-keys').textContent).toBe('Finish rotation');
    cleanup();
    mount(createFakeBridge({ 'keys.status': () => fail('FORBIDDEN', 'role x has no tenant scope for tenant acme on prod') }), 'tab');
    expect((await screen.findByTestId('form-error')).textContent).toContain('FORBIDDEN');
  });

  it('exports an escrow file as a download; a bad key is shown in place', async () => {
    const handlers: Handlers = {
      'keys.status': () => ok([status()]),
      'keys.exportEscrow': (i) => (i.publicKeyPem.includes('BEGIN') ? ok({ text: '{"format":"csm-key-escrow"}', fileName: 'csm-escrow-acme-2025-06-01.json', tenant: 'acme' }) : fail('BAD_INPUT', 'not a PEM public key')),
    };
    mount(createFakeBridge(handlers), 'tab');
    fireEvent.change(await screen.findByTestId('escrow-pem'), { target: { value: 'junk' } });
    fireEvent.click(screen.getByTestId('export-escrow'));
    expect((await screen.findByTestId('form-error')).textContent).toContain('not a PEM public key');
    fireEvent.change(screen.getByTestId('escrow-pem'), { target: { value: '-----BEGIN PUBLIC KEY-----' } });
    fireEvent.click(screen.getByTestId('export-escrow'));
    await waitFor(() => expect(downloads).toEqual([{ name: 'csm-escrow-acme-2025-06-01.json', text: '{"format":"csm-key-escrow"}' }]));
  });

  it('master share export needs a strong passphrase typed twice, then downloads; the fields are cleared', async () => {
    const fake = createFakeBridge({
      'keys.masterStatus': () => ok({ present: true, fingerprint: '0123456789abcdef' }),
      'keys.exportShare': () => ok({ text: '{"format":"csm-key-share"}', fileName: 'csm-master-share-0123456789abcdef-2025-06-01.json', fingerprint: '0123456789abcdef' }),
    });
    mount(fake, 'panel');
    expect((await screen.findByTestId('master-key-status')).textContent).toBe('0123456789abcdef');
    const button = screen.getByTestId('export-master') as HTMLButtonElement;
    fireEvent.change(screen.getByTestId('export-master-passphrase'), { target: { value: 'short' } });
    expect(button.disabled).toBe(true);
    fireEvent.change(screen.getByTestId('export-master-passphrase'), { target: { value: 'a long enough passphrase' } });
    fireEvent.change(screen.getByTestId('export-master-confirm'), { target: { value: 'a long enough passphrasX' } });
    expect(button.disabled).toBe(true);
    fireEvent.change(screen.getByTestId('export-master-confirm'), { target: { value: 'a long enough passphrase' } });
    fireEvent.click(button);
    await waitFor(() => expect(downloads.map((d) => d.name)).toEqual(['csm-master-share-0123456789abcdef-2025-06-01.json']));
    expect(fake.callsTo('keys.exportShare')[0]!.input).toEqual({ passphrase: 'a long enough passphrase' });
    expect((screen.getByTestId('export-master-passphrase') as HTMLInputElement).value).toBe('');
  });

  it('imports a share file; a wrong passphrase is shown in place with its code', async () => {
    let tries = 0;
    const fake = createFakeBridge({
      'keys.importShare': (i) => (++tries === 1 ? fail('AUTH_FAILED', 'wrong passphrase for this key share') : ok({ fingerprint: 'fedcba9876543210', replaced: null, unchanged: false })),
    });
    mount(fake, 'panel');
    const form = await screen.findByTestId('import-master-form');
    const file = new File(['{"format":"csm-key-share"}'], 'share.json', { type: 'application/json' });
    fireEvent.change(within(form).getByTestId('import-master-file'), { target: { files: [file] } });
    fireEvent.change(within(form).getByTestId('import-master-passphrase'), { target: { value: 'wrong' } });
    fireEvent.click(within(form).getByTestId('import-master-submit'));
    expect((await within(form).findByTestId('form-error')).textContent).toContain('AUTH_FAILED');
    fireEvent.change(within(form).getByTestId('import-master-passphrase'), { target: { value: 'the right one' } });
    fireEvent.click(within(form).getByTestId('import-master-submit'));
    expect((await within(form).findByTestId('import-master-done')).textContent).toContain('fedcba9876543210');
    expect(fake.callsTo('keys.importShare')[1]!.input).toEqual({ secretShare: '{"format":"csm-key-share"}', passphrase: 'the right one', force: false });
  });
});
