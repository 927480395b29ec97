import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM script without type declarations
import { check, importsOf } from '../../scripts/check-boundaries.mjs';

const made: string[] = [];
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'csm-bound-'));
  made.push(root);
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), text);
  }
  return root;
}

describe('process boundary check', () => {
  it('finds static, dynamic, side-effect and require imports', () => {
    expect(importsOf(`import a from 'x';\nimport { b } from "y";\nimport 'z';\nconst c = await import('w');\nrequire('v');\nexport * from './u';`)).toEqual(
      expect.arrayContaining(['x', 'y', 'z', 'w', 'v', './u']),
    );
  });

  it('passes the real tree', () => {
    expect(check(join(import.meta.dirname, '..', '..'))).toEqual([]);
  });

  it.each([
    ['src-shared/a.ts', `import fs from 'node:fs';`, /src-shared must stay pure/],
    ['src-shared/a.ts', `import { x } from '../src-main/app/errors';`, /src-shared must stay pure/],
    ['src-renderer/a.tsx', `import { x } from '../src-main/ipc/router';`, /renderer may not import/],
    ['src-renderer/a.tsx', `import { ipcRenderer } from 'electron';`, /renderer may not import/],
    ['src-main/clusters/a.ts', `import cassandra from 'cassandra-driver';`, /only src-main\/cassandra\//],
    ['src-main/app/a.ts', `import { app } from 'electron';`, /only src-main\/electron\//],
    ['src-main/app/a.ts', `const k = require('keytar');`, /only src-main\/secrets\/keytar-store.ts/],
    ['src-main/tenancy/a.ts', `import D from 'better-sqlite3';`, /only src-main\/store\/db.ts/],
    ['src-main/app/a.ts', `import x from '../../src-renderer/app/App';`, /main may not import renderer/],
  ])('refuses %s importing across a boundary', (file, text, why) => {
    const problems: string[] = check(tree({ [file]: text }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(why);
  });

  it('allows what the design allows', () => {
    const root = tree({
      'src-shared/c.ts': `import { z } from 'zod';\nimport { y } from './d';`,
      'src-renderer/r.tsx': `import { create } from 'zustand';\nimport { contract } from '../src-shared/contract';`,
      'src-main/cassandra/x.ts': `import cassandra from 'cassandra-driver';`,
      'src-main/store/db.ts': `import D from 'better-sqlite3';`,
      'src-main/electron/main.ts': `import { app } from 'electron';`,
    });
    expect(check(root)).toEqual([]);
  });
});
