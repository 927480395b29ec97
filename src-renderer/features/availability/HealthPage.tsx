/** Cluster health and capacity (issue 12). Being built. */
export function HealthPage() {
  return (
    <div className="page" data-testid="health-page">
      <h2>Health &amp; capacity</h2>
    </div>
  );
}
