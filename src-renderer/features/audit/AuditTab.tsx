import { useState } from 'react';
import { LiveTools } from './LiveTools';
import { Review } from './Review';
import './audit.css';

/** Tenant → Audit (issue 9): the tenant's own stream — review, verify, fetch, export a snapshot, report. */
export function AuditTab({ cluster, tenant }: { cluster: string; tenant: string }) {
  const [round, setRound] = useState(0);
  return (
    <div className="audit-tab" data-testid="audit-tab" data-cluster={cluster} data-tenant={tenant}>
      <LiveTools cluster={cluster} tenant={tenant} onSynced={() => setRound((n) => n + 1)} />
      <Review key={`${cluster}/${tenant}#${round}`} source={{ kind: 'live', cluster, tenant }} label={`Events of tenant ${tenant}`} />
    </div>
  );
}
