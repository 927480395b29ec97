import type { configChannels } from '../../src-shared/contract/config';
import type { ComplianceProfile } from '../../src-shared/contract/compliance';
import type { ComplianceMinimums } from '../../src-shared/rules/tenant-config';
import { AppError } from '../app/errors';
import type { ConsoleModule } from '../app/module';
import type { ModuleDeps } from '../app/module-deps';
import type { CqlClient } from '../cassandra/connections';
import type { CallContext } from '../ipc/router';
import type { TenantPolicySource } from './ports';
import { ConfigService } from './service';
import { ConfigTables } from './tables';

export type ConfigChannels = keyof typeof configChannels;

/** Tenant policies, versioned configuration, feature flags, branding, integrations (issue 7 items 2–4). */
export function configModule(deps: ModuleDeps): ConsoleModule<ConfigChannels> & { policies: TenantPolicySource; service: ConfigService } {
  const service = new ConfigService({
    tables: new ConfigTables(),
    secrets: deps.secrets,
    platformClient: (cluster) => (deps.sessions.scopeOf(cluster)?.platform ? (deps.connections.operator(cluster) ?? null) : null),
    template: async (cluster, name) => {
      try {
        return await deps.tenants.template(cluster, name);
      } catch (e) {
        // A clone's "template" or one deleted since provisioning: built-in defaults, shown as such.
        if (e instanceof AppError && (e.code === 'NOT_FOUND' || e.code === 'CONFLICT')) return null;
        throw e;
      }
    },
    // Strict: a change of template must name one that exists (NOT_FOUND) and is valid (CONFLICT).
    namedTemplate: (cluster, name) => deps.tenants.template(cluster, name),
    compliance: async (cluster, tenant): Promise<ComplianceMinimums | null> => {
      const r = await deps.dispatch('compliance.get', { cluster, tenant });
      if (!r.ok) {
        if (r.error.code === 'NOT_FOUND') return null;
        // Fail closed: without the profile a weaker value could slip through.
        throw new AppError(r.error.code, `reading the compliance profile of ${tenant}: ${r.error.message}`);
      }
      const p = (r.value as ComplianceProfile).effective;
      if (p.retentionYears === null && p.minRsaBits === null && p.minEcBits === null && p.maxKeyAgeDays === null) return null;
      return { retentionYears: p.retentionYears, minRsaBits: p.minRsaBits, minEcBits: p.minEcBits, maxKeyAgeDays: p.maxKeyAgeDays };
    },
  });

  const session = (ctx: CallContext): Promise<CqlClient> => {
    if (!ctx.tenant) throw new AppError('INTERNAL', 'config call without a tenant context');
    return ctx.tenant.session();
  };
  const author = (cluster: string, ctx: CallContext): string => {
    const role = ctx.tenant?.operator ?? deps.sessions.scopeOf(cluster)?.role;
    if (!role) throw new AppError('NOT_SIGNED_IN', `sign in to cluster ${cluster} first`);
    return role;
  };
  /** Outside a call (users module): the same tenant context the router would build. */
  const contextSession = (cluster: string, tenant: string) => (): Promise<CqlClient> => {
    if (!deps.sessions.scopeOf(cluster)) throw new AppError('NOT_SIGNED_IN', `sign in to cluster ${cluster} first`);
    return deps.tenants.context(cluster, tenant, deps.sessions.scopeOf(cluster)?.role ?? null).session();
  };

  /**
   * Existing tenants predate the config tables: a platform console signing in creates what is
   * missing for the active tenants, in the background (sign-in does not wait), so their admins can
   * edit without waiting for a platform operator to open each tenant. Not from one-shot CLI runs.
   */
  let sweep: Promise<void> | null = null;
  const sweepTables = async (cluster: string): Promise<void> => {
    const platform = deps.connections.operator(cluster);
    if (!platform) return;
    const tables = new ConfigTables();
    for (const t of deps.store.tenantMirror.all()) {
      if (t.cluster !== cluster || (t.state !== 'active' && t.state !== 'suspended')) continue;
      try {
        if ((await tables.missing(platform, t.id)).length) await tables.ensure(platform, t.id);
      } catch (e) {
        deps.logger.warn('preparing config tables failed', { cluster, tenant: t.id, error: e instanceof Error ? e.message : String(e) });
      }
    }
  };

  return {
    service,
    onSignIn: async (cluster, platform) => {
      if (!platform || deps.host === 'cli' || sweep) return;
      sweep = sweepTables(cluster).finally(() => {
        sweep = null;
      });
    },
    close: async () => {
      await sweep;
    },
    handlers: {
      'config.show': async ({ cluster, tenant }, ctx) => service.show(cluster, tenant, await session(ctx)),
      'config.set': async (input, ctx) => service.set(input.cluster, input.tenant, await session(ctx), author(input.cluster, ctx), input),
      'config.history': async ({ cluster, tenant, limit }, ctx) => service.history(cluster, tenant, await session(ctx), limit),
      'config.version': async ({ cluster, tenant, version }, ctx) => service.version(cluster, tenant, await session(ctx), version),
      'config.diff': async ({ cluster, tenant, from, to }, ctx) => service.diff(cluster, tenant, await session(ctx), from, to),
      'config.rollback': async (input, ctx) => service.rollback(input.cluster, input.tenant, await session(ctx), author(input.cluster, ctx), input),
      'config.templatePreview': async ({ cluster, tenant, template }, ctx) => service.templatePreview(cluster, tenant, await session(ctx), template),
      'config.setTemplate': async (input, ctx) => {
        const view = await service.setTemplate(input.cluster, input.tenant, await session(ctx), author(input.cluster, ctx), input);
        // The local mirror (Tenants list, offline rows) shows the new template without waiting for a refresh.
        const m = deps.store.tenantMirror.get(input.cluster, input.tenant);
        if (m) deps.store.tenantMirror.upsert({ ...m, template: input.template });
        return view;
      },
      'branding.get': async ({ cluster, tenant }, ctx) => service.branding(cluster, tenant, await session(ctx)),
      'branding.set': async (input, ctx) => service.setBranding(input.cluster, input.tenant, await session(ctx), author(input.cluster, ctx), input),
      'integration.list': async ({ cluster, tenant }, ctx) => service.integrations(cluster, tenant, await session(ctx)),
      'integration.save': async (input, ctx) => service.saveIntegration(input.cluster, input.tenant, await session(ctx), author(input.cluster, ctx), input),
      'integration.remove': async ({ cluster, tenant, name }, ctx) => service.removeIntegration(cluster, tenant, await session(ctx), name),
    },
    policies: {
      passwordPolicy: async (cluster, tenant) => (await service.effective(cluster, tenant, contextSession(cluster, tenant))).password,
      maxUsers: async (cluster, tenant) => (await service.effective(cluster, tenant, contextSession(cluster, tenant))).quotas.maxUsers,
    },
  };
}
