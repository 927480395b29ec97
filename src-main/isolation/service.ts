import { AppError } from '../app/errors';
import type { Logger } from '../app/log';
import type { ConnectionManager, CqlClient } from '../cassandra/connections';
import { fromDriverError } from '../cassandra/driver-errors';
import type { FixResult, IsolationReport, ReportVerification } from '../../src-shared/contract/isolation';
import { analyze, countSeverities, forTenant, type AuthSnapshot } from './analyze';
import { readSnapshot } from './reader';
import { verifyReportText, type ReportSigner } from './signing';

export interface IsolationServiceDeps {
  connections: Pick<ConnectionManager, 'operator'>;
  /** Who is signed in on a cluster (the report names the operator who scanned). */
  operatorOf(cluster: string): string | null;
  /** Absent: this build cannot sign reports (export refuses, verify still works without "own key"). */
  signer: ReportSigner | null;
  logger?: Logger;
  /** Sees the full (unfiltered) report of every scan an operator asked for: the monitor's baseline moves with it. */
  observe?: (report: IsolationReport) => Promise<void>;
  /** Tests and the bench replace the reader; the default reads the real cluster. */
  read?: (client: CqlClient) => Promise<AuthSnapshot>;
}

const round = (x: number): number => Math.round(x * 1000) / 1000;
const since = (t0: bigint): number => round(Number(process.hrtime.bigint() - t0) / 1e6);

/**
 * scan / fix / export / verify. A scan is a pure function of what it reads, so a later scheduler
 * (issue 6 item 2) calls `scan(cluster)` as it is and diffs finding ids between runs.
 */
export class IsolationService {
  constructor(private readonly deps: IsolationServiceDeps) {}

  private client(cluster: string): CqlClient {
    const c = this.deps.connections.operator(cluster);
    if (!c) throw new AppError('NOT_SIGNED_IN', `sign in to cluster ${cluster} first`);
    return c;
  }

  /** `observe`: an operator's own scan (channel), handed in full to the monitor before it is filtered. */
  async scan(cluster: string, opts: { tenant?: string | null; observe?: boolean } = {}): Promise<IsolationReport> {
    const client = this.client(cluster);
    const t0 = process.hrtime.bigint();
    const snapshot = await (this.deps.read ?? readSnapshot)(client);
    const readMs = since(t0);
    const t1 = process.hrtime.bigint();
    const { findings, stats } = analyze(snapshot);
    const analysisMs = since(t1);
    const tenant = opts.tenant ?? null;
    if (tenant !== null && !snapshot.tenants.some((t) => t.id === tenant)) throw new AppError('NOT_FOUND', `tenant ${tenant} is not registered on ${cluster}`);
    const full: IsolationReport = {
      cluster,
      scannedAt: new Date().toISOString(),
      scannedBy: this.deps.operatorOf(cluster),
      tenant: null,
      counts: countSeverities(findings),
      stats: { ...stats, readMs, analysisMs },
      auth: snapshot.auth,
      findings,
    };
    if (opts.observe && this.deps.observe) await this.deps.observe(full);
    if (tenant === null) return full;
    const shown = forTenant(findings, tenant);
    return { ...full, tenant, counts: countSeverities(shown), findings: shown };
  }

  /**
   * Re-scan (the operator's view may be stale), run the finding's statements in order, re-scan.
   * Statements are the ones the analysis built through identifiers.ts — nothing from the caller.
   */
  async fix(cluster: string, findingId: string): Promise<FixResult> {
    const before = await this.scan(cluster);
    const finding = before.findings.find((f) => f.id === findingId);
    if (!finding) throw new AppError('NOT_FOUND', `finding ${findingId} is not present on ${cluster} any more (re-scan)`);
    if (finding.fix.length === 0) throw new AppError('CONFLICT', `finding ${findingId} has no statement the console can run: ${finding.fixNote ?? 'fix it by hand'}`);
    const client = this.client(cluster);
    const applied: string[] = [];
    for (const stmt of finding.fix) {
      try {
        await client.execute(stmt);
      } catch (e) {
        throw fromDriverError(e, `fixing ${findingId} (${applied.length} of ${finding.fix.length} statements ran)`);
      }
      applied.push(stmt);
    }
    this.deps.logger?.info('isolation finding fixed', { cluster, findingId, kind: finding.kind, statements: applied.length });
    const after = await this.scan(cluster);
    return { finding, applied, before: before.counts, after, resolved: !after.findings.some((f) => f.id === findingId) };
  }

  async export(cluster: string, opts: { tenant?: string | null; observe?: boolean } = {}): Promise<{ fileName: string; text: string; keyId: string; counts: IsolationReport['counts'] }> {
    if (!this.deps.signer) throw new AppError('UNAVAILABLE', 'this console cannot sign reports: its secret store is not wired to the isolation service');
    const report = await this.scan(cluster, opts);
    const { text, keyId } = await this.deps.signer.sign(report);
    const stamp = report.scannedAt.replace(/[:.]/g, '-');
    return { fileName: `isolation-${cluster}${report.tenant ? `-${report.tenant}` : ''}-${stamp}.json`, text, keyId, counts: report.counts };
  }

  async verify(text: string): Promise<ReportVerification> {
    const own = this.deps.signer ? await this.deps.signer.ownKeyId().catch(() => null) : null;
    return verifyReportText(text, own);
  }
}
