/** Migration & export (issue 11). SEAM: replaced by its owner. */
export function MigrationsPage() {
  return (
    <section aria-label="Migration & export" data-testid="migrations-page">
      <h1>Migration & export</h1>
      <p className="muted">Being built.</p>
    </section>
  );
}
