import { describe, expect, it } from 'vitest';
import { SignerPins } from '../../../../src-main/audit/streams/pins';
import { AUDIT_CACHE_V2_DDL, AUDIT_INDEX_DDL } from '../../../../src-main/audit/index-schema';
import { openDatabase } from '../../../../src-main/store/db';

const key = (version: number, fingerprint: string) => ({ version, fingerprint, publicKeyPem: `pem-${fingerprint}` });

describe('signer pins (trust on first use)', () => {
  const db = openDatabase(':memory:');
  db.exec(AUDIT_INDEX_DDL); // the migration reads the old mirror tables before dropping them
  db.exec(AUDIT_CACHE_V2_DDL);
  const pins = new SignerPins(db);

  it('pins each version on first sight and accepts it again', () => {
    expect(pins.check('c1', 'tenant:ab_12345678', [key(1, 'aa'), key(2, 'bb')])).toEqual([]);
    expect(pins.check('c1', 'tenant:ab_12345678', [key(1, 'aa'), key(2, 'bb'), key(3, 'cc')])).toEqual([]);
  });
  it('a different key under a pinned version is reported, and the pin does not move', () => {
    expect(pins.check('c1', 'tenant:ab_12345678', [key(2, 'evil')])).toEqual([{ version: 2, fingerprint: 'evil', pinned: 'bb' }]);
    expect(pins.check('c1', 'tenant:ab_12345678', [key(2, 'evil')])).toEqual([{ version: 2, fingerprint: 'evil', pinned: 'bb' }]);
    expect(pins.check('c1', 'tenant:ab_12345678', [key(2, 'bb')])).toEqual([]);
  });
  it('pins are per cluster and per stream', () => {
    expect(pins.check('c2', 'tenant:ab_12345678', [key(2, 'other')])).toEqual([]);
    expect(pins.check('c1', 'platform', [key(2, 'other')])).toEqual([]);
  });
  it('the migration drops the clear-text mirror and keeps witness heads', () => {
    const old = openDatabase(':memory:');
    old.exec(AUDIT_INDEX_DDL);
    const ins = old.prepare(
      "INSERT INTO audit_events (source, stream, seq, at, at_ms, origin_kind, type, category, operation, outcome, detail, hash, prev_hash) VALUES (?, 'platform', ?, 't', 0, 'console', 'x', 'DDL', 'secret op', 'ok', 'null', ?, 'p')",
    );
    ins.run('live:c1', 1, 'h1');
    ins.run('live:c1', 2, 'h2');
    ins.run('snapshot:s', 9, 'h9');
    old.exec(AUDIT_CACHE_V2_DDL);
    const tables = (old.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name);
    expect(tables).not.toContain('audit_events');
    expect(tables).not.toContain('audit_batches');
    expect(old.prepare('SELECT source, stream, seq, hash FROM audit_witness_heads').all()).toEqual([{ source: 'live:c1', stream: 'platform', seq: 2, hash: 'h2' }]);
  });
});
