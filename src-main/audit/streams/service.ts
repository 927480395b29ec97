import { AppError } from '../../app/errors';
import type { ModuleDeps } from '../../app/module-deps';
import type { AuditEntry } from '../../ipc/router';
import type { Verification } from '../../../src-shared/contract/audit';
import type { AppendResult, AuditBatch, AuditStreamsPort, NewAuditEvent, SignerKey, StoredAuditEvent, StreamId } from '../types';

const notYet = (): never => {
  throw new AppError('INTERNAL', 'audit streams are being built (issue 9)');
};

/** The streams: the router's sink (`record`) and the AuditStreamsPort over Cassandra. */
export class AuditStreamService implements AuditStreamsPort {
  constructor(private readonly deps: ModuleDeps) {}
  record(_entry: AuditEntry): void {}
  async onSignIn(_cluster: string, _platform: boolean): Promise<void> {}
  async close(): Promise<void> {}
  async append(_cluster: string, _stream: StreamId, _events: readonly NewAuditEvent[]): Promise<AppendResult> {
    return notYet();
  }
  async read(_cluster: string, _stream: StreamId, _opts: { afterSeq?: number; untilSeq?: number; limit: number }): Promise<{ events: StoredAuditEvent[]; batches: AuditBatch[] }> {
    return notYet();
  }
  async signers(_cluster: string, _stream: StreamId): Promise<SignerKey[]> {
    return notYet();
  }
  async verify(_cluster: string, _stream: StreamId): Promise<Verification> {
    return notYet();
  }
  async sync(_cluster: string, _stream: StreamId): Promise<{ fetched: number; lastSeq: number | null }> {
    return notYet();
  }
}
