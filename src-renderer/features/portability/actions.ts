import type { CsmClient } from '../../../src-shared/client';
import type { ChannelInput, ChannelName, ChannelOutput } from '../../../src-shared/contract';
import type { WireError } from '../../../src-shared/contract/core';
import type { BackupStatus, BundleInfo } from '../../../src-shared/contract/portability';
import { call } from '../../app/call';
import { backupKey, isEnded, usePortability } from './store';

/** What a mutating call came back with: done, filed for approval (not run), or refused with its code. */
export type Outcome<T> = { kind: 'done'; value: T } | { kind: 'approval'; requestId: string | null; message: string } | { kind: 'error'; error: WireError };
export type Started = { jobId: string; operationId: string };

/** The approval gate names the request it filed ("… request <id> filed; …"); null if it did not. */
export function approvalRequestId(message: string): string | null {
  const m = /\brequest ([A-Za-z0-9_-]+) filed\b/.exec(message);
  return m?.[1] ?? null;
}

async function mutate<C extends ChannelName>(client: CsmClient, channel: C, input: ChannelInput<C>, success: (v: ChannelOutput<C>) => string): Promise<Outcome<ChannelOutput<C>>> {
  const r = await call(client, channel, input, { quiet: true, success });
  if (r.ok) return { kind: 'done', value: r.value };
  if (r.error.code === 'APPROVAL_REQUIRED') return { kind: 'approval', requestId: approvalRequestId(r.error.message), message: r.error.message };
  return { kind: 'error', error: r.error };
}

export async function loadOps(client: CsmClient): Promise<void> {
  usePortability.getState().setListLoading();
  const r = await call(client, 'portability.list', {}, { quiet: true });
  if (r.ok) usePortability.getState().setOps(r.value);
  else usePortability.getState().setListError(r.error);
}

export async function loadBackups(client: CsmClient, cluster: string, tenant: string): Promise<void> {
  const r = await call(client, 'backup.list', { cluster, tenant }, { quiet: true });
  if (r.ok) usePortability.getState().setBackups(r.value);
  else usePortability.getState().setBackupError(backupKey(cluster, tenant), r.error);
}

/** Reads an operation's record; once it has ended, whatever it touched is re-read too. */
export async function readResult(client: CsmClient, operationId: string): Promise<void> {
  const r = await call(client, 'portability.result', { operationId }, { quiet: true });
  if (!r.ok) return;
  usePortability.getState().setResult(r.value);
  if (isEnded(r.value) && (r.value.kind === 'backup' || r.value.kind === 'restore' || r.value.kind === 'verify-backup')) await loadBackups(client, r.value.cluster, r.value.tenant);
}

/**
 * A job was started: remember its job id (its end reads the record back) and read the record once
 * now — events travel on their own socket and a short job may have ended before this answer.
 */
async function started(client: CsmClient, o: Outcome<Started>): Promise<Outcome<Started>> {
  if (o.kind !== 'done') return o;
  usePortability.getState().track(o.value.jobId, o.value.operationId);
  await readResult(client, o.value.operationId);
  return o;
}

export async function exportTenant(client: CsmClient, input: ChannelInput<'tenant.export'>): Promise<Outcome<Started>> {
  return started(client, await mutate(client, 'tenant.export', input, () => `Export of ${input.tenant} started`));
}

export async function inspectBundle(client: CsmClient, input: ChannelInput<'tenant.inspectBundle'>): Promise<Outcome<BundleInfo>> {
  return mutate(client, 'tenant.inspectBundle', input, () => 'Bundle read');
}

export async function importBundle(client: CsmClient, input: ChannelInput<'tenant.import'>): Promise<Outcome<Started>> {
  return started(client, await mutate(client, 'tenant.import', input, () => `Import into ${input.cluster} started`));
}

export async function migrateTenant(client: CsmClient, input: ChannelInput<'tenant.migrate'>): Promise<Outcome<Started>> {
  return started(client, await mutate(client, 'tenant.migrate', input, () => `Migration of ${input.tenant} to ${input.to} started`));
}

export async function abortMigration(client: CsmClient, cluster: string, operationId: string): Promise<Outcome<unknown>> {
  const o = await mutate(client, 'migration.abort', { cluster, operationId }, () => 'Migration aborted: the source is left as it was');
  if (o.kind === 'done') usePortability.getState().setResult(o.value);
  return o;
}

export async function createBackup(client: CsmClient, cluster: string, tenant: string, withData?: boolean): Promise<Outcome<Started>> {
  return started(client, await mutate(client, 'backup.create', { cluster, tenant, ...(withData === undefined ? {} : { withData }) }, () => `Backup of ${tenant} started`));
}

export async function verifyBackup(client: CsmClient, cluster: string, tenant: string, backupId: string): Promise<Outcome<Started>> {
  return started(client, await mutate(client, 'backup.verify', { cluster, tenant, backupId }, () => `Verification of backup ${backupId} started`));
}

export async function restoreBackup(client: CsmClient, input: ChannelInput<'backup.restore'>): Promise<Outcome<Started>> {
  return started(client, await mutate(client, 'backup.restore', input, () => `Restore of ${input.tenant} started`));
}

export async function savePolicy(client: CsmClient, input: ChannelInput<'backup.setPolicy'>): Promise<Outcome<BackupStatus>> {
  const o = await mutate(client, 'backup.setPolicy', input, () => `Backup policy of ${input.tenant} saved`);
  if (o.kind === 'done') usePortability.getState().setBackups(o.value);
  return o;
}

/**
 * Live progress for the portability screens; returns the unsubscribe. Progress lands per
 * operation; an operation not yet listed (started from the CLI or another window) re-reads the
 * list; a job's end reads the operation's record (its report) and the list.
 */
export function subscribePortability(client: CsmClient): () => void {
  let listTimer: ReturnType<typeof setTimeout> | null = null;
  const reloadList = (): void => {
    if (listTimer) return;
    listTimer = setTimeout(() => {
      listTimer = null;
      if (usePortability.getState().listStatus !== 'idle') void loadOps(client);
    }, 250);
  };
  const offProgress = client.on('portability.progress', (p) => {
    const s = usePortability.getState();
    s.applyProgress(p);
    if (s.listStatus !== 'idle' && !s.ops.some((o) => o.id === p.operationId)) reloadList();
  });
  const offJob = client.on('job.progress', (p) => {
    if (p.state === 'running') return;
    const s = usePortability.getState();
    const opId = s.tracked[p.jobId] ?? s.ops.find((o) => o.jobId === p.jobId)?.id;
    if (!opId) return;
    void readResult(client, opId);
    reloadList();
  });
  return () => {
    if (listTimer) clearTimeout(listTimer);
    offProgress();
    offJob();
  };
}
