import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { expect, test, type Page } from '@playwright/test';
import { E2E_TENANT_ID, invoke, registerAndSignIn, SHOTS, useE2eConsole } from './support';

/**
 * Issue 7's proof in Chromium for tenant users: create a user in the Users tab (a weak password is
 * refused on the screen first, against the tenant's policy), see it listed, prove with a real
 * driver session that it signs in and may do what its template allows and no more, then lock it
 * from the UI and see the node refuse its sign-in.
 */
const env = useE2eConsole();
const id = `e2e_${BigInt(`0x${randomBytes(6).toString('hex')}`).toString(36).padStart(8, '0').slice(-8)}`;
const PASSWORD = 'Cobalt-Harbour-2931';

/** A driver session as someone: null and the reason when the node refuses the sign-in. */
async function connect(username: string, password: string): Promise<{ client: cassandra.Client } | { refused: string }> {
  const client = new cassandra.Client({ contactPoints: [env.contactPoint], localDataCenter: env.dc, credentials: { username, password } });
  try {
    await client.connect();
    return { client };
  } catch (e) {
    await client.shutdown().catch(() => undefined);
    return { refused: (e as Error).message };
  }
}

async function attempt(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return /has no (SELECT|MODIFY) permission|Unauthorized/i.test((e as Error).message) ? 'unauthorized' : `other: ${(e as Error).message}`;
  }
}

test('Users tab: a user created in Chromium signs in and does what its template allows; locked from the UI, it cannot sign in', async ({ page }) => {
  test.setTimeout(300_000);
  expect(id).toMatch(E2E_TENANT_ID);
  env.watch(page);
  await page.goto(env.host.url);
  await registerAndSignIn(page, env);

  const { jobId } = await invoke<{ jobId: string }>(page, 'tenant.create', { cluster: 'e2e', id, name: `E2E Users ${id}`, adminUser: 'admin', adminPassword: 'e2e users tenant admin passphrase' });
  await expect
    .poll(async () => (await invoke<{ jobId: string; state: string }[]>(page, 'tenant.jobs', { cluster: 'e2e', tenant: id })).find((j) => j.jobId === jobId)?.state ?? 'unknown', { timeout: 180_000, intervals: [500, 1000, 2000] })
    .toBe('succeeded');

  await page.evaluate((h) => {
    window.location.hash = h;
  }, `#/tenants/e2e/${id}`);
  await page.getByTestId('tab-users').click();
  await expect(page.getByTestId('user-row-admin')).toBeVisible();

  await page.getByTestId('user-create').click();
  const dialog = page.getByTestId('user-create-dialog');
  await expect(dialog.getByTestId('password-feedback')).toHaveAttribute('data-source', 'tenant');
  await expect(dialog.getByTestId('password-policy')).toContainText("Tenant's password policy: at least 12 characters");
  await dialog.getByTestId('user-name').fill('reader');
  await dialog.getByTestId('user-template').selectOption('read-only');
  await dialog.getByTestId('user-password').fill('reader1');
  await expect(dialog.getByTestId('password-strength')).toHaveText('weak');
  await expect(dialog.getByTestId('password-needs')).toContainText('at least 12 characters');
  await expect(dialog.getByTestId('password-needs')).toContainText('must not contain the user name');
  await dialog.getByTestId('user-create-submit').click();
  await expect(dialog.getByTestId('form-error')).toContainText('BAD_INPUT');
  await dialog.getByTestId('user-password').fill(PASSWORD);
  await expect(dialog.getByTestId('password-meets')).toBeVisible();
  await dialog.getByTestId('user-create-submit').click();
  await expect(dialog).toHaveCount(0);
  const row = page.getByTestId('user-row-reader');
  await expect(row).toContainText('read-only');
  await expect(page.getByTestId('user-lock-reader')).toHaveText('Lock');
  await page.screenshot({ path: join(SHOTS, 'users-created.png'), fullPage: true });

  // The node's own word: the new role signs in, reads its tenant's data, may not write it.
  const role = `tenant_${id}_u_reader`;
  const session = await connect(role, PASSWORD);
  if (!('client' in session)) throw new Error(`the created user could not sign in: ${session.refused}`);
  try {
    expect(await attempt(session.client.execute(`SELECT * FROM "tenant_${id}_data".events LIMIT 1`))).toBe('ok');
    expect(await attempt(session.client.execute(`INSERT INTO "tenant_${id}_data".events (bucket, at, payload) VALUES ('e2e', now(), 0x00)`))).toBe('unauthorized');
  } finally {
    await session.client.shutdown();
  }

  // Who can do what, as the tab shows it.
  await row.getByRole('button', { name: 'reader' }).click();
  await expect(page.getByTestId('user-permissions')).toContainText(`<keyspace tenant_${id}_data>`);
  await expect(page.getByTestId('user-permissions')).not.toContainText('MODIFY');

  // Locked from the UI: the node refuses the sign-in.
  await page.getByTestId('user-lock-reader').click();
  await expect(page.getByTestId('user-lock-reader')).toHaveText('Unlock');
  await expect(row).toContainText('locked');
  const locked = await connect(role, PASSWORD);
  if ('client' in locked) {
    await locked.client.shutdown();
    throw new Error('a locked user signed in');
  }
  expect(locked.refused).toMatch(/not allowed to log in|Authentication|Provided username/i);
  await page.screenshot({ path: join(SHOTS, 'users-locked.png'), fullPage: true });
  expect(env.problems).toEqual([]);
});
