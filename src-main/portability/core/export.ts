import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { AppError } from '../../app/errors';
import type { CqlClient } from '../../cassandra/connections';
import { fromDriverError } from '../../cassandra/driver-errors';
import { BCRYPT_HASH_PATTERN, column, keyspace, qualified } from '../../cassandra/identifiers';
import { ChainStore } from '../../audit/streams/store';
import { streamOf } from '../../audit/types';
import type { KeyService } from '../../keys/hierarchy';
import { TenantRegistry, type TenantRow } from '../../tenancy/registry';
import { isTenantKeyspace, tenantConsoleKeyspace } from '../../../src-shared/rules/lifecycle';
import { CQL_NAME_PATTERN } from '../../../src-shared/rules/names';
import type { BundleChunkEntry, BundleManifest, BundleManifestTable, ExportRequest, ExportResult } from '../types';
import { BundleWriter, chunkPlaintexts, KIND, keysPlaintext, newHeader, type InstallationKey } from './bundle';
import { TableDigest } from './digest';
import { checkType } from './import-cql';
import { isTenantRole, type CarriedProfile, type ManifestWithCompliance } from './import-plan';
import { isMissingTable, ProfileStore } from '../../compliance/store';

/**
 * Tenant export (issue 11 item 1). Reads as the signed-in platform operator; writes
 * `<out>.partial` append-only and keeps `<out>.journal` beside it: after every sealed chunk is
 * durable, the journal (rewritten atomically: temporary + rename) records the chunk, the table's
 * driver page state and its running digest. A killed export continues with `resume: true` from the
 * last journaled chunk (the partial file is cut back to the journaled length, so a chunk written
 * after the last journal write is written again, once). The finished file is renamed into place.
 * Without `resume`, an existing output or an interrupted export at the same path is a CONFLICT.
 */

const Q = { prepare: true, consistency: 0x06 } as const; // LOCAL_QUORUM
/** Rows per page/chunk; CSM_EXPORT_PAGE_SIZE overrides it (tests use small pages to interrupt mid-table). */
export const DEFAULT_PAGE_SIZE = 1000;

export interface ExportDeps {
  client: CqlClient;
  keys: KeyService;
  master: () => Promise<InstallationKey | null>;
  operator: string | null;
  pageSize?: number;
  /** Test hook: wait this long after each chunk (CSM_EXPORT_THROTTLE_MS), so a test can kill the process mid-export. */
  throttleMs?: number;
}

export interface TableState {
  keyspace: string;
  table: string;
  done: boolean;
  pageState: string | null;
  digest: string;
  rows: number;
}

export interface ExportJournal {
  v: 1;
  cluster: string;
  tenant: string;
  withData: boolean;
  wrap: 'passphrase' | 'installation';
  headerSha: string;
  /** Length of the partial file covered by the journaled records. */
  length: number;
  nextIndex: number;
  chunks: BundleChunkEntry[];
  tables: TableState[];
  keysDone: boolean;
}

async function guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw fromDriverError(e, what);
  }
}

const exists = async (p: string): Promise<boolean> =>
  fs.stat(p).then(
    () => true,
    (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return false;
      throw new AppError('BAD_INPUT', `cannot check ${p}: ${e.code ?? 'error'}`);
    },
  );

export async function readJournal(path: string): Promise<ExportJournal | null> {
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  try {
    const j = JSON.parse(text) as ExportJournal;
    if (j.v !== 1 || !Array.isArray(j.chunks) || !Array.isArray(j.tables)) throw new Error('shape');
    return j;
  } catch {
    throw new AppError('CONFLICT', `${path} is not an export journal this console can read: remove it and the .partial file beside it, and export again`);
  }
}

/** Atomic: a reader (or a resumed export after a kill) sees the old journal or the new one, never half. */
export async function writeJournal(path: string, j: ExportJournal): Promise<void> {
  const tmp = `${path}.tmp`;
  const fh = await fs.open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(JSON.stringify(j));
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fs.rename(tmp, path);
}

/** CREATE KEYSPACE text from system_schema.keyspaces replication. */
export function keyspaceCql(ks: string, replication: Record<string, string>, durable: boolean): string {
  const entries = Object.entries(replication)
    .sort(([a], [b]) => (a === 'class' ? -1 : b === 'class' ? 1 : a.localeCompare(b)))
    .map(([k, v]) => `'${k.replace(/'/g, "''")}': '${v.replace(/'/g, "''")}'`);
  return `CREATE KEYSPACE ${keyspace(ks)} WITH replication = {${entries.join(', ')}} AND durable_writes = ${durable ? 'true' : 'false'}`;
}

interface ColumnRow {
  name: string;
  type: string;
  kind: string;
  position: number;
  order: string;
}

/**
 * Refuse at export what an import cannot restore, naming the table: quoted mixed-case table or
 * column names (tenant tables are created lower-case; the import re-creates by those rules),
 * counter tables (rows cannot be inserted back) and user-defined or other types the import does
 * not create (checkType's rules: UDTs would need CREATE TYPE).
 */
export function checkExportable(ks: string, table: string, cols: readonly { name: string; type: string }[]): void {
  const where = `${ks}.${table}`;
  if (!CQL_NAME_PATTERN.test(table)) throw new AppError('BAD_INPUT', `table ${JSON.stringify(where)} has a quoted or mixed-case name: an import cannot re-create it; rename it (copy into a lower-case table) before exporting`);
  for (const c of cols) {
    if (!CQL_NAME_PATTERN.test(c.name)) throw new AppError('BAD_INPUT', `table ${where}: column ${JSON.stringify(c.name)} has a quoted or mixed-case name: an import cannot re-create it; rename it before exporting`);
  }
  if (cols.some((c) => /\bcounter\b/i.test(c.type))) throw new AppError('BAD_INPUT', `table ${where} is a counter table: counter values cannot be loaded back by an import; export refused`);
  for (const c of cols) {
    try {
      checkType(c.type);
    } catch {
      throw new AppError('BAD_INPUT', `table ${where}: column ${c.name} has type ${c.type.slice(0, 80)}, which an import cannot re-create (user-defined types and the like); export refused`);
    }
  }
}

/** CREATE TABLE text from system_schema.columns: columns, primary key, clustering order. */
export function tableCql(ks: string, table: string, cols: ColumnRow[]): string {
  const byPos = (kind: string): ColumnRow[] => cols.filter((c) => c.kind === kind).sort((a, b) => a.position - b.position);
  const pk = byPos('partition_key');
  const ck = byPos('clustering');
  const ordered = [...pk, ...ck, ...cols.filter((c) => c.kind === 'static' || c.kind === 'regular').sort((a, b) => a.name.localeCompare(b.name))];
  const defs = ordered.map((c) => `${column(c.name)} ${c.type}${c.kind === 'static' ? ' STATIC' : ''}`);
  const key = [`(${pk.map((c) => column(c.name)).join(', ')})`, ...ck.map((c) => column(c.name))].join(', ');
  const order = ck.length ? ` WITH CLUSTERING ORDER BY (${ck.map((c) => `${column(c.name)} ${c.order.toLowerCase() === 'desc' ? 'DESC' : 'ASC'}`).join(', ')})` : '';
  return `CREATE TABLE ${qualified(ks, table)} (${defs.join(', ')}, PRIMARY KEY (${key}))${order}`;
}

export { isTenantRole };

interface Metadata {
  registry: TenantRow;
  keyspaces: BundleManifest['keyspaces'];
  tables: Omit<BundleManifestTable, 'rows' | 'digest'>[];
  roles: BundleManifest['roles'];
  grants: BundleManifest['grants'];
  network: BundleManifest['networkPermissions'];
  auditHeads: BundleManifest['auditHeads'];
  compliance: CarriedProfile | null;
}

/**
 * system_auth.roles with the users' password hashes when the exporting role may read them; a role
 * that may read the roles but not that column (a custom authenticator's table) exports without them.
 */
async function readRoles(client: CqlClient): Promise<Record<string, unknown>[]> {
  try {
    return (await client.execute('SELECT role, can_login, member_of, salted_hash FROM system_auth.roles', [], { ...Q, fetchSize: 5000 })).rows;
  } catch (e) {
    if (!/salted_hash|Undefined column|unauthori[sz]ed|not authori[sz]ed/i.test(String((e as Error)?.message))) throw e;
    return (await client.execute('SELECT role, can_login, member_of FROM system_auth.roles', [], { ...Q, fetchSize: 5000 })).rows;
  }
}

async function readMetadata(client: CqlClient, tenant: string): Promise<Metadata> {
  const reg = new TenantRegistry(client);
  const registry = await reg.get(tenant);
  if (!registry) throw new AppError('NOT_FOUND', `tenant ${tenant} is not registered on this cluster`);
  if (!['active', 'suspended', 'migrating'].includes(registry.state)) throw new AppError('CONFLICT', `tenant ${tenant} is ${registry.state}: only an active, suspended or migrating tenant is exported`);
  const others = (await reg.all()).map((t) => t.id);
  const consoleKs = tenantConsoleKeyspace(tenant);
  return guard(`reading the schema and grants of ${tenant}`, async () => {
    const ksRows = (await client.execute('SELECT keyspace_name, replication, durable_writes FROM system_schema.keyspaces', [], Q)).rows;
    const tenantKs = ksRows.filter((r) => isTenantKeyspace(tenant, String(r['keyspace_name']))).sort((a, b) => String(a['keyspace_name']).localeCompare(String(b['keyspace_name'])));
    if (!tenantKs.some((r) => r['keyspace_name'] === consoleKs)) throw new AppError('CONFLICT', `tenant ${tenant} has no console keyspace ${consoleKs}: repair the tenant first`);
    const keyspaces = tenantKs.map((r) => {
      const replication = Object.fromEntries(Object.entries((r['replication'] ?? {}) as Record<string, string>).map(([k, v]) => [k, String(v)]));
      const name = String(r['keyspace_name']);
      return { name, cql: keyspaceCql(name, replication, r['durable_writes'] !== false), replication };
    });
    const tables: Metadata['tables'] = [];
    for (const k of keyspaces) {
      const rs = await client.execute('SELECT table_name, column_name, kind, position, type, clustering_order FROM system_schema.columns WHERE keyspace_name = ?', [k.name], Q);
      const by = new Map<string, ColumnRow[]>();
      for (const c of rs.rows) {
        const t = String(c['table_name']);
        by.set(t, [...(by.get(t) ?? []), { name: String(c['column_name']), type: String(c['type']), kind: String(c['kind']), position: Number(c['position']), order: String(c['clustering_order'] ?? 'none') }]);
      }
      for (const [t, cols] of [...by].sort(([a], [b]) => a.localeCompare(b))) {
        checkExportable(k.name, t, cols);
        tables.push({ keyspace: k.name, table: t, cql: tableCql(k.name, t, cols), columns: cols.map((c) => ({ name: c.name, type: c.type, kind: c.kind })).sort((a, b) => a.name.localeCompare(b.name)) });
      }
    }
    const roleRows = await readRoles(client);
    const roles: BundleManifest['roles'] = roleRows
      .filter((r) => isTenantRole(tenant, String(r['role']), others))
      .map((r) => {
        const name = String(r['role']);
        const hash = r['salted_hash'];
        // Users' hashes only: the service role's password is this console's own (keychain), and group roles have none.
        const carry = name.startsWith(`tenant_${tenant}_u_`) && typeof hash === 'string' && BCRYPT_HASH_PATTERN.test(hash);
        return { name, login: r['can_login'] === true, superuser: false as const, memberOf: ((r['member_of'] as string[] | null) ?? []).map(String).sort(), ...(carry ? { passwordHash: hash } : {}) };
      })
      .sort((a, b) => a.name.localeCompare(b.name));
    const names = new Set(roles.map((r) => r.name));
    const grants: BundleManifest['grants'] = [];
    for await (const r of await client.execute('SELECT role, resource, permissions FROM system_auth.role_permissions', [], { ...Q, fetchSize: 5000 })) {
      if (!names.has(String(r['role']))) continue;
      grants.push({ role: String(r['role']), resource: String(r['resource']), permissions: ((r['permissions'] as string[] | null) ?? []).map(String).sort() });
    }
    grants.sort((a, b) => `${a.role} ${a.resource}`.localeCompare(`${b.role} ${b.resource}`));
    const network: BundleManifest['networkPermissions'] = [];
    const authTables = new Set((await client.execute("SELECT table_name FROM system_schema.tables WHERE keyspace_name = 'system_auth'", [], Q)).rows.map((r) => String(r['table_name'])));
    if (authTables.has('network_permissions')) {
      for (const r of (await client.execute('SELECT role, dcs FROM system_auth.network_permissions', [], { ...Q, fetchSize: 5000 })).rows) {
        if (names.has(String(r['role']))) network.push({ role: String(r['role']), dcs: ((r['dcs'] as string[] | null) ?? []).map(String).sort() });
      }
    }
    const head = await new ChainStore(client, streamOf(tenant)).head();
    // The compliance profile travels with the tenant: the import enforces its boundary on the target.
    let compliance: CarriedProfile | null = null;
    try {
      const p = await new ProfileStore(client).get(tenant);
      if (p) compliance = { boundary: p.boundary, frameworks: p.frameworks, overrides: p.overrides };
    } catch (e) {
      if (!isMissingTable(e)) throw e;
    }
    return { registry, keyspaces, tables, roles, grants, network, auditHeads: [{ stream: streamOf(tenant), seq: head.seq, hash: head.hash }], compliance };
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * One table, page by page from its recorded page state: each page is digested, sealed as a chunk
 * and appended (durable), then `afterPage` runs (the journal write). Mutates `j` and `ts`.
 */
export async function exportTable(
  d: { client: CqlClient; writer: BundleWriter; pageSize: number; throttleMs?: number | undefined; signal?: AbortSignal | undefined },
  j: Pick<ExportJournal, 'chunks' | 'nextIndex' | 'length'>,
  ts: TableState,
  columns: readonly string[],
  afterPage: () => Promise<void>,
): Promise<void> {
  const cql = `SELECT ${columns.map((c) => column(c)).join(', ')} FROM ${qualified(ts.keyspace, ts.table)}`;
  const digest = TableDigest.from(ts.digest, ts.rows);
  while (!ts.done) {
    if (d.signal?.aborted) throw new AppError('CANCELLED', 'export cancelled: resume it later');
    const opts: Record<string, unknown> = { ...Q, fetchSize: d.pageSize, autoPage: false };
    if (ts.pageState) opts['pageState'] = ts.pageState;
    const rs = await guard(`reading ${ts.keyspace}.${ts.table}`, () => d.client.execute(cql, [], opts));
    const rows = rs.rows as unknown as Record<string, unknown>[];
    const next = (rs.pageState as string | null | undefined) ?? null;
    if (rows.length > 0) {
      for (const r of rows) digest.add(r, columns);
      for (const part of chunkPlaintexts(columns, rows)) {
        const entry = await d.writer.append(KIND.chunk, { index: j.nextIndex, keyspace: ts.keyspace, table: ts.table, rows: part.rows }, part.plain);
        j.chunks.push(entry);
        j.nextIndex += 1;
      }
    }
    ts.pageState = next;
    ts.digest = digest.hex();
    ts.rows = digest.rows;
    ts.done = next === null;
    j.length = d.writer.length;
    await afterPage();
    if (d.throttleMs) await sleep(d.throttleMs);
  }
}

export async function exportTenant(deps: ExportDeps, req: ExportRequest): Promise<ExportResult> {
  const out = resolve(req.out);
  const partial = `${out}.partial`;
  const journalPath = `${out}.journal`;
  const pageSize = Math.max(1, Math.min(50_000, deps.pageSize ?? DEFAULT_PAGE_SIZE));
  try {
    await fs.access(dirname(out));
  } catch {
    throw new AppError('BAD_INPUT', `the directory of ${out} does not exist`);
  }
  let journal = req.resume ? await readJournal(journalPath) : null;
  if (!req.resume) {
    if (await exists(out)) throw new AppError('CONFLICT', `${out} exists: choose another path or remove it first`);
    if ((await exists(journalPath)) || (await exists(partial))) {
      throw new AppError('CONFLICT', `an interrupted export to ${out} exists (${partial}): continue it with resume (--resume), or remove ${partial} and ${journalPath}`);
    }
  } else if (journal) {
    if (journal.tenant !== req.tenant || journal.cluster !== req.cluster) throw new AppError('CONFLICT', `${journalPath} is an export of ${journal.tenant} on ${journal.cluster}, not of ${req.tenant} on ${req.cluster}`);
    if (journal.withData !== req.withData) throw new AppError('CONFLICT', `the interrupted export was started ${journal.withData ? 'with' : 'without'} data: resume it the same way`);
    if (journal.wrap !== (req.passphrase !== undefined ? 'passphrase' : 'installation')) throw new AppError('CONFLICT', `the interrupted export is wrapped to ${journal.wrap === 'passphrase' ? 'a passphrase: give it again' : "this installation's master key: resume it without a passphrase"}`);
  } else if (await exists(out)) {
    throw new AppError('CONFLICT', `${out} exists and there is no interrupted export to resume`);
  }
  const resumed = journal !== null;

  const master = await deps.master();
  if (!master) throw new AppError('NOT_FOUND', 'exporting a tenant needs this installation\'s master key (its key material is rewrapped for the bundle): import the master key share first');
  req.progress?.({ phase: 'metadata', done: 0, total: null, message: `reading the schema, roles and grants of ${req.tenant}` });
  const meta = await readMetadata(deps.client, req.tenant);
  // Without --with-data every table's definition travels, only the data keyspaces' rows stay behind (the console keyspace always travels).
  const rowsSkipped = (ks: string): boolean => !req.withData && ks !== tenantConsoleKeyspace(req.tenant);

  let writer: BundleWriter;
  if (journal) {
    const reopened = await BundleWriter.reopen(partial, { headerSha: journal.headerSha, length: journal.length, passphrase: req.passphrase, master: deps.master });
    // The writer keeps only its derived subkeys: the bundle key copy is zeroed at once.
    reopened.bundleKey.fill(0);
    writer = reopened.writer;
    // Tables present at the first run stay the plan; a table dropped since is an error, not a silent gap.
    const now = new Set(meta.tables.map((t) => `${t.keyspace}.${t.table}`));
    for (const t of journal.tables) if (!now.has(`${t.keyspace}.${t.table}`)) throw new AppError('CONFLICT', `table ${t.keyspace}.${t.table} was dropped since the export started: export again`);
    // A table created since (another feature adds console tables on sign-in) joins the plan, read from its start.
    const planned = new Set(journal.tables.map((t) => `${t.keyspace}.${t.table}`));
    for (const t of meta.tables) {
      if (!planned.has(`${t.keyspace}.${t.table}`)) journal.tables.push({ keyspace: t.keyspace, table: t.table, done: rowsSkipped(t.keyspace), pageState: null, digest: new TableDigest().hex(), rows: 0 });
    }
  } else {
    const { header, bundleKey } = await newHeader({ tenant: req.tenant, sourceCluster: req.cluster, passphrase: req.passphrase, master });
    try {
      writer = await BundleWriter.create(partial, header, bundleKey);
    } finally {
      bundleKey.fill(0);
    }
    journal = {
      v: 1,
      cluster: req.cluster,
      tenant: req.tenant,
      withData: req.withData,
      wrap: header.wrap,
      headerSha: writer.headerSha,
      length: writer.length,
      nextIndex: 0,
      chunks: [],
      tables: meta.tables.map((t) => ({ keyspace: t.keyspace, table: t.table, done: rowsSkipped(t.keyspace), pageState: null, digest: new TableDigest().hex(), rows: 0 })),
      keysDone: false,
    };
    await writeJournal(journalPath, journal);
  }
  const j = journal;
  try {
    const total = j.tables.length;
    // Key material first: an export of a tenant whose keys cannot be read fails before reading any data.
    if (!j.keysDone) {
      req.progress?.({ phase: 'keys', done: 0, total, message: 'sealing the tenant key material' });
      // The tenant's KEK versions, as a tenant key share under a random passphrase; both only inside the encrypted record.
      const pass = randomBytes(32).toString('base64');
      const share = await deps.keys.exportTenantShare(req.tenant, pass);
      const entry = await writer.append(KIND.keys, { index: j.nextIndex }, keysPlaintext(share, pass));
      j.chunks.push(entry);
      j.nextIndex += 1;
      j.keysDone = true;
      j.length = writer.length;
      await writeJournal(journalPath, j);
    }
    for (const [ti, ts] of j.tables.entries()) {
      if (ts.done) continue;
      const def = meta.tables.find((t) => t.keyspace === ts.keyspace && t.table === ts.table);
      if (!def) throw new AppError('INTERNAL', `no definition of ${ts.keyspace}.${ts.table}`);
      const columns = def.columns.map((c) => c.name);
      await exportTable({ client: deps.client, writer, pageSize, throttleMs: deps.throttleMs, signal: req.signal }, j, ts, columns, async () => {
        await writeJournal(journalPath, j);
        req.progress?.({ phase: 'data', done: ti + (ts.done ? 1 : 0), total, message: `${ts.keyspace}.${ts.table}: ${ts.rows} rows` });
      });
    }
    const reg = meta.registry;
    const manifest: ManifestWithCompliance = {
      format: writer.header.format,
      sourceCluster: req.cluster,
      tenant: req.tenant,
      createdAt: writer.header.createdAt,
      createdBy: deps.operator,
      withData: req.withData,
      wrap: writer.header.wrap,
      registry: { ...reg } as unknown as Record<string, unknown>,
      keyspaces: meta.keyspaces,
      tables: j.tables.map((t) => {
        const def = meta.tables.find((d) => d.keyspace === t.keyspace && d.table === t.table) as Metadata['tables'][number];
        return { ...def, rows: t.rows, digest: t.digest };
      }),
      roles: meta.roles,
      grants: meta.grants,
      auditHeads: meta.auditHeads,
      consoleKeyspace: tenantConsoleKeyspace(req.tenant),
      chunks: j.chunks,
      networkPermissions: meta.network,
      compliance: meta.compliance,
    };
    req.progress?.({ phase: 'sign', done: total, total, message: 'signing the manifest' });
    const done = await writer.finish(manifest, master, out);
    await fs.rm(journalPath, { force: true });
    return { path: out, bytes: done.bytes, sha256: done.sha256, tables: manifest.tables.length, rows: manifest.tables.reduce((n, t) => n + t.rows, 0), resumed };
  } finally {
    await writer.close().catch(() => undefined);
  }
}
