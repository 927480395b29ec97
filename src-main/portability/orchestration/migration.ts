import { AppError } from '../../app/errors';
import type { Operation, VerificationReport } from '../../../src-shared/contract/portability';
import type { FreezeState } from '../../tenancy/write-freeze';
import type { PortabilityCore } from '../types';
import { MIGRATION_HEARTBEAT_MS, MIGRATION_HEARTBEAT_TIMEOUT_MS, MIGRATION_LEASE_MS, MIGRATION_STALE_MS } from './recovery';

/**
 * A tenant's move between clusters (issue 11 item 3) as a phase machine over ports, so the
 * ordering and the roll-back are unit-tested on fakes and run for real against two clusters:
 *
 *   copy     export (data, keys wrapped to this installation) → import on the target
 *   verify   live comparison source ↔ target (row counts, content digests, grants, config)
 *   cutover  source → `migrating`, writes paused (MODIFY revoked, reason 'migration'), final sync:
 *            per-table digests compared first; only when some table changed is the data re-copied
 *            (truncate-and-load of the target), then verified again
 *   switch   target registry row active, both clusters' csm_system record the move
 *   cleanup  the source tenant decommissioned (roles, keys, keyspaces) — only after every
 *            verification passed; from here on there is no way back, so abort is refused
 *   done
 *
 * Abort (or any failure) before cleanup: whatever was created on the target is dropped, the
 * source's writes are thawed, its state goes back to active, and the keychain entries the import
 * may have replaced come back: the source is left as it was.
 *
 * Ownership (recovery.ts): every change to either cluster is made only while the run holds its
 * lease (a conditional write on the source's row succeeded within leaseMs); a roll-back and the
 * final record happen only after the row was confirmed (LWT) to be still this run's. A run that
 * lost the move leaves the roll-back to the console that took it over, except for what it changed
 * after its last confirmed write (undoAfterTakeover).
 */
export const MIGRATION_PHASES = ['copy', 'verify', 'cutover', 'switch', 'cleanup', 'done'] as const;
export type MigrationPhase = (typeof MIGRATION_PHASES)[number];

export interface MigrationPlan {
  operationId: string;
  source: { cluster: string; tenant: string };
  target: { cluster: string; tenant: string };
  dcMap?: Record<string, string>;
  by: string | null;
}

export interface MigrationPorts {
  core: Pick<PortabilityCore, 'exportTenant' | 'importBundle' | 'verifyLive' | 'verifyAgainstBundle'>;
  freeze(cluster: string, tenant: string): Promise<FreezeState>;
  thaw(cluster: string, tenant: string): Promise<void>;
  freezeState(cluster: string, tenant: string): Promise<FreezeState | null>;
  /** Registry state of a tenant on a cluster (null: not registered). */
  stateOf(cluster: string, tenant: string): Promise<string | null>;
  transition(cluster: string, tenant: string, from: string[], to: string): Promise<void>;
  /** Remove everything of `tenant` on `cluster` (roles, keyspaces, keys, registry row): the target after an abort. */
  dropTenant(cluster: string, tenant: string): Promise<void>;
  /** Decommission the source tenant through the tenancy service (after verification only). */
  decommission(cluster: string, tenant: string): Promise<void>;
  /**
   * Record the move's phase/state in csm_system of one cluster (both are told). `expect`: only
   * while the row still says that (false when another console took the move over, or it ended).
   */
  recordMove(cluster: string, side: 'source' | 'target', plan: MigrationPlan, phase: MigrationPhase, state: 'running' | 'aborted' | 'failed' | 'succeeded', error: string | null, opts?: { expect?: 'running' | 'recovering' }): Promise<boolean | void>;
  /** The source's row of this move as it is now (null: none); a superseded run reads how the other console ended it. */
  readMove?(): Promise<{ state: string; phase: string } | null>;
  /**
   * Without a successful conditional write (heartbeat or phase change) for this long the run no
   * longer owns the move (default MIGRATION_LEASE_MS, 45 s: three beats, so one or two failed beats
   * do not stop a healthy run, and still 15 s before another console may claim it at 60 s) and
   * stops before its next change to either cluster; a long step in flight is aborted (its signal).
   */
  leaseMs?: number;
  /** A heartbeat write that has not answered within this long counts as failed (default MIGRATION_HEARTBEAT_TIMEOUT_MS): a tick never hangs. */
  heartbeatTimeoutMs?: number;
  /** How long a superseded run waits for the console that claimed the move to end its recovery (default MIGRATION_STALE_MS). */
  takeoverWaitMs?: number;
  /** Tests: the clock the lease is measured on (Date.now). */
  now?(): number;
  /**
   * Refresh the heartbeat (updated_at) of the move's rows while their state is `expect`, every
   * heartbeatMs (MIGRATION_HEARTBEAT_MS). 'lost': the source's row says otherwise — another console
   * took the move over; abortRequested: someone asked for an abort (abort_requested_at).
   */
  heartbeat?(expect: 'running' | 'recovering'): Promise<{ outcome: 'ok' | 'missing' | 'lost'; abortRequested: boolean }>;
  heartbeatMs?: number;
  /** Failures that must not stop the run (a heartbeat write that failed). */
  warn?(message: string, fields: Record<string, unknown>): void;
  /** Keychain entries keyed by tenant id that an import may overwrite: saved before, put back on abort and after cleanup. */
  saveLocal(tenant: string): Promise<() => Promise<void>>;
  bundlePath(operationId: string, label: string): string;
  removeFile(path: string): Promise<void>;
  /** Re-read the tenant registry mirrors of both clusters. */
  refresh(clusters: string[]): Promise<void>;
  update(patch: Partial<Operation>): void;
  progress(phase: MigrationPhase, done: number, total: number | null, message: string): void;
  /** Another console (e.g. `csm migration abort` in another process) asked for an abort in csm_system. */
  abortRequested?(): Promise<boolean>;
  /**
   * Before a roll-back drops the target: null when the target's registry row was created by THIS
   * operation (or there is none) and no newer move of the tenant is recorded; otherwise why not —
   * the drop is then skipped (CONFLICT) so a live tenant is never removed by a stale abort.
   */
  targetOwned?(): Promise<string | null>;
  /** Before recovering a migration not running here: throws CONFLICT when a newer move of the tenant exists. */
  guardRecovery?(): Promise<void>;
  /**
   * Per-table content digests (table → digest hex, rows) of EVERY table of the tenant's console
   * keyspace (tenant_<id>_csm: config, users, PKI certificates and CRLs, wrapped keys, audit chain).
   * The write freeze does not cover that keyspace, and verifyLive compares only its config.
   */
  consoleDigests?(cluster: string, tenant: string): Promise<Record<string, string>>;
  /** Copy tables of the console keyspace verbatim from the source to the target (same id): rows as they are, prepared INSERTs. */
  copyConsoleTables?(tables: string[]): Promise<void>;
  /** After the freeze: wait until Cassandra's permission cache cannot let a session write any more. */
  settleFreeze?(): Promise<void>;
  /** Tests: runs after a phase completed, before the next starts (e.g. to abort at a known point). */
  afterPhase?(phase: MigrationPhase, signal: AbortSignal): Promise<void>;
}

export interface MigrationOutcome {
  state: 'succeeded' | 'aborted' | 'failed';
  phase: MigrationPhase;
  error: string | null;
  report: VerificationReport | null;
  resynced: boolean;
}

const norm = (resource: string): string =>
  resource
    .toLowerCase()
    .replace(/^data\//, '')
    .replace(/^<(all )?(keyspace|table|keyspaces|tables) ?/, '')
    .replace(/>$/, '')
    .replace(/"/g, '')
    .replace(/\//g, '.')
    .trim();

/**
 * While the source's writes are paused its grants lack exactly the MODIFY the freeze revoked:
 * a grant difference made of those (present at the target only) is expected, anything else is not.
 */
export function verifiedAllowingFreeze(report: VerificationReport, frozen: FreezeState | null): { ok: boolean; unexplained: string[] } {
  // Exactly what the freeze took (MODIFY, and CREATE on keyspaces where the freeze takes it too).
  const revoked = new Set((frozen?.revoked ?? []).map((r) => `${r.role}\u0000${norm(r.resource)}\u0000${String(r.permission)}`));
  const unexplained: string[] = [];
  for (const t of report.tables) if (!t.ok) unexplained.push(`table ${t.keyspace}.${t.table} differs (rows ${t.sourceRows ?? '?'} → ${t.targetRows ?? '?'})`);
  for (const g of report.grants) {
    if (g.side === 'both') continue;
    const explained = g.side === 'target' && g.permissions.length > 0 && g.permissions.every((p) => revoked.has(`${g.role}\u0000${norm(g.resource)}\u0000${p}`));
    if (!explained) unexplained.push(`grant ${g.permissions.join(',')} on ${g.resource} to ${g.role} only at the ${g.side}`);
  }
  if (!report.configEqual) unexplained.push('configuration differs');
  // A migration keeps the tenant's id: its certificates come along, so their counts must agree.
  if (report.certificates.source !== report.certificates.target) unexplained.push(`certificates: ${report.certificates.source} at the source, ${report.certificates.target} at the target`);
  if (report.ok) return { ok: true, unexplained: [] };
  return { ok: unexplained.length === 0, unexplained };
}

/**
 * The report a migration shows once verifiedAllowingFreeze accepted it: the permissions the
 * cut-over freeze paused at the source count as held on both sides (the source held them until
 * the freeze, and the freeze gives them back on an abort), so the grants table shows no false
 * mismatch beside a "verified" verdict; a note says how many were paused.
 */
export function foldFrozenGrants(report: VerificationReport, frozen: FreezeState | null): VerificationReport {
  const revoked = new Set((frozen?.revoked ?? []).map((r) => `${r.role}\u0000${norm(r.resource)}\u0000${String(r.permission)}`));
  const lines = new Map<string, VerificationReport['grants'][number]>();
  let paused = 0;
  for (const g of report.grants) {
    const explained = g.side === 'target' && g.permissions.length > 0 && g.permissions.every((p) => revoked.has(`${g.role}\u0000${norm(g.resource)}\u0000${p}`));
    if (explained) paused += g.permissions.length;
    const side = explained ? 'both' : g.side;
    const key = `${g.role}\u0000${g.resource}\u0000${side}`;
    const cur = lines.get(key);
    lines.set(key, { role: g.role, resource: g.resource, side, permissions: [...new Set([...(cur?.permissions ?? []), ...g.permissions])].sort() });
  }
  const grants = [...lines.values()].sort((a, b) => a.role.localeCompare(b.role) || a.resource.localeCompare(b.resource) || a.side.localeCompare(b.side));
  const grantsEqual = grants.every((g) => g.side === 'both');
  const notes = report.notes.filter((n) => !(grantsEqual && /grant line\(s\) differ$/.test(n)));
  if (paused > 0) notes.push(`${paused} permission${paused === 1 ? '' : 's'} (MODIFY/CREATE) paused at the source by the cut-over freeze counted as held on both sides: the target holds them as the source did before the freeze`);
  return { ...report, grants, grantsEqual, notes };
}

const problems = (r: VerificationReport): string => {
  const bad = r.tables.filter((t) => !t.ok).map((t) => `${t.keyspace}.${t.table}`);
  const grants = r.grants.filter((g) => g.side !== 'both').length;
  return [bad.length ? `tables differ: ${bad.slice(0, 5).join(', ')}${bad.length > 5 ? ` and ${bad.length - 5} more` : ''}` : '', grants ? `${grants} grants differ` : '', r.configEqual ? '' : 'configuration differs', ...r.notes.slice(0, 3)]
    .filter(Boolean)
    .join('; ');
};

/** The move's record says another console took it over (recovering it): this run stops and touches nothing more. */
export class MoveTakenOver extends AppError {
  constructor(operationId: string) {
    super('CONFLICT', `migration ${operationId} was taken over by another console (its record is no longer running here): stopped without touching either cluster; that console rolls it back`);
  }
}

/** No conditional write of this run succeeded for the lease period: another console may own the move by now. */
export class LeaseLost extends AppError {
  constructor(operationId: string, ms: number) {
    super('CONFLICT', `migration ${operationId}: no heartbeat reached the source's record for ${Math.round(ms / 1000)} s: this console no longer owns the move and stopped before changing anything more`);
  }
}

/** What a run changed on a cluster that a console which took the move over might not have seen (and so not undone). */
type Effect = 'source-migrating' | 'source-frozen' | 'target-created';

export class MigrationRun {
  private phase: MigrationPhase = 'copy';
  private superseded = false;
  /** Owner of the move as of the last conditional write that succeeded (Date.now of its start). */
  private leaseAt: number;
  private seq = 0;
  /** Changes made since the last conditional write that confirmed this run still owned the move (effect → seq). */
  private readonly unconfirmed = new Map<Effect, number>();
  private expect: 'running' | 'recovering' = 'running';
  private abortRequested = false;
  /** The lease ran out while a step was in flight: it was aborted (ctl) for that, not by an operator. */
  private leaseExpired = false;
  private readonly ctl = new AbortController();
  private readonly files: string[] = [];
  private restoreLocal: (() => Promise<void>) | null = null;
  private report: VerificationReport | null = null;
  private resynced = false;

  constructor(
    private readonly plan: MigrationPlan,
    private readonly ports: MigrationPorts,
    outer?: AbortSignal,
  ) {
    this.leaseAt = this.now();
    outer?.addEventListener(
      'abort',
      () => {
        try {
          this.abort();
        } catch {
          /* past the point of no return: the cleanup finishes */
        }
      },
      { once: true },
    );
  }

  get currentPhase(): MigrationPhase {
    return this.phase;
  }

  /** Abort: refused (CONFLICT) once cleanup began — the copy elsewhere is verified and the source is going. */
  abort(): void {
    if (this.phase === 'cleanup' || this.phase === 'done') throw new AppError('CONFLICT', `migration ${this.plan.operationId} is at ${this.phase}: the target is verified and the source is being removed; it can no longer be aborted`);
    this.abortRequested = true;
    this.ctl.abort();
  }

  private check(): void {
    if (this.abortRequested) throw new AppError('CANCELLED', 'migration aborted by the operator');
  }

  private async checkRemote(): Promise<void> {
    if (!this.abortRequested && this.ports.abortRequested && (await this.ports.abortRequested().catch(() => false))) this.abort();
    this.check();
  }

  private async enter(phase: MigrationPhase, message: string): Promise<void> {
    if (phase !== 'cleanup') await this.checkRemote();
    else this.check();
    if (this.superseded) throw new MoveTakenOver(this.plan.operationId);
    // Before the phase changes: a lease lost on entering a phase is a failure of the previous one
    // (a roll-back recorded at 'cleanup' would be refused by every recovery after it).
    this.guard();
    const previous = this.phase;
    this.phase = phase;
    this.ports.update({ phase });
    this.ports.progress(phase, MIGRATION_PHASES.indexOf(phase), MIGRATION_PHASES.length - 1, message);
    if (phase === 'cleanup') {
      // The point of no return is passed only once the source's row says so: a failed write here is
      // a failure of the previous phase (recoverable), never a move stuck at 'cleanup' that every
      // recovery refuses while its roll-back was incomplete.
      try {
        await this.advance(phase);
      } catch (e) {
        this.phase = previous;
        this.ports.update({ phase: previous });
        throw e;
      }
      return;
    }
    await this.advance(phase);
  }

  /** Records the phase on both clusters' rows (the source's conditionally, after the first write). */
  private async advance(phase: MigrationPhase): Promise<void> {
    // After the first write, the source's row is advanced only while it still says running: a
    // console that took the move over (its heartbeat looked dead) must not be overwritten, and
    // above all this run must not pass the point of no return behind its back.
    const seq = this.seq;
    const at = this.now();
    const [ours] = await Promise.all([
      this.ports.recordMove(this.plan.source.cluster, 'source', this.plan, phase, 'running', null, phase === 'copy' ? {} : { expect: 'running' }),
      this.ports.recordMove(this.plan.target.cluster, 'target', this.plan, phase, 'running', null).catch(() => undefined),
    ]);
    if (ours === false) {
      this.superseded = true;
      throw new MoveTakenOver(this.plan.operationId);
    }
    this.confirmed(at, seq);
  }

  private now(): number {
    return this.ports.now ? this.ports.now() : Date.now();
  }

  private leaseMs(): number {
    return this.ports.leaseMs ?? MIGRATION_LEASE_MS;
  }

  /** A conditional write that started at `at` (after changes up to `seq`) found the row still ours. */
  private confirmed(at: number, seq: number): void {
    this.leaseAt = Math.max(this.leaseAt, at);
    for (const [e, n] of this.unconfirmed) if (n <= seq) this.unconfirmed.delete(e);
  }

  /**
   * Before every change to either cluster: stop when another console took the move over, or when
   * this run cannot know it still owns the move (no conditional write succeeded for the lease period
   * — a process paused, or its heartbeats failing: the move may look orphaned to others by now).
   */
  private guard(): void {
    if (this.superseded) throw new MoveTakenOver(this.plan.operationId);
    if (!this.ports.heartbeat) return;
    const age = this.now() - this.leaseAt;
    if (age > this.leaseMs()) throw new LeaseLost(this.plan.operationId, age);
  }

  /** A change to a cluster, made only while the move is this run's, and remembered until a conditional write confirms it. */
  private async mutate<T>(effect: Effect | null, fn: () => Promise<T>): Promise<T> {
    this.guard();
    if (effect) this.unconfirmed.set(effect, ++this.seq);
    try {
      return await fn();
    } catch (e) {
      // A step the lost lease aborted (its signal) stopped for that reason, whatever it threw.
      if (this.leaseExpired) throw new LeaseLost(this.plan.operationId, this.now() - this.leaseAt);
      throw e;
    } finally {
      // A heartbeat that succeeded while the step ran confirmed only what came before it: what the
      // step changed after that beat stays unconfirmed until the next conditional write.
      if (effect) this.unconfirmed.set(effect, ++this.seq);
    }
  }

  /** The heartbeat write, answered within heartbeatTimeoutMs or counted as failed. */
  private async beatWithin(expect: 'running' | 'recovering'): Promise<{ outcome: 'ok' | 'missing' | 'lost'; abortRequested: boolean }> {
    const ms = this.ports.heartbeatTimeoutMs ?? MIGRATION_HEARTBEAT_TIMEOUT_MS;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      return await Promise.race([
        this.ports.heartbeat!(expect),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer from the heartbeat write within ${ms} ms`)), ms);
        }),
      ]);
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  /** The lease ran out: a long step in flight (export, import) is stopped through its signal, so it writes no more. */
  private checkLease(): void {
    if (this.leaseExpired || !this.ports.heartbeat) return;
    if (this.now() - this.leaseAt > this.leaseMs()) {
      this.leaseExpired = true;
      this.ctl.abort();
    }
  }

  /**
   * While this run works on the move (roll-back included) its rows' updated_at is refreshed every
   * heartbeatMs, so other consoles can tell it is alive (recovery.ts). A failed write is logged, not
   * fatal (a missed beat or two is within the staleness limit). A row taken over (recovering) stops
   * the run; an abort asked for in csm_system is acted on at once, not only at the next phase.
   */
  private startHeartbeat(expect: 'running' | 'recovering'): () => void {
    const beat = this.ports.heartbeat;
    if (!beat) return () => undefined;
    let busy = false;
    const tick = async (): Promise<void> => {
      if (busy) return;
      busy = true;
      const seq = this.seq;
      const at = this.now();
      try {
        // The lease is judged after this beat, not before it: a beat that succeeds renews it even
        // when the ones before it failed (checking first stopped healthy runs after two misses).
        const r = await this.beatWithin(expect);
        if (r.outcome === 'lost') {
          // Running: another console took the move over. Recovering: someone else ended or took
          // the recovery (its writes from here on are refused too).
          this.superseded = true;
          this.tryAbort();
        } else {
          if (r.outcome === 'ok') this.confirmed(at, seq);
          if (r.abortRequested && expect === 'running') this.tryAbort();
        }
      } catch (e) {
        this.ports.warn?.('migration heartbeat failed', { operationId: this.plan.operationId, phase: this.phase, error: e instanceof Error ? e.message : String(e) });
      } finally {
        this.checkLease();
        busy = false;
      }
    };
    const timer = setInterval(() => void tick(), this.ports.heartbeatMs ?? MIGRATION_HEARTBEAT_MS);
    timer.unref?.();
    return () => clearInterval(timer);
  }

  private tryAbort(): void {
    try {
      this.abort();
    } catch {
      /* at cleanup: past the point of no return, the run finishes */
    }
  }

  private async done(phase: MigrationPhase): Promise<void> {
    if (this.ports.afterPhase) await this.ports.afterPhase(phase, this.ctl.signal);
    await this.checkRemote();
  }

  private async copy(label: string, intoExisting: boolean): Promise<void> {
    const { source, target } = this.plan;
    const path = this.ports.bundlePath(this.plan.operationId, label);
    this.files.push(path);
    this.guard();
    const exp = await this.ports.core
      .exportTenant({
      cluster: source.cluster,
      tenant: source.tenant,
      out: path,
      withData: true,
      resume: false,
      signal: this.ctl.signal,
      progress: (p) => this.ports.progress(this.phase, p.done, p.total, `export: ${p.message}`),
      })
      .catch((e: unknown) => {
        if (this.leaseExpired) throw new LeaseLost(this.plan.operationId, this.now() - this.leaseAt);
        throw e;
      });
    this.ports.update({ path: exp.path, bytes: exp.bytes, sha256: exp.sha256, tables: exp.tables, rows: exp.rows });
    this.check();
    const imp = await this.mutate(intoExisting ? null : 'target-created', () => this.ports.core.importBundle({
      cluster: target.cluster,
      path: exp.path,
      ...(target.tenant !== source.tenant ? { newId: target.tenant } : {}),
      ...(this.plan.dcMap ? { dcMap: this.plan.dcMap } : {}),
      ...(intoExisting ? { intoExisting: true } : {}),
      signal: this.ctl.signal,
      progress: (p) => this.ports.progress(this.phase, p.done, p.total, `import: ${p.message}`),
    }));
    if (imp.tenant !== target.tenant) throw new AppError('INTERNAL', `the import created tenant ${imp.tenant}, expected ${target.tenant}`);
  }

  /** Console keyspace tables whose digests differ between source and target (same id only: another id reseals rows). */
  private async consoleDiff(): Promise<string[]> {
    const { source, target } = this.plan;
    if (!this.ports.consoleDigests || source.tenant !== target.tenant) return [];
    const [a, b] = await Promise.all([this.ports.consoleDigests(source.cluster, source.tenant), this.ports.consoleDigests(target.cluster, target.tenant)]);
    return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((t) => a[t] !== b[t]).sort();
  }

  /**
   * The verify phase compares the target with the bundle it was loaded from — not with the live
   * source, which stays writable until the cut-over (a write there is no failure of the copy).
   */
  private async verifyCopy(): Promise<VerificationReport> {
    const path = this.files[this.files.length - 1];
    if (!path) throw new AppError('INTERNAL', 'no bundle to verify the copy against');
    const r = await this.ports.core.verifyAgainstBundle(this.plan.target.cluster, this.plan.target.tenant, path);
    this.report = r;
    this.ports.update({ report: r });
    if (!r.ok) throw new AppError('CONFLICT', `verification failed: ${problems(r)}`);
    return r;
  }

  private async verify(frozen: FreezeState | null): Promise<VerificationReport> {
    const live = await this.ports.core.verifyLive(this.plan.source, this.plan.target);
    const v = verifiedAllowingFreeze(live, frozen);
    // The verdict recorded is the migration's: differences the freeze explains are expected, and said so.
    const r = v.ok && !live.ok ? { ...foldFrozenGrants(live, frozen), ok: true } : live;
    this.report = r;
    this.ports.update({ report: r });
    if (!v.ok) throw new AppError('CONFLICT', `verification failed: ${v.unexplained.length ? v.unexplained.slice(0, 5).join('; ') : problems(live)}`);
    return r;
  }

  async run(): Promise<MigrationOutcome> {
    this.expect = 'running';
    this.leaseAt = this.now();
    const stop = this.startHeartbeat('running');
    try {
      return await this.phases();
    } finally {
      stop();
    }
  }

  private async phases(): Promise<MigrationOutcome> {
    const { source, target } = this.plan;
    try {
      this.restoreLocal = await this.ports.saveLocal(target.tenant);
      await this.enter('copy', `copying ${source.tenant} from ${source.cluster} to ${target.cluster}`);
      await this.copy('copy', false);
      await this.done('copy');

      await this.enter('verify', 'comparing the copy with the bundle it was loaded from');
      await this.verifyCopy();
      await this.done('verify');

      await this.enter('cutover', 'pausing writes at the source for the final sync');
      await this.mutate('source-migrating', () => this.ports.transition(source.cluster, source.tenant, ['active'], 'migrating'));
      const frozen = await this.mutate('source-frozen', () => this.ports.freeze(source.cluster, source.tenant));
      // A REVOKE that did not apply leaves a role able to write: the final sync would not be final.
      if (frozen.failed && frozen.failed.length > 0) throw new AppError('CONFLICT', `the write freeze of ${source.tenant} is incomplete (${frozen.failed.length} grants could not be revoked): the final sync would not be final`);
      // Sessions keep the revoked MODIFY for the permission cache's validity: wait it out before the final digests.
      if (this.ports.settleFreeze) await this.ports.settleFreeze();
      this.check();
      this.guard();
      // Delta: with writes paused the digests are final. Only if a table changed since the copy is
      // the data copied again (the target's tables truncated and reloaded), then compared again.
      const before = await this.ports.core.verifyLive(source, target);
      const changed = before.tables.filter((t) => !t.ok);
      const consoleChanged = await this.consoleDiff();
      // Only a data table that changed makes the data go again; console-keyspace tables alone (the
      // migration's own audit events change the chain) are copied verbatim below.
      if (changed.length > 0) {
        this.ports.progress('cutover', 0, changed.length, `${changed.length} tables changed since the copy: copying the data again`);
        await this.copy('final', true);
        this.resynced = true;
      } else this.ports.progress('cutover', 1, 1, consoleChanged.length > 0 ? `no data table changed since the copy; console keyspace tables to bring over: ${consoleChanged.join(', ')}` : 'no table changed since the copy: nothing to re-copy');
      this.check();
      this.guard();
      await this.verify(frozen);
      // The console keyspace (certificates revoked, keys rotated, audit chain appended since the
      // copy) must be the source's: what the re-copy did not bring over is copied verbatim, then
      // compared again — a difference left fails the move (the source stays).
      const left = await this.consoleDiff();
      if (left.length > 0 && this.ports.copyConsoleTables) {
        this.ports.progress('cutover', 0, left.length, `console keyspace tables still differ (${left.join(', ')}): copying them verbatim`);
        await this.mutate(null, () => this.ports.copyConsoleTables!(left));
      }
      const still = await this.consoleDiff();
      if (still.length > 0) throw new AppError('CONFLICT', `the console keyspace differs from the source after the final sync: ${still.slice(0, 5).join(', ')}`);
      await this.done('cutover');

      await this.enter('switch', `switching ${target.tenant} to ${target.cluster}`);
      const tState = await this.ports.stateOf(target.cluster, target.tenant);
      if (tState !== 'active') await this.mutate(null, () => this.ports.transition(target.cluster, target.tenant, [tState ?? 'provisioning'], 'active'));
      await this.ports.refresh([source.cluster, target.cluster]);
      await this.done('switch');
    } catch (err) {
      return this.rollBack(err);
    }
    // Point of no return: the target holds a verified copy; the source goes. The digests are
    // checked once more right before: a write that slipped through the freeze keeps the source.
    try {
      const last = await this.ports.core.verifyLive(source, target);
      const changed = [...last.tables.filter((t) => !t.ok), ...(await this.consoleDiff()).map((t) => ({ keyspace: 'console', table: t }))];
      if (changed.length > 0) throw new AppError('CONFLICT', `tables changed at the source after the final sync (${changed.map((t) => `${t.keyspace}.${t.table}`).slice(0, 5).join(', ')}): the source is kept`);
      await this.enter('cleanup', `decommissioning ${source.tenant} on ${source.cluster}`);
    } catch (err) {
      return this.rollBack(err);
    }
    // The source's decommissioning wipes this console's keychain entries filed under the tenant
    // id, which the live target now uses: keep them as they are now and put them back after.
    let keepTarget: (() => Promise<void>) | null = null;
    try {
      keepTarget = await this.ports.saveLocal(target.tenant);
      await this.mutate(null, () => this.ports.decommission(source.cluster, source.tenant));
      await keepTarget();
      for (const f of this.files) await this.ports.removeFile(f).catch(() => undefined);
      this.phase = 'done';
      // The bundles were working files of the move and are gone: the record names no file.
      this.ports.update({ phase: 'done', path: null });
      await this.ports.recordMove(target.cluster, 'target', this.plan, 'done', 'succeeded', null).catch(() => undefined);
      await this.ports.recordMove(source.cluster, 'source', this.plan, 'done', 'succeeded', null, { expect: 'running' }).catch(() => undefined);
      await this.ports.refresh([source.cluster, target.cluster]);
      this.ports.progress('done', MIGRATION_PHASES.length - 1, MIGRATION_PHASES.length - 1, `${target.tenant} now lives on ${target.cluster}`);
      return { state: 'succeeded', phase: 'done', error: null, report: this.report, resynced: this.resynced };
    } catch (err) {
      // The target is live and verified; only the source's removal failed: resume it with the tenant's delete job.
      const msg = `cleanup of the source failed (the tenant is live on ${target.cluster}; finish with csm tenant resume-job on ${source.cluster}): ${err instanceof Error ? err.message : String(err)}`;
      if (keepTarget) await keepTarget().catch(() => undefined);
      await this.ports.recordMove(source.cluster, 'source', this.plan, 'cleanup', 'failed', msg, { expect: 'running' }).catch(() => undefined);
      return { state: 'failed', phase: 'cleanup', error: msg, report: this.report, resynced: this.resynced };
    }
  }

  /**
   * Abort a migration that is not running in this process (its console died, or it failed with
   * part of its roll-back left): run the roll-back from the recorded phase.
   */
  async recover(phase: MigrationPhase): Promise<MigrationOutcome> {
    if (phase === 'cleanup' || phase === 'done') throw new AppError('CONFLICT', `migration ${this.plan.operationId} reached ${phase}: the source is being (or was) removed; it can no longer be aborted`);
    if (this.ports.guardRecovery) await this.ports.guardRecovery();
    this.phase = phase;
    this.abortRequested = true;
    this.expect = 'recovering';
    this.leaseAt = this.now();
    const stop = this.startHeartbeat('recovering');
    try {
      return await this.rollBack(new AppError('CANCELLED', 'migration aborted by the operator'));
    } finally {
      stop();
    }
  }

  /**
   * Before a roll-back (or a final record) of its own, a run makes sure the move is still its own: a
   * conditional write on the source's row (state still what this run holds). 'lost': another console
   * took it over; an error: it cannot tell, so it touches nothing and leaves the move to a recovery.
   */
  private async confirmOwnership(): Promise<'ok' | 'missing' | 'lost' | { error: string }> {
    if (this.superseded) return 'lost';
    if (!this.ports.heartbeat) return 'ok';
    const seq = this.seq;
    const at = this.now();
    try {
      const r = await this.beatWithin(this.expect);
      if (r.outcome === 'lost') this.superseded = true;
      if (r.outcome === 'ok') this.confirmed(at, seq);
      return r.outcome;
    } catch (e) {
      return { error: e instanceof Error ? e.message : String(e) };
    }
  }

  /** Only what is this process's own goes: its bundle files and keychain entries. */
  private async dropOwnFiles(): Promise<void> {
    if (this.restoreLocal) await this.restoreLocal().catch(() => undefined);
    for (const f of this.files) await this.ports.removeFile(f).catch(() => undefined);
  }

  /**
   * Another console owns the move now and rolls it back from its record; a second roll-back here
   * would race it. But what THIS run changed after its last confirmed write (a process that was
   * paused past its lease, then froze the source or recreated the target) may have come after that
   * console's roll-back, which then could not undo it: once that console has ended the move
   * (aborted/failed, not `recovering` any more) and no newer move of the tenant exists, those
   * changes are undone here — the source thawed and active again only while it is still
   * `migrating` under a migration freeze, the target dropped only while no newer move owns it.
   */
  private async undoAfterTakeover(): Promise<{ undone: string[]; kept: string[] }> {
    const undone: string[] = [];
    const kept: string[] = [];
    if (this.unconfirmed.size === 0) return { undone, kept };
    const { source, target } = this.plan;
    const what = [...this.unconfirmed.keys()].join(', ');
    if (!this.ports.readMove) return { undone, kept: [`${what}: no way to read the record; left to the console that took the move over`] };
    try {
      const deadline = this.now() + (this.ports.takeoverWaitMs ?? MIGRATION_STALE_MS);
      const poll = Math.min(this.ports.heartbeatMs ?? MIGRATION_HEARTBEAT_MS, 5000);
      let rec = await this.ports.readMove();
      while (rec?.state === 'recovering' && this.now() < deadline) {
        await new Promise((r) => setTimeout(r, poll));
        rec = await this.ports.readMove();
      }
      if (!rec || !['aborted', 'failed'].includes(rec.state)) return { undone, kept: [`${what}: the record says ${rec?.state ?? 'nothing'}; left to whoever owns the move`] };
      if (this.ports.guardRecovery) await this.ports.guardRecovery();
    } catch (e) {
      return { undone, kept: [`${what}: ${e instanceof Error ? e.message : String(e)}`] };
    }
    const step = async (label: string, fn: () => Promise<boolean>): Promise<void> => {
      try {
        if (await fn()) undone.push(label);
      } catch (e) {
        kept.push(`${label}: ${e instanceof Error ? e.message : String(e)}`);
      }
    };
    if (this.unconfirmed.has('target-created')) {
      await step(`dropped ${target.tenant} on ${target.cluster}`, async () => {
        const notOurs = this.ports.targetOwned ? await this.ports.targetOwned() : null;
        if (notOurs) throw new AppError('CONFLICT', `kept: ${notOurs}`);
        if ((await this.ports.stateOf(target.cluster, target.tenant)) === null) return false;
        await this.ports.dropTenant(target.cluster, target.tenant);
        return true;
      });
    }
    if (this.unconfirmed.has('source-frozen') || this.unconfirmed.has('source-migrating')) {
      // The record says the move ended and no newer move exists: a migration freeze on the source
      // is this one's, whether the source is still `migrating` or the other console's roll-back had
      // already put it back to active before this run froze it.
      await step(`thawed ${source.tenant} and returned it to active`, async () => {
        // The target's drop may have taken long: a newer move recorded meanwhile keeps the source as it is.
        if (this.ports.guardRecovery) await this.ports.guardRecovery();
        const state = await this.ports.stateOf(source.cluster, source.tenant);
        if (state !== 'migrating' && state !== 'active') return false;
        const st = await this.ports.freezeState(source.cluster, source.tenant);
        const thaw = st?.reasons.includes('migration') === true;
        if (thaw) await this.ports.thaw(source.cluster, source.tenant);
        if (state === 'migrating') await this.ports.transition(source.cluster, source.tenant, ['migrating'], 'active');
        return thaw || state === 'migrating';
      });
    }
    return { undone, kept };
  }

  /** Put the source back as it was and drop what the target got. Each step runs even if an earlier one failed. */
  private async rollBack(err: unknown): Promise<MigrationOutcome> {
    const failedAt = this.phase;
    const owner = err instanceof MoveTakenOver ? 'lost' : await this.confirmOwnership();
    if (owner === 'lost') {
      const base = err instanceof MoveTakenOver ? err.message : new MoveTakenOver(this.plan.operationId).message;
      const { undone, kept } = await this.undoAfterTakeover();
      const msg = `${base}${undone.length ? `; undone here (changed after the takeover): ${undone.join('; ')}` : ''}${kept.length ? `; not undone: ${kept.join('; ')}` : ''}`;
      await this.dropOwnFiles();
      this.ports.progress(failedAt, 0, null, msg);
      return { state: 'failed', phase: failedAt, error: msg, report: this.report, resynced: this.resynced };
    }
    if (typeof owner === 'object') {
      // Whether another console claimed the move cannot be known: nothing is touched, the record
      // stays as it is and ages; migration abort recovers it from any platform console.
      const cause = err instanceof Error ? err.message : String(err);
      // 'roll-back incomplete' (nothing of it ran): this console's record of the move stays
      // recoverable (recovery.ts), not 'failed and rolled back' while the source is still frozen.
      const msg = `${cause}; roll-back incomplete: this console could not confirm it still owns migration ${this.plan.operationId} (${owner.error}): nothing rolled back — once its record is stale, migration abort recovers it from any platform console`;
      await this.dropOwnFiles();
      this.ports.progress(failedAt, 0, null, msg);
      return { state: 'failed', phase: failedAt, error: msg, report: this.report, resynced: this.resynced };
    }
    const aborted = this.abortRequested;
    const reason = aborted ? 'aborted by the operator' : err instanceof AppError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
    const { source, target } = this.plan;
    const leftovers: string[] = [];
    const step = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
      try {
        await fn();
      } catch (e) {
        leftovers.push(`${what}: ${e instanceof Error ? e.message : String(e)}`);
      }
    };
    this.ports.progress(failedAt, 0, null, `${aborted ? 'aborting' : 'failed'} at ${failedAt}: putting the source back`);
    await step(`dropping ${target.tenant} on ${target.cluster}`, async () => {
      const notOurs = this.ports.targetOwned ? await this.ports.targetOwned() : null;
      if (notOurs) throw new AppError('CONFLICT', `kept: ${notOurs}`);
      await this.ports.dropTenant(target.cluster, target.tenant);
    });
    await step(`thawing writes of ${source.tenant}`, async () => {
      const st = await this.ports.freezeState(source.cluster, source.tenant);
      if (st?.reasons.includes('migration')) await this.ports.thaw(source.cluster, source.tenant);
    });
    await step(`returning ${source.tenant} to active`, async () => {
      if ((await this.ports.stateOf(source.cluster, source.tenant)) === 'migrating') await this.ports.transition(source.cluster, source.tenant, ['migrating'], 'active');
    });
    if (this.restoreLocal) await step('restoring keychain entries', () => this.restoreLocal!());
    for (const f of this.files) await step(`removing ${f}`, () => this.ports.removeFile(f));
    if (this.files.length > 0 && !leftovers.some((l) => l.startsWith('removing '))) this.ports.update({ path: null });
    const state = aborted ? 'aborted' : 'failed';
    const error = leftovers.length ? `${reason}; roll-back incomplete: ${leftovers.join('; ')}` : aborted ? null : reason;
    // Conditional on still owning the row (no row at all: created), so a console that took the move
    // over meanwhile is never overwritten.
    let recorded = true as boolean | void;
    await step('recording the move', async () => {
      recorded = await this.ports.recordMove(source.cluster, 'source', this.plan, failedAt, state, error ?? reason, owner === 'missing' ? {} : { expect: this.expect });
    });
    // The row left our hands during the roll-back (another console ended or claimed it): it is not
    // overwritten, and this run's outcome says so.
    const lostRecord = recorded === false ? `; the record was taken over by another console meanwhile and is left as it is` : '';
    await this.ports.recordMove(target.cluster, 'target', this.plan, failedAt, state, error ?? reason).catch(() => undefined);
    await this.ports.refresh([source.cluster, target.cluster]).catch(() => undefined);
    return { state: (leftovers.length || lostRecord) && aborted ? 'failed' : state, phase: failedAt, error: `${error ?? (aborted ? 'aborted by the operator' : reason)}${lostRecord}`, report: this.report, resynced: this.resynced };
  }
}
