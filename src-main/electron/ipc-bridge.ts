import type { Result } from '../../src-shared/contract';
import type { EventBus } from '../app/events';
import type { Logger } from '../app/log';
import type { Router } from '../ipc/router';
import { IPC_EVENT, IPC_INVOKE } from './ipc-channels';
import { isTrustedFrame, isTrustedSenderUrl, type FrameLike } from './security';

export { IPC_EVENT, IPC_INVOKE };

export interface InvokeEventLike {
  readonly senderFrame: FrameLike | null;
}

/** The parts of Electron's IpcMain the bridge uses. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

/** The parts of a BrowserWindow events are pushed to. */
export interface WindowLike {
  isDestroyed(): boolean;
  readonly webContents: {
    isDestroyed(): boolean;
    readonly mainFrame: { readonly url: string };
    send(channel: string, ...args: unknown[]): void;
  };
}

export interface IpcBridgeDeps {
  ipcMain: IpcMainLike;
  router: Pick<Router, 'dispatch'>;
  bus: Pick<EventBus, 'subscribe'>;
  getWindows: () => readonly WindowLike[];
  logger?: Logger;
}

const FORBIDDEN: Result<never> = { ok: false, error: { code: 'FORBIDDEN', message: 'untrusted sender' } };

function describeSender(frame: FrameLike | null): string {
  try {
    return frame ? String(frame.url).slice(0, 200) : '(none)';
  } catch {
    return '(destroyed)';
  }
}

/**
 * Connects Electron IPC to the router. The sender is checked before anything else is looked
 * at: a message from an iframe, a foreign page or a destroyed frame never reaches `dispatch`.
 */
export function registerIpcBridge(deps: IpcBridgeDeps): () => void {
  const { ipcMain, router, bus, getWindows, logger } = deps;

  ipcMain.handle(IPC_INVOKE, async (event, channel, input) => {
    if (!isTrustedFrame(event?.senderFrame)) {
      logger?.warn('ipc refused: untrusted sender', { sender: describeSender(event?.senderFrame ?? null) });
      return FORBIDDEN;
    }
    if (typeof channel !== 'string') {
      return { ok: false, error: { code: 'UNKNOWN_CHANNEL', message: 'channel must be a string' } } satisfies Result<never>;
    }
    return router.dispatch(channel, input, { host: 'electron' });
  });

  const unsubscribe = bus.subscribe((name, payload) => {
    for (const win of getWindows()) {
      try {
        if (win.isDestroyed() || win.webContents.isDestroyed()) continue;
        // A window showing anything but our renderer (navigation is blocked, but) gets nothing.
        if (!isTrustedSenderUrl(win.webContents.mainFrame.url)) continue;
        win.webContents.send(IPC_EVENT, name, payload);
      } catch (err) {
        logger?.warn('event not delivered to a window', { event: name, error: err instanceof Error ? err.message : String(err) });
      }
    }
  });

  return () => {
    unsubscribe();
    ipcMain.removeHandler(IPC_INVOKE);
  };
}
