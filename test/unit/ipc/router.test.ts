import { describe, expect, it, vi } from 'vitest';
import { channelNames, contract, MAX_INPUT_BYTES } from '../../../src-shared/contract';
import { AppError } from '../../../src-main/app/errors';
import { silentLogger } from '../../../src-main/app/log';
import { createRouter, type AuditEntry, type Handlers, type ScopeGuard } from '../../../src-main/ipc/router';

function setup(over: Partial<Handlers> = {}, scope?: ScopeGuard) {
  const calls: string[] = [];
  const handlers = Object.fromEntries(
    channelNames.map((c) => [
      c,
      vi.fn(async () => {
        calls.push(c);
        throw new Error(`unexpected call to ${c}`);
      }),
    ]),
  ) as unknown as Handlers;
  Object.assign(handlers, over);
  const audit: AuditEntry[] = [];
  const logged: unknown[] = [];
  const router = createRouter({
    handlers,
    scope: scope ?? { check: async () => ({ operator: 'op', tenant: null, cluster: null }) },
    audit: { record: (e) => audit.push(e) },
    logger: { ...silentLogger, error: (_m, f) => logged.push(f) },
    emit: () => {},
  });
  return { router, calls, audit, logged };
}

const cli = { host: 'cli' as const };

describe('IPC router', () => {
  it('refuses an unknown channel without calling anything', async () => {
    const { router, calls } = setup();
    for (const ch of ['nope.nope', '__proto__', 'constructor', 'toString', 42, null]) {
      const r = await router.dispatch(ch, {}, cli);
      expect(r).toEqual({ ok: false, error: { code: 'UNKNOWN_CHANNEL', message: expect.any(String) } });
    }
    expect(calls).toEqual([]);
  });

  it('refuses malformed input with BAD_INPUT naming the field, before the handler', async () => {
    const { router, calls } = setup();
    const r = await router.dispatch('cluster.add', { name: 'Bad Name', contactPoints: [], localDc: 'dc1', username: 'u', password: 'p' }, cli);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('BAD_INPUT');
    expect(r.error.message).toMatch(/name/);
    expect(r.error.message).toMatch(/contactPoints/);
    expect(calls).toEqual([]);
  });

  it('refuses unknown extra fields (strict inputs)', async () => {
    const { router } = setup();
    const r = await router.dispatch('cluster.list', { evil: 1 }, cli);
    expect(r.ok ? null : r.error.code).toBe('BAD_INPUT');
  });

  it('refuses oversized input with PAYLOAD_TOO_LARGE', async () => {
    const { router, calls } = setup();
    const r = await router.dispatch('cluster.remove', { name: 'x'.repeat(MAX_INPUT_BYTES + 10) }, cli);
    expect(r.ok ? null : r.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(calls).toEqual([]);
  });

  it('passes parsed input to the handler and returns its parsed output', async () => {
    const { router } = setup({ 'jobs.cancel': async ({ jobId }) => ({ cancelled: jobId === 'j1' }) });
    expect(await router.dispatch('jobs.cancel', { jobId: 'j1' }, cli)).toEqual({ ok: true, value: { cancelled: true } });
  });

  it('strips fields a handler returns beyond the contract (no secret leaks through output)', async () => {
    const { router } = setup({
      'jobs.cancel': async () => ({ cancelled: true, password: 'hunter2' }) as unknown as { cancelled: boolean },
    });
    const r = await router.dispatch('jobs.cancel', { jobId: 'x' }, cli);
    expect(JSON.stringify(r)).not.toContain('hunter2');
  });

  it('maps AppError to its code and message', async () => {
    const { router } = setup({ 'cluster.remove': async () => Promise.reject(new AppError('NOT_FOUND', 'no cluster named x')) });
    expect(await router.dispatch('cluster.remove', { name: 'x' }, cli)).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: 'no cluster named x' } });
  });

  it('never lets a raw error message, host or credential cross', async () => {
    const { router, logged } = setup({
      'cluster.remove': async () => {
        throw new Error('All host(s) tried for query failed. First host tried, 10.1.2.3:9042: password=hunter2');
      },
    });
    const r = await router.dispatch('cluster.remove', { name: 'x' }, cli);
    expect(r.ok ? null : r.error.code).toBe('INTERNAL');
    const text = JSON.stringify(r);
    expect(text).not.toMatch(/10\.1\.2\.3|hunter2|host/);
    expect(text).toMatch(/reference [0-9a-f]{8}/);
    expect(logged).toHaveLength(1);
  });

  it('fails closed when a handler output breaks the contract', async () => {
    const { router } = setup({ 'jobs.cancel': async () => ({ cancelled: 'yes' }) as unknown as { cancelled: boolean } });
    const r = await router.dispatch('jobs.cancel', { jobId: 'x' }, cli);
    expect(r.ok ? null : r.error.code).toBe('INTERNAL');
  });

  it('audits mutating calls with redacted input, and refusals', async () => {
    const { router, audit } = setup(
      {},
      {
        check: async () => {
          throw new AppError('FORBIDDEN', 'no');
        },
      },
    );
    await router.dispatch('cluster.add', { name: 'c1', contactPoints: ['127.0.0.1:9042'], localDc: 'dc1', username: 'admin', password: 'hunter2' }, cli);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ channel: 'cluster.add', outcome: 'refused', errorCode: 'FORBIDDEN', host: 'cli' });
    expect(JSON.stringify(audit[0])).not.toContain('hunter2');
  });

  it('does not audit successful reads', async () => {
    const { router, audit } = setup({ 'cluster.list': async () => [] });
    await router.dispatch('cluster.list', {}, cli);
    expect(audit).toEqual([]);
  });

  it('declares every channel with input/output schemas, a scope and a summary', () => {
    for (const name of channelNames) {
      const def = contract[name];
      expect(name).toMatch(/^[a-z][a-zA-Z]*\.[a-z][a-zA-Z]*$/);
      expect(['local', 'platform', 'tenant', 'auditor']).toContain(def.scope);
      expect(typeof def.input.safeParse).toBe('function');
      expect(typeof def.output.safeParse).toBe('function');
      expect(def.summary.length).toBeGreaterThan(5);
    }
  });
});
