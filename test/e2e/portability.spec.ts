import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';
import cassandra from 'cassandra-driver';
import { E2E_TENANT_ID, invoke, registerAndSignIn, SHOTS, useE2eConsole } from './support';

/**
 * Portability end to end (issue 11): the real console (csm serve) on the real node, in Chromium.
 * A tenant provisioned for real with rows in its data keyspace; on Migration & export: export it
 * with data to a file (live progress, then the operation succeeded), inspect the file (manifest,
 * signature and checksums), import it under a new id and see the verification report say
 * identical (rows and digests per table, grants). On the tenant's Backups tab: Back up now, the
 * backup listed with its rows and hash, and the RPO badge measured against it; Verify restores it
 * into a scratch tenant and the report says identical, the row verified and the RTO measured.
 */
const env = useE2eConsole();
// An action that cannot happen (a missing option, a disabled button) fails in a minute, not at the test's end.
test.use({ actionTimeout: 60_000 });
const id36 = (): string => `e2e_${BigInt(`0x${randomBytes(6).toString('hex')}`).toString(36).padStart(8, '0').slice(-8)}`;
const tenantId = id36();
const copyId = id36();
const bundle = join(tmpdir(), `csm-e2e-${tenantId}.csmb`);
const ROWS = 5;

test.beforeAll(() => {
  expect(tenantId).toMatch(E2E_TENANT_ID);
  expect(copyId).toMatch(E2E_TENANT_ID);
});
test.afterAll(() => {
  rmSync(bundle, { force: true });
  rmSync(`${bundle}.partial`, { force: true });
});

/** Waits for a tenant saga to end; its final state, with the error when it did not succeed. */
async function sagaEnd(page: Page, tenant: string, jobId: string): Promise<string> {
  let state = 'unknown';
  let error: string | null = null;
  await expect
    .poll(
      async () => {
        const jobs = await invoke<{ jobId: string; state: string; error?: string | null }[]>(page, 'tenant.jobs', { cluster: 'e2e', tenant });
        const saga = jobs.find((j) => j.jobId === jobId);
        state = saga?.state ?? state;
        error = saga?.error ?? null;
        return state;
      },
      { timeout: 180_000, intervals: [500, 1000, 2000] },
    )
    .toMatch(/^(succeeded|failed|rolled_back|cancelled)$/);
  return state === 'succeeded' ? state : `${state}: ${error ?? '?'}`;
}

async function insertRows(tenant: string): Promise<void> {
  const client = new cassandra.Client({ contactPoints: [env.contactPoint], localDataCenter: env.dc, credentials: { username: 'cassandra', password: 'cassandra' } });
  try {
    for (let i = 0; i < ROWS; i++) {
      await client.execute(`INSERT INTO "tenant_${tenant}_data".events (bucket, at, payload) VALUES (?, now(), ?)`, ['e2e', Buffer.from([i])], { prepare: true });
    }
  } finally {
    await client.shutdown();
  }
}

/** Waits for an operation view to end; fails with the operation's own outcome (its error) unless it succeeded. */
async function ended(view: Locator, timeout: number): Promise<void> {
  await expect(view).toHaveAttribute('data-state', /^(succeeded|failed|aborted|interrupted)$/, { timeout });
  const outcome = (await view.getByTestId('op-outcome').textContent()) ?? '';
  expect(await view.getAttribute('data-state'), outcome).toBe('succeeded');
}

async function deleteTenant(page: Page, tenant: string): Promise<void> {
  const list = await invoke<{ id: string; cluster: string; state: string }[]>(page, 'tenant.list', {});
  if (!list.some((t) => t.id === tenant && t.cluster === 'e2e' && t.state !== 'deleted')) return;
  const del = await invoke<{ jobId: string }>(page, 'tenant.delete', { cluster: 'e2e', tenant, purge: true, confirm: tenant });
  expect(await sagaEnd(page, tenant, del.jobId)).toBe('succeeded');
}

test('Migration & export: export with data, inspect, import under a new id with an identical report; Backups: back up now, listed with RPO status', async ({ page }) => {
  test.setTimeout(900_000);
  env.watch(page);
  await page.goto(env.host.url);
  await registerAndSignIn(page, env);
  const created = await invoke<{ jobId: string }>(page, 'tenant.create', { cluster: 'e2e', id: tenantId, name: 'E2E Portability', adminUser: 'admin', adminPassword: 'e2e portability admin passphrase' });
  expect(await sagaEnd(page, tenantId, created.jobId)).toBe('succeeded');
  await insertRows(tenantId);

  try {
    // --- Export ---------------------------------------------------------------------------------
    await page.getByTestId('nav-migrations').click();
    const screen = page.getByTestId('migrations-page');
    await screen.getByTestId('open-export').click();
    const exp = page.getByTestId('export-dialog');
    await expect(exp.getByTestId('export-tenant').locator(`option[value="e2e/${tenantId}"]`)).toHaveCount(1);
    await exp.getByTestId('export-tenant').selectOption(`e2e/${tenantId}`);
    await exp.getByTestId('export-out').fill(bundle);
    await expect(exp.getByTestId('export-with-data')).not.toBeChecked();
    await exp.getByTestId('export-with-data').check();
    await exp.getByTestId('export-submit').click();
    const expOp = exp.getByTestId('op-view');
    await ended(expOp, 180_000);
    await expect(expOp.getByTestId('op-outcome')).toContainText(bundle);
    await expect(expOp.getByTestId('op-outcome')).toContainText(/sha256 [0-9a-f]{12}/);
    await page.screenshot({ path: join(SHOTS, 'portability-export.png'), fullPage: true });
    await exp.getByTestId('export-close').click();
    const exportRow = screen.getByTestId('ops-list').locator('tr[data-kind="export"]').filter({ hasText: tenantId }).first();
    await expect(exportRow).toHaveAttribute('data-state', 'succeeded');

    // --- Inspect, then import under a new id ----------------------------------------------------
    await screen.getByTestId('open-import').click();
    const imp = page.getByTestId('import-dialog');
    await expect(imp.getByTestId('import-submit')).toBeDisabled();
    await imp.getByTestId('import-path').fill(bundle);
    await imp.getByTestId('import-inspect').click();
    const info = imp.getByTestId('bundle-info');
    await expect(info.getByTestId('bundle-signature')).toHaveText('signature valid');
    await expect(info.getByTestId('bundle-complete')).toContainText('checksums match');
    await expect(info.getByTestId('bundle-tenant')).toHaveText(tenantId);
    await expect(info.getByTestId('bundle-content')).toContainText('with data');
    await expect(imp.getByTestId('import-cluster')).toHaveValue('e2e');
    await imp.getByTestId('import-new-id').fill(copyId);
    await imp.getByTestId('import-submit').click();
    const impOp = imp.getByTestId('op-view');
    await ended(impOp, 240_000);
    const report = impOp.getByTestId('verification-report');
    await expect(report).toHaveAttribute('data-ok', 'true');
    await expect(report.getByTestId('report-ok')).toBeVisible();
    await expect(report.getByTestId('report-tables').locator('tr[data-ok="false"]')).toHaveCount(0);
    const events = report.getByTestId('report-tables').locator('tr').filter({ hasText: '.events' }).first();
    await expect(events.getByTestId('report-source-rows')).toHaveText(String(ROWS));
    await expect(events.getByTestId('report-target-rows')).toHaveText(String(ROWS));
    await expect(report.locator('[data-testid="report-grant"]:not([data-side="both"])')).toHaveCount(0);
    await page.screenshot({ path: join(SHOTS, 'portability-import-report.png'), fullPage: true });
    await imp.getByTestId('import-close').click();
    await expect(screen.getByTestId('ops-list').locator('tr[data-kind="import"]').filter({ hasText: copyId }).first()).toHaveAttribute('data-state', 'succeeded');
    const imported = await invoke<{ id: string; cluster: string; state: string }[]>(page, 'tenant.list', { refresh: true });
    expect(imported.find((t) => t.id === copyId && t.cluster === 'e2e')?.state).toBe('active');

    // --- Backups tab ----------------------------------------------------------------------------
    await page.goto(`${env.host.origin}/#/tenants/e2e/${tenantId}`);
    await expect(page.getByTestId('tenant-detail')).toHaveAttribute('data-state', 'active');
    await page.getByTestId('tab-backups').click();
    const tab = page.getByTestId('backups-tab');
    // No backup yet: the RPO is missed, and says why.
    await expect(tab.getByTestId('backup-rpo-badge')).toHaveText('RPO missed');
    await expect(tab.getByTestId('backup-rpo-figures')).toContainText('no good backup yet');
    await tab.getByTestId('backup-now').click();
    const bkOp = tab.getByTestId('op-view');
    await ended(bkOp, 180_000);
    const rows = tab.getByTestId('backup-list').locator('tbody tr');
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toContainText('manual');
    await expect(rows.first().getByTestId('backup-verified')).toHaveText('never');
    await expect(rows.first()).toContainText(/[0-9a-f]{12}/);
    // A backup taken seconds ago is within any RPO target the policy allows (at least a minute).
    await expect(tab.getByTestId('backup-rpo-badge')).toHaveText('RPO met');
    await expect(tab.getByTestId('backup-rpo-figures')).toContainText(/newest good backup [0-9.]+ min old · target/);
    await page.screenshot({ path: join(SHOTS, 'portability-backups.png'), fullPage: true });

    // Verify: restores into a scratch tenant, compares, removes it; the row says verified ok and the RTO is measured.
    const backupOp = await bkOp.getAttribute('data-operation');
    await rows.first().getByTestId('backup-verify').click();
    await expect(bkOp).not.toHaveAttribute('data-operation', backupOp ?? '');
    await ended(bkOp, 300_000);
    await expect(bkOp.getByTestId('verification-report')).toHaveAttribute('data-ok', 'true');
    await expect(bkOp.getByTestId('report-tables').locator('tr[data-ok="false"]')).toHaveCount(0);
    await expect(rows.first().getByTestId('backup-verified')).toContainText(/^ok /);
    await expect(tab.getByTestId('backup-rto-figures')).toContainText(/last restore took [0-9.]+ min · target/);
    await page.screenshot({ path: join(SHOTS, 'portability-backup-verified.png'), fullPage: true });
  } finally {
    await deleteTenant(page, copyId);
    await deleteTenant(page, tenantId);
  }

  expect(env.problems.filter((p) => !/status of 4\d\d/.test(p))).toEqual([]);
});
