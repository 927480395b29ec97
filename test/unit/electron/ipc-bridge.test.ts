import { describe, expect, it } from 'vitest';
import type { Result } from '../../../src-shared/contract';
import { EventBus } from '../../../src-main/app/events';
import type { Logger } from '../../../src-main/app/log';
import type { Caller } from '../../../src-main/ipc/router';
import {
  IPC_EVENT,
  IPC_INVOKE,
  registerIpcBridge,
  type InvokeEventLike,
  type IpcMainLike,
  type WindowLike,
} from '../../../src-main/electron/ipc-bridge';
import type { FrameLike } from '../../../src-main/electron/security';

type Handler = (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>;

function fakeIpcMain() {
  const handlers = new Map<string, Handler>();
  const ipcMain: IpcMainLike = {
    handle(channel, listener) {
      if (handlers.has(channel)) throw new Error(`second handler for ${channel}`);
      handlers.set(channel, listener);
    },
    removeHandler(channel) {
      handlers.delete(channel);
    },
  };
  return { ipcMain, handlers };
}

/** Records every dispatch; answers ok so a test can tell "dispatched" from "refused". */
function fakeRouter() {
  const calls: Array<{ channel: unknown; input: unknown; caller: Caller }> = [];
  return {
    calls,
    router: {
      async dispatch(channel: unknown, input: unknown, caller: Caller): Promise<Result<unknown>> {
        calls.push({ channel, input, caller });
        return { ok: true, value: { echoed: channel } };
      },
    },
  };
}

function recordingLogger() {
  const warnings: Array<{ msg: string; fields?: Record<string, unknown> }> = [];
  const logger: Logger = { debug() {}, info() {}, error() {}, warn: (msg, fields) => void warnings.push({ msg, ...(fields ? { fields } : {}) }) };
  return { logger, warnings };
}

function topFrame(url: string): FrameLike {
  const frame: { url: string; parent: null; top: FrameLike | null } = { url, parent: null, top: null };
  frame.top = frame;
  return frame;
}

function setup(windows: WindowLike[] = []) {
  const { ipcMain, handlers } = fakeIpcMain();
  const { router, calls } = fakeRouter();
  const { logger, warnings } = recordingLogger();
  const bus = new EventBus();
  const unregister = registerIpcBridge({ ipcMain, router, bus, getWindows: () => windows, logger });
  const invoke = (senderFrame: FrameLike | null, ...args: unknown[]) => {
    const handler = handlers.get(IPC_INVOKE);
    if (!handler) throw new Error('no csm:invoke handler');
    return handler({ senderFrame }, ...args);
  };
  return { handlers, calls, warnings, bus, unregister, invoke };
}

const TRUSTED = topFrame('app://csm/index.html');

describe('registerIpcBridge: invoke', () => {
  it('registers exactly one IPC handler, csm:invoke', () => {
    const { handlers } = setup();
    expect([...handlers.keys()]).toEqual(['csm:invoke']);
  });

  it('dispatches a call from our top frame with host electron', async () => {
    const { calls, invoke } = setup();
    await expect(invoke(TRUSTED, 'app.info', {})).resolves.toEqual({ ok: true, value: { echoed: 'app.info' } });
    expect(calls).toEqual([{ channel: 'app.info', input: {}, caller: { host: 'electron' } }]);
  });

  const parent = topFrame('app://csm/index.html');
  it.each<[string, FrameLike | null]>([
    ['a null sender frame (navigated away or destroyed)', null],
    ['a subframe claiming our URL', { url: 'app://csm/index.html', parent, top: parent }],
    ['a foreign page', topFrame('https://evil.example/')],
    ['a look-alike origin', topFrame('app://csm.evil/index.html')],
    ['a file:// page', topFrame('file:///tmp/evil.html')],
    ['about:blank', topFrame('about:blank')],
    ['a destroyed frame', Object.assign(topFrame('app://csm/index.html'), { isDestroyed: () => true })],
  ])('refuses %s with FORBIDDEN and never dispatches', async (_label, frame) => {
    const { calls, invoke, warnings } = setup();
    await expect(invoke(frame, 'app.info', {})).resolves.toEqual({ ok: false, error: { code: 'FORBIDDEN', message: 'untrusted sender' } });
    expect(calls).toEqual([]);
    expect(warnings.map((w) => w.msg)).toEqual(['ipc refused: untrusted sender']);
  });

  it('checks the sender before the channel: a forged sender with a bad channel is still FORBIDDEN', async () => {
    const { calls, invoke } = setup();
    const result = (await invoke(null, 42, {})) as Result<unknown>;
    expect(result.ok === false && result.error.code).toBe('FORBIDDEN');
    expect(calls).toEqual([]);
  });

  it.each([42, null, undefined, { toString: () => 'app.info' }, ['app.info']])('refuses a non-string channel (%s) without dispatching', async (channel) => {
    const { calls, invoke } = setup();
    const result = (await invoke(TRUSTED, channel, {})) as Result<unknown>;
    expect(result.ok === false && result.error.code).toBe('UNKNOWN_CHANNEL');
    expect(calls).toEqual([]);
  });

  it('passes unknown string channels to the router, which owns that refusal', async () => {
    const { calls, invoke } = setup();
    await invoke(TRUSTED, 'nope.nope', {});
    expect(calls.map((c) => c.channel)).toEqual(['nope.nope']);
  });

  it('unregister removes the handler and the event subscription', async () => {
    const sent: unknown[] = [];
    const win = fakeWindow('app://csm/index.html', sent);
    const { handlers, unregister, bus } = setup([win]);
    unregister();
    expect(handlers.size).toBe(0);
    bus.emit('job.progress', progress());
    expect(sent).toEqual([]);
  });
});

function progress() {
  return { jobId: 'j1', kind: 'provision', label: 'Provision acme', step: 'roles', fraction: 0.5, state: 'running' as const };
}

function fakeWindow(url: string, sent: unknown[], opts: { destroyed?: boolean; throwing?: boolean } = {}): WindowLike {
  return {
    isDestroyed: () => opts.destroyed === true,
    webContents: {
      isDestroyed: () => false,
      mainFrame: { url },
      send: (...args: unknown[]) => {
        if (opts.throwing) throw new Error('Object has been destroyed');
        sent.push(args);
      },
    },
  };
}

describe('registerIpcBridge: events', () => {
  it('sends bus events to windows showing our renderer, as (csm:event, name, payload)', () => {
    const sent: unknown[] = [];
    const { bus } = setup([fakeWindow('app://csm/index.html', sent)]);
    bus.emit('job.progress', progress());
    expect(sent).toEqual([[IPC_EVENT, 'job.progress', progress()]]);
  });

  it('sends nothing to a window showing a foreign page, or to a destroyed window', () => {
    const foreign: unknown[] = [];
    const destroyed: unknown[] = [];
    const ours: unknown[] = [];
    const { bus } = setup([
      fakeWindow('https://evil.example/', foreign),
      fakeWindow('app://csm/index.html', destroyed, { destroyed: true }),
      fakeWindow('app://csm/index.html', ours),
    ]);
    bus.emit('job.progress', progress());
    expect(foreign).toEqual([]);
    expect(destroyed).toEqual([]);
    expect(ours).toHaveLength(1);
  });

  it('one window failing does not stop delivery to the next', () => {
    const ours: unknown[] = [];
    const { bus, warnings } = setup([fakeWindow('app://csm/index.html', [], { throwing: true }), fakeWindow('app://csm/index.html', ours)]);
    bus.emit('job.progress', progress());
    expect(ours).toHaveLength(1);
    expect(warnings.map((w) => w.msg)).toEqual(['event not delivered to a window']);
  });
});
