import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { expect, test, type Page } from '@playwright/test';
import { startConsole, type RunningConsole } from '../support/web-host';
import { E2E_TENANT_ID, invoke, registerAndSignIn, SHOTS, useE2eConsole } from './support';

/**
 * Support & approvals end to end, two real consoles (csm serve) on the real node: the platform
 * operator's and the tenant admin's, each its own Chromium page. A request filed through the
 * channel shows up on both screens; the tenant admin approves it from the UI; the platform
 * operator activates it (a real role appears in the table) and revokes it from the UI.
 */
const env = useE2eConsole();
const tenantId = `e2e_${BigInt(`0x${randomBytes(6).toString('hex')}`).toString(36).padStart(8, '0').slice(-8)}`;
const ADMIN_PASSWORD = 'e2e access tenant admin passphrase';
let second: RunningConsole | undefined;
const ids: string[] = [];

test.beforeAll(() => {
  expect(tenantId).toMatch(E2E_TENANT_ID);
});
test.afterAll(async () => {
  await second?.stop();
  if (!env.contactPoint || ids.length === 0) return;
  const c = new cassandra.Client({ contactPoints: [env.contactPoint], localDataCenter: env.dc, credentials: { username: 'cassandra', password: 'cassandra' } });
  try {
    await c.connect();
    for (const id of ids) await c.execute('DELETE FROM csm_system.support_access WHERE id = ?', [id], { prepare: true });
  } finally {
    await c.shutdown();
  }
});

test('Support access: filed by the platform, approved on the tenant admin’s screen, activated and revoked on the platform’s', async ({ page, browser }) => {
  test.setTimeout(300_000);
  env.watch(page);
  await page.goto(env.host.url);
  await registerAndSignIn(page, env, { username: 'cassandra', password: 'cassandra', chip: /platform/ });
  const created = await invoke<{ jobId: string }>(page, 'tenant.create', { cluster: 'e2e', id: tenantId, name: 'E2E Access', adminUser: 'admin', adminPassword: ADMIN_PASSWORD });
  await expect.poll(async () => (await invoke<{ jobId: string; state: string }[]>(page, 'tenant.jobs', { cluster: 'e2e', tenant: tenantId })).find((j) => j.jobId === created.jobId)?.state, { timeout: 180_000 }).toBe('succeeded');

  const req = await invoke<{ id: string }>(page, 'support.request', { cluster: 'e2e', tenant: tenantId, minutes: 45, readOnly: true, reason: 'e2e ticket 42' });
  ids.push(req.id);
  await page.goto(`${env.host.origin}/#/access`);
  const row = page.getByTestId(`support-row-${req.id}`);
  await expect(page.getByTestId(`support-state-${req.id}`)).toHaveText('pending');
  await expect(row.getByTestId(`support-approve-${req.id}`)).toHaveCount(0); // the platform cannot approve it

  // The tenant admin's own console.
  second = await startConsole();
  const tpage = await browser.newPage();
  env.watch(tpage);
  await tpage.goto(second.url);
  await registerAndSignIn(tpage, env, { username: `tenant_${tenantId}_u_admin`, password: ADMIN_PASSWORD, chip: new RegExp(`tenant admin: ${tenantId}`) });
  await tpage.goto(`${second.origin}/#/access`);
  await tpage.getByTestId(`support-approve-${req.id}`).click();
  await tpage.getByTestId('support-approve-dialog-text').fill('approved for ticket 42');
  await tpage.getByTestId('support-approve-dialog-confirm').click();
  await expect(tpage.getByTestId(`support-state-${req.id}`)).toHaveText('approved');
  await tpage.screenshot({ path: join(SHOTS, 'access-tenant-admin.png'), fullPage: true });

  await page.getByTestId('access-refresh').click();
  await expect(page.getByTestId(`support-state-${req.id}`)).toHaveText('approved');
  await page.getByTestId(`support-activate-${req.id}`).click();
  await expect(page.getByTestId(`support-state-${req.id}`)).toHaveText('active');
  await expect(row).toContainText(new RegExp(`tenant_${tenantId}_support_[0-9a-f]{8}`));
  await expect(page.getByTestId(`support-password-hint-${req.id}`)).toContainText(`csm support credentials ${req.id} --cluster e2e --out FILE`);
  await expect(page.getByTestId(`support-expires-${req.id}`)).toHaveText(/^(44|45) min$/);
  await page.screenshot({ path: join(SHOTS, 'access-platform-active.png'), fullPage: true });

  await page.getByTestId(`support-revoke-${req.id}`).click();
  await page.getByTestId('support-revoke-dialog-text').fill('ticket closed');
  await page.getByTestId('support-revoke-dialog-confirm').click();
  await expect(page.getByTestId(`support-state-${req.id}`)).toHaveText('revoked');
  // The tenant admin sees the end too.
  await tpage.getByTestId('access-refresh').click();
  await expect(tpage.getByTestId(`support-state-${req.id}`)).toHaveText('revoked');
  expect(env.problems).toEqual([]);
  await tpage.close();
});
