import { describe, expect, it } from 'vitest';
import type { ChannelName, Result } from '../../../src-shared/contract';
import type { CqlClient } from '../../../src-main/cassandra/connections';
import { ClusterReader } from '../../../src-main/msp/reader';
import { tenant } from './fixtures';

const keyStatus = (tenantId: string, due: boolean) => ({ tenantId, rotation: { due, overdueDays: due ? 2 : 0, daysLeft: due ? 0 : 30, dueAt: null, intervalDays: 90 }, pending: { kek: false, reencrypt: [] }, source: 'master' });

function client(tables: [string, string][]): CqlClient {
  return {
    execute: async () => ({
      async *[Symbol.asyncIterator]() {
        for (const [ks] of tables) yield { keyspace_name: ks };
      },
    }),
  } as unknown as CqlClient;
}

function reader(answers: Record<string, (input: Record<string, unknown>) => Result<unknown> | Promise<Result<unknown>>>, opts: { deadlineMs?: number; registry?: () => ReturnType<typeof tenant>[] } = {}) {
  const calls: string[] = [];
  const { registry, ...rest } = opts;
  const r = new ClusterReader({
    registry: async () => (registry ? registry() : [tenant('acme'), tenant('beta')]),
    operator: () => client([['tenant_acme_data', 't1'], ['tenant_acme_data', 't2'], ['tenant_acme_csm', 'c']]),
    dispatch: async (channel: ChannelName, input: unknown) => {
      calls.push(channel);
      const a = answers[channel];
      return a ? a(input as Record<string, unknown>) : { ok: false, error: { code: 'UNKNOWN_CHANNEL', message: `unknown channel: ${channel}` } };
    },
    hasChannel: (n) => n in answers,
    ...rest,
  });
  return { r, calls };
}

describe('dashboard reads of one cluster', () => {
  it('a bounded set of calls: one per source, whatever the tenant count', async () => {
    const { r, calls } = reader({
      'tenant.jobs': () => ({ ok: true, value: [{ tenantId: 'acme', state: 'failed', steps: [] }] }),
      'keys.status': () => ({ ok: true, value: [keyStatus('acme', true)] }),
      'isolation.status': () => ({ ok: true, value: { lastScan: { at: '2026-01-01T00:00:00.000Z', counts: {} }, byTenant: { acme: { critical: 0, warning: 1, info: 0 } }, schedule: {} } }),
      'approval.list': (i) => ({ ok: true, value: i['state'] === 'pending' ? [{ tenant: 'acme', state: 'pending' }, { tenant: 'acme', state: 'pending' }] : [] }),
      'support.list': () => ({ ok: true, value: [{ tenant: 'beta', state: 'active' }, { tenant: 'beta', state: 'expired' }] }),
    });
    const got = await r.read('prod', { refresh: false });
    expect(calls.sort()).toEqual(['approval.list', 'isolation.status', 'keys.status', 'support.list', 'tenant.jobs']);
    expect(got.tables).toMatchObject({ status: 'ok' });
    expect(got.tables.status === 'ok' && [...got.tables.value]).toEqual([
      ['tenant_acme_data', 2],
      ['tenant_acme_csm', 1],
    ]);
    expect(got.keys.status === 'ok' && got.keys.value).toEqual([{ tenantId: 'acme', due: true, overdueDays: 2, daysLeft: 0, unfinished: false }]);
    expect(got.isolation.status === 'ok' && got.isolation.value.byTenant.get('acme')).toEqual({ critical: 0, warning: 1, info: 0 });
    expect(got.isolation.status === 'ok' && got.isolation.value.scannedAt).toBe('2026-01-01T00:00:00.000Z');
    expect(got.approvals.status === 'ok' && [...got.approvals.value]).toEqual([['acme', 2]]);
    expect(got.support.status === 'ok' && [...got.support.value]).toEqual([['beta', 1]]);
    expect(got.compliance).toEqual({ status: 'unavailable', message: 'compliance.get is not available in this console' });
  });

  it('a failing channel or an answer in another shape is "unavailable", not an error', async () => {
    const { r } = reader({
      'tenant.jobs': () => ({ ok: false, error: { code: 'UNAVAILABLE', message: 'node down' } }),
      'isolation.status': () => ({ ok: true, value: { something: 'else' } }),
      'keys.status': () => {
        throw new Error('boom');
      },
    });
    const got = await r.read('prod', { refresh: false });
    expect(got.sagas).toEqual({ status: 'unavailable', message: 'tenant.jobs: UNAVAILABLE: node down' });
    expect(got.isolation).toEqual({ status: 'unavailable', message: 'isolation.status answered in a shape the dashboard does not read' });
    expect(got.keys).toEqual({ status: 'unavailable', message: 'boom' });
    expect(got.registry.status).toBe('ok');
  });

  it('without a compliance listing, profiles are read per tenant in the background: pending first, then cached', async () => {
    let gets = 0;
    const { r } = reader(
      {
        'compliance.get': async (i) => {
          gets++;
          await new Promise((res) => setTimeout(res, 15));
          return i['tenant'] === 'beta' ? { ok: false, error: { code: 'NOT_FOUND', message: 'no profile' } } : { ok: true, value: { frameworks: ['GDPR'], version: 1 } };
        },
      },
      { deadlineMs: 5 },
    );
    const first = await r.read('prod', { refresh: false });
    expect(first.compliance.status).toBe('pending');
    await new Promise((res) => setTimeout(res, 60));
    const second = await r.read('prod', { refresh: false });
    expect(second.compliance.status === 'ok' && [...second.compliance.value]).toEqual([['acme', { frameworks: ['GDPR'], pass: null, fail: null }]]);
    expect(gets).toBe(2);
    await r.read('prod', { refresh: false });
    expect(gets).toBe(2);
  });

  it('keys.status is cached per cluster (it reads every tenant); refresh re-reads; a slow read is "pending" and kept', async () => {
    let n = 0;
    let slow = false;
    const { r } = reader(
      {
        'keys.status': async () => {
          n++;
          if (slow) await new Promise((res) => setTimeout(res, 60));
          return { ok: true, value: [keyStatus('acme', n > 1)] };
        },
      },
      { deadlineMs: 20 },
    );
    await r.read('prod', { refresh: false });
    const again = await r.read('prod', { refresh: false });
    expect(n).toBe(1);
    expect(again.keys.status === 'ok' && again.keys.value[0]!.due).toBe(false);
    slow = true;
    const pending = await r.read('prod', { refresh: true });
    expect(n).toBe(2);
    expect(pending.keys.status).toBe('pending');
    await new Promise((res) => setTimeout(res, 80));
    const later = await r.read('prod', { refresh: false });
    expect(n).toBe(2);
    expect(later.keys.status === 'ok' && later.keys.value[0]!.due).toBe(true);
  });

  it('caches are dropped after a change (invalidate) and when a tenant newer than the cache appears', async () => {
    let keysCalls = 0;
    let getCalls = 0;
    const tenants = [tenant('acme')];
    const { r } = reader(
      {
        'keys.status': () => {
          keysCalls++;
          return { ok: true, value: [] };
        },
        'compliance.get': () => {
          getCalls++;
          return { ok: true, value: { frameworks: getCalls > 1 ? ['SOX'] : [] } };
        },
      },
      { registry: () => tenants },
    );
    await r.read('prod', { refresh: false });
    await r.read('prod', { refresh: false });
    expect([keysCalls, getCalls]).toEqual([1, 1]);
    r.invalidate('prod', 'keys');
    r.invalidate('prod', 'compliance');
    const after = await r.read('prod', { refresh: false });
    expect([keysCalls, getCalls]).toEqual([2, 2]);
    expect(after.compliance.status === 'ok' && after.compliance.value.get('acme')?.frameworks).toEqual(['SOX']);
    tenants.push(tenant('newbie', 'active', { createdAt: new Date(Date.now() + 1000).toISOString() }));
    await r.read('prod', { refresh: false });
    expect([keysCalls, getCalls]).toEqual([3, 4]);
  });
});
