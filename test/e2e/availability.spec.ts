import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { E2E_TENANT_ID, invoke, registerAndSignIn, SHOTS, useE2eConsole } from './support';

/**
 * Availability end to end (issue 12): the real console (csm serve) on the real node, in Chromium.
 * A tenant provisioned for real; its Availability tab: Probe now shows the sample (as the
 * tenant's service role, at its read consistency) and the 24 h percentage; the target editor
 * refuses 100 % and saves 99.95 %. The Health & capacity screen shows the node up, the tenant
 * in the virtualised overview, the capacity row and the placement policy's next choice.
 */
const env = useE2eConsole();
const tenantId = `e2e_${BigInt(`0x${randomBytes(6).toString('hex')}`).toString(36).padStart(8, '0').slice(-8)}`;

test.beforeAll(() => {
  expect(tenantId).toMatch(E2E_TENANT_ID);
});

async function sagaEnd(page: Page, jobId: string): Promise<string> {
  let state = 'unknown';
  await expect
    .poll(
      async () => {
        const jobs = await invoke<{ jobId: string; state: string }[]>(page, 'tenant.jobs', { cluster: 'e2e', tenant: tenantId });
        state = jobs.find((j) => j.jobId === jobId)?.state ?? state;
        return state;
      },
      { timeout: 180_000, intervals: [500, 1000, 2000] },
    )
    .toMatch(/^(succeeded|failed|rolled_back|cancelled)$/);
  return state;
}

test('Availability tab: probe now, sample and percentage, target; Health & capacity: node up, tenant listed', async ({ page }) => {
  test.setTimeout(360_000);
  env.watch(page);
  await page.goto(env.host.url);
  await registerAndSignIn(page, env);
  const created = await invoke<{ jobId: string }>(page, 'tenant.create', { cluster: 'e2e', id: tenantId, name: 'E2E Availability', adminUser: 'admin', adminPassword: 'e2e availability admin passphrase' });
  expect(await sagaEnd(page, created.jobId)).toBe('succeeded');

  try {
    await page.goto(`${env.host.origin}/#/tenants/e2e/${tenantId}`);
    await expect(page.getByTestId('tenant-detail')).toHaveAttribute('data-state', 'active');
    await page.getByTestId('tab-availability').click();
    const tab = page.getByTestId('availability-tab');
    await expect(tab.getByTestId('avail-target')).toContainText('Target 99.9 % (default)');
    await expect(tab.getByTestId('avail-target')).toContainText('probed every 60 s by this console');

    await tab.getByTestId('avail-probe').click();
    const sample = tab.getByTestId('avail-sample').filter({ hasText: 'manual' }).first();
    await expect(sample).toHaveAttribute('data-ok', 'true');
    await expect(sample).toContainText(`tenant_${tenantId}_svc · LOCAL_QUORUM · tenant_${tenantId}_data`);
    await expect(tab.getByTestId('avail-latest')).toContainText(/Latest probe .*: ok in/);
    await expect(tab.getByTestId('avail-pct-24h')).toHaveText('100.000 %');
    await expect(tab.getByTestId('avail-budget-24h')).toContainText('of 1.44 min');
    await expect(tab.getByTestId('avail-chart').getByTestId('avail-bar')).toHaveCount(24);
    await expect(tab.getByTestId('avail-ok')).toBeVisible();
    await page.screenshot({ path: join(SHOTS, 'availability-tab.png'), fullPage: true });

    // Target editor: 100 % is refused in the form (no budget left), 99.95 % is saved.
    await tab.getByTestId('avail-target-input').fill('100');
    await expect(tab.getByTestId('avail-target-save')).toBeDisabled();
    await expect(tab.locator('#avail-target-error')).toContainText('at most 99.999');
    await tab.getByTestId('avail-target-input').fill('99.95');
    await tab.getByTestId('avail-target-save').click();
    await expect(tab.getByTestId('avail-target')).toContainText('Target 99.95 % — set by cassandra');
    await expect(tab.getByTestId('avail-budget-24h')).toContainText('of 0.72 min');

    // --- Health & capacity ------------------------------------------------------------------
    await page.getByTestId('nav-health').click();
    const health = page.getByTestId('health-page');
    await expect(health.getByTestId('health-summary-e2e')).toContainText(/[1-9]\d* up, 0 down/);
    await expect(health.getByTestId('health-node').first()).toHaveAttribute('data-up', 'true');
    await expect(health.getByTestId(`health-dc-${env.dc}`)).toBeVisible();
    await health.locator('#overview-filter-e2e').fill(tenantId);
    await expect(health.getByTestId(`overview-${tenantId}`)).toContainText('100.000 %');
    await expect(health.getByTestId(`overview-${tenantId}`)).toContainText('99.95 %');
    await expect(health.getByTestId('capacity-e2e')).toBeVisible();
    await expect(health.getByTestId('capacity-placement')).toContainText('Next tenant goes to e2e');
    await page.screenshot({ path: join(SHOTS, 'health-capacity.png'), fullPage: true });
  } finally {
    const del = await invoke<{ jobId: string }>(page, 'tenant.delete', { cluster: 'e2e', tenant: tenantId, purge: true, confirm: tenantId });
    expect(await sagaEnd(page, del.jobId)).toBe('succeeded');
  }

  expect(env.problems.filter((p) => !/status of 4\d\d/.test(p))).toEqual([]);
});
