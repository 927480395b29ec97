import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { INTERRUPTED_MESSAGE, processStartMarker, type JobRecord } from '../../../src-main/store/job-repo';
import { openStore, type Store } from '../../../src-main/store/store';
import { useTempDir } from './helpers';

const tmp = useTempDir('csm-jobs-');
const REPO_ROOT = resolve(import.meta.dirname, '..', '..', '..');

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

const job = (id: string, over: Partial<JobRecord> = {}): JobRecord => ({
  id, kind: 'test.work', label: `job ${id}`, state: 'running', step: 'step 2', fraction: 0.5,
  startedAt: '2024-01-01T00:00:00.000Z', finishedAt: null, message: null, ...over,
});

/** A row as another console process would have written it. */
function insertOwned(store: Store, id: string, owner: { pid: number | null; host?: string | null; start?: string | null; instance?: string | null }): void {
  store.jobs.upsert(job(id));
  store.db
    .prepare('UPDATE jobs SET owner_pid = ?, owner_host = ?, owner_start = ?, owner_instance = ? WHERE id = ?')
    .run(owner.pid, owner.host === undefined ? hostname() : owner.host, owner.start ?? null, owner.instance ?? 'other-instance', id);
}

function reopen(dir: string, at = '2024-06-01T12:00:00.000Z'): Store {
  return openStore({ dir, clock: () => at });
}

/** A live process that is not a console (its pid is real, and it is not ours). */
function sleeper(): ChildProcess {
  const c = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  children.push(c);
  return c;
}

/** A real console-like process: opens the store in `dir`, starts a job that never ends, says "ready <jobId>". */
function consoleWithRunningJob(dir: string): Promise<{ child: ChildProcess; jobId: string }> {
  const script = join(dir, 'child.ts');
  writeFileSync(
    script,
    `import { openStore } from ${JSON.stringify(join(REPO_ROOT, 'src-main/store/store.ts'))};
     import { JobRunner } from ${JSON.stringify(join(REPO_ROOT, 'src-main/app/jobs.ts'))};
     import { EventBus } from ${JSON.stringify(join(REPO_ROOT, 'src-main/app/events.ts'))};
     const store = openStore({ dir: ${JSON.stringify(dir)} });
     const jobs = new JobRunner({ store: store.jobs, bus: new EventBus() });
     const { jobId } = jobs.start('test.forever', 'never ends', (h) => { h.progress('working', 0.3); return new Promise(() => {}); });
     setInterval(() => {}, 1000);
     process.stdout.write('ready ' + jobId + '\\n');`,
  );
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((ok, bad) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /ready (\S+)\n/.exec(out);
      if (m) ok({ child, jobId: m[1]! });
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => bad(new Error(`child exited (${code}) before it was ready: ${err}`)));
  });
}

const exited = (c: ChildProcess): Promise<void> => new Promise((ok) => (c.exitCode !== null || c.signalCode !== null ? ok() : c.once('exit', () => ok())));

describe('jobs left running by a console that stopped', () => {
  it('a job of a killed console is marked failed when the store next opens; while that console lives it is left alone', async () => {
    const dir = tmp();
    const { child, jobId } = await consoleWithRunningJob(dir);

    // The other console (a CLI run next to the desktop app) is alive: its job is not touched.
    const meanwhile = reopen(dir);
    try {
      expect(meanwhile.jobs.get(jobId)).toMatchObject({ state: 'running', step: 'working', finishedAt: null });
    } finally {
      meanwhile.close();
    }

    child.kill('SIGKILL');
    await exited(child);
    const after = reopen(dir, '2024-06-02T08:00:00.000Z');
    try {
      expect(after.jobs.get(jobId)).toMatchObject({
        state: 'failed', step: 'working', fraction: 0.3, finishedAt: '2024-06-02T08:00:00.000Z', message: INTERRUPTED_MESSAGE,
      });
    } finally {
      after.close();
    }
  }, 30_000);

  it('touches only running rows, and is idempotent', () => {
    const dir = tmp();
    const first = reopen(dir);
    const done = job('done', { state: 'succeeded', step: 'done', fraction: 1, finishedAt: 't1', message: null });
    const cancelled = job('cancelled', { state: 'cancelled', finishedAt: 't2', message: 'CANCELLED: x' });
    first.jobs.upsert(done);
    first.jobs.upsert(cancelled);
    insertOwned(first, 'orphan', { pid: 2 ** 22 + 12345 }); // above Linux's pid_max: no such process
    first.close();

    const second = reopen(dir);
    try {
      expect(second.jobs.get('done')).toMatchObject({ state: 'succeeded', finishedAt: 't1', message: null });
      expect(second.jobs.get('cancelled')).toMatchObject({ state: 'cancelled', finishedAt: 't2' });
      expect(second.jobs.get('orphan')).toMatchObject({ state: 'failed', message: INTERRUPTED_MESSAGE });
      expect(second.jobs.markInterrupted(() => 'later')).toEqual([]);
    } finally {
      second.close();
    }
  });

  it('this pid: a store still open in this process keeps its jobs; a closed one (or a recycled pid) does not', () => {
    const dir = tmp();
    const live = reopen(dir);
    const gone = reopen(dir);
    try {
      live.jobs.upsert(job('live'));
      gone.jobs.upsert(job('gone'));
      gone.close();
      // An earlier process with this very pid (pid 1 in a restarted container) left this one.
      insertOwned(live, 'recycled', { pid: process.pid, instance: 'an-instance-of-a-dead-process' });

      const third = reopen(dir);
      try {
        expect(third.jobs.get('live')?.state).toBe('running');
        expect(third.jobs.get('gone')).toMatchObject({ state: 'failed', message: INTERRUPTED_MESSAGE });
        expect(third.jobs.get('recycled')).toMatchObject({ state: 'failed', message: INTERRUPTED_MESSAGE });
      } finally {
        third.close();
      }
    } finally {
      live.close();
    }
  });

  it.runIf(process.platform === 'linux')('a live pid with another start marker is a recycled pid: its job is marked failed', async () => {
    const dir = tmp();
    const other = sleeper();
    const pid = other.pid!;
    const setup = reopen(dir);
    // Wait until /proc shows the child (spawn returns before exec).
    let marker: string | null = null;
    for (let i = 0; i < 50 && marker === null; i++) {
      marker = processStartMarker(pid);
      if (marker === null) await new Promise((r) => setTimeout(r, 20));
    }
    expect(marker).toMatch(/^[0-9a-f-]{36}:\d+$/);
    insertOwned(setup, 'same-process', { pid, start: marker });
    insertOwned(setup, 'pid-reused', { pid, start: `${marker!.split(':')[0]}:1` });
    setup.close();

    const s = reopen(dir);
    try {
      expect(s.jobs.get('same-process')?.state).toBe('running');
      expect(s.jobs.get('pid-reused')).toMatchObject({ state: 'failed', message: INTERRUPTED_MESSAGE });
    } finally {
      s.close();
    }
  });

  it('leaves alone a job of another machine (cannot probe it) and one whose owner may be alive without a marker', () => {
    const dir = tmp();
    const other = sleeper();
    const setup = reopen(dir);
    insertOwned(setup, 'elsewhere', { pid: 2 ** 22 + 12345, host: 'another-host' });
    insertOwned(setup, 'no-marker', { pid: other.pid!, start: null });
    setup.close();
    const s = reopen(dir);
    try {
      expect(s.jobs.get('elsewhere')?.state).toBe('running');
      expect(s.jobs.get('no-marker')?.state).toBe('running');
    } finally {
      s.close();
    }
  });
});
