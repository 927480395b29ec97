import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { ROUTES } from '../../src-renderer/app/routes';
import { registerAndSignIn, SHOTS, useE2eConsole } from './support';

/**
 * Issue 12 item 4: the console makes no outbound connection except to configured clusters — no
 * update check, telemetry, web font or CDN asset. Every request the renderer makes is recorded;
 * anything not addressed to the console's own loopback origin is aborted (the network is denied)
 * and fails the test. The app must still load, sign in and show every screen.
 */
const env = useE2eConsole();

test('the renderer loads, signs in and shows every screen with the network denied', async ({ page, context }) => {
  env.watch(page);
  const origin = env.host.origin;
  const outside: string[] = [];
  const seen: string[] = [];
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    seen.push(url);
    if (url.startsWith(`${origin}/`) || url === origin || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    outside.push(url);
    return route.abort('internetdisconnected');
  });
  // Events come over an EventSource (an HTTP request the route above sees); no WebSocket at all.
  const sockets: string[] = [];
  page.on('websocket', (ws) => sockets.push(ws.url()));

  await page.goto(env.host.url);
  await expect(page.getByTestId('first-run')).toBeVisible();
  await registerAndSignIn(page, env);

  for (const r of ROUTES) {
    await page.getByTestId(`nav-${r.id}`).click();
    await expect(page.locator('nav a[aria-current="page"]')).toContainText(r.label);
    await expect(page).toHaveURL(new RegExp(`${r.href.replace('/', '\\/')}$`));
  }
  await page.screenshot({ path: join(SHOTS, 'airgap-network-denied.png'), fullPage: true });

  expect(outside, `requests outside ${origin}`).toEqual([]);
  // The recorder saw the app's own traffic, so an empty `outside` means something.
  expect(seen.some((u) => u.includes('/api/invoke/'))).toBe(true);
  expect(seen.filter((u) => /\.js(\?|$)/.test(u)).length).toBeGreaterThan(0);
  expect(seen.some((u) => u.startsWith(`${origin}/api/events`))).toBe(true);
  expect(sockets).toEqual([]);
  expect(env.problems.filter((p) => !/status of 4\d\d/.test(p))).toEqual([]);
});
