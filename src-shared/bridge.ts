import type { Result } from './contract/core';

/**
 * The whole surface the preload exposes as `window.csm` (and the web transport imitates).
 * Deliberately tiny: a channel name the contract knows, an input, an envelope back.
 */
export interface CsmBridge {
  readonly host: 'electron' | 'web';
  invoke(channel: string, input: unknown): Promise<Result<unknown>>;
  on(event: string, listener: (payload: unknown) => void): () => void;
}

/** Web host routes. The renderer and the server both import these, so they cannot drift. */
export const WEB_ROUTES = {
  invoke: '/api/invoke/', // + channel name, POST JSON body = input
  events: '/api/events', // GET, text/event-stream, `event: <name>` + `data: <json>`
  session: '/session', // GET ?token=…, one time: sets the cookie and redirects to /
} as const;
export const WEB_COOKIE = 'csm_session';
