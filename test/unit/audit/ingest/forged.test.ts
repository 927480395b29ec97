import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { directoryOf } from '../../../../src-main/audit/ingest/attribute';
import { ingestSources, type OffsetStore } from '../../../../src-main/audit/ingest/ingest';
import { lexAfter, maskPasswords, parseHeader, parseMessage, unescapeMessage } from '../../../../src-main/audit/ingest/parse';
import { resolveSources } from '../../../../src-main/audit/ingest/reader';
import type { AppendResult, AuditStreamsPort, NewAuditEvent } from '../../../../src-main/audit/types';

const tmp = mkdtempSync(join(tmpdir(), 'csm-forged-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

class FakeStreams implements Pick<AuditStreamsPort, 'append'> {
  readonly streams = new Map<string, NewAuditEvent[]>();
  async append(_cluster: string, stream: string, events: readonly NewAuditEvent[]): Promise<AppendResult> {
    const list = this.streams.get(stream) ?? [];
    let appended = 0;
    let duplicates = 0;
    for (const e of events) {
      if (list.some((x) => x.key === e.key)) duplicates++;
      else {
        list.push(e);
        appended++;
      }
    }
    this.streams.set(stream, list);
    return { appended, duplicates, firstSeq: null, lastSeq: null };
  }
  of(stream: string): NewAuditEvent[] {
    return this.streams.get(stream) ?? [];
  }
}
const offsets: OffsetStore = { get: () => null, put: () => {} };
const directory = directoryOf(['acme', 'globex']);

const run = async (text: string, name: string) => {
  const file = join(tmp, name);
  writeFileSync(file, text);
  const streams = new FakeStreams();
  const report = await ingestSources(await resolveSources([file], []), { cluster: 'c1', streams, offsets, directory });
  return { streams, report };
};

const head = (thread: string, sep = '-') => `INFO  [${thread}] 2026-11-29 10:18:42,021 FileAuditLogger.java:51 ${sep} `;
const msg = (user: string, type: string, cat: string, ks: string, op: string, ms = 1795947521995) =>
  `user:${user}|host:/127.0.0.1:7000|source:/127.0.0.1|port:50764|timestamp:${ms}|type:${type}|category:${cat}|ks:${ks}|scope:t|operation:${op}`;
/** What a tenant user can make Cassandra log: a header line of another tenant's admin inside the statement. */
const FORGED = `${head('Native-Transport-Requests-9')}${msg('tenant_globex_admin', 'DROP_TABLE', 'DDL', 'tenant_globex_data', 'DROP TABLE tenant_globex_data.t', 1795947500000)}`;

describe('forged records in an unescaped log (statement text holding a header line)', () => {
  it('a fake record right after the genuine header line goes to the enclosing user\'s stream, marked suspect, never to the named tenant as its admin', async () => {
    const statement = `SELECT * FROM tenant_acme_data.t WHERE k = 1 /*\n${FORGED} */`;
    const genuineAfter = `${head('Native-Transport-Requests-2')}${msg('tenant_globex_u_app', 'SELECT', 'QUERY', 'tenant_globex_data', 'SELECT * FROM tenant_globex_data.t', 1795947522100)}`;
    const { streams, report } = await run(`${head('Native-Transport-Requests-1')}${msg('tenant_acme_u_boss', 'SELECT', 'QUERY', 'tenant_acme_data', statement)}\n${genuineAfter}\n`, 'forged1.log');
    const globex = streams.of('tenant:globex');
    expect(globex.map((e) => [e.type, e.user])).toEqual([['SELECT', 'tenant_globex_u_app']]);
    expect(globex.some((e) => e.type === 'DROP_TABLE' || e.operation.includes('DROP TABLE'))).toBe(false);
    const acme = streams.of('tenant:acme');
    const forged = acme.find((e) => e.type === 'DROP_TABLE')!;
    expect(forged.detail).toMatchObject({ suspect: true, enclosingLine: 1, enclosingUser: 'tenant_acme_u_boss', line: 2 });
    expect(forged.detail).not.toHaveProperty('actorTenant');
    expect(forged.detail).not.toHaveProperty('targetTenants');
    expect(streams.of('platform').filter((e) => e.type === 'DROP_TABLE').map((e) => e.key)).toEqual([forged.key]);
    expect(report.alerts).toEqual([
      expect.objectContaining({ kind: 'forged-record-suspected', stream: 'tenant:acme', user: 'tenant_acme_u_boss', count: 1 }),
    ]);
    // the alert is in acme's stream and the platform's, not globex's
    expect(acme.filter((e) => e.type === 'SECURITY_ALERT')).toHaveLength(1);
    expect(globex.filter((e) => e.type === 'SECURITY_ALERT')).toHaveLength(0);
  });

  it('a chain of fakes, after continuation lines or inside the still-open comment, is all suspect', async () => {
    const FORGED2 = `${head('Native-Transport-Requests-7')}${msg('tenant_globex_admin', 'DROP_KEYSPACE', 'DDL', 'tenant_globex_data', 'DROP KEYSPACE tenant_globex_data', 1795947500001)}`;
    const statement = `SELECT * FROM tenant_acme_data.t /* a\nplain continuation\n${FORGED}\n${FORGED2} */`;
    const { streams, report } = await run(`${head('Native-Transport-Requests-1')}${msg('tenant_acme_u_boss', 'SELECT', 'QUERY', 'tenant_acme_data', statement)}\n`, 'forged2.log');
    expect(streams.of('tenant:globex')).toEqual([]);
    const acme = streams.of('tenant:acme').filter((e) => e.type !== 'SECURITY_ALERT');
    expect(acme.map((e) => [e.type, (e.detail as { suspect?: boolean }).suspect ?? false])).toEqual([
      ['SELECT', false],
      ['DROP_TABLE', true],
      ['DROP_KEYSPACE', true],
    ]);
    expect(report.alerts).toEqual([expect.objectContaining({ kind: 'forged-record-suspected', stream: 'tenant:acme', count: 2 })]);
  });

  it('after a failed one-line statement (need not be valid CQL) the next record is suspect', async () => {
    const op = `SELECT 1 FROM tenant_acme_data.t x y`;
    const failed = `${head('Native-Transport-Requests-1')}${msg('tenant_acme_u_boss', 'REQUEST_FAILURE', 'ERROR', 'tenant_acme_data', op)}`;
    const { streams } = await run(`${failed}\n${FORGED}; line 2:0 no viable alternative at input 'INFO'\n`, 'forged3.log');
    expect(streams.of('tenant:globex')).toEqual([]);
    expect(streams.of('tenant:acme').find((e) => e.type === 'DROP_TABLE')!.detail).toMatchObject({ suspect: true });
  });

  it('records after closed one-line statements stay trusted', async () => {
    const a = `${head('Native-Transport-Requests-1')}${msg('tenant_acme_u_boss', 'SELECT', 'QUERY', 'tenant_acme_data', "SELECT * FROM tenant_acme_data.t WHERE v = 'it''s' /* c */ -- x")}`;
    const b = `${head('Native-Transport-Requests-2')}${msg('tenant_globex_u_app', 'SELECT', 'QUERY', 'tenant_globex_data', 'SELECT * FROM tenant_globex_data.t')}`;
    const { streams, report } = await run(`${a}\n${b}\n`, 'clean.log');
    expect(streams.of('tenant:globex').map((e) => (e.detail as { suspect?: boolean }).suspect ?? false)).toEqual([false]);
    expect(report.alerts).toEqual([]);
  });
});

describe('escaped audit log (the pattern scripts/cassandra/lib.mjs gives the AUDIT appender)', () => {
  // As a real Cassandra 5.0 node with that pattern logged `SELECT … /*<LF>INFO … forged<CR><LF>back\slash \n lit */`
  const REAL = String.raw`INFO  [Native-Transport-Requests-1] 2026-11-29 10:18:42,021 FileAuditLogger.java:51 -- user:tenant_acme_u_boss|host:/127.0.0.1:7130|source:/127.0.0.1|port:50764|timestamp:1795947521995|type:SELECT|category:QUERY|ks:tenant_acme_data|scope:t|operation:SELECT * FROM tenant_acme_data.t WHERE k = 1 /*\nINFO  [Native-Transport-Requests-9] 2026-11-29 10:00:00,000 FileAuditLogger.java:51 - user:tenant_globex_admin|host:127.0.0.1:7000|source:/127.0.0.1|port:1|timestamp:1|type:DROP_TABLE|category:DDL|ks:tenant_globex_data|scope:t|operation:DROP TABLE tenant_globex_data.t\r\nback\\slash \\n lit */`;

  it('is one record per line; the operation is un-escaped exactly (CR, LF, backslashes)', async () => {
    const h = parseHeader(REAL)!;
    expect(h.escaped).toBe(true);
    const f = parseMessage(h.message);
    expect(f.ok && f.fields.operation).toBe(
      'SELECT * FROM tenant_acme_data.t WHERE k = 1 /*\nINFO  [Native-Transport-Requests-9] 2026-11-29 10:00:00,000 FileAuditLogger.java:51 - user:tenant_globex_admin|host:127.0.0.1:7000|source:/127.0.0.1|port:1|timestamp:1|type:DROP_TABLE|category:DDL|ks:tenant_globex_data|scope:t|operation:DROP TABLE tenant_globex_data.t\r\nback\\slash \\n lit */',
    );
    const { streams, report } = await run(`${REAL}\n${REAL.replace('10:18:42,021', '10:18:43,000').replace('1795947521995', '1795947523000')}\n`, 'escaped.log');
    expect(report.malformed.count).toBe(0);
    expect(streams.of('tenant:globex')).toEqual([]);
    expect(streams.of('tenant:acme').map((e) => [e.type, (e.detail as { suspect?: boolean }).suspect ?? false])).toEqual([
      ['SELECT', false],
      ['SELECT', false],
    ]);
    expect(report.alerts).toEqual([]);
  });

  it('a raw line inside an escaped log is malformed, and the header after it suspect', async () => {
    const { streams, report } = await run(`${REAL}\nraw text\n${head('x', '--')}${msg('tenant_globex_admin', 'DROP_TABLE', 'DDL', 'tenant_globex_data', 'DROP TABLE t')}\n`, 'escaped-raw.log');
    expect(report.malformed.first).toEqual([expect.objectContaining({ line: 2, reason: 'raw line inside an escaped audit log' })]);
    expect(streams.of('tenant:globex')).toEqual([]);
    expect(streams.of('tenant:acme').find((e) => e.type === 'DROP_TABLE')!.detail).toMatchObject({ suspect: true });
  });

  it('stray lines before the first record of an escaped log are malformed but do not taint it; an escaped-looking line in an unescaped log stays suspect', async () => {
    const clean = await run(`partial first line\n${head('x', '--')}${msg('tenant_globex_admin', 'DROP_TABLE', 'DDL', 'tenant_globex_data', 'DROP TABLE t')}\n`, 'escaped-stray.log');
    expect(clean.report.malformed.first).toEqual([expect.objectContaining({ line: 1 })]);
    expect(clean.streams.of('tenant:globex').find((e) => e.type === 'DROP_TABLE')!.detail).not.toMatchObject({ suspect: true });
    const mixed = await run(`${REAL.replace(' -- ', ' - ')}\n${head('x', '--')}${msg('tenant_globex_admin', 'DROP_TABLE', 'DDL', 'tenant_globex_data', 'DROP TABLE t')}\n`, 'mixed.log');
    expect(mixed.streams.of('tenant:globex')).toEqual([]);
  });

  it('un-escaping is the inverse of the appender\'s escaping', () => {
    const escape = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
    for (const s of ['plain', 'a\nb', '\\n literal', 'C:\\dir\\new', 'x\r\n\\\\\n', '\\']) expect(unescapeMessage(escape(s))).toBe(s);
  });

  it('lexAfter follows strings, names, $$ and comments', () => {
    expect(lexAfter("SELECT 'a''b' FROM t", '')).toBe('');
    expect(lexAfter("SELECT 'open", '')).toBe("'");
    expect(lexAfter('SELECT "na', '')).toBe('"');
    expect(lexAfter('x $$ body', '')).toBe('$$');
    expect(lexAfter('x /* c', '')).toBe('/*');
    expect(lexAfter("-- it's a comment", '')).toBe('');
    expect(lexAfter(' */ more', '/*')).toBe('');
  });
});

describe('password masking (defence in depth)', () => {
  it('masks PASSWORD / HASHED PASSWORD literals in any case and quoting before they become events', async () => {
    expect(maskPasswords("CREATE ROLE r WITH PASSWORD = 'se''cret' AND LOGIN = true")).toBe("CREATE ROLE r WITH PASSWORD = '*******' AND LOGIN = true");
    expect(maskPasswords("create user u with password 'x'")).toBe("create user u with password '*******'");
    expect(maskPasswords('ALTER ROLE r WITH HASHED PASSWORD $$abc$$ AND LOGIN = true')).toBe("ALTER ROLE r WITH HASHED PASSWORD '*******' AND LOGIN = true");
    expect(maskPasswords("ALTER ROLE r WITH password='unterminated")).toBe("ALTER ROLE r WITH password='*******'");
    expect(maskPasswords("ALTER ROLE r WITH PASSWORD = '*******'")).toBe("ALTER ROLE r WITH PASSWORD = '*******'");
    const op = "CREATE ROLE tenant_acme_u_x WITH PASSWORD = 'hunter2' AND LOGIN = true";
    const { streams } = await run(`${head('T')}${msg('cassandra', 'CREATE_ROLE', 'DCL', 'tenant_acme_data', op)}\n`, 'pw.log');
    const all = [...streams.streams.values()].flat();
    expect(all.length).toBeGreaterThan(0);
    for (const e of all) expect(JSON.stringify(e)).not.toContain('hunter2');
    expect(all[0]!.operation).toBe("CREATE ROLE tenant_acme_u_x WITH PASSWORD = '*******' AND LOGIN = true");
  });
});
