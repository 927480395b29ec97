import { useEffect } from 'react';
import { useClient } from '../../app/client';
import { loadAlerts } from './actions';
import { when } from './bits';
import { useTenants } from './store';

/**
 * A refused out-of-scope call is a security event, not a routine error: it gets a banner of
 * its own (role="alert") on every screen until the operator acknowledges it.
 */
export function SecurityAlertBanner() {
  const unseen = useTenants((s) => s.unseenAlerts);
  const dismiss = useTenants((s) => s.dismissAlerts);
  const latest = unseen[0];
  if (!latest) return null;
  return (
    <div className="banner banner-security" role="alert" data-testid="security-alert-banner">
      <span className="banner-level">Security</span>
      <span className="banner-message">
        {latest.channel === 'isolation.monitor' ? 'Isolation violation found by the monitor' : (
          <>
            Refused <code className="mono">{latest.channel}</code>
          </>
        )}
        {latest.tenant ? (
          <>
            {' '}
            on tenant <code className="mono">{latest.tenant}</code>
          </>
        ) : null}
        {latest.operator ? (
          <>
            {' '}
            for <code className="mono">{latest.operator}</code>
          </>
        ) : null}
        : {latest.message}
        {unseen.length > 1 ? <span className="muted"> (+{unseen.length - 1} more)</span> : null}
      </span>
      <a className="btn btn-ghost btn-small" href="#/security" onClick={dismiss}>
        View all
      </a>
      <button type="button" className="btn btn-ghost btn-small" onClick={dismiss} data-testid="security-alert-dismiss">
        Dismiss
      </button>
    </div>
  );
}

export function SecurityAlertsPage() {
  const client = useClient();
  const alerts = useTenants((s) => s.alerts);
  useEffect(() => {
    void loadAlerts(client);
  }, [client]);
  return (
    <div className="page" data-testid="security-page">
      <header className="page-header">
        <div>
          <h1>Security alerts</h1>
          <p className="muted">Calls this console refused because they reached outside the operator's scope, and new isolation violations the monitor found, newest first. Each is also in the audit trail.</p>
        </div>
        <div className="page-actions">
          <button type="button" className="btn" onClick={() => void loadAlerts(client)} data-testid="refresh-alerts">
            Refresh
          </button>
        </div>
      </header>
      {alerts.length === 0 ? (
        <div className="empty-state" data-testid="alerts-empty">
          <p className="muted">No refused calls recorded.</p>
        </div>
      ) : (
        <div className="table-wrap">
          <table className="table" data-testid="alerts-table">
            <caption className="sr-only">Security alerts</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Channel</th>
                <th scope="col">Operator</th>
                <th scope="col">Cluster</th>
                <th scope="col">Tenant</th>
                <th scope="col">What</th>
              </tr>
            </thead>
            <tbody>
              {alerts.map((a, i) => (
                <tr key={`${a.at}-${a.channel}-${i}`} data-testid="alert-row">
                  <td className="nowrap">{when(a.at)}</td>
                  <td>
                    <code className="mono">{a.channel}</code>
                  </td>
                  <td>{a.operator ? <code className="mono">{a.operator}</code> : '—'}</td>
                  <td>{a.cluster ? <code className="mono">{a.cluster}</code> : '—'}</td>
                  <td>{a.tenant ? <code className="mono">{a.tenant}</code> : '—'}</td>
                  <td>{a.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
