/** Tenant Policies, Configuration and Branding tabs (issue 7 items 2–4). */
export function PoliciesTab({ cluster, tenant }: { cluster: string; tenant: string }) {
  return <p className="muted">Policies of {tenant} on {cluster}.</p>;
}
export function ConfigurationTab({ cluster, tenant }: { cluster: string; tenant: string }) {
  return <p className="muted">Configuration of {tenant} on {cluster}.</p>;
}
export function BrandingTab({ cluster, tenant }: { cluster: string; tenant: string }) {
  return <p className="muted">Branding of {tenant} on {cluster}.</p>;
}
