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
