import { create } from 'zustand';
import type { ChannelOutput } from '../../../src-shared/contract';
import type { WireError } from '../../../src-shared/contract/core';
import type { AnalyticsReport, Statement, UsageView } from '../../../src-shared/contract/resources';
import { useSession } from '../../app/stores/session';

export type QuotaShow = ChannelOutput<'quota.show'>;
export type Rates = ChannelOutput<'billing.rates'>;
export type BillingReport = ChannelOutput<'billing.report'>;
export type Budget = ChannelOutput<'analytics.budget'>;
export type Noisy = ChannelOutput<'usage.noisy'>;

export const tenantKey = (cluster: string, tenant: string): string => `${cluster}/${tenant}`;

/**
 * Usage, quotas, billing and analytics (issue 10). Per-tenant views are keyed `cluster/tenant`,
 * platform screens by cluster; a cluster's entries are dropped when its session goes (sign-out).
 */
interface ResourcesState {
  usage: Record<string, UsageView>;
  usageErrors: Record<string, WireError>;
  quotas: Record<string, QuotaShow>;
  quotaErrors: Record<string, WireError>;
  rates: Record<string, Rates>;
  ratesErrors: Record<string, WireError>;
  statement: Statement | null;
  statementError: WireError | null;
  report: Record<string, BillingReport>;
  reportErrors: Record<string, WireError>;
  analytics: Record<string, AnalyticsReport>;
  analyticsErrors: Record<string, WireError>;
  budget: Record<string, Budget>;
  budgetErrors: Record<string, WireError>;
  noisy: Record<string, Noisy>;
  noisyErrors: Record<string, WireError>;
  setUsage(v: UsageView): void;
  setUsageError(cluster: string, tenant: string, e: WireError): void;
  setQuotas(v: QuotaShow): void;
  setQuotaError(cluster: string, tenant: string, e: WireError): void;
  setRates(cluster: string, r: Rates | null, e: WireError | null): void;
  setStatement(s: Statement | null, e: WireError | null): void;
  setReport(cluster: string, r: BillingReport | null, e: WireError | null): void;
  setAnalytics(cluster: string, r: AnalyticsReport | null, e: WireError | null): void;
  setBudget(cluster: string, b: Budget | null, e: WireError | null): void;
  setNoisy(cluster: string, n: Noisy | null, e: WireError | null): void;
  dropCluster(cluster: string): void;
  reset(): void;
}

const empty = () => ({
  usage: {},
  usageErrors: {},
  quotas: {},
  quotaErrors: {},
  rates: {},
  ratesErrors: {},
  statement: null,
  statementError: null,
  report: {},
  reportErrors: {},
  analytics: {},
  analyticsErrors: {},
  budget: {},
  budgetErrors: {},
  noisy: {},
  noisyErrors: {},
});

function without<T>(m: Record<string, T>, key: string): Record<string, T> {
  const { [key]: _gone, ...rest } = m;
  return rest;
}

/** Sets or clears one keyed value and its error together. */
function keyed<T>(values: Record<string, T>, errors: Record<string, WireError>, key: string, v: T | null, e: WireError | null) {
  return {
    values: v ? { ...values, [key]: v } : e ? values : without(values, key),
    errors: e ? { ...errors, [key]: e } : without(errors, key),
  };
}

const notOf = (cluster: string) => <T>(m: Record<string, T>): Record<string, T> => Object.fromEntries(Object.entries(m).filter(([k]) => k !== cluster && !k.startsWith(`${cluster}/`)));

export const useResources = create<ResourcesState>()((set) => ({
  ...empty(),
  setUsage: (v) =>
    set((s) => {
      const k = tenantKey(v.cluster, v.tenant);
      return { usage: { ...s.usage, [k]: v }, usageErrors: without(s.usageErrors, k) };
    }),
  setUsageError: (cluster, tenant, e) => set((s) => ({ usageErrors: { ...s.usageErrors, [tenantKey(cluster, tenant)]: e } })),
  setQuotas: (v) =>
    set((s) => {
      const k = tenantKey(v.cluster, v.tenant);
      return { quotas: { ...s.quotas, [k]: v }, quotaErrors: without(s.quotaErrors, k) };
    }),
  setQuotaError: (cluster, tenant, e) => set((s) => ({ quotaErrors: { ...s.quotaErrors, [tenantKey(cluster, tenant)]: e } })),
  setRates: (cluster, r, e) =>
    set((s) => {
      const k = keyed(s.rates, s.ratesErrors, cluster, r, e);
      return { rates: k.values, ratesErrors: k.errors };
    }),
  setStatement: (statement, statementError) => set({ statement, statementError }),
  setReport: (cluster, r, e) =>
    set((s) => {
      const k = keyed(s.report, s.reportErrors, cluster, r, e);
      return { report: k.values, reportErrors: k.errors };
    }),
  setAnalytics: (cluster, r, e) =>
    set((s) => {
      const k = keyed(s.analytics, s.analyticsErrors, cluster, r, e);
      return { analytics: k.values, analyticsErrors: k.errors };
    }),
  setBudget: (cluster, b, e) =>
    set((s) => {
      const k = keyed(s.budget, s.budgetErrors, cluster, b, e);
      return { budget: k.values, budgetErrors: k.errors };
    }),
  setNoisy: (cluster, n, e) =>
    set((s) => {
      const k = keyed(s.noisy, s.noisyErrors, cluster, n, e);
      return { noisy: k.values, noisyErrors: k.errors };
    }),
  dropCluster: (cluster) =>
    set((s) => {
      const f = notOf(cluster);
      return {
        usage: f(s.usage),
        usageErrors: f(s.usageErrors),
        quotas: f(s.quotas),
        quotaErrors: f(s.quotaErrors),
        rates: f(s.rates),
        ratesErrors: f(s.ratesErrors),
        report: f(s.report),
        reportErrors: f(s.reportErrors),
        analytics: f(s.analytics),
        analyticsErrors: f(s.analyticsErrors),
        budget: f(s.budget),
        budgetErrors: f(s.budgetErrors),
        noisy: f(s.noisy),
        noisyErrors: f(s.noisyErrors),
        ...(s.statement?.cluster === cluster ? { statement: null, statementError: null } : {}),
      };
    }),
  reset: () => set(empty()),
}));

// Sign-out: a cluster whose session went away takes its figures with it (they were read under
// that session's scope), so the next operator on this window — or another role signing in on
// the same cluster — does not see them.
useSession.subscribe((now, before) => {
  for (const [cluster, was] of Object.entries(before.scopes)) if (now.scopes[cluster]?.role !== was.role) useResources.getState().dropCluster(cluster);
});
