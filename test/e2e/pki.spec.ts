import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { E2E_TENANT_ID, invoke, registerAndSignIn, SHOTS, useE2eConsole, tenantSagaEnd } from './support';

/**
 * The Certificates tab end to end: the real console (csm serve) on the real Cassandra node, driven
 * in Debian's Chromium. A tenant provisioned for real; on its Certificates tab the CA is created if
 * provisioning did not, a client certificate is issued into a temp directory (the files are on
 * disk, openssl parses the certificate and verifies it against the written chain, the key file is
 * 0600), issuing again into the same directory is refused in place with the form kept, the
 * certificate is in the table (and filtered out by a text nothing matches), exported as a PKCS#12
 * that openssl opens with the password, revoked with a reason, shown revoked, and a CRL signed to a file
 * that openssl reads and that lists it. The tenant is deleted (purged) at the end.
 */
const env = useE2eConsole();
const tenantId = `e2e_${BigInt(`0x${randomBytes(6).toString('hex')}`).toString(36).padStart(8, '0').slice(-8)}`;
const ADMIN_PASSWORD = 'e2e pki tenant admin passphrase';
const CN = 'e2e-app';

test.beforeAll(() => {
  expect(tenantId).toMatch(E2E_TENANT_ID);
});

/** The saga helper lives in support.ts (one copy for every spec). */
const sagaEnd = (page: Page, jobId: string) => tenantSagaEnd(page, tenantId, jobId);

const openssl = (...args: string[]): string => execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
/** Exit status and both streams (openssl crl -verify reports on stderr). */
function opensslRun(...args: string[]): { status: number | null; out: string } {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}
/** openssl prints serials as upper-case hex without leading zero bytes; the console as lower-case hex. */
const sameSerial = (a: string): string => a.toLowerCase().replace(/:/g, '').replace(/^0+/, '');

test('Certificates tab end to end: CA, issue to a directory (openssl checks it), refused re-issue kept in place, revoke with a reason, CRL', async ({ page }) => {
  test.setTimeout(360_000);
  env.watch(page);
  const dir = mkdtempSync(join(tmpdir(), 'csm-e2e-pki-'));
  await page.goto(env.host.url);
  await registerAndSignIn(page, env);

  const created = await invoke<{ jobId: string }>(page, 'tenant.create', { cluster: 'e2e', id: tenantId, name: 'E2E Certificates', adminUser: 'admin', adminPassword: ADMIN_PASSWORD });
  const provisioned = await sagaEnd(page, created.jobId);
  expect(provisioned, JSON.stringify(provisioned)).toMatchObject({ state: 'succeeded' });

  try {
    await page.goto(`${env.host.origin}/#/tenants/e2e/${tenantId}`);
    await expect(page.getByTestId('tenant-detail')).toHaveAttribute('data-state', 'active');
    await page.getByTestId('tab-certificates').click();
    const tab = page.getByTestId('certificates-tab');
    await expect(tab).toHaveAttribute('data-mode', 'admin');

    // --- The CA: provisioning may have made it; if not, create it here -------------------------
    const caPanel = tab.getByTestId('pki-ca');
    await expect(caPanel).not.toHaveAttribute('data-ca', 'loading');
    if ((await caPanel.getAttribute('data-ca')) === 'none') {
      await caPanel.getByTestId('pki-ca-algorithm').selectOption('ec-p256');
      await caPanel.getByTestId('pki-ca-init').click();
    }
    await expect(caPanel.getByTestId('pki-ca-details')).toBeVisible({ timeout: 60_000 });
    await expect(caPanel.getByTestId('pki-ca-subject')).toContainText(tenantId);
    await expect(caPanel.getByTestId('pki-ca-fingerprint')).toHaveText(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    await caPanel.getByTestId('pki-ca-show-chain').click();
    await expect(caPanel.getByTestId('pki-ca-chain')).toContainText('-----BEGIN CERTIFICATE-----');
    const ca = await invoke<{ fingerprintSha256: string; chainPem: string; crlNumber: number }>(page, 'cert.ca', { cluster: 'e2e', tenant: tenantId });

    // --- Issue a client certificate into the temp directory ------------------------------------
    await tab.getByTestId('pki-issue').click();
    const dialog = page.getByTestId('cert-issue-dialog');
    await dialog.getByTestId('cert-issue-type').selectOption('client');
    await dialog.getByLabel('Common name').fill(CN);
    await dialog.getByTestId('cert-issue-sans').fill('app.e2e.test\n127.0.0.1');
    await dialog.getByTestId('cert-issue-validity').fill('30');
    await dialog.getByTestId('cert-issue-outdir').fill(dir);
    await page.screenshot({ path: join(SHOTS, 'pki-issue-dialog.png'), fullPage: true });
    await dialog.getByTestId('cert-issue-submit').click();
    const issued = dialog.getByTestId('cert-issued');
    await expect(issued).toBeVisible({ timeout: 60_000 });
    const serial = (await issued.getAttribute('data-serial'))!;
    expect(serial).toMatch(/^[0-9a-f]+$/);
    await expect(issued.getByTestId('cert-file')).toHaveCount(3);
    await expect(issued).not.toContainText('PRIVATE KEY');
    await page.screenshot({ path: join(SHOTS, 'pki-issued.png'), fullPage: true });

    const crt = join(dir, `${CN}.crt.pem`);
    const key = join(dir, `${CN}.key.pem`);
    const chain = join(dir, 'ca.pem');
    for (const f of [crt, key, chain]) expect(existsSync(f), f).toBe(true);
    expect(statSync(key).mode & 0o777).toBe(0o600);
    expect(readFileSync(key, 'utf8')).toContain('-----BEGIN PRIVATE KEY-----');
    // The sha256 the dialog shows is the file's.
    const shownSha = await issued.locator('[data-testid="cert-file"][data-kind="certificate"] td').nth(3).textContent();
    expect(shownSha?.trim()).toBe(execFileSync('sha256sum', [crt], { encoding: 'utf8' }).split(' ')[0]);
    const parsed = openssl('x509', '-in', crt, '-noout', '-serial', '-subject', '-ext', 'subjectAltName,extendedKeyUsage');
    expect(sameSerial(/serial=([0-9A-F]+)/.exec(parsed)![1]!)).toBe(sameSerial(serial));
    expect(parsed).toMatch(new RegExp(`CN ?= ?${CN}`));
    expect(parsed).toContain('DNS:app.e2e.test');
    expect(parsed).toContain('IP Address:127.0.0.1');
    expect(parsed).toContain('TLS Web Client Authentication');
    expect(openssl('verify', '-CAfile', chain, crt)).toContain(': OK');
    expect(readFileSync(chain, 'utf8')).toBe(ca.chainPem);
    await dialog.getByTestId('cert-issue-done').click();
    await expect(dialog).toHaveCount(0);

    // --- In the table, active -------------------------------------------------------------------
    const row = tab.getByTestId(`cert-row-${serial}`);
    await expect(row).toHaveAttribute('data-status', 'active');
    await expect(row).toContainText(CN);
    await expect(row).toContainText('app.e2e.test, 127.0.0.1');
    // 30 days of validity: the row is in the ≤30 bucket, coloured as such.
    await expect(row).toHaveAttribute('data-expiry', '30');
    await expect(row.getByTestId('cert-days-left')).toHaveClass(/cert-expiry-30/);
    await expect(tab.getByTestId('pki-summary-30')).toHaveAttribute('data-count', '1');
    // …and the report lists it among what to renew next.
    await expect(tab.getByTestId(`pki-attention-${serial}`)).toContainText(CN);

    // --- Issuing again into the same directory: refused in place, nothing typed lost -------------
    await tab.getByTestId('pki-issue').click();
    const again = page.getByTestId('cert-issue-dialog');
    await again.getByLabel('Common name').fill(CN);
    await again.getByTestId('cert-issue-outdir').fill(dir);
    await again.getByTestId('cert-issue-submit').click();
    const refused = again.getByTestId('form-error');
    await expect(refused).toContainText('CONFLICT');
    await expect(refused).toContainText('exists');
    await expect(again.getByLabel('Common name')).toHaveValue(CN);
    await expect(again.getByTestId('cert-issue-outdir')).toHaveValue(dir);
    await again.getByRole('button', { name: 'Cancel' }).click();
    // The file on disk is the first certificate's, untouched.
    expect(sameSerial(/serial=([0-9A-F]+)/.exec(openssl('x509', '-in', crt, '-noout', '-serial'))![1]!)).toBe(sameSerial(serial));

    // --- The filter goes to main: a text nothing matches empties the table, clearing brings it back --
    await tab.getByTestId('pki-filter-text').fill('no-such-certificate');
    await expect(tab.getByTestId('pki-none')).toBeVisible();
    await expect(row).toHaveCount(0);
    await tab.getByTestId('pki-filter-clear').click();
    await expect(row).toHaveAttribute('data-status', 'active');

    // --- Export as PKCS#12: main writes it, openssl opens it with the password --------------------
    const P12_PASSWORD = 'e2e p12 export password';
    const p12 = join(dir, `${CN}.p12`);
    await row.getByTestId(`cert-open-${serial}`).click();
    const details = page.getByTestId('cert-details');
    await expect(details).toHaveAttribute('data-serial', serial);
    await details.getByTestId('cert-action-export').click();
    const exp = page.getByTestId('cert-export-dialog');
    await exp.getByTestId('cert-export-p12').check();
    await exp.getByTestId('cert-export-out').fill(p12);
    await exp.getByTestId('cert-export-password').fill(P12_PASSWORD);
    await exp.getByTestId('cert-export-password-again').fill(P12_PASSWORD);
    await exp.getByTestId('cert-export-submit').click();
    await expect(exp.getByTestId('cert-export-files')).toContainText(p12);
    expect(await page.content()).not.toContain(P12_PASSWORD);
    await exp.getByTestId('cert-export-done').click();
    const opened = opensslRun('pkcs12', '-in', p12, '-passin', `pass:${P12_PASSWORD}`, '-nokeys', '-clcerts');
    expect(opened, opened.out).toMatchObject({ status: 0 });
    expect(opened.out).toMatch(new RegExp(`subject=.*CN ?= ?${CN}`));
    expect(opensslRun('pkcs12', '-in', p12, '-passin', 'pass:not the password', '-nokeys').status).not.toBe(0);
    await details.getByTestId('cert-details-close').click();

    // --- Revoke with a reason --------------------------------------------------------------------
    await row.getByTestId(`cert-revoke-${serial}`).click();
    const revoke = page.getByTestId('cert-revoke-dialog');
    await revoke.getByTestId('cert-revoke-reason').selectOption('keyCompromise');
    await expect(revoke.getByTestId('cert-revoke-confirm')).toBeDisabled();
    await revoke.getByTestId('cert-revoke-confirm-check').check();
    await revoke.getByTestId('cert-revoke-confirm').click();
    await expect(revoke).toHaveCount(0);
    await expect(row).toHaveAttribute('data-status', 'revoked');
    await expect(row.getByTestId('cert-status')).toHaveText('revoked');
    await expect(tab.getByTestId(`cert-revoke-${serial}`)).toHaveCount(0);
    await row.getByTestId(`cert-open-${serial}`).click();
    await expect(page.getByTestId('cert-revoked-at')).toContainText('keyCompromise');
    await expect(tab.getByTestId('pki-summary-revoked')).toContainText('1 revoked');
    await expect(tab.getByTestId(`pki-attention-${serial}`)).toHaveCount(0);

    // --- Sign a CRL to a file: openssl reads it and it lists the revoked serial -------------------
    const crlPath = join(dir, 'tenant.crl.pem');
    await caPanel.getByTestId('pki-crl-out').fill(crlPath);
    await caPanel.getByTestId('pki-crl-sign').click();
    const crlResult = caPanel.getByTestId('pki-crl-result');
    await expect(crlResult).toBeVisible({ timeout: 60_000 });
    await expect(crlResult).toHaveAttribute('data-crl-number', String(ca.crlNumber + 1));
    await expect(crlResult).toContainText('1 revoked certificate listed');
    await expect(caPanel.getByTestId('pki-ca-crl')).toContainText(`number ${ca.crlNumber + 1}`);
    expect(existsSync(crlPath)).toBe(true);
    const crlText = openssl('crl', '-in', crlPath, '-noout', '-text');
    const listed = [...crlText.matchAll(/Serial Number: ([0-9A-F]+)/g)].map((m) => sameSerial(m[1]!));
    expect(listed).toContain(sameSerial(serial));
    expect(crlText).toContain('Key Compromise');
    // Signed by the tenant's CA: openssl checks the CRL's signature against the written chain.
    const verified = opensslRun('crl', '-in', crlPath, '-noout', '-CAfile', chain, '-verify');
    expect(verified, verified.out).toMatchObject({ status: 0 });
    expect(verified.out).toContain('verify OK');
    // The shell scrolls inside its main pane: a tall viewport shows the whole tab in one shot.
    await caPanel.getByTestId('pki-ca-show-chain').click();
    await page.setViewportSize({ width: 1280, height: 1700 });
    await page.screenshot({ path: join(SHOTS, 'pki-tab.png'), fullPage: true });
  } finally {
    rmSync(dir, { recursive: true, force: true });
    // Another spec's scrub of e2e tenants may have removed it already: nothing left to delete then
    // (and the failure that brought us here, if any, is the one reported).
    const del = await invoke<{ jobId: string }>(page, 'tenant.delete', { cluster: 'e2e', tenant: tenantId, purge: true, confirm: tenantId }).catch((e: unknown) => {
      if (/NOT_FOUND/.test(String(e))) return null;
      throw e;
    });
    if (del) {
      const deleted = await sagaEnd(page, del.jobId);
      expect(deleted, JSON.stringify(deleted)).toMatchObject({ state: 'succeeded' });
    }
  }

  expect(env.problems.filter((p) => !/status of 4\d\d/.test(p))).toEqual([]);
});
