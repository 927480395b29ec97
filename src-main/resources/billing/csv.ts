import { closeSync, fsyncSync, lstatSync, openSync, statSync, writeSync } from 'node:fs';
import { dirname, isAbsolute } from 'node:path';
import { AppError } from '../../app/errors';
import type { ComputedStatement } from './integrate';
import { formatMinor } from './money';

/**
 * CSV of the MSP report (RFC 4180): CRLF line ends, every field quoted when it holds a comma,
 * quote, CR or LF, quotes doubled. A cell a spreadsheet would run as a formula (starting with
 * = + - @, or a tab/CR that some apps strip first) is prefixed with ' so it stays text — tenant
 * names and cost centres are chosen by others. Amounts are given in integer minor units (the
 * figure) and formatted (for people).
 */
export function cell(v: string | number | null): string {
  let s = v === null ? '' : String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const HEADER = ['tenant', 'cost_centre', 'from', 'to', 'item', 'quantity', 'unit', 'precision', 'rate_minor', 'amount_minor', 'amount', 'currency', 'coverage'];

export function reportCsv(statements: readonly ComputedStatement[], byCostCentre: readonly { costCentre: string | null; tenants: number; totalMinor: number }[], totalMinor: number, currency: string): string {
  const rows: (string | number | null)[][] = [HEADER];
  for (const s of statements) {
    for (const l of s.lines) rows.push([s.tenant, s.costCentre, s.from, s.to, l.item, l.quantity, l.unit, l.precision, l.rateMinor, l.amountMinor, formatMinor(l.amountMinor, s.currency), s.currency, s.coverage]);
    rows.push([s.tenant, s.costCentre, s.from, s.to, 'total', null, null, null, null, s.totalMinor, formatMinor(s.totalMinor, s.currency), s.currency, s.coverage]);
  }
  const from = statements[0]?.from ?? null;
  const to = statements[0]?.to ?? null;
  for (const c of byCostCentre) rows.push([null, c.costCentre ?? '(none)', from, to, 'cost-centre total', c.tenants, 'tenants', null, null, c.totalMinor, formatMinor(c.totalMinor, currency), currency, null]);
  rows.push([null, null, from, to, 'grand total', statements.length, 'tenants', null, null, totalMinor, formatMinor(totalMinor, currency), currency, null]);
  return rows.map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

/** Minimal RFC 4180 reader (tests and round trips): quoted fields, doubled quotes, CRLF. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** Refuses a target before any work is done: not absolute, no such directory, or already there (a symlink counts). */
export function checkCsvTarget(path: string): void {
  if (!isAbsolute(path)) throw new AppError('BAD_INPUT', `out: ${path.slice(0, 200)} is not an absolute path`);
  let dir;
  try {
    dir = statSync(dirname(path));
  } catch {
    throw new AppError('NOT_FOUND', `out: ${dirname(path).slice(0, 200)}: no such directory`);
  }
  if (!dir.isDirectory()) throw new AppError('BAD_INPUT', `out: ${dirname(path).slice(0, 200)} is not a directory`);
  let exists = false;
  try {
    lstatSync(path);
    exists = true;
  } catch {
    /* absent: good */
  }
  if (exists) throw new AppError('CONFLICT', `out: ${path.slice(0, 200)} exists; nothing was written (choose another name)`);
}

/**
 * Writes the report where the operator asked: an absolute path, created exclusively (never over
 * an existing file, never through a symlink), 0600 (tenant costs are not for every local user).
 */
export function writeCsvFile(path: string, text: string): void {
  checkCsvTarget(path);
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'EEXIST') throw new AppError('CONFLICT', `out: ${path.slice(0, 200)} exists; nothing was written`);
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') throw new AppError('FORBIDDEN', `out: writing ${path.slice(0, 200)}: permission denied`);
    throw new AppError('UNAVAILABLE', `out: writing ${path.slice(0, 200)} failed (${code ?? 'unknown'})`);
  }
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
