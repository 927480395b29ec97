import type { CsmClient } from '../../../src-shared/client';
import type { ChannelInput, ChannelOutput, Result } from '../../../src-shared/contract';
import { call } from '../../app/call';
import { useSession } from '../../app/stores/session';
import { useClusters } from './store';

export async function loadClusters(client: CsmClient): Promise<void> {
  useClusters.getState().setLoading();
  const r = await call(client, 'cluster.list', {});
  if (!r.ok) {
    useClusters.getState().setError(r.error);
    return;
  }
  useClusters.getState().setClusters(r.value);
  if (r.value.length === 0) await loadSandboxStatus(client);
  await restoreSessions(client, r.value.map((c) => c.name));
}

/**
 * Main keeps sessions across a renderer reload; ask which are still open. Not being signed
 * in is the normal answer, so failures here are not toasted.
 */
export async function restoreSessions(client: CsmClient, names: string[]): Promise<void> {
  await Promise.all(
    names.map(async (cluster) => {
      const r = await call(client, 'session.whoami', { cluster }, { quiet: true });
      if (r.ok) useSession.getState().setScope(cluster, r.value);
      else useSession.getState().clear(cluster);
    }),
  );
}

export async function addCluster(
  client: CsmClient,
  input: ChannelInput<'cluster.add'>,
): Promise<Result<ChannelOutput<'cluster.add'>>> {
  const r = await call(client, 'cluster.add', input, { success: (p) => `Cluster "${p.name}" registered` });
  if (r.ok) useClusters.getState().upsert(r.value);
  return r;
}

export async function updateCluster(
  client: CsmClient,
  input: ChannelInput<'cluster.update'>,
): Promise<Result<ChannelOutput<'cluster.update'>>> {
  const r = await call(client, 'cluster.update', input, { success: (p) => `Cluster "${p.name}" updated` });
  if (r.ok) useClusters.getState().upsert(r.value);
  return r;
}

export async function removeCluster(client: CsmClient, name: string): Promise<boolean> {
  const r = await call(client, 'cluster.remove', { name }, {
    success: (v) => (v.removed ? `Cluster "${name}" and its stored password removed` : `Cluster "${name}" was not registered`),
  });
  if (!r.ok) return false;
  useClusters.getState().remove(name);
  useSession.getState().clear(name);
  if (useClusters.getState().clusters.length === 0) await loadSandboxStatus(client);
  return true;
}

export async function testCluster(client: CsmClient, name: string): Promise<void> {
  const r = await call(client, 'cluster.test', { name }, {
    success: (rep) => `Connected to "${name}" in ${Math.round(rep.latencyMs)} ms`,
  });
  if (r.ok) useClusters.getState().setReport(name, r.value);
}

export async function signIn(
  client: CsmClient,
  input: ChannelInput<'session.signIn'>,
): Promise<Result<ChannelOutput<'session.signIn'>>> {
  const r = await call(client, 'session.signIn', input, {
    success: (s) => `Signed in to "${input.cluster}" as ${s.role}`,
  });
  if (r.ok) {
    useSession.getState().setScope(input.cluster, r.value);
    useClusters.getState().select(input.cluster);
  }
  return r;
}

export async function signOut(client: CsmClient, cluster: string): Promise<void> {
  const r = await call(client, 'session.signOut', { cluster }, { success: `Signed out of "${cluster}"` });
  if (r.ok) useSession.getState().clear(cluster);
}

export async function loadSandboxStatus(client: CsmClient): Promise<void> {
  const r = await call(client, 'cluster.sandboxStatus', {});
  useClusters.getState().setSandbox(r.ok ? r.value : null);
}

export async function startSandbox(client: CsmClient): Promise<void> {
  const s = useClusters.getState();
  if (s.sandboxStarting) return;
  s.setSandboxStarting(true);
  try {
    const r = await call(client, 'cluster.sandboxStart', {}, {
      success: (p) => `Sandbox node running and registered as cluster "${p.name}"`,
    });
    if (r.ok) useClusters.getState().upsert(r.value);
    else await loadSandboxStatus(client);
  } finally {
    useClusters.getState().setSandboxStarting(false);
  }
}
