import type { AppInfo } from '../../src-shared/contract/app';
import { redact } from '../app/redact';
import type { Db } from './db';
import { jsonValueSchema, parseEnumColumn, parseJsonColumn, toJsonText, type JsonValue } from './json';

/** 'refused': the caller was not allowed (FORBIDDEN, NOT_SIGNED_IN, …), as the IPC router reports it. */
export type AuditOutcome = 'ok' | 'error' | 'refused';
const OUTCOMES: readonly AuditOutcome[] = ['ok', 'error', 'refused'];
const HOSTS: readonly AppInfo['host'][] = ['electron', 'web', 'cli'];

/** Same shape as the IPC router's AuditEntry, so this repo can be its AuditSink directly. */
export interface LocalAuditEntry {
  at: string;
  host: AppInfo['host'];
  channel: string;
  operator: string | null;
  tenant: string | null;
  /** Already redacted by the caller; redacted once more before it is written. */
  input: unknown;
  outcome: AuditOutcome;
  errorCode: string | null;
}
export interface LocalAuditRecord extends Omit<LocalAuditEntry, 'input'> {
  seq: number;
  input: JsonValue;
}

interface Row {
  seq: number;
  at: string;
  host: string;
  channel: string;
  operator: string | null;
  tenant: string | null;
  input_redacted: string;
  outcome: string;
  error_code: string | null;
}

function fromRow(r: Row): LocalAuditRecord {
  const where = (col: string): string => `audit_local[${r.seq}].${col}`;
  return {
    seq: r.seq,
    at: r.at,
    host: parseEnumColumn(r.host, HOSTS, where('host')),
    channel: r.channel,
    operator: r.operator,
    tenant: r.tenant,
    input: parseJsonColumn(r.input_redacted, jsonValueSchema, where('input_redacted')),
    outcome: parseEnumColumn(r.outcome, OUTCOMES, where('outcome')),
    errorCode: r.error_code,
  };
}

/** Append-only: there is deliberately no update or delete. */
export class LocalAuditRepo {
  private readonly appendStmt;
  private readonly recentStmt;
  private readonly forbiddenStmt;
  private readonly securityStmt;

  constructor(db: Db) {
    this.appendStmt = db.prepare<[Omit<Row, 'seq'>], unknown>(
      `INSERT INTO audit_local (at, host, channel, operator, tenant, input_redacted, outcome, error_code)
       VALUES (@at, @host, @channel, @operator, @tenant, @input_redacted, @outcome, @error_code)`,
    );
    this.recentStmt = db.prepare<[number, number], Row>('SELECT * FROM audit_local WHERE seq < ? ORDER BY seq DESC LIMIT ?');
    this.forbiddenStmt = db.prepare<[number], Row>(`SELECT * FROM audit_local WHERE outcome = 'refused' AND error_code = 'FORBIDDEN' ORDER BY seq DESC LIMIT ?`);
    this.securityStmt = db.prepare<[number], Row>(
      `SELECT * FROM audit_local
        WHERE (outcome = 'refused' AND error_code = 'FORBIDDEN')
           OR (channel = 'isolation.monitor' AND json_extract(input_redacted, '$.event') = 'alert')
        ORDER BY seq DESC LIMIT ?`,
    );
  }

  /** Returns the sequence number. Redacting again here means a caller's slip never reaches the disk. */
  append(e: LocalAuditEntry): number {
    const info = this.appendStmt.run({
      at: e.at,
      host: e.host,
      channel: e.channel,
      operator: e.operator,
      tenant: e.tenant,
      input_redacted: toJsonText(redact(e.input ?? null), 'audit input'),
      outcome: e.outcome,
      error_code: e.errorCode,
    });
    return Number(info.lastInsertRowid);
  }

  /** AuditSink for the IPC router. */
  record(e: LocalAuditEntry): void {
    this.append(e);
  }

  /** Newest first; `beforeSeq` pages backwards. */
  listRecent(opts: { limit?: number; beforeSeq?: number } = {}): LocalAuditRecord[] {
    return this.recentStmt.all(opts.beforeSeq ?? Number.MAX_SAFE_INTEGER, opts.limit ?? 100).map(fromRow);
  }

  /** Out-of-scope calls (security events), newest first. */
  forbidden(limit = 50): LocalAuditRecord[] {
    return this.forbiddenStmt.all(limit).map(fromRow);
  }

  /** Security events, newest first: refused out-of-scope calls and isolation alerts raised by the monitor. */
  securityEvents(limit = 50): LocalAuditRecord[] {
    return this.securityStmt.all(limit).map(fromRow);
  }
}
