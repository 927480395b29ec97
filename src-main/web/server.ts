import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, realpath } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';
import { WEB_COOKIE, WEB_ROUTES } from '../../src-shared/bridge';
import { MAX_INPUT_BYTES, type Result } from '../../src-shared/contract';
import { SECURITY_HEADERS as RENDERER_HEADERS } from '../electron/csp';
import type { EventBus } from '../app/events';
import type { Logger } from '../app/log';
import type { Router } from '../ipc/router';

export interface WebHostOptions {
  router: Router;
  bus: EventBus;
  logger: Logger;
  /** Built renderer (dist/renderer). */
  staticDir: string;
  /** 0 = a random free port. */
  port?: number;
}

export interface WebHost {
  readonly port: number;
  readonly origin: string;
  /** The one-time sign-in URL: the only way to get a session cookie. */
  readonly url: string;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

// The shared renderer headers plus what only an HTTP host needs.
const SECURITY_HEADERS: Record<string, string> = {
  ...RENDERER_HEADERS,
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-store',
};

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieValue(req: IncomingMessage, name: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return null;
}

function send(res: ServerResponse, status: number, body: string | Buffer, type = 'application/json', extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, ...extra });
  res.end(body);
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  const body: Result<never> = { ok: false, error: { code: code as never, message } };
  send(res, status, JSON.stringify(body));
}

/**
 * The loopback web host (DESIGN §6): the same router as Electron's IPC, for headless machines
 * and for end-to-end tests in a real Chromium. Bound to 127.0.0.1 only; a one-time token in
 * the printed URL is exchanged for an HttpOnly SameSite=Strict cookie; Host and Origin are
 * checked on every request, which defeats DNS rebinding and cross-site requests.
 */
export async function startWebHost(opts: WebHostOptions): Promise<WebHost> {
  let oneTimeToken: string | null = randomBytes(32).toString('base64url');
  const sessions = new Set<string>();
  const streams = new Set<ServerResponse>();
  const root = await realpath(opts.staticDir).catch(() => resolve(opts.staticDir));
  let port = 0;
  const allowedHosts = (): string[] => [`127.0.0.1:${port}`, `localhost:${port}`];
  const allowedOrigins = (): string[] => allowedHosts().map((h) => `http://${h}`);

  const authed = (req: IncomingMessage): boolean => {
    const sid = cookieValue(req, WEB_COOKIE);
    return sid !== null && [...sessions].some((s) => sameSecret(s, sid));
  };

  const readBody = (req: IncomingMessage): Promise<Buffer | null> =>
    new Promise((resolveBody, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let tooBig = false;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_INPUT_BYTES) {
          tooBig = true;
          chunks.length = 0;
          return;
        }
        if (!tooBig) chunks.push(c);
      });
      req.on('end', () => resolveBody(tooBig ? null : Buffer.concat(chunks)));
      req.on('error', reject);
    });

  const serveStatic = async (res: ServerResponse, pathname: string): Promise<void> => {
    let rel: string;
    try {
      rel = decodeURIComponent(pathname);
    } catch {
      return sendError(res, 400, 'BAD_INPUT', 'bad path');
    }
    if (rel.includes('\0') || rel.includes('\\')) return sendError(res, 400, 'BAD_INPUT', 'bad path');
    const candidate = resolve(join(root, rel === '/' ? 'index.html' : rel));
    if (candidate !== root && !candidate.startsWith(root + sep)) return sendError(res, 404, 'NOT_FOUND', 'not found');
    try {
      const real = await realpath(candidate);
      if (!real.startsWith(root + sep)) return sendError(res, 404, 'NOT_FOUND', 'not found');
      const body = await readFile(real);
      send(res, 200, body, MIME[extname(real)] ?? 'application/octet-stream');
    } catch {
      // Client-side routes fall back to the app shell; real assets that are missing are 404.
      if (extname(rel) === '') {
        const index = await readFile(join(root, 'index.html')).catch(() => null);
        if (index) return send(res, 200, index, MIME['.html']);
      }
      sendError(res, 404, 'NOT_FOUND', 'not found');
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // DNS rebinding: a page on evil.example resolving to 127.0.0.1 still sends Host: evil.example.
    if (!allowedHosts().includes(req.headers.host ?? '')) return sendError(res, 421, 'FORBIDDEN', 'unexpected Host header');
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins().includes(origin)) return sendError(res, 403, 'FORBIDDEN', 'cross-origin request refused');
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none') return sendError(res, 403, 'FORBIDDEN', 'cross-site request refused');
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);

    if (url.pathname === WEB_ROUTES.session && req.method === 'GET') {
      const token = url.searchParams.get('token') ?? '';
      if (oneTimeToken === null || !sameSecret(token, oneTimeToken)) {
        return send(res, 403, 'This sign-in link was already used or is wrong. Run "csm serve" again for a new one.\n', 'text/plain; charset=utf-8');
      }
      oneTimeToken = null;
      const sid = randomBytes(32).toString('base64url');
      sessions.add(sid);
      return send(res, 302, '', 'text/plain', {
        Location: '/',
        'Set-Cookie': `${WEB_COOKIE}=${sid}; HttpOnly; SameSite=Strict; Path=/`,
      });
    }
    if (!authed(req)) {
      // One refusal for a missing, forged or stale cookie on every route: it tells nothing about
      // sessions or routes. 401 is the signal (the renderer's web bridge maps it to "session
      // expired: open the URL printed by csm serve"). The code is not NOT_SIGNED_IN on purpose:
      // that code means "no operator session on this cluster", an expected state the UI shows
      // quietly and answers with session.signIn, which cannot help without a console session.
      if (url.pathname.startsWith('/api/')) return sendError(res, 401, 'FORBIDDEN', 'no console session: open the URL printed by csm serve');
      return send(res, 401, 'No console session: open the sign-in URL printed by "csm serve".\n', 'text/plain; charset=utf-8');
    }

    if (url.pathname.startsWith(WEB_ROUTES.invoke)) {
      if (req.method !== 'POST') return sendError(res, 405, 'BAD_INPUT', 'POST only');
      // A cross-site form cannot send application/json without a CORS preflight we never grant.
      if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return sendError(res, 415, 'BAD_INPUT', 'content-type must be application/json');
      if (origin === undefined) return sendError(res, 403, 'FORBIDDEN', 'Origin header required');
      const body = await readBody(req);
      if (body === null) return sendError(res, 413, 'PAYLOAD_TOO_LARGE', `input larger than ${MAX_INPUT_BYTES} bytes`);
      let input: unknown;
      try {
        input = body.length ? JSON.parse(body.toString('utf8')) : {};
      } catch {
        return sendError(res, 400, 'BAD_INPUT', 'body is not JSON');
      }
      const channel = url.pathname.slice(WEB_ROUTES.invoke.length);
      const ctl = new AbortController();
      res.on('close', () => ctl.abort());
      const result = await opts.router.dispatch(channel, input, { host: 'web' }, ctl.signal);
      return send(res, 200, JSON.stringify(result));
    }

    if (url.pathname === WEB_ROUTES.events && req.method === 'GET') {
      res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/event-stream', Connection: 'keep-alive' });
      res.write(': connected\n\n');
      streams.add(res);
      req.on('close', () => streams.delete(res));
      return;
    }

    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 405, 'BAD_INPUT', 'method not allowed');
    return serveStatic(res, url.pathname);
  };

  const unsubscribe = opts.bus.subscribe((name, payload) => {
    const frame = `event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`;
    for (const s of streams) s.write(frame);
  });
  const keepAlive = setInterval(() => {
    for (const s of streams) s.write(': ping\n\n');
  }, 25_000);
  keepAlive.unref();

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      opts.logger.error('web host request failed', { error: err instanceof Error ? err : String(err) });
      if (!res.headersSent) sendError(res, 500, 'INTERNAL', 'internal error');
      else res.end();
    });
  });
  await new Promise<void>((ok, bad) => {
    server.once('error', bad);
    server.listen(opts.port ?? 0, '127.0.0.1', () => ok());
  });
  port = (server.address() as AddressInfo).port;
  const originUrl = `http://127.0.0.1:${port}`;
  return {
    port,
    origin: originUrl,
    url: `${originUrl}${WEB_ROUTES.session}?token=${oneTimeToken}`,
    close: async () => {
      unsubscribe();
      clearInterval(keepAlive);
      for (const s of streams) s.end();
      streams.clear();
      const closed = new Promise<void>((ok) => server.close(() => ok()));
      server.closeAllConnections();
      await closed;
    },
  };
}
