import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { E2E_TENANT_ID, invoke, registerAndSignIn, SHOTS, useE2eConsole } from './support';

/**
 * Issue 7's proof in Chromium: change a policy in the Policies tab (a bad value is refused inline
 * first) and see the new version, with its reason and diff, in the Configuration tab's history.
 * Also: brand colours reach the page through CSSOM custom properties under the strict CSP.
 */
const env = useE2eConsole();
const id = `e2e_${BigInt(`0x${randomBytes(6).toString('hex')}`).toString(36).padStart(8, '0').slice(-8)}`;

test('Policies tab: a bad value is refused inline, a good one becomes a new version in the history', async ({ page }) => {
  test.setTimeout(300_000);
  expect(id).toMatch(E2E_TENANT_ID);
  env.watch(page);
  await page.goto(env.host.url);
  await registerAndSignIn(page, env);

  const { jobId } = await invoke<{ jobId: string }>(page, 'tenant.create', { cluster: 'e2e', id, name: `E2E Config ${id}`, adminUser: 'admin', adminPassword: 'e2e config tenant admin passphrase' });
  await expect
    .poll(
      async () => {
        const j = (await invoke<{ jobId: string; state: string; error: string | null }[]>(page, 'tenant.jobs', { cluster: 'e2e', tenant: id })).find((x) => x.jobId === jobId);
        return j ? `${j.state}${j.error ? `: ${j.error}` : ''}` : 'unknown';
      },
      { timeout: 180_000, intervals: [500, 1000, 2000] },
    )
    .toBe('succeeded');

  await page.evaluate((h) => {
    window.location.hash = h;
  }, `#/tenants/e2e/${id}`);
  await page.getByTestId('tab-policies').click();
  await expect(page.getByTestId('policies-version')).toContainText('version 0');
  const minLength = page.getByTestId('policy-password-minLength');
  await expect(minLength).toHaveValue('12');
  await minLength.fill('3');
  await expect(page.getByTestId('policy-password-minLength-error')).toBeVisible();
  await page.getByTestId('policy-reason').fill('stronger passwords for the audit');
  await expect(page.getByTestId('policies-save')).toBeDisabled();
  await minLength.fill('16');
  await expect(page.getByTestId('policy-password-minLength-error')).toHaveCount(0);
  await page.getByTestId('policies-save').click();
  await expect(page.getByTestId('policies-version')).toContainText('version 2');

  await page.getByTestId('tab-configuration').click();
  await expect(page.getByTestId('config-field-password.minLength')).toHaveAttribute('data-origin', 'overridden');
  const v2 = page.getByTestId('config-history-v2');
  await expect(v2).toContainText('stronger passwords for the audit');
  await expect(v2).toContainText('password.minLength');
  await page.getByTestId('config-diff').click();
  await expect(page.getByTestId('config-diff-table')).toContainText('16');
  await page.screenshot({ path: join(SHOTS, 'config-history.png'), fullPage: true });

  await page.getByTestId('tab-branding').click();
  await page.getByTestId('branding-primary').fill('#123456');
  const preview = page.getByTestId('branding-preview');
  await expect.poll(() => preview.evaluate((el) => getComputedStyle(el).getPropertyValue('--tenant-primary').trim())).toBe('#123456');
  expect(env.problems.filter((p) => /Content Security Policy|Refused/.test(p))).toEqual([]);
});
