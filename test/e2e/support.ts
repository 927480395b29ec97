import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import * as cassandraNode from '../../scripts/cassandra/lib.mjs';
import { retirePlatformSigningKeys, scrubTestTenants } from '../support/stale-keys';
import { REPO_ROOT, startConsole, type RunningConsole } from '../support/web-host';

export const SHOTS = join(REPO_ROOT, 'test-results', 'screenshots');
/** The shape test/support/stale-keys.ts knows as an e2e test tenant (e2e_ + 8 base-36 characters). */
export const E2E_TENANT_ID = /^e2e_[0-9a-z]{8}$/;

export interface E2eConsole {
  readonly host: RunningConsole;
  readonly contactPoint: string;
  readonly dc: string;
  /** Console errors and page errors seen by watched pages. */
  readonly problems: string[];
  watch(page: Page): void;
}

/**
 * The shared setup of the tenancy-era specs: the real node must run; tenants earlier runs left
 * (a crash mid-run leaves a KEK under that run's throw-away master key, which the key service
 * rightly refuses to mix with a new one) are removed before and after; one real console
 * (csm serve) per spec file.
 */
export function useE2eConsole(): E2eConsole {
  let host: RunningConsole | undefined;
  let contactPoint = '';
  let dc = '';
  const problems: string[] = [];
  const scrub = () => scrubTestTenants({ contactPoint, localDc: dc, pattern: E2E_TENANT_ID });
  test.beforeAll(async () => {
    const st = await cassandraNode.status();
    if (!st.running) throw new Error('the Cassandra test node is not running: npm test starts it (or npm run cassandra:start)');
    contactPoint = st.contactPoint;
    dc = st.localDataCenter;
    await scrub();
    await retirePlatformSigningKeys(contactPoint, dc);
    host = await startConsole();
    mkdirSync(SHOTS, { recursive: true });
  });
  test.afterAll(async () => {
    await host?.stop();
    if (contactPoint) await scrub();
  });
  return {
    get host() {
      if (!host) throw new Error('the console is not started (beforeAll failed?)');
      return host;
    },
    get contactPoint() {
      return contactPoint;
    },
    get dc() {
      return dc;
    },
    problems,
    watch(page) {
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(e.message));
    },
  };
}

export type Envelope<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };

/** A channel call through the page's own session (the web host's transport), for setup and checks. */
export async function invoke<T>(page: Page, channel: string, input: unknown): Promise<T> {
  const r = (await page.evaluate(
    async ([ch, body]) => {
      const res = await fetch(`/api/invoke/${ch}`, { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return (await res.json()) as unknown;
    },
    [channel, input] as const,
  )) as Envelope<T>;
  if (!r.ok) throw new Error(`${channel}: ${r.error.code}: ${r.error.message}`);
  return r.value;
}

/**
 * From the first-run screen: register the node as cluster "e2e" through the form and sign in
 * (as the superuser unless told otherwise), until the session chip shows the expected scope.
 */
export async function registerAndSignIn(
  page: Page,
  env: Pick<E2eConsole, 'dc' | 'contactPoint'>,
  as: { username: string; password: string; chip: RegExp | string } = { username: 'cassandra', password: 'cassandra', chip: 'platform' },
): Promise<void> {
  await page.getByTestId('first-run-add-cluster').click();
  const form = page.getByTestId('cluster-form');
  await form.getByLabel('Name', { exact: true }).fill('e2e');
  await form.getByLabel('Local data centre').fill(env.dc);
  await form.getByLabel('Contact points').fill(env.contactPoint);
  await form.getByLabel('Username').fill(as.username);
  await form.getByLabel('Password', { exact: true }).fill(as.password);
  await page.getByTestId('cluster-form-submit').click();
  await expect(page.getByTestId('cluster-row-e2e')).toBeVisible();
  await page.getByTestId('sign-in-e2e').click();
  await page.getByTestId('sign-in-submit').click();
  await expect(page.getByTestId('session-chip-e2e')).toContainText(as.chip);
}

/** Wait for a tenant saga (provisioning, deletion …) to end; its final state and error. */
export async function tenantSagaEnd(page: Page, tenant: string, jobId: string, cluster = 'e2e'): Promise<{ state: string; error: string | null }> {
  let last: { state: string; error: string | null } = { state: 'unknown', error: null };
  await expect
    .poll(
      async () => {
        const jobs = await invoke<{ jobId: string; state: string; error: string | null }[]>(page, 'tenant.jobs', { cluster, tenant });
        last = jobs.find((j) => j.jobId === jobId) ?? last;
        return last.state;
      },
      { timeout: 180_000, intervals: [500, 1000, 2000] },
    )
    .toMatch(/^(succeeded|failed|rolled_back|cancelled)$/);
  return last;
}
