/** Tenant Users tab (issue 7 item 1). */
export function UsersTab({ cluster, tenant }: { cluster: string; tenant: string }) {
  return <p className="muted">Users of {tenant} on {cluster}.</p>;
}
