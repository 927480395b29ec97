import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test, type Page } from '@playwright/test';
import * as cassandraNode from '../../scripts/cassandra/lib.mjs';
import { scrubTestTenants } from '../support/stale-keys';
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
