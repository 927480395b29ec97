/** Analytics (issue 10). SEAM: replaced by its owner. */
export function AnalyticsPage() {
  return (
    <section aria-label="Analytics" data-testid="analytics-page">
      <h1>Analytics</h1>
      <p className="muted">Being built.</p>
    </section>
  );
}
