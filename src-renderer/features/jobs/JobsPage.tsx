import { useState } from 'react';
import type { Job } from '../../../src-shared/contract/app';
import { useClient } from '../../app/client';
import { Badge, ErrorCode, type Tone } from '../../ui/Badge';
import { Progress } from '../../ui/Progress';
import { cancelJob, loadJobs } from './actions';
import { useJobs } from './store';

const STATE_TONE: Record<Job['state'], Tone> = {
  running: 'info',
  succeeded: 'success',
  failed: 'danger',
  cancelled: 'neutral',
};

function time(iso: string | null): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

export function JobsPage() {
  const client = useClient();
  const { jobs, status, error } = useJobs();
  const [cancelling, setCancelling] = useState<Record<string, boolean>>({});

  const cancel = async (id: string): Promise<void> => {
    setCancelling((c) => ({ ...c, [id]: true }));
    await cancelJob(client, id);
    setCancelling((c) => ({ ...c, [id]: false }));
  };

  return (
    <div className="page" data-testid="jobs-page">
      <header className="page-header">
        <div>
          <h1>Jobs</h1>
          <p className="muted">Long-running operations of this console, newest first, with live progress.</p>
        </div>
        <div className="page-actions">
          <button type="button" className="btn" onClick={() => void loadJobs(client)} disabled={status === 'loading'}>
            Refresh
          </button>
        </div>
      </header>

      {status === 'error' && error && jobs.length === 0 ? (
        <div className="empty-state">
          <p>
            <ErrorCode code={error.code} /> Could not load jobs: {error.message}
          </p>
        </div>
      ) : null}

      {status !== 'error' && jobs.length === 0 ? (
        <div className="empty-state" data-testid="jobs-empty">
          <p className="muted">{status === 'loading' ? 'Loading jobs…' : 'No jobs yet. Long operations appear here as they run.'}</p>
        </div>
      ) : null}

      {jobs.length > 0 ? (
        <div className="table-wrap">
          <table className="table" data-testid="jobs-table">
            <caption className="sr-only">Jobs</caption>
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">State</th>
                <th scope="col">Step</th>
                <th scope="col">Progress</th>
                <th scope="col">Started</th>
                <th scope="col">Finished</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {jobs.map((j) => (
                <tr key={j.id} data-testid={`job-row-${j.id}`} data-state={j.state}>
                  <th scope="row">
                    <span className="cell-job">
                      <span>{j.label}</span>
                      <code className="mono muted small">
                        {j.kind} · {j.id}
                      </code>
                    </span>
                  </th>
                  <td>
                    <Badge tone={STATE_TONE[j.state]} testId="job-state">
                      {j.state}
                    </Badge>
                  </td>
                  <td>
                    <span>{j.step}</span>
                    {j.message ? <div className="muted small">{j.message}</div> : null}
                  </td>
                  <td>
                    {j.state === 'running' || j.state === 'succeeded' || j.fraction !== null ? (
                      <Progress
                        fraction={j.state === 'succeeded' ? 1 : j.fraction}
                        label={`${j.label} progress`}
                        testId="job-progress"
                      />
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                  <td className="nowrap">{time(j.startedAt)}</td>
                  <td className="nowrap">{time(j.finishedAt)}</td>
                  <td className="cell-actions">
                    {j.state === 'running' ? (
                      <button
                        type="button"
                        className="btn btn-small"
                        disabled={cancelling[j.id] === true}
                        onClick={() => void cancel(j.id)}
                        aria-label={`Cancel ${j.label}`}
                        data-testid={`cancel-job-${j.id}`}
                      >
                        {cancelling[j.id] ? 'Cancelling…' : 'Cancel'}
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </div>
  );
}
