import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../app/errors';
import type { Logger } from '../app/log';
import { ClusterProfileRepo } from './cluster-profile-repo';
import { systemClock, type Clock } from './clock';
import { applyConnectionPragmas, CSM_APPLICATION_ID, openDatabase, readIntPragma, type Db } from './db';
import { inspectFile, moveAside, probeEvidence } from './integrity';
import { JobRepo } from './job-repo';
import { LocalAuditRepo } from './local-audit-repo';
import { TenantMirrorRepo } from './tenant-mirror-repo';
import { migrate, tooNewError } from './migrate';
import { LATEST_SCHEMA_VERSION, type Migration } from './migrations';
import { movedAsideNotice, type StoreNotice } from './notices';
import { withTransaction } from './transaction';

export interface OpenStoreOptions {
  dir: string;
  fileName?: string;
  logger?: Logger;
  /** Tests only: run a different migration list. */
  migrations?: readonly Migration[];
  clock?: Clock;
}

export interface Store {
  readonly path: string;
  readonly schemaVersion: number;
  /** What happened while opening (a file moved aside, …), for app.info and the start-up banner. */
  readonly notices: readonly StoreNotice[];
  readonly db: Db;
  readonly clusterProfiles: ClusterProfileRepo;
  readonly jobs: JobRepo;
  readonly localAudit: LocalAuditRepo;
  readonly tenantMirror: TenantMirrorRepo;
  withTransaction<T>(fn: () => T): T;
  close(): void;
}

function checkFileName(fileName: string): void {
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(fileName) || fileName.startsWith('.')) {
    throw new AppError('BAD_INPUT', 'store file name must be a plain file name (letters, digits, . _ -)');
  }
}

/**
 * Open (creating or repairing) the local cache. Damaged or foreign files are moved aside and
 * reported, never deleted; a file from a newer console is refused and left as it is.
 */
export function openStore(opts: OpenStoreOptions): Store {
  const fileName = opts.fileName ?? 'csm.db';
  checkFileName(fileName);
  mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  const path = join(opts.dir, fileName);
  const known = opts.migrations?.length ?? LATEST_SCHEMA_VERSION;
  const notices: StoreNotice[] = [];

  const found = inspectFile(path, known);
  if (found.kind === 'too-new') throw tooNewError(path, found.userVersion, known);
  if (found.kind === 'corrupt' || found.kind === 'foreign') {
    const { target, moved } = moveAside(path, found.kind, new Date());
    const notice = movedAsideNotice({ path, why: found.kind, reason: found.reason, target, moved, evidence: probeEvidence(target) });
    notices.push(notice);
    opts.logger?.[notice.level === 'error' ? 'error' : 'warn']('store: cache moved aside', { path, target, why: found.kind });
  }

  const isNew = !existsSync(path);
  const db = openDatabase(path);
  try {
    // The cache may hold audit snapshots: keep it to the user (SQLite gives -wal/-shm the same mode).
    if (isNew && process.platform !== 'win32') chmodSync(path, 0o600);
    applyConnectionPragmas(db);
    if (readIntPragma(db, 'application_id') === 0) db.pragma(`application_id = ${CSM_APPLICATION_ID}`);
    const result = migrate(db, { path, ...(opts.migrations ? { migrations: opts.migrations } : {}) });
    if (result.applied.length > 0) {
      opts.logger?.info('store: migrated', { path, from: result.from, to: result.to });
    }
    const clock = opts.clock ?? systemClock;
    const store = new SqliteStore(db, path, result.to, notices, clock);
    // Before this process starts any job: what is still `running` and whose process is gone
    // was interrupted. A live console sharing the file keeps its jobs (see ownerMayBeAlive).
    // A failure here (the file busy beyond the timeout) costs only a stale `running` row: open anyway.
    try {
      const interrupted = store.jobs.markInterrupted(clock);
      if (interrupted.length > 0) opts.logger?.warn('store: jobs interrupted by a stopped console marked failed', { path, jobs: interrupted });
    } catch (e) {
      opts.logger?.warn('store: could not check for interrupted jobs', { path, error: e instanceof Error ? e.message : String(e) });
    }
    return store;
  } catch (e) {
    db.close();
    throw e;
  }
}

class SqliteStore implements Store {
  readonly clusterProfiles: ClusterProfileRepo;
  readonly jobs: JobRepo;
  readonly localAudit: LocalAuditRepo;
  readonly tenantMirror: TenantMirrorRepo;

  constructor(
    readonly db: Db,
    readonly path: string,
    readonly schemaVersion: number,
    readonly notices: readonly StoreNotice[],
    clock: Clock,
  ) {
    this.clusterProfiles = new ClusterProfileRepo(db, clock);
    this.jobs = new JobRepo(db);
    this.jobs.register();
    this.localAudit = new LocalAuditRepo(db);
    this.tenantMirror = new TenantMirrorRepo(db);
  }

  withTransaction<T>(fn: () => T): T {
    return withTransaction(this.db, fn);
  }

  close(): void {
    this.jobs.unregister();
    if (this.db.open) this.db.close();
  }
}
