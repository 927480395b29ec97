import type { keyChannels, TenantKeyStatus as WireStatus } from '../../src-shared/contract/keys';
import type { JobRunner } from '../app/jobs';
import type { Handlers } from '../ipc/router';
import type { TenantKeyStatus } from './hierarchy';
import { rotationDue, type TenantKeyPolicy } from './policy';
import type { ClusterKeys } from './registry';
import type { RotationPhase, RotationProgress } from './rotation';

export type KeyHandlers = Pick<Handlers, keyof typeof keyChannels>;

export interface KeyHandlerDeps {
  keys: ClusterKeys;
  jobs: Pick<JobRunner, 'run'>;
  now?: () => Date;
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
      const keys = deps.keys.for(cluster);
      let jobId = '';
      // Not tied to the caller's signal: a closed window must not stop it half-way (it would resume
      // anyway); jobs.cancel stops it at the next batch.
      const report = await deps.jobs.run('keys.rotate', `Rotate keys of tenant ${tenant} on ${cluster}`, (job) => {
        jobId = job.id;
        return keys.rotate(tenant, {
          signal: job.signal,
          onProgress: (p) => {
            const r = rotationProgress(p);
            job.progress(r.step, r.fraction, r.message);
          },
        });
      });
      return { jobId, report };
    },
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
