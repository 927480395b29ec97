import { randomUUID } from 'node:crypto';
import type { ChannelName, Result } from '../../src-shared/contract';
import {
  BULK_OUTCOMES,
  type BulkApplyOutput,
  type BulkCounts,
  type BulkOperation,
  type BulkOutcome,
  type BulkResult,
  type BulkSummary,
  type BulkTarget,
  type Dashboard,
  type PlanItem,
} from '../../src-shared/contract/msp';
import type { BulkAction, BulkFilter } from '../../src-shared/contract/msp';
import type { TemplatePreview } from '../../src-shared/contract/config';
import { templateChangeText, type TemplateFieldChange } from '../../src-shared/rules/tenant-config';
import type { ApprovalPolicy } from '../access/ports';
import { AppError } from '../app/errors';
import type { JobHandle } from '../app/jobs';
import type { Logger } from '../app/log';
import { buildDashboard, type ClusterReads, type OfflineTenant, type RegistryTenant } from './derive';
import { ACTION_CHANNEL, actionLabel, checkSelection, dedupe, describeSelection, planOne, selectByFilter, type ClusterView, type Planned } from './plan';
import type { BulkHeader, BulkRecords, StoredSummary } from './records';

/** What the MSP service needs from the console; module.ts wires the real ones, unit tests fakes. */
export interface MspPorts {
  platformClusters(): string[];
  operatorOf(cluster: string): string;
  /** The cluster-level reads of one cluster for the dashboard (reader.ts). */
  readCluster(cluster: string, opts: { refresh: boolean }): Promise<ClusterReads>;
  /** Cached mirror rows, limited to the operator's scope as tenant.list limits them: the offline part of the dashboard. */
  mirror(): Promise<OfflineTenant[]>;
  registry(cluster: string): Promise<RegistryTenant[]>;
  dispatch(channel: ChannelName, input: unknown): Promise<Result<unknown>>;
  hasChannel(name: string): boolean;
  approvalPolicy: ApprovalPolicy;
  jobs: {
    start<T>(kind: string, label: string, work: (job: JobHandle) => Promise<T>, id?: string): { jobId: string; done: Promise<T> };
    wait(jobId: string): Promise<unknown> | null;
    isRunning(jobId: string): boolean;
  };
  records(cluster: string): BulkRecords;
  emitResult(p: { id: string; jobId: string; done: number; total: number; result: BulkResult }): void;
  logger: Logger;
  /** Identifies this console process as the runner of an operation. */
  ownerId: string;
  now?(): Date;
  /** Forget a cached dashboard source of a cluster after this service changed it. */
  invalidate?(cluster: string, what: 'keys' | 'compliance'): void;
  /** How often a running operation says it is alive (tests shorten it). */
  heartbeatMs?: number;
}

/** An operation recorded as running that nobody touched for this long is shown as interrupted. */
const STALE_MS = 5 * 60_000;
const HEARTBEAT_MS = 30_000;

const emptyCounts = (): BulkCounts => Object.fromEntries(BULK_OUTCOMES.map((o) => [o, 0])) as BulkCounts;

/** Pull the approval request id out of an APPROVAL_REQUIRED message ("… request 3f2a… filed …"). */
export function approvalIdFrom(message: string): string | null {
  const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i.exec(message);
  if (uuid) return uuid[0];
  // The access module's request ids: 16 lower-case hex digits ("… request 0123abcd4567ef89 filed …").
  const hex = /\brequest\s+([0-9a-f]{16})\b/.exec(message);
  if (hex) return hex[1]!;
  const named = /\b(?:request|approval)\s+(?:id\s+)?(?=[A-Za-z_-]*\d)([A-Za-z0-9_-]{6,64})\b/i.exec(message);
  return named ? named[1]! : null;
}

export class MspService {
  private readonly now: () => Date;

  constructor(private readonly p: MspPorts) {
    this.now = p.now ?? (() => new Date());
  }

  // Dashboard -----------------------------------------------------------------------------------

  async dashboard(opts: { cluster?: string | undefined; refresh: boolean }): Promise<Dashboard> {
    const t0 = performance.now();
    const platform = this.p.platformClusters().filter((c) => opts.cluster === undefined || c === opts.cluster);
    if (opts.cluster !== undefined && platform.length === 0) throw new AppError('FORBIDDEN', `not signed in to ${opts.cluster} with platform scope`);
    const reads = await Promise.all(platform.map((c) => this.p.readCluster(c, { refresh: opts.refresh })));
    const offline = opts.cluster === undefined ? await this.p.mirror() : [];
    return buildDashboard(reads, offline, this.now(), performance.now() - t0);
  }

  // Bulk planning -------------------------------------------------------------------------------

  private async views(clusters: Iterable<string>): Promise<Map<string, ClusterView>> {
    const out = new Map<string, ClusterView>();
    await Promise.all(
      [...new Set(clusters)].map(async (c) => {
        try {
          const rows = await this.p.registry(c);
          out.set(c, { status: 'ok', tenants: new Map(rows.map((r) => [r.id, r])) });
        } catch (e) {
          const err = e instanceof AppError ? e : new AppError('UNAVAILABLE', `reading the registry of ${c} failed`);
          out.set(c, { status: 'error', code: err.code, message: err.message });
        }
      }),
    );
    return out;
  }

  async plan(input: { targets?: BulkTarget[] | undefined; filter?: BulkFilter | undefined; action: BulkAction; dryRun?: boolean }): Promise<{ targets: BulkTarget[]; plan: PlanItem[]; selection: string }> {
    const platform = new Set(this.p.platformClusters());
    let targets: BulkTarget[];
    let views: Map<string, ClusterView>;
    if (input.targets) {
      targets = dedupe(input.targets);
      checkSelection(targets, 'the list');
      views = await this.views(targets.map((t) => t.cluster).filter((c) => platform.has(c)));
    } else {
      const filter = input.filter ?? {};
      const clusters = filter.clusters?.length ? filter.clusters.filter((c) => platform.has(c)) : [...platform];
      views = await this.views(clusters);
      const unreadable = [...views].filter(([, v]) => v.status === 'error');
      if (unreadable.length) {
        const [c, v] = unreadable[0]!;
        // A filter over a registry that could not be read would silently select fewer tenants.
        throw new AppError(v.status === 'error' ? v.code : 'UNAVAILABLE', `cannot apply the filter: the registry of ${c} could not be read (${v.status === 'error' ? v.message : ''})`);
      }
      targets = selectByFilter(views, filter);
      checkSelection(targets, 'the filter');
    }
    const env = { platform, clusters: views, hasChannel: (n: string) => this.p.hasChannel(n) };
    const planned = targets.map((t) => planOne(input.action, t, env));
    const channel = ACTION_CHANNEL[input.action.action] as ChannelName;
    const plan: PlanItem[] = [];
    for (const planned0 of planned) {
      // A change of template is judged per tenant by its configuration (unknown template, weaker
      // than the compliance profile, already in force), in the run as in the dry run, so the run
      // never records a change the preview would have refused.
      const { item, fields } = input.action.action === 'template' && planned0.will === 'run' ? await this.templateItem(input.action, planned0) : { item: planned0, fields: undefined };
      // Only a preview reads each tenant's current profile; the run reads it once, when it writes.
      const detail = input.dryRun && item.will === 'run' && input.action.action === 'policy' && this.p.hasChannel('compliance.get') ? await this.policyDetail(input.action, item) : item.detail;
      plan.push({ ...item, detail, approval: item.will === 'run' ? await this.approval(item, channel, input.action) : 'unknown', ...(fields ? { fields } : {}) });
    }
    return { targets, plan, selection: describeSelection(input) };
  }

  private async approval(item: Planned, channel: ChannelName, action: BulkAction): Promise<PlanItem['approval']> {
    try {
      // A policy change is judged by what it changes: the frameworks, and the approval list
      // replacing the override's (the other overrides are kept, as the run keeps them).
      const input =
        action.action === 'policy'
          ? { cluster: item.cluster, tenant: item.tenant, ...(action.frameworks !== undefined ? { frameworks: action.frameworks } : {}), ...(action.approvals !== undefined ? { overrides: { approvalRequired: action.approvals } } : {}) }
          : undefined;
      return (await this.p.approvalPolicy.requiresApproval(item.cluster, item.tenant, channel, input)) ? 'required' : 'not-required';
    } catch {
      return 'unknown';
    }
  }

  // Bulk run ------------------------------------------------------------------------------------

  async apply(input: { targets?: BulkTarget[] | undefined; filter?: BulkFilter | undefined; action: BulkAction; dryRun: boolean }): Promise<BulkApplyOutput> {
    const { plan, selection } = await this.plan(input);
    if (input.dryRun) return { dryRun: true, id: null, jobId: null, action: input.action, selection, plan };

    const platform = this.p.platformClusters();
    const touched = [...new Set(plan.map((i) => i.cluster))].filter((c) => platform.includes(c)).sort();
    const homes = touched.length ? touched : platform.slice(0, 1);
    const id = randomUUID();
    const header: BulkHeader = {
      id,
      action: input.action,
      selection,
      total: plan.length,
      startedBy: this.p.operatorOf(homes[0]!),
      owner: this.p.ownerId,
      startedAt: this.now().toISOString(),
      recordedOn: homes,
    };
    const initial: BulkResult[] = plan.map((i) => this.plannedResult(i));
    // Recorded before anything runs: a crash leaves a visible operation, never an unrecorded change.
    const stores = await this.openStores(homes, (s) => s.create(header, initial));
    if (stores.length === 0) throw new AppError('UNAVAILABLE', 'the bulk operation could not be recorded in csm_system on any cluster; nothing was changed');
    const label = `Bulk ${actionLabel(input.action)} on ${plan.length} tenant${plan.length === 1 ? '' : 's'}`;
    const { jobId } = this.p.jobs.start('bulk.apply', label, (job) => this.run(job, header, plan, initial, stores), id);
    return { dryRun: false, id, jobId, action: input.action, selection, plan };
  }

  private plannedResult(i: PlanItem): BulkResult {
    if (i.will === 'run') return { cluster: i.cluster, tenant: i.tenant, name: i.name, outcome: 'pending', code: null, message: null, approvalId: null, at: null };
    return { cluster: i.cluster, tenant: i.tenant, name: i.name, outcome: i.will === 'skip' ? 'skipped' : 'failed', code: i.code, message: i.detail, approvalId: null, at: this.now().toISOString() };
  }

  private async openStores(homes: string[], first: (s: BulkRecords) => Promise<void>): Promise<BulkRecords[]> {
    const out: BulkRecords[] = [];
    for (const c of homes) {
      try {
        const s = this.p.records(c);
        await first(s);
        out.push(s);
      } catch (e) {
        this.p.logger.warn('bulk operation not recorded on a cluster', { cluster: c, error: e instanceof Error ? e.message : String(e) });
      }
    }
    return out;
  }

  private async each(stores: BulkRecords[], what: string, fn: (s: BulkRecords) => Promise<void>): Promise<void> {
    for (const s of stores) await fn(s).catch((e: unknown) => this.p.logger.warn(`bulk operation: ${what} not recorded`, { error: e instanceof Error ? e.message : String(e) }));
  }

  private async run(job: JobHandle, h: BulkHeader, plan: PlanItem[], results: BulkResult[], stores: BulkRecords[]): Promise<{ id: string; counts: BulkCounts }> {
    const counts = emptyCounts();
    for (const r of results) counts[r.outcome]++;
    const beat = setInterval(() => void this.each(stores, 'heartbeat', (s) => s.touch(h)), this.p.heartbeatMs ?? HEARTBEAT_MS);
    beat.unref();
    let done = 0;
    const record = async (i: number, r: BulkResult): Promise<void> => {
      counts[results[i]!.outcome]--;
      counts[r.outcome]++;
      results[i] = r;
      done++;
      await this.each(stores, 'result', (s) => s.result(h, r, counts));
      this.p.emitResult({ id: h.id, jobId: job.id, done, total: plan.length, result: r });
      job.progress(`${done}/${plan.length} ${r.cluster}/${r.tenant}: ${r.outcome}`, done / plan.length, r.message ?? undefined);
    };
    try {
      for (let i = 0; i < plan.length; i++) {
        const item = plan[i]!;
        if (job.signal.aborted) {
          // Cancellation lands between tenants: the one in flight finished, the rest never start.
          if (item.will === 'run') await record(i, { ...results[i]!, outcome: 'cancelled', message: 'the operation was cancelled before this tenant', at: this.now().toISOString() });
          continue;
        }
        if (item.will !== 'run') {
          await record(i, results[i]!);
          continue;
        }
        await record(i, await this.runOne(h.action, item));
      }
      const cancelled = job.signal.aborted;
      await this.each(stores, 'end', (s) => s.finish(h, cancelled ? 'cancelled' : 'finished', counts));
      if (cancelled) throw new AppError('CANCELLED', `bulk operation ${h.id} cancelled after ${counts.ok + counts.failed + counts['awaiting-approval']} tenant(s)`);
      return { id: h.id, counts };
    } finally {
      clearInterval(beat);
    }
  }

  private async runOne(action: BulkAction, item: PlanItem): Promise<BulkResult> {
    const base = { cluster: item.cluster, tenant: item.tenant, name: item.name, approvalId: null };
    const at = (): string => this.now().toISOString();
    const ref = { cluster: item.cluster, tenant: item.tenant };
    let r: Result<unknown>;
    switch (action.action) {
      case 'suspend':
        r = await this.p.dispatch('tenant.suspend', { ...ref, reason: action.reason });
        break;
      case 'resume':
        r = await this.p.dispatch('tenant.resume', ref);
        break;
      case 'rotate-keys':
        r = await this.p.dispatch('keys.rotate', ref);
        break;
      case 'policy':
        r = await this.runPolicy(action, ref);
        break;
      case 'template':
        r = await this.p.dispatch('config.setTemplate', { ...ref, template: action.template, reason: action.reason });
        break;
    }
    if (!r.ok) {
      if (r.error.code === 'APPROVAL_REQUIRED') {
        const approvalId = approvalIdFrom(r.error.message);
        return { ...base, outcome: 'awaiting-approval', code: 'APPROVAL_REQUIRED', message: `awaiting approval${approvalId ? ` ${approvalId}` : ''}: ${r.error.message}`, approvalId, at: at() };
      }
      return { ...base, outcome: 'failed', code: r.error.code, message: r.error.message, at: at() };
    }
    if (action.action === 'rotate-keys') {
      // keys.rotate answers with its own job: the tenant is done when that job is.
      const rotation = (r.value as { jobId?: unknown }).jobId;
      const waiting = typeof rotation === 'string' ? this.p.jobs.wait(rotation) : null;
      if (waiting) {
        try {
          await waiting;
        } catch (e) {
          const err = e instanceof AppError ? e : new AppError('INTERNAL', 'the key rotation failed; see the console log');
          return { ...base, outcome: 'failed', code: err.code, message: `key rotation job ${String(rotation)}: ${err.message}`, at: at() };
        }
      }
      this.p.invalidate?.(item.cluster, 'keys');
      return { ...base, outcome: 'ok', code: null, message: `keys rotated (job ${String(rotation)})`, at: at() };
    }
    if (action.action === 'policy') {
      const p = r.value as { frameworks?: unknown; effective?: { approvalRequired?: unknown } };
      const fw = Array.isArray(p.frameworks) ? p.frameworks.join(', ') || 'none' : '?';
      const ap = Array.isArray(p.effective?.approvalRequired) ? p.effective.approvalRequired.join(', ') || 'nothing' : '?';
      return { ...base, outcome: 'ok', code: null, message: `frameworks: ${fw}; second person required for: ${ap}`, at: at() };
    }
    if (action.action === 'template') {
      const v = r.value as { version?: unknown; changes?: unknown[] };
      const n = Array.isArray(v.changes) ? v.changes.length : 0;
      return { ...base, outcome: 'ok', code: null, message: `template ${action.template}: configuration version ${String(v.version)}, ${n} effective field${n === 1 ? '' : 's'} changed`, at: at() };
    }
    const state = (r.value as { state?: unknown }).state;
    return { ...base, outcome: 'ok', code: null, message: typeof state === 'string' ? `now ${state}` : 'applied', at: at() };
  }

  /**
   * compliance.set replaces the overrides as a whole: the approval list is merged into the
   * tenant's current overrides (read with compliance.get) and written at the version read, so a
   * concurrent change elsewhere makes this tenant CONFLICT instead of being overwritten.
   */
  private async runPolicy(action: Extract<BulkAction, { action: 'policy' }>, ref: { cluster: string; tenant: string }): Promise<Result<unknown>> {
    const input: Record<string, unknown> = { ...ref };
    if (action.frameworks !== undefined) input['frameworks'] = action.frameworks;
    if (action.approvals !== undefined) {
      const g = await this.p.dispatch('compliance.get' as ChannelName, ref);
      if (!g.ok) return g;
      const profile = g.value as { overrides?: Record<string, unknown>; version?: number };
      input['overrides'] = { ...(profile.overrides ?? {}), approvalRequired: action.approvals };
      if (typeof profile.version === 'number') input['expectedVersion'] = profile.version;
    }
    return this.p.dispatch(ACTION_CHANNEL.policy as ChannelName, input);
  }

  /** One tenant's change of template, from config.templatePreview (reads only). */
  private async templateItem(action: Extract<BulkAction, { action: 'template' }>, item: Planned): Promise<{ item: Planned; fields: TemplateFieldChange[] | undefined }> {
    const r = await this.p.dispatch('config.templatePreview', { cluster: item.cluster, tenant: item.tenant, template: action.template });
    if (!r.ok) return { item: { ...item, will: 'refuse', code: r.error.code, detail: r.error.message }, fields: undefined };
    const p = r.value as TemplatePreview;
    const fields = [...p.changes, ...p.shadowed];
    if (p.problems.length) {
      return { item: { ...item, will: 'refuse', code: 'BAD_INPUT', detail: `template ${p.to} is weaker than the compliance profile: ${p.problems.map((i) => `${i.path}: ${i.message}`).join('; ')}` }, fields };
    }
    if (p.current) return { item: { ...item, will: 'skip', code: 'CONFLICT', detail: `already uses template ${p.to} (its defaults are current)` }, fields };
    const head = p.from === p.to ? `template ${p.to}: defaults changed since they were copied, refreshed` : `template ${p.from ?? '(none)'} → ${p.to}`;
    return { item: { ...item, detail: `${head}: ${templateChangeText(p)}` }, fields };
  }

  /** A policy preview says what changes: the tenant's frameworks and approval list now → then. */
  private async policyDetail(action: Extract<BulkAction, { action: 'policy' }>, item: Planned): Promise<string> {
    const g = await this.p.dispatch('compliance.get' as ChannelName, { cluster: item.cluster, tenant: item.tenant }).catch(() => null);
    if (!g?.ok) return `${item.detail} (current profile unreadable${g && !g.ok ? `: ${g.error.code}` : ''})`;
    const p = g.value as { frameworks?: string[]; overrides?: { approvalRequired?: string[] | null } };
    const list = (xs: readonly string[] | null | undefined, none: string): string => (xs && xs.length ? xs.join(', ') : none);
    return [
      ...(action.frameworks !== undefined ? [`frameworks: ${list(p.frameworks, 'none')} → ${list(action.frameworks, 'none')}`] : []),
      ...(action.approvals !== undefined ? [`second person for: ${list(p.overrides?.approvalRequired, 'nothing')} → ${list(action.approvals, 'nothing')} (plus what the frameworks demand)`] : []),
    ].join('; ');
  }

  // Records -------------------------------------------------------------------------------------

  private homes(cluster: string | undefined): string[] {
    const platform = this.p.platformClusters();
    if (cluster === undefined) return platform;
    if (!platform.includes(cluster)) throw new AppError('FORBIDDEN', `not signed in to ${cluster} with platform scope`);
    return [cluster];
  }

  private stateOf(s: { state: string; owner: string; updatedAt: string | null; id: string }): BulkSummary['state'] {
    if (s.state === 'finished' || s.state === 'cancelled') return s.state;
    if (this.p.jobs.isRunning(s.id)) return 'running';
    const age = this.now().getTime() - Date.parse(s.updatedAt ?? '1970-01-01T00:00:00Z');
    return s.owner !== this.p.ownerId && age < STALE_MS ? 'running' : 'interrupted';
  }

  async list(opts: { cluster?: string | undefined; limit: number }): Promise<BulkSummary[]> {
    const byId = new Map<string, StoredSummary>();
    const failures: string[] = [];
    for (const c of this.homes(opts.cluster)) {
      try {
        for (const s of await this.p.records(c).list(opts.limit, this.now())) {
          const prev = byId.get(s.id);
          // Every home holds the whole record; the most recently updated copy wins.
          if (!prev || (s.updatedAt ?? '') > (prev.updatedAt ?? '')) byId.set(s.id, s);
        }
      } catch (e) {
        failures.push(`${c}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    if (byId.size === 0 && failures.length) throw new AppError('UNAVAILABLE', `bulk operations could not be read (${failures.join('; ')})`);
    return [...byId.values()]
      .sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0))
      .slice(0, opts.limit)
      .map((s) => ({
        id: s.id,
        jobId: s.id,
        action: s.action,
        selection: s.selection,
        total: s.total,
        state: this.stateOf(s),
        counts: { ...emptyCounts(), ...(s.counts ?? { pending: s.total }) },
        startedBy: s.startedBy,
        startedAt: s.startedAt,
        finishedAt: s.finishedAt,
        recordedOn: s.recordedOn,
      }));
  }

  async show(opts: { cluster?: string | undefined; id: string }): Promise<BulkOperation> {
    let best: Awaited<ReturnType<BulkRecords['get']>> = null;
    const failures: string[] = [];
    for (const c of this.homes(opts.cluster)) {
      try {
        const op = await this.p.records(c).get(opts.id);
        if (op && (!best || (op.updatedAt ?? '') > (best.updatedAt ?? ''))) best = op;
      } catch (e) {
        failures.push(`${c}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    if (!best) {
      if (failures.length) throw new AppError('UNAVAILABLE', `bulk operation ${opts.id} could not be read (${failures.join('; ')})`);
      throw new AppError('NOT_FOUND', `no bulk operation ${opts.id} is recorded on ${opts.cluster ?? 'the platform clusters this console is signed in to'}`);
    }
    const counts = emptyCounts();
    const results = best.results.sort((a, b) => (a.cluster < b.cluster ? -1 : a.cluster > b.cluster ? 1 : a.tenant < b.tenant ? -1 : a.tenant > b.tenant ? 1 : 0));
    for (const r of results) counts[r.outcome as BulkOutcome]++;
    return {
      id: best.id,
      jobId: best.id,
      action: best.action,
      selection: best.selection,
      total: best.total,
      state: this.stateOf(best),
      counts,
      startedBy: best.startedBy,
      startedAt: best.startedAt,
      finishedAt: best.finishedAt,
      recordedOn: best.recordedOn,
      results,
    };
  }
}
