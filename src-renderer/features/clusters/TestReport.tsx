import type { ClusterTestReport } from '../../../src-shared/contract/clusters';
import { Badge, type Tone } from '../../ui/Badge';

type Severity = ClusterTestReport['warnings'][number]['severity'];
const SEVERITY_TONE: Record<Severity, Tone> = { critical: 'danger', warning: 'warning', info: 'info' };
const SEVERITY_RANK: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

/** Cassandra's own classes by their short name; a third-party class keeps its package so it is recognisable. */
function shortClass(value: string): string {
  return value.replace(/^org\.apache\.cassandra\.(auth|locator|audit)\./, '');
}

function Setting({ label, value }: { label: string; value: string }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>
        <code className="mono">{value ? shortClass(value) : '—'}</code>
      </dd>
    </>
  );
}

function replication(r: Record<string, string>): string {
  const cls = r['class'] ?? '';
  const rest = Object.entries(r)
    .filter(([k]) => k !== 'class')
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  const short = shortClass(cls);
  return [short, rest].filter(Boolean).join(' · ') || '—';
}

export function TestReport({ report, onClose }: { report: ClusterTestReport; onClose(): void }) {
  const warnings = [...report.warnings].sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]);
  const down = report.nodes.filter((n) => !n.up).length;
  return (
    <section className="card" aria-labelledby="report-title" data-testid="test-report">
      <header className="card-header">
        <h2 id="report-title">
          Connection report — <code className="mono">{report.cluster}</code>
        </h2>
        <span className="muted" data-testid="report-latency">
          {Math.round(report.latencyMs)} ms
        </span>
        <button type="button" className="btn btn-ghost btn-small" onClick={onClose} aria-label="Close connection report">
          Close
        </button>
      </header>

      <div className="report-grid">
        <dl className="kv">
          <dt>Cassandra</dt>
          <dd>
            <code className="mono" data-testid="report-version">
              {report.releaseVersion}
            </code>
          </dd>
          <dt>Cluster name</dt>
          <dd>{report.clusterName}</dd>
          <dt>Nodes</dt>
          <dd>
            {report.nodes.length} total
            {down ? (
              <>
                {' '}
                <Badge tone="danger">{down} down</Badge>
              </>
            ) : null}
          </dd>
          <dt>Audit logging</dt>
          <dd data-testid="report-audit">
            {report.auditLogging?.enabled ? (
              <>
                <Badge tone="success">on</Badge> <code className="mono">{report.auditLogging.logger}</code>
              </>
            ) : (
              <Badge tone="warning">off</Badge>
            )}
          </dd>
          <dt>system_auth</dt>
          <dd>
            <code className="mono">{replication(report.systemAuthReplication)}</code>
          </dd>
        </dl>
        <dl className="kv">
          <Setting label="Authenticator" value={report.authenticator} />
          <Setting label="Authorizer" value={report.authorizer} />
          <Setting label="Role manager" value={report.roleManager} />
          <Setting label="Network authorizer" value={report.networkAuthorizer} />
        </dl>
      </div>

      <h3>Warnings</h3>
      {warnings.length === 0 ? (
        <p className="muted">No warnings.</p>
      ) : (
        <ul className="warnings" data-testid="report-warnings">
          {warnings.map((w, i) => (
            <li key={`${w.code}-${i}`} className={`warning warning-${w.severity}`} data-severity={w.severity}>
              <Badge tone={SEVERITY_TONE[w.severity]}>{w.severity}</Badge>
              <code className="mono">{w.code}</code>
              <span>{w.message}</span>
            </li>
          ))}
        </ul>
      )}

      <div className="report-grid">
        <div>
          <h3>Data centres</h3>
          <table className="table table-compact">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col" className="num">
                  Up
                </th>
                <th scope="col" className="num">
                  Down
                </th>
              </tr>
            </thead>
            <tbody>
              {report.dataCenters.map((dc) => (
                <tr key={dc.name}>
                  <td>
                    <code className="mono">{dc.name}</code>
                  </td>
                  <td className="num">{dc.nodesUp}</td>
                  <td className="num">{dc.nodesDown ? <Badge tone="danger">{dc.nodesDown}</Badge> : 0}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div>
          <h3>Nodes</h3>
          <table className="table table-compact">
            <thead>
              <tr>
                <th scope="col">Address</th>
                <th scope="col">DC / rack</th>
                <th scope="col">Status</th>
                <th scope="col">Version</th>
              </tr>
            </thead>
            <tbody>
              {report.nodes.map((n) => (
                <tr key={n.address}>
                  <td>
                    <code className="mono">{n.address}</code>
                  </td>
                  <td className="nowrap">
                    {n.dc} / {n.rack}
                  </td>
                  <td>{n.up ? <Badge tone="success">up</Badge> : <Badge tone="danger">down</Badge>}</td>
                  <td>
                    <code className="mono">{n.releaseVersion}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
    </section>
  );
}
