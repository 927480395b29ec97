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
  /** Column names and CQL types (system_schema.columns), partition key and clustering columns in order. */
  columns: { name: string; type: string; kind: string }[];
}
/** One sealed record of the bundle file (core/bundle.ts): where it is and what it must hash to. */
export interface BundleChunkEntry {
  kind: 'chunk' | 'keys' | 'manifest';
  index: number;
  keyspace: string | null;
  table: string | null;
  rows: number;
  offset: number;
  length: number;
  plainSha256: string;
  cipherSha256: string;
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
  roles: { name: string; login: boolean; superuser: false; memberOf: string[]; passwordHash?: string }[];
  /**
   * Users' bcrypt hashes (system_auth.roles.salted_hash) travel as `passwordHash` on their role, in
   * the encrypted manifest only, so imported and migrated users keep their passwords (created WITH
   * HASHED PASSWORD). Absent when the exporting role could not read them. Never shown by inspect.
   */
  grants: { role: string; resource: string; permissions: string[] }[];
  /** Audit chain heads per stream at export time. */
  auditHeads: { stream: string; seq: number; hash: string }[];
  /** The tenant's console keyspace (tenant_<id>_csm): always exported with its rows (config, users, PKI, wrapped keys, audit). */
  consoleKeyspace: string;
  /** Every sealed record (data chunks, key material) in file order, with checksums; covered by the signature. */
  chunks: BundleChunkEntry[];
  /** Roles' login/options as read from system_auth.roles, and network (DC) restrictions. */
  networkPermissions: { role: string; dcs: string[] }[];
}
export interface BundleReader {
  manifest: BundleManifest;
  /** Rows of one table, in pages, decoded to driver-ready values (bound as parameters on insert). */
  rows(keyspace: string, table: string): AsyncIterable<Record<string, unknown>[]>;
  /**
   * The tenant's key material: its KEK versions (not destroyed) in clear, opened from the bundle —
   * rewrap them under the target's master key (new KekRecords). The data keys, CA keys and the
   * audit-signing key come as rows of the console keyspace table data_keys, still wrapped under
   * these KEKs with envelopes bound to the SOURCE tenant id (manifest.tenant): a new id needs them
   * opened with the source id and resealed with the new one.
   */
  keys(): Promise<{ tenantId: string; keks: { version: number; key: Buffer; state: 'active' | 'retired' | 'destroyed'; createdAt: Date }[] }>;
  close(): Promise<void>;
}
