import type { Job } from '../../src-shared/contract/app';
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

export class JobRepo {
  private readonly upsertStmt;
  private readonly getStmt;
  private readonly listStmt;

  constructor(db: Db) {
    this.upsertStmt = db.prepare<[Row & { keep_payload: number }], unknown>(
      `INSERT INTO jobs (${COLUMNS}) VALUES (@id, @kind, @label, @state, @step, @fraction, @started_at, @finished_at, @message, @payload)
       ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, label = excluded.label, state = excluded.state, step = excluded.step,
         fraction = excluded.fraction, started_at = excluded.started_at, finished_at = excluded.finished_at,
         message = excluded.message, payload = CASE WHEN @keep_payload THEN jobs.payload ELSE excluded.payload END`,
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
    });
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
