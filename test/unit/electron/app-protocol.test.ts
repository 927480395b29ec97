import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentTypeFor, createAppProtocolHandler, resolveAppRequest } from '../../../src-main/electron/app-protocol';
import { CONTENT_SECURITY_POLICY } from '../../../src-main/electron/csp';

const ROOT = '/srv/csm/dist/renderer';

describe('resolveAppRequest', () => {
  it.each([
    ['app://csm/', `${ROOT}/index.html`],
    ['app://csm', `${ROOT}/index.html`],
    ['app://csm/index.html', `${ROOT}/index.html`],
    ['app://csm/assets/index-D7Gt43RQ.js', `${ROOT}/assets/index-D7Gt43RQ.js`],
    ['app://csm/assets/index.js?v=1#x', `${ROOT}/assets/index.js`],
    ['app://csm/assets/a%20b.css', `${ROOT}/assets/a b.css`],
  ])('%s → %s', (url, file) => {
    expect(resolveAppRequest(url, ROOT, path.posix)).toBe(file);
  });

  it.each([
    ['encoded slash with dot-dot', 'app://csm/a/%2e%2e%2f..%2f..%2f..%2fetc%2fpasswd'],
    ['encoded slash, plain dots', 'app://csm/..%2f..%2f..%2fetc/passwd'],
    ['encoded backslash', 'app://csm/..%5c..%5cetc%5cpasswd'],
    ['raw backslash', 'app://csm/..\\..\\etc\\passwd'],
    ['NUL byte', 'app://csm/index.html%00.png'],
    ['drive letter', 'app://csm/C:/Windows/win.ini'],
    ['NTFS stream', 'app://csm/index.html::$DATA'],
    ['malformed escape', 'app://csm/%E0%A4%A'],
    ['other host', 'app://evil/index.html'],
    ['look-alike host', 'app://csm.evil/index.html'],
    ['userinfo', 'app://x@csm/index.html'],
    ['port', 'app://csm:1/index.html'],
    ['other scheme', 'file:///srv/csm/dist/renderer/index.html'],
    ['http', 'http://csm/index.html'],
    ['not a URL', 'index.html'],
  ])('refuses %s', (_label, url) => {
    expect(resolveAppRequest(url, ROOT, path.posix)).toBeNull();
  });

  it.each([
    'app://csm/../../etc/passwd',
    'app://csm/%2e%2e/%2e%2e/etc/passwd',
    'app://csm/.%2e/.%2e/etc/passwd',
    'app://csm//etc/passwd',
    'app://csm/assets/../../../../etc/passwd',
  ])('keeps dot segments the URL parser resolved inside the root: %s', (url) => {
    const file = resolveAppRequest(url, ROOT, path.posix);
    expect(file).toBe(`${ROOT}/etc/passwd`);
  });

  it('never leaves the root on Windows path semantics either', () => {
    const root = 'C:\\Program Files\\CSM\\resources\\app.asar\\dist\\renderer';
    expect(resolveAppRequest('app://csm/assets/x.js', root, path.win32)).toBe(`${root}\\assets\\x.js`);
    for (const url of ['app://csm/..%5c..%5cwin.ini', 'app://csm/%2e%2e%2f%2e%2e%2fwin.ini', 'app://csm/D:/x', 'app://csm/%5c%5cserver%5cshare']) {
      expect(resolveAppRequest(url, root, path.win32), url).toBeNull();
    }
  });

  it('refuses decoded dot segments before resolving anything', () => {
    const noResolve = { sep: '/', resolve: (): string => expect.unreachable('resolve must not be reached') };
    for (const url of ['app://csm/..%2f..%2fetc/passwd', 'app://csm/a/.%2f..%2fx', 'app://csm/%2e%2e%2fx']) {
      expect(resolveAppRequest(url, ROOT, noResolve), url).toBeNull();
    }
  });

  it('keeps the final containment check even if path resolution misbehaves', () => {
    // Layers above stop every escape we know of; this one must hold for the ones we do not.
    const escaping = { sep: '/', resolve: (...parts: string[]): string => (parts.length === 1 ? parts[0]! : '/etc/passwd') };
    expect(resolveAppRequest('app://csm/index.html', ROOT, escaping)).toBeNull();
    const rootItself = { sep: '/', resolve: (...parts: string[]): string => parts[0]! };
    expect(resolveAppRequest('app://csm/index.html', ROOT, rootItself)).toBeNull();
  });

  it('refuses a sibling directory that shares the root as a prefix', () => {
    // `/srv/csm/dist/renderer-evil` starts with the root string but is outside it.
    expect(resolveAppRequest('app://csm/..%2frenderer-evil/x.js', ROOT, path.posix)).toBeNull();
  });
});

describe('contentTypeFor', () => {
  it.each([
    ['index.html', 'text/html; charset=utf-8'],
    ['a.JS', 'text/javascript; charset=utf-8'],
    ['a.css', 'text/css; charset=utf-8'],
    ['a.svg', 'image/svg+xml'],
    ['a.woff2', 'font/woff2'],
    ['a.exe', 'application/octet-stream'],
    ['noext', 'application/octet-stream'],
  ])('%s → %s', (file, type) => {
    expect(contentTypeFor(file)).toBe(type);
  });
});

describe('createAppProtocolHandler (real files in a temporary root)', () => {
  let base: string;
  let root: string;
  beforeAll(() => {
    base = mkdtempSync(path.join(tmpdir(), 'csm-proto-'));
    root = path.join(base, 'renderer');
    mkdirSync(path.join(root, 'assets'), { recursive: true });
    writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>csm</title>');
    writeFileSync(path.join(root, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(path.join(base, 'secret.txt'), 'outside the root');
    mkdirSync(path.join(base, 'renderer-evil'));
    writeFileSync(path.join(base, 'renderer-evil', 'x.js'), 'evil');
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('serves index.html with the CSP and nosniff', async () => {
    const handler = createAppProtocolHandler({ rootDir: root });
    const res = await handler({ url: 'app://csm/' });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<title>csm</title>');
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('serves assets with their content type', async () => {
    const res = await createAppProtocolHandler({ rootDir: root })({ url: 'app://csm/assets/app.js' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  });

  it.each([
    'app://csm/..%2fsecret.txt',
    'app://csm/assets/..%2f..%2fsecret.txt',
    'app://csm/..%2frenderer-evil/x.js',
    'app://csm/missing.js',
    'app://csm/assets',
    'app://evil/index.html',
  ])('answers 404, with the CSP, for %s', async (url) => {
    const res = await createAppProtocolHandler({ rootDir: root })({ url });
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('outside the root');
    expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
  });

  it('never asks the file system for a path outside the root', async () => {
    const asked: string[] = [];
    const handler = createAppProtocolHandler({
      rootDir: root,
      readFile: async (file) => {
        asked.push(file);
        throw new Error('ENOENT');
      },
    });
    for (const url of ['app://csm/..%2fsecret.txt', 'app://csm/..%5csecret.txt', 'app://csm/%2e%2e%2f%2e%2e%2fetc%2fpasswd']) await handler({ url });
    expect(asked).toEqual([]);
  });

  it('refuses methods other than GET and HEAD', async () => {
    const res = await createAppProtocolHandler({ rootDir: root })({ url: 'app://csm/index.html', method: 'POST' });
    expect(res.status).toBe(405);
  });
});
