import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { directoryOf } from '../../../../src-main/audit/ingest/attribute';
import { ingestSources } from '../../../../src-main/audit/ingest/ingest';
import { checkZipDirectory, MAX_ZIP_MEMBERS, resolveSources } from '../../../../src-main/audit/ingest/reader';
import type { AppendResult, NewAuditEvent } from '../../../../src-main/audit/types';

const tmp = mkdtempSync(join(tmpdir(), 'csm-zipbomb-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const LINE = 'INFO  [T] 2026-11-29 10:18:42,021 FileAuditLogger.java:51 - user:cassandra|host:/127.0.0.1:7000|source:/127.0.0.1|port:1|timestamp:1795947521995|type:SELECT|category:QUERY|operation:SELECT 1\n';

/** A zip whose central directory lists the one real entry `copies` times (at local offset 0 unless spread), each declaring `declared` bytes. */
function bomb(copies: number, declared: number, spread = false): Uint8Array {
  const real = zipSync({ 'audit.log': strToU8(LINE.repeat(1000)) }, { level: 9 });
  const v = new DataView(real.buffer, real.byteOffset, real.byteLength);
  const eocd = real.length - 22;
  const cdOffset = v.getUint32(eocd + 16, true);
  const cdSize = v.getUint32(eocd + 12, true);
  const entry = real.slice(cdOffset, cdOffset + cdSize);
  new DataView(entry.buffer).setUint32(24, declared, true);
  const out = new Uint8Array(cdOffset + entry.length * copies + 22);
  out.set(real.subarray(0, cdOffset), 0);
  for (let i = 0; i < copies; i++) {
    out.set(entry, cdOffset + i * entry.length);
    // spread: distinct (bogus) local offsets, so the size limit is what refuses
    if (spread) new DataView(out.buffer).setUint32(cdOffset + i * entry.length + 42, i, true);
  }
  const tail = real.slice(eocd);
  const t = new DataView(tail.buffer);
  t.setUint16(8, copies, true);
  t.setUint16(10, copies, true);
  t.setUint32(12, entry.length * copies, true);
  t.setUint32(16, cdOffset, true);
  out.set(tail, cdOffset + entry.length * copies);
  return out;
}

const sink = { calls: 0, async append(_c: string, _s: string, events: readonly NewAuditEvent[]): Promise<AppendResult> { this.calls += 1; return { appended: events.length, duplicates: 0, firstSeq: null, lastSeq: null }; } };

describe('zip bombs are refused before inflating', () => {
  it('many directory entries pointing at one local entry: refused, counted as a bad file, the run goes on', async () => {
    const file = join(tmp, 'audit.log.2026-11-29.0.zip');
    writeFileSync(file, bomb(200, 200 * 1024 * 1024)); // 200 × 200 MiB declared = 40 GiB from one entry
    expect(() => checkZipDirectory(file, bomb(200, 200 * 1024 * 1024))).toThrow(/share one local entry/);
    expect(() => checkZipDirectory(file, bomb(200, 200 * 1024 * 1024, true))).toThrow(/over 1073741824 bytes uncompressed together/);
    expect(() => checkZipDirectory(file, bomb(1, 300 * 1024 * 1024))).toThrow(/a member is over 268435456 bytes/);
    const good = join(tmp, 'good.log');
    writeFileSync(good, LINE);
    const report = await ingestSources(await resolveSources([file, good], []), { cluster: 'c1', streams: sink, offsets: { get: () => null, put: () => {} }, directory: directoryOf([]) });
    expect(report.malformed.first).toEqual([{ file, line: 0, reason: expect.stringContaining('zip refused') }]);
    expect(report.files.find((f) => f.path === file)).toMatchObject({ lines: 0, ingested: 0, malformed: 1 });
    expect(report.ingested).toBe(1);
  });

  it('two entries sharing one local header are refused even when small', () => {
    expect(() => checkZipDirectory('x.zip', bomb(2, LINE.length * 1000))).toThrow(/share one local entry/);
  });

  it('a genuine one-member zip passes; over the member count is refused', () => {
    expect(() => checkZipDirectory('ok.zip', bomb(1, LINE.length * 1000))).not.toThrow();
    const many: Record<string, Uint8Array> = {};
    for (let i = 0; i <= MAX_ZIP_MEMBERS; i++) many[`m${i}.log`] = strToU8('x');
    expect(() => checkZipDirectory('many.zip', zipSync(many))).toThrow(/1001 members/);
    expect(() => checkZipDirectory('junk.zip', new Uint8Array(10))).toThrow(/no end of central directory/);
  });
});
