import { useEffect, useState } from 'react';
import type { CertificateInfo } from '../../../src-shared/contract/pki';
import { useClient } from '../../app/client';
import { useSession } from '../../app/stores/session';
import { Badge } from '../../ui/Badge';
import { loadCa, loadCertPolicy, loadReport, refreshAll } from './actions';
import { CaPanel } from './CaPanel';
import { CertDetails, type RowAction } from './CertDetails';
import { AttentionList, CertFilters, CertTable, ExpirySummary, useInventory } from './Inventory';
import { CsrDialog, IssueDialog } from './IssueDialogs';
import { BundleDialog, ExportDialog, RenewDialog, RevokeDialog } from './RowDialogs';
import { pkiKey, usePki } from './store';
import './pki.css';

type Open = { kind: 'issue' | 'csr' } | { kind: RowAction; cert: CertificateInfo } | null;

/** Platform scope, or tenant-admin scope for this tenant, may change certificates; auditors only look. */
export function useCanMutate(cluster: string, tenant: string): boolean {
  return useSession((s) => s.scopes[cluster]?.platform === true || (s.scopes[cluster]?.tenantAdmin ?? []).includes(tenant));
}

/** Tenant → Certificates (issue 8 item 7): CA view, expiry summary, inventory with filters, issue, CSR, revoke, renew, export, bundle. */
export function CertificatesTab({ cluster, tenant }: { cluster: string; tenant: string }) {
  const client = useClient();
  const canMutate = useCanMutate(cluster, tenant);
  const hasCa = usePki((s) => Boolean(s.ca[pkiKey(cluster, tenant)]));
  const [open, setOpen] = useState<Open>(null);
  const [selected, setSelected] = useState<string | null>(null);

  useEffect(() => {
    void loadCa(client, cluster, tenant);
    void loadReport(client, cluster, tenant);
    void loadCertPolicy(client, cluster, tenant);
  }, [client, cluster, tenant]);
  useInventory(cluster, tenant);

  const close = (): void => setOpen(null);
  const noCa = hasCa ? undefined : 'the tenant has no CA yet';
  return (
    <div className="pki-tab" data-testid="certificates-tab" data-cluster={cluster} data-tenant={tenant} data-mode={canMutate ? 'admin' : 'read-only'}>
      <CaPanel cluster={cluster} tenant={tenant} canMutate={canMutate} />
      <section className="card" aria-labelledby="pki-inventory-title" data-testid="pki-inventory">
        <header className="card-header">
          <h2 id="pki-inventory-title">Certificates</h2>
          {canMutate ? null : (
            <Badge tone="info" testId="pki-read-only">
              read-only
            </Badge>
          )}
          <div className="page-actions">
            <button type="button" className="btn btn-small" onClick={() => void refreshAll(client, cluster, tenant)} data-testid="pki-refresh">
              Refresh
            </button>
            {canMutate ? (
              <>
                <button type="button" className="btn btn-small" disabled={!hasCa} title={noCa} onClick={() => setOpen({ kind: 'csr' })} data-testid="pki-sign-csr">
                  Sign CSR
                </button>
                <button type="button" className="btn btn-small btn-primary" disabled={!hasCa} title={noCa} onClick={() => setOpen({ kind: 'issue' })} data-testid="pki-issue">
                  Issue certificate
                </button>
              </>
            ) : null}
          </div>
        </header>
        <ExpirySummary cluster={cluster} tenant={tenant} />
        <AttentionList cluster={cluster} tenant={tenant} canMutate={canMutate} onSelect={setSelected} onRenew={(cert) => setOpen({ kind: 'renew', cert })} />
        <CertFilters cluster={cluster} tenant={tenant} />
        <CertTable cluster={cluster} tenant={tenant} canMutate={canMutate} selected={selected} onSelect={(s) => setSelected((cur) => (cur === s ? null : s))} onRevoke={(cert) => setOpen({ kind: 'revoke', cert })} />
      </section>
      {selected ? <CertDetails cluster={cluster} tenant={tenant} serial={selected} canMutate={canMutate} onAction={(kind, cert) => setOpen({ kind, cert })} onClose={() => setSelected(null)} /> : null}
      {open?.kind === 'issue' ? <IssueDialog cluster={cluster} tenant={tenant} onClose={close} /> : null}
      {open?.kind === 'csr' ? <CsrDialog cluster={cluster} tenant={tenant} onClose={close} /> : null}
      {open?.kind === 'revoke' ? <RevokeDialog cluster={cluster} tenant={tenant} cert={open.cert} onClose={close} /> : null}
      {open?.kind === 'renew' ? <RenewDialog cluster={cluster} tenant={tenant} cert={open.cert} onClose={close} /> : null}
      {open?.kind === 'export' ? <ExportDialog cluster={cluster} tenant={tenant} cert={open.cert} onClose={close} /> : null}
      {open?.kind === 'bundle' ? <BundleDialog cluster={cluster} tenant={tenant} cert={open.cert} onClose={close} /> : null}
    </div>
  );
}
