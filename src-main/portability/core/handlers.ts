import { promises as fs } from 'node:fs';
import { resolve } from 'node:path';
import type { OperatorScope } from '../../../src-shared/contract/clusters';
import type { BundleInfo, Operation, portabilityChannels } from '../../../src-shared/contract/portability';
import { AppError } from '../../app/errors';
import type { ConsoleModule } from '../../app/module';
import type { ModuleDeps } from '../../app/module-deps';
import { CassandraKekStore } from '../../keys/cassandra-stores';
import { MasterKeyProvider } from '../../keys/master';
import { allows } from '../../identity/scope';
import type { ExportRequest, ImportRequest, PortabilityCore } from '../types';
import { installationSigner, openBundle, readBundleHeader, type InstallationKey, type OpenedBundle } from './bundle';
import { DEFAULT_PAGE_SIZE, exportTenant, readJournal } from './export';
import { createImporter } from './import';
import { OperationStore } from './operations';

type Channels = 'tenant.export' | 'tenant.inspectBundle' | 'tenant.import' | 'portability.result' | 'portability.list';
export type CoreChannels = Extract<keyof typeof portabilityChannels, Channels>;

const envInt = (name: string): number | undefined => {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  return Number.isInteger(n) && n > 0 ? n : undefined;
};

/**
 * Who may have signed a bundle the import accepts: this installation, or the fingerprint the
 * operator names explicitly (a key in the bundle's own header proves nothing by itself).
 */
export function checkSigner(path: string, signer: string, ours: string | null, trustSigner: string | undefined): void {
  const s = signer.toLowerCase();
  if (s === ours?.toLowerCase() || (trustSigner !== undefined && trustSigner.toLowerCase() === s)) return;
  throw new AppError(
    'FORBIDDEN',
    `bundle ${path} is signed by ${s}, not by this installation${ours ? ` (${ours})` : ' (this console holds no master key)'}: check that fingerprint with whoever exported it and name it to import (trustSigner / --trust-signer ${s})`,
  );
}

/**
 * An operation record is shown to a caller whose scope on its cluster (or its target cluster) covers
 * its tenant (or target tenant): platform sees all, a tenant admin or auditor their own tenants'.
 */
export function operationVisible(op: Pick<Operation, 'cluster' | 'tenant' | 'targetCluster' | 'targetTenant'>, scopeOf: (cluster: string) => OperatorScope | undefined): boolean {
  const sees = (cluster: string | null, tenant: string | null): boolean => {
    if (!cluster || !tenant) return false;
    const s = scopeOf(cluster);
    return s !== undefined && allows(s, 'auditor', tenant);
  };
  return sees(op.cluster, op.tenant) || sees(op.targetCluster, op.targetTenant);
}

/**
 * Bundle format, export, inspection, import wiring and operation records (issue 11 items 1–2).
 * Export and import run as jobs: the channel answers with the job id and the operation id at
 * once; progress goes out as `portability.progress` (and `job.progress`), the outcome is the
 * operation record (`portability.result`).
 */
/** The installation master key, read from the keychain for one call (null when this console has none). */
export async function installationMasterOnce(secrets: ModuleDeps['secrets']): Promise<InstallationKey | null> {
  const p = new MasterKeyProvider(secrets, async () => null);
  const m = await p.current();
  if (!m) return null;
  // A copy: the provider zeroes its own when forgotten.
  const out = { key: Buffer.from(m.key), fingerprint: m.fingerprint };
  p.forget();
  return out;
}

export function corePart(deps: ModuleDeps): ConsoleModule<CoreChannels> & { core: PortabilityCore } {
  const ops = new OperationStore(deps.store.db, deps.bus);
  const master = (): Promise<InstallationKey | null> => installationMasterOnce(deps.secrets);
  const openWith = (path: string, passphrase?: string): Promise<OpenedBundle> => openBundle(resolve(path), { passphrase, master });

  const operator = (cluster: string) => {
    const c = deps.connections.operator(cluster);
    if (!c) throw new AppError('NOT_SIGNED_IN', `sign in to cluster ${cluster} first`);
    return c;
  };

  const importer = createImporter(deps, ops, { openBundle: openWith });

  const exportTenantNow = async (req: ExportRequest) => {
    const client = operator(req.cluster);
    return exportTenant(
      {
        client,
        keys: deps.keys.for(req.cluster),
        master: async () => {
          const m = await master();
          if (m) return m;
          // Explain which key the cluster expects, as the key service does.
          const fp = await new CassandraKekStore(client).anyFingerprint().catch(() => null);
          throw new AppError('NOT_FOUND', `exporting a tenant needs this installation's master key${fp ? ` (${fp})` : ''}: import its master key share first`);
        },
        operator: deps.sessions.scopeOf(req.cluster)?.role ?? null,
        pageSize: envInt('CSM_EXPORT_PAGE_SIZE') ?? DEFAULT_PAGE_SIZE,
        throttleMs: envInt('CSM_EXPORT_THROTTLE_MS'),
      },
      req,
    );
  };

  /** Run an operation as a job: record → progress events → final record. */
  const runOperation = <T>(op: Operation, label: string, work: (signal: AbortSignal, progress: NonNullable<ExportRequest['progress']>) => Promise<T>, finish: (v: T) => Partial<Operation>): { jobId: string; operationId: string } => {
    let current = op;
    const { jobId } = deps.jobs.start(`portability.${op.kind}`, label, async (job) => {
      current = ops.update(op.id, { jobId: job.id });
      try {
        const value = await work(job.signal, (p) => {
          job.progress(p.phase ?? 'working', p.total ? Math.min(1, p.done / p.total) : null, p.message);
          if (p.phase !== current.phase) current = ops.update(op.id, { phase: p.phase });
          ops.progress(current, p);
        });
        current = ops.update(op.id, { ...finish(value), state: 'succeeded', endedAt: new Date().toISOString(), error: null });
        ops.progress(current, { phase: 'done', done: 1, total: 1, message: `${op.kind} finished` });
        return value;
      } catch (e) {
        const message = e instanceof AppError ? `${e.code}: ${e.message}` : 'failed (see the console log)';
        current = ops.update(op.id, { state: job.signal.aborted ? 'aborted' : 'failed', endedAt: new Date().toISOString(), error: message });
        ops.progress(current, { phase: 'failed', done: 0, total: null, message });
        throw e;
      }
    });
    return { jobId, operationId: op.id };
  };

  const core: PortabilityCore = {
    exportTenant: exportTenantNow,
    importBundle: (req: ImportRequest) => importer.importBundle(req),
    verifyAgainstBundle: (cluster, tenant, path, passphrase) => importer.verifyAgainstBundle(cluster, tenant, path, passphrase),
    verifyLive: (source, target) => importer.verifyLive(source, target),
    operations: {
      start: (op) => ops.start(op),
      update: (id, patch) => ops.update(id, patch),
      get: (id) => ops.get(id),
      list: (filter) => ops.list(filter),
    },
  };

  const inspect = async (path: string, passphrase?: string): Promise<BundleInfo> => {
    const abs = resolve(path);
    const partial = `${abs}.partial`;
    const journal = await fs.stat(abs).then(
      () => null,
      async () => readJournal(`${abs}.journal`),
    );
    if (journal) {
      // An interrupted export: what the journal records, nothing claimed as verified.
      const header = await readBundleHeader(partial);
      return {
        format: header.format,
        sourceCluster: header.sourceCluster,
        tenant: header.tenant,
        createdAt: header.createdAt,
        createdBy: null,
        withData: journal.withData,
        wrap: header.wrap,
        tables: journal.tables.map((t) => ({ keyspace: t.keyspace, table: t.table, rows: t.rows, sha256: t.digest })),
        dataCenters: [],
        signatureOk: false,
        complete: false,
        sha256: null,
        bytes: null,
        signer: header.signer.fingerprint,
        signedByThisInstallation: await master().then((m) => (m ? installationSigner(m).fingerprint === header.signer.fingerprint : null)),
        keyspaces: [...new Set(journal.tables.map((t) => t.keyspace))],
        roles: 0,
        grants: 0,
        rows: journal.tables.reduce((n, t) => n + t.rows, 0),
        chunks: journal.chunks.length,
      };
    }
    const b = await openWith(abs, passphrase);
    try {
      const m = b.manifest;
      const dcs = (m.registry as { dataCenters?: unknown }).dataCenters;
      return {
        format: m.format,
        sourceCluster: m.sourceCluster,
        tenant: m.tenant,
        createdAt: m.createdAt,
        createdBy: m.createdBy,
        withData: m.withData,
        wrap: m.wrap,
        tables: m.tables.map((t) => ({ keyspace: t.keyspace, table: t.table, rows: t.rows, sha256: t.digest })),
        dataCenters: Array.isArray(dcs) ? dcs.map(String) : [],
        // openBundle refused anything that did not verify: reaching here means every check passed.
        signatureOk: true,
        complete: true,
        sha256: b.sha256,
        bytes: b.bytes,
        signer: b.signer,
        signedByThisInstallation: b.signedByThisInstallation,
        keyspaces: m.keyspaces.map((k) => k.name),
        roles: m.roles.length,
        grants: m.grants.length,
        rows: m.tables.reduce((n, t) => n + t.rows, 0),
        chunks: m.chunks.filter((c) => c.kind === 'chunk').length,
      };
    } finally {
      await b.close();
    }
  };

  const visible = (op: Operation): boolean => operationVisible(op, (c) => deps.sessions.scopeOf(c));

  return {
    core,
    handlers: {
      'tenant.export': async ({ cluster, tenant, out, withData, passphrase, resume }) => {
        operator(cluster);
        if (!deps.sessions.scopeOf(cluster)?.platform) throw new AppError('FORBIDDEN', `exporting a tenant needs platform scope on ${cluster}`);
        const path = resolve(out);
        const running = ops.list({ cluster, tenant, kind: 'export' }).find((o) => o.state === 'running' && o.path === path);
        if (running) throw new AppError('CONFLICT', `an export of ${tenant} to ${path} is already running (operation ${running.id})`);
        const op = ops.start({ kind: 'export', cluster, tenant, path, phase: 'metadata' });
        return runOperation(
          op,
          `export ${tenant} from ${cluster}`,
          (signal, progress) => exportTenantNow({ cluster, tenant, out: path, withData, ...(passphrase !== undefined ? { passphrase } : {}), resume, signal, progress }),
          (r) => ({ path: r.path, bytes: r.bytes, sha256: r.sha256, tables: r.tables, rows: r.rows, phase: 'done' }),
        );
      },
      'tenant.inspectBundle': async ({ path, passphrase }) => inspect(path, passphrase),
      'tenant.import': async ({ cluster, path, newId, passphrase, dcMap, trustSigner }) => {
        operator(cluster);
        if (!deps.sessions.scopeOf(cluster)?.platform) throw new AppError('FORBIDDEN', `importing a tenant needs platform scope on ${cluster}`);
        const abs = resolve(path);
        // The header names the source tenant without decrypting anything; the bundle is verified in full by the importer.
        const header = await readBundleHeader(abs).catch((e: unknown) => {
          if (e instanceof AppError) throw e;
          throw new AppError((e as NodeJS.ErrnoException).code === 'ENOENT' ? 'NOT_FOUND' : 'BAD_INPUT', `cannot read bundle ${abs}`);
        });
        // The header's key only proves the bundle is unchanged since someone signed it: who signed it is
        // decided here — this installation, or a fingerprint the operator names (checked out of band).
        // openBundle then refuses a header key that does not match its fingerprint or signature.
        const m = await master();
        const ours = m ? installationSigner(m).fingerprint : null;
        m?.key.fill(0);
        checkSigner(abs, header.signer.fingerprint, ours, trustSigner);
        const op = ops.start({ kind: 'import', cluster: header.sourceCluster, tenant: header.tenant, targetCluster: cluster, targetTenant: newId ?? header.tenant, path: abs, phase: 'verify' });
        return runOperation(
          op,
          `import ${header.tenant} into ${cluster}${newId ? ` as ${newId}` : ''}`,
          (signal, progress) =>
            importer.importBundle({ cluster, path: abs, ...(newId !== undefined ? { newId } : {}), ...(passphrase !== undefined ? { passphrase } : {}), ...(dcMap !== undefined ? { dcMap } : {}), signal, progress }),
          (r) => ({ targetCluster: r.cluster, targetTenant: r.tenant, tables: r.tables, rows: r.rows, report: r.report, phase: 'done' }),
        );
      },
      'portability.result': async ({ operationId }) => {
        const op = ops.get(operationId);
        // One the caller may not see reads as absent (its existence is not disclosed either).
        if (!op || !visible(op)) throw new AppError('NOT_FOUND', `no operation ${operationId} on this console`);
        return op;
      },
      'portability.list': async ({ cluster, tenant, kind }) => ops.list({ ...(cluster ? { cluster } : {}), ...(tenant ? { tenant } : {}), ...(kind ? { kind } : {}) }).filter(visible),
    },
  };
}
