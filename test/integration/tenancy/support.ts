import cassandra from 'cassandra-driver';
import { expect } from 'vitest';
import type { Saga } from '../../../src-shared/contract/tenants';
import { localClient, type LocalClient } from '../../../src-main/ipc/local-client';
import { driverClient, node, realServices, SUPERUSER, unique } from '../../support/cassandra';
import { scrubTestTenants } from '../../support/stale-keys';

export type Svc = Awaited<ReturnType<typeof realServices>>;

/** A console signed in as the superuser (platform scope) on the real node. */
export async function platformConsole(cluster = unique('c').replace(/_/g, '-')): Promise<{ svc: Svc; api: LocalClient; cluster: string }> {
  const svc = await realServices();
  const api = localClient(svc.router, { host: 'cli' });
  const added = await api.call('cluster.add', { name: cluster, contactPoints: [node().contactPoint], localDc: node().localDc, ...SUPERUSER });
  expect(added.ok).toBe(true);
  const signed = await api.call('session.signIn', { cluster });
  expect(signed.ok && signed.value.platform).toBe(true);
  return { svc, api, cluster };
}

/** Start a saga through the channel and wait for it to end in this process. */
export async function finish(svc: Svc, api: LocalClient, cluster: string, jobId: string): Promise<Saga> {
  await svc.jobs.wait(jobId)?.catch(() => undefined);
  const jobs = await api.call('tenant.jobs', { cluster });
  if (!jobs.ok) throw new Error(jobs.error.message);
  const saga = jobs.value.find((j) => j.jobId === jobId);
  if (!saga) throw new Error(`job ${jobId} not recorded`);
  return saga;
}

export async function provision(svc: Svc, api: LocalClient, cluster: string, id: string, adminUser = 'boss', adminPassword = 'correct-horse-battery'): Promise<Saga> {
  const r = await api.call('tenant.create', { cluster, id, name: `Tenant ${id}`, adminUser, adminPassword });
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return finish(svc, api, cluster, r.value.jobId);
}

export async function userClient(username: string, password: string): Promise<cassandra.Client> {
  return driverClient({ username, password });
}

/** Drop whatever a tenant left (test cleanup; the service's own delete is what tests check). */
export async function scrub(ids: string[]): Promise<void> {
  await scrubTestTenants({ contactPoint: node().contactPoint, localDc: node().localDc, ids });
}
