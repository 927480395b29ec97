import type { Operation, VerificationReport } from '../../src-shared/contract/portability';

/**
 * The portability core (export, import, verify, operation records) as the orchestration parts
 * (migration, backups) use it. Owned by the core; migration/backups code against this interface.
 */
export interface ProgressSink {
  (p: { phase: string | null; done: number; total: number | null; message: string }): void;
}

export interface ExportRequest {
  cluster: string;
  tenant: string;
  out: string;
  withData: boolean;
  /** Absent: keys wrapped to this installation's master key. */
  passphrase?: string;
  resume: boolean;
  signal?: AbortSignal;
  progress?: ProgressSink;
}
export interface ExportResult {
  path: string;
  bytes: number;
  sha256: string;
  tables: number;
  rows: number;
  resumed: boolean;
}

export interface ImportRequest {
  cluster: string;
  path: string;
  newId?: string;
  passphrase?: string;
  dcMap?: Record<string, string>;
  /** Restore into the existing tenant's keyspaces (backup restore): truncate-and-load instead of provisioning. */
  intoExisting?: boolean;
  signal?: AbortSignal;
  progress?: ProgressSink;
}
export interface ImportResult {
  cluster: string;
  tenant: string;
  tables: number;
  rows: number;
  report: VerificationReport;
}

export interface PortabilityCore {
  exportTenant(req: ExportRequest): Promise<ExportResult>;
  importBundle(req: ImportRequest): Promise<ImportResult>;
  /** Compare a tenant on a cluster with a bundle (row counts, content digests, grants, config). */
  verifyAgainstBundle(cluster: string, tenant: string, path: string, passphrase?: string): Promise<VerificationReport>;
  /** Compare two live tenants (migration): source and target may be on different clusters, target may have another id. */
  verifyLive(source: { cluster: string; tenant: string }, target: { cluster: string; tenant: string }): Promise<VerificationReport>;
  /** Operation records (cache): create, update, read. */
  operations: {
    start(op: Pick<Operation, 'kind' | 'cluster' | 'tenant'> & Partial<Operation>): Operation;
    update(id: string, patch: Partial<Operation>): Operation;
    get(id: string): Operation | null;
    list(filter: { cluster?: string; tenant?: string; kind?: Operation['kind'] }): Operation[];
  };
}

/**
 * A bundle as the importer reads it (written by core/bundle.ts, owned by the export owner; the
 * import owner codes against this). Opening verifies the manifest signature and unwraps the bundle
 * key; every chunk is checked against its checksum as it is read, so a tampered byte is refused
 * (BAD_INPUT) before anything is written to a cluster.
 */
export interface BundleManifestTable {
  keyspace: string;
  table: string;
  /** CREATE TABLE statement as exported (source keyspace name). */
  cql: string;
  rows: number;
  /** Order-independent content digest of the rows (see core/digest.ts), hex. */
  digest: string;
}
export interface BundleManifest {
  format: number;
  sourceCluster: string;
  tenant: string;
  createdAt: string;
  createdBy: string | null;
  withData: boolean;
  wrap: 'passphrase' | 'installation';
  /** The tenant's registry row as exported (tier, region, data centres, keyspaces, roles, labels …). */
  registry: Record<string, unknown>;
  /** CREATE KEYSPACE statements (source names and DCs). */
  keyspaces: { name: string; cql: string; replication: Record<string, string> }[];
  tables: BundleManifestTable[];
  /** Tenant roles (names at the source), their options, and grants (role_permissions rows). */
  roles: { name: string; login: boolean; superuser: false; memberOf: string[] }[];
  grants: { role: string; resource: string; permissions: string[] }[];
  /** Audit chain heads per stream at export time. */
  auditHeads: { stream: string; seq: number; hash: string }[];
}
export interface BundleReader {
  manifest: BundleManifest;
  /** Rows of one table, in pages, decoded to driver-ready values (bound as parameters on insert). */
  rows(keyspace: string, table: string): AsyncIterable<Record<string, unknown>[]>;
  /** The tenant's key material, unwrapped from the bundle and ready to rewrap at the target. */
  keys(): Promise<unknown>;
  close(): Promise<void>;
}
