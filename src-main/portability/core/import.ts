import { randomBytes, randomUUID } from 'node:crypto';
import { AppError } from '../../app/errors';
import type { ModuleDeps } from '../../app/module-deps';
import type { CqlClient } from '../../cassandra/connections';
import type { KeyService } from '../../keys/hierarchy';
import { fromDriverError } from '../../cassandra/driver-errors';
import { newRole, qualified } from '../../cassandra/identifiers';
import { waitForAgreement } from '../../cassandra/system-schema';
import { emptyProfile, ProfileStore, isMissingTable, writeMirror } from '../../compliance/store';
import { alterLogin, createLoginRole, createLoginRoleHashed, dropRole, grantRole, TENANT_USERS_TABLE } from '../../tenancy/cql';
import { TenantRegistry } from '../../tenancy/registry';
import { newSaga, rollbackSaga, runSaga, toWire, type SagaIo, type StepDef } from '../../tenancy/saga';
import { createSteps, type CreateParams, type SagaCtx } from '../../tenancy/steps';
import type { VerificationReport } from '../../../src-shared/contract/portability';
import { tenantConsoleKeyspace } from '../../../src-shared/rules/lifecycle';
import type { Template } from '../../../src-shared/rules/templates';
import type { BundleReader, ImportRequest, ImportResult, PortabilityCore, ProgressSink } from '../types';
import { carryKeks, type CarriedKek } from './import-keys';
import { createTableCql, grantCql, insertCql, truncateCql, type TableShape } from './import-cql';
import { CONFIG_TABLE, planImport, type ImportPlan, type PlannedGrant, type TargetFacts } from './import-plan';
import { buildReport, certificateCount, compareGrants, compareTables, digestTable, grantsLive, mapGrants, shapesOf, tenantKeyspacesLive, tenantRolesLive, type TableFigure } from './verify';

/**
 * Import, verification against a bundle and live verification (issue 11 item 2).
 *
 * A new tenant is provisioned by tenancy's own saga (steps.ts: registry row, keyspaces, keys,
 * roles and their DC access, console tables, CA, activation), run with a template built from the
 * bundle's keyspaces; the importer then adds the bundle's tables (rebuilt from their parsed
 * shapes), users, grants exactly as listed (mapped to the new id) and rows. Any failure after the
 * reservation rolls the saga back (keyspaces, roles, keys, registry row — the tenant's own names
 * only), so nothing of a half-imported tenant stays and no other tenant is touched.
 *
 * Every table the import loads is read from the bundle once before anything is created (the
 * reader checks every chunk's checksums; the importer checks row counts and columns against the
 * manifest): a tampered bundle is refused with nothing created. Content digests are compared
 * after the load, target rows read back against the manifest's figures.
 */

export interface ImporterOptions {
  /** Opens (and authenticates) a bundle file; core/bundle.ts's reader, wired by core/handlers.ts. */
  openBundle?: (path: string, passphrase?: string) => Promise<BundleReader>;
  /** Inserts in flight per table (bounded; no logged batches across partitions). */
  concurrency?: number;
}

export interface Importer {
  importBundle(req: ImportRequest): Promise<ImportResult>;
  verifyAgainstBundle(cluster: string, tenant: string, path: string, passphrase?: string): Promise<VerificationReport>;
  verifyLive(source: { cluster: string; tenant: string }, target: { cluster: string; tenant: string }): Promise<VerificationReport>;
  /** The same, from an open reader (the caller closes it): migration and tests. */
  importReader(reader: BundleReader, req: Omit<ImportRequest, 'path' | 'passphrase'>): Promise<ImportResult>;
  verifyReader(cluster: string, tenant: string, reader: BundleReader, notes?: string[]): Promise<VerificationReport>;
}

export const DEFAULT_CONCURRENCY = 48;

/** Prepared INSERTs, at most `concurrency` in flight; rows bound as parameters (null → unset, no tombstones); no logged batches across partitions. */
export async function loadRows(client: CqlClient, toKs: string, shape: TableShape, pages: AsyncIterable<Record<string, unknown>[]>, opts: { concurrency: number; onRows?: (n: number) => void; signal?: AbortSignal }): Promise<number> {
  const q = insertCql(toKs, shape);
  const cols = shape.columns.map((c) => c.name);
  const inflight = new Set<Promise<void>>();
  let failure: unknown = null;
  let n = 0;
  for await (const page of pages) {
    for (const row of page) {
      if (failure) break;
      if (opts.signal?.aborted) throw new AppError('CANCELLED', 'import cancelled');
      const p: Promise<void> = client
        .execute(q, cols.map((c) => row[c] ?? undefined), { prepare: true })
        .then(
          () => {
            n++;
          },
          (e: unknown) => {
            failure ??= e;
          },
        )
        .finally(() => inflight.delete(p));
      inflight.add(p);
      if (inflight.size >= opts.concurrency) await Promise.race(inflight);
    }
    if (failure) break;
    opts.onRows?.(n);
  }
  await Promise.all(inflight);
  if (failure) throw fromDriverError(failure, `loading ${toKs}.${shape.table}`);
  return n;
}

/** The carried keys open: a value sealed and opened again through the tenant's (imported) cache data key. */
async function probeKeys(keys: KeyService, tenant: string): Promise<void> {
  keys.forget(tenant);
  const probe = `import probe ${randomUUID()}`;
  const back = await keys.decrypt(tenant, 'cache', await keys.encrypt(tenant, 'cache', probe)).catch((e: unknown) => {
    throw new AppError('CONFLICT', `the imported keys of ${tenant} do not open (${e instanceof Error ? e.message : 'error'}); import refused`);
  });
  if (back.toString('utf8') !== probe) throw new AppError('CONFLICT', `the imported keys of ${tenant} do not round-trip; import refused`);
}

async function guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw fromDriverError(e, what);
  }
}

export function createImporter(deps: ModuleDeps, _operations: PortabilityCore['operations'], opts: ImporterOptions = {}): Importer {
  const concurrency = Math.max(1, Math.min(256, opts.concurrency ?? DEFAULT_CONCURRENCY));

  const operator = (cluster: string): CqlClient => {
    const c = deps.connections.operator(cluster);
    if (!c) throw new AppError('NOT_SIGNED_IN', `sign in to cluster ${cluster} first`);
    return c;
  };
  const platform = (cluster: string): void => {
    if (!deps.sessions.scopeOf(cluster)?.platform) throw new AppError('FORBIDDEN', `importing a tenant needs platform scope on ${cluster}`);
  };
  const withReader = async <T>(path: string, passphrase: string | undefined, fn: (r: BundleReader) => Promise<T>): Promise<T> => {
    if (!opts.openBundle) throw new AppError('UNAVAILABLE', 'no bundle reader is wired into the importer');
    const reader = await opts.openBundle(path, passphrase);
    try {
      return await fn(reader);
    } finally {
      await reader.close().catch(() => undefined);
    }
  };

  /** The bundle's compliance profile becomes the new tenant's when the target has none for that id (one it has is kept: it bound the plan). */
  async function carryProfile(client: CqlClient, cluster: string, plan: ImportPlan): Promise<void> {
    if (!plan.compliance) return;
    const store = new ProfileStore(client);
    if (await store.get(plan.target)) {
      plan.notes.push(`tenant ${plan.target} keeps the compliance profile already stored on the target`);
      return;
    }
    const saved = await store.put({ ...emptyProfile(plan.target), ...plan.compliance }, 0, deps.sessions.scopeOf(cluster)?.role ?? 'unknown');
    await writeMirror(client, saved);
    plan.notes.push(`compliance profile carried from the bundle${saved.boundary ? ` (boundary ${saved.boundary.map((b) => b.dc).join(', ')})` : ''}`);
  }

  /** What the plan needs to know about the target, read before anything is written. */
  async function targetFacts(cluster: string, client: CqlClient, ids: string[]): Promise<TargetFacts> {
    const rows = await new TenantRegistry(client).all();
    // Tenant ids are unique per installation: the target id used on another cluster this console knows is taken too.
    // A deleted (shredded) tenant's id stays taken: its bundle must not resurrect its keys under that id.
    const elsewhere = deps.store.tenantMirror.byId(ids[0]!).filter((m) => m.cluster !== cluster);
    return guard(`reading cluster ${cluster}`, async () => {
      const keyspaces = new Set<string>();
      for await (const r of await client.execute('SELECT keyspace_name FROM system_schema.keyspaces', [], { fetchSize: 5000 })) keyspaces.add(String(r['keyspace_name']));
      const roles = new Set((await client.execute('LIST ROLES')).rows.map((r) => String(r['role'])));
      const boundaries: TargetFacts['boundaries'] = [];
      for (const id of [...new Set(ids)]) {
        try {
          const b = (await new ProfileStore(client).get(id))?.boundary;
          if (b) boundaries.push({ tenant: id, boundary: b });
        } catch (e) {
          if (!isMissingTable(e)) throw e;
        }
      }
      const registered = new Set([...rows.map((r) => r.id), ...elsewhere.map((m) => m.id)]);
      const deleted = new Set([...rows.filter((r) => r.state === 'deleted').map((r) => r.id), ...elsewhere.filter((m) => m.state === 'deleted').map((m) => m.id)]);
      return { cluster, dataCenters: [...new Set([...client.hosts.values()].map((h) => h.datacenter))].sort(), registered, deleted, keyspaces, roles, boundaries };
    });
  }

  /**
   * Read every table the import will load once before anything is created: the reader checks each
   * chunk against its checksums as it goes (a tampered byte is refused here), and the row counts
   * and columns must be the manifest's. Content digests are compared after loading, on rows read
   * back from the target, where both sides are values the driver decoded (a bundle's decoded
   * values are driver-ready for binding, not the driver's read types, so they are not digested here).
   */
  async function precheck(reader: BundleReader, plan: ImportPlan, progress?: ProgressSink, signal?: AbortSignal): Promise<void> {
    const tables = plan.tables.filter((t) => t.load);
    let i = 0;
    for (const t of tables) {
      const cols = new Set(t.shape.columns.map((c) => c.name));
      let n = 0;
      for await (const page of reader.rows(t.fromKs, t.shape.table)) {
        if (signal?.aborted) throw new AppError('CANCELLED', 'import cancelled');
        for (const row of page) {
          const stray = Object.keys(row).find((k) => !cols.has(k));
          if (stray) throw new AppError('BAD_INPUT', `bundle: a row of ${t.fromKs}.${t.shape.table} has column ${stray.slice(0, 48)}, which the table does not declare; refused, nothing was created`);
          n++;
        }
      }
      if (n !== t.rows) throw new AppError('BAD_INPUT', `bundle: table ${t.fromKs}.${t.shape.table} holds ${n} rows, its manifest lists ${t.rows}; refused, nothing was created`);
      progress?.({ phase: 'check', done: ++i, total: tables.length, message: `checked ${t.fromKs}.${t.shape.table}: ${n} rows` });
    }
  }

  function loadTable(client: CqlClient, reader: BundleReader, fromKs: string, toKs: string, shape: TableShape, onRows: (n: number) => void, signal?: AbortSignal): Promise<number> {
    return loadRows(client, toKs, shape, reader.rows(fromKs, shape.table), { concurrency, onRows, ...(signal ? { signal } : {}) });
  }

  async function applyGrants(client: CqlClient, plan: ImportPlan): Promise<void> {
    const roles = plan.roles.map((r) => r.to);
    for (const g of plan.grants) for (const p of g.permissions) await guard('granting tenant permissions', () => client.execute(grantCql('GRANT', p, g.resource, g.role)));
    // Exactly the bundle's: what provisioning granted beyond it is revoked (tenant roles only).
    const want = new Set(plan.grants.flatMap((g) => g.permissions.map((p) => `${g.role}\u0000${g.resource}\u0000${p}`)));
    for (const g of await grantsLive(client, roles)) {
      for (const p of g.permissions) {
        if (want.has(`${g.role}\u0000${g.resource}\u0000${p}`)) continue;
        let stmt: string;
        try {
          stmt = grantCql('REVOKE', p, g.resource, g.role);
        } catch {
          continue; // a resource kind the console does not manage (functions, MBeans): left as it is
        }
        await guard('revoking a permission the bundle does not list', () => client.execute(stmt));
      }
    }
  }

  /**
   * Users and memberships, inside the tenant only. A user the bundle carries a hash for keeps its
   * password (WITH HASHED PASSWORD); one without gets a random password (the plan's notes say so).
   * A user that already exists (restore in place) keeps the password it has now.
   */
  async function applyRoles(client: CqlClient, plan: ImportPlan, operatorRole: string): Promise<string[]> {
    const created: string[] = [];
    for (const r of plan.roles.filter((x) => x.kind === 'user')) {
      const exists = (await client.execute('LIST ROLES')).rows.some((x) => String(x['role']) === r.to);
      if (!exists) {
        const stmt = r.passwordHash ? createLoginRoleHashed(r.to, r.passwordHash, plan.dataCenters) : createLoginRole(r.to, randomBytes(24).toString('base64url'), plan.dataCenters);
        await guard(`creating user ${r.to}`, () => client.execute(stmt));
        created.push(r.to);
      }
      if (!r.login) await guard(`locking ${r.to}`, () => client.execute(alterLogin(r.to, false)));
      await guard('recording the user', () =>
        client.execute(`INSERT INTO ${qualified(tenantConsoleKeyspace(plan.target), TENANT_USERS_TABLE)} (name, role, created_by, created_at) VALUES (?, ?, ?, ?)`, [r.to.slice(`tenant_${plan.target}_u_`.length), r.to, operatorRole, new Date()], { prepare: true }),
      );
    }
    for (const r of plan.roles) {
      const has = new Set((await guard(`reading the roles of ${r.to}`, () => client.execute(`LIST ROLES OF ${newRole(r.to)}`))).rows.map((x) => String(x['role'])));
      for (const g of r.memberOf) if (!has.has(g)) await guard(`granting ${g} to ${r.to}`, () => client.execute(grantRole(g, r.to)));
    }
    return created;
  }

  async function createAndLoadTables(client: CqlClient, reader: BundleReader, plan: ImportPlan, progress: ProgressSink | undefined, signal: AbortSignal | undefined, truncate: boolean): Promise<number> {
    const load = plan.tables.filter((t) => t.load);
    for (const t of load) await guard(`creating ${t.toKs}.${t.shape.table}`, () => client.execute(createTableCql(t.toKs, t.shape)));
    await waitForAgreement(client, `creating the tables of ${plan.target}`);
    const total = load.reduce((n, t) => n + t.rows, 0);
    let done = 0;
    let tablesDone = 0;
    for (const t of load) {
      if (truncate) await guard(`truncating ${t.toKs}.${t.shape.table}`, () => client.execute(truncateCql(t.toKs, t.shape.table)));
      const base = done;
      done += await loadTable(client, reader, t.fromKs, t.toKs, t.shape, (n) => progress?.({ phase: 'data', done: base + n, total, message: `${t.toKs}.${t.shape.table}: ${n} rows` }), signal);
      progress?.({ phase: 'data', done, total, message: `table ${++tablesDone}/${load.length} loaded` });
    }
    return done;
  }

  async function provision(client: CqlClient, cluster: string, plan: ImportPlan, signal: AbortSignal, progress?: ProgressSink): Promise<{ rollback(): Promise<void> }> {
    const template: Template = {
      name: 'import',
      description: `import of ${plan.source}`,
      replicationFactor: plan.replicationFactor,
      keyspaces: plan.keyspaces.filter((k) => !k.console).map((k) => ({ suffix: k.suffix, tables: [] })),
      quotas: {},
      policies: {},
      features: {},
      config: {},
    };
    const keyspaces = [...plan.keyspaces.filter((k) => !k.console).map((k) => k.to), tenantConsoleKeyspace(plan.target)];
    const params: CreateParams = {
      name: plan.name,
      tier: plan.tier,
      isolation: 'keyspace',
      dataCenters: plan.dataCenters,
      color: plan.color,
      templateName: `import of ${plan.source}`.slice(0, 80),
      template,
      keyspaces,
      adminUser: plan.adminUser ?? 'none',
    };
    // Without a source user holding the admin role there is no initial admin to create.
    const steps = createSteps(false).filter((s) => plan.adminUser !== null || s.name !== 'admin-user');
    const jobId = randomUUID();
    const opRole = deps.sessions.scopeOf(cluster)?.role ?? 'unknown';
    const adminHash = plan.adminUser ? (plan.roles.find((r) => r.to === `tenant_${plan.target}_u_${plan.adminUser}`)?.passwordHash ?? null) : null;
    const registry = new TenantRegistry(client);
    const ctx: SagaCtx = {
      cluster,
      client,
      registry,
      keys: deps.keys.for(cluster),
      secrets: deps.secrets,
      connections: deps.connections,
      tenantId: plan.target,
      jobId,
      operator: opRole,
      params,
      wipeLocal: async (id) => deps.store.tenantMirror.wipeCachedValues(id),
      signal,
      ...(plan.adminUser ? { adminPassword: randomBytes(24).toString('base64url') } : {}),
      ...(adminHash ? { adminPasswordHash: adminHash } : {}),
    };
    const rec = newSaga({ jobId, cluster, tenantId: plan.target, kind: 'create', startedBy: opRole, owner: `import-${jobId}`, params: params as unknown as Record<string, unknown> }, steps as StepDef<unknown>[]);
    const io: SagaIo = {
      registry,
      publish: (r) => deps.bus.emit('tenant.saga', toWire(r, false)),
      progress: (step, f, m) => progress?.({ phase: 'provision', done: Math.round(f * steps.length), total: steps.length, message: m ? `${step}: ${m}` : step }),
      signal,
    };
    const rollback = async (): Promise<void> => {
      await registry.transition(plan.target, ['failed', 'provisioning', 'draft', 'active'], 'decommissioning').catch(() => undefined);
      await rollbackSaga(rec, steps, ctx, io);
      deps.store.tenantMirror.delete(cluster, plan.target);
      deps.sessions.removeTenant(cluster, plan.target);
    };
    try {
      await runSaga(rec, steps, ctx, io);
    } catch (e) {
      await rollback().catch((r: unknown) => deps.logger.error('import: rolling back the provisioning failed', { tenant: plan.target, error: r instanceof Error ? r.message : String(r) }));
      throw e;
    }
    deps.sessions.addTenant(cluster, plan.target);
    return { rollback };
  }

  async function importReader(reader: BundleReader, req: Omit<ImportRequest, 'path' | 'passphrase'>): Promise<ImportResult> {
    const { cluster, progress } = req;
    const signal = req.signal ?? new AbortController().signal;
    platform(cluster);
    const client = operator(cluster);
    const m = reader.manifest;
    const target = req.newId ?? String(m.tenant);
    // Same id on a new home (migration): the tenant's KEKs come along, so its data keys, CA and certificates do too.
    let keks: CarriedKek[] = [];
    const keyNotes: string[] = [];
    if (!req.intoExisting && target === m.tenant) {
      try {
        const k = await reader.keys();
        if (k.tenantId !== m.tenant) throw new AppError('BAD_INPUT', 'bundle: the key material belongs to another tenant');
        keks = k.keks.filter((x) => x.state !== 'destroyed');
      } catch (e) {
        if (e instanceof AppError && /another tenant/.test(e.message)) throw e;
        keyNotes.push(`the bundle's key material could not be used (${e instanceof AppError ? e.message : 'unreadable'}): the tenant gets new keys and a new CA`);
      }
    } else if (!req.intoExisting) {
      keyNotes.push(`new id: tenant ${target} has new keys (KEK, data keys, signing key) and a new CA — key envelopes are bound to the tenant id`);
    }
    const plan = planImport(m, { newId: req.newId, dcMap: req.dcMap, intoExisting: req.intoExisting, carryKeys: keks.length > 0 }, await targetFacts(cluster, client, [target, String(m.tenant)]));
    plan.notes.push(...keyNotes);
    progress?.({ phase: 'plan', done: 0, total: null, message: `${plan.source} → ${plan.target} on ${cluster}: ${plan.tables.length} tables, DCs ${plan.dataCenters.join(', ')}` });
    await precheck(reader, plan, progress, signal);
    if (plan.intoExisting) {
      const row = await new TenantRegistry(client).get(plan.target);
      if (row?.state !== 'active' && row?.state !== 'migrating') throw new AppError('CONFLICT', `tenant ${plan.target} is ${row?.state ?? 'missing'}; restore into an active tenant`);
      const rows = await createAndLoadTables(client, reader, plan, progress, signal, true);
      const report = await verifyPlan(client, plan, [...plan.notes, 'restored into the existing tenant: tables truncated and loaded; roles, grants and keys left as they are']);
      return { cluster, tenant: plan.target, tables: plan.tables.filter((t) => t.load).length, rows, report };
    }
    const created = await provision(client, cluster, plan, signal, progress);
    const extra: string[] = [];
    try {
      await carryProfile(client, cluster, plan);
      if (keks.length) {
        const versions = await carryKeks(client, deps.keys.for(cluster), plan.target, keks);
        plan.notes.push(`key material carried: KEK version${versions.length === 1 ? '' : 's'} ${versions.join(', ')} rewrapped under this installation's master key`);
      }
      await createAndLoadTables(client, reader, plan, progress, signal, true);
      if (keks.length) await probeKeys(deps.keys.for(cluster), plan.target);
      extra.push(...(await applyRoles(client, plan, deps.sessions.scopeOf(cluster)?.role ?? 'unknown')));
      await applyGrants(client, plan);
      progress?.({ phase: 'verify', done: 0, total: null, message: 'verifying against the bundle' });
      const report = await verifyPlan(client, plan, plan.notes);
      await deps.tenants.sync(cluster).catch(() => 0);
      const rows = plan.tables.filter((t) => t.load).reduce((n, t) => n + t.rows, 0);
      return { cluster, tenant: plan.target, tables: plan.tables.filter((t) => t.load).length, rows, report };
    } catch (e) {
      progress?.({ phase: 'rollback', done: 0, total: null, message: `import failed; removing tenant ${plan.target}` });
      for (const r of extra) {
        await deps.connections.closeRole(cluster, r).catch(() => undefined);
        await client.execute(dropRole(r)).catch(() => undefined);
      }
      await created.rollback().catch((r: unknown) => deps.logger.error('import: rollback failed', { tenant: plan.target, error: r instanceof Error ? r.message : String(r) }));
      await deps.tenants.sync(cluster).catch(() => 0);
      throw e;
    }
  }

  /** The target as it is now against the plan's source figures (manifest) and mapped grants. */
  async function verifyPlan(client: CqlClient, plan: ImportPlan, notes: string[]): Promise<VerificationReport> {
    const compared = plan.tables.filter((t) => t.load);
    const source: TableFigure[] = compared.map((t) => ({ keyspace: t.toKs, table: t.shape.table, rows: t.rows, digest: t.digest }));
    const target: TableFigure[] = [];
    for (const t of compared) target.push(await digestTable(client, t.toKs, t.shape));
    const tables = compareTables(source, target);
    const grants = compareGrants(plan.grants, await grantsLive(client, await tenantRolesLive(client, plan.target)));
    const configTable = tables.find((t) => t.keyspace === tenantConsoleKeyspace(plan.target) && t.table === CONFIG_TABLE);
    const out = [...notes];
    if (!configTable) out.push('the bundle carries no configuration table: configuration not compared');
    const certsTable = plan.tables.find((t) => t.console && t.shape.table === 'pki_certs');
    return buildReport({ tables, grants, configEqual: configTable ? configTable.ok : true, certificates: { source: certsTable?.rows ?? 0, target: await certificateCount(client, plan.target) }, notes: out, newTenantId: plan.source !== plan.target });
  }

  async function verifyReader(cluster: string, tenant: string, reader: BundleReader, notes: string[] = []): Promise<VerificationReport> {
    const client = operator(cluster);
    const facts = await targetFacts(cluster, client, [tenant, String(reader.manifest.tenant)]);
    if (!facts.registered.has(tenant)) throw new AppError('NOT_FOUND', `tenant ${tenant} is not registered on ${cluster}`);
    const plan = planImport(reader.manifest, { newId: tenant, intoExisting: true }, { ...facts, dataCenters: facts.dataCenters, boundaries: [] });
    return verifyPlan(client, plan, [...plan.notes.filter((n) => !n.startsWith('restored')), ...notes]);
  }

  async function liveSide(cluster: string, tenant: string): Promise<{ client: CqlClient; tables: { ks: string; shape: TableShape }[] }> {
    const client = operator(cluster);
    const tables: { ks: string; shape: TableShape }[] = [];
    for (const ks of await tenantKeyspacesLive(client, tenant)) {
      for (const shape of await shapesOf(client, ks)) {
        if (ks === tenantConsoleKeyspace(tenant) && shape.table !== CONFIG_TABLE) continue; // console tables differ by design (keys, audit chain, info)
        tables.push({ ks, shape });
      }
    }
    return { client, tables };
  }

  async function verifyLive(src: { cluster: string; tenant: string }, dst: { cluster: string; tenant: string }): Promise<VerificationReport> {
    const a = await liveSide(src.cluster, src.tenant);
    const b = await liveSide(dst.cluster, dst.tenant);
    const rename = (ks: string) => `tenant_${dst.tenant}_${ks.slice(`tenant_${src.tenant}_`.length)}`;
    const sFig: TableFigure[] = [];
    for (const t of a.tables) sFig.push({ ...(await digestTable(a.client, t.ks, t.shape)), keyspace: rename(t.ks) });
    const tFig: TableFigure[] = [];
    for (const t of b.tables) tFig.push(await digestTable(b.client, t.ks, t.shape));
    const tables = compareTables(sFig, tFig);
    const sGrants: PlannedGrant[] = mapGrants(await grantsLive(a.client, await tenantRolesLive(a.client, src.tenant)), src.tenant, dst.tenant);
    const tGrants = await grantsLive(b.client, await tenantRolesLive(b.client, dst.tenant));
    const config = tables.find((t) => t.keyspace === tenantConsoleKeyspace(dst.tenant) && t.table === CONFIG_TABLE);
    const notes = [`live comparison: ${src.tenant}@${src.cluster} → ${dst.tenant}@${dst.cluster}; console tables other than ${CONFIG_TABLE} (keys, audit chain, tenant info) are not compared`];
    return buildReport({
      tables,
      grants: compareGrants(sGrants, tGrants),
      configEqual: config ? config.ok : true,
      certificates: { source: await certificateCount(a.client, src.tenant), target: await certificateCount(b.client, dst.tenant) },
      notes,
    });
  }

  return {
    importBundle: (req) => withReader(req.path, req.passphrase, (r) => importReader(r, req)),
    verifyAgainstBundle: (cluster, tenant, path, passphrase) => withReader(path, passphrase, (r) => verifyReader(cluster, tenant, r)),
    verifyLive,
    importReader,
    verifyReader,
  };
}
