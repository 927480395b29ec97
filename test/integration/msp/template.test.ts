import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../../../src-shared/contract';
import type { BulkApplyOutput, BulkOperation } from '../../../src-shared/contract/msp';
import { DEFAULT_TEMPLATE } from '../../../src-shared/rules/templates';
import { configModule } from '../../../src-main/config/module';
import type { LocalClient } from '../../../src-main/ipc/local-client';
import { driverClient, node, unique } from '../../support/cassandra';
import { REPO_ROOT } from '../../support/web-host';
import { platformConsole, provision, scrub, type Svc } from '../tenancy/support';

function csm(args: string[], svc: Svc & { dataDir: string; keychainService: string }): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((ok) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'src-main/cli/csm.mjs'), ...args, '--data-dir', svc.dataDir], {
      env: { ...process.env, CSM_KEYCHAIN_SERVICE: svc.keychainService },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => ok({ code: code ?? -1, stdout, stderr }));
  });
}

const value = <T>(r: Result<T>): T => {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
};

/**
 * Issue 6 item 5, "apply a template change", on the real node: a stricter template saved with
 * template.save, a bulk dry run that shows per tenant which effective fields would change
 * (inherited ones move, an overridden one does not) and writes nothing, the real run through
 * config.setTemplate per tenant (versions, tenant_info, registry, the users module's password
 * policy), and an unknown template refused per tenant with NOT_FOUND.
 */
describe('bulk template action on the real node', () => {
  let svc: Svc & { dataDir: string; keychainService: string };
  let api: LocalClient;
  let cluster: string;
  let su: cassandra.Client;
  const inh = unique('ti');
  const ovr = unique('to');
  const tpl = `strict-${unique('t').slice(2)}`;
  const ghostTpl = `ghost-${unique('t').slice(2)}`;

  const registryTemplate = async (id: string): Promise<string> => String((await su.execute('SELECT template FROM csm_system.tenants WHERE id = ?', [id], { prepare: true })).rows[0]?.['template']);
  const infoTemplate = async (id: string): Promise<string> => String((await su.execute(`SELECT value FROM "tenant_${id}_csm".tenant_info WHERE key = 'template'`)).rows[0]?.['value']);
  const versions = async (id: string): Promise<number> => value(await api.call('config.history', { cluster, tenant: id })).length;

  async function run(input: Parameters<LocalClient['call']>[1]): Promise<BulkOperation> {
    const v = value(await api.call('bulk.apply', input as never)) as BulkApplyOutput;
    expect(v.id).not.toBeNull();
    await svc.jobs.wait(v.jobId!)?.catch(() => undefined);
    return value(await api.call('bulk.show', { id: v.id! }));
  }

  beforeAll(async () => {
    const pc = await platformConsole();
    svc = pc.svc as typeof svc;
    api = pc.api;
    cluster = pc.cluster;
    su = await driverClient();
    for (const id of [inh, ovr]) {
      const saga = await provision(svc, api, cluster, id);
      expect(saga.state, JSON.stringify(saga.steps)).toBe('succeeded');
    }
    value(await api.call('template.save', { cluster, template: { ...DEFAULT_TEMPLATE, name: tpl, description: 'stricter passwords', policies: { ...DEFAULT_TEMPLATE.policies, 'password.min_length': '16' } } }));
    // ovr pins its own minimum length: the template must not move it.
    value(await api.call('config.set', { cluster, tenant: ovr, set: { 'password.minLength': 14 }, reason: 'own rule' }));
  }, 240_000);

  afterAll(async () => {
    await api?.call('template.delete', { cluster, name: tpl }).catch(() => undefined);
    await su?.shutdown();
    await svc?.close();
    await scrub([inh, ovr]);
  }, 120_000);

  it('dry run: minLength 12 → 16 for the tenant inheriting it, no change for the one overriding it (said so); nothing written', async () => {
    const before = { inh: await versions(inh), ovr: await versions(ovr) };
    const out = value(await api.call('bulk.apply', { targets: [{ cluster, tenant: inh }, { cluster, tenant: ovr }], action: { action: 'template', template: tpl, reason: 'stricter' }, dryRun: true }));
    expect(out).toMatchObject({ dryRun: true, id: null });
    const [pi, po] = out.plan;
    expect(pi).toMatchObject({ tenant: inh, will: 'run' });
    expect(pi!.fields).toEqual([{ path: 'password.minLength', label: 'Minimum length', origin: 'inherited', before: 12, after: 16 }]);
    expect(pi!.detail).toBe(`template default → ${tpl}: password.minLength 12 → 16`);
    expect(po).toMatchObject({ tenant: ovr, will: 'run' });
    expect(po!.fields).toEqual([{ path: 'password.minLength', label: 'Minimum length', origin: 'overridden', before: 12, after: 16 }]);
    expect(po!.detail).toMatch(/no effective value changes; overridden, so unchanged: password\.minLength \(template 12 → 16\)/);
    // Nothing written: no version, the registry and the tenant's own copy still say default.
    expect({ inh: await versions(inh), ovr: await versions(ovr) }).toEqual(before);
    for (const id of [inh, ovr]) {
      expect(await registryTemplate(id)).toBe('default');
      expect(await infoTemplate(id)).toBe('default');
    }
  }, 60_000);

  it('unknown template: every tenant refused with NOT_FOUND, in the dry run and the run; nothing written', async () => {
    const targets = [{ cluster, tenant: inh }, { cluster, tenant: ovr }];
    const dry = value(await api.call('bulk.apply', { targets, action: { action: 'template', template: ghostTpl, reason: 'x' }, dryRun: true }));
    expect(dry.plan.map((p) => [p.tenant, p.will, p.code])).toEqual([
      [inh, 'refuse', 'NOT_FOUND'],
      [ovr, 'refuse', 'NOT_FOUND'],
    ]);
    const op = await run({ targets, action: { action: 'template', template: ghostTpl, reason: 'x' } });
    expect(op.results.map((r) => [r.tenant, r.outcome, r.code])).toEqual(expect.arrayContaining([
      [inh, 'failed', 'NOT_FOUND'],
      [ovr, 'failed', 'NOT_FOUND'],
    ]));
    const direct = await api.call('config.setTemplate', { cluster, tenant: inh, template: ghostTpl, reason: 'x' });
    expect(!direct.ok && direct.error.code).toBe('NOT_FOUND');
    expect(await registryTemplate(inh)).toBe('default');
  }, 60_000);

  it('real run: both tenants on the template with a new version and the reason; inherited minLength 16, overridden 14; registry, tenant_info and the password policy follow', async () => {
    const before = { inh: value(await api.call('config.show', { cluster, tenant: inh })).version, ovr: value(await api.call('config.show', { cluster, tenant: ovr })).version };
    const op = await run({ targets: [{ cluster, tenant: inh }, { cluster, tenant: ovr }], action: { action: 'template', template: tpl, reason: 'stricter passwords' } });
    expect(op.results.map((r) => [r.tenant, r.outcome]).sort()).toEqual([[inh, 'ok'], [ovr, 'ok']].sort());
    for (const id of [inh, ovr]) {
      const v = value(await api.call('config.show', { cluster, tenant: id }));
      expect(v.template).toMatchObject({ name: tpl, found: true });
      const h = value(await api.call('config.history', { cluster, tenant: id, limit: 1 }))[0]!;
      expect(h.reason).toBe(`template: default → ${tpl}: stricter passwords`);
      expect(await registryTemplate(id)).toBe(tpl);
      expect(await infoTemplate(id)).toBe(tpl);
    }
    const vi = value(await api.call('config.show', { cluster, tenant: inh }));
    const vo = value(await api.call('config.show', { cluster, tenant: ovr }));
    // inh had no version: baseline v1 + the template version v2.
    expect(vi.version).toBe(before.inh === 0 ? 2 : before.inh + 1);
    expect(vo.version).toBe(before.ovr + 1);
    expect(vi.fields.find((f) => f.path === 'password.minLength')).toMatchObject({ value: 16, origin: 'inherited', inheritedFrom: 'template' });
    expect(vo.fields.find((f) => f.path === 'password.minLength')).toMatchObject({ value: 14, origin: 'overridden', inheritedValue: 16 });
    expect(value(await api.call('config.history', { cluster, tenant: inh, limit: 1 }))[0]!.changes).toEqual([{ path: 'password.minLength', kind: 'changed', before: 12, after: 16 }]);
    expect(value(await api.call('config.history', { cluster, tenant: ovr, limit: 1 }))[0]!.changes).toEqual([]);
    // What the users module enforces (a fresh module: no cache).
    const mod = configModule({ ...svc, host: 'cli', dispatch: (ch, input) => svc.router.dispatch(ch, input, { host: 'cli' }), approvalPolicy: { requiresApproval: async () => false } });
    expect((await mod.policies.passwordPolicy(cluster, inh)).minLength).toBe(16);
    expect((await mod.policies.passwordPolicy(cluster, ovr)).minLength).toBe(14);
    // Again: already on it with current defaults → skipped, no version.
    const again = value(await api.call('bulk.apply', { targets: [{ cluster, tenant: inh }], action: { action: 'template', template: tpl, reason: 'again' }, dryRun: true }));
    expect(again.plan[0]).toMatchObject({ will: 'skip', code: 'CONFLICT', detail: expect.stringMatching(/already uses template/) });
  }, 120_000);

  it('a template weaker than the compliance profile is refused with BAD_INPUT naming the field, per tenant in the plan; nothing written', async () => {
    value(await api.call('compliance.set', { cluster, tenant: ovr, boundary: [{ dc: node().localDc, region: 'eu-west-1' }], frameworks: [], overrides: { minRsaBits: 3072 } }));
    try {
      const before = value(await api.call('config.show', { cluster, tenant: ovr })).version;
      const r = await api.call('config.setTemplate', { cluster, tenant: ovr, template: 'default', reason: 'looser' });
      expect(!r.ok && r.error.code).toBe('BAD_INPUT');
      expect(!r.ok && r.error.message).toMatch(/certificates\.minRsaBits: the compliance profile requires RSA keys of at least 3072 bits/);
      const dry = value(await api.call('bulk.apply', { targets: [{ cluster, tenant: ovr }], action: { action: 'template', template: 'default', reason: 'looser' }, dryRun: true }));
      expect(dry.plan[0]).toMatchObject({ will: 'refuse', code: 'BAD_INPUT', detail: expect.stringMatching(/certificates\.minRsaBits/) });
      expect(value(await api.call('config.show', { cluster, tenant: ovr })).version).toBe(before);
      expect(await registryTemplate(ovr)).toBe(tpl);
    } finally {
      await su.execute('DELETE FROM csm_system.compliance_profiles WHERE tenant_id = ?', [ovr], { prepare: true });
    }
  }, 60_000);

  it('csm config template / bulk apply --action template: exit 0 on success and dry run, 1 when a tenant failed, 2 for bad input', async () => {
    const back = await csm(['config', 'template', '--cluster', cluster, '--tenant', inh, '--template', 'default', '--reason', 'back to default', '--json'], svc);
    expect(back.code, back.stderr + back.stdout).toBe(0);
    expect(JSON.parse(back.stdout)).toMatchObject({ template: { name: 'default' }, changes: [{ path: 'password.minLength', before: 16, after: 12 }] });
    const same = await csm(['config', 'template', '--cluster', cluster, '--tenant', inh, '--template', 'default', '--reason', 'again'], svc);
    expect(same.code).toBe(2);
    expect(same.stderr).toMatch(/BAD_INPUT: .*already uses template default/);
    const missing = await csm(['config', 'template', '--cluster', cluster, '--tenant', inh, '--template', ghostTpl, '--reason', 'x'], svc);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/NOT_FOUND/);
    const preview = await csm(['config', 'template-preview', '--cluster', cluster, '--tenant', inh, '--template', tpl, '--json'], svc);
    expect(preview.code, preview.stderr).toBe(0);
    expect(JSON.parse(preview.stdout)).toMatchObject({ from: 'default', to: tpl, changes: [{ path: 'password.minLength', before: 12, after: 16 }] });
    const dry = await csm(['bulk', 'apply', '--action', 'template', '--template', tpl, '--reason', 'cli', '--tenants', `${cluster}/${inh}`, '--dry-run'], svc);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/password\.minLength 12 → 16/);
    const failed = await csm(['bulk', 'apply', '--action', 'template', '--template', ghostTpl, '--reason', 'cli', '--tenants', `${cluster}/${inh}`, '--json'], svc);
    expect(failed.code).toBe(1);
    expect((JSON.parse(failed.stdout) as BulkOperation).results).toEqual([expect.objectContaining({ tenant: inh, outcome: 'failed', code: 'NOT_FOUND' })]);
    const usage = await csm(['bulk', 'apply', '--action', 'template', '--reason', 'cli', '--tenants', `${cluster}/${inh}`], svc);
    expect(usage.code).toBe(2);
    expect(await registryTemplate(inh)).toBe('default');
  }, 120_000);
});
