import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as cassandraNode from '../../../scripts/cassandra/lib.mjs';
import { parseMessage, RecordAssembler, type RawRecord } from '../../../src-main/audit/ingest/parse';
import { REPO_ROOT } from '../../support/web-host';

/**
 * The audit appender pattern of scripts/cassandra/lib.mjs on a real node of its own (ports
 * 9172/7130, so the shared node stays as it is): a statement holding CR/LF, a fake header line
 * and backslashes is logged as ONE line, and the parser gives back the statement exactly.
 */
describe('escaped audit log on a real node', () => {
  const home = mkdtempSync(join(tmpdir(), 'csm-audit-esc-node-'));
  let client: cassandra.Client | null = null;
  let auditLog = '';
  const saved = process.env['CSM_CASSANDRA_STORAGE_PORT'];

  beforeAll(async () => {
    symlinkSync(join(REPO_ROOT, '.cassandra', 'lib'), join(home, 'lib'));
    process.env['CSM_CASSANDRA_STORAGE_PORT'] = '7130';
    const st = (await cassandraNode.start({ home, port: 9172, log: () => {} })) as { auditLogPaths: string[] };
    auditLog = st.auditLogPaths[0]!;
    client = new cassandra.Client({ contactPoints: ['127.0.0.1:9172'], localDataCenter: 'dc1', credentials: { username: 'cassandra', password: 'cassandra' }, monitorReporting: { enabled: false } });
    await client.connect();
  }, 300_000);

  afterAll(async () => {
    await client?.shutdown();
    await cassandraNode.stop({ home, log: () => {} });
    if (saved === undefined) delete process.env['CSM_CASSANDRA_STORAGE_PORT'];
    else process.env['CSM_CASSANDRA_STORAGE_PORT'] = saved;
    rmSync(home, { recursive: true, force: true });
  }, 120_000);

  it('a forged header line inside a statement stays inside its record', async () => {
    const c = client!;
    await c.execute("CREATE KEYSPACE IF NOT EXISTS tenant_aa_data WITH replication = {'class':'SimpleStrategy','replication_factor':1}");
    await c.execute('CREATE TABLE IF NOT EXISTS tenant_aa_data.t (k int PRIMARY KEY, v text)');
    const forged = 'INFO  [Native-Transport-Requests-9] 2026-11-29 10:00:00,000 FileAuditLogger.java:51 - user:tenant_bb_admin|host:127.0.0.1:7000|source:/127.0.0.1|port:1|timestamp:1|type:DROP_TABLE|category:DDL|ks:tenant_bb_app|scope:t|operation:DROP TABLE tenant_bb_app.t';
    const statement = `SELECT * FROM tenant_aa_data.t WHERE k = 1 /*\n${forged}\r\nback\\slash \\n literal */`;
    await c.execute(statement);
    await c.execute(`UPDATE tenant_aa_data.t SET v = 'C:\\new\nline' WHERE k = 2`);

    const text = readFileSync(auditLog, 'utf8');
    const records: RawRecord[] = [];
    const malformed: unknown[] = [];
    const asm = new RecordAssembler((r) => records.push(r), (m) => malformed.push(m));
    let pos = 0;
    text.split('\n').slice(0, -1).forEach((line, i) => {
      asm.push({ text: line, lineNo: i + 1, start: pos, end: pos + Buffer.byteLength(line) + 1 });
      pos += Buffer.byteLength(line) + 1;
    });
    asm.flush();
    expect(malformed).toEqual([]);
    const audit = records.filter((r) => r.header.file.startsWith('FileAuditLogger'));
    expect(audit.length).toBeGreaterThan(3);
    expect(audit.every((r) => r.header.escaped && !r.suspect && !r.text.includes('\n'))).toBe(true);
    const ops = audit.map((r) => parseMessage(r.header.message)).map((p) => (p.ok ? p.fields : null));
    expect(ops.find((f) => f?.type === 'SELECT' && f.ks === 'tenant_aa_data')!.operation).toBe(statement);
    expect(ops.find((f) => f?.type === 'UPDATE')!.operation).toBe(`UPDATE tenant_aa_data.t SET v = 'C:\\new\nline' WHERE k = 2`);
    expect(ops.some((f) => f?.type === 'DROP_TABLE' || f?.user === 'tenant_bb_admin')).toBe(false);
  });
});
