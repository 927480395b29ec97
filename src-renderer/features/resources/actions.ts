import type { CsmClient } from '../../../src-shared/client';
import type { ChannelInput, Result } from '../../../src-shared/contract';
import type { QuotaRow, RateCard } from '../../../src-shared/contract/resources';
import { call } from '../../app/call';
import { useResources, type BillingReport } from './store';

// ───────── usage ─────────

export async function loadUsage(client: CsmClient, cluster: string, tenant: string): Promise<void> {
  const r = await call(client, 'usage.show', { cluster, tenant }, { quiet: true });
  if (r.ok) useResources.getState().setUsage(r.value);
  else useResources.getState().setUsageError(cluster, tenant, r.error);
}

export async function collectUsage(client: CsmClient, cluster: string, tenant: string): Promise<boolean> {
  const r = await call(client, 'usage.collect', { cluster, tenant }, {
    success: (o) => (o.failed.length ? `Usage of ${tenant}: ${o.failed.map((f) => f.message).join('; ')}` : `Usage of ${tenant} sampled`),
  });
  await loadUsage(client, cluster, tenant);
  return r.ok && r.value.failed.length === 0;
}

// ───────── quotas ─────────

export async function loadQuotas(client: CsmClient, cluster: string, tenant: string): Promise<void> {
  const r = await call(client, 'quota.show', { cluster, tenant }, { quiet: true });
  if (r.ok) useResources.getState().setQuotas(r.value);
  else useResources.getState().setQuotaError(cluster, tenant, r.error);
}

/** The editor shows a refusal in place (QUOTA_EXCEEDED, BAD_INPUT…), so the call is quiet. */
export async function setQuota(client: CsmClient, input: ChannelInput<'quota.set'>): Promise<Result<QuotaRow>> {
  const r = await call(client, 'quota.set', input, { quiet: true, success: (q) => `Quota on ${q.resource} of ${input.tenant} saved` });
  if (r.ok) await loadQuotas(client, input.cluster, input.tenant);
  return r;
}

export async function raiseQuota(client: CsmClient, input: ChannelInput<'quota.raise'>): Promise<Result<QuotaRow>> {
  const r = await call(client, 'quota.raise', input, { quiet: true, success: (q) => `${q.resource} of ${input.tenant} raised to ${q.raisedHard ?? input.hard} until ${q.raisedUntil ?? input.until}` });
  if (r.ok) await loadQuotas(client, input.cluster, input.tenant);
  return r;
}

// ───────── billing ─────────

export async function loadRates(client: CsmClient, cluster: string): Promise<void> {
  const r = await call(client, 'billing.rates', { cluster }, { quiet: true });
  useResources.getState().setRates(cluster, r.ok ? r.value : null, r.ok ? null : r.error);
}

export async function saveRates(client: CsmClient, cluster: string, rates: RateCard): Promise<Result<unknown>> {
  const r = await call(client, 'billing.setRates', { cluster, rates }, { quiet: true, success: 'Rate card saved' });
  if (r.ok) useResources.getState().setRates(cluster, r.value, null);
  return r;
}

export async function loadStatement(client: CsmClient, cluster: string, tenant: string, from: string, to: string): Promise<void> {
  const r = await call(client, 'billing.statement', { cluster, tenant, from, to }, { quiet: true });
  useResources.getState().setStatement(r.ok ? r.value : null, r.ok ? null : r.error);
}

export async function loadReport(client: CsmClient, cluster: string, from: string, to: string, out?: string): Promise<Result<BillingReport>> {
  const r = await call(client, 'billing.report', { cluster, from, to, ...(out ? { out } : {}) }, { quiet: true, ...(out ? { success: (o: BillingReport) => `CSV written to ${o.csvPath ?? out}` } : {}) });
  useResources.getState().setReport(cluster, r.ok ? r.value : null, r.ok ? null : r.error);
  return r;
}

export async function saveCostCentre(client: CsmClient, cluster: string, tenant: string, costCentre: string | null): Promise<Result<unknown>> {
  return call(client, 'billing.setCostCentre', { cluster, tenant, costCentre }, { quiet: true, success: (o) => (o.costCentre ? `${tenant} is billed to ${o.costCentre}` : `${tenant} has no cost centre`) });
}

// ───────── analytics ─────────

export async function runAnalytics(client: CsmClient, input: ChannelInput<'analytics.report'>): Promise<void> {
  const r = await call(client, 'analytics.report', input, { quiet: true });
  useResources.getState().setAnalytics(input.cluster, r.ok ? r.value : null, r.ok ? null : r.error);
  // A noisy report spends ε; a refused one does not, but re-reading tells either way.
  await loadBudget(client, input.cluster);
}

export async function loadBudget(client: CsmClient, cluster: string, total?: number): Promise<Result<unknown>> {
  const r = await call(client, 'analytics.budget', { cluster, ...(total !== undefined ? { total } : {}) }, { quiet: total === undefined, ...(total !== undefined ? { success: `Privacy budget set to ε = ${total}` } : {}) });
  if (r.ok || total === undefined) useResources.getState().setBudget(cluster, r.ok ? r.value : null, r.ok ? null : r.error);
  return r;
}

export async function loadNoisy(client: CsmClient, cluster: string, threshold?: number): Promise<void> {
  const r = await call(client, 'usage.noisy', { cluster, ...(threshold !== undefined ? { threshold } : {}) }, { quiet: true });
  useResources.getState().setNoisy(cluster, r.ok ? r.value : null, r.ok ? null : r.error);
}
