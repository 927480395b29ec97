import type { tenantChannels } from '../../src-shared/contract/tenants';
import { AppError } from '../app/errors';
import type { Handlers } from '../ipc/router';
import type { Store } from '../store';
import type { TenantService } from './service';

export type TenantHandlers = Pick<Handlers, keyof typeof tenantChannels>;

/** The tenant channels over TenantService; scope was checked by the router before any of these runs. */
export function tenantHandlers(deps: { tenants: TenantService; store: Store }): TenantHandlers {
  const t = deps.tenants;
  return {
    'tenant.list': async ({ refresh }) => t.list({ refresh }),
    'tenant.show': async ({ cluster, tenant }, ctx) => {
      if (!ctx.tenant) throw new AppError('INTERNAL', 'tenant.show without a tenant context');
      return t.show(cluster, tenant, ctx.tenant);
    },
    'tenant.config': async ({ tenant }, ctx) => {
      if (!ctx.tenant) throw new AppError('INTERNAL', 'tenant.config without a tenant context');
      return t.config(tenant, ctx.tenant);
    },
    'tenant.create': async (input) => t.create(input),
    'tenant.suspend': async ({ cluster, tenant, reason }) => t.suspend(cluster, tenant, reason ?? null),
    'tenant.resume': async ({ cluster, tenant }) => t.resume(cluster, tenant),
    'tenant.delete': async ({ cluster, tenant, confirm }) => t.delete(cluster, tenant, confirm),
    'tenant.clone': async ({ cluster, tenant, newId, name, withData, adminUser, adminPassword }) => {
      const src = (await t.list({ refresh: false })).find((x) => x.cluster === cluster && x.id === tenant);
      return t.create(
        { cluster, id: newId, name: name ?? `${src?.name ?? tenant} (clone)`, tier: src?.tier ?? 'standard', template: 'default', isolation: 'keyspace', dataCenters: src?.dataCenters, adminUser, adminPassword, ...(src?.color ? { color: src.color } : {}) },
        { cloneOf: { cluster, tenant, withData } },
      );
    },
    'tenant.jobs': async ({ cluster, tenant }) => t.sagas(cluster, tenant),
    'tenant.resumeJob': async ({ cluster, jobId, adminPassword, force }) => {
      await t.resumeJob(cluster, jobId, { adminPassword, force });
      return t.saga(cluster, jobId);
    },
    'tenant.rollbackJob': async ({ cluster, jobId, force }) => {
      await t.rollbackJob(cluster, jobId, { force });
      return t.saga(cluster, jobId);
    },
    'tenant.placement': async ({ isolation }) => t.placement(isolation),
    'template.list': async ({ cluster }) => t.templates(cluster),
    'template.save': async ({ cluster, template }) => t.saveTemplate(cluster, template),
    'template.delete': async ({ cluster, name }) => t.deleteTemplate(cluster, name),
    'security.alerts': async ({ limit }) =>
      deps.store.localAudit.securityEvents(limit).map((e) => {
        const input = (e.input ?? {}) as { cluster?: unknown; title?: unknown; severity?: unknown; findingId?: unknown };
        const cluster = typeof input.cluster === 'string' ? input.cluster : null;
        if (e.channel === 'isolation.monitor') {
          // Raised by the isolation monitor, not refused: a new path across a tenant boundary.
          return { at: e.at, channel: e.channel, operator: e.operator, cluster, tenant: e.tenant, message: `isolation alert [${String(input.severity)}] ${String(input.title)} (finding ${String(input.findingId)})` };
        }
        return {
          at: e.at,
          channel: e.channel,
          operator: e.operator,
          cluster,
          tenant: e.tenant,
          message: `refused: ${e.channel}${e.tenant ? ` on tenant ${e.tenant}` : ''} by ${e.operator ?? 'an operator'} (out of scope)`,
        };
      }),
  };
}
