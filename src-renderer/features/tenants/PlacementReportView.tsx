import type { WireError } from '../../../src-shared/contract/core';
import type { PlacementReport } from '../../../src-shared/contract/tenants';
import { ErrorCode, YesNo } from '../../ui/Badge';

/** Which cluster the placement policy would pick and why, with every candidate it weighed. */
export function PlacementReportView({ report, error, problem }: { report: PlacementReport | null; error: WireError | null; problem?: string | undefined }) {
  if (error)
    return (
      <div className="field-error" role="alert" data-testid="placement-error">
        <ErrorCode code={error.code} /> {error.message}
      </div>
    );
  if (!report)
    return (
      <p className="muted" aria-busy="true">
        Asking the placement policy…
      </p>
    );
  return (
    <div className="placement" data-testid="placement-report">
      <p>
        {report.chosen ? (
          <>
            Policy’s pick: <code className="mono strong" data-testid="placement-chosen">{report.chosen}</code> — {report.reason}
          </>
        ) : (
          <span className="field-error">No cluster can take the tenant: {report.reason}</span>
        )}
      </p>
      {problem ? (
        <div className="field-error" role="alert">
          {problem}
        </div>
      ) : null}
      <table className="table table-compact">
        <caption className="muted small">
          Thresholds: {report.thresholds.maxTenantsPerCluster} tenants and {report.thresholds.maxTablesPerCluster} tables per cluster ({report.isolation} isolation)
        </caption>
        <thead>
          <tr>
            <th scope="col">Cluster</th>
            <th scope="col" className="num">
              Tenants
            </th>
            <th scope="col" className="num">
              Tables
            </th>
            <th scope="col">Dedicated</th>
            <th scope="col">Eligible</th>
          </tr>
        </thead>
        <tbody>
          {report.candidates.map((c) => (
            <tr key={c.cluster} data-testid={`placement-candidate-${c.cluster}`}>
              <th scope="row">
                <code className="mono">{c.cluster}</code>
              </th>
              <td className="num">{c.tenants}</td>
              <td className="num">{c.tables}</td>
              <td>
                <YesNo value={c.dedicated} yesTone="warning" />
              </td>
              <td>{c.refusal ? <span className="muted">{c.refusal}</span> : <YesNo value />}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
