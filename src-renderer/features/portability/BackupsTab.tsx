/** Backups (issue 11). SEAM: replaced by its owner. */
export function BackupsTab({ cluster, tenant }: { cluster: string; tenant: string }) {
  return (
    <section aria-label="Backups" data-testid="backups-tab">
      <p className="muted">
        Backups for {tenant} on {cluster} is being built.
      </p>
    </section>
  );
}
