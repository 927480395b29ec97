import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { E2E_TENANT_ID, invoke, registerAndSignIn, SHOTS, useE2eConsole, type Envelope, tenantSagaEnd } from './support';

/**
 * The keys faces end to end: the real console (csm serve) on the real Cassandra node, driven in
 * Debian's Chromium. A tenant provisioned for real (through the channel: the wizard is
 * tenants.spec's), its Keys tab: rotate and watch the job to done with the KEK version going up,
 * export a tenant key share; on Settings, export the master key share and import it back with a
 * wrong passphrase. The tenant is deleted (purged, keys shredded) at the end.
 */
const env = useE2eConsole();
const tenantId = `e2e_${BigInt(`0x${randomBytes(6).toString('hex')}`).toString(36).padStart(8, '0').slice(-8)}`;
const ADMIN_PASSWORD = 'e2e keys tenant admin passphrase';
const SHARE_PASSPHRASE = 'e2e share passphrase, long enough';

test.beforeAll(() => {
  expect(tenantId).toMatch(E2E_TENANT_ID);
});

/** The saga helper lives in support.ts (one copy for every spec). */
const sagaEnd = (page: Page, jobId: string) => tenantSagaEnd(page, tenantId, jobId);

test('Keys end to end: rotate with live progress, tenant key share, master key share export and a refused import', async ({ page }) => {
  test.setTimeout(360_000);
  env.watch(page);
  await page.goto(env.host.url);
  await registerAndSignIn(page, env);

  // --- A real tenant (the wizard is tenants.spec's; the channel through the page's session here)
  const created = await invoke<{ jobId: string }>(page, 'tenant.create', { cluster: 'e2e', id: tenantId, name: 'E2E Keys', adminUser: 'admin', adminPassword: ADMIN_PASSWORD });
  const provisioned = await sagaEnd(page, created.jobId);
  expect(provisioned, JSON.stringify(provisioned)).toMatchObject({ state: 'succeeded' });

  try {
    // --- Keys tab -----------------------------------------------------------------------------
    await page.goto(`${env.host.origin}/#/tenants/e2e/${tenantId}`);
    await expect(page.getByTestId('tenant-detail')).toHaveAttribute('data-state', 'active');
    await page.getByTestId('tab-keys').click();
    const tab = page.getByTestId('keys-tab');
    await expect(tab.getByTestId('key-row-KEK-1')).toContainText('active');
    await expect(tab.getByTestId('key-source')).toContainText('installation master key');
    await expect(tab.getByTestId('rotation-due')).toContainText('in 90 days');
    await page.screenshot({ path: join(SHOTS, 'keys-tab.png'), fullPage: true });

    // --- Rotate: the call answers with the job id; job.progress carries it to done -------------
    // A second listener on the page's own event stream records every job.progress of the run.
    await page.evaluate(() => {
      const w = window as unknown as { __jobEvents: unknown[] };
      w.__jobEvents = [];
      new EventSource('/api/events').addEventListener('job.progress', (e) => w.__jobEvents.push(JSON.parse((e as MessageEvent<string>).data)));
    });
    await page.waitForTimeout(300); // the stream is open before the job starts
    const answered = page.waitForResponse((r) => r.url().endsWith('/api/invoke/keys.rotate'));
    await tab.getByTestId('rotate-keys').click();
    const started = (await (await answered).json()) as Envelope<{ jobId: string; label: string }>;
    expect(started.ok).toBe(true);
    if (!started.ok) return;
    const { jobId } = started.value;
    await expect(tab.getByTestId('rotation-result')).toHaveAttribute('data-state', 'succeeded', { timeout: 60_000 });
    await expect(tab.getByTestId('rotation-result')).toContainText('KEK v2 (retired v1)');
    await expect(tab.getByTestId('key-row-KEK-2')).toContainText('active');
    await expect(tab.getByTestId('key-row-KEK-1')).toContainText('retired');
    await expect(tab.getByTestId('rotation-progress')).toHaveCount(0);
    await expect(tab.getByTestId('rotate-keys')).toBeEnabled();
    await page.screenshot({ path: join(SHOTS, 'keys-rotated.png'), fullPage: true });
    const events = (await page.evaluate(() => (window as unknown as { __jobEvents: unknown[] }).__jobEvents)) as { jobId: string; state: string; step: string; fraction: number | null }[];
    const mine = events.filter((e) => e.jobId === jobId);
    expect(mine.length).toBeGreaterThan(2);
    expect(mine.at(-1)).toMatchObject({ state: 'succeeded', step: 'done', fraction: 1 });
    const fractions = mine.filter((e) => e.state === 'running' && e.fraction !== null).map((e) => e.fraction!);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(mine.map((e) => e.step)).toContain('new KEK version');
    // The Jobs screen has it too, ended.
    await page.getByTestId('nav-jobs').click();
    await expect(page.getByTestId(`job-row-${jobId}`)).toHaveAttribute('data-state', 'succeeded');
    await page.goBack();

    // --- Tenant key share from the Keys tab: a download, and the file is a sealed share --------
    await page.getByTestId('tab-keys').click();
    await page.getByTestId('tenant-share-passphrase').fill(SHARE_PASSPHRASE);
    await page.getByTestId('tenant-share-confirm').fill(SHARE_PASSPHRASE);
    const tenantDownload = page.waitForEvent('download');
    await page.getByTestId('export-tenant-share').click();
    const tdl = await tenantDownload;
    expect(tdl.suggestedFilename()).toMatch(new RegExp(`^csm-tenant-share-${tenantId}-\\d{4}-\\d{2}-\\d{2}\\.json$`));
    const tenantShare = readFileSync((await tdl.path())!, 'utf8');
    const parsed = JSON.parse(tenantShare) as Record<string, unknown>;
    expect(parsed).toMatchObject({ format: 'csm-key-share', kind: 'tenant', tenantId, kdf: expect.objectContaining({ name: expect.any(String) }) });
    expect(typeof parsed['ciphertext']).toBe('string');
    // Sealed: no KEK field, nothing in clear beyond the header; the passphrase is not in it either.
    expect(Object.keys(parsed)).not.toContain('keks');
    expect(Object.keys(parsed)).not.toContain('key');
    expect(tenantShare).not.toContain(SHARE_PASSPHRASE);
    await expect(page.getByTestId('tenant-share-done')).toContainText(tdl.suggestedFilename());
    await expect(page.getByTestId('tenant-share-passphrase')).toHaveValue('');
    await page.screenshot({ path: join(SHOTS, 'keys-tenant-share.png'), fullPage: true });

    // --- Settings: master key share export, then a refused import ------------------------------
    await page.getByTestId('nav-about').click();
    const panel = page.getByTestId('key-shares');
    await expect(panel.getByTestId('master-key-status')).toHaveText(/^[0-9a-f]{16}$/);
    const fingerprint = (await panel.getByTestId('master-key-status').textContent())!;
    await panel.getByTestId('export-master-passphrase').fill(SHARE_PASSPHRASE);
    await panel.getByTestId('export-master-confirm').fill(SHARE_PASSPHRASE);
    const masterDownload = page.waitForEvent('download');
    await panel.getByTestId('export-master').click();
    const mdl = await masterDownload;
    expect(mdl.suggestedFilename()).toBe(`csm-master-share-${fingerprint}-${new Date().toISOString().slice(0, 10)}.json`);
    const masterPath = (await mdl.path())!;
    const masterShare = JSON.parse(readFileSync(masterPath, 'utf8')) as Record<string, unknown>;
    expect(masterShare).toMatchObject({ format: 'csm-key-share', kind: 'master', masterFingerprint: fingerprint });
    expect(Object.keys(masterShare)).not.toContain('key');

    const importForm = panel.getByTestId('import-master-form');
    await importForm.getByTestId('import-master-file').setInputFiles(masterPath);
    await importForm.getByTestId('import-master-passphrase').fill('not the passphrase at all');
    await importForm.getByTestId('import-master-submit').click();
    const refused = importForm.getByTestId('form-error');
    await expect(refused).toContainText('AUTH_FAILED');
    await expect(refused).toContainText(/passphrase/i);
    await expect(importForm.getByTestId('import-master-done')).toHaveCount(0);
    // Nothing changed: the console keeps its master key.
    await expect(panel.getByTestId('master-key-status')).toHaveText(fingerprint);
    await page.screenshot({ path: join(SHOTS, 'keys-master-share-refused.png'), fullPage: true });
  } finally {
    // --- The tenant goes: purge, keys shredded --------------------------------------------------
    const del = await invoke<{ jobId: string }>(page, 'tenant.delete', { cluster: 'e2e', tenant: tenantId, purge: true, confirm: tenantId });
    const deleted = await sagaEnd(page, del.jobId);
    expect(deleted, JSON.stringify(deleted)).toMatchObject({ state: 'succeeded' });
  }

  expect(env.problems.filter((p) => !/status of 4\d\d/.test(p))).toEqual([]);
});
