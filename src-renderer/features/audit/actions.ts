import type { CsmClient } from '../../../src-shared/client';
import type { ChannelOutput, Result } from '../../../src-shared/contract';
import type { AuditFilter } from '../../../src-shared/contract/audit';
import { call } from '../../app/call';
import { useAudit, type ReviewSource } from './store';

export type AuditPage = ChannelOutput<'audit.query'>;
export type ChainProof = ChannelOutput<'audit.event'>;
export type CsvResult = ChannelOutput<'audit.csv'>;
export type ComplianceReport = ChannelOutput<'audit.report'>;
export type ExportResult = ChannelOutput<'audit.export'>;

const live = (s: Extract<ReviewSource, { kind: 'live' }>) => ({ cluster: s.cluster, ...(s.tenant ? { tenant: s.tenant } : {}) });

// ---- review: the same calls for a live stream and an imported snapshot ------------------------

/** One page of events, newest first. Failures come back to be shown in place. */
export function queryEvents(client: CsmClient, src: ReviewSource, filter: AuditFilter): Promise<Result<AuditPage>> {
  return src.kind === 'live' ? call(client, 'audit.query', { ...live(src), filter }, { quiet: true }) : call(client, 'audit.snapshotQuery', { snapshotId: src.snapshotId, filter }, { quiet: true });
}

export function loadProof(client: CsmClient, src: ReviewSource, seq: number): Promise<Result<ChainProof>> {
  return src.kind === 'live' ? call(client, 'audit.event', { ...live(src), seq }, { quiet: true }) : call(client, 'audit.snapshotEvent', { snapshotId: src.snapshotId, seq }, { quiet: true });
}

export function writeCsv(client: CsmClient, src: ReviewSource, filter: AuditFilter, out: string, overwrite: boolean): Promise<Result<CsvResult>> {
  const success = (v: CsvResult): string => `${v.rows} event${v.rows === 1 ? '' : 's'} written to ${v.path}`;
  return src.kind === 'live'
    ? call(client, 'audit.csv', { ...live(src), filter, out, overwrite }, { quiet: true, success })
    : call(client, 'audit.snapshotCsv', { snapshotId: src.snapshotId, filter, out, overwrite }, { quiet: true, success });
}

export function writeReport(client: CsmClient, src: ReviewSource, out: string, overwrite: boolean): Promise<Result<ComplianceReport>> {
  const success = (v: ComplianceReport): string => (v.file ? `Compliance report written to ${v.file.path}` : 'Compliance report ready');
  return src.kind === 'live'
    ? call(client, 'audit.report', { ...live(src), out, overwrite }, { quiet: true, success })
    : call(client, 'audit.snapshotReport', { snapshotId: src.snapshotId, out, overwrite }, { quiet: true, success });
}

// ---- live streams ---------------------------------------------------------------------------

export function verifyLive(client: CsmClient, cluster: string, tenant: string | null) {
  return call(client, 'audit.verify', { cluster, ...(tenant ? { tenant } : {}) }, { quiet: true });
}

export function syncLive(client: CsmClient, cluster: string, tenant: string | null) {
  return call(client, 'audit.sync', { cluster, ...(tenant ? { tenant } : {}) }, { quiet: true, success: (v) => (v.fetched ? `${v.fetched} new events fetched from the cluster` : 'The local copy is up to date') });
}

export function exportSnapshot(client: CsmClient, input: { cluster: string; tenant: string | null; out: string; since?: string; until?: string; overwrite: boolean }) {
  const { tenant, ...rest } = input;
  return call(client, 'audit.export', { ...rest, ...(tenant ? { tenant } : {}) }, { quiet: true, success: (v) => `Snapshot of ${v.events} events written to ${v.path}` });
}

export type PruneResult = ChannelOutput<'audit.prune'>;

/** Retention: expired events pruned behind a signed tombstone (platform operators). */
export function pruneTenant(client: CsmClient, cluster: string, tenant: string) {
  return call(client, 'audit.prune', { cluster, tenant }, { quiet: true, success: (v) => (v.pruned ? `${v.pruned} expired events pruned behind tombstone ${v.tombstoneSeq ?? ''}` : `Nothing older than ${v.retentionDays} days to prune`) });
}

// ---- imported snapshots -------------------------------------------------------------------

export async function loadSnapshots(client: CsmClient): Promise<void> {
  useAudit.getState().setSnapshotsLoading();
  const r = await call(client, 'audit.snapshots', {}, { quiet: true });
  if (r.ok) useAudit.getState().setSnapshots(r.value);
  else useAudit.getState().setSnapshotsError(r.error);
}

/**
 * A refused file is shown in place and nothing else changes. The import refuses a file that
 * does not verify (BAD_INPUT naming the problems in one line); the file is then verified on its
 * own so the screen can list each problem (kind, seq, batch) — a file that is no snapshot at all
 * fails that too and only the import's message shows.
 */
export async function importSnapshot(client: CsmClient, file: string): Promise<boolean> {
  const st = useAudit.getState();
  st.setImportError(null);
  st.setFileCheck(null);
  const r = await call(client, 'audit.import', { file }, { quiet: true, success: (s) => `Imported ${s.events} events of ${s.stream}: ${s.verification.intact ? 'intact' : `${s.verification.problems.length} problem(s)`}` });
  if (r.ok) {
    useAudit.getState().imported(r.value);
    return true;
  }
  useAudit.getState().setImportError(r.error);
  if (r.error.code === 'BAD_INPUT') {
    const v = await call(client, 'audit.verifySnapshot', { file }, { quiet: true });
    if (v.ok && !v.value.intact) useAudit.getState().setFileCheck({ file, verification: v.value, refused: true });
  }
  return false;
}

/** Verify a file without importing it (nothing is stored). */
export async function verifyFile(client: CsmClient, file: string): Promise<boolean> {
  const st = useAudit.getState();
  st.setImportError(null);
  st.setFileCheck(null);
  const r = await call(client, 'audit.verifySnapshot', { file }, { quiet: true });
  if (r.ok) useAudit.getState().setFileCheck({ file, verification: r.value, refused: false });
  else useAudit.getState().setImportError(r.error);
  return r.ok;
}

export async function removeSnapshot(client: CsmClient, snapshotId: string): Promise<boolean> {
  const r = await call(client, 'audit.removeSnapshot', { snapshotId }, { success: 'Snapshot removed from this machine' });
  if (r.ok) useAudit.getState().removed(snapshotId);
  return r.ok;
}

export async function reverifySnapshot(client: CsmClient, snapshotId: string): Promise<boolean> {
  const r = await call(client, 'audit.verifySnapshot', { snapshotId }, { success: (v) => (v.intact ? 'Verified again: intact' : `Verified again: ${v.problems.length} problem(s)`) });
  if (r.ok) useAudit.getState().reverified(snapshotId, r.value);
  return r.ok;
}

// ---- saved filters --------------------------------------------------------------------------

export async function loadFilters(client: CsmClient): Promise<void> {
  const r = await call(client, 'audit.filters', {}, { quiet: true });
  if (r.ok) useAudit.getState().setFilters(r.value);
}

export async function saveFilter(client: CsmClient, name: string, filter: AuditFilter) {
  const r = await call(client, 'audit.saveFilter', { name, filter }, { quiet: true, success: (f) => `Filter "${f.name}" saved` });
  if (r.ok) useAudit.getState().upsertFilter(r.value);
  return r;
}

export async function deleteFilter(client: CsmClient, name: string): Promise<boolean> {
  const r = await call(client, 'audit.deleteFilter', { name }, { success: `Filter "${name}" deleted` });
  if (r.ok) useAudit.getState().dropFilter(name);
  return r.ok;
}

// ---- ingest -----------------------------------------------------------------------------------

/** The job kind the ingest runs under; any `audit.ingest…` kind counts. */
export const isIngestJob = (kind: string): boolean => kind.startsWith('audit.ingest');

/**
 * `audit.ingest` answers with the report when the run ends; meanwhile its job streams
 * `job.progress`. The first progress of an ingest job after the call starts names the job
 * (Cancel needs its id); later ones move the bar.
 */
export async function runIngest(client: CsmClient, cluster: string, files: string[], dirs: string[]): Promise<boolean> {
  const st = useAudit.getState();
  if (st.ingest.running) return false;
  st.setIngest({ running: true, jobId: null, progress: null, report: null, error: null });
  const off = client.on('job.progress', (p) => {
    if (!isIngestJob(p.kind)) return;
    const cur = useAudit.getState().ingest;
    if (!cur.running || (cur.jobId !== null && cur.jobId !== p.jobId)) return;
    useAudit.getState().setIngest({ jobId: p.jobId, progress: p });
  });
  try {
    const r = await call(client, 'audit.ingest', { cluster, files, dirs }, { quiet: true, success: (v) => (v.cancelled ? `Ingest cancelled after ${v.linesRead} lines` : `Ingested ${v.ingested} events from ${v.linesRead} lines`) });
    if (r.ok) useAudit.getState().setIngest({ running: false, report: r.value, error: null });
    else useAudit.getState().setIngest({ running: false, report: null, error: r.error });
    return r.ok;
  } finally {
    off();
    useAudit.getState().setIngest({ running: false });
  }
}

export async function cancelIngest(client: CsmClient): Promise<void> {
  const jobId = useAudit.getState().ingest.jobId;
  if (!jobId) return;
  await call(client, 'jobs.cancel', { jobId }, { success: (v) => (v.cancelled ? 'Cancelling the ingest at the next line batch' : 'The ingest had already ended') });
}
