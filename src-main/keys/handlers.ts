import type { keyChannels, RotationOutcome, TenantKeyStatus as WireStatus } from '../../src-shared/contract/keys';
import { AppError, isAppError } from '../app/errors';
import type { JobRunner } from '../app/jobs';
import type { Handlers } from '../ipc/router';
import type { RotationReport, TenantKeyStatus } from './hierarchy';
import { rotationDue, type TenantKeyPolicy } from './policy';
import type { ClusterKeys } from './registry';
import type { RotationPhase, RotationProgress } from './rotation';

export type KeyHandlers = Pick<Handlers, keyof typeof keyChannels>;

export interface KeyHandlerDeps {
  keys: ClusterKeys;
  jobs: Pick<JobRunner, 'start'>;
  now?: () => Date;
  /** How many finished rotations are remembered for keys.rotationReport. */
  keepOutcomes?: number;
}

export const rotationLabel = (cluster: string, tenant: string): string => `Rotate keys of tenant ${tenant} on ${cluster}`;

/**
 * Rotations this console started, and how they ended: the report exists only at the end of the
 * job, so keys.rotate answers with the job id and keys.rotationReport reads the outcome here
 * (the CLI after waiting, the UI when job.progress says it ended). In memory only: a report is
 * the account of one run in this process; what the keys are now is keys.status, read from the
 * cluster. Bounded: the oldest finished outcomes are dropped first.
 */
export class RotationOutcomes {
  private readonly outcomes = new Map<string, RotationOutcome>();

  constructor(private readonly keep = 100) {}

  runningFor(cluster: string, tenant: string): string | null {
    for (const o of this.outcomes.values()) if (o.state === 'running' && o.cluster === cluster && o.tenantId === tenant) return o.jobId;
    return null;
  }

  track(jobId: string, cluster: string, tenant: string, startedAt: Date, done: Promise<RotationReport>, now: () => Date): void {
    const o: RotationOutcome = { jobId, cluster, tenantId: tenant, state: 'running', startedAt: startedAt.toISOString(), finishedAt: null, report: null, error: null };
    this.outcomes.set(jobId, o);
    done.then(
      (report) => Object.assign(o, { state: 'succeeded', report, finishedAt: now().toISOString() }),
      (err: unknown) => {
        const cancelled = isAppError(err) && err.code === 'CANCELLED';
        // Only an AppError's message is written for the operator; anything else stays in the log.
        const error = isAppError(err) ? { code: err.code, message: err.message } : { code: 'INTERNAL' as const, message: 'the rotation failed; see the console log' };
        Object.assign(o, { state: cancelled ? 'cancelled' : 'failed', error, finishedAt: now().toISOString() });
      },
    );
    this.prune();
  }

  outcome(cluster: string, tenant: string, jobId: string): RotationOutcome {
    const o = this.outcomes.get(jobId);
    if (!o || o.cluster !== cluster || o.tenantId !== tenant) {
      throw new AppError(
        'NOT_FOUND',
        `no key rotation ${jobId} of tenant ${tenant} on ${cluster} is known to this console (a report is kept by the console that ran the rotation, until it restarts); keys.status shows the keys as they are now`,
      );
    }
    return { ...o };
  }

  private prune(): void {
    for (const [id, o] of this.outcomes) {
      if (this.outcomes.size <= this.keep) return;
      if (o.state !== 'running') this.outcomes.delete(id);
    }
  }
}

/** Where each rotation phase sits on the job's progress bar; re-encrypting the cache is the long part. */
const PHASES: Record<RotationPhase, { from: number; to: number; step: string }> = {
  kek: { from: 0, to: 0.05, step: 'new KEK version' },
  rewrap: { from: 0.05, to: 0.15, step: 'rewrapping data keys' },
  'retire-kek': { from: 0.15, to: 0.2, step: 'retiring old KEK' },
  'data-key': { from: 0.2, to: 0.25, step: 'new cache data key' },
  reencrypt: { from: 0.25, to: 0.95, step: 're-encrypting cached values' },
  'retire-data-key': { from: 0.95, to: 1, step: 'retiring old data key' },
};

export function rotationProgress(p: RotationProgress): { step: string; fraction: number; message: string } {
  const ph = PHASES[p.phase];
  const part = p.total > 0 ? Math.min(1, p.done / p.total) : 1;
  return { step: ph.step, fraction: ph.from + (ph.to - ph.from) * part, message: `${p.done}/${p.total}` };
}

export const shareFileName = (kind: 'master-share' | 'tenant-share' | 'escrow', who: string, at: Date): string =>
  `csm-${kind}-${who}-${at.toISOString().slice(0, 10)}.json`;

function withRotation(s: TenantKeyStatus, policy: TenantKeyPolicy, now: Date): WireStatus {
  return { ...s, rotation: { ...rotationDue(s, now, policy), intervalDays: policy.rotationIntervalDays } };
}

/** The handlers of the key channels (issue 4), over the per-cluster key services. */
export function keyHandlers(deps: KeyHandlerDeps): KeyHandlers {
  const now = deps.now ?? (() => new Date());
  const rotations = new RotationOutcomes(deps.keepOutcomes);
  return {
    'keys.status': async ({ cluster, tenant }) => {
      const keys = deps.keys.for(cluster);
      const policies = deps.keys.policies(cluster);
      const statuses = tenant !== undefined ? [await keys.status(tenant)] : await keys.statusAll();
      const out: WireStatus[] = [];
      for (const s of statuses) out.push(withRotation(s, (await policies.get(s.tenantId)).policy, now()));
      return out;
    },
    'keys.rotate': async ({ cluster, tenant }) => {
      // Resolved before the job starts: not signed in is an answer, not a failed job.
      const keys = deps.keys.for(cluster);
      const running = rotations.runningFor(cluster, tenant);
      if (running) throw new AppError('CONFLICT', `a rotation of tenant ${tenant} on ${cluster} is already running (job ${running}); wait for it to end`);
      const label = rotationLabel(cluster, tenant);
      // Not tied to the caller's signal: a closed window must not stop it half-way (it would resume
      // anyway); jobs.cancel stops it at the next batch. The answer is the job id, at once.
      const { jobId, done } = deps.jobs.start('keys.rotate', label, (job) =>
        keys.rotate(tenant, {
          signal: job.signal,
          onProgress: (p) => {
            const r = rotationProgress(p);
            job.progress(r.step, r.fraction, r.message);
          },
        }),
      );
      rotations.track(jobId, cluster, tenant, now(), done, now);
      return { jobId, cluster, tenant, label };
    },
    'keys.rotationReport': async ({ cluster, tenant, jobId }) => rotations.outcome(cluster, tenant, jobId),
    'keys.policy': async ({ cluster, tenant }) => deps.keys.policies(cluster).get(tenant),
    'keys.setPolicy': async ({ cluster, tenant, policy }, ctx) => deps.keys.policies(cluster).set(tenant, policy, ctx.tenant?.operator ?? null),
    'keys.masterStatus': async () => deps.keys.masterStatus(),
    'keys.exportShare': async ({ passphrase }) => {
      const { text, fingerprint } = await deps.keys.exportMasterShare(passphrase);
      return { text, fingerprint, fileName: shareFileName('master-share', fingerprint, now()) };
    },
    'keys.importShare': async ({ secretShare, passphrase, force }) => deps.keys.importMasterShare(secretShare, passphrase, { force }),
    'keys.exportTenantShare': async ({ cluster, tenant, passphrase }) => ({
      text: await deps.keys.for(cluster).exportTenantShare(tenant, passphrase),
      tenant,
      fileName: shareFileName('tenant-share', tenant, now()),
    }),
    'keys.importTenantShare': async ({ secretShare, passphrase }) => {
      const r = await deps.keys.importTenantShare(secretShare, passphrase);
      return { tenant: r.tenantId, versions: r.versions };
    },
    'keys.exportEscrow': async ({ cluster, tenant, publicKeyPem }) => ({
      text: await deps.keys.for(cluster).exportEscrow(tenant, publicKeyPem),
      tenant,
      fileName: shareFileName('escrow', tenant, now()),
    }),
  };
}
