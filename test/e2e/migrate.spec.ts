import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import cassandra from 'cassandra-driver';
import * as cassandraNode from '../../scripts/cassandra/lib.mjs';
import { REPO_ROOT } from '../support/web-host';
import { E2E_TENANT_ID, invoke, registerAndSignIn, SHOTS, tenantSagaEnd, useE2eConsole } from './support';

/**
 * The Migrate wizard end to end (issue 11 item 5): the real console (csm serve) in Chromium with
 * two real clusters — the shared e2e node and a node of this spec's own (CQL 9193, storage 7151)
 * registered and signed in through the Clusters screen. A tenant provisioned for real on the e2e
 * node, with rows, is moved by the wizard (tenant and target → review → start): the live phase
 * stepper advances in order to all phases done, the operation succeeds and the verification report
 * says identical. On the nodes themselves: the rows are on the target, nothing of the tenant is
 * left on the source, and the tenant's user signs in on the target with the password it had.
 */
const env = useE2eConsole();
test.use({ actionTimeout: 60_000 });

const TARGET = 'e2e-mig';
const TARGET_PORT = 9193;
const TARGET_STORAGE_PORT = '7151';
const TARGET_CONTACT = `127.0.0.1:${TARGET_PORT}`;
const PHASES = ['copy', 'verify', 'cutover', 'switch', 'cleanup'] as const;
const ROWS = 7;
const BOSS_PASSWORD = 'e2e migrate boss passphrase';
const SUPERUSER = { username: 'cassandra', password: 'cassandra' };

const tenantId = `e2e_${BigInt(`0x${randomBytes(6).toString('hex')}`).toString(36).padStart(8, '0').slice(-8)}`;
let home = '';
let targetDc = '';

test.beforeAll(async () => {
  test.setTimeout(300_000);
  expect(tenantId).toMatch(E2E_TENANT_ID);
  home = mkdtempSync(join(tmpdir(), 'csm-e2e-migrate-node-'));
  symlinkSync(join(REPO_ROOT, '.cassandra', 'lib'), join(home, 'lib'));
  // The storage port is read from the environment only: ours while this node starts, then as it was.
  const saved = process.env['CSM_CASSANDRA_STORAGE_PORT'];
  process.env['CSM_CASSANDRA_STORAGE_PORT'] = TARGET_STORAGE_PORT;
  try {
    const st = await cassandraNode.start({ home, port: TARGET_PORT, log: () => {} });
    expect(st.contactPoint).toBe(TARGET_CONTACT);
    targetDc = st.localDataCenter;
  } finally {
    if (saved === undefined) delete process.env['CSM_CASSANDRA_STORAGE_PORT'];
    else process.env['CSM_CASSANDRA_STORAGE_PORT'] = saved;
  }
});

test.afterAll(async () => {
  test.setTimeout(120_000);
  if (!home) return;
  await cassandraNode.stop({ home, log: () => {} }).catch(() => undefined);
  rmSync(home, { recursive: true, force: true });
});

async function withClient<T>(contactPoint: string, dc: string, credentials: { username: string; password: string }, fn: (c: cassandra.Client) => Promise<T>): Promise<T> {
  const c = new cassandra.Client({ contactPoints: [contactPoint], localDataCenter: dc, credentials, monitorReporting: { enabled: false } });
  try {
    await c.connect();
    return await fn(c);
  } finally {
    await c.shutdown();
  }
}

/** The payloads of the tenant's events table, sorted (order-independent). */
async function payloads(c: cassandra.Client, tenant: string): Promise<string[]> {
  const rs = await c.execute(`SELECT payload FROM "tenant_${tenant}_data".events`, [], { fetchSize: 1000 });
  return rs.rows.map((r) => (r['payload'] as Buffer).toString('hex')).sort();
}

/** The tenant's keyspaces and roles on one node. */
async function tenantObjects(c: cassandra.Client, tenant: string): Promise<{ keyspaces: string[]; roles: string[] }> {
  return {
    keyspaces: (await c.execute('SELECT keyspace_name FROM system_schema.keyspaces')).rows.map((r) => String(r['keyspace_name'])).filter((k) => k.startsWith(`tenant_${tenant}_`)).sort(),
    roles: (await c.execute('LIST ROLES')).rows.map((r) => String(r['role'])).filter((r) => r.startsWith(`tenant_${tenant}_`)).sort(),
  };
}

/** Register the spec's own node through the Clusters screen and sign in to it with platform scope. */
async function addTargetCluster(page: Page): Promise<void> {
  await page.getByTestId('add-cluster').click();
  const form = page.getByTestId('cluster-form');
  await form.getByLabel('Name', { exact: true }).fill(TARGET);
  await form.getByLabel('Local data centre').fill(targetDc);
  await form.getByLabel('Contact points').fill(TARGET_CONTACT);
  await form.getByLabel('Username').fill(SUPERUSER.username);
  await form.getByLabel('Password', { exact: true }).fill(SUPERUSER.password);
  await page.getByTestId('cluster-form-submit').click();
  await expect(page.getByTestId(`cluster-row-${TARGET}`)).toBeVisible();
  await page.getByTestId(`sign-in-${TARGET}`).click();
  await page.getByTestId('sign-in-submit').click();
  await expect(page.getByTestId(`session-chip-${TARGET}`)).toContainText('platform');
  await expect(page.getByTestId('session-chip-e2e')).toContainText('platform');
}

/** A tenant saga's final state and error (what a failure message needs, no more). */
async function sagaEnd(page: Page, tenant: string, jobId: string, cluster: string): Promise<{ state: string; error: string | null }> {
  const { state, error } = await tenantSagaEnd(page, tenant, jobId, cluster);
  return { state, error };
}

/** Purge-delete the tenant wherever the console still lists it (the target after a move, the source otherwise). */
async function deleteTenant(page: Page, tenant: string): Promise<void> {
  const list = await invoke<{ id: string; cluster: string; state: string }[]>(page, 'tenant.list', { refresh: true });
  for (const t of list.filter((x) => x.id === tenant && x.state !== 'deleted')) {
    const del = await invoke<{ jobId: string }>(page, 'tenant.delete', { cluster: t.cluster, tenant, purge: true, confirm: tenant });
    expect(await sagaEnd(page, tenant, del.jobId, t.cluster), `purge of ${t.cluster}/${tenant}`).toEqual({ state: 'succeeded', error: null });
  }
}

/**
 * Records every state the phase stepper shows, from before the wizard starts: one snapshot
 * ("copy:running verify:pending …") per DOM change of a phase step.
 */
async function recordStepper(page: Page): Promise<void> {
  await page.evaluate((ids) => {
    const w = window as unknown as { __phaseLog: string[]; __phaseObserver?: MutationObserver };
    w.__phaseLog = [];
    const snap = (): void => {
      const steps = ids.map((id) => document.querySelector(`[data-testid="migrate-phase-${id}"]`));
      if (steps.some((s) => !s)) return;
      const line = ids.map((id, i) => `${id}:${steps[i]!.getAttribute('data-state') ?? '?'}`).join(' ');
      if (w.__phaseLog.at(-1) !== line) w.__phaseLog.push(line);
    };
    w.__phaseObserver?.disconnect();
    w.__phaseObserver = new MutationObserver(snap);
    w.__phaseObserver.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
  }, [...PHASES]);
}

const stepperLog = (page: Page): Promise<string[]> => page.evaluate(() => (window as unknown as { __phaseLog: string[] }).__phaseLog.slice());

test('Migrate wizard: a tenant with data moves to a second real cluster, live phases to done, identical report; its user signs in on the target', async ({ page }) => {
  test.setTimeout(900_000);
  env.watch(page);
  await page.goto(env.host.url);
  await registerAndSignIn(page, env);
  await addTargetCluster(page);

  const created = await invoke<{ jobId: string }>(page, 'tenant.create', { cluster: 'e2e', id: tenantId, name: 'E2E Migrate', adminUser: 'boss', adminPassword: BOSS_PASSWORD });
  expect(await sagaEnd(page, tenantId, created.jobId, 'e2e')).toEqual({ state: 'succeeded', error: null });
  const before = await withClient(env.contactPoint, env.dc, SUPERUSER, async (su) => {
    for (let i = 0; i < ROWS; i++) {
      await su.execute(`INSERT INTO "tenant_${tenantId}_data".events (bucket, at, payload) VALUES (?, now(), ?)`, ['e2e', Buffer.from(`row ${i} of ${tenantId}`)], { prepare: true });
    }
    return { rows: await payloads(su, tenantId), objects: await tenantObjects(su, tenantId) };
  });
  expect(before.rows).toHaveLength(ROWS);
  expect(before.objects.keyspaces).toContain(`tenant_${tenantId}_data`);
  expect(before.objects.roles).toContain(`tenant_${tenantId}_u_boss`);

  try {
    // --- The wizard: tenant and target → review → start ------------------------------------------
    await page.goto(`${env.host.origin}/#/migrations`);
    const screen = page.getByTestId('migrations-page');
    await screen.getByTestId('open-migrate').click();
    const wiz = page.getByTestId('migrate-wizard');
    await expect(wiz.getByTestId('migrate-step-choose')).toHaveAttribute('aria-current', 'step');
    await expect(wiz.getByTestId('migrate-next')).toBeDisabled();
    await expect(wiz.getByTestId('migrate-tenant').locator(`option[value="e2e/${tenantId}"]`)).toHaveCount(1);
    await wiz.getByTestId('migrate-tenant').selectOption(`e2e/${tenantId}`);
    // The source cluster is not offered as a target; the second cluster is.
    await expect(wiz.getByTestId('migrate-to').locator('option[value="e2e"]')).toHaveCount(0);
    await wiz.getByTestId('migrate-to').selectOption(TARGET);
    await wiz.getByTestId('migrate-next').click();
    await expect(wiz.getByTestId('migrate-step-review')).toHaveAttribute('aria-current', 'step');
    const review = wiz.getByTestId('migrate-review');
    await expect(review).toContainText(tenantId);
    await expect(review).toContainText(TARGET);
    await recordStepper(page);
    await wiz.getByTestId('migrate-start').click();

    // --- Live progress: the stepper advances phase by phase, then the operation ends ------------
    await expect(wiz.getByTestId('migrate-step-run')).toHaveAttribute('aria-current', 'step');
    const op = wiz.getByTestId('op-view');
    await expect(op.getByTestId('migrate-phases')).toBeVisible();
    await expect(op).toHaveAttribute('data-state', /^(succeeded|failed|aborted|interrupted)$/, { timeout: 600_000 });
    const outcome = op.getByTestId('op-outcome');
    expect(await op.getAttribute('data-state'), (await outcome.textContent()) ?? '').toBe('succeeded');
    for (const p of PHASES) await expect(op.getByTestId(`migrate-phase-${p}`)).toHaveAttribute('data-state', 'done');
    await expect(op.getByTestId('migrate-abort')).toHaveCount(0);
    await expect(outcome).toContainText(`into ${TARGET}/${tenantId}`);

    const log = await stepperLog(page);
    // While it ran, the stepper showed each phase running in turn. Copy (export and load), verify
    // (digests of every table), cut-over (the freeze waits out the permission cache) and clean-up
    // (the source's decommissioning) take seconds each; the switch (a registry write) may be over
    // between two renders, so it is not required to have been seen.
    const running = log.map((line) => PHASES.find((p) => line.includes(`${p}:running`))).filter((p): p is (typeof PHASES)[number] => p !== undefined);
    const shown = running.filter((p, i) => p !== running[i - 1]);
    expect(shown.filter((p) => p !== 'switch'), `stepper states seen: ${JSON.stringify(log)}`).toEqual(['copy', 'verify', 'cutover', 'cleanup']);
    // Phases only ever advance: never back to an earlier one, and a phase once done stays done.
    const order = running.map((p) => PHASES.indexOf(p));
    expect(order, `stepper states seen: ${JSON.stringify(log)}`).toEqual([...order].sort((a, b) => a - b));
    for (const p of PHASES) {
      const firstDone = log.findIndex((line) => line.includes(`${p}:done`));
      expect(firstDone, `${p} shown done: ${JSON.stringify(log)}`).toBeGreaterThanOrEqual(0);
      expect(log.slice(firstDone).every((line) => line.includes(`${p}:done`)), `${p} stays done: ${JSON.stringify(log)}`).toBe(true);
    }
    expect(log.at(-1)).toBe(PHASES.map((p) => `${p}:done`).join(' '));
    test.info().annotations.push({ type: 'stepper', description: `${shown.join(' → ')} (${log.length} states)` });

    // --- The verification report: identical, nothing marked --------------------------------------
    const report = outcome.getByTestId('verification-report');
    await expect(report).toHaveAttribute('data-ok', 'true');
    await expect(report.getByTestId('report-ok')).toHaveText('verified: identical');
    await expect(report.getByTestId('report-failed')).toHaveCount(0);
    const tables = report.getByTestId('report-tables');
    await expect(tables.locator('tbody tr')).not.toHaveCount(0);
    await expect(tables.locator('tr[data-ok="false"]')).toHaveCount(0);
    await expect(tables.locator('.port-mismatch, .port-diff')).toHaveCount(0);
    const events = tables.getByTestId(`report-table-tenant_${tenantId}_data.events`);
    await expect(events).toHaveAttribute('data-ok', 'true');
    await expect(events.getByTestId('report-source-rows')).toHaveText(String(ROWS));
    await expect(events.getByTestId('report-target-rows')).toHaveText(String(ROWS));
    // Grants: the same on both sides. What the cut-over freeze paused at the (now removed) source
    // counts as held on both sides, and a note says how much was paused — no false mismatch.
    await expect(report.locator('[data-testid="report-grant"][data-side="both"]')).not.toHaveCount(0);
    await expect(report.locator('[data-testid="report-grant"]:not([data-side="both"])')).toHaveCount(0);
    await expect(report.getByTestId('report-notes')).toContainText('paused at the source by the cut-over freeze');
    await page.screenshot({ path: join(SHOTS, 'migrate-report.png'), fullPage: true });

    await wiz.getByTestId('migrate-close').click();
    await expect(wiz).toHaveCount(0);
    const row = screen.getByTestId('ops-list').locator('tr[data-kind="migrate"]').filter({ hasText: `e2e/${tenantId} → ${TARGET}/${tenantId}` });
    await expect(row).toHaveCount(1);
    await expect(row).toHaveAttribute('data-state', 'succeeded');
    await expect(row.getByTestId('op-phase')).toHaveText('done');
    await page.screenshot({ path: join(SHOTS, 'migrate-operations.png'), fullPage: true });

    // The console now places the tenant on the target, active; on the source it is deleted.
    const listed = await invoke<{ id: string; cluster: string; state: string }[]>(page, 'tenant.list', { refresh: true });
    expect(listed.filter((t) => t.id === tenantId).map((t) => `${t.cluster}:${t.state}`).sort()).toEqual([`${TARGET}:active`, 'e2e:deleted'].sort());

    // --- On the real nodes ------------------------------------------------------------------------
    // The source: no keyspace, no role of the tenant is left.
    expect(await withClient(env.contactPoint, env.dc, SUPERUSER, (su) => tenantObjects(su, tenantId))).toEqual({ keyspaces: [], roles: [] });
    // The target: the same keyspaces and roles, the same rows.
    await withClient(TARGET_CONTACT, targetDc, SUPERUSER, async (su) => {
      expect(await tenantObjects(su, tenantId)).toEqual(before.objects);
      expect(await payloads(su, tenantId)).toEqual(before.rows);
    });
    // The tenant's user signs in on the target with the password it had (its bcrypt hash moved with it) and reads its rows.
    const asBoss = await withClient(TARGET_CONTACT, targetDc, { username: `tenant_${tenantId}_u_boss`, password: BOSS_PASSWORD }, (c) => payloads(c, tenantId));
    expect(asBoss).toEqual(before.rows);
  } finally {
    await deleteTenant(page, tenantId);
  }
  // Purged on the target: nothing of the tenant is left there either.
  expect(await withClient(TARGET_CONTACT, targetDc, SUPERUSER, (su) => tenantObjects(su, tenantId))).toEqual({ keyspaces: [], roles: [] });

  expect(env.problems.filter((p) => !/status of 4\d\d/.test(p))).toEqual([]);
});
