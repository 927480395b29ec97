import { describe, expect, it } from 'vitest';
import { applyInput, bulkExitCode, dashboardText, parseFilter, parseTenants, planText } from '../../../src-main/cli/commands/msp';
import { findCommand } from '../../../src-main/cli/commands/index';
import { bulkApplyInputSchema, type BulkOperation } from '../../../src-shared/contract/msp';
import { buildDashboard } from '../../../src-main/msp/derive';
import { reads, tenant } from './fixtures';

const err = (fn: () => unknown): string => {
  try {
    fn();
    return 'no error';
  } catch (e) {
    return `${(e as { code?: string }).code}: ${(e as Error).message}`;
  }
};

function op(counts: Partial<BulkOperation['counts']>, state: BulkOperation['state'] = 'finished'): BulkOperation {
  return {
    id: '00000000-0000-4000-8000-000000000000',
    jobId: null,
    action: { action: 'resume' },
    selection: 's',
    total: 1,
    state,
    counts: { pending: 0, ok: 0, skipped: 0, 'awaiting-approval': 0, failed: 0, cancelled: 0, ...counts },
    startedBy: 'cassandra',
    startedAt: 'x',
    finishedAt: null,
    recordedOn: ['prod'],
    results: [],
  };
}

describe('csm msp / bulk commands', () => {
  it('are found by their words', () => {
    expect(findCommand(['msp', 'dashboard', '--json'])?.cmd.channel).toBe('msp.dashboard');
    expect(findCommand(['bulk', 'apply'])?.cmd.channel).toBe('bulk.apply');
    expect(findCommand(['bulk', 'list'])?.cmd.channel).toBe('bulk.list');
    expect(findCommand(['bulk', 'show', 'x'])?.cmd.channel).toBe('bulk.show');
  });

  it('--tenants c/t,…: cluster first; malformed entries refused', () => {
    expect(parseTenants('prod/acme, dr/zed')).toEqual([
      { cluster: 'prod', tenant: 'acme' },
      { cluster: 'dr', tenant: 'zed' },
    ]);
    expect(err(() => parseTenants('acme'))).toBe('BAD_INPUT: --tenants: "acme" is not CLUSTER/TENANT');
    expect(err(() => parseTenants(' , '))).toMatch(/^BAD_INPUT: --tenants: the selection is empty/);
  });

  it('--filter EXPR: state, cluster, text keys with | alternatives; bare words are text', () => {
    expect(parseFilter('state=active|suspended,cluster=prod,acme,text=corp')).toEqual({ text: 'acme corp', states: ['active', 'suspended'], clusters: ['prod'] });
    expect(parseFilter('')).toEqual({});
    expect(err(() => parseFilter('state=sleeping'))).toMatch(/^BAD_INPUT: --filter: unknown state "sleeping"/);
    expect(err(() => parseFilter('owner=me'))).toMatch(/^BAD_INPUT: --filter: unknown key "owner"/);
    expect(err(() => parseFilter('state='))).toMatch(/needs a value/);
  });

  it('builds channel input that the contract accepts; refuses contradictory options', () => {
    const i = applyInput({ action: 'suspend', reason: 'unpaid', tenants: 'prod/acme', 'dry-run': true });
    expect(i).toEqual({ targets: [{ cluster: 'prod', tenant: 'acme' }], action: { action: 'suspend', reason: 'unpaid' }, dryRun: true });
    expect(bulkApplyInputSchema.safeParse(i).success).toBe(true);
    expect(applyInput({ action: 'policy', framework: ['gdpr', 'HIPAA'], filter: 'state=active' })).toEqual({ filter: { states: ['active'] }, action: { action: 'policy', frameworks: ['GDPR', 'HIPAA'] }, dryRun: false });
    expect(err(() => applyInput({ action: 'policy', framework: ['iso27001'], filter: 'x' }))).toMatch(/unknown framework "iso27001" \(one of SOX, PCI-DSS, GDPR, HIPAA\)/);
    expect(applyInput({ action: 'policy', 'no-frameworks': true, filter: 'x' }).action).toEqual({ action: 'policy', frameworks: [] });
    expect(err(() => applyInput({ action: 'suspend', tenants: 'prod/acme' }))).toMatch(/needs --reason/);
    expect(err(() => applyInput({ action: 'resume', reason: 'x', tenants: 'prod/acme' }))).toMatch(/--reason goes with --action suspend or template only/);
    expect(err(() => applyInput({ action: 'resume' }))).toMatch(/exactly one of --tenants/);
    expect(err(() => applyInput({ action: 'resume', tenants: 'a/b', filter: 'x' }))).toMatch(/exactly one of --tenants/);
    expect(err(() => applyInput({ action: 'delete', tenants: 'a/b' }))).toMatch(/--action: one of suspend, resume, rotate-keys, policy, template/);
    expect(err(() => applyInput({ tenants: 'a/b' }))).toBe('BAD_INPUT: --action is required');
    expect(err(() => applyInput({ action: 'policy', tenants: 'a/b' }))).toMatch(/needs --framework/);
    expect(err(() => applyInput({ action: 'resume', framework: ['GDPR'], tenants: 'a/b' }))).toMatch(/--action policy only/);
  });

  it('exit code: 1 when a tenant failed or the run was cancelled; skips and approvals waiting are not failures; a dry run is 0', () => {
    expect(bulkExitCode(op({ ok: 3, skipped: 1, 'awaiting-approval': 1 }))).toBe(0);
    expect(bulkExitCode(op({ ok: 3, failed: 1 }))).toBe(1);
    expect(bulkExitCode(op({ ok: 1, cancelled: 2 }, 'cancelled'))).toBe(1);
    expect(bulkExitCode({ dryRun: true, id: null, jobId: null, action: { action: 'resume' }, selection: 's', plan: [] })).toBe(0);
  });

  it('text output says what a dry run would do and that metering is not available', () => {
    const text = planText({
      dryRun: true,
      id: null,
      jobId: null,
      action: { action: 'suspend', reason: 'r' },
      selection: '1 named tenant: prod/acme',
      plan: [{ cluster: 'prod', tenant: 'acme', name: 'A', state: 'active', will: 'run', detail: 'active → suspended', code: null, approval: 'not-required' }],
    });
    expect(text).toMatch(/^dry run: bulk suspend \(reason: r\) — nothing was changed/);
    expect(text).toMatch(/prod\/acme\s+active\s+run\s+not-required\s+active → suspended/);
    const d = dashboardText(buildDashboard([reads('prod', [tenant('acme')])], [], new Date()));
    expect(d).toMatch(/usage metering not yet available/);
    expect(d).toMatch(/prod\/acme/);
    expect(d).toMatch(/compliance: unavailable/);
  });
});

describe('csm bulk apply --action template', () => {
  it('needs --template and --reason; --template only with it', () => {
    expect(applyInput({ action: 'template', template: 'strict', reason: 'tighten', tenants: 'prod/acme', 'dry-run': true })).toEqual({ targets: [{ cluster: 'prod', tenant: 'acme' }], action: { action: 'template', template: 'strict', reason: 'tighten' }, dryRun: true });
    expect(err(() => applyInput({ action: 'template', reason: 'r', tenants: 'prod/acme' }))).toMatch(/^BAD_INPUT: --action template needs --template NAME/);
    expect(err(() => applyInput({ action: 'template', template: 'strict', tenants: 'prod/acme' }))).toMatch(/^BAD_INPUT: --action template needs --reason/);
    expect(err(() => applyInput({ action: 'resume', template: 'strict', tenants: 'prod/acme' }))).toMatch(/--template goes with --action template only/);
    expect(bulkApplyInputSchema.safeParse({ targets: [{ cluster: 'prod', tenant: 'acme' }], action: { action: 'template', template: 'Bad Name', reason: 'r' } }).success).toBe(false);
  });
});
