import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_RECORD_CHARS, parseHeader, parseMessage, RecordAssembler, type Line, type Malformed, type RawRecord } from '../../../../src-main/audit/ingest/parse';

const FIXTURE = join(import.meta.dirname, '../../../fixtures/audit/real-sample.txt');

/** Lines of a text as a reader hands them over (offsets in UTF-8 bytes). */
export function linesOf(text: string, first = 1): Line[] {
  const out: Line[] = [];
  let off = 0;
  const parts = text.split('\n');
  if (parts[parts.length - 1] === '') parts.pop();
  parts.forEach((t, i) => {
    const len = Buffer.byteLength(t) + 1;
    out.push({ text: t, lineNo: first + i, start: off, end: off + len });
    off += len;
  });
  return out;
}

export function assemble(lines: Line[]): { records: RawRecord[]; malformed: Malformed[] } {
  const records: RawRecord[] = [];
  const malformed: Malformed[] = [];
  const asm = new RecordAssembler(
    (r) => records.push(r),
    (m) => malformed.push(m),
  );
  for (const l of lines) asm.push(l);
  asm.flush();
  return { records, malformed };
}

const parsed = (r: RawRecord) => {
  const p = parseMessage(r.header.message);
  if (!p.ok) throw new Error(`line ${r.lineNo}: ${p.reason}`);
  return p.fields;
};

describe('FileAuditLogger lines copied from the shared node', () => {
  const text = readFileSync(FIXTURE, 'utf8');
  const { records, malformed } = assemble(linesOf(text));

  it('assembles 23 lines into 19 records: the multi-line CREATE TABLE is one record, nothing malformed', () => {
    expect(malformed).toEqual([]);
    expect(records).toHaveLength(19);
    expect(records.map((r) => r.lineNo)).toEqual([1, 2, 3, 4, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23]);
    const create = records[3]!;
    expect(create.header.file).toBe('FileAuditLogger.java');
    const f = parsed(create);
    expect(f.type).toBe('CREATE_TABLE');
    expect(f.category).toBe('DDL');
    expect(f.ks).toBe('csm_system');
    expect(f.scope).toBe('tenant_keks');
    expect(f.operation.split('\n')).toHaveLength(5);
    expect(f.operation).toMatch(/^CREATE TABLE IF NOT EXISTS "csm_system".tenant_keks \(\n {9}tenant_id text/);
    expect(f.operation.endsWith(') WITH CLUSTERING ORDER BY (version DESC)')).toBe(true);
    expect(create.text.split('\n')).toHaveLength(5);
    expect(create.end - create.start).toBe(Buffer.byteLength(text.split('\n').slice(3, 8).join('\n')) + 1);
  });

  it('tells the AuditLogManager notice apart from audit records', () => {
    expect(records[0]!.header.file).toBe('AuditLogManager.java');
    expect(records.slice(1).every((r) => r.header.file === 'FileAuditLogger.java')).toBe(true);
  });

  it('parses the fixed fields of a login', () => {
    const f = parsed(records[1]!);
    expect(f).toMatchObject({ user: 'cassandra', host: '127.0.0.1:7000', source: '127.0.0.1', port: '37384', timestamp: 1795917400845, type: 'LOGIN_SUCCESS', category: 'AUTH', ks: null, scope: null, operation: 'LOGIN SUCCESSFUL', failure: false, error: null });
    expect(records[1]!.header).toMatchObject({ level: 'INFO', thread: 'Native-Transport-Auth-Requests-1', loggedAt: '2026-11-29 01:56:40,847' });
  });

  it('splits failures into statement and error, keeps the masked password and the tried user name', () => {
    const unauthorized = parsed(records[9]!);
    expect(unauthorized.type).toBe('UNAUTHORIZED_ATTEMPT');
    expect(unauthorized.failure).toBe(true);
    expect(unauthorized.user).toBe('tenant_acme_u_boss');
    expect(unauthorized.statement).toBe('SELECT * FROM "tenant_globex_data".events');
    expect(unauthorized.error).toBe('User tenant_acme_u_boss has no SELECT permission on <table tenant_globex_data.events> or any of its parents');

    const badPassword = parsed(records[10]!);
    expect(badPassword).toMatchObject({ type: 'LOGIN_ERROR', user: null, attemptedUser: 'tenant_acme_svc', failure: true });
    expect(badPassword.operation).toBe('LOGIN FAILURE; Provided username tenant_acme_svc and/or password *******');

    const noLogin = parsed(records[11]!);
    expect(noLogin.attemptedUser).toBe('tenant_acme_u_boss');

    const failure = parsed(records[12]!);
    expect(failure).toMatchObject({ type: 'REQUEST_FAILURE', category: 'ERROR', failure: true, error: '<role tenant_acme_u_boss> doesn\'t exist' });

    const createRole = parsed(records[14]!);
    expect(createRole.operation).toContain("PASSWORD = '*******'");
    expect(createRole.failure).toBe(false);
  });

  it('reads resources of GRANTs and the batch id of batch members', () => {
    expect(parsed(records[6]!)).toMatchObject({ type: 'GRANT', ks: 'data', scope: 'data/tenant_acme_data' });
    expect(parsed(records[7]!).ks).toBe('data/tenant_acme_data/*');
    expect(parsed(records[8]!)).toMatchObject({ ks: 'roles', scope: 'roles/tenant_globex_u_reader' });
    const batch = parsed(records[15]!);
    expect(batch).toMatchObject({ type: 'BATCH', batch: '67ca2445-f348-4243-87c8-b649f394c262', ks: null });
    expect(parsed(records[16]!)).toMatchObject({ batch: '67ca2445-f348-4243-87c8-b649f394c262', ks: 'zz_auditcheck', scope: 'audit_chain' });
    // two identical lines (same statement, same millisecond): only the line number tells them apart
    expect(records[17]!.text.slice(records[17]!.text.indexOf(' - '))).toBe(records[18]!.text.slice(records[18]!.text.indexOf(' - ')));
  });
});

const HEAD = 'INFO  [Native-Transport-Requests-1] 2026-11-29 02:03:18,662 FileAuditLogger.java:51 - ';
const MSG = 'user:cassandra|host:/127.0.0.1:7000|source:/127.0.0.1|port:41852|timestamp:1795917798653|type:SELECT|category:QUERY|ks:k|scope:t|operation:SELECT * FROM k.t';

describe('operations with | and line breaks, odd fields', () => {
  it('keeps every | after operation: in the operation', () => {
    const f = parseMessage(`${MSG.replace('SELECT * FROM k.t', "SELECT * FROM k.t WHERE a = 'x|ks:evil|scope:y'")}`);
    expect(f.ok && f.fields.operation).toBe("SELECT * FROM k.t WHERE a = 'x|ks:evil|scope:y'");
    expect(f.ok && f.fields.ks).toBe('k');
  });

  it('a continuation line that looks like a field stays in the operation', () => {
    const { records } = assemble(linesOf(`${HEAD}${MSG} WHERE x IN (\n|ks:other|scope:z\n)\n`));
    const f = parseMessage(records[0]!.header.message);
    expect(f.ok && f.fields.operation).toBe('SELECT * FROM k.t WHERE x IN (\n|ks:other|scope:z\n)');
    expect(f.ok && f.fields.ks).toBe('k');
  });

  it('accepts WARN/ERROR levels, CRLF endings, a record without operation, an unknown category and extra fields', () => {
    expect(parseHeader(`WARN  [x] 2026-11-29 02:03:18,662 FileAuditLogger.java:51 - ${MSG}`)?.level).toBe('WARN');
    const { records } = assemble(linesOf(`${HEAD}${MSG}\r\n`));
    expect(parseMessage(records[0]!.header.message).ok && records[0]!.text.endsWith('k.t')).toBe(true);
    const bare = parseMessage('user:u|host:/h:1|source:/s|port:1|timestamp:1|type:USE_KEYSPACE|category:OTHER');
    expect(bare.ok && bare.fields.operation).toBe('');
    const odd = parseMessage('user:u|host:/h:1|source:/s|port:1|timestamp:1|type:X|category:NEWCAT|keyspace_id:9|operation:o');
    expect(odd.ok && odd.fields).toMatchObject({ category: 'OTHER', rawCategory: 'NEWCAT', extra: { keyspace_id: '9' }, operation: 'o' });
  });
});

describe('malformed input is counted with its line number and never throws', () => {
  it('continuation without a record, empty lines, binary, missing fields, bad numbers', () => {
    const text = [
      'orphan continuation',
      '',
      `${HEAD}${MSG}`,
      'INFO  [x] 2026-11-29 02:03:18,662 FileAuditLogger.java:51 - user:cassandra|host:/h|source:/s|port:1|type:SELECT|category:QUERY',
      `${HEAD}user:a|host:/h:1|source:/s|port:1|timestamp:notanumber|type:SELECT|category:QUERY`,
      `${HEAD}user:a|host:/h:1|source:/s|port:1|timestamp:1|type:select|category:QUERY`,
      `${HEAD}something else entirely`,
      'garbage\u0000\u0001\u0002 bytes',
      `${HEAD}${MSG}`,
    ].join('\n');
    const { records, malformed } = assemble(linesOf(text));
    expect(malformed).toEqual([
      { line: 1, reason: 'continuation line without a record' },
      { line: 2, reason: 'empty line outside a record' },
      { line: 8, reason: 'binary data' },
    ]);
    const results = records.map((r) => [r.lineNo, parseMessage(r.header.message)] as const);
    expect(results.map(([l, p]) => [l, p.ok ? 'ok' : p.reason])).toEqual([
      [3, 'ok'],
      [4, 'missing timestamp field'],
      [5, 'timestamp is not epoch milliseconds'],
      [6, 'bad type'],
      [7, 'message does not start with user:'],
      [9, 'ok'],
    ]);
  });

  it('a line the reader could not decode is malformed and closes the open record', () => {
    const lines = linesOf(`${HEAD}${MSG}\ncontinued\n`);
    lines.splice(1, 0, { text: null, problem: 'not UTF-8 text', lineNo: 99, start: 0, end: 0 });
    const { records, malformed } = assemble(lines);
    expect(malformed).toEqual([
      { line: 99, reason: 'not UTF-8 text' },
      { line: 2, reason: 'continuation line without a record' },
    ]);
    expect(records).toHaveLength(1);
  });

  it('a record that grows past the limit is dropped as malformed, not held', () => {
    const big = 'x'.repeat(1024 * 1024);
    const lines = linesOf(`${HEAD}${MSG}\n${Array.from({ length: 5 }, () => big).join('\n')}\n${HEAD}${MSG}\n`);
    const { records, malformed } = assemble(lines);
    expect(malformed).toEqual([{ line: 1, reason: `record over ${MAX_RECORD_CHARS} characters` }]);
    expect(records.map((r) => r.lineNo)).toEqual([7]);
  });
});

describe('fuzz: random mutations of real lines', () => {
  // xorshift, fixed seeds: the run is reproducible and still covers thousands of shapes
  const rng = (seed: number) => () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return ((seed >>> 0) % 1_000_000) / 1_000_000;
  };
  const text = readFileSync(FIXTURE, 'utf8');
  const alphabet = '|:/\n\r\t\u0000;[] -_aZ09"\'\u00e9\u{1F600}';

  it('never throws: every line ends up in a record or counted malformed', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const r = rng(seed * 7919);
      const chars = [...text];
      const edits = 1 + Math.floor(r() * 40);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(r() * chars.length);
        const op = r();
        if (op < 0.4) chars.splice(at, 1 + Math.floor(r() * 30));
        else if (op < 0.8) chars.splice(at, 0, alphabet[Math.floor(r() * alphabet.length)]!);
        else chars[at] = alphabet[Math.floor(r() * alphabet.length)]!;
      }
      const mutated = chars.join('');
      const lines = linesOf(mutated);
      const { records, malformed } = assemble(lines);
      let covered = malformed.length;
      for (const rec of records) {
        covered += rec.text.split('\n').length;
        const p = parseMessage(rec.header.message);
        if (p.ok) {
          expect(Number.isFinite(p.fields.timestamp)).toBe(true);
          expect(new Date(p.fields.timestamp).toISOString()).toMatch(/^\d{4}-/);
        } else expect(p.reason.length).toBeGreaterThan(0);
      }
      // CR-only lines count as lines too; every input line is accounted for exactly once
      expect(covered, `seed ${seed}`).toBe(lines.length);
    }
  });
});
