import type { CsmBridge } from '../../src-shared/bridge';
import { isChannelName, isEventName, type Result } from '../../src-shared/contract';
import { IPC_EVENT, IPC_INVOKE } from './ipc-channels';

/** The parts of Electron's IpcRenderer the bridge uses. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

/**
 * `window.csm`: contract channels in, envelopes out, contract events to listeners. Nothing of
 * ipcRenderer itself leaks: no send, no arbitrary IPC channel, never the IpcRendererEvent.
 */
export function createBridge(ipc: IpcRendererLike): CsmBridge {
  return Object.freeze({
    host: 'electron' as const,
    invoke(channel: string, input: unknown): Promise<Result<unknown>> {
      if (!isChannelName(channel)) {
        return Promise.resolve({
          ok: false,
          error: { code: 'UNKNOWN_CHANNEL', message: `unknown channel: ${String(channel).slice(0, 64)}` },
        });
      }
      return ipc.invoke(IPC_INVOKE, channel, input) as Promise<Result<unknown>>;
    },
    on(event: string, listener: (payload: unknown) => void): () => void {
      if (!isEventName(event)) throw new TypeError(`unknown event: ${String(event).slice(0, 64)}`);
      if (typeof listener !== 'function') throw new TypeError('listener must be a function');
      const wrapper = (_ipcEvent: unknown, name: unknown, payload: unknown): void => {
        if (name === event) listener(payload);
      };
      ipc.on(IPC_EVENT, wrapper as (event: unknown, ...args: unknown[]) => void);
      return () => {
        ipc.removeListener(IPC_EVENT, wrapper as (event: unknown, ...args: unknown[]) => void);
      };
    },
  });
}
