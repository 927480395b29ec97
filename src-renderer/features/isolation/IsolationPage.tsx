import { useState, type FormEvent } from 'react';
import type { Finding, FixResult, IsolationReport } from '../../../src-shared/contract/isolation';
import { tenantIdSchema } from '../../../src-shared/rules/names';
import { call } from '../../app/call';
import { useClient } from '../../app/client';
import { useSession } from '../../app/stores/session';
import { Badge } from '../../ui/Badge';
import { FormError } from '../../ui/Field';
import { offerDownload } from '../keys/download';
import { runScan } from './actions';
import { FindingsTable } from './FindingsTable';
import { FixDialog } from './FixDialog';
import { MonitorPanel } from './MonitorPanel';
import { useIsolation } from './store';

function Summary({ r }: { r: IsolationReport }) {
  const clean = r.counts.critical + r.counts.warning === 0;
  return (
    <section className="card" aria-labelledby="isolation-summary-title" data-testid="isolation-summary">
      <header className="card-header">
        <h2 id="isolation-summary-title">{clean ? 'No role reaches across a tenant boundary' : 'Isolation violations found'}</h2>
      </header>
      <p>
        <Badge tone={r.counts.critical ? 'danger' : 'neutral'} testId="count-critical">
          {r.counts.critical} critical
        </Badge>{' '}
        <Badge tone={r.counts.warning ? 'warning' : 'neutral'} testId="count-warning">
          {r.counts.warning} warning
        </Badge>{' '}
        <Badge tone="info" testId="count-info">
          {r.counts.info} info
        </Badge>
      </p>
      <p className="muted small">
        {r.cluster}
        {r.tenant ? `, tenant ${r.tenant}` : ''} · scanned by {r.scannedBy ?? 'unknown'} at {r.scannedAt} · {r.stats.tenants} tenants, {r.stats.roles} roles, {r.stats.memberships} memberships, {r.stats.grants} permissions · read {r.stats.readMs} ms, analysis {r.stats.analysisMs} ms
      </p>
    </section>
  );
}

function FixResultCard({ r }: { r: FixResult }) {
  return (
    <section className="card" aria-labelledby="isolation-fix-title" data-testid="isolation-fix-result">
      <header className="card-header">
        <h2 id="isolation-fix-title">{r.resolved ? 'Fixed — re-scan result' : 'Statements ran, finding still present'}</h2>
      </header>
      <p>{r.finding.title}</p>
      <pre className="mono">{r.applied.join('\n')}</pre>
      <p data-testid="isolation-fix-counts">
        before: {r.before.critical} critical, {r.before.warning} warning → after: {r.after.counts.critical} critical, {r.after.counts.warning} warning
      </p>
    </section>
  );
}

/** Isolation screen (issue 6): scan a cluster this console has platform scope on, read the evidence, fix after confirmation. */
export function IsolationPage() {
  const client = useClient();
  const scopes = useSession((s) => s.scopes);
  const platform = Object.values(scopes)
    .filter((s) => s.platform)
    .map((s) => s.cluster)
    .sort();
  const { cluster, tenant, reports, status, error, lastFix, setCluster, setTenant } = useIsolation();
  const chosen = cluster !== null && platform.includes(cluster) ? cluster : (platform[0] ?? null);
  const report = chosen ? reports[chosen] : undefined;
  const [fixing, setFixing] = useState<Finding | null>(null);
  const tenantError = tenant && !tenantIdSchema.safeParse(tenant).success ? 'tenant id: lower-case letters, digits and _' : undefined;

  const scan = (e?: FormEvent): void => {
    e?.preventDefault();
    if (chosen && !tenantError) void runScan(client, chosen, tenant);
  };
  const exportReport = async (): Promise<void> => {
    if (!chosen) return;
    const r = await call(client, 'isolation.export', { cluster: chosen, ...(tenant ? { tenant } : {}) }, { success: (v) => `Signed report ready (key ${v.keyId})` });
    if (r.ok) offerDownload(r.value.fileName, r.value.text);
  };

  return (
    <div className="page" data-testid="isolation-page">
      <header className="page-header">
        <div>
          <h1>Isolation</h1>
          <p className="muted">Reads Cassandra's own authorization data (system_auth) and the tenant registry, follows inherited roles, and lists every path by which a role of one tenant — or a role nobody owns — reaches another tenant.</p>
        </div>
      </header>
      {chosen === null ? (
        <div className="empty-state" data-testid="isolation-no-cluster">
          <p className="muted">
            Sign in to a cluster with platform scope first (<a href="#/clusters">Clusters</a>).
          </p>
        </div>
      ) : (
        <>
          <form className="form-grid" onSubmit={scan} noValidate>
            <div className="field">
              <label htmlFor="isolation-cluster">Cluster</label>
              <select id="isolation-cluster" value={chosen} onChange={(e) => setCluster(e.target.value)} data-testid="isolation-cluster">
                {platform.map((c) => (
                  <option key={c} value={c}>
                    {c}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="isolation-tenant">
                Tenant <span className="field-optional">(optional)</span>
              </label>
              <input id="isolation-tenant" value={tenant} onChange={(e) => setTenant(e.target.value.trim())} aria-invalid={tenantError ? true : undefined} autoComplete="off" data-testid="isolation-tenant" />
              {tenantError ? <p className="field-error">{tenantError}</p> : null}
            </div>
            <div className="page-actions">
              <button type="submit" className="btn btn-primary" disabled={status === 'loading'} data-testid="isolation-scan">
                {status === 'loading' ? 'Scanning…' : 'Scan'}
              </button>
              <button type="button" className="btn" onClick={() => void exportReport()} data-testid="isolation-export">
                Export signed report
              </button>
            </div>
          </form>
          {error ? <FormError code={error.code} message={error.message} /> : null}
          <MonitorPanel cluster={chosen} />
          {lastFix && lastFix.after.cluster === chosen ? <FixResultCard r={lastFix} /> : null}
          {report ? (
            <>
              <Summary r={report} />
              {report.findings.length ? <FindingsTable findings={report.findings} onFix={setFixing} /> : null}
            </>
          ) : status !== 'loading' ? (
            <p className="muted" data-testid="isolation-not-scanned">
              Not scanned yet.
            </p>
          ) : null}
        </>
      )}
      {fixing && chosen ? <FixDialog cluster={chosen} finding={fixing} onClose={() => setFixing(null)} /> : null}
    </div>
  );
}
