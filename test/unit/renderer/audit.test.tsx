// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OperatorScope } from '../../../src-shared/contract';
import type { AuditEventView, IngestReport, SnapshotInfo, Verification } from '../../../src-shared/contract/audit';
import { ClientProvider } from '../../../src-renderer/app/client';
import { resetAllStores } from '../../../src-renderer/app/stores';
import { useSession } from '../../../src-renderer/app/stores/session';
import type { ChainProof } from '../../../src-renderer/features/audit/actions';
import { AuditPage, auditableStreams } from '../../../src-renderer/features/audit/AuditPage';
import { AuditTab } from '../../../src-renderer/features/audit/AuditTab';
import { PAGE_SIZE } from '../../../src-renderer/features/audit/format';
import { useAudit } from '../../../src-renderer/features/audit/store';
import { createFakeBridge, fail, ok, type FakeBridge, type Handlers } from './fake-bridge';

const scope = (cluster: string, extra: Partial<OperatorScope> = {}): OperatorScope => ({ cluster, role: 'cassandra', superuser: true, roles: [], platform: true, tenantAdmin: [], auditor: 'all', tenants: ['acme', 'beta'], ...extra });

const H = (n: number): string => n.toString(16).padStart(64, '0');
function ev(seq: number, extra: Partial<AuditEventView> = {}): AuditEventView {
  return {
    stream: 'tenant:acme',
    seq,
    at: new Date(Date.UTC(2026, 10, 28, 8, 0, 0) + seq * 60_000).toISOString(),
    source: 'console',
    type: seq % 2 ? 'user.create' : 'SELECT',
    category: seq % 2 ? 'CONSOLE' : 'QUERY',
    user: 'tenant_acme_admin',
    keyspace: 'tenant_acme_data',
    scope: null,
    operation: `operation number ${seq}`,
    outcome: seq % 5 === 0 ? 'refused' : 'ok',
    errorCode: seq % 5 === 0 ? 'FORBIDDEN' : null,
    origin: 'web',
    detail: { n: seq },
    hash: H(seq),
    prevHash: H(seq - 1),
    ...extra,
  };
}

const FP = 'ab'.repeat(32);
const intact = (extra: Partial<Verification> = {}): Verification => ({ stream: 'tenant:acme', intact: true, events: 12, batches: 2, firstSeq: 1, lastSeq: 12, headHash: H(12), signers: [FP], problems: [], verifiedAt: '2026-11-29T09:00:00.000Z', ...extra });
const tampered = (): Verification => intact({ intact: false, problems: [{ kind: 'edited', seq: 7, batch: 1, message: 'event 7: stored hash does not match its content' }] });

function snap(id: string, v: Verification = intact()): SnapshotInfo {
  return { id, stream: 'tenant:acme', tenant: 'acme', cluster: 'prod', events: 12, firstSeq: 1, lastSeq: 12, since: null, until: null, createdAt: '2026-11-29T08:00:00.000Z', createdBy: 'cassandra', signerFingerprint: FP, importedAt: '2026-11-29T09:00:00.000Z', sha256: 'cd'.repeat(32), verification: v };
}
const ID1 = '1'.repeat(32);
const ID2 = '2'.repeat(32);

const page = (events: AuditEventView[], next: number | null = null, total = events.length) => ok({ stream: 'tenant:acme', events, total, totalCapped: false, nextBeforeSeq: next });
const proof = (seq: number): ChainProof => ({ event: ev(seq), canonical: `{"seq":${seq}}`, recomputedHash: H(seq), hashMatches: true, previous: { seq: seq - 1, hash: H(seq - 1) }, linkMatches: true, batch: { batch: 1, firstSeq: 1, lastSeq: 12, signer: FP, signatureValid: true } });
const newest = (n: number, from = n): AuditEventView[] => Array.from({ length: n }, (_, i) => ev(from - i));

const mountPage = (fake: FakeBridge) =>
  render(
    <ClientProvider client={fake.client}>
      <AuditPage />
    </ClientProvider>,
  );

const offline = (extra: Handlers = {}): FakeBridge =>
  createFakeBridge({
    'audit.snapshots': () => ok([]),
    'audit.filters': () => ok([]),
    ...extra,
  });

async function importPath(path: string): Promise<void> {
  fireEvent.change(screen.getByTestId('audit-import-file'), { target: { value: path } });
  fireEvent.click(screen.getByTestId('audit-import-submit'));
}

describe('Audit screen (unit: fake bridge)', () => {
  beforeEach(() => {
    resetAllStores();
    useAudit.getState().reset();
  });
  afterEach(cleanup);

  it('offline (no sign-in): imports a snapshot by path, shows INTACT with the signer fingerprint and reviews its events', async () => {
    const fake = offline({ 'audit.import': () => ok(snap(ID1)), 'audit.snapshotQuery': () => page(newest(12)) });
    mountPage(fake);
    expect(screen.getByTestId('audit-live-none')).toBeTruthy();
    expect(screen.queryByTestId('audit-ingest')).toBeNull(); // ingest is for platform operators
    await importPath('/media/usb/acme.csmaudit');
    const verdict = await screen.findByTestId('audit-import-verdict');
    expect(fake.callsTo('audit.import')[0]!.input).toEqual({ file: '/media/usb/acme.csmaudit' });
    expect(verdict.getAttribute('data-intact')).toBe('true');
    expect(within(verdict).getByTestId('audit-import-verdict-badge').textContent).toBe('INTACT');
    expect(screen.getByTestId('audit-import-fingerprint').textContent).toBe(FP);
    expect(screen.getByTestId('audit-last-import').textContent).toContain('out-of-band');
    await screen.findByTestId('audit-row-12');
    expect(fake.callsTo('audit.snapshotQuery')[0]!.input).toEqual({ snapshotId: ID1, filter: { limit: PAGE_SIZE } });
    expect(screen.getByTestId('audit-count').textContent).toBe('12 of 12 matching events shown, newest first');
    expect(screen.getByTestId(`audit-snapshot-${ID1}`).getAttribute('data-intact')).toBe('true');
    expect(screen.getByTestId('audit-timeline').getAttribute('data-unit')).toBe('hour');
  });

  it('a tampered snapshot shows exactly what was found: kind, seq, batch, message', async () => {
    mountPage(offline({ 'audit.import': () => ok(snap(ID2, tampered())), 'audit.snapshotQuery': () => page(newest(3)) }));
    await importPath('/tmp/tampered.csmaudit');
    const verdict = await screen.findByTestId('audit-import-verdict');
    expect(verdict.getAttribute('data-intact')).toBe('false');
    expect(within(verdict).getByTestId('audit-import-verdict-badge').textContent).toBe('TAMPERED: 1 problem');
    const row = within(verdict).getByTestId('audit-import-verdict-problem');
    expect(row.getAttribute('data-kind')).toBe('edited');
    expect(row.getAttribute('data-seq')).toBe('7');
    expect(row.textContent).toContain('event 7: stored hash does not match its content');
  });

  it('a file that does not verify is refused on import; its problems are then listed from a verification of the file', async () => {
    const fake = offline({
      'audit.import': () => fail('BAD_INPUT', 'the snapshot does not verify, nothing was imported — edited at seq 7'),
      'audit.verifySnapshot': () => ok(tampered()),
    });
    mountPage(fake);
    await importPath('/tmp/edited.csmaudit');
    const check = await screen.findByTestId('audit-file-check');
    expect(fake.callsTo('audit.verifySnapshot')[0]!.input).toEqual({ file: '/tmp/edited.csmaudit' });
    expect(check.getAttribute('data-refused')).toBe('true');
    expect(screen.getByTestId('audit-import-error').textContent).toContain('nothing was imported');
    const row = within(check).getByTestId('audit-file-verdict-problem');
    expect([row.getAttribute('data-kind'), row.getAttribute('data-seq')]).toEqual(['edited', '7']);
    expect(screen.queryByTestId('audit-last-import')).toBeNull();
    expect(useAudit.getState().snapshots).toEqual([]);
  });

  it('Verify only checks a file and stores nothing', async () => {
    const fake = offline({ 'audit.verifySnapshot': () => ok(intact()) });
    mountPage(fake);
    fireEvent.change(screen.getByTestId('audit-import-file'), { target: { value: '/tmp/a.csmaudit' } });
    fireEvent.click(screen.getByTestId('audit-verify-file'));
    const check = await screen.findByTestId('audit-file-check');
    expect(check.getAttribute('data-refused')).toBe('false');
    expect(within(check).getByTestId('audit-file-verdict-badge').textContent).toBe('INTACT');
    expect(fake.callsTo('audit.import')).toHaveLength(0);
  });

  it('a malformed file (BAD_INPUT) shows the message in place and leaves the list, the verdict and the review as they were', async () => {
    let n = 0;
    const fake = offline({
      'audit.snapshots': () => ok([snap(ID1)]),
      'audit.import': () => (n++ === 0 ? ok(snap(ID1)) : fail('BAD_INPUT', 'snapshot: not a CSM audit snapshot (manifest.json missing)')),
      'audit.verifySnapshot': () => fail('BAD_INPUT', 'snapshot: not a CSM audit snapshot (manifest.json missing)'),
      'audit.snapshotQuery': () => page(newest(4)),
    });
    mountPage(fake);
    await importPath('/tmp/good.csmaudit');
    await screen.findByTestId('audit-row-4');
    await importPath('/tmp/garbage.bin');
    const err = await screen.findByTestId('audit-import-error');
    expect(within(err).getByTestId('form-error').querySelector('.error-code')!.textContent).toBe('BAD_INPUT');
    expect(err.textContent).toContain('manifest.json missing');
    expect(screen.queryByTestId('audit-file-check')).toBeNull();
    expect(screen.getByTestId('audit-import-verdict').getAttribute('data-intact')).toBe('true');
    expect(screen.getByTestId(`audit-snapshot-${ID1}`)).toBeTruthy();
    expect(screen.getByTestId('audit-row-4')).toBeTruthy();
    expect((screen.getByTestId('audit-import-file') as HTMLInputElement).value).toBe('/tmp/garbage.bin'); // kept for correction
    expect(useAudit.getState().source).toEqual({ kind: 'snapshot', snapshotId: ID1 });
  });

  it('refuses a relative path before calling', async () => {
    const fake = offline();
    mountPage(fake);
    await importPath('snap.csmaudit');
    expect(await screen.findByText(/snapshot file: an absolute path/)).toBeTruthy();
    expect(fake.callsTo('audit.import')).toHaveLength(0);
  });

  it('filters and full-text search go to the channel; older pages come with nextBeforeSeq and are appended', async () => {
    const calls: unknown[] = [];
    const fake = offline({
      'audit.snapshots': () => ok([snap(ID1)]),
      'audit.snapshotQuery': (i) => {
        calls.push(i.filter);
        return i.filter?.beforeSeq ? page(newest(3, 3), null, 8) : page(newest(5, 8), 4, 8);
      },
    });
    mountPage(fake);
    fireEvent.click(await screen.findByTestId(`audit-snapshot-review-${ID1}`));
    await screen.findByTestId('audit-row-8');
    fireEvent.change(screen.getByTestId('audit-f-text'), { target: { value: ' drop table ' } });
    fireEvent.change(screen.getByTestId('audit-f-type'), { target: { value: 'DROP_TABLE' } });
    fireEvent.change(screen.getByTestId('audit-f-outcome'), { target: { value: 'refused' } });
    fireEvent.change(screen.getByTestId('audit-f-category'), { target: { value: 'DDL' } });
    fireEvent.change(screen.getByTestId('audit-f-user'), { target: { value: 'mallory' } });
    fireEvent.change(screen.getByTestId('audit-f-since'), { target: { value: '2026-11-28T10:00' } });
    fireEvent.click(screen.getByTestId('audit-f-apply'));
    await waitFor(() => expect(calls).toHaveLength(2));
    expect(calls[1]).toEqual({ limit: PAGE_SIZE, text: 'drop table', type: 'DROP_TABLE', outcome: 'refused', category: 'DDL', user: 'mallory', since: new Date('2026-11-28T10:00').toISOString() });
    await screen.findByTestId('audit-row-8');
    fireEvent.click(screen.getByTestId('audit-older'));
    await screen.findByTestId('audit-row-1');
    expect(calls[2]).toMatchObject({ beforeSeq: 4, type: 'DROP_TABLE', text: 'drop table' });
    expect(screen.getByTestId('audit-row-8')).toBeTruthy();
    expect(screen.getByTestId('audit-count').textContent).toContain('8 of 8');
    expect(screen.queryByTestId('audit-older')).toBeNull();
  });

  it('a time range the wrong way round is refused in place', async () => {
    const fake = offline({ 'audit.snapshots': () => ok([snap(ID1)]), 'audit.snapshotQuery': () => page([]) });
    mountPage(fake);
    fireEvent.click(await screen.findByTestId(`audit-snapshot-review-${ID1}`));
    await waitFor(() => expect(fake.callsTo('audit.snapshotQuery')).toHaveLength(1));
    fireEvent.change(screen.getByTestId('audit-f-since'), { target: { value: '2026-11-28T10:00' } });
    fireEvent.change(screen.getByTestId('audit-f-until'), { target: { value: '2026-11-27T10:00' } });
    fireEvent.click(screen.getByTestId('audit-f-apply'));
    expect(await screen.findByText('until: after since')).toBeTruthy();
    expect(fake.callsTo('audit.snapshotQuery')).toHaveLength(1);
  });

  it("opens an event's chain proof from its row (a button, so the keyboard reaches it)", async () => {
    const fake = offline({ 'audit.snapshots': () => ok([snap(ID1)]), 'audit.snapshotQuery': () => page(newest(6)), 'audit.snapshotEvent': (i) => ok(proof(i.seq)) });
    mountPage(fake);
    fireEvent.click(await screen.findByTestId(`audit-snapshot-review-${ID1}`));
    fireEvent.click(await screen.findByTestId('audit-open-5'));
    const detail = await screen.findByTestId('audit-event-detail');
    await within(detail).findByTestId('audit-proof');
    expect(fake.callsTo('audit.snapshotEvent')[0]!.input).toEqual({ snapshotId: ID1, seq: 5 });
    expect(within(detail).getByTestId('audit-proof-recomputed').textContent).toBe(H(5));
    expect(within(detail).getByTestId('audit-proof-hash').textContent).toBe('yes');
    expect(within(detail).getByTestId('audit-proof-signature').textContent).toContain('yes');
    expect(within(detail).getByTestId('audit-proof-canonical').textContent).toBe('{"seq":5}');
    expect(within(detail).getByTestId('audit-proof-verdict').textContent).toBe('chain proof holds');
    expect(screen.getByTestId('audit-row-5').getAttribute('data-open')).toBe('true');
    expect(document.activeElement).toBe(detail); // focus follows to the proof
  });

  it('a broken link shows the proof failing', async () => {
    const bad = { ...proof(3), linkMatches: false };
    mountPage(offline({ 'audit.snapshots': () => ok([snap(ID1)]), 'audit.snapshotQuery': () => page(newest(3)), 'audit.snapshotEvent': () => ok(bad) }));
    fireEvent.click(await screen.findByTestId(`audit-snapshot-review-${ID1}`));
    fireEvent.click(await screen.findByTestId('audit-open-3'));
    expect((await screen.findByTestId('audit-proof-verdict')).textContent).toBe('chain proof fails');
    expect(screen.getByTestId('audit-proof-link').textContent).toContain('no');
  });

  it('saves the current filter without paging, applies a saved one, deletes it', async () => {
    const saved = { name: 'refused ddl', filter: { limit: PAGE_SIZE, outcome: 'refused' as const, category: 'DDL' as const }, createdAt: '2026-11-29T09:00:00.000Z' };
    const fake = offline({
      'audit.snapshots': () => ok([snap(ID1)]),
      'audit.snapshotQuery': () => page(newest(2)),
      'audit.saveFilter': (i) => ok({ name: i.name, filter: { limit: PAGE_SIZE, ...i.filter }, createdAt: saved.createdAt }),
      'audit.filters': () => ok([saved]),
      'audit.deleteFilter': () => ok({ removed: true }),
    });
    mountPage(fake);
    fireEvent.click(await screen.findByTestId(`audit-snapshot-review-${ID1}`));
    await screen.findByTestId('audit-row-2');
    fireEvent.change(screen.getByTestId('audit-f-keyspace'), { target: { value: 'tenant_acme_data' } });
    fireEvent.change(screen.getByTestId('audit-saved-name'), { target: { value: 'bad/name' } });
    fireEvent.click(screen.getByTestId('audit-saved-save'));
    expect(await screen.findByText(/name: 1–80 letters/)).toBeTruthy();
    expect(fake.callsTo('audit.saveFilter')).toHaveLength(0);
    fireEvent.change(screen.getByTestId('audit-saved-name'), { target: { value: 'acme data' } });
    fireEvent.click(screen.getByTestId('audit-saved-save'));
    await waitFor(() => expect(fake.callsTo('audit.saveFilter')).toHaveLength(1));
    expect(fake.callsTo('audit.saveFilter')[0]!.input).toEqual({ name: 'acme data', filter: { limit: PAGE_SIZE, keyspace: 'tenant_acme_data' } });
    await waitFor(() => expect((screen.getByTestId('audit-saved-pick') as HTMLSelectElement).value).toBe('acme data'));
    fireEvent.change(screen.getByTestId('audit-saved-pick'), { target: { value: 'refused ddl' } });
    await waitFor(() => expect(fake.callsTo('audit.snapshotQuery').at(-1)!.input).toEqual({ snapshotId: ID1, filter: { limit: PAGE_SIZE, outcome: 'refused', category: 'DDL' } }));
    expect((screen.getByTestId('audit-f-outcome') as HTMLSelectElement).value).toBe('refused');
    expect((screen.getByTestId('audit-f-keyspace') as HTMLInputElement).value).toBe('');
    fireEvent.click(screen.getByTestId('audit-saved-delete'));
    await waitFor(() => expect(fake.callsTo('audit.deleteFilter')[0]!.input).toEqual({ name: 'refused ddl' }));
    await waitFor(() => expect(within(screen.getByTestId('audit-saved-pick')).queryByText('refused ddl')).toBeNull());
  });

  it('writes CSV and the compliance report to a path and shows the path and sha256; a refusal is shown in place', async () => {
    const fake = offline({
      'audit.snapshots': () => ok([snap(ID1)]),
      'audit.snapshotQuery': () => page(newest(2)),
      'audit.snapshotCsv': (i) => ok({ path: i.out, rows: 2, sha256: 'ef'.repeat(32) }),
      'audit.snapshotReport': (i) => (i.overwrite ? ok({ stream: 'tenant:acme', generatedAt: '2026-11-29T09:00:00.000Z', html: '<html></html>', file: { path: i.out!, sha256: '12'.repeat(32), bytes: 2048 } }) : fail('CONFLICT', `${i.out} exists: tick "replace" to overwrite it`)),
    });
    mountPage(fake);
    fireEvent.click(await screen.findByTestId(`audit-snapshot-review-${ID1}`));
    await screen.findByTestId('audit-row-2');
    fireEvent.change(screen.getByTestId('audit-f-outcome'), { target: { value: 'ok' } });
    fireEvent.click(screen.getByTestId('audit-f-apply'));
    await waitFor(() => expect(fake.callsTo('audit.snapshotQuery')).toHaveLength(2));
    fireEvent.change(screen.getByTestId('audit-csv-out'), { target: { value: 'out.csv' } });
    fireEvent.click(screen.getByTestId('audit-csv-submit'));
    expect(await screen.findByText(/output file: an absolute path/)).toBeTruthy();
    fireEvent.change(screen.getByTestId('audit-csv-out'), { target: { value: '/tmp/out.csv' } });
    fireEvent.click(screen.getByTestId('audit-csv-submit'));
    const csv = await screen.findByTestId('audit-csv-result');
    expect(fake.callsTo('audit.snapshotCsv')[0]!.input).toEqual({ snapshotId: ID1, filter: { limit: 5000, outcome: 'ok' }, out: '/tmp/out.csv', overwrite: false });
    expect(within(csv).getByTestId('written-path').textContent).toBe('/tmp/out.csv');
    expect(within(csv).getByTestId('written-sha256').textContent).toBe('ef'.repeat(32));

    fireEvent.change(screen.getByTestId('audit-report-out'), { target: { value: '/tmp/r.html' } });
    fireEvent.click(screen.getByTestId('audit-report-submit'));
    const form = screen.getByTestId('audit-report-form');
    expect((await within(form).findByTestId('form-error')).querySelector('.error-code')!.textContent).toBe('CONFLICT');
    fireEvent.click(screen.getByTestId('audit-report-overwrite'));
    fireEvent.click(screen.getByTestId('audit-report-submit'));
    const rep = await screen.findByTestId('audit-report-result');
    expect(within(rep).getByTestId('written-sha256').textContent).toBe('12'.repeat(32));
    expect(within(form).queryByTestId('form-error')).toBeNull();
  });

  it('verifies a snapshot again and removes one only after confirmation', async () => {
    const fake = offline({ 'audit.snapshots': () => ok([snap(ID1), snap(ID2)]), 'audit.verifySnapshot': () => ok(tampered()), 'audit.removeSnapshot': () => ok({ removed: true }) });
    mountPage(fake);
    fireEvent.click(await screen.findByTestId(`audit-snapshot-verify-${ID1}`));
    await waitFor(() => expect(screen.getByTestId(`audit-snapshot-${ID1}`).getAttribute('data-intact')).toBe('false'));
    expect(fake.callsTo('audit.verifySnapshot')[0]!.input).toEqual({ snapshotId: ID1 });
    fireEvent.click(screen.getByTestId(`audit-snapshot-remove-${ID2}`));
    expect(fake.callsTo('audit.removeSnapshot')).toHaveLength(0);
    fireEvent.click(screen.getByTestId(`audit-snapshot-remove-confirm-${ID2}`));
    await waitFor(() => expect(screen.queryByTestId(`audit-snapshot-${ID2}`)).toBeNull());
    expect(fake.callsTo('audit.removeSnapshot')[0]!.input).toEqual({ snapshotId: ID2 });
  });

  it('live: picks a cluster and the platform stream or a tenant, verifies it and reads it', async () => {
    useSession.getState().setScope('prod', scope('prod'));
    const fake = offline({
      'audit.query': (i) => page(newest(3).map((e) => ({ ...e, stream: i.tenant ? `tenant:${i.tenant}` : 'platform' }))),
      'audit.verify': (i) => ok(intact({ stream: i.tenant ? `tenant:${i.tenant}` : 'platform' })),
    });
    mountPage(fake);
    expect(screen.getByTestId('audit-ingest')).toBeTruthy();
    const opts = within(screen.getByTestId('audit-live-stream')).getAllByRole('option').map((o) => o.textContent);
    expect(opts).toEqual(['platform stream', 'tenant acme', 'tenant beta']);
    fireEvent.click(screen.getByTestId('audit-live-open'));
    await screen.findByTestId('audit-row-3');
    expect(fake.callsTo('audit.query')[0]!.input).toEqual({ cluster: 'prod', filter: { limit: PAGE_SIZE } });
    fireEvent.change(screen.getByTestId('audit-live-stream'), { target: { value: 'beta' } });
    fireEvent.click(screen.getByTestId('audit-live-open'));
    await waitFor(() => expect(fake.callsTo('audit.query')).toHaveLength(2));
    expect(fake.callsTo('audit.query')[1]!.input).toEqual({ cluster: 'prod', tenant: 'beta', filter: { limit: PAGE_SIZE } });
    fireEvent.click(screen.getByTestId('audit-verify'));
    const v = await screen.findByTestId('audit-live-verdict');
    expect(fake.callsTo('audit.verify')[0]!.input).toEqual({ cluster: 'prod', tenant: 'beta' });
    expect(v.textContent).toContain('INTACT');
    expect(v.textContent).toContain('tenant:beta');
  });

  it('an auditor of one tenant sees only that stream, no platform stream and no ingest', () => {
    useSession.getState().setScope('prod', scope('prod', { platform: false, superuser: false, auditor: ['acme'], tenants: ['acme'] }));
    mountPage(offline());
    const opts = within(screen.getByTestId('audit-live-stream')).getAllByRole('option').map((o) => o.textContent);
    expect(opts).toEqual(['tenant acme']);
    expect(screen.queryByTestId('audit-ingest')).toBeNull();
  });

  it('ingest: paths per line, a live progress bar from job.progress, Cancel names the job, then the report', async () => {
    useSession.getState().setScope('prod', scope('prod'));
    let finish: (r: IngestReport) => void = () => {};
    const report: IngestReport = {
      cluster: 'prod',
      files: [{ path: '/var/log/cassandra/audit/audit.log', lines: 120, ingested: 100, duplicates: 15, malformed: 5, resumedAt: 0 }],
      linesRead: 120,
      ingested: 100,
      duplicates: 15,
      malformed: { count: 5, first: [{ file: '/var/log/cassandra/audit/audit.log', line: 17, reason: 'no user field' }] },
      perStream: { platform: 40, 'tenant:acme': 60 },
      alerts: [{ kind: 'cross-tenant-attempt', stream: 'tenant:acme', user: 'tenant_beta_u_eve', count: 3, first: '2026-11-29T08:00:00.000Z', last: '2026-11-29T08:01:00.000Z', message: 'tenant_beta_u_eve tried tenant_acme_data 3 times' }],
      undelivered: [{ stream: 'tenant:gone', events: 3, reason: 'NOT_FOUND: tenant gone was deleted' }],
      cancelled: false,
      seconds: 1.5,
    };
    const fake = offline({
      'audit.ingest': () => new Promise((res) => (finish = (r) => res(ok(r)))),
      'jobs.cancel': () => ok({ cancelled: true }),
    });
    mountPage(fake);
    fireEvent.click(screen.getByTestId('audit-ingest-submit'));
    expect(await screen.findByText('name at least one file or directory')).toBeTruthy();
    fireEvent.change(screen.getByTestId('audit-ingest-files-input'), { target: { value: 'relative.log' } });
    fireEvent.click(screen.getByTestId('audit-ingest-submit'));
    expect(await screen.findByText(/line 1: path: an absolute path/)).toBeTruthy();
    fireEvent.change(screen.getByTestId('audit-ingest-files-input'), { target: { value: '/var/log/cassandra/audit/audit.log\n\n /var/log/cassandra/audit/audit.log.1 ' } });
    fireEvent.change(screen.getByTestId('audit-ingest-dirs-input'), { target: { value: '/srv/node2/audit' } });
    fireEvent.click(screen.getByTestId('audit-ingest-submit'));
    await waitFor(() => expect(fake.callsTo('audit.ingest')).toHaveLength(1));
    expect(fake.callsTo('audit.ingest')[0]!.input).toEqual({ cluster: 'prod', files: ['/var/log/cassandra/audit/audit.log', '/var/log/cassandra/audit/audit.log.1'], dirs: ['/srv/node2/audit'] });
    expect((screen.getByTestId('audit-ingest-cancel') as HTMLButtonElement).disabled).toBe(true); // no job id yet
    act(() => {
      fake.emit('job.progress', { jobId: 'other', kind: 'keys.rotate', label: 'x', step: 'x', fraction: 0.9, state: 'running' });
      fake.emit('job.progress', { jobId: 'j-ingest', kind: 'audit.ingest', label: 'Ingest', step: 'audit.log', fraction: 0.4, state: 'running', message: '48 of 120 lines' });
    });
    const bar = screen.getByRole('progressbar', { name: 'Ingest progress' }) as HTMLProgressElement;
    expect(bar.value).toBe(0.4);
    expect(screen.getByTestId('audit-ingest-running').textContent).toContain('48 of 120 lines');
    fireEvent.click(screen.getByTestId('audit-ingest-cancel'));
    await waitFor(() => expect(fake.callsTo('jobs.cancel')[0]!.input).toEqual({ jobId: 'j-ingest' }));
    await act(async () => finish(report));
    const rep = await screen.findByTestId('audit-ingest-report');
    expect(within(rep).getByTestId('audit-ingest-lines').textContent).toBe('120');
    expect(within(rep).getByTestId('audit-ingest-duplicates').textContent).toBe('15');
    expect(within(rep).getByTestId('audit-ingest-malformed').textContent).toContain('audit.log:17');
    expect(within(rep).getByTestId('audit-ingest-streams').textContent).toContain('tenant:acme60');
    expect(within(rep).getByTestId('audit-ingest-alerts').textContent).toContain('cross-tenant-attempt');
    expect(within(rep).getByTestId('audit-ingest-undelivered').textContent).toContain('tenant:gone3NOT_FOUND');
    expect(screen.queryByTestId('audit-ingest-running')).toBeNull();
    expect(fake.listenerCount('job.progress')).toBe(0);
  });

  it('the stream choice follows the scope: tenant admins read their tenants, csm_auditor every tenant and the platform', () => {
    expect(auditableStreams(scope('a', { platform: false, auditor: [], tenantAdmin: ['acme'], tenants: ['acme'] }))).toEqual({ platform: false, tenants: ['acme'] });
    expect(auditableStreams(scope('a', { platform: false, auditor: 'all', tenants: ['x', 'y'] }))).toEqual({ platform: true, tenants: ['x', 'y'] });
    expect(auditableStreams(scope('a', { platform: false, auditor: [], tenantAdmin: [], tenants: ['leak'] }))).toEqual({ platform: false, tenants: [] });
  });
});

describe('Tenant → Audit tab (unit: fake bridge)', () => {
  beforeEach(() => resetAllStores());
  afterEach(cleanup);

  it("reads the tenant's stream, verifies it, exports a signed snapshot and shows where and who signed", async () => {
    const fake = createFakeBridge({
      'audit.filters': () => ok([]),
      'audit.query': () => page(newest(4)),
      'audit.verify': () => ok(tampered()),
      'audit.sync': () => ok({ stream: 'tenant:acme', fetched: 2, lastSeq: 14 }),
      'audit.export': (i) => ok({ path: i.out, sha256: '9a'.repeat(32), bytes: 4096, events: 4, stream: 'tenant:acme', signerFingerprint: FP }),
    });
    render(
      <ClientProvider client={fake.client}>
        <AuditTab cluster="prod" tenant="acme" />
      </ClientProvider>,
    );
    await screen.findByTestId('audit-row-4');
    expect(fake.callsTo('audit.query')[0]!.input).toEqual({ cluster: 'prod', tenant: 'acme', filter: { limit: PAGE_SIZE } });
    fireEvent.click(screen.getByTestId('audit-verify'));
    const v = await screen.findByTestId('audit-live-verdict');
    expect(v.getAttribute('data-intact')).toBe('false');
    expect(within(v).getByTestId('audit-live-verdict-problem').textContent).toContain('event 7');
    fireEvent.click(screen.getByTestId('audit-sync'));
    await waitFor(() => expect(fake.callsTo('audit.query')).toHaveLength(2)); // the review reads again after a fetch
    fireEvent.change(screen.getByTestId('audit-export-out'), { target: { value: '/tmp/acme.csmaudit' } });
    fireEvent.change(screen.getByTestId('audit-export-since'), { target: { value: '2026-11-01T00:00' } });
    fireEvent.click(screen.getByTestId('audit-export-submit'));
    const res = await screen.findByTestId('audit-export-result');
    expect(fake.callsTo('audit.export')[0]!.input).toEqual({ cluster: 'prod', tenant: 'acme', out: '/tmp/acme.csmaudit', overwrite: false, since: new Date('2026-11-01T00:00').toISOString() });
    expect(within(res).getByTestId('audit-export-fingerprint').textContent).toBe(FP);
    expect(within(res).getByTestId('written-sha256').textContent).toBe('9a'.repeat(32));
    expect(screen.queryByTestId('audit-retention')).toBeNull(); // not signed in with platform scope
  });

  it('retention: platform operators prune after a confirmation and see the tombstone; the review reads again', async () => {
    useSession.getState().setScope('prod', scope('prod'));
    const fake = createFakeBridge({
      'audit.filters': () => ok([]),
      'audit.query': () => page(newest(2)),
      'audit.prune': () => ok({ stream: 'tenant:acme', pruned: 40, tombstoneSeq: 41, retentionDays: 365, cutoff: '2025-11-29T00:00:00.000Z' }),
    });
    render(
      <ClientProvider client={fake.client}>
        <AuditTab cluster="prod" tenant="acme" />
      </ClientProvider>,
    );
    await screen.findByTestId('audit-row-2');
    fireEvent.click(screen.getByTestId('audit-prune'));
    expect(fake.callsTo('audit.prune')).toHaveLength(0);
    fireEvent.click(screen.getByTestId('audit-prune-confirm'));
    const res = await screen.findByTestId('audit-prune-result');
    expect(fake.callsTo('audit.prune')[0]!.input).toEqual({ cluster: 'prod', tenant: 'acme' });
    expect(res.textContent).toContain('40 events pruned, tombstone at seq 41');
    await waitFor(() => expect(fake.callsTo('audit.query')).toHaveLength(2));
  });
});
