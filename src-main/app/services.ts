import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConnectionManager } from '../cassandra/connections';
import { SandboxService } from '../clusters/sandbox';
import { ClusterService } from '../clusters/service';
import { SessionService } from '../identity/sessions';
import { accessModule } from '../access/module';
import { complianceModule } from '../compliance/module';
import { isolationModule } from '../isolation/handlers';
import { mspModule } from '../msp/module';
import { configModule } from '../config/module';
import { usersModule } from '../users/module';
import { anyApproval, pkiApprovalPolicy, pkiModule } from '../pki/module';
import { auditModule } from '../audit/module';
import { availabilityModule } from '../availability/module';
import { resourcesModule } from '../resources/module';
import { portabilityModule } from '../portability/module';
import type { ConsoleModule, InternalDispatch } from './module';
import type { ModuleDeps } from './module-deps';
import { keyHandlers } from '../keys/handlers';
import { ClusterKeys } from '../keys/registry';
import { SqliteCacheStore } from '../keys/sqlite-cache';
import { tenantHandlers } from '../tenancy/handlers';
import { TenantService } from '../tenancy/service';
import { randomUUID } from 'node:crypto';
import { createRouter, type Handlers, type HostKind, type Router } from '../ipc/router';
import { createSecretStore } from '../secrets';
import type { SecretStore } from '../secrets/types';
import { openStore, type Store } from '../store';
import { EventBus } from './events';
import { JobRunner } from './jobs';
import { createLogger, type Logger } from './log';
import { CONSOLE_VERSION } from './version';

export interface ServicesConfig {
  host: HostKind;
  dataDir: string;
  /** Default: CSM_SECRET_BACKEND, else the OS keychain. The vault is opt-in only. */
  secretBackend?: 'keychain' | 'vault';
  /** Tests give each run its own keychain service name so they never touch a real one. */
  keychainService?: string;
  logFile?: string;
}

export interface Services {
  router: Router;
  bus: EventBus;
  logger: Logger;
  store: Store;
  secrets: SecretStore;
  clusters: ClusterService;
  sessions: SessionService;
  connections: ConnectionManager;
  jobs: JobRunner;
  keys: ClusterKeys;
  tenants: TenantService;
  close(): Promise<void>;
}

/** Per-user data directory (XDG on Linux, the usual places elsewhere). */
export function defaultDataDir(): string {
  if (process.platform === 'win32') return join(process.env['APPDATA'] ?? join(homedir(), 'AppData', 'Roaming'), 'cassandra-security-manager');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'cassandra-security-manager');
  return join(process.env['XDG_DATA_HOME'] ?? join(homedir(), '.local', 'share'), 'cassandra-security-manager');
}

function resolveBackend(config: ServicesConfig): 'keychain' | 'vault' {
  const env = process.env['CSM_SECRET_BACKEND'];
  return config.secretBackend ?? (env === 'vault' ? 'vault' : 'keychain');
}

/**
 * The composition root shared by the three hosts (Electron main, CLI, web host): every
 * adapter is built here and handed to services through their constructors.
 */
export async function createServices(config: ServicesConfig): Promise<Services> {
  const logger = createLogger({ file: config.logFile ?? join(config.dataDir, 'csm.log'), level: 'info' });
  const store = openStore({ dir: config.dataDir, logger });
  const bus = new EventBus();
  const backend = resolveBackend(config);
  const vaultPassphrase = process.env['CSM_VAULT_PASSPHRASE'];
  // Read once, then gone: child processes (the sandbox node, a detached JVM) inherit the environment.
  delete process.env['CSM_VAULT_PASSPHRASE'];
  const secrets = createSecretStore({
    backend,
    vaultPath: join(config.dataDir, 'secrets.vault'),
    ...(vaultPassphrase ? { vaultPassphrase } : {}),
    keytarService: config.keychainService ?? process.env['CSM_KEYCHAIN_SERVICE'] ?? 'cassandra-security-manager',
  });
  const connections = new ConnectionManager({ logger });
  const jobs = new JobRunner({ store: store.jobs, bus });
  const clusters = new ClusterService({ profiles: store.clusterProfiles, secrets, connections });
  const sessions = new SessionService({ clusters, connections });
  const sandbox = new SandboxService({ clusters, connections, jobs });
  const keys = new ClusterKeys({ secrets, connections, cache: new SqliteCacheStore(store.db) });
  const tenants = new TenantService({ connections, clusters, sessions, keys, secrets, store, jobs, bus, logger, ownerId: randomUUID() });

  // Feature modules (issue 6 items 2–5). `dispatch` reaches the router, which exists only after
  // the handler table is built; nothing calls it before createServices returns.
  let router: Router | null = null;
  const dispatch: InternalDispatch = (channel, input, opts) => {
    if (!router) throw new Error('internal dispatch before the router exists');
    const { signal, ...rest } = opts ?? {};
    return router.dispatch(channel, input, { host: config.host }, signal, rest);
  };
  const base = { host: config.host, connections, clusters, sessions, tenants, keys, secrets, store, jobs, bus, logger, dispatch };
  const compliance = complianceModule(base);
  // A second person is needed when the compliance profile says so, or (certificates) the tenant's certificate policy does.
  const moduleDeps: ModuleDeps = { ...base, approvalPolicy: anyApproval(compliance.approvalPolicy, pkiApprovalPolicy(base)) };
  const isolation = isolationModule(moduleDeps);
  const access = accessModule(moduleDeps);
  const msp = mspModule(moduleDeps);
  const tenantConfig = configModule(moduleDeps);
  const users = usersModule({ ...moduleDeps, policies: tenantConfig.policies });
  const pki = pkiModule(moduleDeps);
  const audit = auditModule(moduleDeps);
  const availability = availabilityModule(moduleDeps);
  const resources = resourcesModule(moduleDeps);
  const portability = portabilityModule(moduleDeps);
  const modules: ConsoleModule<never>[] = [isolation, compliance, access, msp, tenantConfig, users, pki, audit, availability, resources, portability] as unknown as ConsoleModule<never>[];

  const handlers: Handlers = {
    'app.info': async () => ({
      version: CONSOLE_VERSION,
      host: config.host,
      dataDir: config.dataDir,
      secretBackend: secrets.describe().backend,
      schemaVersion: store.schemaVersion,
      notices: store.notices.map((n) => ({ level: n.level, message: n.message })),
    }),
    'jobs.list': async () => jobs.list(),
    'jobs.cancel': async ({ jobId }) => ({ cancelled: jobs.cancel(jobId) }),
    'cluster.list': async () => clusters.list(),
    'cluster.add': async (input) => clusters.add(input),
    'cluster.update': async (input) => {
      sessions.forget(input.name);
      keys.forget(input.name);
      return clusters.update(input);
    },
    'cluster.remove': async ({ name }) => {
      sessions.forget(name);
      keys.forget(name);
      return clusters.remove(name);
    },
    'cluster.test': async ({ name }) => clusters.test(name),
    'cluster.sandboxStatus': async () => sandbox.status(),
    'cluster.sandboxStart': async () => sandbox.start(),
    'session.signIn': async (input) => {
      const scope = await sessions.signIn(input);
      keys.forget(input.cluster);
      // The mirror follows every sign-in, so the Tenants screen is current without a refresh.
      await tenants.sync(input.cluster).catch((e: unknown) => logger.warn('tenant mirror sync failed', { cluster: input.cluster, error: e instanceof Error ? e.message : String(e) }));
      // Sweeps that must run "on next start" (expired support access …) and a first isolation scan.
      for (const m of modules) {
        await m.onSignIn?.(input.cluster, scope.platform).catch((e: unknown) => logger.warn('sign-in hook failed', { cluster: input.cluster, error: e instanceof Error ? e.message : String(e) }));
      }
      return scope;
    },
    'session.whoami': async ({ cluster }, ctx) => sessions.whoami(cluster, { signInIfNeeded: ctx.caller.host === 'cli' }),
    'session.signOut': async ({ cluster }) => {
      keys.forget(cluster);
      return sessions.signOut(cluster);
    },
    ...tenantHandlers({ tenants, store }),
    ...keyHandlers({ keys, jobs }),
    ...isolation.handlers,
    ...compliance.handlers,
    ...access.handlers,
    ...msp.handlers,
    ...tenantConfig.handlers,
    ...users.handlers,
    ...pki.handlers,
    ...audit.handlers,
    ...availability.handlers,
    ...resources.handlers,
    ...portability.handlers,
  };

  const built = createRouter({
    handlers,
    scope: sessions,
    audit: {
      record: (e) => {
        try {
          store.localAudit.record(e);
        } catch (err) {
          logger.error('audit write failed', { channel: e.channel, error: err instanceof Error ? err : String(err) });
        }
        // The tenant's (or the platform's) hash-chained stream in Cassandra (issue 9); must not throw.
        try {
          audit.record(e);
        } catch (err) {
          logger.error('audit stream write failed', { channel: e.channel, error: err instanceof Error ? err : String(err) });
        }
      },
    },
    logger,
    emit: (name, payload) => bus.emit(name, payload),
    tenantContext: (cluster, tenant, operator) => tenants.context(cluster, tenant, operator),
    // Quotas first (a call over a hard limit is refused, not filed for approval), then approvals.
    gate: async (call) => {
      await resources.gate(call);
      await access.gate(call);
    },
    afterSuccess: (call, output) => {
      // One module's failure must not skip the others (the access module ends support windows here).
      for (const m of modules) {
        try {
          m.afterSuccess?.(call, output);
        } catch (e) {
          logger.error('after-success hook failed', { channel: call.channel, error: e instanceof Error ? e : String(e) });
        }
      }
    },
  });
  router = built;

  return {
    router: built,
    bus,
    logger,
    store,
    secrets,
    clusters,
    sessions,
    connections,
    jobs,
    keys,
    tenants,
    close: async () => {
      for (const m of modules) await m.close?.();
      await connections.closeAll();
      store.close();
    },
  };
}
