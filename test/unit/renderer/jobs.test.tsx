// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Job } from '../../../src-shared/contract/app';
import { resetAllStores } from '../../../src-renderer/app/stores';
import { createFakeBridge, ok, renderApp } from './fake-bridge';

const running: Job = {
  id: 'job-1',
  kind: 'sandbox.start',
  label: 'Start sandbox node',
  state: 'running',
  step: 'downloading Cassandra',
  fraction: 0.25,
  startedAt: '2024-05-01T10:00:00.000Z',
  finishedAt: null,
  message: null,
};

describe('Jobs panel (unit: fake bridge and fake job.progress events)', () => {
  beforeEach(() => {
    resetAllStores();
    window.location.hash = '#/jobs';
  });
  afterEach(cleanup);

  it('lists jobs.list and moves the progress bar on job.progress events', async () => {
    const fake = createFakeBridge({ 'jobs.list': () => ok([running]) });
    renderApp(fake);
    const row = await screen.findByTestId('job-row-job-1');
    const bar = within(row).getByRole('progressbar', { name: 'Start sandbox node progress' }) as HTMLProgressElement;
    expect(bar.value).toBe(0.25);
    expect(fake.listenerCount('job.progress')).toBe(1);

    act(() => {
      fake.emit('job.progress', { jobId: 'job-1', kind: 'sandbox.start', label: 'Start sandbox node', step: 'starting node', fraction: 0.8, state: 'running' });
    });
    expect((within(row).getByRole('progressbar') as HTMLProgressElement).value).toBe(0.8);
    expect(row.textContent).toContain('starting node');
    expect(row.textContent).toContain('80%');

    act(() => {
      fake.emit('job.progress', { jobId: 'job-1', kind: 'sandbox.start', label: 'Start sandbox node', step: 'ready', fraction: 1, state: 'succeeded' });
    });
    expect(row.dataset.state).toBe('succeeded');
    expect(within(row).queryByRole('button', { name: /Cancel/ })).toBeNull();
  });

  it('a job first seen through an event appears at the top, and a malformed event is ignored', async () => {
    const fake = createFakeBridge({ 'jobs.list': () => ok([running]) });
    renderApp(fake);
    await screen.findByTestId('job-row-job-1');
    act(() => {
      fake.emit('job.progress', { jobId: 'job-2', kind: 'backup', label: 'Backup', step: 'snapshot', fraction: null, state: 'running' });
      fake.emit('job.progress', { jobId: 'job-3', fraction: 7 });
    });
    const rows = within(screen.getByTestId('jobs-table')).getAllByRole('row').slice(1);
    expect(rows.map((r) => r.dataset.testid)).toEqual(['job-row-job-2', 'job-row-job-1']);
    expect(screen.getByTestId('nav-jobs').textContent).toContain('2');
  });

  it('Cancel calls jobs.cancel for that job and confirms', async () => {
    const fake = createFakeBridge({ 'jobs.list': () => ok([running]), 'jobs.cancel': () => ok({ cancelled: true }) });
    renderApp(fake);
    fireEvent.click(await screen.findByTestId('cancel-job-job-1'));
    await waitFor(() => expect(fake.callsTo('jobs.cancel')).toEqual([{ channel: 'jobs.cancel', input: { jobId: 'job-1' } }]));
    expect((await screen.findByTestId('toast')).dataset.kind).toBe('success');
  });

  it('unsubscribes from job.progress when the app unmounts', async () => {
    const fake = createFakeBridge();
    const { unmount } = renderApp(fake);
    await screen.findByTestId('jobs-empty');
    unmount();
    expect(fake.listenerCount('job.progress')).toBe(0);
  });
});
