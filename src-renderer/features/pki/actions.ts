import type { CsmClient } from '../../../src-shared/client';
import type { ChannelInput, ChannelName, ChannelOutput } from '../../../src-shared/contract';
import { call } from '../../app/call';
import { approvalRequestId, filterSignature, listInput, type Outcome } from './format';
import { NO_FILTER, pkiKey, usePki } from './store';

export async function loadCa(client: CsmClient, cluster: string, tenant: string): Promise<void> {
  const key = pkiKey(cluster, tenant);
  const r = await call(client, 'cert.ca', { cluster, tenant }, { quiet: true });
  if (r.ok) {
    usePki.getState().setCa(key, r.value);
    usePki.getState().setCaError(key, null);
  } else usePki.getState().setCaError(key, r.error);
}

/** Reads the inventory with the tenant's current filter; an answer to an older filter is dropped. */
export async function loadCertificates(client: CsmClient, cluster: string, tenant: string): Promise<void> {
  const key = pkiKey(cluster, tenant);
  const filter = usePki.getState().filters[key] ?? NO_FILTER;
  const sig = filterSignature(filter);
  const r = await call(client, 'cert.list', listInput(cluster, tenant, filter), { quiet: true });
  const now = usePki.getState().filters[key] ?? NO_FILTER;
  if (filterSignature(now) !== sig) return;
  if (r.ok) {
    usePki.getState().setCerts(key, r.value, sig);
    usePki.getState().setListError(key, null);
  } else usePki.getState().setListError(key, r.error);
}

export async function loadReport(client: CsmClient, cluster: string, tenant: string): Promise<void> {
  const key = pkiKey(cluster, tenant);
  const r = await call(client, 'cert.expiryReport', { cluster, tenant }, { quiet: true });
  if (r.ok) {
    usePki.getState().setReport(key, r.value);
    usePki.getState().setReportError(key, null);
  } else usePki.getState().setReportError(key, r.error);
}

/**
 * The tenant's certificate policy (algorithms, minimum RSA size, default validity, approval) and
 * its certificate quota, so the dialogs offer what main would accept. Unknown, with the reason,
 * when `config.show` is refused or fails: the dialogs then offer the contract's full list.
 */
export async function loadCertPolicy(client: CsmClient, cluster: string, tenant: string): Promise<void> {
  const r = await call(client, 'config.show', { cluster, tenant }, { quiet: true });
  usePki
    .getState()
    .setPolicy(
      pkiKey(cluster, tenant),
      r.ok ? { source: 'tenant', ...r.value.effective.certificates, maxCertificates: r.value.effective.quotas.maxCertificates } : { source: 'unknown', reason: `${r.error.code}: ${r.error.message}` },
    );
}

export async function refreshAll(client: CsmClient, cluster: string, tenant: string): Promise<void> {
  await Promise.all([loadCa(client, cluster, tenant), loadCertificates(client, cluster, tenant), loadReport(client, cluster, tenant)]);
}

/**
 * A mutating call from a dialog: the failure comes back to the dialog (shown in place, the form
 * kept), APPROVAL_REQUIRED as its own outcome with the request id; on success the tab re-reads
 * what the call changed.
 */
async function mutate<C extends ChannelName>(client: CsmClient, channel: C, input: ChannelInput<C>, success: (v: ChannelOutput<C>) => string, after: () => Promise<void>): Promise<Outcome<ChannelOutput<C>>> {
  const r = await call(client, channel, input, { quiet: true, success });
  if (!r.ok) {
    if (r.error.code === 'APPROVAL_REQUIRED') return { kind: 'approval', requestId: approvalRequestId(r.error.message), message: r.error.message };
    return { kind: 'error', error: r.error };
  }
  await after();
  return { kind: 'done', value: r.value };
}

export function initCa(client: CsmClient, input: ChannelInput<'cert.caInit'>) {
  const { cluster, tenant } = input;
  return mutate(client, 'cert.caInit', input, (v) => `CA of ${tenant} created (${v.kind}, ${v.algorithm})`, () => refreshAll(client, cluster, tenant));
}

export function issueCertificate(client: CsmClient, input: ChannelInput<'cert.issue'>) {
  const { cluster, tenant } = input;
  return mutate(client, 'cert.issue', input, (v) => `Certificate ${v.certificate.serial} issued to ${v.certificate.commonName}`, () => refreshAll(client, cluster, tenant));
}

export function signCsr(client: CsmClient, input: ChannelInput<'cert.signCsr'>) {
  const { cluster, tenant } = input;
  return mutate(client, 'cert.signCsr', input, (v) => `CSR of ${v.certificate.commonName} signed: ${v.certificate.serial}`, () => refreshAll(client, cluster, tenant));
}

export function revokeCertificate(client: CsmClient, input: ChannelInput<'cert.revoke'>) {
  const { cluster, tenant } = input;
  return mutate(client, 'cert.revoke', input, (v) => `Certificate ${v.serial} revoked (${v.revocationReason ?? input.reason})`, () => refreshAll(client, cluster, tenant));
}

export function renewCertificate(client: CsmClient, input: ChannelInput<'cert.renew'>) {
  const { cluster, tenant } = input;
  return mutate(client, 'cert.renew', input, (v) => `Certificate renewed: ${v.certificate.serial}`, () => refreshAll(client, cluster, tenant));
}

/** The PKCS#12 password is in `input` only: it goes to main with the call and is not kept here. */
export function exportCertificate(client: CsmClient, input: ChannelInput<'cert.export'>) {
  return mutate(client, 'cert.export', input, (v) => `Certificate ${v.serial} exported (${v.format === 'p12' ? 'PKCS#12' : 'PEM'})`, async () => {});
}

export function writeBundle(client: CsmClient, input: ChannelInput<'cert.bundle'>) {
  return mutate(client, 'cert.bundle', input, (v) => `Secure connect bundle written: ${v.file.path}`, async () => {});
}

export async function signCrl(client: CsmClient, input: ChannelInput<'cert.crl'>) {
  const { cluster, tenant } = input;
  const o = await mutate(client, 'cert.crl', input, (v) => `CRL #${v.crlNumber} signed (${v.revokedCount} revoked)`, () => loadCa(client, cluster, tenant));
  if (o.kind === 'done') usePki.getState().setCrl(pkiKey(cluster, tenant), o.value);
  return o;
}

export async function showCertificate(client: CsmClient, cluster: string, tenant: string, serial: string) {
  return call(client, 'cert.show', { cluster, tenant, serial }, { quiet: true });
}
