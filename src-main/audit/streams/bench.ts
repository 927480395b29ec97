import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import type { AuditBatch, StoredAuditEvent } from '../types';
import { batchMessage, canonicalBytes, chainEvents, genesisHash, keyFingerprint, verifyChain } from './chain';

type Figures = Record<string, Record<string, number | string>>;

const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;
const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

function median(runs: number, fn: () => void): number {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = nowMs();
    fn();
    out.push(nowMs() - t0);
  }
  out.sort((a, b) => a - b);
  return out[Math.floor(out.length / 2)]!;
}

/** A generated signed stream: `n` Cassandra-like events in signed batches of `per`. */
export function generatedStream(n: number, per = 200): { stream: string; events: StoredAuditEvent[]; batches: AuditBatch[]; signers: { fingerprint: string; version: number; publicKeyPem: string }[] } {
  const stream = 'tenant:bench_tenant';
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const pem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
  const signer = keyFingerprint(pem);
  const t0 = Date.UTC(2026, 0, 1);
  const events = chainEvents(
    stream,
    { seq: 0, hash: genesisHash(stream) },
    Array.from({ length: n }, (_, i) => ({
      at: new Date(t0 + i * 1000).toISOString(),
      source: 'cassandra' as const,
      type: i % 7 === 0 ? 'UPDATE' : 'SELECT',
      category: i % 7 === 0 ? ('DML' as const) : ('QUERY' as const),
      user: `tenant_bench_tenant_u_user${i % 13}`,
      keyspace: 'tenant_bench_tenant_data',
      scope: 'events',
      operation: `SELECT * FROM tenant_bench_tenant_data.events WHERE id = ${i} AND bucket = ${i % 97}`,
      outcome: 'ok' as const,
      errorCode: null,
      origin: '127.0.0.1:9042',
      detail: { file: 'audit.log', line: i + 1, ks: 'tenant_bench_tenant_data', source: '/10.0.0.7:51234' },
    })),
  );
  const batches: AuditBatch[] = [];
  for (let first = 1, b = 1; first <= n; first += per, b++) {
    const last = Math.min(n, first + per - 1);
    const unsigned = { stream, batch: b, firstSeq: first, lastSeq: last, headHash: events[last - 1]!.hash, keyVersion: 1, signer, signedAt: '2026-01-02T00:00:00.000Z' };
    batches.push({ ...unsigned, signature: sign(null, batchMessage(unsigned), privateKey) });
  }
  return { stream, events, batches, signers: [{ fingerprint: signer, version: 1, publicKeyPem: pem }] };
}

/**
 * Snapshot/stream verification time (issue 9 figure): verifyChain over 100,000 generated signed
 * events (500 batches of 200) — canonical encoding, sha256 chain, link checks, Ed25519 batch
 * signatures — next to its floor from the same run: sha256 over the same canonical bytes alone
 * (bytes prepared beforehand), and the canonical encoding plus hashing without the checks.
 */
export function auditVerifyBenchmarks(n = 100_000): Figures {
  const s = generatedStream(n);
  const verify = (): void => {
    const v = verifyChain(s);
    if (!v.intact) throw new Error(`bench stream does not verify: ${v.problems[0]?.message}`);
  };
  const bytes = s.events.map((e) => canonicalBytes(e));
  const floor = (): void => {
    for (let i = 0; i < bytes.length; i++) createHash('sha256').update(s.events[i]!.prevHash).update('\n').update(bytes[i]!).digest('hex');
  };
  const encodeAndHash = (): void => {
    for (const e of s.events) createHash('sha256').update(e.prevHash).update('\n').update(canonicalBytes(e)).digest('hex');
  };
  verify(); // warm-up
  floor();
  const verifyMs = median(3, verify);
  const floorMs = median(3, floor);
  const encodeMs = median(3, encodeAndHash);
  return {
    [`audit verify ${n.toLocaleString('en-US')} events`]: {
      verifyMs: round(verifyMs),
      eventsPerSecond: Math.round((n * 1000) / verifyMs),
      batches: s.batches.length,
      floorSha256OnlyMs: round(floorMs),
      encodePlusSha256Ms: round(encodeMs),
      ratioToFloor: round(verifyMs / floorMs, 2),
      ratioToEncodePlusHash: round(verifyMs / encodeMs, 2),
    },
  };
}
