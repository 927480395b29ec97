// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChannelInput, ChannelOutput, OperatorScope } from '../../../src-shared/contract';
import type { ConfigView } from '../../../src-shared/contract/config';
import type { CaInfo, CertificateInfo, Issued } from '../../../src-shared/contract/pki';
import { BUILTIN_POLICIES } from '../../../src-shared/rules/tenant-config';
import { ClientProvider } from '../../../src-renderer/app/client';
import { resetAllStores } from '../../../src-renderer/app/stores';
import { useSession } from '../../../src-renderer/app/stores/session';
import { Toasts } from '../../../src-renderer/app/Toasts';
import { CertificatesTab } from '../../../src-renderer/features/pki/CertificatesTab';
import { usePki } from '../../../src-renderer/features/pki/store';
import { createFakeBridge, fail, ok, type FakeBridge, type Handlers } from './fake-bridge';

type Role = 'platform' | 'admin' | 'auditor';
const scope = (role: Role): OperatorScope => ({
  cluster: 'prod',
  role: role === 'platform' ? 'cassandra' : 'tenant_acme_u_boss',
  superuser: role === 'platform',
  roles: role === 'admin' ? ['tenant_acme_admin'] : role === 'auditor' ? ['tenant_acme_auditor'] : [],
  platform: role === 'platform',
  tenantAdmin: role === 'admin' ? ['acme'] : [],
  auditor: role === 'platform' ? 'all' : role === 'auditor' ? ['acme'] : [],
  tenants: ['acme'],
});

const CA: CaInfo = {
  tenant: 'acme',
  serial: '0a1b2c',
  subject: 'CN=acme tenant CA,O=CSM',
  algorithm: 'ec-p384',
  notBefore: '2025-01-01T00:00:00.000Z',
  notAfter: '2035-01-01T00:00:00.000Z',
  fingerprintSha256: 'ab'.repeat(32),
  kind: 'root',
  certificatePem: '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n',
  chainPem: '-----BEGIN CERTIFICATE-----\nCHAIN\n-----END CERTIFICATE-----\n',
  createdAt: '2025-01-01T00:00:00.000Z',
  createdBy: 'cassandra',
  keyVersion: 1,
  crlNumber: 3,
  lastCrlAt: null,
};

function cert(serial: string, cn: string, extra: Partial<CertificateInfo> = {}): CertificateInfo {
  return {
    serial,
    tenant: 'acme',
    type: 'client',
    commonName: cn,
    subject: `CN=${cn}`,
    issuer: CA.subject,
    sans: [],
    algorithm: 'ec-p256',
    notBefore: '2025-01-01T00:00:00.000Z',
    notAfter: '2026-01-01T00:00:00.000Z',
    status: 'active',
    daysLeft: 200,
    expiryBucket: null,
    revokedAt: null,
    revocationReason: null,
    fingerprintSha256: 'cd'.repeat(32),
    source: 'generated',
    hasKey: true,
    issuedBy: 'cassandra',
    issuedAt: '2025-01-01T00:00:00.000Z',
    renewedFrom: null,
    renewedBy: null,
    ...extra,
  };
}

const config = (certificates: Partial<ConfigView['effective']['certificates']> = {}, maxCertificates: number | null = null): ConfigView => ({
  cluster: 'prod',
  tenant: 'acme',
  template: { name: 'default', found: true, syncedAt: null },
  version: 1,
  updatedBy: 'cassandra',
  updatedAt: '2025-01-02T00:00:00.000Z',
  overrides: {},
  effective: { ...BUILTIN_POLICIES, certificates: { ...BUILTIN_POLICIES.certificates, ...certificates }, quotas: { ...BUILTIN_POLICIES.quotas, maxCertificates } },
  fields: [],
  compliance: null,
  warnings: [],
});

const issued = (c: CertificateInfo, dir: string | undefined): Issued => ({
  certificate: c,
  certificatePem: '-----BEGIN CERTIFICATE-----\nLEAF\n-----END CERTIFICATE-----\n',
  chainPem: CA.chainPem,
  files: dir
    ? [
        { path: `${dir}/${c.commonName}.crt.pem`, kind: 'certificate', sha256: '11'.repeat(32), bytes: 700 },
        { path: `${dir}/${c.commonName}.key.pem`, kind: 'key', sha256: '22'.repeat(32), bytes: 240 },
        { path: `${dir}/ca.pem`, kind: 'chain', sha256: '33'.repeat(32), bytes: 800 },
      ]
    : [],
});

/** A small in-memory inventory behind the fake bridge: list filters, issue, revoke follow each other. */
function bridge(extra: Handlers = {}, opts: { ca?: CaInfo | null } = {}): FakeBridge & { certs: () => CertificateInfo[] } {
  let ca = opts.ca === undefined ? CA : opts.ca;
  let certs: CertificateInfo[] = [
    cert('01aa', 'app-reader', { sans: ['app.acme.test'] }),
    cert('02bb', 'nightly-etl', { daysLeft: 5, expiryBucket: '7' }),
    cert('03cc', 'db1.acme.test', { type: 'node', algorithm: 'rsa-3072', daysLeft: 12, expiryBucket: '14', sans: ['db1.acme.test', '10.0.0.5'] }),
    cert('04dd', 'old-batch', { status: 'expired', daysLeft: -3, expiryBucket: 'expired' }),
    cert('05ee', 'leaked', { status: 'revoked', revokedAt: '2025-06-01T00:00:00.000Z', revocationReason: 'keyCompromise' }),
  ];
  let next = 0x10;
  const list = (i: ChannelInput<'cert.list'>): CertificateInfo[] =>
    certs.filter(
      (c) =>
        (!i.status || i.status === 'all' || c.status === i.status) &&
        (!i.type || i.type === 'all' || c.type === i.type) &&
        (i.expiringWithinDays === undefined || (c.status === 'active' && c.daysLeft <= i.expiringWithinDays)) &&
        (!i.text || `${c.commonName} ${c.serial} ${c.sans.join(' ')}`.includes(i.text)),
    );
  const report = (): ChannelOutput<'cert.expiryReport'> => {
    const active = certs.filter((c) => c.status === 'active');
    return {
      tenant: 'acme',
      generatedAt: '2025-07-01T10:00:00.000Z',
      counts: {
        active: active.length,
        revoked: certs.filter((c) => c.status === 'revoked').length,
        expired: certs.filter((c) => c.status === 'expired').length,
        within30: active.filter((c) => c.daysLeft < 30).length,
        within14: active.filter((c) => c.daysLeft < 14).length,
        within7: active.filter((c) => c.daysLeft < 7).length,
      },
      items: certs.filter((c) => c.renewedBy === null && ((c.status === 'active' && c.daysLeft < 30) || c.status === 'expired')).sort((a, b) => a.daysLeft - b.daysLeft),
    };
  };
  const fake = createFakeBridge({
    'cert.ca': () => ok(ca),
    'cert.caInit': (i) => {
      ca = { ...CA, algorithm: i.algorithm ?? 'ec-p384' };
      return ok(ca);
    },
    'cert.list': (i) => ok(list(i)),
    'cert.expiryReport': () => ok(report()),
    'config.show': () => ok(config()),
    'cert.show': (i) => {
      const c = certs.find((x) => x.serial === i.serial);
      return c ? ok({ certificate: c, certificatePem: `-----BEGIN CERTIFICATE-----\n${c.serial}\n-----END CERTIFICATE-----\n`, chainPem: CA.chainPem }) : fail('NOT_FOUND', `no certificate ${i.serial}`);
    },
    'cert.issue': (i) => {
      const c = cert((next++).toString(16).padStart(4, '0'), i.commonName, { type: i.type, sans: i.sans ?? [], algorithm: i.algorithm ?? 'ec-p256' });
      certs = [...certs, c];
      return ok(issued(c, i.outDir));
    },
    'cert.revoke': (i) => {
      certs = certs.map((c) => (c.serial === i.serial ? { ...c, status: 'revoked' as const, revokedAt: '2025-07-01T10:00:00.000Z', revocationReason: i.reason, expiryBucket: null } : c));
      return ok(certs.find((c) => c.serial === i.serial)!);
    },
    'cert.crl': (i) =>
      ok({
        tenant: 'acme',
        crlNumber: 4,
        thisUpdate: '2025-07-01T10:00:00.000Z',
        nextUpdate: '2025-07-08T10:00:00.000Z',
        revokedCount: certs.filter((c) => c.status === 'revoked').length,
        pem: '-----BEGIN X509 CRL-----\nCRL\n-----END X509 CRL-----\n',
        file: i.out ? { path: i.out, kind: 'crl' as const, sha256: '44'.repeat(32), bytes: 500 } : null,
      }),
    ...extra,
  });
  return { ...fake, certs: () => certs };
}

const mount = (fake: FakeBridge) =>
  render(
    <ClientProvider client={fake.client}>
      <CertificatesTab cluster="prod" tenant="acme" />
      <Toasts />
    </ClientProvider>,
  );

const input = (testId: string, root: HTMLElement = document.body) => within(root).getByTestId(testId) as HTMLInputElement;

describe('Certificates tab (unit: fake bridge)', () => {
  beforeEach(() => {
    resetAllStores();
    // Not (yet) in resetAllStores' list: reset here so tests do not share certificates.
    usePki.getState().reset();
    useSession.getState().setScope('prod', scope('admin'));
  });
  afterEach(cleanup);

  it('shows the CA, the expiry summary and the inventory with each row coloured by its expiry bucket', async () => {
    const fake = bridge();
    mount(fake);
    const ca = await screen.findByTestId('pki-ca-details');
    expect(within(ca).getByTestId('pki-ca-subject').textContent).toBe('CN=acme tenant CA,O=CSM');
    expect(within(ca).getByTestId('pki-ca-fingerprint').textContent).toBe(Array(32).fill('AB').join(':'));
    expect(within(ca).getByTestId('pki-ca-crl').textContent).toBe('number 3 · last signed never');
    expect(screen.getByTestId('pki-ca-kind').textContent).toBe('tenant root');

    const row = await screen.findByTestId('cert-row-02bb');
    expect(fake.callsTo('cert.list')[0]?.input).toEqual({ cluster: 'prod', tenant: 'acme', status: 'all', type: 'all' });
    expect(row.dataset.expiry).toBe('7');
    expect(within(row).getByTestId('cert-days-left').className).toContain('cert-expiry-7');
    expect(within(row).getByTestId('cert-days-left').textContent).toBe('5 d');
    expect(within(screen.getByTestId('cert-row-03cc')).getByTestId('cert-days-left').className).toContain('cert-expiry-14');
    expect(within(screen.getByTestId('cert-row-04dd')).getByTestId('cert-days-left').className).toContain('cert-expiry-expired');
    expect(within(screen.getByTestId('cert-row-04dd')).getByTestId('cert-days-left').textContent).toBe('3 d ago');
    expect(within(screen.getByTestId('cert-row-01aa')).getByTestId('cert-days-left').className).toContain('cert-expiry-none');
    expect(screen.getByTestId('cert-row-03cc').textContent).toContain('db1.acme.test, 10.0.0.5');
    expect(screen.getByTestId('cert-row-03cc').textContent).toContain('RSA 3072');
    expect(screen.getByTestId('cert-row-05ee').dataset.status).toBe('revoked');
    // Only active rows offer revoke.
    expect(screen.queryByTestId('cert-revoke-01aa')).not.toBeNull();
    expect(screen.queryByTestId('cert-revoke-05ee')).toBeNull();
    expect(screen.queryByTestId('cert-revoke-04dd')).toBeNull();

    const summary = await screen.findByTestId('pki-summary');
    expect(within(summary).getByTestId('pki-summary-expired').dataset.count).toBe('1');
    expect(within(summary).getByTestId('pki-summary-7').dataset.count).toBe('1');
    expect(within(summary).getByTestId('pki-summary-14').dataset.count).toBe('2');
    expect(within(summary).getByTestId('pki-summary-30').dataset.count).toBe('2');
    expect(within(summary).getByTestId('pki-summary-active').textContent).toBe('3 active');
    expect(within(summary).getByTestId('pki-summary-revoked').textContent).toBe('1 revoked');
  });

  it('filters go to cert.list as typed (an invalid day count is shown, not sent) and a summary bucket filters the table', async () => {
    const fake = bridge();
    mount(fake);
    await screen.findByTestId('cert-row-01aa');
    fireEvent.change(screen.getByTestId('pki-filter-status'), { target: { value: 'active' } });
    fireEvent.change(screen.getByTestId('pki-filter-type'), { target: { value: 'node' } });
    fireEvent.change(screen.getByTestId('pki-filter-text'), { target: { value: 'db1' } });
    await waitFor(() => expect(fake.callsTo('cert.list').at(-1)?.input).toEqual({ cluster: 'prod', tenant: 'acme', status: 'active', type: 'node', text: 'db1' }));
    await waitFor(() => expect(screen.queryByTestId('cert-row-01aa')).toBeNull());
    expect(screen.getByTestId('cert-row-03cc')).toBeTruthy();
    expect(screen.getByTestId('pki-count').textContent).toBe('1 certificate shown');

    const before = fake.callsTo('cert.list').length;
    fireEvent.change(screen.getByTestId('pki-filter-days'), { target: { value: 'soon' } });
    expect(screen.getByTestId('pki-filter-days').getAttribute('aria-invalid')).toBe('true');
    await new Promise((r) => setTimeout(r, 300));
    // The bad value is not sent: the signature did not change, so no call was made for it.
    expect(fake.callsTo('cert.list').length).toBe(before);

    fireEvent.click(screen.getByTestId('pki-filter-clear'));
    await screen.findByTestId('cert-row-01aa');
    fireEvent.click(screen.getByTestId('pki-summary-7'));
    expect(screen.getByTestId('pki-summary-7').getAttribute('aria-pressed')).toBe('true');
    // "< 7 days left" is daysLeft ≤ 6 in cert.list's terms: the table shows what the count counted.
    await waitFor(() => expect(fake.callsTo('cert.list').at(-1)?.input).toEqual({ cluster: 'prod', tenant: 'acme', status: 'active', type: 'all', expiringWithinDays: 6 }));
    await waitFor(() => expect(screen.queryByTestId('cert-row-01aa')).toBeNull());
    expect(screen.getByTestId('cert-row-02bb')).toBeTruthy();
    expect(screen.getAllByRole('row')).toHaveLength(2);
    expect((screen.getByTestId('pki-filter-days') as HTMLInputElement).value).toBe('6');
    fireEvent.click(screen.getByTestId('pki-summary-7'));
    expect(screen.getByTestId('pki-summary-7').getAttribute('aria-pressed')).toBe('false');
    await screen.findByTestId('cert-row-01aa');
  });

  it("without a CA: Create CA offers only what the tenant's policy allows, and the CA shows once made", async () => {
    const fake = bridge({ 'config.show': () => ok(config({ algorithms: ['RSA', 'ECDSA-P384'], minRsaBits: 3072 })) }, { ca: null });
    mount(fake);
    const none = await screen.findByTestId('pki-no-ca');
    expect((screen.getByTestId('pki-issue') as HTMLButtonElement).disabled).toBe(true);
    await waitFor(() => expect(fake.callsTo('config.show')).toHaveLength(1));
    const select = within(none).getByTestId('pki-ca-algorithm') as HTMLSelectElement;
    await waitFor(() => expect([...select.options].map((o) => o.value)).toEqual(['', 'rsa-3072', 'rsa-4096', 'ec-p384']));
    fireEvent.change(select, { target: { value: 'rsa-4096' } });
    fireEvent.change(within(none).getByTestId('pki-ca-validity'), { target: { value: '99999' } });
    expect((within(none).getByTestId('pki-ca-init') as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(within(none).getByTestId('pki-ca-validity'), { target: { value: '1825' } });
    fireEvent.click(within(none).getByTestId('pki-ca-init'));
    await screen.findByTestId('pki-ca-details');
    expect(fake.callsTo('cert.caInit').map((c) => c.input)).toEqual([{ cluster: 'prod', tenant: 'acme', algorithm: 'rsa-4096', validityDays: 1825 }]);
    expect(screen.getByTestId('pki-ca-algorithm-shown').textContent).toBe('RSA 4096');
    expect((screen.getByTestId('pki-issue') as HTMLButtonElement).disabled).toBe(false);
  });

  it('issue: inline checks before the call; QUOTA_EXCEEDED and APPROVAL_REQUIRED shown in place with nothing typed lost; success lists the files with sha256 and no key', async () => {
    const outcomes: Array<() => ReturnType<NonNullable<Handlers['cert.issue']>>> = [
      () => fail('QUOTA_EXCEEDED', 'tenant acme has 10 active certificates: its quota is 10'),
      () => fail('APPROVAL_REQUIRED', 'cert.issue on tenant acme needs a second person: request apr_7f3k2 filed; approve with csm approval approve apr_7f3k2 --cluster prod'),
    ];
    const fake = bridge({
      'config.show': () => ok(config({ validityDays: 90, approvalRequired: true }, 10)),
      'cert.issue': (i) => {
        const next = outcomes.shift();
        if (next) return next();
        const c = cert('0abc', i.commonName, { sans: i.sans ?? [] });
        return ok(issued(c, i.outDir));
      },
    });
    mount(fake);
    await screen.findByTestId('cert-row-01aa');
    await waitFor(() => expect(fake.callsTo('config.show')).toHaveLength(1));
    fireEvent.click(screen.getByTestId('pki-issue'));
    const dialog = screen.getByTestId('cert-issue-dialog');
    expect(within(dialog).getByTestId('pki-policy').textContent).toContain("issuing needs a second person’s approval; at most 10 active certificates");
    const submit = within(dialog).getByTestId('cert-issue-submit') as HTMLButtonElement;

    fireEvent.change(input('cert-issue-cn', dialog), { target: { value: 'app/../x' } });
    expect(within(dialog).getByText(/common name: letters, digits/)).toBeTruthy();
    expect(submit.disabled).toBe(true);
    fireEvent.change(input('cert-issue-cn', dialog), { target: { value: 'app-writer' } });
    fireEvent.change(input('cert-issue-sans', dialog), { target: { value: 'app.acme.test\n\nbad name!\n' } });
    expect(within(dialog).getByText(/line 2 \(bad name!\): SAN: a DNS name or an IP address/)).toBeTruthy();
    expect(submit.disabled).toBe(true);
    fireEvent.change(input('cert-issue-sans', dialog), { target: { value: 'app.acme.test\n10.1.2.3\n' } });
    fireEvent.change(input('cert-issue-validity', dialog), { target: { value: '365' } });
    expect(within(dialog).getByText('between 1 and 90 days')).toBeTruthy();
    fireEvent.change(input('cert-issue-validity', dialog), { target: { value: '60' } });
    fireEvent.change(input('cert-issue-outdir', dialog), { target: { value: 'relative/dir' } });
    expect(within(dialog).getByText('path: an absolute path')).toBeTruthy();
    fireEvent.change(input('cert-issue-outdir', dialog), { target: { value: '/tmp/certs' } });
    fireEvent.change(within(dialog).getByTestId('cert-issue-algorithm'), { target: { value: 'ec-p256' } });
    expect(submit.disabled).toBe(false);

    fireEvent.click(submit);
    const quota = await within(dialog).findByTestId('form-error');
    expect(quota.textContent).toContain('QUOTA_EXCEEDED');
    expect(quota.textContent).toContain('its quota is 10');
    expect(input('cert-issue-cn', dialog).value).toBe('app-writer');

    fireEvent.click(submit);
    const filed = await within(dialog).findByTestId('cert-approval');
    expect(filed.dataset.request).toBe('apr_7f3k2');
    expect(filed.textContent).toContain('Request filed, id apr_7f3k2');
    expect(within(dialog).queryByTestId('form-error')).toBeNull();
    expect((within(dialog).getByTestId('cert-issue-sans') as HTMLTextAreaElement).value).toBe('app.acme.test\n10.1.2.3\n');
    expect(input('cert-issue-outdir', dialog).value).toBe('/tmp/certs');
    // Both refusals were shown in the dialog, not as toasts behind it.
    expect(screen.queryAllByTestId('toast-code')).toHaveLength(0);

    fireEvent.click(submit);
    const done = await screen.findByTestId('cert-issued');
    const sent = { cluster: 'prod', tenant: 'acme', type: 'client', commonName: 'app-writer', sans: ['app.acme.test', '10.1.2.3'], algorithm: 'ec-p256', validityDays: 60, outDir: '/tmp/certs', overwrite: false };
    expect(fake.callsTo('cert.issue').map((c) => c.input)).toEqual([sent, sent, sent]);
    expect(within(done).getByTestId('cert-issued-serial').textContent).toBe('0abc');
    const files = within(done).getAllByTestId('cert-file');
    expect(files.map((f) => f.dataset.kind)).toEqual(['certificate', 'key', 'chain']);
    expect(files[1]?.textContent).toContain('/tmp/certs/app-writer.key.pem');
    expect(files[1]?.textContent).toContain('22'.repeat(32));
    expect(document.body.innerHTML).not.toContain('PRIVATE KEY');
    fireEvent.click(screen.getByTestId('cert-issue-done'));
    await waitFor(() => expect(screen.queryByTestId('cert-issue-dialog')).toBeNull());
  });

  it('revoke needs a reason and an explicit confirmation; the row turns revoked and the details say why', async () => {
    const fake = bridge();
    mount(fake);
    fireEvent.click(await screen.findByTestId('cert-revoke-01aa'));
    const dialog = screen.getByTestId('cert-revoke-dialog');
    const confirm = within(dialog).getByTestId('cert-revoke-confirm') as HTMLButtonElement;
    expect(confirm.disabled).toBe(true);
    const reasons = within(dialog).getByTestId('cert-revoke-reason') as HTMLSelectElement;
    expect([...reasons.options].map((o) => o.value)).toEqual(['unspecified', 'keyCompromise', 'cACompromise', 'affiliationChanged', 'superseded', 'cessationOfOperation', 'privilegeWithdrawn']);
    fireEvent.change(reasons, { target: { value: 'keyCompromise' } });
    fireEvent.click(within(dialog).getByTestId('cert-revoke-confirm-check'));
    expect(confirm.disabled).toBe(false);
    fireEvent.click(confirm);
    await waitFor(() => expect(screen.queryByTestId('cert-revoke-dialog')).toBeNull());
    expect(fake.callsTo('cert.revoke').map((c) => c.input)).toEqual([{ cluster: 'prod', tenant: 'acme', serial: '01aa', reason: 'keyCompromise' }]);
    await waitFor(() => expect(screen.getByTestId('cert-row-01aa').dataset.status).toBe('revoked'));
    expect(screen.queryByTestId('cert-revoke-01aa')).toBeNull();
    await waitFor(() => expect(screen.getByTestId('pki-summary-revoked').textContent).toBe('2 revoked'));
    fireEvent.click(screen.getByTestId('cert-open-01aa'));
    const details = await screen.findByTestId('cert-details');
    expect(within(details).getByTestId('cert-revoked-at').textContent).toContain('Key compromise (keyCompromise)');
    expect((within(details).getByTestId('cert-action-revoke') as HTMLButtonElement).disabled).toBe(true);
    expect((within(details).getByTestId('cert-action-renew') as HTMLButtonElement).disabled).toBe(true);
  });

  it('export as PKCS#12: the password goes to main in the call only, never into the store or the page afterwards', async () => {
    const PASSWORD = 'p12-Export-secret-9';
    const fake = bridge({ 'cert.export': (i) => ok({ serial: i.serial, format: i.format, files: [{ path: i.out, kind: 'p12' as const, sha256: '55'.repeat(32), bytes: 2400 }] }) });
    mount(fake);
    fireEvent.click(await screen.findByTestId('cert-open-01aa'));
    const details = await screen.findByTestId('cert-details');
    await waitFor(() => expect((within(details).getByTestId('cert-show-pem') as HTMLButtonElement).disabled).toBe(false));
    fireEvent.click(within(details).getByTestId('cert-show-pem'));
    expect(within(details).getByTestId('cert-pem').textContent).toContain('01aa');
    fireEvent.click(within(details).getByTestId('cert-action-export'));
    const dialog = screen.getByTestId('cert-export-dialog');
    expect((within(dialog).getByTestId('cert-export-p12') as HTMLInputElement).checked).toBe(true);
    fireEvent.change(input('cert-export-out', dialog), { target: { value: '/tmp/out/app.p12' } });
    fireEvent.change(input('cert-export-password', dialog), { target: { value: 'short' } });
    expect(within(dialog).getByText('at least 8 characters')).toBeTruthy();
    fireEvent.change(input('cert-export-password', dialog), { target: { value: PASSWORD } });
    fireEvent.change(input('cert-export-password-again', dialog), { target: { value: `${PASSWORD}x` } });
    expect(within(dialog).getByText('the two entries differ')).toBeTruthy();
    expect((within(dialog).getByTestId('cert-export-submit') as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(input('cert-export-password-again', dialog), { target: { value: PASSWORD } });
    fireEvent.click(within(dialog).getByTestId('cert-export-submit'));
    const files = await within(dialog).findByTestId('cert-export-files');
    expect(files.textContent).toContain('/tmp/out/app.p12');
    expect(fake.callsTo('cert.export').map((c) => c.input)).toEqual([{ cluster: 'prod', tenant: 'acme', serial: '01aa', format: 'p12', out: '/tmp/out/app.p12', overwrite: false, password: PASSWORD }]);
    expect(JSON.stringify(usePki.getState())).not.toContain(PASSWORD);
    expect(document.body.innerHTML).not.toContain(PASSWORD);
  });

  it('a certificate signed from a CSR: PEM export without the key only, renewal with the same key only, no bundle', async () => {
    const fake = bridge({
      'cert.list': () => ok([cert('0fff', 'partner-app', { source: 'csr', hasKey: false })]),
      'cert.export': (i) => ok({ serial: i.serial, format: i.format, files: [{ path: `${i.out}/partner-app.crt.pem`, kind: 'certificate' as const, sha256: '66'.repeat(32), bytes: 700 }] }),
      'cert.renew': () => ok(issued(cert('1fff', 'partner-app', { source: 'csr', hasKey: false, renewedFrom: '0fff' }), undefined)),
    });
    mount(fake);
    fireEvent.click(await screen.findByTestId('cert-open-0fff'));
    const details = await screen.findByTestId('cert-details');
    const bundle = within(details).getByTestId('cert-action-bundle') as HTMLButtonElement;
    expect(bundle.disabled).toBe(true);
    expect(bundle.title).toContain('issued from a CSR');
    fireEvent.click(within(details).getByTestId('cert-action-export'));
    const exp = screen.getByTestId('cert-export-dialog');
    expect((within(exp).getByTestId('cert-export-p12') as HTMLInputElement).disabled).toBe(true);
    expect((within(exp).getByTestId('cert-export-pem') as HTMLInputElement).checked).toBe(true);
    const withKey = within(exp).getByTestId('cert-export-include-key') as HTMLInputElement;
    expect(withKey.checked).toBe(false);
    expect(withKey.disabled).toBe(true);
    fireEvent.change(input('cert-export-out', exp), { target: { value: '/tmp/partner' } });
    fireEvent.click(within(exp).getByTestId('cert-export-submit'));
    await within(exp).findByTestId('cert-export-files');
    expect(fake.callsTo('cert.export').map((c) => c.input)).toEqual([{ cluster: 'prod', tenant: 'acme', serial: '0fff', format: 'pem', out: '/tmp/partner', overwrite: false, includeKey: false }]);
    fireEvent.click(within(exp).getByTestId('cert-export-done'));

    fireEvent.click(within(details).getByTestId('cert-action-renew'));
    const renew = screen.getByTestId('cert-renew-dialog');
    expect((within(renew).getByTestId('cert-renew-newkey') as HTMLInputElement).disabled).toBe(true);
    expect((within(renew).getByTestId('cert-renew-samekey') as HTMLInputElement).checked).toBe(true);
    fireEvent.click(within(renew).getByTestId('cert-renew-submit'));
    expect((await within(renew).findByTestId('cert-issued-serial')).textContent).toBe('1fff');
    expect(fake.callsTo('cert.renew').map((c) => c.input)).toEqual([{ cluster: 'prod', tenant: 'acme', serial: '0fff', newKey: false }]);
  });

  it('CSR: a picked file is read into the field (an oversized one refused unread) and sent as text with the chosen type', async () => {
    const CSR = '-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n';
    const fake = bridge({ 'cert.signCsr': (i) => ok(issued(cert('0c5a', 'partner-app', { source: 'csr', hasKey: false, type: i.type }), i.outDir)) });
    mount(fake);
    await screen.findByTestId('cert-row-01aa');
    fireEvent.click(screen.getByTestId('pki-sign-csr'));
    const dialog = screen.getByTestId('cert-csr-dialog');
    const big = new File(['x'.repeat(64 * 1024 + 1)], 'huge.csr');
    fireEvent.change(within(dialog).getByTestId('cert-csr-file'), { target: { files: [big] } });
    await within(dialog).findByText(/huge\.csr: 65537 bytes, a CSR is at most 65536/);
    expect((within(dialog).getByTestId('cert-csr-pem') as HTMLTextAreaElement).value).toBe('');
    fireEvent.change(within(dialog).getByTestId('cert-csr-file'), { target: { files: [new File([CSR], 'partner.csr')] } });
    await waitFor(() => expect((within(dialog).getByTestId('cert-csr-pem') as HTMLTextAreaElement).value).toBe(CSR));
    fireEvent.change(within(dialog).getByTestId('cert-csr-type'), { target: { value: 'node' } });
    fireEvent.change(input('cert-csr-outdir', dialog), { target: { value: '/tmp/partner' } });
    fireEvent.click(within(dialog).getByTestId('cert-csr-submit'));
    await screen.findByTestId('cert-csr-issued');
    expect(fake.callsTo('cert.signCsr').map((c) => c.input)).toEqual([{ cluster: 'prod', tenant: 'acme', type: 'node', csrPem: CSR, outDir: '/tmp/partner', overwrite: false }]);
  });

  it('signs a CRL to an absolute path (a relative one is refused in place) and shows its number and file', async () => {
    const fake = bridge();
    mount(fake);
    const form = await screen.findByTestId('pki-crl-form');
    fireEvent.change(input('pki-crl-out', form), { target: { value: 'acme.crl' } });
    expect((within(form).getByTestId('pki-crl-sign') as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(input('pki-crl-out', form), { target: { value: '/tmp/acme.crl.pem' } });
    fireEvent.click(within(form).getByTestId('pki-crl-sign'));
    const result = await screen.findByTestId('pki-crl-result');
    expect(result.dataset.crlNumber).toBe('4');
    expect(result.textContent).toContain('1 revoked certificate listed');
    expect(within(result).getByTestId('pki-crl-file').textContent).toContain('/tmp/acme.crl.pem');
    expect(fake.callsTo('cert.crl').map((c) => c.input)).toEqual([{ cluster: 'prod', tenant: 'acme', out: '/tmp/acme.crl.pem', overwrite: false }]);
  });

  it('auditor scope: the same inventory, read-only — no create, issue, CSR, CRL or row action', async () => {
    useSession.getState().setScope('prod', scope('auditor'));
    const fake = bridge();
    mount(fake);
    await screen.findByTestId('cert-row-01aa');
    await screen.findByTestId('pki-ca-details');
    expect(screen.getByTestId('certificates-tab').dataset.mode).toBe('read-only');
    expect(screen.getByTestId('pki-read-only')).toBeTruthy();
    await screen.findByTestId('pki-attention');
    for (const id of ['pki-issue', 'pki-sign-csr', 'pki-crl-form', 'cert-revoke-01aa', 'pki-attention-renew-02bb']) expect(screen.queryByTestId(id)).toBeNull();
    fireEvent.click(screen.getByTestId('cert-open-01aa'));
    const details = await screen.findByTestId('cert-details');
    expect(within(details).queryByTestId('cert-action-revoke')).toBeNull();
    expect(within(details).queryByTestId('cert-action-export')).toBeNull();
    // Reading is still allowed: chain PEM on the CA panel.
    fireEvent.click(screen.getByTestId('pki-ca-show-chain'));
    expect(screen.getByTestId('pki-ca-chain').textContent).toContain('CHAIN');
    // And a tenant without a CA tells the auditor so, with no create form.
    cleanup();
    usePki.getState().reset();
    const none = bridge({}, { ca: null });
    mount(none);
    await screen.findByTestId('pki-no-ca');
    expect(screen.queryByTestId('pki-ca-init-form')).toBeNull();
    expect(none.callsTo('cert.caInit')).toHaveLength(0);
  });

  it('lists what to renew next from the report; renewing one files an approval request (kept in the dialog), then renews', async () => {
    let filed = false;
    const fake = bridge({
      'cert.renew': (i) => {
        if (!filed) {
          filed = true;
          return fail('APPROVAL_REQUIRED', 'cert.renew on tenant acme needs a second person: request apr_renew1 filed; approve with csm approval approve apr_renew1 --cluster prod');
        }
        return ok(issued(cert('0bbb', 'nightly-etl', { renewedFrom: i.serial, daysLeft: 364 }), i.outDir));
      },
    });
    mount(fake);
    const list = await screen.findByTestId('pki-attention');
    expect(list.querySelector('summary')?.textContent).toBe('3 certificates to renew (expired or under 30 days left, not yet renewed)');
    // Soonest first: the expired one, then 5 and 12 days left.
    expect([...list.querySelectorAll('li')].map((li) => li.dataset.testid)).toEqual(['pki-attention-04dd', 'pki-attention-02bb', 'pki-attention-03cc']);
    expect(within(screen.getByTestId('pki-attention-04dd')).getByText('expired 3 d ago')).toBeTruthy();
    fireEvent.click(within(list).getByTestId('pki-attention-renew-02bb'));
    const dialog = screen.getByTestId('cert-renew-dialog');
    expect((within(dialog).getByTestId('cert-renew-newkey') as HTMLInputElement).checked).toBe(true);
    fireEvent.change(input('cert-renew-validity', dialog), { target: { value: '200' } });
    fireEvent.change(input('cert-renew-outdir', dialog), { target: { value: '/tmp/etl' } });
    fireEvent.click(within(dialog).getByTestId('cert-renew-submit'));
    const note = await within(dialog).findByTestId('cert-approval');
    expect(note.dataset.request).toBe('apr_renew1');
    expect(input('cert-renew-validity', dialog).value).toBe('200');
    fireEvent.click(within(dialog).getByTestId('cert-renew-submit'));
    expect((await within(dialog).findByTestId('cert-issued-serial')).textContent).toBe('0bbb');
    const sent = { cluster: 'prod', tenant: 'acme', serial: '02bb', newKey: true, validityDays: 200, outDir: '/tmp/etl', overwrite: false };
    expect(fake.callsTo('cert.renew').map((c) => c.input)).toEqual([sent, sent]);
  });

  it('secure connect bundle: written by main to the given file, with what the driver config names', async () => {
    const fake = bridge({
      'cert.bundle': (i) =>
        ok({ serial: i.serial, file: { path: i.out, kind: 'bundle' as const, sha256: '77'.repeat(32), bytes: 4096 }, entries: ['ca.pem', 'cert.pem', 'key.pem', 'config.json'], contactPoints: ['10.0.0.5'], localDataCenter: 'dc1', keyspaces: ['tenant_acme_data'] }),
    });
    mount(fake);
    fireEvent.click(await screen.findByTestId('cert-open-01aa'));
    const details = await screen.findByTestId('cert-details');
    // A node certificate is not bundled; this client one is.
    fireEvent.click(within(details).getByTestId('cert-action-bundle'));
    const dialog = screen.getByTestId('cert-bundle-dialog');
    fireEvent.change(input('cert-bundle-out', dialog), { target: { value: '/tmp/app-bundle.zip' } });
    fireEvent.click(within(dialog).getByTestId('cert-bundle-submit'));
    const result = await within(dialog).findByTestId('cert-bundle-result');
    expect(result.textContent).toContain('/tmp/app-bundle.zip');
    expect(result.textContent).toContain('ca.pem, cert.pem, key.pem, config.json');
    expect(result.textContent).toContain('tenant_acme_data');
    expect(fake.callsTo('cert.bundle').map((c) => c.input)).toEqual([{ cluster: 'prod', tenant: 'acme', serial: '01aa', out: '/tmp/app-bundle.zip', overwrite: false }]);
    fireEvent.click(within(dialog).getByTestId('cert-bundle-done'));
    fireEvent.click(screen.getByTestId('cert-open-03cc'));
    await waitFor(() => expect(screen.getByTestId('cert-details').dataset.serial).toBe('03cc'));
    await waitFor(() => expect((within(screen.getByTestId('cert-details')).getByTestId('cert-action-bundle') as HTMLButtonElement).disabled).toBe(true));
    expect(within(screen.getByTestId('cert-details')).getByTestId('cert-action-bundle').title).toBe('bundles carry a client certificate');
  });

  it('a refused read is shown in place with its code, and Refresh reads again', async () => {
    let listOk = false;
    const fake = bridge({ 'cert.list': (i) => (listOk ? ok([cert('01aa', 'app-reader')]) : fail('UNAVAILABLE', 'tenant session: no host reachable')), 'cert.ca': () => fail('FORBIDDEN', 'tenant acme is outside your scope') });
    mount(fake);
    // The inventory is read after a short debounce: wait for both errors.
    await waitFor(() => expect(screen.getAllByTestId('form-error')).toHaveLength(2));
    expect(screen.getAllByTestId('form-error').map((e) => e.textContent)).toEqual(expect.arrayContaining([expect.stringContaining('FORBIDDEN'), expect.stringContaining('UNAVAILABLE')]));
    listOk = true;
    fireEvent.click(screen.getByTestId('pki-refresh'));
    await screen.findByTestId('cert-row-01aa');
    expect(fake.callsTo('cert.list').length).toBeGreaterThan(1);
  });
});
