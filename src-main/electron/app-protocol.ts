import { readFile as fsReadFile } from 'node:fs/promises';
import nodePath from 'node:path';
import { SECURITY_HEADERS } from './csp';
import { APP_HOST, APP_SCHEME } from './security';

/**
 * Serves the built renderer (dist/renderer) on `app://csm/…`. The path logic is pure so the
 * traversal rules are tested without Electron; main.ts only hands it to `protocol.handle`.
 */

/** node:path, or path.posix / path.win32 (tests), or a stand-in. */
export interface PathApi {
  resolve(...segments: string[]): string;
  readonly sep: string;
}

const INDEX = 'index.html';

/**
 * The file under `rootDir` that `url` names, or null when the URL is not ours or would leave
 * the root. Decoding happens once, after the URL parser has removed dot segments, and the
 * result is checked again after resolution: `%2f`, `%5c` and `%00` tricks end up here.
 */
export function resolveAppRequest(url: string, rootDir: string, path: PathApi = nodePath): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST || parsed.username || parsed.password) return null;

  let pathname: string;
  try {
    pathname = decodeURIComponent(parsed.pathname);
  } catch {
    return null; // malformed escape
  }
  if (pathname === '' || pathname === '/') pathname = `/${INDEX}`;
  // Backslashes are separators on Windows, ':' opens drive letters and NTFS streams, NUL truncates.
  if (/[\\:\0]/.test(pathname)) return null;
  if (pathname.split('/').some((segment) => segment === '..' || segment === '.')) return null;

  const root = path.resolve(rootDir);
  const file = path.resolve(root, `.${pathname}`);
  if (!file.startsWith(root + path.sep)) return null;
  return file;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
};

export function contentTypeFor(file: string): string {
  const dot = file.lastIndexOf('.');
  const ext = dot === -1 ? '' : file.slice(dot).toLowerCase();
  return CONTENT_TYPES[ext] ?? 'application/octet-stream';
}

export interface AppProtocolOptions {
  rootDir: string;
  /** Injected for tests; Electron's fs reads inside app.asar transparently. */
  readFile?: (file: string) => Promise<Uint8Array>;
}

/** The `protocol.handle('app', …)` handler: every response, 404s included, carries the CSP. */
export function createAppProtocolHandler(opts: AppProtocolOptions): (request: { url: string; method?: string }) => Promise<Response> {
  const read = opts.readFile ?? ((file: string) => fsReadFile(file));
  const reply = (status: number, body: Uint8Array | string | null, contentType: string): Response =>
    new Response(body as BodyInit | null, {
      status,
      headers: { ...SECURITY_HEADERS, 'Content-Type': contentType, 'Cache-Control': 'no-cache' },
    });

  return async (request) => {
    const method = (request.method ?? 'GET').toUpperCase();
    if (method !== 'GET' && method !== 'HEAD') return reply(405, 'method not allowed', 'text/plain; charset=utf-8');
    const file = resolveAppRequest(request.url, opts.rootDir);
    if (file === null) return reply(404, 'not found', 'text/plain; charset=utf-8');
    try {
      const body = await read(file);
      return reply(200, method === 'HEAD' ? null : body, contentTypeFor(file));
    } catch {
      return reply(404, 'not found', 'text/plain; charset=utf-8'); // missing file, directory, unreadable
    }
  };
}
