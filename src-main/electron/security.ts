import type { WebPreferences } from 'electron';
import { CONTENT_SECURITY_POLICY } from './csp';

/**
 * Every hardening rule of the desktop host, in one place and free of side effects. Only
 * `import type` from 'electron' here: the rules run (and are tested) under plain Node with
 * small fakes shaped like the Electron objects they configure.
 */

export { CONTENT_SECURITY_POLICY, SECURITY_HEADERS } from './csp';

/** The renderer is served from this privileged custom scheme, never from file://. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'csm';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

export interface SecureWebPreferencesOptions {
  /** DevTools only for an unpackaged development build. */
  isPackaged: boolean;
}

export function secureWebPreferences(preloadPath: string, opts: SecureWebPreferencesOptions): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    // Middle-click opens links in new windows behind the back of setWindowOpenHandler's callers.
    disableBlinkFeatures: 'Auxclick',
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    safeDialogs: true,
    plugins: false,
    devTools: !opts.isPackaged,
  };
}

/** True only for URLs of our own renderer: `app://csm/…`, compared after parsing, never by prefix. */
export function isTrustedSenderUrl(url: string | undefined | null): boolean {
  if (typeof url !== 'string' || url.length === 0) return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return (
    parsed.protocol === `${APP_SCHEME}:` &&
    parsed.hostname === APP_HOST &&
    parsed.host === APP_HOST && // no port
    parsed.username === '' &&
    parsed.password === ''
  );
}

/** The parts of Electron's WebFrameMain the sender check reads. */
export interface FrameLike {
  readonly url: string;
  readonly parent?: FrameLike | null;
  readonly top?: FrameLike | null;
  readonly detached?: boolean;
  isDestroyed?(): boolean;
}

/** A trusted sender is the top frame of a window showing our renderer: never an iframe. */
export function isTrustedFrame(frame: FrameLike | null | undefined): boolean {
  if (!frame) return false;
  try {
    if (frame.isDestroyed?.() === true || frame.detached === true) return false;
    if (frame.parent != null) return false;
    if (frame.top != null && frame.top !== frame) return false;
    return isTrustedSenderUrl(frame.url);
  } catch {
    return false; // reading a destroyed frame throws in Electron: an unreadable sender is untrusted
  }
}

// ---- session ---------------------------------------------------------------------------

type Headers = Record<string, string | string[]>;

/** The parts of Electron's Session that hardenSession configures. */
export interface SessionLike {
  setPermissionRequestHandler(handler: ((wc: unknown, permission: string, callback: (granted: boolean) => void, details: unknown) => void) | null): void;
  setPermissionCheckHandler(handler: ((wc: unknown, permission: string, origin: string, details: unknown) => boolean) | null): void;
  setDevicePermissionHandler?(handler: ((details: unknown) => boolean) | null): void;
  webRequest: {
    onBeforeRequest(listener: ((details: { url: string }, callback: (response: { cancel?: boolean }) => void) => void) | null): void;
    onHeadersReceived(
      listener: ((details: { url: string; responseHeaders?: Headers }, callback: (response: { cancel?: boolean; responseHeaders?: Headers }) => void) => void) | null,
    ): void;
  };
}

export interface HardenSessionOptions {
  /** Let DevTools' own `devtools://` resources through (development builds only). */
  allowDevTools?: boolean;
}

/** Which requests the renderer may make at all: its own assets and inline `data:` images. Air-gapped: no network. */
export function isAllowedRequestUrl(url: string, opts: HardenSessionOptions = {}): boolean {
  if (isTrustedSenderUrl(url)) return true;
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    return false;
  }
  if (protocol === 'data:') return true;
  return opts.allowDevTools === true && protocol === 'devtools:';
}

/** Puts our CSP on a response, replacing any other spelling of the header. */
export function withCsp(headers: Headers | undefined): Headers {
  const out: Headers = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (name.toLowerCase() !== 'content-security-policy') out[name] = value;
  }
  out['Content-Security-Policy'] = [CONTENT_SECURITY_POLICY];
  return out;
}

export function hardenSession(session: SessionLike, opts: HardenSessionOptions = {}): void {
  // The console needs no camera, notifications, geolocation, clipboard-read, HID, … : refuse all.
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler?.(() => false);
  session.webRequest.onBeforeRequest((details, callback) => {
    callback({ cancel: !isAllowedRequestUrl(details.url, opts) });
  });
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: withCsp(details.responseHeaders) });
  });
}

// ---- web contents ----------------------------------------------------------------------

interface PreventableEvent {
  preventDefault(): void;
}
/** Electron 45 passes navigation details on the event object; older signatures pass the URL second. */
type NavigationListener = (event: PreventableEvent & { url?: string }, url?: string) => void;

/** The parts of Electron's WebContents that hardenWebContents configures. */
export interface WebContentsLike {
  on(event: 'will-navigate', listener: NavigationListener): unknown;
  on(event: 'will-redirect', listener: NavigationListener): unknown;
  on(event: 'will-frame-navigate', listener: NavigationListener): unknown;
  on(event: 'will-attach-webview', listener: (event: PreventableEvent) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' } | { action: 'allow' }): void;
}

/** Navigation stays inside the renderer's own origin; a link to anything else goes nowhere. */
export function isAllowedNavigation(url: string | undefined): boolean {
  return isTrustedSenderUrl(url);
}

export function hardenWebContents(wc: WebContentsLike): void {
  const guardNavigation: NavigationListener = (event, url) => {
    if (!isAllowedNavigation(event.url ?? url)) event.preventDefault();
  };
  wc.on('will-navigate', guardNavigation);
  wc.on('will-redirect', guardNavigation);
  // Subframes too: `will-navigate` only sees the main frame.
  wc.on('will-frame-navigate', guardNavigation);
  wc.on('will-attach-webview', (event) => event.preventDefault());
  wc.setWindowOpenHandler(() => ({ action: 'deny' }));
}
