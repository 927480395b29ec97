/** Quotas (issue 10). SEAM: replaced by its owner. */
export function QuotasTab({ cluster, tenant }: { cluster: string; tenant: string }) {
  return (
    <section aria-label="Quotas" data-testid="quotas-tab">
      <p className="muted">
        Quotas for {tenant} on {cluster} is being built.
      </p>
    </section>
  );
}
