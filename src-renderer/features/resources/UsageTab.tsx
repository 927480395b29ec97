/** Usage (issue 10). SEAM: replaced by its owner. */
export function UsageTab({ cluster, tenant }: { cluster: string; tenant: string }) {
  return (
    <section aria-label="Usage" data-testid="usage-tab">
      <p className="muted">
        Usage for {tenant} on {cluster} is being built.
      </p>
    </section>
  );
}
