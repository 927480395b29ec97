import type { ChannelDef, ChannelName, OperatorScope } from '../../src-shared/contract';
import { AppError } from '../app/errors';
import type { ConnectionManager } from '../cassandra/connections';
import { fromDriverError } from '../cassandra/driver-errors';
import { existingRole } from '../cassandra/identifiers';
import { ensureSystemSchema, readSchemaVersion, LATEST_SYSTEM_SCHEMA, SYSTEM_KEYSPACE } from '../cassandra/system-schema';
import type { ClusterService } from '../clusters/service';
import type { Caller, ScopeGuard } from '../ipc/router';
import { allows, deriveScope, type RoleGrantRow } from './scope';

/**
 * Signed-in operators, one per cluster. The scope is derived from Cassandra role membership at
 * sign-in (DESIGN §2) and kept with the session; there is no second user database.
 */
export class SessionService implements ScopeGuard {
  private readonly scopes = new Map<string, OperatorScope>();

  constructor(private readonly deps: { clusters: ClusterService; connections: ConnectionManager }) {}

  /**
   * Connect a new client and derive its scope before it replaces anything: a failed attempt (wrong
   * password, a refusal after connecting) closes only its own client and leaves the previous
   * session and scope of the cluster working as they were.
   */
  async signIn(input: { cluster: string; username?: string | undefined; password?: string | undefined }): Promise<OperatorScope> {
    const spec = await this.deps.clusters.spec(input.cluster, input);
    const client = await this.deps.connections.connect(spec);
    let scope: OperatorScope;
    try {
      const rs = await client.execute(`LIST ROLES OF ${existingRole(spec.username)}`);
      const roles: RoleGrantRow[] = rs.rows.map((r) => ({ role: String(r['role']), super: Boolean(r['super']) }));
      const probe = deriveScope({ cluster: spec.cluster, role: spec.username, roles, registeredTenants: [] });
      let registered: string[] = [];
      if (probe.platform) {
        await ensureSystemSchema(client, spec.username);
        // Every page, not the first 5,000: the registry is meant to hold 10,000+ tenants.
        for await (const r of await client.execute(`SELECT id FROM ${SYSTEM_KEYSPACE}.tenants`, [], { fetchSize: 5000 })) {
          registered.push(String(r['id']));
        }
      } else {
        // A tenant-scoped role cannot read csm_system; refuse only when we can see it is newer.
        const version = await readSchemaVersion(client).catch(() => 0);
        if (version > LATEST_SYSTEM_SCHEMA) {
          throw new AppError('SCHEMA_TOO_NEW', `csm_system is at version ${version}, this console knows up to ${LATEST_SYSTEM_SCHEMA}: upgrade the console`);
        }
      }
      scope = deriveScope({ cluster: spec.cluster, role: spec.username, roles, registeredTenants: registered });
    } catch (err) {
      await client.shutdown().catch(() => undefined);
      throw fromDriverError(err, `signing in to ${spec.cluster}`);
    }
    // Scope and session change together, in one tick (installOperator swaps before it awaits).
    this.scopes.set(spec.cluster, scope);
    await this.deps.connections.installOperator(spec.cluster, client);
    return scope;
  }

  /**
   * The session's scope. Only a one-shot host (the CLI, where every command is a fresh process)
   * signs in with the stored credentials on the way; a window never signs in behind the
   * operator's back, so there it is NOT_SIGNED_IN.
   */
  async whoami(cluster: string, opts: { signInIfNeeded: boolean }): Promise<OperatorScope> {
    const scope = this.scopes.get(cluster);
    if (scope) return scope;
    if (!opts.signInIfNeeded) throw new AppError('NOT_SIGNED_IN', `not signed in to ${cluster}`);
    return this.signIn({ cluster });
  }

  async signOut(cluster: string): Promise<{ signedOut: boolean }> {
    const had = this.scopes.delete(cluster);
    await this.deps.connections.closeCluster(cluster);
    return { signedOut: had };
  }

  /** A profile edited or removed: its derived scope no longer describes anyone. */
  forget(cluster: string): void {
    this.scopes.delete(cluster);
  }

  scopeOf(cluster: string): OperatorScope | undefined {
    return this.scopes.get(cluster);
  }

  /** Router hook: every non-local channel names its cluster (and tenant where it has one). */
  async check(channel: ChannelName, def: ChannelDef, input: unknown, _caller: Caller): Promise<{ operator: string | null; tenant: string | null; cluster: string | null }> {
    const fields = (input ?? {}) as { cluster?: unknown; tenant?: unknown };
    const tenant = typeof fields.tenant === 'string' ? fields.tenant : null;
    const cluster = typeof fields.cluster === 'string' ? fields.cluster : null;
    if (def.scope === 'local') {
      return { operator: cluster ? (this.scopes.get(cluster)?.role ?? null) : null, tenant, cluster };
    }
    if (cluster === null) {
      if (!def.clusterOptional) throw new AppError('BAD_INPUT', `${channel} must name its cluster`);
      // The handler picks among platformClusters() only; here it is enough that one exists.
      const platform = this.platformClusters();
      if (platform.length === 0) throw new AppError(this.scopes.size === 0 ? 'NOT_SIGNED_IN' : 'FORBIDDEN', `${channel}: no signed-in cluster gives ${def.scope} scope`);
      return { operator: this.scopes.get(platform[0]!)!.role, tenant, cluster: null };
    }
    const scope = this.scopes.get(cluster);
    if (!scope) throw new AppError('NOT_SIGNED_IN', `sign in to cluster ${cluster} first`);
    if (!allows(scope, def.scope, tenant)) {
      throw new AppError('FORBIDDEN', `role ${scope.role} has no ${def.scope} scope${tenant ? ` for tenant ${tenant}` : ''} on ${cluster}`);
    }
    return { operator: scope.role, tenant, cluster };
  }

  operatorOf(cluster: string | null): string | null {
    return cluster === null ? null : (this.scopes.get(cluster)?.role ?? null);
  }

  /** Signed-in clusters where the operator has platform scope, by name. */
  platformClusters(): string[] {
    return [...this.scopes.values()].filter((s) => s.platform).map((s) => s.cluster).sort();
  }

  signedIn(): OperatorScope[] {
    return [...this.scopes.values()];
  }

  /** A tenant newly provisioned by a platform operator joins that operator's scope at once. */
  addTenant(cluster: string, tenant: string): void {
    const s = this.scopes.get(cluster);
    if (s && (s.platform || s.auditor === 'all') && !s.tenants.includes(tenant)) this.scopes.set(cluster, { ...s, tenants: [...s.tenants, tenant].sort() });
  }

  removeTenant(cluster: string, tenant: string): void {
    const s = this.scopes.get(cluster);
    if (s && s.tenants.includes(tenant)) this.scopes.set(cluster, { ...s, tenants: s.tenants.filter((t) => t !== tenant) });
  }
}
