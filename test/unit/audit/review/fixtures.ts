import { generateKeyPairSync, sign as edSign } from 'node:crypto';
import { AUDIT_INDEX_DDL } from '../../../../src-main/audit/index-schema';
import { batchMessage, chainEvents, genesisHash, keyFingerprint } from '../../../../src-main/audit/streams/chain';
import type { AuditBatch, NewAuditEvent, SignerKey, StoredAuditEvent } from '../../../../src-main/audit/types';
import { openDatabase, type Db } from '../../../../src-main/store/db';

export function indexDb(): Db {
  const db = openDatabase(':memory:');
  db.exec(AUDIT_INDEX_DDL);
  return db;
}

export interface TestKey {
  signer: SignerKey;
  sign(data: Buffer): Buffer;
}

export function testKey(version = 1): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const publicKeyPem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
  return { signer: { fingerprint: keyFingerprint(publicKeyPem), version, publicKeyPem }, sign: (d) => edSign(null, d, privateKey) };
}

const TYPES = ['tenant.create', 'SELECT', 'UPDATE', 'LOGIN_ERROR', 'user.create'];
const USERS = ['alice', 'bob', 'tenant_ab_admin', null];
const T0 = Date.parse('2026-01-01T00:00:00Z');

/** Deterministic events: type, user, keyspace, outcome cycle; one minute apart. */
export function genEvents(n: number, opts: { from?: number; t0?: number; operation?: (i: number) => string } = {}): Omit<NewAuditEvent, 'key'>[] {
  const out: Omit<NewAuditEvent, 'key'>[] = [];
  for (let k = 0; k < n; k++) {
    const i = (opts.from ?? 0) + k;
    const type = TYPES[i % TYPES.length]!;
    out.push({
      at: new Date((opts.t0 ?? T0) + i * 60_000).toISOString(),
      source: type.includes('.') ? 'console' : 'cassandra',
      type,
      category: type.includes('.') ? 'CONSOLE' : type === 'LOGIN_ERROR' ? 'AUTH' : type === 'SELECT' ? 'QUERY' : 'DML',
      user: USERS[i % USERS.length]!,
      keyspace: i % 3 === 0 ? 'tenant_ab_orders' : i % 3 === 1 ? 'tenant_ab_csm' : null,
      scope: null,
      operation: opts.operation?.(i) ?? `${type} number ${i} on orders`,
      outcome: i % 7 === 0 ? 'refused' : i % 11 === 0 ? 'error' : 'ok',
      errorCode: i % 7 === 0 ? 'FORBIDDEN' : null,
      origin: 'cli',
      detail: { i },
    });
  }
  return out;
}

/** A chained stream signed in batches of `batchSize` with `key`. */
export function signedStream(stream: string, events: Omit<NewAuditEvent, 'key'>[], key: TestKey, batchSize = 10): { events: StoredAuditEvent[]; batches: AuditBatch[] } {
  const chained = chainEvents(stream, { seq: 0, hash: genesisHash(stream) }, events.map((e) => ({ ...e, detail: e.detail })));
  const batches: AuditBatch[] = [];
  for (let i = 0; i < chained.length; i += batchSize) {
    const run = chained.slice(i, i + batchSize);
    const b = { stream, batch: batches.length + 1, firstSeq: run[0]!.seq, lastSeq: run[run.length - 1]!.seq, headHash: run[run.length - 1]!.hash, keyVersion: key.signer.version, signer: key.signer.fingerprint, signedAt: run[run.length - 1]!.at };
    batches.push({ ...b, signature: key.sign(batchMessage(b)) });
  }
  return { events: chained, batches };
}
