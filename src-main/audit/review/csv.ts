import type { StoredAuditEvent } from '../types';

/**
 * CSV of audit events: RFC 4180 (comma, CRLF, a field with comma, quote, CR or LF quoted with
 * quotes doubled) and safe to open in a spreadsheet — a cell starting with = + - @ (or a tab or
 * CR, which some spreadsheets skip before looking for a formula) gets a leading apostrophe, so
 * an operation text like `=HYPERLINK(...)` is shown, not evaluated (OWASP "CSV injection").
 */
export const CSV_COLUMNS = ['seq', 'at', 'source', 'type', 'category', 'user', 'keyspace', 'scope', 'operation', 'outcome', 'errorCode', 'origin', 'detail', 'hash', 'prevHash'] as const;

export function csvCell(value: unknown): string {
  let s = value === null || value === undefined ? '' : typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const csvRow = (cells: readonly unknown[]): string => cells.map(csvCell).join(',') + '\r\n';

export const csvHeader = (): string => csvRow(CSV_COLUMNS);

export function csvEvent(e: StoredAuditEvent): string {
  return csvRow([e.seq, e.at, e.source, e.type, e.category, e.user, e.keyspace, e.scope, e.operation, e.outcome, e.errorCode, e.origin, e.detail ?? null, e.hash, e.prevHash]);
}
