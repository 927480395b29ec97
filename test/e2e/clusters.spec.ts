import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import * as cassandraNode from '../../scripts/cassandra/lib.mjs';
import { REPO_ROOT, startConsole, type RunningConsole } from '../support/web-host';

const shots = join(REPO_ROOT, 'test-results', 'screenshots');

let consoleHost: RunningConsole;
let contactPoint: string;
let dc: string;
const problems: string[] = [];

test.beforeAll(async () => {
  const st = await cassandraNode.status();
  if (!st.running) throw new Error('the Cassandra test node is not running: npm test starts it (or npm run cassandra:start)');
  contactPoint = st.contactPoint;
  dc = st.localDataCenter;
  consoleHost = await startConsole();
  mkdirSync(shots, { recursive: true });
});
test.afterAll(async () => consoleHost?.stop());

function watch(page: Page): void {
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
}

async function fillCluster(page: Page, v: { name: string; password: string; contactPoints?: string }): Promise<void> {
  const form = page.getByTestId('cluster-form');
  await form.getByLabel('Name', { exact: true }).fill(v.name);
  await form.getByLabel('Local data centre').fill(dc);
  await form.getByLabel('Contact points').fill(v.contactPoints ?? contactPoint);
  await form.getByLabel('Username').fill('cassandra');
  await form.getByLabel('Password', { exact: true }).fill(v.password);
}

test('Clusters screen end to end: first run, add, test, sign in, errors, remove', async ({ page }) => {
  watch(page);
  await page.goto(consoleHost.url);
  await expect(page).toHaveURL(new RegExp(`^${consoleHost.origin}/`));

  // First run: nothing registered yet, the sandbox is offered next to "add an existing cluster".
  await expect(page.getByTestId('first-run')).toBeVisible();
  await expect(page.getByTestId('sandbox-status')).toContainText(/Running|Not running/);
  await expect(page.getByTestId('start-sandbox')).toBeEnabled();
  await page.screenshot({ path: join(shots, 'clusters-first-run.png'), fullPage: true });

  // Client-side validation refuses a bad name before anything is sent.
  await page.getByTestId('first-run-add-cluster').click();
  await fillCluster(page, { name: 'Bad Name; DROP', password: 'cassandra' });
  await page.getByTestId('cluster-form-submit').click();
  await expect(page.getByTestId('cluster-form')).toContainText(/cluster name/i);

  await fillCluster(page, { name: 'e2e', password: 'cassandra' });
  await page.getByTestId('cluster-form-submit').click();
  const row = page.getByTestId('cluster-row-e2e');
  await expect(row).toBeVisible();
  await expect(row.getByTestId('cell-password-stored')).toContainText(/yes/i);
  await expect(page.getByText('cassandra', { exact: true }).first()).toBeVisible();

  // Test against the real node.
  await page.getByTestId('test-e2e').click();
  const report = page.getByTestId('test-report');
  await expect(report).toBeVisible();
  await expect(report.getByTestId('report-version')).toContainText(/5\.0\./);
  await expect(report.getByTestId('report-audit')).toContainText(/on/i);
  await expect(report.getByTestId('report-warnings')).toContainText(/DEFAULT_SUPERUSER/);

  // Sign in with the stored credentials: scope derived from Cassandra.
  await page.getByTestId('sign-in-e2e').click();
  await page.getByTestId('sign-in-submit').click();
  await expect(page.getByTestId('session-scope')).toBeVisible();
  await expect(page.getByTestId('scope-role')).toContainText('cassandra');
  await page.screenshot({ path: join(shots, 'clusters.png'), fullPage: true });

  // A server-side failure shows its code: a profile with a wrong password.
  await page.getByTestId('add-cluster').click();
  await fillCluster(page, { name: 'wrongpw', password: 'definitely-wrong' });
  await page.getByTestId('cluster-form-submit').click();
  await expect(page.getByTestId('cluster-row-wrongpw')).toBeVisible();
  await page.getByTestId('test-wrongpw').click();
  await expect(page.getByTestId('toast-code').filter({ hasText: 'AUTH_FAILED' })).toBeVisible();
  await page.screenshot({ path: join(shots, 'clusters-error.png'), fullPage: true });

  // Remove needs the name typed.
  for (const name of ['wrongpw', 'e2e']) {
    await page.getByTestId(`remove-${name}`).click();
    await expect(page.getByTestId('remove-confirm')).toBeDisabled();
    await page.getByTestId('remove-confirm-input').fill(name);
    await page.getByTestId('remove-confirm').click();
    await expect(page.getByTestId(`cluster-row-${name}`)).toHaveCount(0);
  }
  await expect(page.getByTestId('first-run')).toBeVisible();

  // No CSP violation or script error anywhere on the way (expected failures come as toasts).
  expect(problems.filter((p) => !/status of 4\d\d/.test(p))).toEqual([]);
});

test('the one-time sign-in link works once; without it a browser gets nothing', async ({ browser }) => {
  const own = await startConsole();
  try {
    const stranger = await browser.newContext();
    const page = await stranger.newPage();
    expect((await page.goto(own.origin + '/'))?.status()).toBe(401);
    const operator = await browser.newContext();
    const op = await operator.newPage();
    expect((await op.goto(own.url))?.status()).toBe(200);
    await expect(op.getByTestId('first-run')).toBeVisible();
    expect((await page.goto(own.url))?.status()).toBe(403);
    expect((await page.goto(own.origin + '/'))?.status()).toBe(401);
    await stranger.close();
    await operator.close();
  } finally {
    await own.stop();
  }
});

test('first run: the sandbox node is started from the UI and registered, labelled as a sandbox', async ({ page }) => {
  const own = await startConsole();
  try {
    watch(page);
    await page.goto(own.url);
    const start = page.getByTestId('start-sandbox');
    await expect(start).toBeEnabled();
    await start.click();
    const row = page.getByTestId('cluster-row-sandbox');
    await expect(row).toBeVisible({ timeout: 150_000 });
    await expect(row.getByTestId('sandbox-badge')).toBeVisible();
    await expect(row.getByTestId('cell-password-stored')).toContainText(/yes/i);
    await page.getByTestId('test-sandbox').click();
    await expect(page.getByTestId('test-report').getByTestId('report-version')).toContainText(/5\.0\./);
    await page.screenshot({ path: join(shots, 'clusters-sandbox.png'), fullPage: true });
    await page.getByTestId('remove-sandbox').click();
    await page.getByTestId('remove-confirm-input').fill('sandbox');
    await page.getByTestId('remove-confirm').click();
    await expect(row).toHaveCount(0);
  } finally {
    await own.stop();
  }
});
