import type { ClusterProfile } from '../../../src-shared/contract/clusters';
import { describeScope, useSession } from '../../app/stores/session';
import { Badge, YesNo } from '../../ui/Badge';

export type RowAction = 'test' | 'sign-in' | 'sign-out' | 'edit' | 'remove';

interface Props {
  clusters: ClusterProfile[];
  busy: Record<string, string | undefined>;
  onAction(action: RowAction, cluster: ClusterProfile): void;
}

export function ClustersTable({ clusters, busy, onAction }: Props) {
  const scopes = useSession((s) => s.scopes);
  return (
    <div className="table-wrap">
      <table className="table" data-testid="clusters-table">
        <caption className="sr-only">Registered clusters</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Contact points</th>
            <th scope="col">Local DC</th>
            <th scope="col">Username</th>
            <th scope="col">TLS</th>
            <th scope="col">Password stored</th>
            <th scope="col">Session</th>
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {clusters.map((c) => {
            const scope = scopes[c.name];
            const rowBusy = busy[c.name];
            return (
              <tr key={c.name} data-testid={`cluster-row-${c.name}`}>
                <th scope="row">
                  <span className="cell-name">
                    <code className="mono strong">{c.name}</code>
                    {c.sandbox ? (
                      <Badge tone="warning" testId="sandbox-badge">
                        SANDBOX
                      </Badge>
                    ) : null}
                  </span>
                </th>
                <td>
                  <ul className="cell-list">
                    {c.contactPoints.map((p) => (
                      <li key={p}>
                        <code className="mono">{p}</code>
                      </li>
                    ))}
                  </ul>
                </td>
                <td>
                  <code className="mono">{c.localDc}</code>
                </td>
                <td>
                  <code className="mono">{c.username}</code>
                </td>
                <td data-testid="cell-tls">
                  <YesNo value={c.tls !== null} noTone="warning" />
                </td>
                <td data-testid="cell-password-stored">
                  <YesNo value={c.passwordStored} noTone="warning" />
                </td>
                <td className="nowrap" data-testid="cell-session">
                  {scope ? (
                    <span className="cell-session">
                      <code className="mono">{scope.role}</code>
                      <span className="muted small">{describeScope(scope)}</span>
                    </span>
                  ) : (
                    <span className="muted">not signed in</span>
                  )}
                </td>
                <td className="cell-actions">
                  <button
                    type="button"
                    className="btn btn-small"
                    disabled={rowBusy !== undefined}
                    onClick={() => onAction('test', c)}
                    aria-label={`Test ${c.name}`}
                    data-testid={`test-${c.name}`}
                  >
                    {rowBusy === 'test' ? 'Testing…' : 'Test'}
                  </button>
                  {scope ? (
                    <button
                      type="button"
                      className="btn btn-small"
                      disabled={rowBusy !== undefined}
                      onClick={() => onAction('sign-out', c)}
                      aria-label={`Sign out of ${c.name}`}
                      data-testid={`sign-out-${c.name}`}
                    >
                      Sign out
                    </button>
                  ) : (
                    <button
                      type="button"
                      className="btn btn-small"
                      disabled={rowBusy !== undefined}
                      onClick={() => onAction('sign-in', c)}
                      aria-label={`Sign in to ${c.name}`}
                      data-testid={`sign-in-${c.name}`}
                    >
                      Sign in
                    </button>
                  )}
                  <button
                    type="button"
                    className="btn btn-small btn-ghost"
                    onClick={() => onAction('edit', c)}
                    aria-label={`Edit ${c.name}`}
                    data-testid={`edit-${c.name}`}
                  >
                    Edit
                  </button>
                  <button
                    type="button"
                    className="btn btn-small btn-ghost btn-danger-text"
                    onClick={() => onAction('remove', c)}
                    aria-label={`Remove ${c.name}`}
                    data-testid={`remove-${c.name}`}
                  >
                    Remove
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
