import type { accessChannels } from '../../src-shared/contract/access';
import type { ConsoleModule } from '../app/module';
import type { ModuleDeps } from '../app/module-deps';
import type { CheckedCall } from '../ipc/router';
import { Approvals } from './approvals';
import { TenantAccessTables } from './repo';
import { SupportAccess } from './support';

export type AccessChannels = keyof typeof accessChannels;

/** How often a window host sweeps: a window ends at most a minute late while a console runs. */
export const SWEEP_INTERVAL_MS = 60_000;

/** Support access and change approvals (issue 6 item 5). */
export function accessModule(deps: ModuleDeps): ConsoleModule<AccessChannels> & { gate(call: CheckedCall): Promise<void>; sweep(cluster: string): Promise<number> } {
  const tables = new TenantAccessTables();
  const pending = new Set<Promise<void>>();
  const approvals = new Approvals({ connections: deps.connections, sessions: deps.sessions, policy: deps.approvalPolicy, dispatch: deps.dispatch, logger: deps.logger, tables });
  const support = new SupportAccess({
    host: deps.host,
    connections: deps.connections,
    sessions: deps.sessions,
    tenants: deps.tenants,
    secrets: deps.secrets,
    tables,
    logger: deps.logger,
    audit: (e) => {
      try {
        deps.store.localAudit.record(e);
      } catch (err) {
        deps.logger.error('audit write failed', { channel: e.channel, error: err instanceof Error ? err : String(err) });
      }
    },
    emit: (p) => deps.bus.emit('support.revoked', p),
  });

  const sweep = async (cluster: string): Promise<number> => {
    const n = await support.sweep(cluster);
    await approvals.sweep(cluster);
    return n;
  };

  // One unref'd timer per window host: it never keeps a process alive, and the CLI (one command
  // per process) relies on the sign-in sweep instead.
  let running = false;
  const timer =
    deps.host === 'cli'
      ? null
      : setInterval(() => {
          if (running) return;
          running = true;
          void (async () => {
            for (const s of deps.sessions.signedIn()) {
              if (!s.platform) continue;
              await sweep(s.cluster).catch((e: unknown) => deps.logger.warn('support sweep failed', { cluster: s.cluster, error: e instanceof Error ? e.message : String(e) }));
            }
          })().finally(() => {
            running = false;
          });
        }, SWEEP_INTERVAL_MS);
  timer?.unref();

  return {
    gate: (call) => approvals.gate(call),
    sweep,
    handlers: {
      'support.request': (input) => support.request(input),
      'support.approve': (input) => support.decide(input, 'approved'),
      'support.reject': (input) => support.decide(input, 'rejected'),
      'support.activate': (input) => support.activate(input),
      'support.revoke': (input) => support.revoke(input),
      'support.list': (input) => support.list(input),
      'support.credentials': (input, ctx) => support.credentials(input, ctx.caller.host),
      'approval.list': (input) => approvals.list(input),
      'approval.approve': (input) => approvals.approve(input),
      'approval.reject': (input) => approvals.reject(input),
      'approval.cancel': (input) => approvals.cancel(input),
    },
    // A suspended or deleted tenant's support windows end at once (suspension does not know them).
    // Kept, and awaited by close(): a one-shot CLI `csm tenant suspend` must not exit (and close
    // the session) before the windows are ended.
    afterSuccess: (call) => {
      if ((call.channel === 'tenant.suspend' || call.channel === 'tenant.delete') && call.cluster && call.tenant) {
        const { cluster, tenant } = call;
        const p = support
          .sweep(cluster, tenant)
          .then(() => undefined)
          .catch((e: unknown) => deps.logger.warn('support sweep after a suspension failed', { cluster, tenant, error: e instanceof Error ? e.message : String(e) }))
          .finally(() => pending.delete(p));
        pending.add(p);
      }
    },
    // "Revoked at its next start": a console closed across an expiry ends the window at sign-in.
    onSignIn: async (cluster, platform) => {
      if (platform) await sweep(cluster);
    },
    close: async () => {
      if (timer) clearInterval(timer);
      await Promise.all([...pending]);
    },
  };
}
