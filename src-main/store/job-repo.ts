import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Job } from '../../src-shared/contract/app';
import type { Clock } from './clock';
import type { Db } from './db';
import { jsonValueSchema, parseEnumColumn, parseJsonColumn, toJsonText, type JsonValue } from './json';

/**
 * The job journal row: the wire `Job` plus an optional payload the job needs to resume or report.
 * Upserting without `payload` keeps the stored one, so progress updates need not carry it.
 */
export interface JobRecord extends Job {
  payload?: JsonValue | null;
}

const STATES: readonly Job['state'][] = ['running', 'succeeded', 'failed', 'cancelled'];

export const INTERRUPTED_MESSAGE = 'interrupted: the console stopped while this job was running';

/** The console process (and store instance in it) that writes a job row: stamped on every upsert. */
export interface JobOwner {
  pid: number;
  host: string;
  /** An OS marker of the process's start, so a recycled pid does not pass for the owner; null where unknown. */
  start: string | null;
  /** One per opened store: a process may open the same file twice (tests, a second window). */
  instance: string;
}

/** Linux: "<boot id>:<start time in clock ticks since boot>", exact and immune to clock changes. */
export function processStartMarker(pid: number): string | null {
  if (process.platform !== 'linux') return null;
  try {
    const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) is in parentheses and may hold spaces or ')': count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = fields[19]; // field 22, starttime; fields[0] is field 3
    return bootId && ticks && /^\d+$/.test(ticks) ? `${bootId}:${ticks}` : null;
  } catch {
    return null;
  }
}

let selfStart: string | null | undefined;

export function currentJobOwner(): JobOwner {
  selfStart ??= processStartMarker(process.pid);
  return { pid: process.pid, host: hostname(), start: selfStart, instance: randomUUID() };
}

/** Store instances open in this process, by JobOwner.instance. */
const liveInstances = new Set<string>();

/** Whether the process that wrote a `running` row can still be running it. */
export type OwnerProbe = (owner: StoredOwner) => boolean;

export interface StoredOwner {
  pid: number | null;
  host: string | null;
  start: string | null;
  instance: string | null;
}

/**
 * Alive unless proven dead: marking a live console's job failed would be worse than leaving a
 * dead one `running`. A row from another machine (a data dir on a shared drive) cannot be probed.
 */
export function ownerMayBeAlive(owner: StoredOwner, self: JobOwner): boolean {
  // Written before owners were recorded (schema < 3): no console of that age can open this file
  // any more (it refuses a newer schema), so such a row is left over.
  if (owner.pid === null) return false;
  if (owner.host !== null && owner.host !== self.host) return true;
  if (owner.pid === self.pid) {
    // The same pid is this very process (an earlier one with a recycled pid, e.g. pid 1 in a
    // container, is dead): alive only if the store instance that wrote it is still open here.
    return owner.instance !== null && liveInstances.has(owner.instance);
  }
  try {
    process.kill(owner.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
    // EPERM: a process of another user holds that pid; fall through to the start marker.
  }
  if (owner.start === null) return true;
  const now = processStartMarker(owner.pid);
  return now === null || now === owner.start;
}

interface Row {
  id: string;
  kind: string;
  label: string;
  state: string;
  step: string;
  fraction: number | null;
  started_at: string;
  finished_at: string | null;
  message: string | null;
  payload: string | null;
}

const COLUMNS = 'id, kind, label, state, step, fraction, started_at, finished_at, message, payload';
const OWNER_COLUMNS = 'owner_pid, owner_host, owner_start, owner_instance';

function fromRow(r: Row): JobRecord {
  return {
    id: r.id,
    kind: r.kind,
    label: r.label,
    state: parseEnumColumn(r.state, STATES, `jobs[${r.id}].state`),
    step: r.step,
    fraction: r.fraction,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    message: r.message,
    payload: r.payload === null ? null : parseJsonColumn(r.payload, jsonValueSchema, `jobs[${r.id}].payload`),
  };
}

interface OwnerRow {
  owner_pid: number | null;
  owner_host: string | null;
  owner_start: string | null;
  owner_instance: string | null;
}

export class JobRepo {
  private readonly upsertStmt;
  private readonly getStmt;
  private readonly listStmt;
  private readonly runningStmt;
  private readonly interruptStmt;
  private readonly ownerRow: OwnerRow;

  /** `owner`: this process, stamped on every row written (see markInterrupted). */
  constructor(
    private readonly db: Db,
    readonly owner: JobOwner = currentJobOwner(),
  ) {
    this.ownerRow = { owner_pid: owner.pid, owner_host: owner.host, owner_start: owner.start, owner_instance: owner.instance };
    this.upsertStmt = db.prepare<[Row & OwnerRow & { keep_payload: number }], unknown>(
      `INSERT INTO jobs (${COLUMNS}, ${OWNER_COLUMNS})
       VALUES (@id, @kind, @label, @state, @step, @fraction, @started_at, @finished_at, @message, @payload, @owner_pid, @owner_host, @owner_start, @owner_instance)
       ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, label = excluded.label, state = excluded.state, step = excluded.step,
         fraction = excluded.fraction, started_at = excluded.started_at, finished_at = excluded.finished_at,
         message = excluded.message, payload = CASE WHEN @keep_payload THEN jobs.payload ELSE excluded.payload END,
         owner_pid = excluded.owner_pid, owner_host = excluded.owner_host, owner_start = excluded.owner_start, owner_instance = excluded.owner_instance`,
    );
    this.runningStmt = db.prepare<[], { id: string } & OwnerRow>(`SELECT id, ${OWNER_COLUMNS} FROM jobs WHERE state = 'running'`);
    // Only the row as it was read: a job another console resumed (re-stamping it) meanwhile is left alone.
    this.interruptStmt = db.prepare<[{ id: string; finished_at: string; message: string; owner_instance: string | null; owner_pid: number | null }], unknown>(
      `UPDATE jobs SET state = 'failed', finished_at = @finished_at, message = @message
       WHERE id = @id AND state = 'running' AND owner_instance IS @owner_instance AND owner_pid IS @owner_pid`,
    );
    this.getStmt = db.prepare<[string], Row>(`SELECT ${COLUMNS} FROM jobs WHERE id = ?`);
    // rowid breaks ties between jobs started in the same millisecond: the later insert is newer.
    this.listStmt = db.prepare<[number], Row>(`SELECT ${COLUMNS} FROM jobs ORDER BY started_at DESC, rowid DESC LIMIT ?`);
  }

  upsert(job: JobRecord): void {
    this.upsertStmt.run({
      id: job.id,
      kind: job.kind,
      label: job.label,
      state: job.state,
      step: job.step,
      fraction: job.fraction,
      started_at: job.startedAt,
      finished_at: job.finishedAt,
      message: job.message,
      payload: job.payload === undefined || job.payload === null ? null : toJsonText(job.payload, 'job payload'),
      keep_payload: job.payload === undefined ? 1 : 0,
      ...this.ownerRow,
    });
  }

  /**
   * Mark `failed` every job left `running` by a console process that is gone (killed, crashed,
   * the machine lost power). Run when the store opens, before this process starts any job; a
   * job whose owner may still be alive (a CLI run next to the desktop app) is left alone.
   * Returns the ids marked.
   */
  markInterrupted(clock: Clock, mayBeAlive: OwnerProbe = (o) => ownerMayBeAlive(o, this.owner)): string[] {
    return this.db
      .transaction(() => {
        const marked: string[] = [];
        let finishedAt: string | null = null;
        for (const r of this.runningStmt.all()) {
          if (mayBeAlive({ pid: r.owner_pid, host: r.owner_host, start: r.owner_start, instance: r.owner_instance })) continue;
          const changed = this.interruptStmt.run({ id: r.id, finished_at: (finishedAt ??= clock()), message: INTERRUPTED_MESSAGE, owner_instance: r.owner_instance, owner_pid: r.owner_pid });
          if (changed.changes > 0) marked.push(r.id);
        }
        return marked;
      })
      .immediate();
  }

  /** This repo's store is open: its jobs belong to a live owner (see ownerMayBeAlive). */
  register(): void {
    liveInstances.add(this.owner.instance);
  }

  unregister(): void {
    liveInstances.delete(this.owner.instance);
  }

  get(id: string): JobRecord | null {
    const row = this.getStmt.get(id);
    return row ? fromRow(row) : null;
  }

  /** Newest first. Positional limit: this repo is the JobRunner's JobStore as it is. */
  list(limit = 200): JobRecord[] {
    return this.listStmt.all(limit).map(fromRow);
  }
}
