/** Tenant → Audit (issue 9): the tenant's stream, verification, export. Being built. */
export function AuditTab({ cluster, tenant }: { cluster: string; tenant: string }) {
  return (
    <section className="card" data-testid="audit-tab" data-cluster={cluster} data-tenant={tenant}>
      <h3>Audit</h3>
    </section>
  );
}
