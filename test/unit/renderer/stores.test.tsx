// @vitest-environment jsdom
import { beforeEach, describe, expect, it } from 'vitest';
import { resetAllStores, useAppInfo, useClusters, useJobs, useSession, useTheme, useToasts } from '../../../src-renderer/app/stores';
import { MAX_TOASTS } from '../../../src-renderer/app/stores/toasts';
import { THEME_STORAGE_KEY } from '../../../src-renderer/app/stores/theme';
import { describeScope } from '../../../src-renderer/app/stores/session';
import { APP_INFO, profile } from './fake-bridge';

const scope = {
  cluster: 'prod',
  role: 'alice',
  superuser: false,
  roles: ['alice', 'tenant_acme_admin'],
  platform: false,
  tenantAdmin: ['acme'],
  auditor: [] as string[],
  tenants: ['acme'],
};

describe('renderer stores (unit: zustand slices, no bridge)', () => {
  beforeEach(() => {
    localStorage.clear();
    delete document.documentElement.dataset.theme;
    resetAllStores();
  });

  it('every slice returns to its initial state on reset()', () => {
    useAppInfo.getState().setInfo(APP_INFO);
    useClusters.getState().setClusters([profile('b'), profile('a')]);
    useClusters.getState().select('a');
    useJobs.getState().applyProgress({ jobId: 'j1', kind: 'k', label: 'L', step: 's', fraction: 0.5, state: 'running' });
    useSession.getState().setScope('prod', scope);
    useToasts.getState().success('done');
    useTheme.getState().setPreference('dark');

    resetAllStores();

    expect(useAppInfo.getState()).toMatchObject({ info: null, status: 'idle', error: null });
    expect(useClusters.getState()).toMatchObject({ clusters: [], status: 'idle', selected: null, reports: {}, sandbox: null });
    expect(useJobs.getState()).toMatchObject({ jobs: [], status: 'idle' });
    expect(useSession.getState().scopes).toEqual({});
    expect(useToasts.getState().toasts).toEqual([]);
    expect(useTheme.getState().preference).toBe('system');
  });

  it('clusters are kept sorted by name; remove forgets the report and selection', () => {
    const s = useClusters.getState();
    s.setClusters([profile('zeta'), profile('alpha')]);
    s.upsert(profile('mid'));
    expect(useClusters.getState().clusters.map((c) => c.name)).toEqual(['alpha', 'mid', 'zeta']);
    s.select('mid');
    s.remove('mid');
    expect(useClusters.getState().selected).toBeNull();
    expect(useClusters.getState().clusters.map((c) => c.name)).toEqual(['alpha', 'zeta']);
  });

  it('job progress for an unknown job lists it; later events update it and stamp the finish', () => {
    const j = useJobs.getState();
    j.applyProgress({ jobId: 'j1', kind: 'sandbox.start', label: 'Start sandbox', step: 'download', fraction: 0.1, state: 'running' });
    expect(useJobs.getState().jobs).toHaveLength(1);
    j.applyProgress({ jobId: 'j1', kind: 'sandbox.start', label: 'Start sandbox', step: 'ready', fraction: 1, state: 'succeeded' });
    const [job] = useJobs.getState().jobs;
    expect(job).toMatchObject({ id: 'j1', step: 'ready', fraction: 1, state: 'succeeded' });
    expect(job?.finishedAt).not.toBeNull();
  });

  it('a stale jobs.list does not overwrite a job an event already finished', () => {
    const j = useJobs.getState();
    j.applyProgress({ jobId: 'j1', kind: 'k', label: 'L', step: 'done', fraction: 1, state: 'succeeded' });
    j.setJobs([
      { id: 'j1', kind: 'k', label: 'L', state: 'running', step: 'one', fraction: 0.2, startedAt: 'x', finishedAt: null, message: null },
    ]);
    expect(useJobs.getState().jobs[0]?.state).toBe('succeeded');
  });

  it('identical toasts collapse with a count; the pile is bounded', () => {
    const t = useToasts.getState();
    t.error({ code: 'UNAVAILABLE', message: 'console host unreachable' }, 'cluster.list');
    t.error({ code: 'UNAVAILABLE', message: 'console host unreachable' }, 'cluster.list');
    expect(useToasts.getState().toasts).toHaveLength(1);
    expect(useToasts.getState().toasts[0]?.count).toBe(2);
    t.error({ code: 'UNAVAILABLE', message: 'console host unreachable' }, 'jobs.list');
    expect(useToasts.getState().toasts[0]).toMatchObject({ count: 3, source: 'cluster.list, jobs.list' });
    for (let i = 0; i < MAX_TOASTS + 3; i++) t.success(`ok ${i}`);
    expect(useToasts.getState().toasts).toHaveLength(MAX_TOASTS);
  });

  it('the theme choice is persisted and applied; "system" clears both', () => {
    useTheme.getState().setPreference('dark');
    expect(localStorage.getItem(THEME_STORAGE_KEY)).toBe('dark');
    expect(document.documentElement.dataset.theme).toBe('dark');
    useTheme.getState().toggle();
    expect(useTheme.getState().preference).toBe('light');
    useTheme.getState().setPreference('system');
    expect(localStorage.getItem(THEME_STORAGE_KEY)).toBeNull();
    expect(document.documentElement.dataset.theme).toBeUndefined();
  });

  it('scope summaries say what the role may do', () => {
    expect(describeScope(scope)).toBe('tenant admin: acme');
    expect(describeScope({ ...scope, platform: true, superuser: true })).toBe('platform (superuser)');
    expect(describeScope({ ...scope, tenantAdmin: [], auditor: 'all' })).toBe('auditor: all tenants');
    expect(describeScope({ ...scope, tenantAdmin: [], auditor: [] })).toBe('no console scope');
  });
});
