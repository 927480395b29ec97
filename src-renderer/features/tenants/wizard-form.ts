import type { ChannelInput } from '../../../src-shared/contract';
import { isolationSchema, tenantColorSchema, tenantCreateInputSchema, tenantDisplayNameSchema, tenantTierSchema, type TENANT_TIERS } from '../../../src-shared/contract/tenants';
import { clusterNameSchema, dcNameSchema, tenantIdSchema } from '../../../src-shared/rules/names';
import { templateFitsTenant, tenantUserNameSchema, type Template } from '../../../src-shared/rules/templates';

/** What the wizard holds, exactly as typed. The password lives here only until submit. */
export interface WizardValues {
  id: string;
  name: string;
  tier: (typeof TENANT_TIERS)[number];
  color: string;
  placement: 'cluster' | 'policy';
  cluster: string;
  isolation: 'keyspace' | 'cluster';
  dataCenters: string;
  template: string;
  adminUser: string;
  adminPassword: string;
  adminPasswordAgain: string;
}
export type WizardField = keyof WizardValues;
export type WizardErrors = Partial<Record<WizardField, string>>;

export const WIZARD_STEPS = [
  { id: 'identity', label: 'Identity' },
  { id: 'placement', label: 'Placement' },
  { id: 'template', label: 'Template' },
  { id: 'admin', label: 'Admin user' },
  { id: 'review', label: 'Review' },
] as const;
export type WizardStepId = (typeof WIZARD_STEPS)[number]['id'];

export const emptyWizard = (cluster = ''): WizardValues => ({
  id: '',
  name: '',
  tier: 'standard',
  color: '#1f5fbf',
  placement: cluster ? 'cluster' : 'policy',
  cluster,
  isolation: 'keyspace',
  dataCenters: '',
  template: 'default',
  adminUser: 'admin',
  adminPassword: '',
  adminPasswordAgain: '',
});

export function splitDcs(raw: string): string[] {
  return raw
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

const first = (r: { success: boolean; error?: { issues: { message: string }[] } }): string | undefined =>
  r.success ? undefined : (r.error?.issues[0]?.message ?? 'invalid');

export interface StepContext {
  /** The cluster the tenant will go to: the chosen one, or the placement policy's pick. */
  targetCluster: string | null;
  /** Why the policy could not pick a cluster, when it could not. */
  placementProblem: string | null;
  template: Template | null;
}

/** Errors of one step, from the very schemas main parses with. */
export function validateStep(step: WizardStepId, v: WizardValues, ctx: StepContext): WizardErrors {
  const e: WizardErrors = {};
  const put = (f: WizardField, msg: string | undefined): void => {
    if (msg && !e[f]) e[f] = msg;
  };
  switch (step) {
    case 'identity':
      put('id', first(tenantIdSchema.safeParse(v.id)));
      put('name', first(tenantDisplayNameSchema.safeParse(v.name)));
      put('tier', first(tenantTierSchema.safeParse(v.tier)));
      put('color', first(tenantColorSchema.safeParse(v.color)));
      break;
    case 'placement': {
      put('isolation', first(isolationSchema.safeParse(v.isolation)));
      if (v.placement === 'cluster') put('cluster', v.cluster ? first(clusterNameSchema.safeParse(v.cluster)) : 'cluster: pick one, or let the placement policy choose');
      else if (!ctx.targetCluster) put('placement', ctx.placementProblem ?? 'the placement policy has not picked a cluster yet');
      const dcs = splitDcs(v.dataCenters);
      if (dcs.length > 16) put('dataCenters', 'at most 16 data centres');
      for (const dc of dcs) put('dataCenters', first(dcNameSchema.safeParse(dc)));
      break;
    }
    case 'template':
      if (!ctx.template) put('template', 'template: pick one');
      else put('template', templateFitsTenant(ctx.template, v.id) ?? undefined);
      break;
    case 'admin':
      put('adminUser', first(tenantUserNameSchema.safeParse(v.adminUser)));
      put('adminPassword', first(tenantCreateInputSchema.shape.adminPassword.safeParse(v.adminPassword)));
      if (!e.adminPassword && v.adminPassword !== v.adminPasswordAgain) put('adminPasswordAgain', 'the two passwords differ');
      break;
    case 'review':
      break;
  }
  return e;
}

/** The call's input, checked as a whole once more (strict: nothing extra ever goes out). */
export function toCreateInput(v: WizardValues): { ok: true; input: ChannelInput<'tenant.create'> } | { ok: false; message: string } {
  const dcs = splitDcs(v.dataCenters);
  const input: ChannelInput<'tenant.create'> = {
    ...(v.placement === 'cluster' ? { cluster: v.cluster } : {}),
    id: v.id,
    name: v.name,
    tier: v.tier,
    template: v.template,
    isolation: v.isolation,
    ...(dcs.length ? { dataCenters: dcs } : {}),
    color: v.color,
    adminUser: v.adminUser,
    adminPassword: v.adminPassword,
  };
  const r = tenantCreateInputSchema.safeParse(input);
  return r.success ? { ok: true, input } : { ok: false, message: r.error.issues[0]?.message ?? 'invalid input' };
}
