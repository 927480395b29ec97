import path from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, protocol, session } from 'electron';
import { createServices, defaultDataDir, type Services } from '../app/services';
import { createAppProtocolHandler } from './app-protocol';
import { registerIpcBridge } from './ipc-bridge';
import { APP_ORIGIN, APP_SCHEME, hardenSession, hardenWebContents, secureWebPreferences } from './security';

/*
 * Electron entry, bundled to dist/main/main.cjs. Layout after `npm run build`:
 *   dist/main/main.cjs, dist/main/preload.cjs, dist/renderer/index.html …
 * Every hardening rule lives in security.ts; this file only wires them in, in order.
 */

const RENDERER_DIR = path.join(__dirname, '..', 'renderer');
const PRELOAD = path.join(__dirname, 'preload.cjs');
const TITLE = 'Cassandra Security Manager';

// Before `ready`: the OS sandbox for every renderer, and `app:` as a standard, secure origin
// (so 'self' in the CSP means app://csm and nothing else).
app.enableSandbox();
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

if (!app.requestSingleInstanceLock()) {
  // A second console on the same data directory and keychain would race the first one.
  app.quit();
} else {
  start();
}

function start(): void {
  let services: Services | null = null;
  let unregisterIpc: (() => void) | null = null;
  let mainWindow: BrowserWindow | null = null;
  let closed = false;
  let closing: Promise<void> | null = null;

  // Every WebContents, including ones we never meant to create, gets the navigation rules.
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));

  app.on('second-instance', () => {
    if (!mainWindow || mainWindow.isDestroyed()) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });

  const createWindow = (): BrowserWindow => {
    const win = new BrowserWindow({
      title: TITLE,
      width: 1280,
      height: 800,
      minWidth: 960,
      minHeight: 600,
      show: false,
      webPreferences: secureWebPreferences(PRELOAD, { isPackaged: app.isPackaged }),
    });
    win.once('ready-to-show', () => win.show());
    win.on('closed', () => {
      if (mainWindow === win) mainWindow = null;
    });
    void win.loadURL(`${APP_ORIGIN}/index.html`);
    return win;
  };

  const shutdown = (): Promise<void> => {
    closing ??= (async () => {
      unregisterIpc?.();
      try {
        await services?.close();
      } catch (err) {
        services?.logger.error('shutdown failed', { error: err instanceof Error ? err : String(err) });
      }
    })().finally(() => {
      closed = true;
      app.quit();
    });
    return closing;
  };

  app.on('window-all-closed', () => void shutdown());
  app.on('before-quit', (event) => {
    if (closed) return;
    event.preventDefault(); // close SQLite and Cassandra sessions first, then quit for real
    void shutdown();
  });

  app
    .whenReady()
    .then(async () => {
      hardenSession(session.defaultSession, { allowDevTools: !app.isPackaged });
      protocol.handle(APP_SCHEME, createAppProtocolHandler({ rootDir: RENDERER_DIR }));

      // Same data directory as the CLI, so both see the same cluster profiles and cache.
      services = await createServices({ host: 'electron', dataDir: process.env['CSM_DATA_DIR'] ?? defaultDataDir() });
      unregisterIpc = registerIpcBridge({
        ipcMain,
        router: services.router,
        bus: services.bus,
        getWindows: () => BrowserWindow.getAllWindows(),
        logger: services.logger,
      });
      mainWindow = createWindow();
    })
    .catch((err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      dialog.showErrorBox(`${TITLE} could not start`, message);
      app.exit(1);
    });
}
