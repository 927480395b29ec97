import { useEffect } from 'react';
import { useClient } from '../../app/client';
import { useSession } from '../../app/stores/session';
import { Badge } from '../../ui/Badge';
import { FormError } from '../../ui/Field';
import { loadProfile, runComplianceScan } from './actions';
import { ControlsTable } from './ControlsTable';
import { DriftList } from './DriftList';
import { ProfileEditor } from './ProfileEditor';
import { complianceKey, useCompliance } from './store';

/** Tenant Compliance tab (issue 6 items 3–4): boundary, profile and effective policy, drift, controls. */
export function ComplianceTab({ cluster, tenant }: { cluster: string; tenant: string }) {
  const client = useClient();
  const key = complianceKey(cluster, tenant);
  const platform = useSession((s) => s.scopes[cluster]?.platform === true);
  const profile = useCompliance((s) => s.profiles[key]);
  const scan = useCompliance((s) => s.scans[key]);
  const profileError = useCompliance((s) => s.profileErrors[key]);
  const scanError = useCompliance((s) => s.scanErrors[key]);
  const scanning = useCompliance((s) => s.scanning[key] === true);

  useEffect(() => {
    void loadProfile(client, cluster, tenant).then(() => runComplianceScan(client, cluster, tenant));
  }, [client, cluster, tenant]);

  return (
    <div className="tab-panel" data-testid="compliance-tab">
      {profileError ? <FormError code={profileError.code} message={profileError.message} /> : null}
      {profile ? <ProfileEditor profile={profile} canEdit={platform} /> : profileError ? null : <p className="muted" aria-busy="true">Reading the compliance profile…</p>}

      <section className="card" aria-labelledby="compliance-scan-title" data-testid="compliance-scan">
        <header className="card-header">
          <h2 id="compliance-scan-title">Controls</h2>
          <div className="page-actions">
            {scan ? (
              <span className="muted small" data-testid="compliance-counts">
                <Badge tone={scan.counts.failed ? 'danger' : 'success'}>{scan.counts.failed} failing</Badge> <Badge tone={scan.counts.drift ? 'danger' : 'neutral'}>{scan.counts.drift} drift</Badge>{' '}
                {scan.counts.unknown ? <Badge tone="warning">{scan.counts.unknown} unknown</Badge> : null} scanned {scan.scannedAt}
              </span>
            ) : null}
            <button type="button" className="btn btn-small" disabled={scanning} onClick={() => void runComplianceScan(client, cluster, tenant)} data-testid="compliance-rescan">
              {scanning ? 'Scanning…' : 'Scan again'}
            </button>
          </div>
        </header>
        {scanError ? <FormError code={scanError.code} message={scanError.message} /> : null}
        {scan ? <ControlsTable controls={scan.controls} /> : scanError ? null : <p className="muted" aria-busy="true">Scanning…</p>}
      </section>
      {scan ? <DriftList cluster={cluster} tenant={tenant} drift={scan.drift} canFix={platform} /> : null}
    </div>
  );
}
