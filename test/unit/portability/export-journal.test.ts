import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BundleWriter, chunkPlaintext, KIND, newHeader, openBundle } from '../../../src-main/portability/core/bundle';
import { TableDigest } from '../../../src-main/portability/core/digest';
import { isTenantRole, keyspaceCql, readJournal, tableCql, writeJournal, type ExportJournal } from '../../../src-main/portability/core/export';
import { parseCreateTable } from '../../../src-main/portability/core/import-cql';
import { masterFingerprint } from '../../../src-main/keys/master';
import type { BundleChunkEntry, BundleManifest } from '../../../src-main/portability/types';

const dir = mkdtempSync(join(tmpdir(), 'csm-journal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const key = randomBytes(32);
const master = { key, fingerprint: masterFingerprint(key) };
const opener = async () => master;
const page = (p: number) => Array.from({ length: 10 }, (_, i) => ({ id: p * 10 + i, v: `r${p * 10 + i}` }));
const manifest = (createdAt: string, chunks: BundleChunkEntry[], digest: TableDigest): BundleManifest => ({
  format: 1,
  sourceCluster: 'c',
  tenant: 'xj_00000001',
  createdAt,
  createdBy: null,
  withData: true,
  wrap: 'installation',
  registry: {},
  keyspaces: [],
  tables: [{ keyspace: 'tenant_xj_00000001_data', table: 't', cql: '', rows: digest.rows, digest: digest.hex(), columns: [] }],
  roles: [],
  grants: [],
  auditHeads: [],
  consoleKeyspace: 'tenant_xj_00000001_csm',
  chunks,
  networkPermissions: [],
});

describe('resuming a bundle from its journal', () => {
  it('cuts a chunk written after the last journal entry, rewrites it once, and the bundle verifies', async () => {
    const final = join(dir, 'resumed.csmb');
    const { header, bundleKey } = await newHeader({ tenant: 'xj_00000001', sourceCluster: 'c', master });
    const w = await BundleWriter.create(`${final}.partial`, header, bundleKey);
    const chunks: BundleChunkEntry[] = [];
    for (let p = 0; p < 2; p++) chunks.push(await w.append(KIND.chunk, { index: p, keyspace: 'tenant_xj_00000001_data', table: 't', rows: 10 }, chunkPlaintext(['id', 'v'], page(p))));
    const journaled = w.length;
    // A third chunk reaches the file, then the process dies before the journal records it.
    await w.append(KIND.chunk, { index: 2, keyspace: 'tenant_xj_00000001_data', table: 't', rows: 10 }, chunkPlaintext(['id', 'v'], page(2)));
    await w.close();
    expect(statSync(`${final}.partial`).size).toBeGreaterThan(journaled);

    const { writer, bundleKey: k2 } = await BundleWriter.reopen(`${final}.partial`, { headerSha: w.headerSha, length: journaled, master: opener });
    k2.fill(0);
    expect(statSync(`${final}.partial`).size).toBe(journaled);
    for (let p = 2; p < 4; p++) chunks.push(await writer.append(KIND.chunk, { index: p, keyspace: 'tenant_xj_00000001_data', table: 't', rows: 10 }, chunkPlaintext(['id', 'v'], page(p))));
    const digest = new TableDigest();
    for (let p = 0; p < 4; p++) for (const r of page(p)) digest.add(r);
    await writer.finish(manifest(header.createdAt, chunks, digest), master, final);

    const b = await openBundle(final, { master: opener });
    const d = new TableDigest();
    for await (const rows of b.rows('tenant_xj_00000001_data', 't')) for (const r of rows) d.add({ id: r['id'], v: r['v'] });
    expect(d.rows).toBe(40);
    expect(d.hex()).toBe(digest.hex());
    await b.close();
  });

  it('refuses a partial file that is not the journal\'s (other header) or shorter than it', async () => {
    const p = join(dir, 'other.csmb.partial');
    const { header, bundleKey } = await newHeader({ tenant: 'xj_00000001', sourceCluster: 'c', master });
    const w = await BundleWriter.create(p, header, bundleKey);
    const len = w.length;
    await w.close();
    await expect(BundleWriter.reopen(p, { headerSha: 'ab'.repeat(32), length: len, master: opener })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(BundleWriter.reopen(p, { headerSha: w.headerSha, length: len + 100, master: opener })).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('journals are replaced atomically and a damaged one is a CONFLICT naming what to remove', async () => {
    const path = join(dir, 'x.journal');
    expect(await readJournal(path)).toBeNull();
    const j: ExportJournal = { v: 1, cluster: 'c', tenant: 't', withData: true, wrap: 'installation', headerSha: '00', length: 10, nextIndex: 0, chunks: [], tables: [{ keyspace: 'k', table: 't', done: false, pageState: 'abc', digest: '0'.repeat(64), rows: 5 }], keysDone: false };
    await writeJournal(path, j);
    expect(await readJournal(path)).toEqual(j);
    writeFileSync(path, '{"v":1,"chunks":');
    await expect(readJournal(path)).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/remove it/) });
  });
});

describe('schema and role selection', () => {
  it('CREATE TABLE text built from system_schema columns parses back to the same shape (the importer reads it)', () => {
    const cql = tableCql('tenant_xj_00000001_data', 'events', [
      { name: 'bucket', type: 'text', kind: 'partition_key', position: 0, order: 'none' },
      { name: 'region', type: 'text', kind: 'partition_key', position: 1, order: 'none' },
      { name: 'at', type: 'timeuuid', kind: 'clustering', position: 0, order: 'desc' },
      { name: 'seq', type: 'int', kind: 'clustering', position: 1, order: 'asc' },
      { name: 'owner', type: 'text', kind: 'static', position: -1, order: 'none' },
      { name: 'tags', type: 'frozen<map<text, list<int>>>', kind: 'regular', position: -1, order: 'none' },
    ]);
    const shape = parseCreateTable(cql);
    expect(shape).toMatchObject({
      keyspace: 'tenant_xj_00000001_data',
      table: 'events',
      partitionKey: ['bucket', 'region'],
      clustering: [
        { name: 'at', order: 'DESC' },
        { name: 'seq', order: 'ASC' },
      ],
      statics: ['owner'],
    });
    expect(shape.columns.map((c) => c.name).sort()).toEqual(['at', 'bucket', 'owner', 'region', 'seq', 'tags']);
    expect(keyspaceCql('tenant_xj_00000001_data', { class: 'org.apache.cassandra.locator.NetworkTopologyStrategy', dc1: '3' }, true)).toBe(
      `CREATE KEYSPACE "tenant_xj_00000001_data" WITH replication = {'class': 'org.apache.cassandra.locator.NetworkTopologyStrategy', 'dc1': '3'} AND durable_writes = true`,
    );
  });

  it("a tenant's roles are its admin, auditor, service role and users — not those of a tenant whose id extends it", () => {
    const others = ['ab', 'ab_u', 'abc'];
    expect(isTenantRole('ab', 'tenant_ab_admin', others)).toBe(true);
    expect(isTenantRole('ab', 'tenant_ab_u_boss', others)).toBe(true);
    expect(isTenantRole('ab', 'tenant_ab_svc', others)).toBe(true);
    expect(isTenantRole('ab', 'tenant_ab_u_admin', others)).toBe(false); // tenant ab_u's admin
    expect(isTenantRole('ab', 'tenant_abc_admin', others)).toBe(false);
    expect(isTenantRole('ab', 'tenant_ab_other', others)).toBe(false);
    expect(isTenantRole('ab', 'csm_platform_admin', others)).toBe(false);
  });
});
