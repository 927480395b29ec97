import { readFile } from 'node:fs/promises';
import cassandra from 'cassandra-driver';
import { AppError } from '../app/errors';
import type { Logger } from '../app/log';
import { fromDriverError } from './driver-errors';

export type CqlClient = cassandra.Client;

export interface ConnectionSpec {
  cluster: string;
  contactPoints: string[];
  localDc: string;
  username: string;
  password: string;
  tls: { caFile: string; certFile?: string | undefined; keyFile?: string | undefined } | null;
}

export interface ConnectionOptions {
  logger: Logger;
  connectTimeoutMs?: number;
  readTimeoutMs?: number;
  /** Tenant-role sessions kept open at once, across all clusters. */
  maxTenantSessions?: number;
  /** A tenant-role session unused this long is closed by the sweep. */
  tenantIdleMs?: number;
}

interface TenantEntry {
  client: CqlClient;
  lastUsed: number;
}

async function tlsOptions(spec: ConnectionSpec): Promise<Record<string, unknown> | undefined> {
  if (!spec.tls) return undefined;
  const read = async (label: string, file: string): Promise<Buffer> => {
    try {
      return await readFile(file);
    } catch {
      throw new AppError('BAD_INPUT', `cluster ${spec.cluster}: cannot read the TLS ${label} file ${file}`);
    }
  };
  const ca = await read('CA', spec.tls.caFile);
  const out: Record<string, unknown> = { ca: [ca], rejectUnauthorized: true };
  if (spec.tls.certFile && spec.tls.keyFile) {
    out.cert = await read('certificate', spec.tls.certFile);
    out.key = await read('key', spec.tls.keyFile);
  }
  return out;
}

/**
 * Opens driver clients. One operator session per cluster; tenant-role sessions in a bounded
 * LRU closed when idle by one sweep (no timer per tenant: 10,000 tenants must not mean
 * 10,000 timers). The driver reconnects by itself (exponential from 1 s) after a node comes
 * back, so an open console survives a node restart without being restarted.
 */
export class ConnectionManager {
  private readonly operators = new Map<string, CqlClient>();
  private readonly tenants = new Map<string, TenantEntry>();
  /** Tenant sessions being connected: concurrent callers for one role share one connect. */
  private readonly connecting = new Map<string, Promise<CqlClient>>();
  private readonly sweep: NodeJS.Timeout;
  private readonly maxTenant: number;
  private readonly idleMs: number;

  constructor(private readonly opts: ConnectionOptions) {
    this.maxTenant = opts.maxTenantSessions ?? 64;
    this.idleMs = opts.tenantIdleMs ?? 5 * 60_000;
    this.sweep = setInterval(() => void this.closeIdle(), Math.min(this.idleMs, 60_000));
    this.sweep.unref();
  }

  /** Connect and verify; throws AppError with a stable code. The caller owns the returned client. */
  async connect(spec: ConnectionSpec, pooling: 'operator' | 'tenant' = 'operator'): Promise<CqlClient> {
    const client = new cassandra.Client({
      contactPoints: spec.contactPoints,
      localDataCenter: spec.localDc,
      credentials: { username: spec.username, password: spec.password },
      sslOptions: await tlsOptions(spec),
      socketOptions: {
        connectTimeout: this.opts.connectTimeoutMs ?? 5000,
        readTimeout: this.opts.readTimeoutMs ?? 12000,
      },
      policies: { reconnection: new cassandra.policies.reconnection.ExponentialReconnectionPolicy(1000, 10_000, false) },
      pooling: pooling === 'tenant' ? { coreConnectionsPerHost: { [cassandra.types.distance.local]: 1, [cassandra.types.distance.remote]: 0 } } : undefined,
      // The driver speaks v4 at most; letting it negotiate down from v5 over TLS against
      // Cassandra 5.0 crashes it (wrong streamId), so ask for v4 outright.
      protocolOptions: { maxSchemaAgreementWaitSeconds: 20, maxVersion: 4 },
      // Air-gapped sites: the driver's Insights reporting only talks to DSE, but say no anyway.
      monitorReporting: { enabled: false },
    });
    try {
      await client.connect();
    } catch (err) {
      await client.shutdown().catch(() => undefined);
      throw fromDriverError(err, `cluster ${spec.cluster}`);
    }
    return client;
  }

  async openOperator(spec: ConnectionSpec): Promise<CqlClient> {
    const client = await this.connect(spec);
    await this.installOperator(spec.cluster, client);
    return client;
  }

  /**
   * Make a connected, already verified client the cluster's operator session, closing the one it
   * replaces. The swap happens before the first await, so a caller can record what goes with the
   * session (its scope) in the same tick. A sign-in that fails never gets here: the session it
   * would have replaced stays as it was.
   */
  async installOperator(cluster: string, client: CqlClient): Promise<void> {
    const previous = this.operators.get(cluster);
    this.operators.set(cluster, client);
    if (previous && previous !== client) await previous.shutdown().catch(() => undefined);
  }

  operator(cluster: string): CqlClient | undefined {
    return this.operators.get(cluster);
  }

  /** A session authenticated as a tenant's own role, so Cassandra itself enforces the tenant's grants. */
  async tenantSession(spec: ConnectionSpec): Promise<CqlClient> {
    const key = `${spec.cluster}\u0000${spec.username}`;
    const hit = this.tenants.get(key);
    if (hit) {
      this.tenants.delete(key);
      hit.lastUsed = Date.now();
      this.tenants.set(key, hit); // re-insert: Map order is the LRU order
      return hit.client;
    }
    const inFlight = this.connecting.get(key);
    if (inFlight) return inFlight;
    // Shared, not cached: the entry goes as soon as the connect settles, so a failure (a wrong
    // password) is retried by the next call rather than handed out again.
    const pending: Promise<CqlClient> = this.connect(spec, 'tenant').then(
      async (client) => {
        if (this.connecting.get(key) !== pending) {
          // closeRole/closeCluster/closeAll ran meanwhile: nothing may keep using this role.
          await client.shutdown().catch(() => undefined);
          throw new AppError('CANCELLED', `the session of role ${spec.username} on ${spec.cluster} was closed while it was connecting`);
        }
        this.connecting.delete(key);
        this.tenants.set(key, { client, lastUsed: Date.now() });
        while (this.tenants.size > this.maxTenant) {
          const [oldestKey, oldest] = this.tenants.entries().next().value as [string, TenantEntry];
          this.tenants.delete(oldestKey);
          void oldest.client.shutdown().catch(() => undefined);
        }
        return client;
      },
      (err: unknown) => {
        if (this.connecting.get(key) === pending) this.connecting.delete(key);
        throw err;
      },
    );
    this.connecting.set(key, pending);
    return pending;
  }

  /** The open session of a role, if any (touched as used): lets a caller skip reading its secret again. */
  openTenantSession(cluster: string, username: string): CqlClient | null {
    const key = `${cluster}\u0000${username}`;
    const hit = this.tenants.get(key);
    if (!hit) return null;
    this.tenants.delete(key);
    hit.lastUsed = Date.now();
    this.tenants.set(key, hit);
    return hit.client;
  }

  tenantSessionCount(): number {
    return this.tenants.size;
  }

  /** Close every session of a role (e.g. a suspended tenant's) so that nothing keeps using it. */
  async closeRole(cluster: string, username: string): Promise<void> {
    const key = `${cluster}\u0000${username}`;
    const hit = this.tenants.get(key);
    this.tenants.delete(key);
    this.connecting.delete(key); // a connect in flight shuts its client down when it lands
    if (hit) await hit.client.shutdown().catch(() => undefined);
  }

  async closeIdle(now = Date.now()): Promise<number> {
    let closed = 0;
    for (const [key, entry] of this.tenants) {
      if (now - entry.lastUsed >= this.idleMs) {
        this.tenants.delete(key);
        closed++;
        await entry.client.shutdown().catch(() => undefined);
      }
    }
    return closed;
  }

  async closeCluster(cluster: string): Promise<void> {
    const op = this.operators.get(cluster);
    this.operators.delete(cluster);
    const closing: Promise<unknown>[] = [];
    if (op) closing.push(op.shutdown());
    for (const key of this.connecting.keys()) if (key.startsWith(`${cluster}\u0000`)) this.connecting.delete(key);
    for (const [key, entry] of this.tenants) {
      if (key.startsWith(`${cluster}\u0000`)) {
        this.tenants.delete(key);
        closing.push(entry.client.shutdown());
      }
    }
    await Promise.allSettled(closing);
  }

  async closeAll(): Promise<void> {
    clearInterval(this.sweep);
    const all = [...this.operators.values(), ...[...this.tenants.values()].map((t) => t.client)];
    this.operators.clear();
    this.tenants.clear();
    this.connecting.clear();
    await Promise.allSettled(all.map((c) => c.shutdown()));
  }
}
