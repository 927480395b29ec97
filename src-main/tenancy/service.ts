import { z } from 'zod';
import { AppError } from '../app/errors';
import type { EventBus } from '../app/events';
import type { JobRunner } from '../app/jobs';
import type { Logger } from '../app/log';
import type { ConnectionManager, CqlClient } from '../cassandra/connections';
import { fromDriverError } from '../cassandra/driver-errors';
import { newRole, qualified } from '../cassandra/identifiers';
import type { ClusterService } from '../clusters/service';
import type { SessionService } from '../identity/sessions';
import type { TenantContext } from '../ipc/router';
import type { ClusterKeys } from '../keys/registry';
import type { SecretStore } from '../secrets/types';
import { secretKey } from '../secrets/secret-key';
import type { Store } from '../store';
import type { MirroredTenant } from '../store/tenant-mirror-repo';
import type { PlacementReport, Saga, TenantCreateInput, TenantDetail, TenantSummary } from '../../src-shared/contract/tenants';
import { canTransition, isTenantKeyspace, tenantConsoleKeyspace, type TenantState } from '../../src-shared/rules/lifecycle';
import { CQL_TYPE_PATTERN, DEFAULT_TEMPLATE, templateFitsTenant, templateSchema, type TableDef, type Template } from '../../src-shared/rules/templates';
import { alterLogin, fixedRoles, permissionStatement, tenantKeyspaces, tenantServiceRole, TENANT_CONFIG_TABLE, TENANT_INFO_TABLE } from './cql';
import { choosePlacement, DEFAULT_THRESHOLDS, type ClusterLoad } from './placement';
import { TenantRegistry, type SagaRecord, type TenantRow } from './registry';
import { newSaga, rollbackSaga, runSaga, toWire, type SagaIo, type StepDef } from './saga';
import { createSteps, deleteSteps, parseParams, pendingAdminKey, SECRET_SERVICE_PASSWORD, type CreateParams, type SagaCtx } from './steps';

export interface TenantServiceDeps {
  connections: ConnectionManager;
  clusters: ClusterService;
  sessions: SessionService;
  keys: ClusterKeys;
  secrets: SecretStore;
  store: Store;
  jobs: JobRunner;
  bus: EventBus;
  logger: Logger;
  /** Identifies this console process as a saga's owner (a dead owner's saga may be taken over). */
  ownerId: string;
}

/** A saga no console has touched for this long is treated as interrupted (its owner died). */
const STALE_SAGA_MS = 60_000;
/** How often a running saga says it is alive (well inside STALE_SAGA_MS). */
const HEARTBEAT_MS = 10_000;

interface Snapshot {
  logins: string[];
  permissions: { role: string; resource: string; permission: string }[];
  kept: { role: string; resource: string; permission: string }[];
}

type CreateLike = TenantCreateInput & { tier: string; template: string; isolation: 'keyspace' | 'cluster' };

/**
 * Tenant lifecycle (issue 5): registry and mirror, provisioning/deletion/clone sagas, suspend and
 * resume, templates, placement, and the per-call tenant context.
 */
export class TenantService {
  private readonly active = new Set<string>();

  constructor(private readonly deps: TenantServiceDeps) {}

  private operatorClient(cluster: string): CqlClient {
    const c = this.deps.connections.operator(cluster);
    if (!c) throw new AppError('NOT_SIGNED_IN', `sign in to cluster ${cluster} first`);
    return c;
  }

  registry(cluster: string): TenantRegistry {
    return new TenantRegistry(this.operatorClient(cluster));
  }

  private operatorOf(cluster: string): string {
    return this.deps.sessions.scopeOf(cluster)?.role ?? 'unknown';
  }

  // Listing -----------------------------------------------------------------------------------

  private summary(m: MirroredTenant, online: boolean): TenantSummary {
    return {
      id: m.id,
      cluster: m.cluster,
      name: m.name,
      tier: (['basic', 'standard', 'premium', 'enterprise'].includes(m.tier) ? m.tier : 'standard') as TenantSummary['tier'],
      state: m.state as TenantState,
      isolation: m.isolation,
      template: m.template,
      dataCenters: m.dataCenters,
      color: m.color,
      createdAt: m.createdAt,
      updatedAt: m.updatedAt,
      online,
      syncedAt: m.syncedAt,
    };
  }

  private mirrorRow(cluster: string, r: TenantRow, syncedAt: string): MirroredTenant {
    return { cluster, id: r.id, name: r.name, tier: r.tier, state: r.state, isolation: r.isolation, template: r.template, dataCenters: r.dataCenters, color: r.color, createdAt: r.createdAt, updatedAt: r.updatedAt, syncedAt };
  }

  /** Re-read one cluster's registry (platform) or the tenants' own info rows (tenant scope) into the mirror. */
  async sync(cluster: string): Promise<number> {
    const scope = this.deps.sessions.scopeOf(cluster);
    if (!scope) return 0;
    const at = new Date().toISOString();
    if (scope.platform) {
      const rows = await this.registry(cluster).all();
      this.deps.store.tenantMirror.replaceCluster(cluster, rows.map((r) => this.mirrorRow(cluster, r, at)));
      return rows.length;
    }
    const client = this.operatorClient(cluster);
    let n = 0;
    for (const id of scope.tenants) {
      const info = await this.readInfo(client, id).catch(() => null);
      if (!info) continue;
      const prev = this.deps.store.tenantMirror.get(cluster, id);
      this.deps.store.tenantMirror.upsert({
        cluster,
        id,
        name: info['name'] ?? id,
        tier: info['tier'] ?? 'standard',
        state: prev?.state ?? 'active',
        isolation: info['isolation'] === 'cluster' ? 'cluster' : 'keyspace',
        template: info['template'] ?? 'default',
        dataCenters: info['data_centers'] ? (JSON.parse(info['data_centers']) as string[]) : [],
        color: info['color'] || null,
        createdAt: prev?.createdAt ?? at,
        updatedAt: prev?.updatedAt ?? at,
        syncedAt: at,
      });
      n++;
    }
    return n;
  }

  private async readInfo(client: CqlClient, id: string): Promise<Record<string, string>> {
    const rs = await client.execute(`SELECT key, value FROM ${qualified(tenantConsoleKeyspace(id), TENANT_INFO_TABLE)}`);
    return Object.fromEntries(rs.rows.map((r) => [String(r['key']), String(r['value'] ?? '')]));
  }

  private async syncQuietly(cluster: string): Promise<void> {
    await this.sync(cluster).catch((e: unknown) => this.deps.logger.warn('tenant mirror sync failed', { cluster, error: e instanceof Error ? e.message : String(e) }));
  }

  /** Every cached tenant; rows of signed-in clusters limited to the operator's scope there. */
  async list(opts: { refresh: boolean }): Promise<TenantSummary[]> {
    const signedIn = new Map(this.deps.sessions.signedIn().map((s) => [s.cluster, s]));
    if (opts.refresh) for (const c of signedIn.keys()) await this.sync(c);
    const out: TenantSummary[] = [];
    for (const m of this.deps.store.tenantMirror.all()) {
      const scope = signedIn.get(m.cluster);
      if (scope && !scope.platform && !scope.tenants.includes(m.id)) continue;
      out.push(this.summary(m, scope !== undefined));
    }
    return out;
  }

  // Templates ---------------------------------------------------------------------------------

  async templates(cluster: string): Promise<(Template & { builtIn: boolean })[]> {
    const rows = await this.registry(cluster).templates();
    const custom = rows.flatMap((r) => {
      const parsed = templateSchema.safeParse(safeJson(r.body));
      if (!parsed.success) {
        this.deps.logger.warn('stored template is invalid; ignored', { cluster, template: r.name });
        return [];
      }
      return [{ ...parsed.data, builtIn: false }];
    });
    return [{ ...DEFAULT_TEMPLATE, builtIn: true }, ...custom.filter((t) => t.name !== DEFAULT_TEMPLATE.name).sort((a, b) => a.name.localeCompare(b.name))];
  }

  async template(cluster: string, name: string): Promise<Template> {
    if (name === DEFAULT_TEMPLATE.name) return DEFAULT_TEMPLATE;
    const body = await this.registry(cluster).template(name);
    if (body === null) throw new AppError('NOT_FOUND', `template ${name} does not exist on ${cluster}`);
    const parsed = templateSchema.safeParse(safeJson(body));
    if (!parsed.success) throw new AppError('CONFLICT', `template ${name} is stored but invalid: ${parsed.error.issues[0]?.message ?? 'unknown'}`);
    return parsed.data;
  }

  async saveTemplate(cluster: string, t: Template): Promise<Template & { builtIn: boolean }> {
    if (t.name === DEFAULT_TEMPLATE.name) throw new AppError('CONFLICT', 'the platform default template cannot be replaced; save under another name');
    await this.registry(cluster).putTemplate(t.name, JSON.stringify(t), this.operatorOf(cluster));
    return { ...t, builtIn: false };
  }

  async deleteTemplate(cluster: string, name: string): Promise<{ deleted: boolean }> {
    if (name === DEFAULT_TEMPLATE.name) throw new AppError('CONFLICT', 'the platform default template cannot be deleted');
    return { deleted: await this.registry(cluster).deleteTemplate(name) };
  }

  // Placement ---------------------------------------------------------------------------------

  private async loads(): Promise<ClusterLoad[]> {
    const out: ClusterLoad[] = [];
    for (const cluster of this.deps.sessions.platformClusters()) {
      const rows = (await this.registry(cluster).all()).filter((r) => r.state !== 'deleted');
      const client = this.operatorClient(cluster);
      const ks = new Set(rows.flatMap((r) => r.keyspaces));
      let tables = 0;
      for await (const r of await client.execute('SELECT keyspace_name FROM system_schema.tables', [], { fetchSize: 5000 })) {
        if (ks.has(String(r['keyspace_name']))) tables++;
      }
      out.push({ cluster, tenants: rows.length, tables, dedicated: rows.some((r) => r.isolation === 'cluster') });
    }
    return out;
  }

  async placement(isolation: 'keyspace' | 'cluster', tablesNeeded = countTables(DEFAULT_TEMPLATE)): Promise<PlacementReport> {
    return choosePlacement(await guard('reading cluster loads for placement', () => this.loads()), isolation, tablesNeeded, DEFAULT_THRESHOLDS);
  }

  // Creation ----------------------------------------------------------------------------------

  /** Everything that can be refused is refused here, before anything exists (BAD_INPUT/CONFLICT). */
  private async preflight(cluster: string, id: string, template: Template, isolation: 'keyspace' | 'cluster', dcs: string[] | undefined): Promise<{ dataCenters: string[]; keyspaces: string[] }> {
    const fit = templateFitsTenant(template, id);
    if (fit) throw new AppError('BAD_INPUT', fit);
    const elsewhere = this.deps.store.tenantMirror.byId(id).filter((m) => m.cluster !== cluster);
    if (elsewhere.length) throw new AppError('CONFLICT', `tenant id ${id} is already used on cluster ${elsewhere[0]!.cluster}`);
    const reg = this.registry(cluster);
    const rows = await reg.all();
    if (rows.some((r) => r.id === id)) throw new AppError('CONFLICT', `tenant id ${id} is already registered on ${cluster}`);
    const live = rows.filter((r) => r.state !== 'deleted');
    if (live.some((r) => r.isolation === 'cluster')) throw new AppError('CONFLICT', `${cluster} is dedicated to tenant ${live.find((r) => r.isolation === 'cluster')!.id}`);
    if (isolation === 'cluster' && live.length > 0) throw new AppError('CONFLICT', `dedicated (cluster) isolation needs a cluster without tenants; ${cluster} has ${live.length}`);
    const keyspaces = tenantKeyspaces(id, template);
    const client = this.operatorClient(cluster);
    const taken = new Set(rows.flatMap((r) => r.keyspaces));
    try {
      for await (const r of await client.execute('SELECT keyspace_name FROM system_schema.keyspaces', [], { fetchSize: 5000 })) taken.add(String(r['keyspace_name']));
      const clash = keyspaces.find((k) => taken.has(k));
      if (clash) throw new AppError('CONFLICT', `keyspace ${clash} already exists (or belongs to another tenant)`);
      const roles = new Set((await client.execute('LIST ROLES')).rows.map((r) => String(r['role'])));
      const r = fixedRoles(id);
      const roleClash = [r.admin, r.auditor, r.service].find((x) => roles.has(x)) ?? [...roles].find((x) => x.startsWith(`tenant_${id}_u_`));
      if (roleClash) throw new AppError('CONFLICT', `role ${roleClash} already exists`);
    } catch (e) {
      throw fromDriverError(e, `checking tenant ${id} on ${cluster}`);
    }
    const perDc = new Set([...client.hosts.values()].map((h) => h.datacenter));
    const dataCenters = dcs && dcs.length ? [...new Set(dcs)].sort() : [...perDc].sort();
    const unknown = dataCenters.filter((d) => !perDc.has(d));
    if (unknown.length) throw new AppError('BAD_INPUT', `data centre ${unknown.join(', ')} is not part of ${cluster} (it has ${[...perDc].sort().join(', ')})`);
    return { dataCenters, keyspaces };
  }

  private async pickCluster(isolation: 'keyspace' | 'cluster', template: Template): Promise<string> {
    const report = await this.placement(isolation, countTables(template));
    if (!report.chosen) throw new AppError('CONFLICT', `placement: ${report.reason}`);
    return report.chosen;
  }

  async create(input: CreateLike, opts: { cloneOf?: { cluster: string; tenant: string; withData: boolean } } = {}): Promise<{ jobId: string; tenant: TenantSummary }> {
    let cluster = input.cluster;
    const templateName = input.template;
    let template: Template;
    if (opts.cloneOf) {
      cluster = cluster ?? opts.cloneOf.cluster;
      template = await this.cloneTemplate(opts.cloneOf.cluster, opts.cloneOf.tenant);
    } else {
      const probe = cluster ?? this.deps.sessions.platformClusters()[0];
      if (!probe) throw new AppError('NOT_SIGNED_IN', 'sign in to a cluster with platform scope first');
      template = await this.template(probe, templateName);
      if (!cluster) {
        cluster = await this.pickCluster(input.isolation, template);
        // Templates live in each cluster's csm_system: use the chosen cluster's.
        if (cluster !== probe) template = await this.template(cluster, templateName);
      }
    }
    const scope = this.deps.sessions.scopeOf(cluster);
    if (!scope?.platform) throw new AppError('FORBIDDEN', `tenant creation needs platform scope on ${cluster}`);
    const { dataCenters, keyspaces } = await this.preflight(cluster, input.id, template, input.isolation, input.dataCenters);
    // The saga stores the admin's password in the keychain once it owns the id: find out now,
    // before anything exists, whether the keychain is there and unlocked.
    await this.deps.secrets.has(secretKey.tenant(input.id, SECRET_SERVICE_PASSWORD));
    const params: CreateParams = {
      name: input.name,
      tier: input.tier,
      isolation: input.isolation,
      dataCenters,
      color: input.color ?? null,
      templateName: opts.cloneOf ? `clone of ${opts.cloneOf.tenant}` : templateName,
      template,
      keyspaces,
      adminUser: input.adminUser,
      ...(opts.cloneOf ? { cloneOf: { tenant: opts.cloneOf.tenant, withData: opts.cloneOf.withData } } : {}),
    };
    const kind = opts.cloneOf ? 'clone' : 'create';
    const steps = createSteps(kind === 'clone');
    const { jobId } = this.deps.jobs.start(`tenant.${kind}`, `${kind === 'clone' ? 'Clone' : 'Provision'} tenant ${input.id}`, async (job) => {
      const rec = newSaga({ jobId: job.id, cluster: cluster!, tenantId: input.id, kind, startedBy: scope.role, owner: this.deps.ownerId, params: params as unknown as Record<string, unknown> }, steps as StepDef<unknown>[]);
      return this.drive(rec, steps, job, 'run', input.adminPassword);
    });
    const now = new Date().toISOString();
    const summary: TenantSummary = {
      id: input.id,
      cluster,
      name: input.name,
      tier: input.tier as TenantSummary['tier'],
      state: 'draft',
      isolation: input.isolation,
      template: params.templateName,
      dataCenters,
      color: params.color,
      createdAt: now,
      updatedAt: now,
      online: true,
      syncedAt: now,
    };
    return { jobId, tenant: summary };
  }

  private sagaCtx(rec: SagaRecord, signal: AbortSignal, adminPassword?: string): SagaCtx {
    const client = this.operatorClient(rec.cluster);
    return {
      cluster: rec.cluster,
      client,
      registry: new TenantRegistry(client),
      keys: this.deps.keys.for(rec.cluster),
      secrets: this.deps.secrets,
      connections: this.deps.connections,
      tenantId: rec.tenantId,
      jobId: rec.jobId,
      operator: this.operatorOf(rec.cluster),
      params: parseParams(rec.tenantId, rec.params),
      wipeLocal: async (id) => this.deps.store.tenantMirror.wipeCachedValues(id),
      signal,
      ...(adminPassword ? { adminPassword } : {}),
    };
  }

  private stepsFor(rec: SagaRecord): StepDef<SagaCtx>[] {
    return rec.kind === 'delete' ? deleteSteps() : createSteps(rec.kind === 'clone');
  }

  private async drive(
    rec: SagaRecord,
    steps: StepDef<SagaCtx>[],
    job: { id: string; signal: AbortSignal; progress(step: string, f: number | null, m?: string): void },
    mode: 'run' | 'rollback',
    adminPassword?: string,
  ): Promise<Saga> {
    const ctx = this.sagaCtx(rec, job.signal, adminPassword);
    // Heartbeat: a slow step (hundreds of tables, a data copy) must not look like a dead console.
    // If another console took the saga over meanwhile, this one stops at the next step.
    const beat = setInterval(() => {
      void ctx.registry.touchJob(rec.jobId, rec.owner).then(
        (mine) => {
          if (!mine) this.deps.jobs.cancel(job.id);
        },
        () => undefined,
      );
    }, HEARTBEAT_MS);
    beat.unref();
    const io: SagaIo = {
      registry: ctx.registry,
      publish: (r) => this.deps.bus.emit('tenant.saga', toWire(r, false)),
      progress: (s, f, m) => job.progress(s, f, m),
      signal: job.signal,
    };
    this.active.add(rec.jobId);
    try {
      if (mode === 'run') {
        try {
          await runSaga(rec, steps, ctx, io);
        } catch (err) {
          // Mark the tenant failed only if this saga owns it: a lost reservation race must not
          // touch the winner's tenant.
          const row = await ctx.registry.get(rec.tenantId).catch(() => null);
          if (row && (rec.kind === 'delete' || row.jobId === rec.jobId)) {
            await ctx.registry.transition(rec.tenantId, rec.kind === 'delete' ? ['decommissioning'] : ['provisioning', 'draft'], 'failed').catch(() => undefined);
          }
          throw err;
        } finally {
          await this.syncQuietly(rec.cluster);
        }
        if (rec.kind !== 'delete') this.deps.sessions.addTenant(rec.cluster, rec.tenantId);
        else this.deps.sessions.removeTenant(rec.cluster, rec.tenantId);
      } else {
        const row = await ctx.registry.get(rec.tenantId);
        if (row && row.jobId !== rec.jobId) {
          // Another saga owns this id (ours lost the reservation race): nothing here is ours to drop.
          throw new AppError('CONFLICT', `tenant ${rec.tenantId} belongs to job ${row.jobId ?? 'unknown'}, not ${rec.jobId}: nothing to roll back`);
        }
        await ctx.registry.transition(rec.tenantId, ['failed', 'provisioning', 'draft'], 'decommissioning').catch((e: unknown) => {
          if (!(e instanceof AppError) || e.code !== 'NOT_FOUND') throw e; // never reserved: nothing to mark
        });
        try {
          await rollbackSaga(rec, steps, ctx, io);
        } finally {
          await this.syncQuietly(rec.cluster);
        }
        this.deps.store.tenantMirror.delete(rec.cluster, rec.tenantId);
      }
      return toWire(rec, false);
    } finally {
      clearInterval(beat);
      this.active.delete(rec.jobId);
      // Finished either way: the initial admin's password has no further use.
      if (rec.state === 'succeeded' || rec.state === 'rolled_back') await this.deps.secrets.delete(pendingAdminKey(rec.tenantId, rec.jobId)).catch(() => false);
    }
  }

  /** Take a saga over: it must have failed, or be "running" with no live owner. */
  private async claim(cluster: string, jobId: string, force: boolean): Promise<SagaRecord> {
    const reg = this.registry(cluster);
    const rec = await reg.getJob(jobId, cluster);
    if (!rec) throw new AppError('NOT_FOUND', `no tenant job ${jobId} on ${cluster}`);
    if (this.active.has(jobId)) throw new AppError('CONFLICT', `job ${jobId} is running in this console`);
    if (rec.state === 'succeeded' || rec.state === 'rolled_back') throw new AppError('CONFLICT', `job ${jobId} already ${rec.state.replace('_', ' ')}`);
    if (rec.state === 'running' || rec.state === 'rolling_back') {
      const mine = rec.owner === this.deps.ownerId;
      const stale = Date.now() - Date.parse(rec.updatedAt) > STALE_SAGA_MS;
      if (!mine && !stale && !force) {
        throw new AppError('CONFLICT', `job ${jobId} was updated ${Math.round((Date.now() - Date.parse(rec.updatedAt)) / 1000)} s ago by another console; wait a minute or use --force if that console is gone`);
      }
    }
    if (rec.owner !== this.deps.ownerId && !(await reg.claimJob(jobId, this.deps.ownerId, rec.owner))) {
      throw new AppError('CONFLICT', `another console took job ${jobId} over first`);
    }
    rec.owner = this.deps.ownerId;
    return rec;
  }

  async resumeJob(cluster: string, jobId: string, opts: { adminPassword?: string | undefined; force: boolean }): Promise<{ jobId: string; done: Promise<Saga> }> {
    const rec = await this.claim(cluster, jobId, opts.force);
    // The password matters only while the admin-user step is still to run; it stays in memory.
    const needed = rec.kind !== 'delete' && rec.steps.some((s) => s.name === 'admin-user' && s.state !== 'done');
    const steps = this.stepsFor(rec);
    const { done } = this.deps.jobs.start(`tenant.${rec.kind}`, `Resume ${rec.kind} of tenant ${rec.tenantId}`, (job) => this.drive(rec, steps, job, 'run', needed ? opts.adminPassword : undefined), rec.jobId);
    return { jobId, done };
  }

  async rollbackJob(cluster: string, jobId: string, opts: { force: boolean }): Promise<{ jobId: string; done: Promise<Saga> }> {
    const peek = await this.registry(cluster).getJob(jobId, cluster);
    if (peek?.kind === 'delete') throw new AppError('CONFLICT', 'a deletion is not rolled back (its keys may already be shredded); resume it to finish');
    const rec = await this.claim(cluster, jobId, opts.force);
    const steps = this.stepsFor(rec);
    const { done } = this.deps.jobs.start(`tenant.rollback`, `Roll back ${rec.kind} of tenant ${rec.tenantId}`, (job) => this.drive(rec, steps, job, 'rollback'), rec.jobId);
    return { jobId, done };
  }

  async sagas(cluster: string, tenant?: string): Promise<Saga[]> {
    const recs = await this.registry(cluster).jobs(cluster, tenant);
    const out: Saga[] = [];
    for (const r of recs) {
      const pendingAdmin = r.kind !== 'delete' && r.steps.some((s) => s.name === 'admin-user' && s.state !== 'done') && r.state !== 'rolled_back';
      const needs = pendingAdmin && !(await this.deps.secrets.has(pendingAdminKey(r.tenantId, r.jobId)).catch(() => false));
      out.push(toWire(r, needs));
    }
    return out;
  }

  async saga(cluster: string, jobId: string): Promise<Saga> {
    const r = await this.registry(cluster).getJob(jobId, cluster);
    if (!r) throw new AppError('NOT_FOUND', `no tenant job ${jobId}`);
    return toWire(r, false);
  }

  // Delete and clone --------------------------------------------------------------------------

  async delete(cluster: string, tenant: string, confirm: string): Promise<{ jobId: string; tenant: TenantSummary }> {
    if (confirm !== tenant) throw new AppError('BAD_INPUT', `type the tenant id "${tenant}" to confirm deletion`);
    const row = await this.registry(cluster).get(tenant);
    if (!row) throw new AppError('NOT_FOUND', `tenant ${tenant} is not registered on ${cluster}`);
    if (!canTransition(row.state, 'decommissioning') && row.state !== 'decommissioning') {
      throw new AppError('CONFLICT', `tenant ${tenant} is ${row.state}; it cannot be deleted from there`);
    }
    const steps = deleteSteps();
    const params = { ...(await this.paramsOf(cluster, row)) };
    const { jobId } = this.deps.jobs.start('tenant.delete', `Delete tenant ${tenant}`, (job) => {
      const rec = newSaga({ jobId: job.id, cluster, tenantId: tenant, kind: 'delete', startedBy: this.operatorOf(cluster), owner: this.deps.ownerId, params: params as unknown as Record<string, unknown> }, steps as StepDef<unknown>[]);
      return this.drive(rec, steps, job, 'run');
    });
    return { jobId, tenant: this.summary(this.mirrorRow(cluster, row, new Date().toISOString()), true) };
  }

  private async paramsOf(_cluster: string, row: TenantRow): Promise<CreateParams> {
    return { name: row.name, tier: row.tier, isolation: row.isolation, dataCenters: row.dataCenters, color: row.color, templateName: row.template, template: DEFAULT_TEMPLATE, keyspaces: row.keyspaces, adminUser: 'none' };
  }

  /** The source's live schema (tables added since provisioning included) as a template. */
  private cloneTemplate(cluster: string, source: string): Promise<Template> {
    return guard(`reading the schema of tenant ${source}`, () => this.cloneTemplateOf(cluster, source));
  }

  private async cloneTemplateOf(cluster: string, source: string): Promise<Template> {
    const row = await this.registry(cluster).get(source);
    if (!row) throw new AppError('NOT_FOUND', `tenant ${source} is not registered on ${cluster}`);
    if (row.state !== 'active' && row.state !== 'suspended') throw new AppError('CONFLICT', `tenant ${source} is ${row.state}; only an active or suspended tenant can be cloned`);
    const client = this.operatorClient(cluster);
    const prefix = `tenant_${source}_`;
    const keyspaces: Template['keyspaces'] = [];
    let rf = 1;
    for (const ks of row.keyspaces) {
      if (ks === tenantConsoleKeyspace(source) || !isTenantKeyspace(source, ks)) continue;
      const suffix = ks.slice(prefix.length);
      const cols = (await client.execute('SELECT table_name, column_name, kind, position, type FROM system_schema.columns WHERE keyspace_name = ?', [ks], { prepare: true })).rows;
      const repl = (await client.execute('SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = ?', [ks], { prepare: true })).rows[0]?.['replication'] as Record<string, string> | undefined;
      for (const [k, v] of Object.entries(repl ?? {})) if (k !== 'class') rf = Math.max(rf, Number(v) || 1);
      const byTable = new Map<string, typeof cols>();
      for (const c of cols) byTable.set(String(c['table_name']), [...(byTable.get(String(c['table_name'])) ?? []), c]);
      const tables: TableDef[] = [];
      for (const [name, cs] of [...byTable].sort(([a], [b]) => a.localeCompare(b))) {
        const ordered = (kind: string) => cs.filter((c) => c['kind'] === kind).sort((a, b) => Number(a['position']) - Number(b['position'])).map((c) => String(c['column_name']));
        for (const c of cs) {
          if (c['kind'] === 'static') throw new AppError('CONFLICT', `clone: ${ks}.${name}.${String(c['column_name'])} is a static column, which templates cannot express`);
          if (!CQL_TYPE_PATTERN.test(String(c['type']))) throw new AppError('CONFLICT', `clone: ${ks}.${name}.${String(c['column_name'])} has type ${String(c['type'])}, which templates cannot express`);
        }
        tables.push({ name, columns: cs.map((c) => ({ name: String(c['column_name']), type: String(c['type']) })), partitionKey: ordered('partition_key'), clusteringKey: ordered('clustering') });
      }
      keyspaces.push({ suffix, tables });
    }
    if (keyspaces.length === 0) throw new AppError('CONFLICT', `tenant ${source} has no data keyspaces to clone`);
    const parsed = templateSchema.safeParse({ ...DEFAULT_TEMPLATE, name: 'clone', description: `clone of ${source}`, replicationFactor: Math.min(9, rf), keyspaces, config: {}, policies: {}, features: {}, quotas: {} });
    if (!parsed.success) throw new AppError('CONFLICT', `clone: the schema of ${source} cannot be expressed as a template: ${parsed.error.issues[0]?.message ?? ''}`);
    return parsed.data;
  }

  // Suspend and resume ------------------------------------------------------------------------

  private async tenantRoles(client: CqlClient, id: string): Promise<{ role: string; login: boolean }[]> {
    const r = fixedRoles(id);
    const fixed = new Set([r.admin, r.auditor, r.service]);
    const rs = await client.execute('LIST ROLES');
    return rs.rows
      .map((x) => ({ role: String(x['role']), login: Boolean(x['login']) }))
      .filter((x) => fixed.has(x.role) || x.role.startsWith(`tenant_${id}_u_`))
      .sort((a, b) => a.role.localeCompare(b.role));
  }

  async suspend(cluster: string, tenant: string, reason: string | null): Promise<TenantSummary> {
    const reg = this.registry(cluster);
    const row = await reg.get(tenant);
    if (!row) throw new AppError('NOT_FOUND', `tenant ${tenant} is not registered on ${cluster}`);
    if (row.state !== 'active') throw new AppError('CONFLICT', `tenant ${tenant} is ${row.state}; only an active tenant can be suspended`);
    const client = this.operatorClient(cluster);
    try {
      // What the tenant's roles hold now…
      const roles = await this.tenantRoles(client, tenant);
      const now: Snapshot = { logins: roles.filter((r) => r.login).map((r) => r.role), permissions: [], kept: [] };
      // Cassandra's NORECURSIVE still lists what a role inherits, under the granting role's name:
      // take each row's own role column, once, so resume grants each permission where it was.
      const tenantRoles = new Set(roles.map((r) => r.role));
      const seen = new Set<string>();
      for (const r of roles) {
        const perms = await client.execute(`LIST ALL PERMISSIONS OF ${newRole(r.role)} NORECURSIVE`);
        for (const p of perms.rows ?? []) {
          const entry = { role: String(p['role']), resource: String(p['resource']), permission: String(p['permission']) };
          const k = `${entry.role}\u0000${entry.resource}\u0000${entry.permission}`;
          if (!tenantRoles.has(entry.role) || seen.has(k)) continue;
          seen.add(k);
          (permissionStatement('REVOKE', entry.permission, entry.resource, entry.role) ? now.permissions : now.kept).push(entry);
        }
      }
      // …merged with a snapshot an interrupted suspension stored before it revoked part of it:
      // the stored entries are what was there before, and anything granted since is added.
      // A record older than the tenant's last state change is left from an earlier suspension
      // whose clean-up failed: it describes nothing any more and is replaced.
      const found = await reg.suspension(tenant);
      const existing = found && Date.parse(found.at) >= Date.parse(row.updatedAt) ? found : null;
      const snap = existing ? mergeSnapshots(parseSnapshot(existing.snapshot), now) : now;
      // Persisted before anything is revoked: resume restores from this record, whatever happens next.
      if (found) await reg.replaceSuspension(tenant, JSON.stringify(snap));
      else if (!(await reg.putSuspension(tenant, JSON.stringify(snap), reason, this.operatorOf(cluster)))) {
        throw new AppError('CONFLICT', `another console is suspending tenant ${tenant}`);
      }
      for (const p of snap.permissions) await client.execute(permissionStatement('REVOKE', p.permission, p.resource, p.role)!);
      for (const role of snap.logins) {
        await client.execute(alterLogin(role, false));
        await this.deps.connections.closeRole(cluster, role);
      }
      await reg.transition(tenant, ['active'], 'suspended', { suspendedAt: new Date() });
    } catch (e) {
      throw fromDriverError(e, `suspending tenant ${tenant}`);
    }
    await this.syncQuietly(cluster);
    return this.summaryOf(cluster, tenant);
  }

  async resume(cluster: string, tenant: string): Promise<TenantSummary> {
    const reg = this.registry(cluster);
    const row = await reg.get(tenant);
    if (!row) throw new AppError('NOT_FOUND', `tenant ${tenant} is not registered on ${cluster}`);
    if (row.state !== 'suspended') throw new AppError('CONFLICT', `tenant ${tenant} is ${row.state}; only a suspended tenant can be resumed`);
    const sus = await reg.suspension(tenant);
    if (!sus) throw new AppError('CONFLICT', `tenant ${tenant} is suspended but its suspension record is missing; restore grants by hand`);
    const snap = parseSnapshot(sus.snapshot);
    const client = this.operatorClient(cluster);
    try {
      for (const p of snap.permissions) await client.execute(permissionStatement('GRANT', p.permission, p.resource, p.role)!);
      for (const role of snap.logins) await client.execute(alterLogin(role, true));
      await reg.transition(tenant, ['suspended'], 'active', { suspendedAt: null });
      await reg.deleteSuspension(tenant);
    } catch (e) {
      throw fromDriverError(e, `resuming tenant ${tenant}`);
    }
    await this.syncQuietly(cluster);
    return this.summaryOf(cluster, tenant);
  }

  private async summaryOf(cluster: string, tenant: string): Promise<TenantSummary> {
    const m = this.deps.store.tenantMirror.get(cluster, tenant);
    if (m) return this.summary(m, true);
    const row = await this.registry(cluster).get(tenant);
    if (!row) throw new AppError('NOT_FOUND', `tenant ${tenant} is not registered on ${cluster}`);
    return this.summary(this.mirrorRow(cluster, row, new Date().toISOString()), true);
  }

  // Detail ------------------------------------------------------------------------------------

  show(cluster: string, tenant: string, ctx: TenantContext): Promise<TenantDetail> {
    return guard(`reading tenant ${tenant}`, () => this.detail(cluster, tenant, ctx));
  }

  private async detail(cluster: string, tenant: string, ctx: TenantContext): Promise<TenantDetail> {
    const scope = this.deps.sessions.scopeOf(cluster);
    const access: TenantDetail['access'] = scope?.platform ? 'platform' : scope?.tenantAdmin.includes(tenant) ? 'tenant' : 'auditor';
    const client = this.operatorClient(cluster);
    let summary: TenantSummary;
    let keyspaceNames: string[];
    let suspendedAt: string | null = null;
    let jobs: Saga[] = [];
    if (access === 'platform') {
      const row = await this.registry(cluster).get(tenant);
      if (!row) throw new AppError('NOT_FOUND', `tenant ${tenant} is not registered on ${cluster}`);
      summary = this.summary(this.mirrorRow(cluster, row, new Date().toISOString()), true);
      keyspaceNames = row.keyspaces;
      suspendedAt = row.suspendedAt;
      jobs = await this.sagas(cluster, tenant);
    } else {
      await this.sync(cluster);
      summary = await this.summaryOf(cluster, tenant);
      keyspaceNames = [];
      const rs = await client.execute('SELECT keyspace_name FROM system_schema.keyspaces');
      for (const r of rs.rows) if (isTenantKeyspace(tenant, String(r['keyspace_name']))) keyspaceNames.push(String(r['keyspace_name']));
    }
    const keyspaces = [];
    for (const ks of keyspaceNames) {
      const k = (await client.execute('SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = ?', [ks], { prepare: true })).rows[0];
      if (!k) continue;
      const tables = (await client.execute('SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?', [ks], { prepare: true })).rows.map((r) => String(r['table_name'])).sort();
      keyspaces.push({ name: ks, tables, replication: (k['replication'] as Record<string, string>) ?? {} });
    }
    const roles: TenantDetail['roles'] = [];
    if (access === 'platform') {
      const r = fixedRoles(tenant);
      const rs = await client.execute('LIST ROLES');
      for (const x of rs.rows) {
        const name = String(x['role']);
        const kind = name === r.admin ? 'admin' : name === r.auditor ? 'auditor' : name === r.service ? 'service' : name.startsWith(`tenant_${tenant}_u_`) ? 'user' : null;
        if (!kind) continue;
        const of = (await client.execute(`LIST ROLES OF ${newRole(name)}`)).rows.map((y) => String(y['role'])).filter((y) => y !== name);
        roles.push({ name, kind, login: Boolean(x['login']), memberOf: of.sort(), dataCenters: String(x['datacenters'] ?? '') });
      }
    }
    // Configuration is read in the tenant's context: as the tenant's own role where this console
    // holds its credentials, so Cassandra refuses anything outside the tenant.
    const config: Record<string, string> = {};
    const features: Record<string, boolean> = {};
    const quotas: Record<string, number> = {};
    if (summary.state !== 'deleted') {
      const session = await ctx.session();
      const rs = await session.execute(`SELECT key, value FROM ${qualified(tenantConsoleKeyspace(tenant), TENANT_CONFIG_TABLE)}`).catch((e: unknown) => {
        throw fromDriverError(e, `reading the configuration of ${tenant}`);
      });
      for (const r of rs.rows) {
        const k = String(r['key']);
        const v = String(r['value'] ?? '');
        if (k.startsWith('feature.')) features[k.slice(8)] = v === 'true';
        else if (k.startsWith('quota.')) quotas[k.slice(6)] = Number(v);
        else config[k] = v;
      }
    }
    return { tenant: summary, keyspaces, roles: roles.sort((a, b) => a.name.localeCompare(b.name)), jobs, config, features, quotas, suspendedAt, access };
  }

  /** One read in the tenant's context: what the router overhead figure measures. */
  async config(tenant: string, ctx: TenantContext): Promise<{ key: string; value: string; version: number; updatedAt: string | null }[]> {
    const session = await ctx.session();
    try {
      const rs = await session.execute(`SELECT key, value, version, updated_at FROM ${qualified(tenantConsoleKeyspace(tenant), TENANT_CONFIG_TABLE)}`);
      return rs.rows
        .map((r) => ({ key: String(r['key']), value: String(r['value'] ?? ''), version: Number(r['version'] ?? 1), updatedAt: r['updated_at'] instanceof Date ? (r['updated_at'] as Date).toISOString() : null }))
        .sort((a, b) => a.key.localeCompare(b.key));
    } catch (e) {
      throw fromDriverError(e, `reading the configuration of ${tenant}`);
    }
  }

  // Tenant context ----------------------------------------------------------------------------

  /**
   * The router's tenant context (issue 5 §5). Its session is authenticated as the tenant's
   * service role when this console holds that role's password (it provisioned the tenant, or
   * the password was shared), else it is the operator's own session, which Cassandra scopes to
   * the operator's grants. Built per call: nothing remembers a "current tenant".
   */
  context(cluster: string, tenant: string, operator: string | null): TenantContext {
    return {
      cluster,
      tenant,
      operator,
      session: async () => {
        // A suspended tenant's own roles are locked out by design: a platform operator reads it
        // with the operator session (the router only lets platform scope this far).
        if (this.deps.store.tenantMirror.get(cluster, tenant)?.state === 'suspended') return this.operatorClient(cluster);
        // The service role may write the console keyspace; tenant admins and auditors may not, so
        // their calls run on their own session, which Cassandra scopes to their grants.
        if (!this.deps.sessions.scopeOf(cluster)?.platform) return this.operatorClient(cluster);
        const role = tenantServiceRole(tenant);
        // Warm path: the session is open, no keychain round trip (this is the tenant switch).
        const open = this.deps.connections.openTenantSession(cluster, role);
        if (open) return open;
        const password = await this.deps.secrets.get(secretKey.tenant(tenant, SECRET_SERVICE_PASSWORD)).catch(() => null);
        if (!password) return this.operatorClient(cluster);
        return this.deps.connections.tenantSession(await this.deps.clusters.spec(cluster, { username: role, password }));
      },
    };
  }
}

const snapshotSchema = z.object({
  logins: z.array(z.string()),
  permissions: z.array(z.object({ role: z.string(), resource: z.string(), permission: z.string() })),
  kept: z.array(z.object({ role: z.string(), resource: z.string(), permission: z.string() })),
});

/** A suspension snapshot comes back from csm_system and becomes GRANT statements: parse it. */
function parseSnapshot(text: string): Snapshot {
  const r = snapshotSchema.safeParse(safeJson(text));
  if (!r.success) throw new AppError('CONFLICT', 'the stored suspension snapshot is not valid; restore the grants by hand');
  return r.data;
}

function mergeSnapshots(stored: Snapshot, now: Snapshot): Snapshot {
  const key = (p: { role: string; resource: string; permission: string }): string => `${p.role}\u0000${p.resource}\u0000${p.permission}`;
  const union = <T extends { role: string; resource: string; permission: string }>(a: T[], b: T[]): T[] => [...new Map([...a, ...b].map((p) => [key(p), p])).values()];
  return { logins: [...new Set([...stored.logins, ...now.logins])].sort(), permissions: union(stored.permissions, now.permissions), kept: union(stored.kept, now.kept) };
}

/** Driver errors become stable codes (a dead node is UNAVAILABLE, not INTERNAL). */
async function guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw fromDriverError(e, what);
  }
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return null;
  }
}

function countTables(t: Template): number {
  return t.keyspaces.reduce((n, k) => n + k.tables.length, 0) + 4;
}
