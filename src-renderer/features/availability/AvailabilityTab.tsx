/** Tenant → Availability (issue 12): uptime chart, incidents, error budget. Being built. */
export function AvailabilityTab({ cluster, tenant }: { cluster: string; tenant: string }) {
  return (
    <section className="card" data-testid="availability-tab" data-cluster={cluster} data-tenant={tenant}>
      <h3>Availability</h3>
    </section>
  );
}
