import { lstat, readFile } from 'node:fs/promises';
import { snapshotInfoSchema, type SnapshotInfo, type Verification } from '../../../src-shared/contract/audit';
import { AppError } from '../../app/errors';
import { openDatabase, type Db } from '../../store/db';
import { AUDIT_INDEX_DDL } from '../index-schema';
import { insertBatches, insertEvents } from '../index';
import type { SignerKey, StreamHead } from '../types';
import { parseSnapshot, SNAPSHOT_LIMITS, verifySnapshot, type ParsedSnapshot, type SnapshotLimits } from './snapshot-file';

/** What seals and opens the file bytes (SnapshotVault; a fake in unit tests). */
export interface Sealer {
  seal(id: string, bytes: Uint8Array): Promise<{ sealed: Buffer; masterFingerprint: string }>;
  open(id: string, sealed: Uint8Array, masterFingerprint: string): Promise<Buffer>;
}

/** An imported snapshot opened for review: an in-memory index (never on disk in clear). */
export interface OpenSnapshot {
  info: SnapshotInfo;
  db: Db;
  source: string;
  signers: SignerKey[];
  /** What the first event links to (from the signed manifest). */
  anchor: StreamHead | null;
}

interface Row {
  id: string;
  stream: string;
  cluster: string;
  info: string;
  sealed: Buffer;
  imported_at: string;
}

export const snapshotSource = (id: string): string => `snapshot:${id}`;

/** Read a snapshot file from disk with the size bound checked before reading. */
export async function readSnapshotFile(path: string, limits: SnapshotLimits = SNAPSHOT_LIMITS): Promise<Buffer> {
  const st = await lstat(path).catch(() => null);
  if (!st) throw new AppError('NOT_FOUND', `${path}: no such file`);
  if (!st.isFile()) throw new AppError('BAD_INPUT', `${path} is not a regular file`);
  if (st.size > limits.fileBytes) throw new AppError('BAD_INPUT', `not a readable audit snapshot: the file is ${st.size} bytes, more than the ${limits.fileBytes} a snapshot may have`);
  return readFile(path);
}

export function describeProblems(v: Verification, max = 5): string {
  const shown = v.problems.slice(0, max).map((p) => `${p.kind}${p.seq !== null ? ` at seq ${p.seq}` : ''}${p.batch !== null ? ` (batch ${p.batch})` : ''}: ${p.message}`);
  return shown.join('; ') + (v.problems.length > max ? `; … ${v.problems.length - max} more` : '');
}

/**
 * Imported snapshots in the cache table audit_snapshots: `info` (the manifest's facts and the
 * verification, no event content) in clear, the file itself sealed. Opening one decrypts it into
 * an in-memory SQLite index with the live mirror's DDL, kept for the session (a few at a time).
 */
export class SnapshotStore {
  private readonly open = new Map<string, OpenSnapshot>();
  private static readonly KEEP_OPEN = 4;

  constructor(
    private readonly db: Db,
    private readonly sealer: Sealer,
    private readonly opts: { limits?: SnapshotLimits; now?: () => Date } = {},
  ) {}

  private now(): Date {
    return this.opts.now?.() ?? new Date();
  }

  /** Parse and verify bytes without storing anything. */
  check(bytes: Uint8Array): { parsed: ParsedSnapshot; verification: Verification } {
    const parsed = parseSnapshot(bytes, this.opts.limits ?? SNAPSHOT_LIMITS);
    return { parsed, verification: verifySnapshot(parsed, () => this.now()) };
  }

  async verifyFile(path: string): Promise<Verification> {
    return this.check(await readSnapshotFile(path, this.opts.limits)).verification;
  }

  /**
   * Import: parse, verify, seal, store. A file that does not verify is refused (BAD_INPUT naming
   * the problems) and nothing is stored: imported evidence is evidence that verified. The same
   * file imported twice is one snapshot; another file claiming an imported id is a CONFLICT.
   */
  async importBytes(bytes: Uint8Array): Promise<SnapshotInfo> {
    const { parsed, verification } = this.check(bytes);
    if (!verification.intact) {
      throw new AppError('BAD_INPUT', `the snapshot does not verify, nothing was imported — ${describeProblems(verification)} (csm audit verify FILE lists every problem)`);
    }
    const m = parsed.manifest;
    const existing = this.row(m.id);
    if (existing) {
      const info = this.infoOf(existing);
      if (info.sha256 === parsed.sha256) return info;
      throw new AppError('CONFLICT', `a different snapshot with id ${m.id} is already imported (sha256 ${info.sha256.slice(0, 16)}…); remove it first to import this one`);
    }
    const importedAt = this.now().toISOString();
    const info: SnapshotInfo = snapshotInfoSchema.parse({
      id: m.id,
      stream: m.stream,
      tenant: m.tenant,
      cluster: m.cluster,
      events: m.events,
      firstSeq: m.firstSeq,
      lastSeq: m.lastSeq,
      since: m.range.since,
      until: m.range.until,
      createdAt: m.createdAt,
      createdBy: m.createdBy,
      signerFingerprint: m.signer.fingerprint,
      importedAt,
      sha256: parsed.sha256,
      verification,
    });
    const { sealed, masterFingerprint } = await this.sealer.seal(m.id, bytes);
    this.db
      .prepare('INSERT INTO audit_snapshots (id, stream, cluster, info, sealed, imported_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(m.id, m.stream, m.cluster, JSON.stringify({ ...info, masterFingerprint }), sealed, importedAt);
    return info;
  }

  async importFile(path: string): Promise<SnapshotInfo> {
    return this.importBytes(await readSnapshotFile(path, this.opts.limits));
  }

  list(): SnapshotInfo[] {
    return (this.db.prepare('SELECT * FROM audit_snapshots ORDER BY imported_at DESC, id').all() as Row[]).map((r) => this.infoOf(r));
  }

  private row(id: string): Row | null {
    return (this.db.prepare('SELECT * FROM audit_snapshots WHERE id = ?').get(id) as Row | undefined) ?? null;
  }

  private infoOf(r: Row): SnapshotInfo {
    return snapshotInfoSchema.parse(JSON.parse(r.info));
  }

  private need(id: string): Row {
    const r = this.row(id);
    if (!r) throw new AppError('NOT_FOUND', `no imported snapshot ${id} on this machine (csm audit snapshots lists them)`);
    return r;
  }

  private async decrypt(r: Row): Promise<ParsedSnapshot> {
    const { masterFingerprint } = JSON.parse(r.info) as { masterFingerprint: string };
    const bytes = await this.sealer.open(r.id, r.sealed, masterFingerprint);
    return parseSnapshot(bytes, this.opts.limits ?? SNAPSHOT_LIMITS);
  }

  /** Verify an imported snapshot again from its sealed bytes. */
  async verify(id: string): Promise<Verification> {
    return verifySnapshot(await this.decrypt(this.need(id)), () => this.now());
  }

  /** The snapshot's in-memory index, built on first use and kept for the session. */
  async openSnapshot(id: string): Promise<OpenSnapshot> {
    const hit = this.open.get(id);
    if (hit) {
      this.open.delete(id);
      this.open.set(id, hit);
      return hit;
    }
    const r = this.need(id);
    const parsed = await this.decrypt(r);
    const db = openDatabase(':memory:');
    const source = snapshotSource(id);
    try {
      db.exec(AUDIT_INDEX_DDL);
      db.transaction(() => {
        insertEvents(db, source, parsed.events);
        insertBatches(db, source, parsed.batches);
      })();
    } catch (e) {
      db.close();
      throw e;
    }
    const opened: OpenSnapshot = { info: this.infoOf(r), db, source, signers: parsed.signers, anchor: parsed.manifest.anchor };
    this.open.set(id, opened);
    while (this.open.size > SnapshotStore.KEEP_OPEN) {
      const [oldest, o] = this.open.entries().next().value as [string, OpenSnapshot];
      this.open.delete(oldest);
      o.db.close();
    }
    return opened;
  }

  remove(id: string): boolean {
    const o = this.open.get(id);
    if (o) {
      this.open.delete(id);
      o.db.close();
    }
    return this.db.prepare('DELETE FROM audit_snapshots WHERE id = ?').run(id).changes > 0;
  }

  close(): void {
    for (const o of this.open.values()) o.db.close();
    this.open.clear();
  }
}
