import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { planned, writeAll } from '../../../src-main/pki/files';

const dir = mkdtempSync(join(tmpdir(), 'csm-pki-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const thrown = (f: () => unknown): { code?: string; message?: string } => {
  try {
    f();
  } catch (e) {
    return e as { code: string; message: string };
  }
  throw new Error('did not throw');
};

describe('writing certificate files', () => {
  it('overwrite replaces the target through a temporary file: the key is 0600, no temporary is left behind', () => {
    const key = join(dir, 'app.key.pem');
    writeFileSync(key, 'old world-readable content', { mode: 0o644 });
    const [w] = writeAll([planned(key, 'key', 'NEW KEY')], { overwrite: true, createDir: false });
    expect(readFileSync(key, 'utf8')).toBe('NEW KEY');
    expect(statSync(key).mode & 0o777).toBe(0o600);
    expect(w).toMatchObject({ path: key, kind: 'key', bytes: 7 });
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('without overwrite an existing file is CONFLICT and unchanged', () => {
    const crt = join(dir, 'app.crt.pem');
    writeFileSync(crt, 'keep me');
    expect(thrown(() => writeAll([planned(crt, 'certificate', 'x')], { overwrite: false, createDir: false })).code).toBe('CONFLICT');
    expect(readFileSync(crt, 'utf8')).toBe('keep me');
  });

  it('a target whose directory cannot hold files is an AppError naming the path, and no temporary is left (also as root)', () => {
    // A regular file where a directory should be: ENOTDIR for every user, root included (a
    // read-only directory would not stop root, and the tests run as root on our machines).
    const notDir = join(dir, 'not-a-dir');
    writeFileSync(notDir, 'plain file');
    const target = join(notDir, 'a.crt.pem');
    for (const overwrite of [false, true]) {
      const e = thrown(() => writeAll([planned(target, 'certificate', 'b')], { overwrite, createDir: false }));
      expect(e.code).toMatch(/^(NOT_FOUND|BAD_INPUT)$/);
      expect(e.message).toContain(notDir);
    }
    expect(readFileSync(notDir, 'utf8')).toBe('plain file');
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});
