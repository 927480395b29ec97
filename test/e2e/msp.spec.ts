import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { E2E_TENANT_ID, invoke, registerAndSignIn, SHOTS, useE2eConsole } from './support';

/**
 * The MSP dashboard end to end: the real console (csm serve) on the real Cassandra node, driven in
 * Debian's Chromium. A tenant provisioned for real shows on the dashboard; it is selected, a
 * suspension previewed (dry run: nothing changes), applied (live per-tenant result, the row turns
 * suspended), and resumed the same way.
 */
const env = useE2eConsole();
const tenantId = `e2e_${BigInt(`0x${randomBytes(6).toString('hex')}`).toString(36).padStart(8, '0').slice(-8)}`;

test.beforeAll(() => {
  expect(tenantId).toMatch(E2E_TENANT_ID);
});

/** The registry's state of the tenant, read through the dashboard channel (not the screen). */
async function registryState(page: Page): Promise<string | undefined> {
  const d = await invoke<{ rows: { id: string; state: string }[] }>(page, 'msp.dashboard', { cluster: 'e2e' });
  return d.rows.find((r) => r.id === tenantId)?.state;
}

async function bulk(page: Page, action: 'suspend' | 'resume', expectState: string): Promise<void> {
  const row = page.getByTestId(`msp-row-e2e-${tenantId}`);
  await page.getByTestId(`msp-select-e2e-${tenantId}`).check();
  await page.getByTestId('msp-bulk').click();
  const dialog = page.getByTestId('bulk-dialog');
  await dialog.getByTestId(`bulk-action-${action}`).check();
  if (action === 'suspend') await dialog.getByTestId('bulk-reason').fill('e2e: bulk suspension');
  await dialog.getByTestId('bulk-preview').click();

  // The dry run: the plan says what would happen, and nothing has happened.
  await expect(dialog.getByTestId(`bulk-plan-e2e-${tenantId}`)).toHaveAttribute('data-will', 'run');
  await expect(dialog.getByTestId('bulk-preview-summary')).toContainText('1 of 1 tenant would change');
  expect(await registryState(page)).toBe(action === 'suspend' ? 'active' : 'suspended');
  if (action === 'suspend') await page.screenshot({ path: join(SHOTS, 'msp-bulk-preview.png') });

  await dialog.getByTestId('bulk-confirm').check();
  await dialog.getByTestId('bulk-apply').click();
  await expect(dialog.getByTestId(`bulk-result-e2e-${tenantId}`)).toHaveAttribute('data-outcome', 'ok', { timeout: 60_000 });
  await expect(dialog.getByTestId('bulk-summary')).toContainText('finished: 1 ok');
  await dialog.getByTestId('bulk-close').click();
  await expect(row).toHaveAttribute('data-state', expectState);
  expect(await registryState(page)).toBe(expectState);
}

test('MSP dashboard end to end: the tenant listed, a suspension previewed then applied, and resumed', async ({ page }) => {
  test.setTimeout(360_000);
  env.watch(page);
  await page.goto(env.host.url);
  await registerAndSignIn(page, env);

  const created = await invoke<{ jobId: string }>(page, 'tenant.create', { cluster: 'e2e', id: tenantId, name: 'E2E MSP', adminUser: 'admin', adminPassword: 'e2e msp tenant admin passphrase' });
  await expect
    .poll(async () => (await invoke<{ jobId: string; state: string }[]>(page, 'tenant.jobs', { cluster: 'e2e', tenant: tenantId })).find((j) => j.jobId === created.jobId)?.state, { timeout: 180_000, intervals: [500, 1000, 2000] })
    .toBe('succeeded');

  await page.getByTestId('nav-msp').click();
  await expect(page.getByTestId('msp-page')).toBeVisible();
  await expect(page.getByTestId('msp-totals-e2e')).toBeVisible();
  await expect(page.getByTestId('msp-metering')).toContainText('Usage metering not yet available');
  // The shared node may hold other tests' tenants: narrow the list to ours.
  await page.getByTestId('msp-filter').fill(tenantId);
  const row = page.getByTestId(`msp-row-e2e-${tenantId}`);
  await expect(row).toBeVisible();
  await expect(row).toHaveAttribute('data-state', 'active');
  await page.screenshot({ path: join(SHOTS, 'msp-dashboard.png') });

  await bulk(page, 'suspend', 'suspended');
  await expect(row).toHaveAttribute('data-health', 'warning');
  await bulk(page, 'resume', 'active');

  // Both operations are recorded in csm_system and listed, newest first (other runs' may follow).
  await expect(page.getByTestId('bulk-recent').locator('tbody tr', { hasText: tenantId })).toHaveCount(2);
  await expect(page.getByTestId('bulk-recent').locator('tbody tr').first()).toContainText('resume');

  // A template change: the tenant re-based on a stricter template, the preview naming the field that moves.
  const tpl = `e2e-strict-${tenantId.slice(4)}`;
  const [base] = await invoke<Record<string, unknown>[]>(page, 'template.list', { cluster: 'e2e' });
  const { builtIn: _builtIn, ...body } = base!;
  await invoke(page, 'template.save', { cluster: 'e2e', template: { ...body, name: tpl, description: 'e2e stricter passwords', policies: { ...(body['policies'] as Record<string, string>), 'password.min_length': '16' } } });
  try {
    await page.getByTestId(`msp-select-e2e-${tenantId}`).check();
    await page.getByTestId('msp-bulk').click();
    const dialog = page.getByTestId('bulk-dialog');
    await dialog.getByTestId('bulk-action-template').check();
    await expect(dialog.getByTestId('bulk-template').locator(`option[value="${tpl}"]`)).toHaveCount(1);
    await dialog.getByTestId('bulk-template').selectOption(tpl);
    await dialog.getByTestId('bulk-reason').fill('e2e: stricter passwords');
    await dialog.getByTestId('bulk-preview').click();
    await expect(dialog.getByTestId(`bulk-plan-e2e-${tenantId}`)).toHaveAttribute('data-will', 'run');
    await expect(dialog.getByTestId(`bulk-plan-fields-e2e-${tenantId}`).locator('li[data-path="password.minLength"]')).toContainText('12 → 16');
    expect((await invoke<{ template: { name: string } }>(page, 'config.show', { cluster: 'e2e', tenant: tenantId })).template.name).toBe('default');
    await page.screenshot({ path: join(SHOTS, 'msp-bulk-template-preview.png') });
    await dialog.getByTestId('bulk-confirm').check();
    await dialog.getByTestId('bulk-apply').click();
    await expect(dialog.getByTestId(`bulk-result-e2e-${tenantId}`)).toHaveAttribute('data-outcome', 'ok', { timeout: 60_000 });
    await dialog.getByTestId('bulk-close').click();
    const shown = await invoke<{ template: { name: string }; effective: { password: { minLength: number } } }>(page, 'config.show', { cluster: 'e2e', tenant: tenantId });
    expect([shown.template.name, shown.effective.password.minLength]).toEqual([tpl, 16]);
  } finally {
    await invoke(page, 'template.delete', { cluster: 'e2e', name: tpl }).catch(() => undefined);
  }
  expect(env.problems).toEqual([]);
});
