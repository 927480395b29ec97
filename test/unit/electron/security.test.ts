import { describe, expect, it } from 'vitest';
import {
  APP_ORIGIN,
  CONTENT_SECURITY_POLICY,
  hardenSession,
  hardenWebContents,
  isAllowedRequestUrl,
  isTrustedFrame,
  isTrustedSenderUrl,
  secureWebPreferences,
  type FrameLike,
  type SessionLike,
  type WebContentsLike,
} from '../../../src-main/electron/security';
import { CONTENT_SECURITY_POLICY as CSP_FROM_PURE_MODULE, SECURITY_HEADERS } from '../../../src-main/electron/csp';

describe('secureWebPreferences', () => {
  const packaged = secureWebPreferences('/app/dist/main/preload.cjs', { isPackaged: true });

  it('isolates, sandboxes and keeps Node out of every renderer context', () => {
    expect(packaged).toMatchObject({
      preload: '/app/dist/main/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
    });
  });

  it('keeps web security on and every optional attack surface off', () => {
    expect(packaged).toMatchObject({
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      safeDialogs: true,
      plugins: false,
      disableBlinkFeatures: 'Auxclick',
    });
    expect(packaged.enableBlinkFeatures).toBeUndefined();
  });

  it('enables DevTools only in an unpackaged development build', () => {
    expect(packaged.devTools).toBe(false);
    expect(secureWebPreferences('/p.cjs', { isPackaged: false }).devTools).toBe(true);
  });
});

describe('CONTENT_SECURITY_POLICY', () => {
  const directives = new Map(
    CONTENT_SECURITY_POLICY.split(';').map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name, values] as const;
    }),
  );

  it("starts from default-src 'none'", () => {
    expect(CONTENT_SECURITY_POLICY.startsWith("default-src 'none';")).toBe(true);
  });

  it('allows no inline code, no eval and no wildcard or foreign source', () => {
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-|\*|https?:|blob:|ws:|wasm/);
  });

  it('lists exactly the sources the renderer needs', () => {
    expect(Object.fromEntries(directives)).toEqual({
      'default-src': ["'none'"],
      'script-src': ["'self'"],
      'style-src': ["'self'"],
      'img-src': ["'self'", 'data:'],
      'font-src': ["'self'"],
      'connect-src': ["'self'"],
      'base-uri': ["'none'"],
      'form-action': ["'none'"],
      'frame-ancestors': ["'none'"],
      'object-src': ["'none'"],
    });
  });

  it('is the same string the pure csp module (imported by the web host) exports, and is in SECURITY_HEADERS', () => {
    expect(CSP_FROM_PURE_MODULE).toBe(CONTENT_SECURITY_POLICY);
    expect(SECURITY_HEADERS['Content-Security-Policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(SECURITY_HEADERS['X-Content-Type-Options']).toBe('nosniff');
  });
});

describe('isTrustedSenderUrl', () => {
  it.each([`${APP_ORIGIN}/index.html`, 'app://csm/', 'app://csm', 'app://csm/assets/x.js?v=1#top'])('trusts %s', (url) => {
    expect(isTrustedSenderUrl(url)).toBe(true);
  });

  it.each([
    ['look-alike host', 'app://csm.evil/index.html'],
    ['userinfo trick (host is evil)', 'app://csm@evil/index.html'],
    ['userinfo on our host', 'app://evil@csm/index.html'],
    ['port', 'app://csm:8080/index.html'],
    ['other host', 'app://evil/index.html'],
    ['upper-case host (not what Chromium reports)', 'app://CSM/index.html'],
    ['no host', 'app:///csm/index.html'],
    ['opaque app URL', 'app:csm/index.html'],
    ['file', 'file:///work/main/dist/renderer/index.html'],
    ['loopback http', 'http://localhost:5173/'],
    ['loopback https', 'https://127.0.0.1/'],
    ['about:blank', 'about:blank'],
    ['devtools', 'devtools://devtools/bundled/inspector.html'],
    ['data', 'data:text/html,<script>alert(1)</script>'],
    ['javascript', 'javascript:alert(1)'],
    ['chrome-extension', 'chrome-extension://csm/index.html'],
    ['prefix of the origin string', 'app://csmx/'],
    ['malformed', '::not a url::'],
    ['empty', ''],
  ])('refuses %s', (_label, url) => {
    expect(isTrustedSenderUrl(url)).toBe(false);
  });

  it('refuses null and undefined', () => {
    expect(isTrustedSenderUrl(null)).toBe(false);
    expect(isTrustedSenderUrl(undefined)).toBe(false);
  });
});

describe('isTrustedFrame', () => {
  const top = (url: string): FrameLike => {
    const frame: { url: string; parent: null; top: FrameLike | null } = { url, parent: null, top: null };
    frame.top = frame;
    return frame;
  };

  it('trusts the top frame of our renderer', () => {
    expect(isTrustedFrame(top('app://csm/index.html'))).toBe(true);
  });

  it('refuses a top frame showing a foreign page', () => {
    expect(isTrustedFrame(top('https://evil.example/'))).toBe(false);
  });

  it('refuses a subframe even when it claims our URL', () => {
    const parent = top('app://csm/index.html');
    expect(isTrustedFrame({ url: 'app://csm/index.html', parent, top: parent })).toBe(false);
  });

  it('refuses a frame whose top is another frame', () => {
    expect(isTrustedFrame({ url: 'app://csm/index.html', parent: null, top: top('app://csm/index.html') })).toBe(false);
  });

  it('refuses a frame that has a parent, whatever its top says', () => {
    expect(isTrustedFrame({ url: 'app://csm/index.html', parent: top('app://csm/index.html') })).toBe(false);
  });

  it('refuses null, undefined, destroyed, detached and unreadable frames', () => {
    expect(isTrustedFrame(null)).toBe(false);
    expect(isTrustedFrame(undefined)).toBe(false);
    const withState = (state: { isDestroyed?: () => boolean; detached?: boolean }): FrameLike => {
      const frame: FrameLike & { top: FrameLike | null } = { url: 'app://csm/index.html', parent: null, top: null, ...state };
      frame.top = frame;
      return frame;
    };
    expect(isTrustedFrame(withState({ isDestroyed: () => false, detached: false }))).toBe(true); // the control
    expect(isTrustedFrame(withState({ isDestroyed: () => true }))).toBe(false);
    expect(isTrustedFrame(withState({ detached: true }))).toBe(false);
    const throwing = {
      parent: null,
      get url(): string {
        throw new Error('Render frame was disposed before WebFrameMain could be accessed');
      },
    };
    expect(isTrustedFrame(throwing)).toBe(false);
  });
});

/** A Session fake that records what hardenSession installs. */
function fakeSession() {
  const installed: {
    permissionRequest?: Parameters<SessionLike['setPermissionRequestHandler']>[0];
    permissionCheck?: Parameters<SessionLike['setPermissionCheckHandler']>[0];
    device?: ((details: unknown) => boolean) | null;
    beforeRequest?: Parameters<SessionLike['webRequest']['onBeforeRequest']>[0];
    headersReceived?: Parameters<SessionLike['webRequest']['onHeadersReceived']>[0];
  } = {};
  const session: SessionLike = {
    setPermissionRequestHandler: (h) => void (installed.permissionRequest = h),
    setPermissionCheckHandler: (h) => void (installed.permissionCheck = h),
    setDevicePermissionHandler: (h) => void (installed.device = h),
    webRequest: {
      onBeforeRequest: (l) => void (installed.beforeRequest = l),
      onHeadersReceived: (l) => void (installed.headersReceived = l),
    },
  };
  return { session, installed };
}

describe('hardenSession', () => {
  const PERMISSIONS = ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'hid', 'usb', 'serial', 'fullscreen', 'unknown'];

  it('denies every permission request', () => {
    const { session, installed } = fakeSession();
    hardenSession(session);
    for (const permission of PERMISSIONS) {
      const answers: boolean[] = [];
      installed.permissionRequest!({}, permission, (granted) => answers.push(granted), {});
      expect(answers, permission).toEqual([false]);
    }
  });

  it('answers every permission check and device check with false', () => {
    const { session, installed } = fakeSession();
    hardenSession(session);
    for (const permission of PERMISSIONS) expect(installed.permissionCheck!(null, permission, APP_ORIGIN, {})).toBe(false);
    expect(installed.device!({ deviceType: 'usb', origin: APP_ORIGIN })).toBe(false);
  });

  it('still works on a session without setDevicePermissionHandler', () => {
    const { session } = fakeSession();
    delete (session as { setDevicePermissionHandler?: unknown }).setDevicePermissionHandler;
    expect(() => hardenSession(session)).not.toThrow();
  });

  const decide = (url: string, opts?: { allowDevTools?: boolean }): boolean | undefined => {
    const { session, installed } = fakeSession();
    hardenSession(session, opts);
    let cancel: boolean | undefined;
    installed.beforeRequest!({ url }, (response) => (cancel = response.cancel));
    return cancel;
  };

  it('lets the renderer load its own assets', () => {
    expect(decide('app://csm/assets/index.js')).toBe(false);
    expect(decide('data:image/png;base64,AAAA')).toBe(false);
  });

  it.each([
    'https://example.com/x.js',
    'http://127.0.0.1:9042/',
    'ws://localhost:1234/',
    'file:///etc/passwd',
    'app://csm.evil/x',
    'app://other/x',
    'ftp://x/',
    'devtools://devtools/bundled/inspector.html',
  ])('cancels every other request (air-gapped): %s', (url) => {
    expect(decide(url)).toBe(true);
  });

  it('lets devtools:// through only when DevTools are allowed', () => {
    expect(isAllowedRequestUrl('devtools://devtools/bundled/inspector.html', { allowDevTools: true })).toBe(true);
    expect(decide('devtools://devtools/bundled/inspector.html', { allowDevTools: true })).toBe(false);
    expect(decide('https://example.com/', { allowDevTools: true })).toBe(true);
  });

  it('puts our CSP on every response, replacing any other spelling of the header', () => {
    const { session, installed } = fakeSession();
    hardenSession(session);
    let headers: Record<string, string | string[]> | undefined;
    installed.headersReceived!(
      { url: 'app://csm/index.html', responseHeaders: { 'content-security-policy': ["default-src *"], 'Content-Type': ['text/html'] } },
      (response) => (headers = response.responseHeaders),
    );
    expect(headers).toEqual({ 'Content-Type': ['text/html'], 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] });

    installed.headersReceived!({ url: 'app://csm/x.js' }, (response) => (headers = response.responseHeaders));
    expect(headers).toEqual({ 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] });
  });
});

/** A WebContents fake: records listeners so the test can fire events at them. */
function fakeWebContents() {
  const listeners = new Map<string, Array<(...args: any[]) => void>>();
  let openHandler: ((details: { url: string }) => { action: string }) | undefined;
  const wc = {
    on(event: string, listener: (...args: any[]) => void) {
      listeners.set(event, [...(listeners.get(event) ?? []), listener]);
      return wc;
    },
    setWindowOpenHandler(handler: (details: { url: string }) => { action: string }) {
      openHandler = handler;
    },
  };
  /** Fires `event` the way Electron 45 does; returns whether any listener prevented it. */
  const fire = (event: string, details: Record<string, unknown> = {}, ...rest: unknown[]): boolean => {
    let prevented = false;
    const e = { ...details, preventDefault: () => void (prevented = true) };
    for (const l of listeners.get(event) ?? []) l(e, ...rest);
    return prevented;
  };
  return { wc: wc as unknown as WebContentsLike, fire, listeners, open: (url: string) => openHandler?.({ url }) };
}

describe('hardenWebContents', () => {
  it.each(['will-navigate', 'will-redirect', 'will-frame-navigate'])('%s: prevents leaving our origin', (event) => {
    const { wc, fire } = fakeWebContents();
    hardenWebContents(wc);
    for (const url of ['https://evil.example/', 'file:///etc/passwd', 'app://csm.evil/', 'about:blank', 'javascript:alert(1)', 'data:text/html,x']) {
      expect(fire(event, { url }, url), `${event} → ${url}`).toBe(true);
    }
  });

  it.each(['will-navigate', 'will-redirect', 'will-frame-navigate'])('%s: allows navigation inside app://csm', (event) => {
    const { wc, fire } = fakeWebContents();
    hardenWebContents(wc);
    expect(fire(event, { url: 'app://csm/index.html' }, 'app://csm/index.html')).toBe(false);
    expect(fire(event, { url: 'app://csm/index.html#/tenants' })).toBe(false);
  });

  it('judges the URL from the legacy second argument when the event carries none', () => {
    const { wc, fire } = fakeWebContents();
    hardenWebContents(wc);
    expect(fire('will-navigate', {}, 'https://evil.example/')).toBe(true);
    expect(fire('will-navigate', {}, 'app://csm/index.html')).toBe(false);
  });

  it('denies every window.open, including to our own origin', () => {
    const { wc, open } = fakeWebContents();
    hardenWebContents(wc);
    expect(open('https://evil.example/')).toEqual({ action: 'deny' });
    expect(open('app://csm/index.html')).toEqual({ action: 'deny' });
  });

  it('prevents attaching a <webview>', () => {
    const { wc, fire } = fakeWebContents();
    hardenWebContents(wc);
    expect(fire('will-attach-webview', {}, { preload: '/tmp/evil.js' }, { src: 'https://evil.example/' })).toBe(true);
  });
});
