// @vitest-environment jsdom
import { describe, expect, it, vi } from 'vitest';
import { WEB_ROUTES, type CsmBridge } from '../../../src-shared/bridge';
import { createAppClient, createWebBridge, pickBridge } from '../../../src-renderer/app/bridge';

function fakeResponse(status: number, body: string): Response {
  return new Response(body, { status, headers: { 'content-type': 'application/json' } });
}

class FakeEventSource {
  static opened: FakeEventSource[] = [];
  listeners = new Map<string, Set<(e: MessageEvent) => void>>();
  constructor(public url: string) {
    FakeEventSource.opened.push(this);
  }
  addEventListener(name: string, fn: (e: MessageEvent) => void): void {
    if (!this.listeners.has(name)) this.listeners.set(name, new Set());
    this.listeners.get(name)?.add(fn);
  }
  removeEventListener(name: string, fn: (e: MessageEvent) => void): void {
    this.listeners.get(name)?.delete(fn);
  }
  close(): void {}
  fire(name: string, data: string): void {
    for (const fn of this.listeners.get(name) ?? []) fn(new MessageEvent(name, { data }));
  }
}

describe('renderer transport selection and web bridge (unit: fake fetch and EventSource)', () => {
  it('uses the Electron preload bridge when window.csm exists', () => {
    const preload: CsmBridge = { host: 'electron', invoke: vi.fn(), on: vi.fn() };
    expect(pickBridge({ csm: preload })).toBe(preload);
    expect(pickBridge({}).host).toBe('web');
  });

  it('POSTs the input as JSON to the invoke route with same-origin credentials', async () => {
    const fetch = vi.fn(async () => fakeResponse(200, JSON.stringify({ ok: true, value: { removed: true } })));
    const bridge = createWebBridge({ fetch });
    const r = await bridge.invoke('cluster.remove', { name: 'prod' });
    expect(r).toEqual({ ok: true, value: { removed: true } });
    expect(fetch).toHaveBeenCalledWith(`${WEB_ROUTES.invoke}cluster.remove`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: '{"name":"prod"}',
    });
  });

  it('passes error envelopes through, whatever the HTTP status', async () => {
    const body = JSON.stringify({ ok: false, error: { code: 'BAD_INPUT', message: 'name: bad' } });
    const bridge = createWebBridge({ fetch: async () => fakeResponse(400, body) });
    expect(await bridge.invoke('cluster.add', {})).toEqual({ ok: false, error: { code: 'BAD_INPUT', message: 'name: bad' } });
  });

  it('maps 401 to FORBIDDEN with the re-open hint', async () => {
    const bridge = createWebBridge({ fetch: async () => fakeResponse(401, '{}') });
    expect(await bridge.invoke('app.info', {})).toEqual({
      ok: false,
      error: { code: 'FORBIDDEN', message: 'session expired: open the console URL printed by csm serve again' },
    });
  });

  it('maps a network failure, a non-JSON body and a malformed envelope to UNAVAILABLE', async () => {
    const unreachable = { ok: false, error: { code: 'UNAVAILABLE', message: 'console host unreachable' } };
    const down = createWebBridge({ fetch: async () => Promise.reject(new TypeError('Failed to fetch')) });
    expect(await down.invoke('app.info', {})).toEqual(unreachable);
    const html = createWebBridge({ fetch: async () => new Response('<html>502 Bad Gateway</html>', { status: 502 }) });
    expect(await html.invoke('app.info', {})).toEqual(unreachable);
    const odd = createWebBridge({ fetch: async () => fakeResponse(200, JSON.stringify({ ok: false, error: { code: 'NOPE', message: 1 } })) });
    expect(await odd.invoke('app.info', {})).toEqual(unreachable);
  });

  it('shares one EventSource across listeners, parses JSON payloads and unsubscribes', () => {
    FakeEventSource.opened = [];
    const bridge = createWebBridge({ createEventSource: (url) => new FakeEventSource(url) });
    const a = vi.fn();
    const b = vi.fn();
    const offA = bridge.on('job.progress', a);
    bridge.on('job.progress', b);
    expect(FakeEventSource.opened).toHaveLength(1);
    expect(FakeEventSource.opened[0]?.url).toBe(WEB_ROUTES.events);
    const es = FakeEventSource.opened[0]!;
    es.fire('job.progress', '{"jobId":"j1"}');
    expect(a).toHaveBeenCalledWith({ jobId: 'j1' });
    expect(b).toHaveBeenCalledTimes(1);
    offA();
    es.fire('job.progress', 'not json');
    es.fire('job.progress', '{"jobId":"j2"}');
    expect(a).toHaveBeenCalledTimes(1);
    expect(b).toHaveBeenCalledTimes(2);
  });

  it('the typed client drops event payloads that do not match the contract, and a throwing bridge becomes UNAVAILABLE', async () => {
    let push: (p: unknown) => void = () => {};
    const bridge: CsmBridge = {
      host: 'electron',
      invoke: async () => {
        throw new Error('ipc exploded');
      },
      on: (_e, l) => {
        push = l;
        return () => {};
      },
    };
    const client = createAppClient(bridge);
    const seen = vi.fn();
    client.on('job.progress', seen);
    push({ jobId: 'j1' });
    push({ jobId: 'j1', kind: 'k', label: 'L', step: 's', fraction: 0.5, state: 'running' });
    expect(seen).toHaveBeenCalledTimes(1);
    expect(await client.call('app.info', {})).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
  });
});
