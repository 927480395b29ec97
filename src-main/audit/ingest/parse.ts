import { AUDIT_CATEGORIES } from '../../../src-shared/contract/audit';

/**
 * Cassandra FileAuditLogger output (issue 9, item 2), as logback writes it:
 *
 *   %-5level [%thread] %date{ISO8601} %F:%L - %msg%n
 *   msg = user:U|host:H:P|source:/IP|port:P|timestamp:EPOCH_MS|type:T|category:C[|batch:UUID][|ks:KS][|scope:S][|operation:TEXT]
 *
 * Format decisions (checked against the shared node's real log):
 * - The operation is the last field and is Cassandra's statement text verbatim: it may contain
 *   `|` and it may span lines (a CREATE TABLE written over several lines is logged with its
 *   newlines). So a record is a header line plus every following line that does not start a new
 *   logback record (`LEVEL [thread] yyyy-MM-dd HH:mm:ss,SSS `); those continuation lines belong to
 *   the operation, joined with `\n`.
 * - A continuation line with no record before it (the start of a file cut mid-record, garbage)
 *   is malformed; so is a binary line (NUL or other control bytes, invalid UTF-8), a line over
 *   the length limit, and a FileAuditLogger record whose message does not parse. None of them
 *   stops the run; each is counted with its line number.
 * - Other logback records in the audit file (AuditLogManager's "Audit logging is enabled.") are
 *   not events and not malformed: they are skipped with their continuation lines.
 * - Failures: Cassandra appends `; <error>` to the operation. For failure types (LOGIN_ERROR,
 *   UNAUTHORIZED_ATTEMPT, REQUEST_FAILURE, category ERROR, any *_ERROR / *_FAILURE) the error is
 *   the text after the last `; `. The operation is kept as logged, except that any
 *   `[HASHED] PASSWORD [=] '…'|$$…$$` literal is masked again (maskPasswords).
 * - Escaped logs (the appender pattern of scripts/cassandra/lib.mjs: ` -- ` before the message,
 *   `\\`, LF, CR escaped) have one line per record; unescaped logs can carry fake header lines
 *   inside statement text, so records where that is possible are marked suspect (RawRecord).
 */

export const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'] as const;

/**
 * A logback record header: level, thread, date, file:line, ` - ` (plain) or ` -- ` (escaped
 * message: the pattern scripts/cassandra/lib.mjs gives the AUDIT appender), message.
 */
const HEADER = /^(TRACE|DEBUG|INFO|WARN|ERROR) {0,2}\[(.*?)\] (\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}[,.]\d{3}) (\S+?):(\d+|\?) (--?) /;
/** Quick pre-check for the header before the regex (most lines are headers). */
const HEADER_START = /^(?:TRACE|DEBUG|INFO |WARN |ERROR)/;

export interface Header {
  level: string;
  thread: string;
  loggedAt: string;
  file: string;
  message: string;
  /** Logged with the escaping pattern (` -- `): the message is one line, `\\`, `\n`, `\r` escaped; `message` is already un-escaped. */
  escaped: boolean;
}

/** Undo the audit appender's escaping (`\\` → `\`, `\n` → LF, `\r` → CR; any other `\x` stays as it is). */
export function unescapeMessage(s: string): string {
  if (!s.includes('\\')) return s;
  return s.replace(/\\([\\nr])/g, (_m, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : '\\'));
}

export function parseHeader(line: string): Header | null {
  if (!HEADER_START.test(line)) return null;
  const m = HEADER.exec(line);
  if (!m) return null;
  const escaped = m[6] === '--';
  const message = line.slice(m[0].length);
  return { level: m[1]!, thread: m[2]!, loggedAt: m[3]!, file: m[4]!, message: escaped ? unescapeMessage(message) : message, escaped };
}

/**
 * `[HASHED] PASSWORD [=] '…'` or `$$…$$` → `'*******'`. Cassandra already masks passwords in what
 * it logs; this is a second line of defence (another version, another logger, a statement shape
 * it misses) so a clear password never becomes an event. A quoted password may hold `''`.
 */
const PASSWORD = /\b((?:HASHED\s+)?PASSWORD\s*=?\s*)(?:'(?:[^']|'')*(?:'|$)|\$\$[\s\S]*?\$\$)/gi;
export const maskPasswords = (op: string): string => (/password/i.test(op) ? op.replace(PASSWORD, (_m, lead: string) => `${lead}'*******'`) : op);

export type Category = (typeof AUDIT_CATEGORIES)[number];
const CATEGORIES = new Set<string>(AUDIT_CATEGORIES);

export interface AuditFields {
  user: string | null;
  host: string;
  source: string;
  port: string;
  timestamp: number;
  type: string;
  category: Category;
  /** Cassandra's own category when it is not one the contract knows (mapped to OTHER). */
  rawCategory: string | null;
  batch: string | null;
  ks: string | null;
  scope: string | null;
  /** Any other `|key:value` field before the operation (a newer Cassandra). */
  extra: Record<string, string>;
  operation: string;
  /** For failure types: the statement and the error Cassandra appended after `; `. */
  statement: string | null;
  error: string | null;
  failure: boolean;
  /** LOGIN_ERROR: the user name the failed login tried (the record's user is `null`). */
  attemptedUser: string | null;
}

export type ParseResult = { ok: true; fields: AuditFields } | { ok: false; reason: string };

const FAILURE_TYPES = new Set(['LOGIN_ERROR', 'UNAUTHORIZED_ATTEMPT', 'REQUEST_FAILURE']);
export const isFailureType = (type: string, category: string): boolean =>
  FAILURE_TYPES.has(type) || category === 'ERROR' || type.endsWith('_ERROR') || type.endsWith('_FAILURE');

/** An optional `|key:value` field before the operation, matched in place (sticky). */
const FIELD = /\|([a-z_]{1,40}):([^|\n]*)/y;

const fieldAt = (msg: string, pos: number, key: string): number => (msg.startsWith(key, pos) ? pos + key.length : -1);

/** Parse a FileAuditLogger message (the text after ` - `, continuation lines joined with `\n`). */
export function parseMessage(msg: string): ParseResult {
  let p = fieldAt(msg, 0, 'user:');
  if (p < 0) return { ok: false, reason: 'message does not start with user:' };
  // user is free text up to |host: (role names are quoted identifiers and may hold anything but
  // a `|host:` sequence); the rest of the fixed fields cannot contain `|`.
  const hostAt = msg.indexOf('|host:', p);
  if (hostAt < 0) return { ok: false, reason: 'missing host field' };
  const userRaw = msg.slice(p, hostAt);
  p = hostAt + '|host:'.length;
  const fixed: string[] = [];
  for (const key of ['source', 'port', 'timestamp', 'type', 'category']) {
    const bar = msg.indexOf(`|${key}:`, p);
    const next = msg.indexOf('|', p);
    if (bar < 0 || next !== bar) return { ok: false, reason: `missing ${key} field` };
    fixed.push(msg.slice(p, bar));
    p = bar + key.length + 2;
  }
  const host = fixed[0]!;
  const [source, port, ts, type] = fixed.slice(1) as [string, string, string, string];
  let end = msg.indexOf('|', p);
  if (end < 0) end = msg.length;
  const rawCat = msg.slice(p, end);
  p = end;
  if (!/^\d{1,15}$/.test(ts)) return { ok: false, reason: 'timestamp is not epoch milliseconds' };
  const timestamp = Number(ts);
  if (timestamp > 8_640_000_000_000) return { ok: false, reason: 'timestamp out of range' };
  if (!/^[A-Z][A-Z0-9_]{0,63}$/.test(type)) return { ok: false, reason: 'bad type' };
  if (!/^[A-Z][A-Z0-9_]{0,31}$/.test(rawCat)) return { ok: false, reason: 'bad category' };
  if (!/^\/?[^\s|]{0,300}$/.test(host) || !/^\/?[^\s|]{0,300}$/.test(source) || !/^\d{0,5}$/.test(port)) return { ok: false, reason: 'bad host, source or port' };

  let batch: string | null = null;
  let ks: string | null = null;
  let scope: string | null = null;
  let operation = '';
  const extra: Record<string, string> = {};
  while (p < msg.length) {
    if (msg.startsWith('|operation:', p)) {
      operation = maskPasswords(msg.slice(p + '|operation:'.length));
      break;
    }
    FIELD.lastIndex = p;
    const m = FIELD.exec(msg);
    if (!m) return { ok: false, reason: 'unexpected text after the fixed fields' };
    const [whole, key, value] = m as unknown as [string, string, string];
    if (key === 'batch') batch = value;
    else if (key === 'ks') ks = value;
    else if (key === 'scope') scope = value;
    else extra[key] = value;
    p += whole.length;
  }

  const category: Category = CATEGORIES.has(rawCat) ? (rawCat as Category) : 'OTHER';
  const failure = isFailureType(type, rawCat);
  let statement: string | null = null;
  let error: string | null = null;
  if (failure) {
    const cut = operation.lastIndexOf('; ');
    if (cut >= 0) {
      statement = operation.slice(0, cut);
      error = operation.slice(cut + 2);
    } else {
      error = operation;
    }
  }
  let attemptedUser: string | null = null;
  if (type === 'LOGIN_ERROR' && error) {
    const m = /^Provided username (\S+) and\/or password/.exec(error) ?? /^(\S+) is not permitted to log in/.exec(error);
    attemptedUser = m?.[1] ?? null;
  }
  return {
    ok: true,
    fields: {
      user: userRaw === 'null' || userRaw === '' ? null : userRaw,
      host: host.replace(/^\//, ''),
      source: source.replace(/^\//, ''),
      port,
      timestamp,
      type,
      category,
      rawCategory: category === rawCat ? null : rawCat,
      batch,
      ks: ks === '' ? null : ks,
      scope: scope === '' ? null : scope,
      extra,
      operation,
      statement,
      error,
      failure,
      attemptedUser,
    },
  };
}

/** A line is text we accept: valid UTF-8 (the reader checks) without NUL or control characters other than tab and CR. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
export const isBinaryText = (line: string): boolean => CONTROL.test(line);

/** One line from a reader: its text (null when it was over the limit or not UTF-8), where it starts, its number. */
export interface Line {
  text: string | null;
  /** Why `text` is null. */
  problem?: string;
  lineNo: number;
  /** Byte offset of the line's first byte and just past its newline. */
  start: number;
  end: number;
}

/** An assembled record: a header line and its continuation lines. */
export interface RawRecord {
  header: Header;
  /** The record's text as logged (lines joined with `\n`, no trailing newline). */
  text: string;
  lineNo: number;
  start: number;
  end: number;
  /**
   * The record's header line came right after continuation lines of the record before it: in a
   * log without escaping, that is exactly where a statement's own text can fake a header line
   * (FileAuditLogger logs statements verbatim). Such a record may be forged by the enclosing
   * record's user and must not be trusted as its own actor's.
   */
  suspect: boolean;
}

export interface Malformed {
  line: number;
  reason: string;
}

/** Records bigger than this (header plus continuations) are malformed rather than held in memory. */
export const MAX_RECORD_CHARS = 4 * 1024 * 1024;

/**
 * Turns lines into records. Push lines in order; a record is emitted when the next header (or
 * the end) shows it is complete. Memory: one record at most.
 */
export class RecordAssembler {
  /** An unescaped record was seen in this input: escaped-looking headers are no longer trusted on sight. */
  private sawUnescaped = false;
  /** A record header was seen in this input. */
  private sawRecord = false;
  private open: { header: Header; parts: string[]; chars: number; lineNo: number; start: number; end: number; tooBig: boolean; suspect: boolean } | null = null;
  /** The last line pushed was a continuation line (of a record, or stray). */
  private afterContinuation = false;
  /** Lexical state at the end of the last record's statement (carried through suspect records). */
  private lex: LexState = '';
  /** The last record was a trusted one-line failure (category ERROR). */
  private failed = false;

  constructor(
    private readonly onRecord: (r: RawRecord) => void,
    private readonly onMalformed: (m: Malformed) => void,
  ) {}

  /** Start of the last record that was not suspect (where a resume must begin to judge a suspect record again). */
  private trusted: { start: number; lineNo: number } | null = null;

  /**
   * Byte offset where the next unfinished record starts (resume point), or null when none is
   * open. When that record is suspect, the resume point is its enclosing (last trusted) record, so
   * a resumed run sees the continuation lines again and judges it the same way (the enclosing
   * record is read again and dropped by its idempotency key).
   */
  get pendingStart(): number | null {
    if (!this.open) return null;
    return this.open.suspect && this.trusted ? this.trusted.start : this.open.start;
  }
  get pendingLine(): number | null {
    if (!this.open) return null;
    return this.open.suspect && this.trusted ? this.trusted.lineNo : this.open.lineNo;
  }

  push(line: Line): void {
    if (line.text === null) {
      this.flush();
      this.afterContinuation = true;
      this.onMalformed({ line: line.lineNo, reason: line.problem ?? 'unreadable line' });
      return;
    }
    const text = line.text.endsWith('\r') ? line.text.slice(0, -1) : line.text;
    if (isBinaryText(text)) {
      this.flush();
      this.afterContinuation = true;
      this.onMalformed({ line: line.lineNo, reason: 'binary data' });
      return;
    }
    const header = parseHeader(text);
    if (header) {
      this.flush();
      // After continuation lines, or right after a record whose statement is still open (inside a
      // comment, a string, a quoted name, $$…$$) or failed (a failed statement need not be valid
      // CQL: it can hold a line break and anything after it): possibly statement text.
      // An escaped header (` -- `) cannot come from statement text in an escaped log (the appender
      // escapes every line break). It is suspect only when this input also holds unescaped records
      // (statement text there could carry a line that merely looks escaped) or when raw lines sit
      // between records (not written by the escaping appender); stray lines before the first
      // record (a partial first line, a truncated copy) do not taint it.
      const suspect = header.escaped ? this.sawUnescaped || (this.afterContinuation && this.sawRecord) : this.afterContinuation || this.lex !== '' || this.failed;
      if (!header.escaped) this.sawUnescaped = true;
      this.sawRecord = true;
      this.open = { header, parts: [text], chars: text.length, lineNo: line.lineNo, start: line.start, end: line.end, tooBig: false, suspect };
      if (!suspect) this.trusted = { start: line.start, lineNo: line.lineNo };
      this.afterContinuation = false;
      return;
    }
    this.afterContinuation = true;
    if (this.open?.header.escaped) {
      // an escaped record is one line: a raw line after it was not written by the escaping appender
      this.open.end = line.end;
      this.onMalformed({ line: line.lineNo, reason: 'raw line inside an escaped audit log' });
      return;
    }
    if (!this.open) {
      this.onMalformed({ line: line.lineNo, reason: text.trim() === '' ? 'empty line outside a record' : 'continuation line without a record' });
      return;
    }
    this.open.end = line.end;
    if (this.open.tooBig) return;
    this.open.chars += text.length + 1;
    if (this.open.chars > MAX_RECORD_CHARS) {
      this.open.tooBig = true;
      this.open.parts = [];
      return;
    }
    this.open.parts.push(text);
  }

  /** End of input: the open record is complete. */
  flush(): void {
    const o = this.open;
    if (!o) return;
    this.open = null;
    if (o.header.escaped) {
      this.lex = '';
      this.failed = false;
    } else if (o.tooBig) {
      this.lex = '/*'; // unknown: treat as open
      this.failed = false;
    } else if (o.suspect) {
      // all of a suspect record's text may be the enclosing statement's
      this.lex = lexAfter(o.parts.join('\n'), this.lex);
      this.failed = false;
    } else {
      let op = operationOf(o.header.message);
      if (op !== null && o.parts.length > 1) op = `${op}\n${o.parts.slice(1).join('\n')}`;
      const tc = op === null ? null : /\|type:([A-Z0-9_]+)\|category:([A-Z0-9_]+)/.exec(o.header.message);
      const failure = tc !== null && isFailureType(tc[1]!, tc[2]!);
      // a failure's text ends with `; <error>` (Cassandra's message, not CQL: "doesn't exist")
      if (op !== null && failure && op.lastIndexOf('; ') >= 0) op = op.slice(0, op.lastIndexOf('; '));
      this.lex = op === null ? '' : lexAfter(op, '');
      this.failed = o.parts.length === 1 && tc !== null && tc[2] === 'ERROR';
    }
    if (o.tooBig) {
      this.onMalformed({ line: o.lineNo, reason: `record over ${MAX_RECORD_CHARS} characters` });
      return;
    }
    const text = o.parts.length === 1 ? o.parts[0]! : o.parts.join('\n');
    const header = o.parts.length === 1 ? o.header : { ...o.header, message: o.header.message + '\n' + o.parts.slice(1).join('\n') };
    this.onRecord({ header, text, lineNo: o.lineNo, start: o.start, end: o.end, suspect: o.suspect });
  }
}

/** Where CQL text stops: in nothing open, a '…' string, a "…" name, a $$…$$ string, a comment. */
export type LexState = '' | "'" | '"' | '$$' | '/*';
const CLOSER: Record<Exclude<LexState, ''>, string> = { "'": "'", '"': '"', $$: '$$', '/*': '*/' };

/**
 * The lexical state after `text`, starting in `state`: is the statement still inside a string, a
 * quoted name, a $$ string or a block comment (the only places a valid statement can hold a line
 * that looks like a logback header)? `''` and `""` inside quotes close and reopen: same result.
 */
export function lexAfter(text: string, state: LexState): LexState {
  if (state === '' && !/['"/$]/.test(text)) return '';
  let i = 0;
  let st = state;
  const n = text.length;
  while (i < n) {
    if (st !== '') {
      const close = text.indexOf(CLOSER[st], i);
      if (close < 0) return st;
      i = close + CLOSER[st].length;
      st = '';
      continue;
    }
    const c = text[i]!;
    const d = text[i + 1];
    if (c === "'" || c === '"') st = c;
    else if (c === '$' && d === '$') st = '$$';
    else if (c === '/' && d === '*') st = '/*';
    else if ((c === '-' && d === '-') || (c === '/' && d === '/')) {
      const nl = text.indexOf('\n', i);
      if (nl < 0) return '';
      i = nl + 1;
      continue;
    }
    i += st === '' ? 1 : st.length;
  }
  return st;
}

const operationOf = (message: string): string | null => {
  const at = message.indexOf('|operation:');
  return at < 0 ? null : message.slice(at + 11);
};

/** A FileAuditLogger record (by the logger's source file name), as opposed to other logback records routed to the audit file. */
export const isAuditRecord = (h: Header): boolean => h.file.startsWith('FileAuditLogger');
