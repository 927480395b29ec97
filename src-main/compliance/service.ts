import { AppError } from '../app/errors';
import type { InternalDispatch } from '../app/module';
import type { Logger } from '../app/log';
import type { ConnectionManager, CqlClient } from '../cassandra/connections';
import { fromDriverError } from '../cassandra/driver-errors';
import { waitForAgreement } from '../cassandra/system-schema';
import type { SessionService } from '../identity/sessions';
import type { TenantContext } from '../ipc/router';
import type { Store } from '../store';
import { TenantRegistry } from '../tenancy/registry';
import { contract, isChannelName, type ChannelName } from '../../src-shared/contract';
import type { ComplianceProfile, ComplianceScan, ComplianceSummary, Drift } from '../../src-shared/contract/compliance';
import type { IsolationReport } from '../../src-shared/contract/isolation';
import type { KeyPolicy, TenantKeyStatus } from '../../src-shared/contract/keys';
import { effectivePolicy, overrideProblems, type Framework, type Overrides } from '../../src-shared/rules/compliance';
import { isTenantKeyspace, tenantConsoleKeyspace } from '../../src-shared/rules/lifecycle';
import { checkWithinBoundary } from './boundary';
import { buildControls, type Got } from './controls';
import { allowedDcs, analyzeDrift, outsideBoundary, type TenantSnapshot } from './drift';
import { clusterDcs, keyspaceNames, readKeyspaces, readRoles } from './reader';
import { emptyProfile, isMissingTable, ProfileStore, readMirror, writeMirror, type StoredProfile } from './store';

export interface ComplianceServiceDeps {
  connections: Pick<ConnectionManager, 'operator'>;
  sessions: Pick<SessionService, 'scopeOf'>;
  store: Pick<Store, 'tenantMirror'>;
  dispatch: InternalDispatch;
  logger?: Logger;
  /** Cache lifetime of a profile read for the approval gate and boundary checks (ms). */
  cacheMs?: number;
  now?: () => Date;
}

export interface SetInput {
  cluster: string;
  tenant: string;
  boundary?: { dc: string; region: string }[] | null | undefined;
  frameworks?: Framework[] | undefined;
  overrides?: Overrides | undefined;
  expectedVersion?: number | undefined;
}

type ReadFrom = ComplianceProfile['readFrom'];

/** Only channels the contract marks approvable may be listed as needing approval. */
export const isApprovable = (ch: string): boolean => isChannelName(ch) && (contract[ch] as { approvable?: boolean }).approvable === true;

const since = (t0: bigint): number => Math.round(Number(process.hrtime.bigint() - t0) / 1e3) / 1e3;

/**
 * Compliance boundaries and profiles (issue 6 items 3–4). Platform consoles read and write
 * csm_system.compliance_profiles; tenant admins and auditors (who cannot read csm_system) read
 * the copy a platform console keeps in the tenant's console keyspace.
 */
export class ComplianceService {
  private readonly cache = new Map<string, { at: number; profile: StoredProfile; readFrom: ReadFrom }>();
  /** Counts of the last scan per tenant, for compliance.list (in memory: a restart forgets them). */
  private readonly lastScans = new Map<string, { pass: number; fail: number; drift: number; at: string }>();
  constructor(private readonly deps: ComplianceServiceDeps) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  private client(cluster: string): CqlClient {
    const c = this.deps.connections.operator(cluster);
    if (!c) throw new AppError('NOT_SIGNED_IN', `sign in to cluster ${cluster} first`);
    return c;
  }

  private platform(cluster: string): boolean {
    return this.deps.sessions.scopeOf(cluster)?.platform === true;
  }

  /** The stored profile (no cache), from csm_system for platform sessions, else from the tenant's copy. */
  private async read(cluster: string, tenant: string): Promise<{ profile: StoredProfile; readFrom: ReadFrom }> {
    const client = this.client(cluster);
    try {
      if (this.platform(cluster)) {
        const p = await new ProfileStore(client).get(tenant);
        return p ? { profile: p, readFrom: 'csm_system' } : { profile: emptyProfile(tenant), readFrom: 'none' };
      }
      const p = await readMirror(client, tenant);
      return p ? { profile: p, readFrom: 'tenant-keyspace' } : { profile: emptyProfile(tenant), readFrom: 'none' };
    } catch (e) {
      if (isMissingTable(e)) return { profile: emptyProfile(tenant), readFrom: 'none' };
      throw e;
    }
  }

  /** Short-lived cache for the approval gate and boundary checks; invalidated by this console's own writes. */
  private async cached(cluster: string, tenant: string): Promise<{ profile: StoredProfile; readFrom: ReadFrom }> {
    const key = `${cluster}\u0000${tenant}`;
    const hit = this.cache.get(key);
    const ttl = this.deps.cacheMs ?? 10_000;
    if (hit && Date.now() - hit.at < ttl) return hit;
    const got = await this.read(cluster, tenant);
    this.cache.set(key, { at: Date.now(), ...got });
    return got;
  }

  invalidate(cluster: string, tenant: string): void {
    this.cache.delete(`${cluster}\u0000${tenant}`);
  }

  view(cluster: string, p: StoredProfile, readFrom: ReadFrom): ComplianceProfile {
    const { policy, fields } = effectivePolicy(p.frameworks, p.overrides);
    return { cluster, tenant: p.tenant, boundary: p.boundary, frameworks: p.frameworks, overrides: p.overrides, effective: policy, fields, version: p.version, updatedBy: p.updatedBy, updatedAt: p.updatedAt, readFrom };
  }

  async get(cluster: string, tenant: string): Promise<ComplianceProfile> {
    const { profile, readFrom } = await this.read(cluster, tenant);
    this.cache.set(`${cluster}\u0000${tenant}`, { at: Date.now(), profile, readFrom });
    return this.view(cluster, profile, readFrom);
  }

  async list(cluster: string): Promise<ComplianceSummary[]> {
    let all: StoredProfile[] = [];
    try {
      all = await new ProfileStore(this.client(cluster)).all();
    } catch (e) {
      if (!isMissingTable(e)) throw e;
    }
    return all.map((p) => {
      const last = this.lastScans.get(`${cluster}\u0000${p.tenant}`);
      return { tenant: p.tenant, frameworks: p.frameworks, boundary: p.boundary?.map((b) => b.dc) ?? null, version: p.version, pass: last?.pass ?? null, fail: last?.fail ?? null, drift: last?.drift ?? null, scannedAt: last?.at ?? null };
    });
  }

  /** The router's approval gate asks this for every approvable call: cheap (cached), fails closed. */
  async requiresApproval(cluster: string, tenant: string, channel: ChannelName, input?: unknown): Promise<boolean> {
    if (!isApprovable(channel)) return false;
    const { profile } = await this.cached(cluster, tenant);
    const now = effectivePolicy(profile.frameworks, profile.overrides).policy;
    if (channel === 'compliance.set' && !now.approvalRequired.includes('compliance.set')) {
      // The two-person rule guards itself: one operator must not drop a framework or an override to
      // run a guarded call alone and put the profile back. A change that leaves every guarded
      // channel guarded (and the boundary in place) needs no second person; one that weakens it does.
      if (now.approvalRequired.length === 0) return false;
      const i = (input ?? {}) as { frameworks?: StoredProfile['frameworks']; overrides?: StoredProfile['overrides']; boundary?: unknown };
      const next = effectivePolicy(i.frameworks === undefined ? profile.frameworks : i.frameworks, i.overrides === undefined ? profile.overrides : i.overrides).policy;
      if (now.approvalRequired.some((ch) => !next.approvalRequired.includes(ch))) return true;
      return i.boundary === null && profile.boundary !== null;
    }
    return now.approvalRequired.includes(channel);
  }

  /** For other features: refuse replication or DC access for `tenant` outside its boundary (CONFLICT). */
  async assertWithinBoundary(cluster: string, tenant: string, dcs: readonly string[], what?: string): Promise<void> {
    const { profile } = await this.cached(cluster, tenant);
    checkWithinBoundary(tenant, profile.boundary, dcs, what);
  }

  private async snapshot(cluster: string, tenant: string, boundary: StoredProfile['boundary']): Promise<TenantSnapshot> {
    const client = this.client(cluster);
    if (this.platform(cluster)) {
      const row = await new TenantRegistry(client).get(tenant);
      if (!row) throw new AppError('NOT_FOUND', `tenant ${tenant} is not registered on ${cluster}`);
      const names = [...new Set([...row.keyspaces, tenantConsoleKeyspace(tenant)])];
      const [keyspaces, roles] = await Promise.all([readKeyspaces(client, names), readRoles(client, tenant, row.roles)]);
      return { tenant, registryDcs: [...row.dataCenters].sort(), boundary, keyspaces, roles, clusterDcs: clusterDcs(client) };
    }
    // Tenant admins and auditors: the registry is csm_system (platform only), so the mirror this
    // console synced at sign-in gives the DCs, and keyspaces are found by name.
    const m = this.deps.store.tenantMirror.get(cluster, tenant);
    if (!m) throw new AppError('NOT_FOUND', `tenant ${tenant} is not known on ${cluster} (sign in again to refresh the tenant list)`);
    const names = (await keyspaceNames(client)).filter((k) => isTenantKeyspace(tenant, k));
    const [keyspaces, roles] = await Promise.all([readKeyspaces(client, names), readRoles(client, tenant, [])]);
    return { tenant, registryDcs: [...m.dataCenters].sort(), boundary, keyspaces, roles, clusterDcs: clusterDcs(client) };
  }

  async set(input: SetInput, ctx: TenantContext | null, operator: string): Promise<ComplianceProfile> {
    const { cluster, tenant } = input;
    const client = this.client(cluster);
    const store = new ProfileStore(client);
    const cur = (await store.get(tenant)) ?? emptyProfile(tenant);
    if (input.expectedVersion !== undefined && input.expectedVersion !== cur.version) {
      throw new AppError('CONFLICT', `the compliance profile of ${tenant} is at version ${cur.version}, not ${input.expectedVersion}: read it again`);
    }
    const next: StoredProfile = {
      ...cur,
      boundary: input.boundary === undefined ? cur.boundary : input.boundary === null ? null : [...input.boundary].sort((a, b) => a.dc.localeCompare(b.dc)),
      frameworks: input.frameworks === undefined ? cur.frameworks : [...new Set(input.frameworks)].sort(),
      overrides: input.overrides === undefined ? cur.overrides : input.overrides,
    };
    const dup = next.boundary?.map((b) => b.dc).find((d, i, all) => all.indexOf(d) !== i);
    if (dup) throw new AppError('BAD_INPUT', `boundary: data centre ${dup} is listed twice`);
    const problems = overrideProblems(next.frameworks, next.overrides, isApprovable);
    if (problems.length) throw new AppError('BAD_INPUT', problems.map((p) => `overrides.${p.field}: ${p.reason}`).join('; '));
    const eff = effectivePolicy(next.frameworks, next.overrides).policy;
    if (eff.boundaryRequired && !next.boundary) {
      const by = effectivePolicy(next.frameworks, next.overrides).fields.find((f) => f.field === 'boundaryRequired');
      throw new AppError('BAD_INPUT', `boundary: ${by?.origin === 'override' ? 'the override' : (by?.frameworks.join(', ') ?? 'the profile')} require${by?.frameworks.length === 1 ? 's' : ''} a compliance boundary (--dc DC=REGION)`);
    }
    // The tenant must already lie within the new boundary: a boundary is a statement of fact, not a wish.
    const snap = await this.snapshot(cluster, tenant, next.boundary);
    if (next.boundary) {
      const dcs = next.boundary.map((b) => b.dc);
      const outside = outsideBoundary(snap, dcs);
      if (outside.length) throw new AppError('CONFLICT', `tenant ${tenant} already lies outside the boundary ${dcs.join(', ')}: ${outside.join('; ')}. Move it (or fix the drift) first`);
      if (snap.roles === null) throw new AppError('UNAUTHORIZED_STATEMENT', `setting a boundary reads system_auth to check the tenant's roles: sign in with a superuser, or grant SELECT on KEYSPACE system_auth to csm_platform_admin`);
    }
    const saved = await store.put(next, cur.version, operator);
    this.invalidate(cluster, tenant);
    if (ctx) {
      // Tenant admins and auditors read this copy; csm_system stays the source of truth.
      await writeMirror(await ctx.session(), saved).catch((e: unknown) => this.deps.logger?.warn('compliance profile copy not written', { cluster, tenant, error: e instanceof Error ? e.message : String(e) }));
    }
    this.deps.logger?.info('compliance profile set', { cluster, tenant, version: saved.version, frameworks: saved.frameworks.join(',') });
    return this.view(cluster, saved, 'csm_system');
  }

  private async call<T>(channel: ChannelName, input: unknown): Promise<Got<T>> {
    try {
      const r = await this.deps.dispatch(channel, input);
      return r.ok ? { ok: true, value: r.value as T } : { ok: false, reason: `${r.error.code}: ${r.error.message}` };
    } catch (e) {
      return { ok: false, reason: e instanceof Error ? e.message : String(e) };
    }
  }

  async scan(cluster: string, tenant: string): Promise<ComplianceScan> {
    const t0 = process.hrtime.bigint();
    const { profile: stored, readFrom } = await this.read(cluster, tenant);
    this.cache.set(`${cluster}\u0000${tenant}`, { at: Date.now(), profile: stored, readFrom });
    const profile = this.view(cluster, stored, readFrom);
    const snap = await guard(`scanning tenant ${tenant} for drift`, () => this.snapshot(cluster, tenant, stored.boundary));
    const drift = analyzeDrift(snap);
    const readMs = since(t0);
    const [iso, keyStatus, keyPolicy] = await Promise.all([
      // isolation.scan is platform-only: a tenant admin's scan says "unknown" rather than make
      // the router refuse (and record a security alert for) a call the console made itself.
      this.platform(cluster) ? this.call<IsolationReport>('isolation.scan', { cluster, tenant }) : Promise.resolve<Got<IsolationReport>>({ ok: false, reason: 'the isolation scan needs platform scope' }),
      this.call<TenantKeyStatus[]>('keys.status', { cluster, tenant }),
      this.call<{ policy: KeyPolicy }>('keys.policy', { cluster, tenant }),
    ]);
    let approvals: Got<Record<string, boolean>>;
    try {
      const a: Record<string, boolean> = {};
      for (const ch of profile.effective.approvalRequired) a[ch] = isChannelName(ch) ? await this.requiresApproval(cluster, tenant, ch) : false;
      approvals = { ok: true, value: a };
    } catch (e) {
      approvals = { ok: false, reason: e instanceof Error ? e.message : String(e) };
    }
    const controls = buildControls({
      cluster,
      tenant,
      profile,
      allowed: allowedDcs(snap),
      drift,
      roles: snap.roles,
      isolation: iso.ok ? { ok: true, value: iso.value.counts } : iso,
      keyStatus: keyStatus.ok ? { ok: true, value: keyStatus.value.find((k) => k.tenantId === tenant) ?? null } : keyStatus,
      keyPolicy: keyPolicy.ok ? { ok: true, value: keyPolicy.value.policy } : keyPolicy,
      approvals,
      now: this.now(),
    });
    const scannedAt = this.now().toISOString();
    this.lastScans.set(`${cluster}\u0000${tenant}`, { pass: controls.filter((c) => c.status === 'pass').length, fail: controls.filter((c) => c.status === 'fail').length, drift: drift.length, at: scannedAt });
    return {
      cluster,
      tenant,
      scannedAt,
      profile,
      registeredDataCenters: snap.registryDcs,
      keyspaces: snap.keyspaces.map((k) => ({ name: k.name, strategy: k.strategy, dcs: k.dcs })),
      roles: snap.roles,
      drift,
      controls,
      counts: { drift: drift.length, failed: controls.filter((c) => c.status === 'fail').length, unknown: controls.filter((c) => c.status === 'unknown').length },
      readMs,
    };
  }

  /** Re-scan, run the drift's statements (built by the analysis through identifiers.ts), re-scan. */
  async fix(cluster: string, tenant: string, driftId: string): Promise<{ drift: Drift; applied: string[]; resolved: boolean; after: ComplianceScan }> {
    const { profile } = await this.read(cluster, tenant);
    const before = analyzeDrift(await this.snapshot(cluster, tenant, profile.boundary));
    const drift = before.find((d) => d.id === driftId);
    if (!drift) throw new AppError('NOT_FOUND', `drift ${driftId} is not present for tenant ${tenant} any more (re-scan)`);
    const client = this.client(cluster);
    const applied: string[] = [];
    for (const stmt of drift.fix) {
      try {
        await client.execute(stmt);
      } catch (e) {
        throw fromDriverError(e, `fixing drift ${driftId} (${applied.length} of ${drift.fix.length} statements ran)`);
      }
      applied.push(stmt);
    }
    if (drift.kind.startsWith('replication')) await waitForAgreement(client, `fixing drift ${driftId}`);
    this.deps.logger?.info('compliance drift fixed', { cluster, tenant, driftId, kind: drift.kind, statements: applied.length });
    const after = await this.scan(cluster, tenant);
    return { drift, applied, resolved: !after.drift.some((d) => d.id === driftId), after };
  }
}

async function guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw fromDriverError(e, what);
  }
}
