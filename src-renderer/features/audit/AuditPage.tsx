/** Audit screen (issue 9): review live streams and imported snapshots, import, verify. Being built. */
export function AuditPage() {
  return (
    <div className="page" data-testid="audit-page">
      <h2>Audit</h2>
    </div>
  );
}
