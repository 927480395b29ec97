import { create } from 'zustand';
import type { EventPayload } from '../../../src-shared/contract';
import type { WireError } from '../../../src-shared/contract/core';
import type { BackupStatus, Operation } from '../../../src-shared/contract/portability';
import type { LoadStatus } from '../../app/stores/appInfo';

export type ProgressEvent = EventPayload<'portability.progress'>;

/** `cluster/tenant`: tenant ids are unique per cluster only. */
export const backupKey = (cluster: string, tenant: string): string => `${cluster}/${tenant}`;

/**
 * Export, import, migration and backup operations as this window sees them. No passphrase ever
 * enters this store: the dialogs keep it in component state and drop it on submit.
 */
interface PortabilityState {
  /** portability.list, newest first. */
  ops: Operation[];
  listStatus: LoadStatus;
  listError: WireError | null;
  /** Latest `portability.progress` per operation id. */
  progress: Record<string, ProgressEvent>;
  /** Operations read back with portability.result (the final record once the job ended). */
  results: Record<string, Operation>;
  /** Jobs this window started (or watches) → operation id, so a job's end reads its record. */
  tracked: Record<string, string>;
  backups: Record<string, BackupStatus>;
  backupErrors: Record<string, WireError>;
  setListLoading(): void;
  setOps(ops: Operation[]): void;
  setListError(e: WireError): void;
  applyProgress(p: ProgressEvent): void;
  setResult(op: Operation): void;
  track(jobId: string, operationId: string): void;
  setBackups(s: BackupStatus): void;
  setBackupError(key: string, e: WireError): void;
  reset(): void;
}

const initial = () => ({
  ops: [] as Operation[],
  listStatus: 'idle' as LoadStatus,
  listError: null as WireError | null,
  progress: {} as Record<string, ProgressEvent>,
  results: {} as Record<string, Operation>,
  tracked: {} as Record<string, string>,
  backups: {} as Record<string, BackupStatus>,
  backupErrors: {} as Record<string, WireError>,
});

const ENDED = new Set<Operation['state']>(['succeeded', 'failed', 'aborted', 'interrupted']);
export const isEnded = (op: Pick<Operation, 'state'>): boolean => ENDED.has(op.state);

export const usePortability = create<PortabilityState>()((set) => ({
  ...initial(),
  setListLoading: () => set({ listStatus: 'loading', listError: null }),
  setOps: (ops) =>
    set((s) => ({
      // A record read after the job ended says more than a list read while it ran.
      ops: ops.map((o) => {
        const r = s.results[o.id];
        return r && isEnded(r) && !isEnded(o) ? r : o;
      }),
      listStatus: 'ready',
      listError: null,
    })),
  setListError: (listError) => set({ listStatus: 'error', listError }),
  applyProgress: (p) =>
    set((s) => {
      const prev = s.progress[p.operationId];
      // Events may arrive out of order across reconnects: keep the newest.
      if (prev && prev.at > p.at) return {};
      return {
        progress: { ...s.progress, [p.operationId]: p },
        ops: s.ops.map((o) => (o.id === p.operationId && !isEnded(o) ? { ...o, phase: p.phase ?? o.phase } : o)),
      };
    }),
  setResult: (op) =>
    set((s) => ({
      results: { ...s.results, [op.id]: op },
      ops: s.ops.some((o) => o.id === op.id) ? s.ops.map((o) => (o.id === op.id ? op : o)) : [op, ...s.ops],
    })),
  track: (jobId, operationId) => set((s) => ({ tracked: { ...s.tracked, [jobId]: operationId } })),
  setBackups: (b) =>
    set((s) => {
      const key = backupKey(b.cluster, b.tenant);
      const { [key]: _gone, ...errors } = s.backupErrors;
      return { backups: { ...s.backups, [key]: b }, backupErrors: errors };
    }),
  setBackupError: (key, e) => set((s) => ({ backupErrors: { ...s.backupErrors, [key]: e } })),
  reset: () => set(initial()),
}));

/** The record of an operation: the final read if there is one, else the list's row. */
export function operationOf(s: Pick<PortabilityState, 'results' | 'ops'>, id: string): Operation | null {
  return s.results[id] ?? s.ops.find((o) => o.id === id) ?? null;
}
