import type { CsmBridge } from '../../src-shared/bridge';
import { WEB_ROUTES } from '../../src-shared/bridge';
import type { Result } from '../../src-shared/contract/core';
import { errorCodeSchema } from '../../src-shared/contract/core';
import { createClient, type CsmClient } from '../../src-shared/client';

const UNREACHABLE: Result<never> = {
  ok: false,
  error: { code: 'UNAVAILABLE', message: 'console host unreachable' },
};
const SESSION_EXPIRED: Result<never> = {
  ok: false,
  error: { code: 'FORBIDDEN', message: 'session expired: open the console URL printed by csm serve again' },
};

/** Only a well-formed envelope passes: a proxy's HTML error page must not look like data. */
function asEnvelope(body: unknown): Result<unknown> | null {
  if (typeof body !== 'object' || body === null) return null;
  const b = body as Record<string, unknown>;
  if (b.ok === true && 'value' in b) return { ok: true, value: b.value };
  if (b.ok === false && typeof b.error === 'object' && b.error !== null) {
    const e = b.error as Record<string, unknown>;
    const code = errorCodeSchema.safeParse(e.code);
    if (code.success && typeof e.message === 'string') return { ok: false, error: { code: code.data, message: e.message } };
  }
  return null;
}

/** The part of EventSource the bridge uses, so tests can hand in a fake. */
export interface EventSourceLike {
  addEventListener(type: string, listener: (e: MessageEvent) => void): void;
  removeEventListener(type: string, listener: (e: MessageEvent) => void): void;
}

export interface WebBridgeDeps {
  fetch?: typeof fetch;
  createEventSource?: (url: string) => EventSourceLike;
}

/**
 * The loopback web host's transport: POST per call, one shared EventSource for every
 * event. The session cookie is HttpOnly and same-origin, so nothing here touches a token.
 */
export function createWebBridge(deps: WebBridgeDeps = {}): CsmBridge {
  const doFetch = deps.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const openEvents = deps.createEventSource ?? ((url: string) => new EventSource(url));
  let source: EventSourceLike | null = null;

  return {
    host: 'web',
    async invoke(channel, input) {
      let res: Response;
      try {
        res = await doFetch(WEB_ROUTES.invoke + encodeURIComponent(channel), {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(input ?? {}),
        });
      } catch {
        return UNREACHABLE;
      }
      if (res.status === 401) return SESSION_EXPIRED;
      try {
        return asEnvelope(await res.json()) ?? UNREACHABLE;
      } catch {
        return UNREACHABLE;
      }
    },
    on(event, listener) {
      source ??= openEvents(WEB_ROUTES.events);
      const handler = (e: MessageEvent): void => {
        const data: unknown = e.data;
        if (typeof data !== 'string') return;
        let payload: unknown;
        try {
          payload = JSON.parse(data);
        } catch {
          return; // a garbled frame is dropped; the client parses payloads against the contract anyway
        }
        listener(payload);
      };
      const current = source;
      current.addEventListener(event, handler);
      return () => current.removeEventListener(event, handler);
    },
  };
}

/**
 * Electron's preload exposes `window.csm`; anywhere else (web host, a plain browser) the
 * renderer talks HTTP to the origin it was served from.
 */
export function pickBridge(win: { csm?: CsmBridge } = globalThis as { csm?: CsmBridge }, deps?: WebBridgeDeps): CsmBridge {
  const preload = win.csm;
  if (preload && typeof preload.invoke === 'function' && typeof preload.on === 'function') return preload;
  return createWebBridge(deps);
}

/** Never throws: an exception from a transport becomes an envelope like any other failure. */
export function guardBridge(bridge: CsmBridge): CsmBridge {
  return {
    host: bridge.host,
    async invoke(channel, input) {
      try {
        const r = await bridge.invoke(channel, input);
        return asEnvelope(r) ?? UNREACHABLE;
      } catch {
        return UNREACHABLE;
      }
    },
    on: (event, listener) => bridge.on(event, listener),
  };
}

export function createAppClient(bridge: CsmBridge = pickBridge()): CsmClient {
  return createClient(guardBridge(bridge));
}
