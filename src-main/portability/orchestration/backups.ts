import { AppError } from '../../app/errors';
import type { BackupPolicy, BackupStatus, VerificationReport } from '../../../src-shared/contract/portability';
import type { PortabilityCore, ProgressSink } from '../types';
import { nextDue, policyFromConfig, retentionPlan, rpoStatus, rtoStatus } from './maths';
import type { BackupRecord, OrchestrationRepo, StoredPolicy } from './system-repo';

/**
 * Per-tenant logical backups (issue 11 item 4) over ports: a backup is an export with the keys
 * wrapped to this installation, written under the console's data directory and catalogued in
 * csm_system; restore loads it back (into the same tenant with its writes paused, or as a new
 * tenant); verify restores it into a scratch tenant, compares, and removes the scratch tenant.
 */
export type BackupRepoPort = Pick<OrchestrationRepo, 'policy' | 'putPolicy' | 'recordMeasure' | 'backups' | 'putBackup' | 'markVerified' | 'deleteBackup'> & Partial<Pick<OrchestrationRepo, 'allBackups'>>;

export interface BackupPorts {
  core: Pick<PortabilityCore, 'exportTenant' | 'importBundle' | 'verifyAgainstBundle'>;
  repo(cluster: string): BackupRepoPort;
  /** The tenant's registry state (null: not registered on the cluster). */
  tenantState(cluster: string, tenant: string): Promise<string | null>;
  /** The tenant's configuration key/values (its console keyspace), for policy defaults. */
  tenantConfig(cluster: string, tenant: string): Promise<Record<string, string>>;
  freeze(cluster: string, tenant: string): Promise<void>;
  thaw(cluster: string, tenant: string): Promise<void>;
  /** Remove a tenant completely (the scratch tenant of a verification). */
  dropTenant(cluster: string, tenant: string): Promise<void>;
  backupPath(cluster: string, tenant: string, id: string): string;
  fileExists(path: string): boolean;
  /** SHA-256 (hex) of a file's bytes. */
  fileSha256(path: string): Promise<string>;
  /**
   * Why a restore in place of this bundle would not fit the live schema (a bundle table dropped or
   * changed since, or a counter table — truncate-and-load cannot restore counters): one line per
   * problem, empty when every table fits. Read before anything is truncated.
   */
  shapeProblems(cluster: string, tenant: string, path: string): Promise<string[]>;
  /**
   * PKI state that a restore in place must not undo: read before the restore (revoked
   * certificates, CRLs, the CA's CRL number), written back after it where the restore went
   * backwards (a revocation made after the backup). Returns how many rows were written back.
   */
  pki?: { snapshot(cluster: string, tenant: string): Promise<unknown>; reapply(cluster: string, tenant: string, snapshot: unknown): Promise<number> };
  /** The tenant id a bundle file was exported from (its header). */
  bundleTenant(path: string): Promise<string>;
  removeFile(path: string): Promise<void>;
  newId(): string;
  scratchId(): string;
  now(): number;
  operator(cluster: string): string | null;
  consoleName: string;
}

export interface RunOpts {
  signal?: AbortSignal;
  progress?: ProgressSink;
}

export class BackupService {
  constructor(private readonly p: BackupPorts) {}

  private async known(cluster: string, tenant: string): Promise<string> {
    const state = await this.p.tenantState(cluster, tenant);
    if (state === null || state === 'deleted') throw new AppError('NOT_FOUND', `tenant ${tenant} is not registered on ${cluster}`);
    return state;
  }

  async effectivePolicy(cluster: string, tenant: string, stored?: StoredPolicy): Promise<BackupPolicy> {
    const s = stored ?? (await this.p.repo(cluster).policy(tenant));
    if (s.policy) return s.policy;
    const config = await this.p.tenantConfig(cluster, tenant).catch(() => ({}));
    return policyFromConfig(config).policy;
  }

  async status(cluster: string, tenant: string): Promise<BackupStatus> {
    await this.known(cluster, tenant);
    const repo = this.p.repo(cluster);
    const stored = await repo.policy(tenant);
    const policy = await this.effectivePolicy(cluster, tenant, stored);
    const backups = (await repo.backups(tenant)).map(wire);
    const now = this.p.now();
    const due = nextDue(policy, backups, now);
    return {
      cluster,
      tenant,
      policy,
      backups,
      rpo: rpoStatus(policy, backups, now),
      rto: rtoStatus(policy, stored.measuredRestoreMs),
      nextDueAt: due === null ? null : new Date(due).toISOString(),
    };
  }

  async setPolicy(cluster: string, tenant: string, policy: BackupPolicy): Promise<BackupStatus> {
    await this.known(cluster, tenant);
    await this.p.repo(cluster).putPolicy(tenant, policy, this.p.operator(cluster));
    return this.status(cluster, tenant);
  }

  private async backup(cluster: string, tenant: string, backupId: string): Promise<BackupRecord> {
    const row = (await this.p.repo(cluster).backups(tenant)).find((x) => x.id === backupId);
    if (!row) throw new AppError('NOT_FOUND', `no backup ${backupId} of tenant ${tenant} on ${cluster}`);
    // The file is where THIS console puts a backup of this tenant with this id: the row's path is
    // never trusted (anyone who can write csm_system could point it at any file).
    const b = { ...row, path: this.ownPath(cluster, tenant, backupId) };
    if (!this.p.fileExists(b.path)) {
      throw new AppError('NOT_FOUND', `backup ${backupId} is catalogued but its file is not in this console's data directory${row.console && row.console !== this.p.consoleName ? ` (it was taken by the console at ${row.console})` : ''}`);
    }
    return b;
  }

  private ownPath(cluster: string, tenant: string, id: string): string {
    if (!/^[0-9A-Za-z-]{1,64}$/.test(id)) throw new AppError('BAD_INPUT', `backup id ${JSON.stringify(id)} is not a backup id this console writes`);
    return this.p.backupPath(cluster, tenant, id);
  }

  /** Before a restore or verification reads a bundle: its bytes are the ones catalogued, and it is this tenant's. */
  private async checkFile(b: BackupRecord, tenant: string): Promise<void> {
    const sha = await this.p.fileSha256(b.path);
    if (sha !== b.sha256) throw new AppError('CONFLICT', `backup ${b.id}: the file's SHA-256 (${sha.slice(0, 12)}…) is not the catalogued one (${b.sha256.slice(0, 12)}…); it was changed or replaced, nothing restored`);
    const from = await this.p.bundleTenant(b.path);
    if (from !== tenant) throw new AppError('CONFLICT', `backup ${b.id} holds tenant ${from}, not ${tenant}; nothing restored`);
  }

  /** Refusals a job would otherwise hit later: checked before the job starts. */
  async preflightCreate(cluster: string, tenant: string): Promise<void> {
    const state = await this.known(cluster, tenant);
    if (state !== 'active' && state !== 'suspended') throw new AppError('CONFLICT', `tenant ${tenant} is ${state}; only an active or suspended tenant is backed up`);
  }

  async create(cluster: string, tenant: string, trigger: 'schedule' | 'manual', withData: boolean | undefined, opts: RunOpts = {}, retain = true): Promise<{ backup: BackupRecord; removed: string[]; retentionError: string | null }> {
    await this.preflightCreate(cluster, tenant);
    const repo = this.p.repo(cluster);
    const policy = await this.effectivePolicy(cluster, tenant);
    const id = this.p.newId();
    const path = this.p.backupPath(cluster, tenant, id);
    const at = new Date(this.p.now()).toISOString();
    let catalogued = false;
    try {
      const r = await this.p.core.exportTenant({ cluster, tenant, out: path, withData: withData ?? policy.withData, resume: false, ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.progress ? { progress: opts.progress } : {}) });
      const rec: BackupRecord = {
        id,
        cluster,
        tenant,
        at,
        path: r.path,
        bytes: r.bytes,
        rows: r.rows,
        sha256: r.sha256,
        trigger,
        verified: null,
        console: this.p.consoleName,
        tables: r.tables,
        withData: withData ?? policy.withData,
        createdBy: this.p.operator(cluster),
      };
      await repo.putBackup(rec);
      catalogued = true;
      // Retention only after this one is written and catalogued.
      let removed: string[] = [];
      let retentionError: string | null = null;
      try {
        if (retain) removed = await this.applyRetention(cluster, tenant, policy.keep);
      } catch (e) {
        retentionError = e instanceof Error ? e.message : String(e);
      }
      return { backup: rec, removed, retentionError };
    } catch (err) {
      // A half-written or uncatalogued file is no backup: remove it. A catalogued one stays (retention failing does not undo it).
      if (!catalogued) await this.p.removeFile(path).catch(() => undefined);
      throw err;
    }
  }

  /**
   * Backups of decommissioned tenants (registry state `deleted`) hold key material nobody should
   * keep: this console's files are removed (path rebuilt, never the row's) and their catalogue
   * rows deleted; a row whose file another console holds, or whose file could not be removed, stays.
   */
  async purgeDeleted(cluster: string): Promise<string[]> {
    const repo = this.p.repo(cluster);
    if (!repo.allBackups) return [];
    const purged: string[] = [];
    for (const [tenant, recs] of await repo.allBackups()) {
      if ((await this.p.tenantState(cluster, tenant)) !== 'deleted') continue;
      for (const rec of recs) {
        if (rec.console !== null && rec.console !== this.p.consoleName) continue;
        if (!/^[0-9A-Za-z-]{1,64}$/.test(rec.id)) continue;
        const path = this.p.backupPath(cluster, tenant, rec.id);
        try {
          await this.p.removeFile(path);
        } catch {
          continue;
        }
        if (this.p.fileExists(path)) continue;
        await repo.deleteBackup(tenant, rec.id);
        purged.push(`${tenant}/${rec.id}`);
      }
    }
    return purged;
  }

  async applyRetention(cluster: string, tenant: string, keep: number): Promise<string[]> {
    const repo = this.p.repo(cluster);
    const plan = retentionPlan((await repo.backups(tenant)).map(wire), keep);
    const all = new Map((await repo.backups(tenant)).map((b) => [b.id, b]));
    const removed: string[] = [];
    for (const b of plan.remove) {
      const rec = all.get(b.id);
      // A file another console holds is not ours to delete; its catalogue row goes all the same.
      // The path is rebuilt from (cluster, tenant, id), never taken from the row.
      if (rec && (rec.console === null || rec.console === this.p.consoleName) && /^[0-9A-Za-z-]{1,64}$/.test(b.id)) await this.p.removeFile(this.p.backupPath(cluster, tenant, b.id)).catch(() => undefined);
      await repo.deleteBackup(tenant, b.id);
      removed.push(b.id);
    }
    return removed;
  }

  async preflightRestore(cluster: string, tenant: string, backupId: string, into: { kind: 'same'; confirm: string } | { kind: 'new'; tenant: string }): Promise<BackupRecord> {
    if (into.kind === 'same' && into.confirm !== tenant) throw new AppError('BAD_INPUT', `restoring into ${tenant} replaces its data: confirm with the tenant id "${tenant}"`);
    if (into.kind === 'new' && into.tenant === tenant) throw new AppError('BAD_INPUT', `a restore into a new tenant needs an id other than ${tenant} (use into: same to restore in place)`);
    const state = await this.known(cluster, tenant);
    if (into.kind === 'same' && state !== 'active') throw new AppError('CONFLICT', `tenant ${tenant} is ${state}; only an active tenant is restored in place`);
    if (into.kind === 'new' && (await this.p.tenantState(cluster, into.tenant)) !== null) throw new AppError('CONFLICT', `tenant ${into.tenant} already exists on ${cluster}`);
    return this.backup(cluster, tenant, backupId);
  }

  async restore(
    cluster: string,
    tenant: string,
    backupId: string,
    into: { kind: 'same'; confirm: string } | { kind: 'new'; tenant: string },
    opts: RunOpts = {},
  ): Promise<{ tenant: string; tables: number; rows: number; report: VerificationReport; ms: number; safetyBackup: string | null }> {
    const b = await this.preflightRestore(cluster, tenant, backupId, into);
    await this.checkFile(b, tenant);
    let safetyBackup: string | null = null;
    let pkiBefore: unknown = null;
    if (into.kind === 'same') {
      // Before any TRUNCATE: every bundle table must fit the live schema as it is now.
      const problems = await this.p.shapeProblems(cluster, tenant, b.path);
      if (problems.length > 0) throw new AppError('BAD_INPUT', `backup ${backupId} does not fit ${tenant}'s current schema; nothing was restored: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` and ${problems.length - 5} more` : ''}`);
      pkiBefore = this.p.pki ? await this.p.pki.snapshot(cluster, tenant) : null;
      // The state being replaced is kept as a backup of its own; no retention now (it could remove the backup being restored).
      const safety = await this.create(cluster, tenant, 'manual', true, opts, false);
      safetyBackup = safety.backup.id;
      opts.progress?.({ phase: 'safety', done: 1, total: 1, message: `the current state of ${tenant} was backed up first as ${safetyBackup}` });
    }
    const started = this.p.now();
    const common = { cluster, path: b.path, ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.progress ? { progress: opts.progress } : {}) };
    let r;
    if (into.kind === 'same') {
      await this.p.freeze(cluster, tenant);
      try {
        r = await this.p.core.importBundle({ ...common, intoExisting: true });
      } finally {
        await this.p.thaw(cluster, tenant);
      }
    } else {
      r = await this.p.core.importBundle({ ...common, newId: into.tenant });
    }
    const ms = this.p.now() - started;
    const restored = into.kind === 'same' ? tenant : into.tenant;
    if (r.tenant !== restored) throw new AppError('INTERNAL', `the restore loaded tenant ${r.tenant}, expected ${restored}`);
    // Verified after the thaw: while frozen the grants lack MODIFY and never match the bundle.
    const report = await this.p.core.verifyAgainstBundle(cluster, restored, b.path);
    if (!report.ok) throw new AppError('CONFLICT', `restore of backup ${backupId} into ${restored} does not match the backup: ${report.notes.slice(0, 3).join('; ') || 'tables or grants differ'}`);
    await this.p.repo(cluster).recordMeasure(tenant, ms, 'restore');
    // Revocations (and CRLs) made after the backup are not undone by restoring it.
    if (into.kind === 'same' && this.p.pki && pkiBefore !== null) {
      const n = await this.p.pki.reapply(cluster, tenant, pkiBefore);
      if (n > 0) report.notes.push(`${n} certificate revocation/CRL rows made after the backup were written back`);
    }
    return { tenant: r.tenant, tables: r.tables, rows: r.rows, report, ms, safetyBackup };
  }

  async preflightVerify(cluster: string, tenant: string, backupId: string): Promise<BackupRecord> {
    await this.known(cluster, tenant);
    return this.backup(cluster, tenant, backupId);
  }

  /** Restore into a scratch tenant, compare with the bundle, record the verdict, remove the scratch tenant (also on failure). */
  async verify(cluster: string, tenant: string, backupId: string, opts: RunOpts = {}): Promise<{ ok: boolean; scratch: string; report: VerificationReport | null; error: string | null; ms: number }> {
    const b = await this.preflightVerify(cluster, tenant, backupId);
    await this.checkFile(b, tenant);
    const scratch = this.p.scratchId();
    const started = this.p.now();
    let report: VerificationReport | null = null;
    let error: string | null = null;
    try {
      await this.p.core.importBundle({ cluster, path: b.path, newId: scratch, ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.progress ? { progress: opts.progress } : {}) });
      report = await this.p.core.verifyAgainstBundle(cluster, scratch, b.path);
    } catch (e) {
      if (opts.signal?.aborted) {
        await this.p.dropTenant(cluster, scratch).catch(() => undefined);
        throw e;
      }
      error = e instanceof AppError ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e);
    }
    const ms = this.p.now() - started;
    // The scratch tenant goes whatever happened; if it cannot, the verification fails loudly.
    await this.p.dropTenant(cluster, scratch);
    const ok = error === null && report !== null && report.ok;
    await this.p.repo(cluster).markVerified(tenant, backupId, ok);
    if (report !== null) await this.p.repo(cluster).recordMeasure(tenant, ms, 'verify');
    return { ok, scratch, report, error, ms };
  }
}

export function wire(b: BackupRecord): BackupStatus['backups'][number] {
  return { id: b.id, cluster: b.cluster, tenant: b.tenant, at: b.at, path: b.path, bytes: b.bytes, rows: b.rows, sha256: b.sha256, trigger: b.trigger, verified: b.verified };
}
