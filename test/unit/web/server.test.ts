import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_INPUT_BYTES } from '../../../src-shared/contract';
import { EventBus } from '../../../src-main/app/events';
import { silentLogger } from '../../../src-main/app/log';
import type { Router } from '../../../src-main/ipc/router';
import { startWebHost, type WebHost } from '../../../src-main/web/server';

interface Res {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function http(port: number, path: string, opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Res> {
  return new Promise((ok, bad) => {
    const req = request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: { host: `127.0.0.1:${port}`, ...opts.headers } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', bad);
    if (opts.body) req.write(opts.body);
    req.end();
  });
}

describe('loopback web host (security)', () => {
  let host: WebHost;
  let calls: { channel: unknown; input: unknown }[];
  let bus: EventBus;

  beforeEach(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'csm-web-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>csm</title>');
    writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(join(dir, '..', 'secret.txt'), 'outside');
    calls = [];
    const router: Router = {
      dispatch: async (channel, input) => {
        calls.push({ channel, input });
        return { ok: true, value: { echoed: channel } };
      },
    };
    bus = new EventBus();
    host = await startWebHost({ router, bus, logger: silentLogger, staticDir: dir });
  });
  afterEach(async () => host.close());

  async function signIn(): Promise<string> {
    const path = host.url.slice(host.origin.length);
    const r = await http(host.port, path);
    expect(r.status).toBe(302);
    const cookie = String(r.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    return cookie.split(';')[0]!;
  }

  it('listens on 127.0.0.1 only', () => {
    expect(host.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('the one-time token works once', async () => {
    await signIn();
    const again = await http(host.port, host.url.slice(host.origin.length));
    expect(again.status).toBe(403);
  });

  it('a wrong token is refused', async () => {
    const r = await http(host.port, '/session?token=nope');
    expect(r.status).toBe(403);
    expect(r.headers['set-cookie']).toBeUndefined();
  });

  it('without the cookie nothing is served or dispatched', async () => {
    expect((await http(host.port, '/')).status).toBe(401);
    const r = await http(host.port, '/api/invoke/cluster.list', { method: 'POST', headers: { origin: host.origin, 'content-type': 'application/json' }, body: '{}' });
    expect(r.status).toBe(401);
    expect(calls).toEqual([]);
  });

  it('refuses every unauthenticated request the same way, missing or forged cookie, whatever the route', async () => {
    // 401 is the signal the renderer's web bridge keys on (session expired → open the csm serve URL);
    // the body says the same for every route and cookie, so it tells nothing about either.
    const cookies = [undefined, 'csm_session=forged', 'csm_session=', `csm_session=${'A'.repeat(43)}`, 'other=1'];
    const api = [
      { path: '/api/invoke/cluster.list', method: 'POST' },
      { path: '/api/invoke/no.such.channel', method: 'POST' },
      { path: '/api/invoke/cluster.list', method: 'GET' },
      { path: '/api/events', method: 'GET' },
      { path: '/api/anything', method: 'DELETE' },
    ];
    const bodies = new Set<string>();
    for (const cookie of cookies) {
      for (const { path, method } of api) {
        const r = await http(host.port, path, { method, headers: { origin: host.origin, 'content-type': 'application/json', ...(cookie ? { cookie } : {}) }, body: method === 'POST' ? '{}' : undefined });
        expect(r.status).toBe(401);
        expect(r.headers['set-cookie']).toBeUndefined();
        bodies.add(r.body);
      }
    }
    expect([...bodies]).toHaveLength(1);
    expect(JSON.parse([...bodies][0]!)).toEqual({ ok: false, error: { code: 'FORBIDDEN', message: expect.stringMatching(/csm serve/) } });

    const pages = new Set<string>();
    for (const cookie of cookies) {
      for (const path of ['/', '/assets/app.js', '/tenants/acme', '/missing.js']) {
        const r = await http(host.port, path, cookie ? { headers: { cookie } } : {});
        expect(r.status).toBe(401);
        pages.add(r.body);
      }
    }
    expect([...pages]).toHaveLength(1);
    expect([...pages][0]).not.toContain('<title>');
    expect(calls).toEqual([]);
  });

  it('a forged cookie is refused', async () => {
    const r = await http(host.port, '/api/invoke/cluster.list', { method: 'POST', headers: { cookie: 'csm_session=forged', origin: host.origin, 'content-type': 'application/json' }, body: '{}' });
    expect(r.status).toBe(401);
    expect(calls).toEqual([]);
  });

  it('dispatches to the router with the cookie, and sends the CSP', async () => {
    const cookie = await signIn();
    const r = await http(host.port, '/api/invoke/cluster.list', { method: 'POST', headers: { cookie, origin: host.origin, 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ ok: true, value: { echoed: 'cluster.list' } });
    expect(calls).toEqual([{ channel: 'cluster.list', input: { a: 1 } }]);
    expect(String(r.headers['content-security-policy'])).toMatch(/^default-src 'none'/);
  });

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    const cookie = await signIn();
    const r = await http(host.port, '/api/invoke/cluster.list', { method: 'POST', headers: { host: `evil.example:${host.port}`, cookie, origin: host.origin, 'content-type': 'application/json' }, body: '{}' });
    expect(r.status).toBe(421);
    expect(calls).toEqual([]);
  });

  it('refuses a foreign Origin and a missing Origin on invoke', async () => {
    const cookie = await signIn();
    for (const headers of [{ origin: 'http://evil.example' }, { origin: 'null' }, {}] as Record<string, string>[]) {
      const r = await http(host.port, '/api/invoke/cluster.list', { method: 'POST', headers: { cookie, 'content-type': 'application/json', ...headers }, body: '{}' });
      expect(r.status).toBe(403);
    }
    expect(calls).toEqual([]);
  });

  it('refuses cross-site fetch metadata', async () => {
    const cookie = await signIn();
    const r = await http(host.port, '/', { headers: { cookie, 'sec-fetch-site': 'cross-site' } });
    expect(r.status).toBe(403);
  });

  it('refuses non-JSON content types (no form CSRF) and malformed JSON', async () => {
    const cookie = await signIn();
    const form = await http(host.port, '/api/invoke/cluster.list', { method: 'POST', headers: { cookie, origin: host.origin, 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1' });
    expect(form.status).toBe(415);
    const bad = await http(host.port, '/api/invoke/cluster.list', { method: 'POST', headers: { cookie, origin: host.origin, 'content-type': 'application/json' }, body: '{nope' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error.code).toBe('BAD_INPUT');
    expect(calls).toEqual([]);
  });

  it('refuses an oversized body with PAYLOAD_TOO_LARGE', async () => {
    const cookie = await signIn();
    const r = await http(host.port, '/api/invoke/cluster.list', { method: 'POST', headers: { cookie, origin: host.origin, 'content-type': 'application/json' }, body: Buffer.alloc(MAX_INPUT_BYTES + 1, 0x20) });
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body).error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(calls).toEqual([]);
  });

  it('serves the renderer and never a file outside it', async () => {
    const cookie = await signIn();
    expect((await http(host.port, '/assets/app.js', { headers: { cookie } })).body).toBe('console.log(1)');
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/..%5csecret.txt']) {
      const r = await http(host.port, p, { headers: { cookie } });
      expect(r.body).not.toContain('outside');
    }
  });

  it('streams events to a signed-in client only', async () => {
    const cookie = await signIn();
    const got = await new Promise<string>((ok, bad) => {
      const req = request({ host: '127.0.0.1', port: host.port, path: '/api/events', headers: { host: `127.0.0.1:${host.port}`, cookie } }, (res) => {
        let buf = '';
        res.on('data', (d: Buffer) => {
          buf += d.toString();
          if (buf.includes(': connected')) bus.emit('job.progress', { jobId: 'j', kind: 'k', label: 'l', step: 's', fraction: 0.5, state: 'running' });
          if (buf.includes('event: job.progress')) {
            req.destroy();
            ok(buf);
          }
        });
      });
      req.on('error', bad);
      req.end();
    });
    expect(got).toMatch(/event: job\.progress\ndata: \{"jobId":"j"/);
    expect((await http(host.port, '/api/events')).status).toBe(401);
  });
});
