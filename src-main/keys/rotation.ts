import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { AppError } from '../app/errors';
import type { CacheCiphertextStore, RewrittenRow, RotationJournal, SealedRow } from './ports';

export type RotationPhase = 'kek' | 'rewrap' | 'retire-kek' | 'data-key' | 'reencrypt' | 'retire-data-key';

export interface RotationProgress {
  tenantId: string;
  phase: RotationPhase;
  done: number;
  total: number;
}

export interface RotateOptions {
  signal?: AbortSignal;
  onProgress?: (p: RotationProgress) => void;
  /** Cache values re-encrypted per transaction. */
  batchSize?: number;
}

export const DEFAULT_BATCH = 500;

export function checkCancelled(signal: AbortSignal | undefined, tenantId: string): void {
  if (signal?.aborted) {
    throw new AppError('CANCELLED', `key rotation of tenant ${tenantId} was cancelled; run it again to resume where it stopped`);
  }
}

export interface ReencryptResult {
  journal: RotationJournal;
  /** Entries that did not open (damaged): left as they are, named so the operator can drop them. */
  unreadable: string[];
}

/**
 * Re-encrypt every cache value of the journal's purpose that is not under `journal.toVersion`.
 * Each batch commits its rows and the advanced journal in one transaction, so a process killed
 * at any instant leaves either the batch done and recorded, or neither: rerunning picks up at
 * the cursor and nothing is lost or sealed twice.
 */
export async function reencryptCache(args: {
  cache: CacheCiphertextStore;
  journal: RotationJournal;
  /** The value sealed under the new version, or null if the old one does not open. */
  reseal: (row: SealedRow) => Promise<Buffer | null>;
  now: () => Date;
  opts: RotateOptions;
}): Promise<ReencryptResult> {
  const { cache, opts } = args;
  const journal = { ...args.journal };
  const unreadable = new Set<string>();
  const batchSize = Math.max(1, Math.min(10_000, opts.batchSize ?? DEFAULT_BATCH));
  const report = (): void => opts.onProgress?.({ tenantId: journal.tenantId, phase: 'reencrypt', done: journal.done, total: journal.total });
  report();
  for (let sweep = 0; ; sweep++) {
    for (;;) {
      checkCancelled(opts.signal, journal.tenantId);
      const rows = await cache.staleBatch(journal.tenantId, journal.purpose, journal.toVersion, journal.cursor, batchSize);
      if (rows.length === 0) break;
      const rewritten: RewrittenRow[] = [];
      for (const row of rows) {
        if (unreadable.has(row.key)) continue;
        const ciphertext = await args.reseal(row);
        if (ciphertext === null) unreadable.add(row.key);
        else rewritten.push({ key: row.key, expected: row.ciphertext, ciphertext, keyVersion: journal.toVersion });
      }
      journal.cursor = rows[rows.length - 1]!.key;
      journal.done += rows.length;
      // Values written under an old key by another process while we run can push past the count taken at the start.
      journal.total = Math.max(journal.total, journal.done);
      journal.updatedAt = args.now().toISOString();
      await cache.commitBatch(journal, rewritten);
      report();
      // Background work: let the UI and other requests run between batches.
      await yieldToLoop();
    }
    // A value another process wrote under an old key behind the cursor (or whose swap lost a race):
    // sweep again from the start. Bounded, so a writer that never stops cannot keep us here.
    const behind = (await cache.countStale(journal.tenantId, journal.purpose, journal.toVersion)) - unreadable.size;
    if (behind <= 0 || sweep >= 3) break;
    journal.cursor = null;
    journal.total = journal.done + behind;
    await cache.writeJournal(journal);
  }
  return { journal, unreadable: [...unreadable] };
}
