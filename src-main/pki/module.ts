import type { pkiChannels } from '../../src-shared/contract/pki';
import type { ChannelName } from '../../src-shared/contract';
import type { ComplianceProfile } from '../../src-shared/contract/compliance';
import type { ConfigView } from '../../src-shared/contract/config';
import type { ApprovalPolicy } from '../access/ports';
import { AppError } from '../app/errors';
import type { ConsoleModule, InternalDispatch } from '../app/module';
import type { ModuleDeps } from '../app/module-deps';
import type { CallContext } from '../ipc/router';
import { certPolicy, type CertPolicy } from './policy';
import { PkiService, type TenantCall } from './service';
import { ensurePkiTables, missingTables } from './tables';

export type PkiChannels = keyof typeof pkiChannels;

/**
 * The tenant's certificate policy, read through the router like any caller would (config.show
 * and compliance.get: scope-checked, the config module's cache and invalidation apply). Fails
 * closed: an unreadable policy or compliance profile refuses the call rather than guessing.
 */
export function pkiPolicySource(dispatch: InternalDispatch): (cluster: string, tenant: string) => Promise<CertPolicy> {
  return async (cluster, tenant) => {
    const cfg = await dispatch('config.show', { cluster, tenant });
    if (!cfg.ok) throw new AppError(cfg.error.code, `reading the certificate policy of ${tenant}: ${cfg.error.message}`);
    const comp = await dispatch('compliance.get', { cluster, tenant });
    let minimums = null;
    if (comp.ok) {
      const p = (comp.value as ComplianceProfile).effective;
      minimums = { retentionYears: p.retentionYears, minRsaBits: p.minRsaBits, minEcBits: p.minEcBits, maxKeyAgeDays: p.maxKeyAgeDays };
    } else if (comp.error.code !== 'NOT_FOUND') throw new AppError(comp.error.code, `reading the compliance profile of ${tenant}: ${comp.error.message}`);
    return certPolicy((cfg.value as ConfigView).effective, minimums);
  };
}

/**
 * `certificates.approvalRequired` → cert.issue, cert.signCsr and cert.renew need a second person.
 * services.ts ORs it with the compliance module's policy (see anyApproval).
 */
export function pkiApprovalPolicy(deps: { dispatch: InternalDispatch }): ApprovalPolicy {
  const policy = pkiPolicySource(deps.dispatch);
  return {
    requiresApproval: async (cluster, tenant, channel) => {
      if (channel !== 'cert.issue' && channel !== 'cert.signCsr' && channel !== 'cert.renew') return false;
      return (await policy(cluster, tenant)).approvalRequired;
    },
  };
}

const WRITES_FILES = new Set<string>(['cert.issue', 'cert.signCsr', 'cert.renew']);

/**
 * An approved call is carried out on the approver's console: files named by the requester
 * (`outDir`, `overwrite`) would be written on the approver's machine. Such a call is refused
 * before it is filed (and again in the handler, when an approval carries it out).
 */
export function refuseFilesUnderApproval(channel: string, input: unknown): void {
  const i = (input ?? {}) as { outDir?: unknown; overwrite?: unknown };
  if (WRITES_FILES.has(channel) && (i.outDir !== undefined || i.overwrite === true)) {
    throw new AppError('BAD_INPUT', `${channel} needs a second person's approval on this tenant: issue without an output directory (no outDir / --out, no overwrite); export the certificate after approval (cert.export)`);
  }
}

/** Needs approval when any of the policies says so (each fails closed on its own). */
export function anyApproval(...policies: ApprovalPolicy[]): ApprovalPolicy {
  return {
    requiresApproval: async (cluster, tenant, channel: ChannelName, input?: unknown) => {
      for (const p of policies) {
        if (await p.requiresApproval(cluster, tenant, channel, input)) {
          refuseFilesUnderApproval(channel, input);
          return true;
        }
      }
      return false;
    },
  };
}

/** Certificate operations (issue 8): a CA per tenant, issuance, revocation, CRLs, exports, bundles. */
export function pkiModule(deps: ModuleDeps): ConsoleModule<PkiChannels> & { service: PkiService } {
  const service = new PkiService({
    wrap: (cluster, tenant) => ({
      encrypt: async (der, context) => {
        try {
          return await deps.keys.for(cluster).encrypt(tenant, 'ca', der, { context });
        } finally {
          der.fill(0);
        }
      },
      decrypt: (wrapped, context) => deps.keys.for(cluster).decrypt(tenant, 'ca', wrapped, { context }),
    }),
    policy: pkiPolicySource(deps.dispatch),
    secrets: deps.secrets,
    profile: (cluster) => {
      const p = deps.clusters.get(cluster);
      return { contactPoints: p.contactPoints, localDc: p.localDc };
    },
    logger: deps.logger,
  });

  const scopeOf = (cluster: string) => {
    const s = deps.sessions.scopeOf(cluster);
    if (!s) throw new AppError('NOT_SIGNED_IN', `sign in to cluster ${cluster} first`);
    return s;
  };
  const platformClient = (cluster: string) => {
    const c = deps.connections.operator(cluster);
    if (!c) throw new AppError('NOT_SIGNED_IN', `sign in to cluster ${cluster} first`);
    return c;
  };
  /** The handler's own check (an approved call runs here on the approver's console): see refuseFilesUnderApproval. */
  const noFilesUnderApproval = async (channel: 'cert.issue' | 'cert.signCsr' | 'cert.renew', i: { cluster: string; tenant: string; outDir?: string | undefined; overwrite: boolean }): Promise<void> => {
    if (i.outDir === undefined && !i.overwrite) return;
    if (await deps.approvalPolicy.requiresApproval(i.cluster, i.tenant, channel, i)) refuseFilesUnderApproval(channel, i);
  };
  const call = async (i: { cluster: string; tenant: string }, ctx: CallContext): Promise<TenantCall> => {
    if (!ctx.tenant) throw new AppError('INTERNAL', 'certificate call without a tenant context');
    const scope = scopeOf(i.cluster);
    return {
      cluster: i.cluster,
      tenant: i.tenant,
      session: await ctx.tenant.session(),
      operator: ctx.tenant.operator ?? scope.role,
      platform: scope.platform ? platformClient(i.cluster) : null,
    };
  };

  /**
   * Tenants provisioned before certificate operations existed have no tables: a platform console
   * signing in prepares them in the background (as the config module does), so their admins can
   * read and issue without waiting for a platform operator. Tables only: a CA is made by
   * provisioning or cert.caInit, never as a side effect of signing in. Not from one-shot CLI runs.
   */
  let sweep: Promise<void> | null = null;
  const sweepTables = async (cluster: string): Promise<void> => {
    const platform = deps.connections.operator(cluster);
    if (!platform) return;
    for (const t of deps.store.tenantMirror.all()) {
      if (t.cluster !== cluster || (t.state !== 'active' && t.state !== 'suspended')) continue;
      try {
        if ((await missingTables(platform, t.id)).length) await ensurePkiTables(platform, t.id);
      } catch (e) {
        deps.logger.warn('preparing certificate tables failed', { cluster, tenant: t.id, error: e instanceof Error ? e.message : String(e) });
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
      'cert.platformRoot': async ({ cluster }) => service.platformRoot(platformClient(cluster)),
      'cert.platformRootInit': async ({ cluster, algorithm, validityDays }) => service.platformRootInit(cluster, platformClient(cluster), scopeOf(cluster).role, { algorithm, validityDays }),
      'cert.ca': async (i, ctx) => service.ca(await call(i, ctx)),
      'cert.caInit': async (i, ctx) => service.caInit(await call(i, ctx), i),
      'cert.issue': async (i, ctx) => {
        await noFilesUnderApproval('cert.issue', i);
        return service.issue(await call(i, ctx), i);
      },
      'cert.signCsr': async (i, ctx) => {
        await noFilesUnderApproval('cert.signCsr', i);
        return service.signCsr(await call(i, ctx), i);
      },
      'cert.list': async (i, ctx) => service.list(await call(i, ctx), i),
      'cert.show': async (i, ctx) => service.show(await call(i, ctx), i.serial),
      'cert.revoke': async (i, ctx) => service.revoke(await call(i, ctx), i),
      'cert.crl': async (i, ctx) => service.crl(await call(i, ctx), i),
      'cert.renew': async (i, ctx) => {
        await noFilesUnderApproval('cert.renew', i);
        return service.renew(await call(i, ctx), i);
      },
      'cert.export': async (i, ctx) => service.export(await call(i, ctx), i),
      'cert.bundle': async (i, ctx) => service.bundle(await call(i, ctx), i),
      'cert.expiryReport': async (i, ctx) => service.expiryReport(await call(i, ctx)),
    },
  };
}
