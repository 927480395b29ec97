import { useClient } from '../../app/client';
import { Badge } from '../../ui/Badge';
import { Progress } from '../../ui/Progress';
import { useJobs } from '../jobs/store';
import { startSandbox } from './actions';
import { useClusters } from './store';

function SandboxState() {
  const sandbox = useClusters((s) => s.sandbox);
  if (!sandbox) return <p className="muted">Checking whether a sandbox node can run here…</p>;
  if (!sandbox.available)
    return (
      <p className="notice notice-warning" data-testid="sandbox-unavailable">
        Not available on this machine: {sandbox.reason ?? 'no reason given'}
      </p>
    );
  return (
    <p className="muted" data-testid="sandbox-status">
      {sandbox.running ? 'Running' : 'Not running'}
      {sandbox.contactPoint ? (
        <>
          {' · '}
          {sandbox.running ? 'listening on' : 'will listen on'} <code className="mono">{sandbox.contactPoint}</code>
        </>
      ) : null}
      {sandbox.registered ? ' · registered' : ''}
    </p>
  );
}

/** Shown while no cluster is registered: the two ways to get one. */
export function FirstRun({ onAddCluster }: { onAddCluster(): void }) {
  const client = useClient();
  const sandbox = useClusters((s) => s.sandbox);
  const starting = useClusters((s) => s.sandboxStarting);
  const job = useJobs((s) => s.jobs.find((j) => j.state === 'running' && j.kind.toLowerCase().includes('sandbox')));
  const canStart = Boolean(sandbox?.available) && !starting;

  return (
    <section className="first-run" aria-labelledby="first-run-title" data-testid="first-run">
      <h2 id="first-run-title">No cluster registered yet</h2>
      <p className="muted">Register a cluster to manage its tenants, roles and audit. Two ways to start:</p>
      <div className="first-run-options">
        <div className="card">
          <header className="card-header">
            <h3>Start a local sandbox node</h3>
            <Badge tone="warning">test only</Badge>
          </header>
          <p>
            Runs a single Cassandra node on this machine and registers it as cluster <code className="mono">sandbox</code>.
            It is a local test node for trying the console — <strong>not for production</strong>: one node, no replication,
            data on this disk only.
          </p>
          <SandboxState />
          {starting ? (
            <div className="first-run-progress" aria-live="polite">
              <span>{job ? `${job.label}: ${job.step}` : 'Starting the sandbox node…'}</span>
              <Progress fraction={job?.fraction ?? null} label="Sandbox start progress" testId="sandbox-progress" />
            </div>
          ) : null}
          <div className="card-actions">
            <button
              type="button"
              className="btn btn-primary"
              disabled={!canStart}
              onClick={() => void startSandbox(client)}
              data-testid="start-sandbox"
            >
              {starting ? 'Starting…' : 'Start local sandbox node'}
            </button>
          </div>
        </div>
        <div className="card">
          <header className="card-header">
            <h3>Add an existing cluster</h3>
          </header>
          <p>
            Connect to a cluster you already run: contact points, local data centre and a Cassandra role with the rights to
            manage roles. The password is kept in the OS keychain.
          </p>
          <div className="card-actions">
            <button type="button" className="btn" onClick={onAddCluster} data-testid="first-run-add-cluster">
              Add an existing cluster
            </button>
          </div>
        </div>
      </div>
    </section>
  );
}
