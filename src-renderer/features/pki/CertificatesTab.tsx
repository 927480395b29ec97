/** Tenant → Certificates (issue 8): inventory, issue, CSR upload, revoke, export, CA view. Being built. */
export function CertificatesTab({ cluster, tenant }: { cluster: string; tenant: string }) {
  return (
    <section className="card" data-testid="certificates-tab" data-cluster={cluster} data-tenant={tenant}>
      <h3>Certificates</h3>
    </section>
  );
}
