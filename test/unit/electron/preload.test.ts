import vm from 'node:vm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { channelNames, type Result } from '../../../src-shared/contract';
import { createBridge, type IpcRendererLike } from '../../../src-main/electron/preload-bridge';

type Listener = (event: unknown, ...args: unknown[]) => void;

/** An ipcRenderer stand-in: records invokes, lets the test push main→renderer messages. */
function fakeIpcRenderer() {
  const invokes: unknown[][] = [];
  const listeners = new Map<string, Set<Listener>>();
  const ipc: IpcRendererLike = {
    invoke: async (...args: unknown[]) => {
      invokes.push(args);
      return { ok: true, value: 'from-main' };
    },
    on: (channel: string, l: Listener) => {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel)!.add(l);
    },
    removeListener: (channel: string, l: Listener) => {
      listeners.get(channel)?.delete(l);
    },
  };
  const push = (channel: string, ...args: unknown[]) => {
    const ipcEvent = { sender: { secret: 'the IpcRendererEvent must never reach the page' }, ports: [] };
    for (const l of listeners.get(channel) ?? []) l(ipcEvent, ...args);
  };
  const count = (channel: string) => listeners.get(channel)?.size ?? 0;
  return { ipc, invokes, push, count };
}

const PROGRESS = { jobId: 'j1', kind: 'k', label: 'l', step: 's', fraction: null, state: 'running' };

describe('createBridge (the object exposed as window.csm)', () => {
  it('has exactly host, invoke and on', () => {
    const bridge = createBridge(fakeIpcRenderer().ipc);
    expect(Object.keys(bridge).sort()).toEqual(['host', 'invoke', 'on']);
    expect(bridge.host).toBe('electron');
    expect(Object.isFrozen(bridge)).toBe(true);
  });

  it('forwards a contract channel over csm:invoke, as data', async () => {
    const { ipc, invokes } = fakeIpcRenderer();
    const bridge = createBridge(ipc);
    await expect(bridge.invoke('app.info', {})).resolves.toEqual({ ok: true, value: 'from-main' });
    expect(invokes).toEqual([['csm:invoke', 'app.info', {}]]);
  });

  it.each(['csm:invoke', 'csm:event', 'ELECTRON_BROWSER_REQUIRE', 'nope.nope', '__proto__', 'constructor', 'toString', ''])(
    'answers UNKNOWN_CHANNEL locally for %j and never touches ipcRenderer',
    async (channel) => {
      const { ipc, invokes } = fakeIpcRenderer();
      const result: Result<unknown> = await createBridge(ipc).invoke(channel, {});
      expect(result.ok === false && result.error.code).toBe('UNKNOWN_CHANNEL');
      expect(invokes).toEqual([]);
    },
  );

  it('answers UNKNOWN_CHANNEL for non-string channel names too', async () => {
    const { ipc, invokes } = fakeIpcRenderer();
    for (const channel of [42, null, {}, ['app.info']]) {
      const result = await createBridge(ipc).invoke(channel as unknown as string, {});
      expect(result.ok === false && result.error.code).toBe('UNKNOWN_CHANNEL');
    }
    expect(invokes).toEqual([]);
  });

  it('hands a listener only the payload of its own event, never the IpcRendererEvent', () => {
    const { ipc, push } = fakeIpcRenderer();
    const got: unknown[][] = [];
    createBridge(ipc).on('job.progress', (...args: unknown[]) => got.push(args));
    push('csm:event', 'job.progress', PROGRESS);
    push('csm:event', 'other.event', { x: 1 });
    push('csm:other', 'job.progress', { x: 2 });
    expect(got).toEqual([[PROGRESS]]);
  });

  it('unsubscribe removes the ipcRenderer listener', () => {
    const { ipc, push, count } = fakeIpcRenderer();
    const got: unknown[] = [];
    const off = createBridge(ipc).on('job.progress', (p) => got.push(p));
    expect(count('csm:event')).toBe(1);
    off();
    expect(count('csm:event')).toBe(0);
    push('csm:event', 'job.progress', PROGRESS);
    expect(got).toEqual([]);
  });

  it('refuses unknown event names and non-function listeners without subscribing', () => {
    const { ipc, count } = fakeIpcRenderer();
    const bridge = createBridge(ipc);
    expect(() => bridge.on('csm:event', () => {})).toThrow(TypeError);
    expect(() => bridge.on('__proto__', () => {})).toThrow(TypeError);
    expect(() => bridge.on('job.progress', 'alert(1)' as unknown as () => void)).toThrow(TypeError);
    expect(count('csm:event')).toBe(0);
  });
});

// Electron cannot run on this machine: these check our wiring of the preload entry against a
// stand-in 'electron' module, not Electron's own contextBridge.
describe('preload.ts wiring (fake electron module)', () => {
  afterEach(() => {
    vi.doUnmock('electron');
    vi.resetModules();
  });

  it('exposes one object, window.csm, with exactly host, invoke and on — never ipcRenderer', async () => {
    const exposed: Array<[string, unknown]> = [];
    const { ipc, invokes } = fakeIpcRenderer();
    vi.doMock('electron', () => ({
      contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.push([key, api]) },
      ipcRenderer: ipc,
    }));
    await import('../../../src-main/electron/preload');
    expect(exposed.map(([key]) => key)).toEqual(['csm']);
    const api = exposed[0]![1] as Record<string, unknown>;
    expect(Object.keys(api).sort()).toEqual(['host', 'invoke', 'on']);
    expect(Object.values(api)).not.toContain(ipc);
    await (api['invoke'] as (c: string, i: unknown) => Promise<unknown>)('not.aChannel', {});
    expect(invokes).toEqual([]);
  });
});

describe('the built preload bundle (scripts/build.mjs, fake electron module)', () => {
  it('requires nothing but electron, is small, and knows exactly the contract channels', async () => {
    const buildScript = '../../../scripts/build.mjs';
    const { bundlePreload } = (await import(/* @vite-ignore */ buildScript)) as { bundlePreload(o: { write: boolean }): Promise<string> };
    const code = await bundlePreload({ write: false });
    expect(code.length).toBeLessThan(8 * 1024); // zod and the schemas stay out of every window

    const required: string[] = [];
    const exposed: Array<[string, Record<string, unknown>]> = [];
    const { ipc, invokes } = fakeIpcRenderer();
    // Like Electron's sandboxed preload: a require that knows only 'electron' here.
    const sandboxRequire = (id: string) => {
      required.push(id);
      if (id !== 'electron') throw new Error(`sandboxed preload cannot require ${id}`);
      return { contextBridge: { exposeInMainWorld: (k: string, api: Record<string, unknown>) => exposed.push([k, api]) }, ipcRenderer: ipc };
    };
    const module = { exports: {} };
    vm.runInNewContext(code, { require: sandboxRequire, module, exports: module.exports, Promise, Set, Object, String, TypeError });
    expect(required).toEqual(['electron']);
    expect(exposed.map(([k]) => k)).toEqual(['csm']);
    const api = exposed[0]![1] as { invoke(c: string, i: unknown): Promise<Result<unknown>> };
    expect(Object.keys(api).sort()).toEqual(['host', 'invoke', 'on']);

    for (const channel of channelNames) await api.invoke(channel, {});
    expect(invokes.map((args) => args[1])).toEqual(channelNames);
    const refused = await api.invoke('nope.nope', {});
    expect(refused.ok === false && refused.error.code).toBe('UNKNOWN_CHANNEL');
    expect(invokes).toHaveLength(channelNames.length);
  });
});
