import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import cassandra from 'cassandra-driver';
import { E2E_TENANT_ID, invoke, registerAndSignIn, SHOTS, useE2eConsole } from './support';

/**
 * The tenant Compliance tab end to end (issue 6 items 3–4): the real console on the real node in
 * Chromium. A tenant provisioned for real; the operator sets a boundary and PCI-DSS, reads the
 * effective policy and the controls; DC access widened behind the console's back shows as drift,
 * is fixed through the confirmation dialog, and the re-scan is clean.
 */
const env = useE2eConsole();
const id = `e2e_${BigInt(`0x${randomBytes(6).toString('hex')}`).toString(36).padStart(8, '0').slice(-8)}`;
const ADMIN_PASSWORD = 'e2e compliance tenant admin passphrase';
/** Drift ids are sha256(tenant, kind, subject)[0..16] (compliance/drift.ts). */
const driftId = (kind: string, subject: string): string => createHash('sha256').update(`${id}\u0000${kind}\u0000${subject}`).digest('hex').slice(0, 16);

test.afterAll(async () => {
  // The profile row outlives the tenant's scrub (which knows the registry, not this table).
  if (!env.contactPoint) return;
  const [host, port] = env.contactPoint.split(':');
  const c = new cassandra.Client({ contactPoints: [`${host}:${port ?? 9042}`], localDataCenter: env.dc, credentials: { username: 'cassandra', password: 'cassandra' } });
  await c.connect();
  await c.execute('DELETE FROM csm_system.compliance_profiles WHERE tenant_id = ?', [id], { prepare: true }).catch(() => undefined);
  await c.shutdown();
});

test('Compliance tab: set a boundary and PCI-DSS, see the effective policy and controls, fix planted drift from the UI', async ({ page }) => {
  test.setTimeout(300_000);
  expect(id).toMatch(E2E_TENANT_ID);
  env.watch(page);
  await page.goto(env.host.url);
  await registerAndSignIn(page, env);

  const { jobId } = await invoke<{ jobId: string }>(page, 'tenant.create', { cluster: 'e2e', id, name: `E2E Compliance ${id}`, adminUser: 'admin', adminPassword: ADMIN_PASSWORD });
  await expect
    .poll(async () => (await invoke<{ jobId: string; state: string }[]>(page, 'tenant.jobs', { cluster: 'e2e', tenant: id })).find((j) => j.jobId === jobId)?.state ?? 'unknown', { timeout: 180_000, intervals: [500, 1000, 2000] })
    .toBe('succeeded');

  await page.evaluate((h) => {
    window.location.hash = h;
  }, `#/tenants/e2e/${id}`);
  await page.getByTestId('tab-compliance').click();
  await page.getByTestId('framework-PCI-DSS').check();
  await expect(page.getByTestId('effective-minRsaBits')).toContainText('preset · PCI-DSS');
  await page.getByTestId('boundary-add').click();
  await page.getByTestId('boundary-dc-0').fill(env.dc);
  await page.getByTestId('boundary-region-0').fill('eu-west-1');
  await page.getByTestId('compliance-save').click();
  await expect(page.getByTestId('compliance-profile')).toContainText('version 1');
  await expect(page.getByTestId('effective-retentionYears')).toContainText('1');
  await expect(page.getByTestId('control-status-boundary-set')).toHaveText('pass');
  await expect(page.getByTestId('control-status-login-roles-dc-restricted')).toHaveText('pass');
  await expect(page.getByTestId('compliance-drift')).toContainText('No drift');

  const role = `tenant_${id}_u_admin`;
  const [host, port] = env.contactPoint.split(':');
  const admin = new cassandra.Client({ contactPoints: [`${host}:${port ?? 9042}`], localDataCenter: env.dc, credentials: { username: 'cassandra', password: 'cassandra' } });
  await admin.connect();
  try {
    await admin.execute(`ALTER ROLE "${role}" WITH ACCESS TO ALL DATACENTERS`);
  } finally {
    await admin.shutdown();
  }
  await page.getByTestId('compliance-rescan').click();
  const did = driftId('login-without-dc-restriction', role);
  await expect(page.getByTestId(`drift-${did}`)).toContainText(`LOGIN role ${role} may sign in through every data centre`);
  await expect(page.getByTestId('control-status-login-roles-dc-restricted')).toHaveText('fail');
  await page.screenshot({ path: join(SHOTS, 'compliance-drift.png'), fullPage: true });
  await page.getByTestId(`drift-fix-${did}`).click();
  const dialog = page.getByTestId('compliance-fix-dialog');
  await expect(dialog.getByTestId('compliance-fix-statements')).toHaveText(`ALTER ROLE "${role}" WITH ACCESS TO DATACENTERS {'${env.dc}'}`);
  await dialog.getByTestId('compliance-fix-confirm').click();
  await expect(page.getByTestId(`drift-${did}`)).toHaveCount(0);
  await expect(page.getByTestId('compliance-drift')).toContainText('No drift');
  await expect(page.getByTestId('control-status-login-roles-dc-restricted')).toHaveText('pass');
  expect(env.problems).toEqual([]);
});
