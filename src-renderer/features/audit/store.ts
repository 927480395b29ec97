import { create } from 'zustand';
import type { ChannelOutput } from '../../../src-shared/contract';
import type { JobProgress } from '../../../src-shared/contract/app';
import type { IngestReport, SnapshotInfo, Verification } from '../../../src-shared/contract/audit';
import type { WireError } from '../../../src-shared/contract/core';
import type { LoadStatus } from '../../app/stores/appInfo';

export type SavedFilter = ChannelOutput<'audit.saveFilter'>;

/** What the review shows: a live stream of a signed-in cluster (tenant null = platform stream) or an imported snapshot. */
export type ReviewSource = { kind: 'live'; cluster: string; tenant: string | null } | { kind: 'snapshot'; snapshotId: string };

export const sourceKey = (s: ReviewSource): string => (s.kind === 'live' ? `live:${s.cluster}:${s.tenant ?? 'platform'}` : `snapshot:${s.snapshotId}`);

export interface FileCheck {
  file: string;
  verification: Verification;
  /** Whether it was an import that was refused (else a plain verification). */
  refused: boolean;
}

export interface IngestState {
  running: boolean;
  /** The job's id, from the first `job.progress` of the run (Cancel needs it). */
  jobId: string | null;
  progress: JobProgress | null;
  report: IngestReport | null;
  error: WireError | null;
}

/**
 * The Audit screen's state: imported snapshots (local evidence, kept across sign-outs — they
 * need no cluster), the last import's verdict, saved filters, the chosen review source and the
 * ingest run. Event pages live in the review component itself: they are per source and cheap
 * to read again from the local index.
 */
interface AuditState {
  snapshots: SnapshotInfo[];
  snapshotsStatus: LoadStatus;
  snapshotsError: WireError | null;
  lastImport: SnapshotInfo | null;
  importError: WireError | null;
  /** A file verified without being imported (Verify only, or the reason an import was refused). */
  fileCheck: FileCheck | null;
  filters: SavedFilter[];
  source: ReviewSource | null;
  ingest: IngestState;
  setSnapshotsLoading(): void;
  setSnapshots(list: SnapshotInfo[]): void;
  setSnapshotsError(e: WireError): void;
  imported(s: SnapshotInfo): void;
  setImportError(e: WireError | null): void;
  setFileCheck(c: FileCheck | null): void;
  removed(id: string): void;
  reverified(id: string, v: Verification): void;
  setFilters(list: SavedFilter[]): void;
  upsertFilter(f: SavedFilter): void;
  dropFilter(name: string): void;
  setSource(s: ReviewSource | null): void;
  setIngest(p: Partial<IngestState>): void;
  reset(): void;
}

const idleIngest = (): IngestState => ({ running: false, jobId: null, progress: null, report: null, error: null });

const initial = () => ({
  snapshots: [] as SnapshotInfo[],
  snapshotsStatus: 'idle' as LoadStatus,
  snapshotsError: null,
  lastImport: null,
  importError: null,
  fileCheck: null,
  filters: [] as SavedFilter[],
  source: null,
  ingest: idleIngest(),
});

export const useAudit = create<AuditState>()((set) => ({
  ...initial(),
  setSnapshotsLoading: () => set({ snapshotsStatus: 'loading', snapshotsError: null }),
  setSnapshots: (snapshots) => set({ snapshots, snapshotsStatus: 'ready', snapshotsError: null }),
  setSnapshotsError: (snapshotsError) => set({ snapshotsStatus: 'error', snapshotsError }),
  imported: (s) =>
    set((st) => ({
      snapshots: [s, ...st.snapshots.filter((x) => x.id !== s.id)],
      lastImport: s,
      importError: null,
      fileCheck: null,
      source: { kind: 'snapshot', snapshotId: s.id },
    })),
  setImportError: (importError) => set({ importError }),
  setFileCheck: (fileCheck) => set({ fileCheck }),
  removed: (id) =>
    set((st) => ({
      snapshots: st.snapshots.filter((x) => x.id !== id),
      lastImport: st.lastImport?.id === id ? null : st.lastImport,
      source: st.source?.kind === 'snapshot' && st.source.snapshotId === id ? null : st.source,
    })),
  reverified: (id, v) =>
    set((st) => ({
      snapshots: st.snapshots.map((x) => (x.id === id ? { ...x, verification: v } : x)),
      lastImport: st.lastImport?.id === id ? { ...st.lastImport, verification: v } : st.lastImport,
    })),
  setFilters: (filters) => set({ filters: [...filters].sort((a, b) => a.name.localeCompare(b.name)) }),
  upsertFilter: (f) => set((st) => ({ filters: [...st.filters.filter((x) => x.name !== f.name), f].sort((a, b) => a.name.localeCompare(b.name)) })),
  dropFilter: (name) => set((st) => ({ filters: st.filters.filter((x) => x.name !== name) })),
  setSource: (source) => set({ source }),
  setIngest: (p) => set((st) => ({ ingest: { ...st.ingest, ...p } })),
  reset: () => set(initial()),
}));
