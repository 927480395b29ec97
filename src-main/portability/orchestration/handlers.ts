import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Operation, portabilityChannels } from '../../../src-shared/contract/portability';
import { isTenantKeyspace, tenantConsoleKeyspace } from '../../../src-shared/rules/lifecycle';
import { AppError } from '../../app/errors';
import type { JobHandle } from '../../app/jobs';
import type { ConsoleModule } from '../../app/module';
import type { ModuleDeps } from '../../app/module-deps';
import type { CqlClient } from '../../cassandra/connections';
import { fromDriverError } from '../../cassandra/driver-errors';
import { column, qualified } from '../../cassandra/identifiers';
import { waitForAgreement } from '../../cassandra/system-schema';
import { secretKey } from '../../secrets/secret-key';
import { dropKeyspace, dropRole, fixedRoles, TENANT_CONFIG_TABLE } from '../../tenancy/cql';
import { SECRET_SERVICE_PASSWORD } from '../../tenancy/steps';
import { writeFreeze, type FreezeState } from '../../tenancy/write-freeze';
import { openBundle, readBundleHeader, type InstallationKey } from '../core/bundle';
import { truncateCql, type TableShape } from '../core/import-cql';
import { shapesOf } from '../core/verify';
import { TableDigest } from '../core/digest';
import type { PortabilityCore, ProgressSink } from '../types';
import { BackupService, type BackupPorts } from './backups';
import { isOwnTenantRole, scratchTenantId } from './maths';
import { installationMasterOnce, operationVisible } from '../core/handlers';
import { MIGRATION_PHASES, MigrationRun, type MigrationPhase, type MigrationPlan, type MigrationPorts } from './migration';
import { afterFailedRecovery, gatherMoves, localAbortRefusal, localRecoveryDecision, MIGRATION_HEARTBEAT_MS, MIGRATION_STALE_MS, movesAsOperations, RecoveryRefused, recoveryDecision, validMoves } from './recovery';
import { BackupScheduler } from './scheduler';
import { OrchestrationRepo, type MoveRecord } from './system-repo';

type Channels = 'tenant.migrate' | 'migration.abort' | 'portability.list' | 'portability.result' | 'backup.create' | 'backup.list' | 'backup.setPolicy' | 'backup.restore' | 'backup.verify';
export type OrchestrationChannels = Extract<keyof typeof portabilityChannels, Channels>;

/**
 * Tests only: a pause point after each migration phase (e.g. to abort at a known phase), and
 * shorter heartbeat/staleness periods than MIGRATION_HEARTBEAT_MS / MIGRATION_STALE_MS (so a test
 * need not wait a minute for an orphaned move). Never set in the product; the migration works the
 * same without them.
 */
export const orchestrationTestHooks: {
  afterPhase?: (operationId: string, phase: MigrationPhase, signal: AbortSignal) => Promise<void>;
  heartbeatMs?: number;
  staleMs?: number;
} = {};

const LWT = { prepare: true, consistency: 0x06, serialConsistency: 0x09 } as const;
/** portability.list/result read tenant_moves of every platform cluster at once; one slower than this is skipped. */
const RECORDED_MOVES_TIMEOUT_MS = 3000;
/** How long a heartbeat waits for the target's beat (informational) before going on with the source's answer. */
const TARGET_BEAT_WAIT_MS = 5000;

/** Migration between clusters and per-tenant backups (issue 11 items 3–4). */
export function orchestrationPart(deps: ModuleDeps, core: PortabilityCore): ConsoleModule<OrchestrationChannels> & { backups: BackupService; scheduler: BackupScheduler } {
  const dataDir = dirname(deps.store.path);
  const freeze = writeFreeze();
  const runs = new Map<string, { run: MigrationRun; key: string }>();

  const operator = (cluster: string): CqlClient => {
    const c = deps.connections.operator(cluster);
    if (!c) throw new AppError('NOT_SIGNED_IN', `sign in to cluster ${cluster} first`);
    return c;
  };
  const requirePlatform = (cluster: string, what: string): void => {
    const scope = deps.sessions.scopeOf(cluster);
    if (!scope || !deps.connections.operator(cluster)) throw new AppError('NOT_SIGNED_IN', `${what} needs this console signed in to ${cluster} with platform scope`);
    if (!scope.platform) throw new AppError('FORBIDDEN', `${what} needs platform scope on ${cluster}`);
  };
  const by = (cluster: string): string | null => deps.sessions.scopeOf(cluster)?.role ?? null;
  const staleMs = (): number => orchestrationTestHooks.staleMs ?? MIGRATION_STALE_MS;
  const visible = (op: Operation): boolean => operationVisible(op, (c) => deps.sessions.scopeOf(c));
  const errText = (e: unknown): string => (e instanceof AppError ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e));
  const repo = (cluster: string): OrchestrationRepo => new OrchestrationRepo(operator(cluster), cluster);
  const removeFile = async (path: string): Promise<void> => {
    await rm(path, { force: true });
    await rm(`${path}.partial`, { force: true }).catch(() => undefined);
  };

  const progressOf = (op: Operation, job: JobHandle | null, phase: () => string | null): ProgressSink => {
    return (p) => {
      deps.bus.emit('portability.progress', { operationId: op.id, kind: op.kind, tenant: op.tenant, phase: p.phase ?? phase(), done: p.done, total: p.total, message: p.message, at: new Date().toISOString() });
      job?.progress(p.phase ?? phase() ?? op.kind, p.total ? Math.min(1, p.done / p.total) : null, p.message);
    };
  };

  /**
   * How long a session may still use a revoked permission: the larger of permissions_validity and
   * roles_validity (system_views.settings), capped at 30 s; 2 s when unreadable.
   */
  const permissionCacheMs = async (cluster: string): Promise<number> => {
    try {
      const rs = await operator(cluster).execute(`SELECT name, value FROM system_views.settings WHERE name IN ('permissions_validity', 'roles_validity', 'permissions_validity_in_ms', 'roles_validity_in_ms')`);
      let ms = 0;
      for (const r of rs.rows) {
        const v = String(r['value'] ?? '');
        const n = parseFloat(v);
        if (!Number.isFinite(n)) continue;
        ms = Math.max(ms, /ms$|_in_ms$/.test(v) || String(r['name']).endsWith('_in_ms') ? n : /s$/.test(v) ? n * 1000 : /m$/.test(v) ? n * 60_000 : n);
      }
      return Math.min(30_000, ms);
    } catch {
      return 2000;
    }
  };

  const stateOf = async (cluster: string, tenant: string): Promise<string | null> => (await deps.tenants.registry(cluster).get(tenant))?.state ?? null;

  /**
   * Remove everything of a tenant this console created on a cluster — the target of an aborted
   * migration, the scratch tenant of a backup verification — whatever state it got to: roles,
   * keys, keyspaces, the registry row. Idempotent.
   */
  const dropTenant = async (cluster: string, id: string): Promise<void> => {
    const client = operator(cluster);
    const reg = deps.tenants.registry(cluster);
    const row = await reg.get(id);
    try {
      const keyspaces = new Set(row?.keyspaces ?? []);
      for await (const r of await client.execute('SELECT keyspace_name FROM system_schema.keyspaces', [], { fetchSize: 5000 })) {
        const ks = String(r['keyspace_name']);
        if (isTenantKeyspace(id, ks)) keyspaces.add(ks);
      }
      const fixed = fixedRoles(id);
      const named = new Set([fixed.admin, fixed.auditor, fixed.service, ...(row?.roles ?? []).filter((r) => r.startsWith(`tenant_${id}_`))]);
      // Another tenant's roles may share the prefix (tenant `ab_u_x` vs `ab`): exact rules only.
      const others = (await reg.all()).map((t) => t.id).filter((t) => t !== id);
      const roles = (await client.execute('LIST ROLES')).rows.map((r) => String(r['role'])).filter((r) => isOwnTenantRole(id, r, others, named));
      for (const role of roles) {
        await deps.connections.closeRole(cluster, role);
        await client.execute(dropRole(role));
      }
      await deps.keys
        .for(cluster)
        .shred(id)
        .catch((e: unknown) => deps.logger.warn('dropping a tenant: shredding its keys failed', { cluster, tenant: id, error: e instanceof Error ? e.message : String(e) }));
      for (const ks of keyspaces) await client.execute(dropKeyspace(ks));
      if (keyspaces.size) await waitForAgreement(client, `dropping the keyspaces of ${id}`);
      if (row) {
        await reg.deleteSuspension(id);
        await client.execute(`DELETE FROM ${qualified('csm_system', 'tenants')} WHERE id = ? IF EXISTS`, [id], LWT);
      }
    } catch (e) {
      throw fromDriverError(e, `removing tenant ${id} from ${cluster}`);
    }
    deps.store.tenantMirror.delete(cluster, id);
    deps.sessions.removeTenant(cluster, id);
  };

  /** The installation master key for one bundle opening (a copy; the provider forgets its own). */
  const installationMaster = (): Promise<InstallationKey | null> => installationMasterOnce(deps.secrets);

  const readConfig = async (cluster: string, tenant: string): Promise<Record<string, string>> => {
    const rs = await operator(cluster).execute(`SELECT key, value FROM ${qualified(tenantConsoleKeyspace(tenant), TENANT_CONFIG_TABLE)}`);
    return Object.fromEntries(rs.rows.map((r) => [String(r['key']), String(r['value'] ?? '')]));
  };

  const backupPorts: BackupPorts = {
    core,
    repo,
    tenantState: stateOf,
    tenantConfig: readConfig,
    freeze: async (cluster, tenant) => {
      await freeze.freeze(operator(cluster), tenant, 'restore', by(cluster));
    },
    thaw: async (cluster, tenant) => {
      await freeze.thaw(operator(cluster), tenant, 'restore', by(cluster));
    },
    dropTenant: async (cluster, tenant) => {
      await dropTenant(cluster, tenant);
      await deps.secrets.delete(secretKey.tenant(tenant, SECRET_SERVICE_PASSWORD)).catch(() => false);
    },
    backupPath: (cluster, tenant, id) => {
      const dir = join(dataDir, 'backups', cluster, tenant);
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      return join(dir, `${id}.csmb`);
    },
    fileExists: (p) => existsSync(p),
    fileSha256: async (p) => {
      const h = createHash('sha256');
      for await (const chunk of createReadStream(p)) h.update(chunk as Buffer);
      return h.digest('hex');
    },
    shapeProblems: async (cluster, tenant, path) => {
      const reader = await openBundle(path, { master: installationMaster });
      try {
        const m = reader.manifest;
        if (m.tenant !== tenant) return [`the bundle holds tenant ${m.tenant}`];
        const client = operator(cluster);
        const problems: string[] = [];
        const live = new Map<string, TableShape[]>();
        for (const t of m.tables) {
          const ks = t.keyspace;
          if (!isTenantKeyspace(tenant, ks)) {
            problems.push(`${ks}.${t.table}: not a keyspace of ${tenant}`);
            continue;
          }
          if (!live.has(ks)) live.set(ks, await shapesOf(client, ks));
          const shape = live.get(ks)!.find((x) => x.table === t.table);
          if (!shape) {
            problems.push(`${ks}.${t.table} no longer exists`);
            continue;
          }
          if (t.columns.some((c) => c.type === 'counter') || shape.columns.some((c) => c.type === 'counter')) {
            problems.push(`${ks}.${t.table} is a counter table (truncate-and-load cannot restore counters)`);
            continue;
          }
          const want = t.columns.map((c) => `${c.name}:${c.type}`).sort().join(',');
          const have = shape.columns.map((c) => `${c.name}:${c.type}`).sort().join(',');
          const keyWant = t.columns.filter((c) => c.kind === 'partition_key' || c.kind === 'clustering').map((c) => c.name).sort().join(',');
          const keyHave = [...shape.partitionKey, ...shape.clustering.map((c) => c.name)].sort().join(',');
          if (want !== have || keyWant !== keyHave) problems.push(`${ks}.${t.table} changed since the backup (columns ${want} → ${have})`);
        }
        return problems;
      } finally {
        await reader.close();
      }
    },
    pki: {
      snapshot: async (cluster, tenant) => {
        const client = operator(cluster);
        const ks = tenantConsoleKeyspace(tenant);
        const have = new Set((await client.execute('SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?', [ks], { prepare: true })).rows.map((r) => String(r['table_name'])));
        const all = async (t: string): Promise<Record<string, unknown>[]> => {
          if (!have.has(t)) return [];
          const out: Record<string, unknown>[] = [];
          for await (const r of await client.execute(`SELECT * FROM ${qualified(ks, t)}`, [], { fetchSize: 1000 })) out.push({ ...(r as Record<string, unknown>) });
          return out;
        };
        return { revoked: (await all('pki_certs')).filter((r) => r['status'] === 'revoked'), crls: await all('pki_crls') };
      },
      reapply: async (cluster, tenant, snap) => {
        const { revoked, crls } = snap as { revoked: Record<string, unknown>[]; crls: Record<string, unknown>[] };
        const client = operator(cluster);
        const ks = tenantConsoleKeyspace(tenant);
        const put = async (t: string, row: Record<string, unknown>): Promise<void> => {
          const cols = Object.keys(row);
          await client.execute(`INSERT INTO ${qualified(ks, t)} (${cols.map((c) => column(c)).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`, cols.map((c) => row[c] ?? null), { prepare: true });
        };
        let n = 0;
        for (const row of revoked) {
          const now = (await client.execute(`SELECT status FROM ${qualified(ks, 'pki_certs')} WHERE serial = ?`, [row['serial']], { prepare: true })).rows[0];
          if (now?.['status'] !== 'revoked') {
            await put('pki_certs', row);
            n++;
          }
        }
        for (const row of crls) {
          const now = (await client.execute(`SELECT crl_number FROM ${qualified(ks, 'pki_crls')} WHERE k = ? AND crl_number = ?`, [row['k'], row['crl_number']], { prepare: true })).rows[0];
          if (!now) {
            await put('pki_crls', row);
            n++;
          }
        }
        return n;
      },
    },
    bundleTenant: async (p) => (await readBundleHeader(p)).tenant,
    removeFile,
    newId: () => `${new Date().toISOString().replace(/[-:.]/g, '').slice(0, 15)}-${randomBytes(4).toString('hex')}`,
    scratchId: () => scratchTenantId(() => randomBytes(1)[0]! / 256),
    now: () => Date.now(),
    operator: by,
    consoleName: dataDir,
  };
  const backups = new BackupService(backupPorts);

  const startOp = (kind: Operation['kind'], cluster: string, tenant: string, extra: Partial<Operation>): Operation => core.operations.start({ kind, cluster, tenant, ...extra });

  /** Run `work` as a job with an operation record: succeeded/failed/aborted land on the record. */
  const asJob = (op: Operation, label: string, work: (job: JobHandle, progress: ProgressSink) => Promise<Partial<Operation>>): { jobId: string; operationId: string } => {
    const { jobId } = deps.jobs.start(`portability.${op.kind}`, label, async (job) => {
      const progress = progressOf(op, job, () => core.operations.get(op.id)?.phase ?? null);
      try {
        const patch = await work(job, progress);
        core.operations.update(op.id, { state: 'succeeded', endedAt: new Date().toISOString(), ...patch });
      } catch (e) {
        const aborted = job.signal.aborted || (e instanceof AppError && e.code === 'CANCELLED');
        core.operations.update(op.id, { state: aborted ? 'aborted' : 'failed', endedAt: new Date().toISOString(), error: e instanceof AppError ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e) });
        throw e;
      }
    });
    core.operations.update(op.id, { jobId });
    return { jobId, operationId: op.id };
  };

  // Migration -----------------------------------------------------------------------------------

  /**
   * Why a migration may not be rolled back from its record: a newer move of the tenant on either
   * cluster (null: none). `started`: when it began — for a row without started_at (unknown) its last
   * write, which is no earlier than its start. Another move without started_at counts as newer when
   * it was written after that (unknown is never "older than everything").
   */
  const newerMove = async (plan: MigrationPlan, started: number): Promise<string | null> => {
    for (const side of [plan.source, plan.target]) {
      const newer = (await repo(side.cluster).moves(side.tenant)).find((m) => m.operationId !== plan.operationId && startOf(m) > started);
      if (newer) return `migration ${plan.operationId} is stale: a newer move of ${side.tenant} (${newer.operationId}, ${newer.state}) is recorded on ${side.cluster}; nothing was rolled back`;
    }
    return null;
  };

  const migrationPorts = (plan: MigrationPlan, job: JobHandle | null): MigrationPorts => {
    const op = core.operations.get(plan.operationId)!;
    let phase: MigrationPhase = 'copy';
    const sink = progressOf(op, job, () => phase);
    return {
      core: {
        exportTenant: (req) => core.exportTenant(req),
        verifyLive: (a, b) => core.verifyLive(a, b),
        verifyAgainstBundle: (c, t, p) => core.verifyAgainstBundle(c, t, p),
        importBundle: async (req) => {
          if (req.intoExisting) return core.importBundle(req);
          // Tenant ids are unique per installation, so the importer refuses an id this console's
          // mirror lists on another cluster. A migration is the one case where the same id lives on
          // two clusters for a while: the source's mirror row (a cache of its registry) is set
          // aside for the import and read back from the registry right after.
          const src = plan.source;
          const row = deps.store.tenantMirror.get(src.cluster, src.tenant);
          if (row) deps.store.tenantMirror.delete(src.cluster, src.tenant);
          try {
            return await core.importBundle(req);
          } finally {
            if (row && !deps.store.tenantMirror.get(src.cluster, src.tenant)) deps.store.tenantMirror.upsert(row);
            await deps.tenants.sync(src.cluster).catch(() => 0);
          }
        },
      },
      freeze: (cluster, tenant) => freeze.freeze(operator(cluster), tenant, 'migration', by(cluster)),
      thaw: async (cluster, tenant) => {
        await freeze.thaw(operator(cluster), tenant, 'migration', by(cluster));
      },
      freezeState: (cluster, tenant): Promise<FreezeState | null> => freeze.state(operator(cluster), tenant),
      stateOf,
      transition: (cluster, tenant, from, to) => deps.tenants.registry(cluster).transition(tenant, from as never, to as never),
      dropTenant,
      decommission: async (cluster, tenant) => {
        // The tenancy delete saga's first step moves active/suspended/failed tenants only: a
        // migrating one is handed over as decommissioning (the lifecycle's migrating → decommissioning).
        const reg = deps.tenants.registry(cluster);
        if ((await reg.get(tenant))?.state === 'migrating') await reg.transition(tenant, ['migrating'], 'decommissioning');
        const { jobId } = await deps.tenants.delete(cluster, tenant, tenant);
        await deps.jobs.wait(jobId)?.catch(() => undefined);
        let saga = await deps.tenants.saga(cluster, jobId);
        // Its steps are idempotent (DROP … IF EXISTS): a step that timed out on a busy node is
        // resumed, twice at most, before the migration reports the cleanup as failed.
        for (let attempt = 0; attempt < 2 && saga.state !== 'succeeded'; attempt++) {
          await new Promise((r) => setTimeout(r, 2000 * (attempt + 1)));
          const again = await deps.tenants.resumeJob(cluster, jobId, { force: false });
          await again.done.catch(() => undefined);
          saga = await deps.tenants.saga(cluster, jobId);
        }
        if (saga.state !== 'succeeded') throw new AppError('CONFLICT', `decommissioning ${tenant} on ${cluster} (job ${jobId}) ended ${saga.state}${saga.error ? `: ${saga.error}` : ''}`);
      },
      recordMove: (cluster, side, p, ph, state, error, opts) => repo(cluster).putMove(p, side, ph, state, error, opts),
      readMove: () => repo(plan.source.cluster).moveState(plan.source.tenant, plan.operationId),
      heartbeat: async (expect) => {
        // The target's beat is informational: waited for a few seconds at most, so a slow target
        // never makes the source's beat (the lease) late.
        let timer: ReturnType<typeof setTimeout> | undefined;
        const [src] = await Promise.all([
          repo(plan.source.cluster).heartbeat(plan.source.tenant, plan.operationId, expect),
          Promise.race([
            repo(plan.target.cluster)
              .heartbeat(plan.target.tenant, plan.operationId, expect)
              .catch((e: unknown) => deps.logger.warn('migration heartbeat on the target failed', { operationId: plan.operationId, cluster: plan.target.cluster, error: errText(e) })),
            new Promise<void>((r) => {
              timer = setTimeout(r, TARGET_BEAT_WAIT_MS);
            }),
          ]).finally(() => clearTimeout(timer)),
        ]);
        return { outcome: src.outcome, abortRequested: src.abortRequested };
      },
      heartbeatMs: orchestrationTestHooks.heartbeatMs ?? MIGRATION_HEARTBEAT_MS,
      warn: (message, fields) => deps.logger.warn(message, fields),
      targetOwned: async () => {
        const { cluster, tenant } = plan.target;
        const started = Date.parse(op.startedAt);
        const row = await deps.tenants.registry(cluster).get(tenant);
        if (row && row.state !== 'deleted' && Date.parse(row.createdAt) < started) return `${tenant} on ${cluster} was registered (${row.createdAt}) before migration ${plan.operationId} started: not created by it`;
        const newer = (await repo(cluster).moves(tenant)).find((m) => m.operationId !== plan.operationId && startOf(m) > started);
        if (newer) return `a newer move of ${tenant} (${newer.operationId}, ${newer.state}) is recorded on ${cluster}`;
        return null;
      },
      guardRecovery: async () => {
        const why = await newerMove(plan, Date.parse(op.startedAt));
        if (why) throw new RecoveryRefused(why);
      },
      consoleDigests: async (cluster, tenant) => {
        const client = operator(cluster);
        const ks = tenantConsoleKeyspace(tenant);
        const out: Record<string, string> = {};
        const tables = (await client.execute('SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?', [ks], { prepare: true })).rows.map((r) => String(r['table_name']));
        for (const t of tables.sort()) {
          const d = new TableDigest();
          for await (const r of await client.execute(`SELECT * FROM ${qualified(ks, t)}`, [], { fetchSize: 1000 })) d.add(r as Record<string, unknown>);
          out[t] = `${d.rows}:${d.hex()}`;
        }
        return out;
      },
      copyConsoleTables: async (names) => {
        const from = operator(plan.source.cluster);
        const to = operator(plan.target.cluster);
        const ks = tenantConsoleKeyspace(plan.source.tenant);
        for (const t of names) {
          const cols = (await from.execute('SELECT column_name FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ?', [ks, t], { prepare: true })).rows.map((r) => String(r['column_name']));
          if (cols.length === 0) continue;
          // Verbatim means the source's rows and no others: a row deleted at the source since the
          // copy must not stay at the target (the source is frozen; the target is not live yet).
          await to.execute(truncateCql(tenantConsoleKeyspace(plan.target.tenant), t));
          const insert = `INSERT INTO ${qualified(tenantConsoleKeyspace(plan.target.tenant), t)} (${cols.map((c) => column(c)).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`;
          for await (const r of await from.execute(`SELECT ${cols.map((c) => column(c)).join(', ')} FROM ${qualified(ks, t)}`, [], { fetchSize: 500 })) {
            await to.execute(insert, cols.map((c) => (r as Record<string, unknown>)[c] ?? null), { prepare: true });
          }
        }
      },
      settleFreeze: async () => {
        const ms = await permissionCacheMs(plan.source.cluster);
        if (ms > 0) await new Promise((r) => setTimeout(r, ms));
      },
      abortRequested: () => repo(plan.source.cluster).abortRequested(plan.source.tenant, plan.operationId),
      saveLocal: async (tenant) => {
        const key = secretKey.tenant(tenant, SECRET_SERVICE_PASSWORD);
        const saved = await deps.secrets.get(key).catch(() => null);
        return async () => {
          if (saved === null) await deps.secrets.delete(key).catch(() => false);
          else if ((await deps.secrets.get(key).catch(() => null)) !== saved) await deps.secrets.set(key, saved);
        };
      },
      bundlePath: (id, label) => {
        const dir = join(dataDir, 'migrations');
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        return join(dir, `${id}-${label}.csmb`);
      },
      removeFile,
      refresh: async (clusters) => {
        for (const c of clusters) await deps.tenants.sync(c).catch(() => 0);
      },
      update: (patch) => {
        if (patch.phase) phase = patch.phase as MigrationPhase;
        core.operations.update(plan.operationId, patch);
      },
      progress: (ph, done, total, message) => sink({ phase: ph, done, total, message }),
      ...(orchestrationTestHooks.afterPhase ? { afterPhase: (ph: MigrationPhase, signal: AbortSignal) => orchestrationTestHooks.afterPhase!(plan.operationId, ph, signal) } : {}),
    };
  };

  const migrate = async (input: { cluster: string; tenant: string; to: string; dcMap?: Record<string, string> | undefined }): Promise<{ jobId: string; operationId: string }> => {
    const { cluster, tenant, to } = input;
    if (to === cluster) throw new AppError('BAD_INPUT', `the tenant is already on ${cluster}: name another cluster with --to`);
    if (!(await deps.clusters.list()).some((p) => p.name === to)) throw new AppError('NOT_FOUND', `no cluster named ${to} is registered in this console`);
    // The CLI is a fresh process signed in to --cluster only: sign in to the target with its stored credentials.
    if (!deps.connections.operator(to) && deps.host === 'cli') await deps.dispatch('session.signIn', { cluster: to });
    requirePlatform(cluster, 'a migration');
    requirePlatform(to, `a migration to ${to}`);
    const src = await deps.tenants.registry(cluster).get(tenant);
    if (!src || src.state === 'deleted') throw new AppError('NOT_FOUND', `tenant ${tenant} is not registered on ${cluster}`);
    if (src.state !== 'active') throw new AppError('CONFLICT', `tenant ${tenant} is ${src.state}; only an active tenant is migrated`);
    const there = await deps.tenants.registry(to).get(tenant);
    if (there && there.state !== 'deleted') throw new AppError('CONFLICT', `tenant id ${tenant} is already registered on ${to} (${there.state})`);
    for (const r of runs.values()) if (r.key === `${cluster}/${tenant}`) throw new AppError('CONFLICT', `a migration of ${tenant} is already running in this console`);
    const op = startOp('migrate', cluster, tenant, { targetCluster: to, targetTenant: tenant, phase: 'copy' });
    const plan: MigrationPlan = { operationId: op.id, source: { cluster, tenant }, target: { cluster: to, tenant }, ...(input.dcMap ? { dcMap: input.dcMap } : {}), by: by(cluster) };
    return asJob(op, `Migrate tenant ${tenant} from ${cluster} to ${to}`, async (job) => {
      const run = new MigrationRun(plan, migrationPorts(plan, job), job.signal);
      runs.set(op.id, { run, key: `${cluster}/${tenant}` });
      try {
        const out = await run.run();
        if (out.state !== 'succeeded') {
          core.operations.update(op.id, { phase: out.phase, report: out.report });
          if (out.state === 'aborted') {
            throw new AppError('CANCELLED', `migration of ${tenant} aborted at ${out.phase}; the source is as it was`);
          }
          throw new AppError('CONFLICT', `migration of ${tenant} failed at ${out.phase}: ${out.error ?? 'unknown'}`);
        }
        return { phase: 'done', report: out.report };
      } finally {
        runs.delete(op.id);
      }
    });
  };

  /**
   * A restore in place whose process died (recorded `interrupted`: its pid is gone) leaves the
   * tenant frozen with reason 'restore' and nothing would ever lift it. `csm migration abort
   * <restore operation id>` on the console that ran it lifts that reason (the exact grants the
   * freeze recorded come back) and records the restore as aborted. A restore still running, or
   * one that ended, is refused; the tenant's data is as the interrupted load left it (restore
   * again, or restore the safety backup taken before it).
   */
  /** When a move began: started_at, or (unknown) its last write, no earlier than its start. */
  const startOf = (m: Pick<MoveRecord, 'startedAt' | 'updatedAt'>): number => Date.parse(m.startedAt ?? m.updatedAt);

  const liftStaleRestore = async (op: Operation): Promise<Operation> => {
    requirePlatform(op.cluster, 'lifting a stale restore freeze');
    if (runs.has(op.id) || op.state === 'running' || op.state === 'paused') throw new AppError('CONFLICT', `restore ${op.id} is still running; wait for it to end`);
    if (op.state !== 'interrupted') throw new AppError('CONFLICT', `restore ${op.id} ended ${op.state}; its freeze was lifted then`);
    const tenant = op.targetTenant ?? op.tenant;
    if (tenant !== op.tenant) throw new AppError('CONFLICT', `restore ${op.id} went into a new tenant ${tenant}: it froze nothing`);
    const st = await freeze.state(operator(op.cluster), tenant);
    if (st?.reasons.includes('restore')) await freeze.thaw(operator(op.cluster), tenant, 'restore', by(op.cluster));
    return core.operations.update(op.id, { state: 'aborted', endedAt: new Date().toISOString(), error: 'interrupted; the restore freeze was lifted by the operator (the tenant holds what the interrupted load left: restore again or restore the safety backup)' });
  };

  const isPhase = (p: string | null | undefined): p is MigrationPhase => (MIGRATION_PHASES as readonly string[]).includes(p ?? '');

  /** The CLI is a fresh process signed in to --cluster only: sign in to another cluster with its stored credentials. */
  const signInForCli = async (cluster: string): Promise<void> => {
    if (!deps.connections.operator(cluster) && deps.host === 'cli') await deps.dispatch('session.signIn', { cluster });
  };

  /**
   * Roll a migration back from its record, after claiming the record (LWT on the state and
   * updated_at read): `seen` is the source's row as read, null when there is none (a legacy
   * interrupted run of this console that never wrote one). The outcome lands on the record (by the
   * roll-back) and on this console's operation record.
   */
  const recoverFromRecord = async (plan: MigrationPlan, phase: MigrationPhase, seen: MoveRecord | null, claimed: () => void = () => undefined): Promise<Operation> => {
    const { operationId } = plan;
    if (seen) {
      const newer = await newerMove(plan, startOf(seen));
      if (newer) throw new AppError('CONFLICT', newer);
      const claim = await repo(plan.source.cluster).claimMove(seen, `being recovered by ${by(plan.source.cluster) ?? 'a platform console'}: found ${seen.state} at ${seen.phase}, last written ${seen.updatedAt}`);
      if (!claim.applied) {
        throw new AppError('CONFLICT', `the record of migration ${operationId} changed since it was read (now ${claim.state ?? 'gone'}): another console is recovering it, or its runner is alive; list the operations again`);
      }
    }
    claimed();
    try {
      const out = await new MigrationRun(plan, migrationPorts(plan, null)).recover(phase);
      return core.operations.update(operationId, { state: out.state === 'aborted' ? 'aborted' : 'failed', endedAt: new Date().toISOString(), error: out.state === 'aborted' ? null : out.error });
    } catch (e) {
      const after = afterFailedRecovery(e, errText(e));
      if (seen) {
        // A refusal (a newer move recorded meanwhile) ends the move's record: nothing was rolled
        // back and nothing may be. Any other error (a timeout, a node down) puts the row back to
        // what the claim found — stale again — so another abort, here or elsewhere, recovers it.
        const r = repo(plan.source.cluster);
        const wrote = after.kind === 'refused' ? r.putMove(plan, 'source', phase, 'failed', after.error, { expect: 'recovering' }) : r.releaseClaim(seen);
        await wrote.catch((w: unknown) => deps.logger.warn('recording a failed recovery failed', { operationId, error: errText(w) }));
      }
      core.operations.update(operationId, { state: after.localState, endedAt: after.localState === 'failed' ? new Date().toISOString() : null, error: after.error });
      throw e;
    }
  };

  /**
   * `migration.abort` for a migration this console has no record of: another console ran it. It is
   * looked up in csm_system.tenant_moves of the (source) cluster; a live one (fresh heartbeat) is
   * asked to abort (CONFLICT, saying so); an orphaned one is recovered here (recovery.ts).
   */
  const abortRecorded = async (cluster: string, operationId: string): Promise<Operation> => {
    requirePlatform(cluster, 'aborting a migration');
    const r = repo(cluster);
    const move = await r.findMove(operationId);
    if (!move) throw new AppError('NOT_FOUND', `no migration ${operationId} recorded in this console or in csm_system.tenant_moves of ${cluster}`);
    const decision = recoveryDecision(move, cluster, await r.serverNow(), staleMs());
    if (decision.kind === 'refuse') throw new AppError(decision.code, decision.message);
    if (decision.kind === 'request-abort') {
      await r.requestAbort(move.tenant, operationId);
      throw new AppError('CONFLICT', decision.message);
    }
    const to = move.toCluster;
    if (!to) throw new AppError('CONFLICT', `migration ${operationId} has no target recorded`);
    await signInForCli(to);
    requirePlatform(to, `recovering a migration to ${to}`);
    const phase = isPhase(move.phase) ? move.phase : 'copy';
    const plan: MigrationPlan = { operationId, source: { cluster, tenant: move.tenant }, target: { cluster: to, tenant: move.targetTenant || move.tenant }, by: move.startedBy };
    // Once claimed, this console's own record of it, so it shows in lists and reads back (portability.result).
    return recoverFromRecord(plan, phase, move, () => {
      if (!core.operations.get(operationId)) core.operations.start({ id: operationId, kind: 'migrate', cluster, tenant: move.tenant, targetCluster: to, targetTenant: plan.target.tenant, phase, startedAt: move.startedAt ?? move.updatedAt });
    });
  };

  const abort = async ({ cluster, operationId }: { cluster: string; operationId: string }): Promise<Operation> => {
    const op = core.operations.get(operationId);
    if (op && op.kind === 'restore' && op.cluster === cluster) return liftStaleRestore(op);
    if (!op) return abortRecorded(cluster, operationId);
    if (op.kind !== 'migrate') throw new AppError('NOT_FOUND', `no migration ${operationId} recorded in this console`);
    if (op.cluster !== cluster) throw new AppError('BAD_INPUT', `migration ${operationId} moves a tenant from ${op.cluster}, not ${cluster}`);
    requirePlatform(cluster, 'aborting a migration');
    const live = runs.get(operationId);
    if (live) {
      live.run.abort();
      if (op.jobId) await deps.jobs.wait(op.jobId)?.catch(() => undefined);
      return core.operations.get(operationId)!;
    }
    if (op.state === 'running') {
      const refusal = localAbortRefusal(op);
      if (refusal) throw new AppError('CONFLICT', refusal);
      // Running in another process of this installation (the recorded operation is shared): ask
      // it through csm_system; it aborts within a heartbeat and rolls back itself.
      await repo(cluster).requestAbort(op.tenant, operationId);
      const deadline = Date.now() + 120_000;
      for (;;) {
        const cur = core.operations.get(operationId)!;
        if (cur.state !== 'running' || Date.now() > deadline) return cur;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    // Not running here (its process is gone, or its roll-back was left incomplete). The source's
    // record on the cluster decides when there is one (recovery.ts, localRecoveryDecision): its
    // phase and its heartbeat, not this console's cached ones — another console may have recovered
    // it meanwhile, or the runner came back and took it further.
    const seen = (await repo(cluster).moves(op.tenant)).find((m) => m.operationId === operationId && m.side === 'source') ?? null;
    const d = localRecoveryDecision(op, seen, cluster, seen ? await repo(cluster).serverNow() : Date.now(), staleMs());
    if (d.kind === 'refuse') {
      if (d.ended) core.operations.update(operationId, { state: d.ended.state, endedAt: d.ended.at, error: d.ended.error });
      throw new AppError(d.code, d.message);
    }
    if (d.kind === 'request-abort') {
      await repo(cluster).requestAbort(op.tenant, operationId);
      throw new AppError('CONFLICT', d.message);
    }
    const to = op.targetCluster;
    if (!to) throw new AppError('CONFLICT', `migration ${operationId} has no target recorded`);
    await signInForCli(to);
    requirePlatform(to, 'aborting a migration');
    const phase = isPhase(d.phase) ? d.phase : 'copy';
    const plan: MigrationPlan = { operationId, source: { cluster, tenant: op.tenant }, target: { cluster: to, tenant: op.targetTenant ?? op.tenant }, by: seen?.startedBy ?? by(cluster) };
    return recoverFromRecord(plan, phase, seen);
  };

  /**
   * Migrations recorded in csm_system.tenant_moves of every cluster this console has platform scope
   * on, as operations (recovery.ts): what other consoles ran or are running. A cluster that cannot
   * be read is skipped (logged): the list still shows the rest.
   */
  const recordedMoves = async (): Promise<Operation[]> => {
    const read = await gatherMoves(
      deps.sessions.platformClusters(),
      async (c) => {
        const r = repo(c);
        const [moves, now] = await Promise.all([r.allMoves(), r.serverNow()]);
        return { moves, now };
      },
      RECORDED_MOVES_TIMEOUT_MS,
      (c, e) => deps.logger.warn('reading csm_system.tenant_moves for the operations list failed', { cluster: c, error: errText(e) }),
    );
    const all: MoveRecord[] = [];
    const nowOf = new Map<MoveRecord, number>();
    for (const { cluster, moves, now } of read) {
      for (const m of validMoves(moves, (bad, why) => deps.logger.warn('a malformed csm_system.tenant_moves row was skipped', { cluster, operationId: bad.operationId.slice(0, 80), why }))) {
        all.push(m);
        nowOf.set(m, now);
      }
    }
    return movesAsOperations(all, (m) => nowOf.get(m) ?? Date.now(), staleMs());
  };

  const ENDED = new Set<Operation['state']>(['succeeded', 'failed', 'aborted']);
  /** A cached migration that another console ended since (it recovered it) reads as recorded. */
  const overlay = (op: Operation, recorded: Operation | undefined): Operation =>
    op.kind === 'migrate' && recorded && ENDED.has(recorded.state) && !ENDED.has(op.state) && !runs.has(op.id) ? { ...op, state: recorded.state, endedAt: recorded.endedAt, error: recorded.error, phase: recorded.phase ?? op.phase } : op;

  const listOperations = async (filter: { cluster?: string | undefined; tenant?: string | undefined; kind?: Operation['kind'] | undefined }): Promise<Operation[]> => {
    const f = { ...(filter.cluster ? { cluster: filter.cluster } : {}), ...(filter.tenant ? { tenant: filter.tenant } : {}), ...(filter.kind ? { kind: filter.kind } : {}) };
    const local = core.operations.list(f).filter(visible);
    if (filter.kind && filter.kind !== 'migrate') return local;
    const recorded = await recordedMoves();
    const byId = new Map(recorded.map((o) => [o.id, o]));
    const extra = recorded.filter((o) => !core.operations.get(o.id) && (!filter.cluster || o.cluster === filter.cluster) && (!filter.tenant || o.tenant === filter.tenant) && visible(o));
    return [...local.map((o) => overlay(o, byId.get(o.id))), ...extra].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  };

  const operationResult = async (operationId: string): Promise<Operation> => {
    const op = core.operations.get(operationId);
    // One the caller may not see reads as absent (its existence is not disclosed either).
    if (op && !visible(op)) throw new AppError('NOT_FOUND', `no operation ${operationId} on this console`);
    // In this console's record and not interrupted: it is what it says (ended, running here, or
    // running in another process of this installation that updates the shared record). Only an
    // interrupted one, or one unknown here, is looked up in csm_system.
    if (op && (op.kind !== 'migrate' || op.state !== 'interrupted' || runs.has(op.id))) return op;
    const found = (await recordedMoves()).find((o) => o.id === operationId);
    if (op) return overlay(op, found);
    if (!found || !visible(found)) throw new AppError('NOT_FOUND', `no operation ${operationId} on this console or in csm_system of its signed-in clusters`);
    return found;
  };

  // Backups -------------------------------------------------------------------------------------

  const createBackup = (cluster: string, tenant: string, trigger: 'schedule' | 'manual', withData: boolean | undefined): { jobId: string; operationId: string; done: Promise<unknown> } => {
    const op = startOp('backup', cluster, tenant, {});
    const started = asJob(op, `Back up tenant ${tenant}`, async (job, progress) => {
      const r = await backups.create(cluster, tenant, trigger, withData, { signal: job.signal, progress });
      if (r.retentionError) deps.logger.warn('backup retention failed', { cluster, tenant, error: r.retentionError });
      return { path: r.backup.path, bytes: r.backup.bytes, sha256: r.backup.sha256, rows: r.backup.rows, tables: r.backup.tables, targetTenant: null };
    });
    return { ...started, done: deps.jobs.wait(started.jobId) ?? Promise.resolve() };
  };

  const purgeDeleted = async (cluster: string): Promise<void> => {
    try {
      const purged = await backups.purgeDeleted(cluster);
      if (purged.length) deps.logger.info('backups of decommissioned tenants removed', { cluster, count: purged.length });
    } catch (e) {
      deps.logger.warn('removing backups of decommissioned tenants failed', { cluster, error: e instanceof Error ? e.message : String(e) });
    }
  };

  /**
   * A verification that crashed leaves its scratch tenant (vb_…): at platform sign-in those older
   * than an hour that no running operation of this console owns are removed.
   */
  const sweepScratch = async (cluster: string): Promise<void> => {
    try {
      const owned = new Set(core.operations.list({ cluster }).filter((o) => o.state === 'running' || o.state === 'paused').map((o) => o.targetTenant));
      const cutoff = Date.now() - 3_600_000;
      for (const row of await deps.tenants.registry(cluster).all()) {
        if (!/^vb_[0-9a-z]{8}$/.test(row.id) || row.state === 'deleted' || owned.has(row.id) || Date.parse(row.createdAt) > cutoff) continue;
        await dropTenant(cluster, row.id);
        await deps.secrets.delete(secretKey.tenant(row.id, SECRET_SERVICE_PASSWORD)).catch(() => false);
        deps.logger.info('stale verification scratch tenant removed', { cluster, tenant: row.id });
      }
    } catch (e) {
      deps.logger.warn('sweeping verification scratch tenants failed', { cluster, error: e instanceof Error ? e.message : String(e) });
    }
  };

  const scheduler = new BackupScheduler({
    host: deps.host,
    clusters: () => deps.sessions.platformClusters(),
    tenants: (cluster) => deps.store.tenantMirror.all().filter((t) => t.cluster === cluster && t.state === 'active').map((t) => t.id),
    policies: (cluster) => repo(cluster).policies(),
    catalogue: (cluster) => repo(cluster).allBackups(),
    configPolicy: (cluster, tenant) => backups.effectivePolicy(cluster, tenant, { policy: null, updatedBy: null, updatedAt: null, measuredRestoreMs: null, measuredAt: null, measuredKind: null }),
    backup: async (cluster, tenant) => {
      await createBackup(cluster, tenant, 'schedule', undefined).done;
    },
    db: deps.store.db,
    logger: deps.logger,
  });

  return {
    backups,
    scheduler,
    onSignIn: async (cluster, platform) => {
      if (!platform) return;
      scheduler.start();
      await purgeDeleted(cluster);
      await sweepScratch(cluster);
    },
    close: () => scheduler.close(),
    handlers: {
      'tenant.migrate': async (input) => migrate(input),
      'migration.abort': async (input) => abort(input),
      // Also what other consoles ran: migrations recorded in csm_system (these override the core's handlers).
      'portability.list': async (filter) => listOperations(filter),
      'portability.result': async ({ operationId }) => operationResult(operationId),
      'backup.create': async ({ cluster, tenant, withData }) => {
        requirePlatform(cluster, 'a backup');
        await backups.preflightCreate(cluster, tenant);
        const { jobId, operationId } = createBackup(cluster, tenant, 'manual', withData);
        return { jobId, operationId };
      },
      'backup.list': async ({ cluster, tenant }) => {
        requirePlatform(cluster, 'the backup catalogue (csm_system)');
        await purgeDeleted(cluster);
        return backups.status(cluster, tenant);
      },
      'backup.setPolicy': async ({ cluster, tenant, policy }) => {
        requirePlatform(cluster, 'a backup policy');
        return backups.setPolicy(cluster, tenant, policy);
      },
      'backup.restore': async ({ cluster, tenant, backupId, into }) => {
        requirePlatform(cluster, 'a restore');
        await backups.preflightRestore(cluster, tenant, backupId, into);
        const op = startOp('restore', cluster, tenant, { targetCluster: cluster, targetTenant: into.kind === 'same' ? tenant : into.tenant });
        return asJob(op, `Restore backup ${backupId} of ${tenant}${into.kind === 'new' ? ` as ${into.tenant}` : ''}`, async (job, progress) => {
          const r = await backups.restore(cluster, tenant, backupId, into, { signal: job.signal, progress });
          const report = r.safetyBackup ? { ...r.report, notes: [...r.report.notes, `the state replaced was backed up first as ${r.safetyBackup} (restore it to undo this restore)`] } : r.report;
          return { tables: r.tables, rows: r.rows, report, targetTenant: r.tenant };
        });
      },
      'backup.verify': async ({ cluster, tenant, backupId }) => {
        requirePlatform(cluster, 'verifying a backup');
        await backups.preflightVerify(cluster, tenant, backupId);
        const op = startOp('verify-backup', cluster, tenant, { targetCluster: cluster });
        return asJob(op, `Verify backup ${backupId} of ${tenant}`, async (job, progress) => {
          const r = await backups.verify(cluster, tenant, backupId, { signal: job.signal, progress });
          core.operations.update(op.id, { targetTenant: r.scratch, report: r.report });
          if (!r.ok) throw new AppError('CONFLICT', `backup ${backupId} did not verify: ${r.error ?? (r.report ? r.report.notes.join('; ') || 'tables or grants differ' : 'no report')}`);
          return { report: r.report, targetTenant: r.scratch };
        });
      },
    },
  };
}
