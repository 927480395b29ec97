import { contract, isChannelName, type ChannelName } from '../../src-shared/contract';
import { approvalRequestSchema, type ApprovalOutcome, type ApprovalRequest, type ApprovalState } from '../../src-shared/contract/access';
import { AppError } from '../app/errors';
import type { Logger } from '../app/log';
import type { InternalDispatch } from '../app/module';
import type { ConnectionManager, CqlClient } from '../cassandra/connections';
import { allows } from '../identity/scope';
import type { SessionService } from '../identity/sessions';
import type { CheckedCall } from '../ipc/router';
import type { ApprovalPolicy } from './ports';
import { AccessRepo, entry, type TenantAccessTables } from './repo';
import { canonicalInput, carriesSecret, inputHash, newAccessId, pendingDeadline, summarize } from './rules';

export interface ApprovalDeps {
  connections: Pick<ConnectionManager, 'operator'>;
  sessions: Pick<SessionService, 'scopeOf'>;
  policy: ApprovalPolicy;
  dispatch: InternalDispatch;
  logger: Logger;
  tables: TenantAccessTables;
  now?: () => Date;
}

const ORDER: Record<ApprovalState, number> = { pending: 0, approved: 1, executing: 1, executed: 2, failed: 2, rejected: 2, cancelled: 2, expired: 2 };
export const sortApprovals = (list: ApprovalRequest[]): ApprovalRequest[] => [...list].sort((a, b) => ORDER[a.state] - ORDER[b.state] || b.requestedAt.localeCompare(a.requestedAt) || a.id.localeCompare(b.id));

/**
 * Why an approval id may not carry out this call, or null when it may (before the one-use LWT).
 * Pure, so each refusal is unit-tested: unknown id, a different call (channel, tenant or input —
 * the stored input is re-hashed too, so an edited row does not pass), not approved (pending,
 * already executed, rejected …), no second person, or not the approver's own console.
 */
export function claimProblem(row: ApprovalRequest | null, call: { channel: string; tenant: string; input: unknown; operator: string | null }, id: string): string | null {
  if (!row) return `approval ${id} does not exist`;
  let stored: unknown;
  try {
    stored = JSON.parse(row.input);
  } catch {
    return `approval ${id} holds an unreadable input`;
  }
  if (row.channel !== call.channel || row.tenant !== call.tenant || row.inputHash !== inputHash(call.channel, call.input) || row.inputHash !== inputHash(row.channel, stored)) {
    return `approval ${id} was given for a different call (${row.channel} on tenant ${row.tenant})`;
  }
  if (row.state !== 'approved') return `approval ${id} is ${row.state}, not approved and unused`;
  if (row.decidedBy === null || row.decidedBy === row.requestedBy) return `approval ${id} was not approved by a second person`;
  if (call.operator !== row.decidedBy) return `approval ${id} is carried out by its approver ${row.decidedBy}'s console only`;
  return null;
}

/**
 * The change-approval workflow. The gate runs inside the router for every non-local mutating call
 * (after the scope check): approvable calls the tenant's policy marks are filed, not run; a call
 * carrying an approval id runs only if that id names an approved, unused request for exactly
 * this call, approved by someone other than its requester, by the console now carrying it out.
 */
export class Approvals {
  constructor(private readonly deps: ApprovalDeps) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  private client(cluster: string): CqlClient {
    const c = this.deps.connections.operator(cluster);
    if (!c) throw new AppError('NOT_SIGNED_IN', `sign in to cluster ${cluster} first`);
    return c;
  }

  private repo(cluster: string): AccessRepo {
    return new AccessRepo(this.client(cluster));
  }

  private operator(cluster: string): string {
    const s = this.deps.sessions.scopeOf(cluster);
    if (!s) throw new AppError('NOT_SIGNED_IN', `sign in to cluster ${cluster} first`);
    return s.role;
  }

  async gate(call: CheckedCall): Promise<void> {
    if (!call.def.approvable) {
      if (call.approval !== null) throw new AppError('BAD_INPUT', `${call.channel} is not a call an approval can carry out`);
      return;
    }
    if (call.cluster === null || call.tenant === null) {
      // Approvable channels name both (contract rule); a call that does not cannot be matched to a policy.
      if (call.approval !== null) throw new AppError('FORBIDDEN', `approval ${call.approval} cannot carry out a call that names no tenant`);
      return;
    }
    if (call.approval !== null) return this.claim(call, call.cluster, call.tenant, call.approval);
    if (!(await this.deps.policy.requiresApproval(call.cluster, call.tenant, call.channel, call.input))) return;
    const id = await this.file(call, call.cluster, call.tenant);
    throw new AppError('APPROVAL_REQUIRED', `${call.channel} on tenant ${call.tenant} needs a second person: request ${id} filed; approve with csm approval approve ${id} --cluster ${call.cluster}`);
  }

  private async file(call: CheckedCall, cluster: string, tenant: string): Promise<string> {
    // Inputs of approvable channels carry no secrets by design; this keeps it so if one ever does.
    if (carriesSecret(call.input)) throw new AppError('BAD_INPUT', `${call.channel} carries a secret-bearing field; a call with a secret cannot be filed for approval`);
    const requestedBy = call.operator ?? this.operator(cluster);
    const client = this.client(cluster);
    const at = this.now();
    const id = newAccessId();
    const reason = typeof (call.input as { reason?: unknown }).reason === 'string' ? ((call.input as { reason: string }).reason) : null;
    await new AccessRepo(client).insertApproval({ id, cluster, tenant, channel: call.channel, input: canonicalInput(call.input), inputHash: inputHash(call.channel, call.input), requestedBy, requestedAt: at, reason, expiresAt: pendingDeadline(at) });
    await this.publish(client, cluster, id);
    return id;
  }

  /** Tenant admins read their tenant's requests from the tenant's console keyspace: best effort, csm_system is the truth. */
  private async publish(client: CqlClient, cluster: string, id: string): Promise<void> {
    try {
      const row = await new AccessRepo(client).approval(id);
      if (!row) return;
      await this.deps.tables.ensure(client, cluster, row.tenant);
      await this.deps.tables.publishApproval(client, row);
    } catch (e) {
      this.deps.logger.warn('could not publish an approval request to the tenant', { id, error: e instanceof Error ? e.message : String(e) });
    }
  }

  private async claim(call: CheckedCall, cluster: string, tenant: string, id: string): Promise<void> {
    const repo = this.repo(cluster);
    const problem = claimProblem(await repo.approval(id), { channel: call.channel, tenant, input: call.input, operator: call.operator }, id);
    if (problem) throw new AppError('FORBIDDEN', `${problem}; nothing ran`);
    // One use: the first console to move it to executing carries it out; a replay finds it taken.
    if (!(await repo.moveApproval(id, 'approved', 'executing', {}, entry(call.operator, 'executing')))) throw new AppError('FORBIDDEN', `approval ${id} is already being carried out or was used; nothing ran`);
  }

  async list(input: { cluster: string; tenant?: string | undefined; state?: ApprovalState | undefined }): Promise<ApprovalRequest[]> {
    const scope = this.deps.sessions.scopeOf(input.cluster);
    if (!scope) throw new AppError('NOT_SIGNED_IN', `sign in to cluster ${input.cluster} first`);
    let rows: ApprovalRequest[];
    if (scope.platform) {
      rows = await this.expirePending(input.cluster, await this.repo(input.cluster).approvals());
    } else {
      // The router let a tenant admin through for input.tenant only; they cannot read csm_system.
      const tenant = input.tenant!;
      rows = (await this.deps.tables.approvalBodies(this.client(input.cluster), tenant)).flatMap((b) => {
        const p = approvalRequestSchema.safeParse(b);
        return p.success && p.data.tenant === tenant ? [p.data] : [];
      });
    }
    return sortApprovals(rows.filter((r) => (input.tenant === undefined || r.tenant === input.tenant) && (input.state === undefined || r.state === input.state)));
  }

  /** Pending requests past their deadline become expired (LWT, so a racing approval wins or loses cleanly). */
  private async expirePending(cluster: string, rows: ApprovalRequest[]): Promise<ApprovalRequest[]> {
    const now = this.now();
    const repo = this.repo(cluster);
    const out: ApprovalRequest[] = [];
    for (const r of rows) {
      if (r.state === 'pending' && Date.parse(r.expiresAt) <= now.getTime() && (await repo.moveApproval(r.id, 'pending', 'expired', {}, entry(null, 'expired', 'not decided in time')))) {
        out.push({ ...r, state: 'expired' });
        await this.publish(this.client(cluster), cluster, r.id);
      } else out.push(r);
    }
    return out;
  }

  private async pendingRow(cluster: string, id: string): Promise<ApprovalRequest> {
    const row = await this.repo(cluster).approval(id);
    if (!row) throw new AppError('NOT_FOUND', `approval request ${id} does not exist on ${cluster}`);
    if (row.state === 'pending' && Date.parse(row.expiresAt) <= this.now().getTime()) {
      await this.expirePending(cluster, [row]);
      throw new AppError('CONFLICT', `approval request ${id} expired at ${row.expiresAt}; file the call again`);
    }
    if (row.state !== 'pending') throw new AppError('CONFLICT', `approval request ${id} is ${row.state}${row.decidedBy ? ` (decided by ${row.decidedBy})` : ''}, no longer pending`);
    return row;
  }

  async approve(input: { cluster: string; id: string; note?: string | undefined }): Promise<{ request: ApprovalRequest; outcome: ApprovalOutcome }> {
    const { cluster, id } = input;
    const scope = this.deps.sessions.scopeOf(cluster);
    if (!scope) throw new AppError('NOT_SIGNED_IN', `sign in to cluster ${cluster} first`);
    const row = await this.pendingRow(cluster, id);
    if (row.requestedBy === scope.role) throw new AppError('FORBIDDEN', `request ${id} was filed by you (${scope.role}): a second person must approve it`);
    if (!isChannelName(row.channel)) throw new AppError('CONFLICT', `request ${id} names ${row.channel}, which this console does not know`);
    const channel: ChannelName = row.channel;
    // Approving carries the call out as the approver's session: refuse before deciding if that cannot work.
    if (!allows(scope, contract[channel].scope === 'local' ? 'platform' : contract[channel].scope, row.tenant)) throw new AppError('FORBIDDEN', `${channel} needs ${contract[channel].scope} scope on tenant ${row.tenant}, which ${scope.role} does not have`);
    const repo = this.repo(cluster);
    const at = this.now();
    if (!(await repo.moveApproval(id, 'pending', 'approved', { decided_by: scope.role, decided_at: at, decision_note: input.note ?? null }, entry(scope.role, 'approved', input.note ?? null, at)))) {
      const now = await repo.approval(id);
      throw new AppError('CONFLICT', `request ${id} was decided meanwhile (${now?.state ?? 'gone'}${now?.decidedBy ? ` by ${now.decidedBy}` : ''})`);
    }
    const call = { ...(JSON.parse(row.input) as Record<string, unknown>), cluster };
    const r = await this.deps.dispatch(channel, call, { approval: id });
    let outcome: ApprovalOutcome;
    if (r.ok) {
      const s = summarize(channel, r.value);
      outcome = { ok: true, summary: s.summary, jobId: s.jobId, errorCode: null, errorMessage: null };
      await repo.moveApproval(id, 'executing', 'executed', { executed_at: this.now(), result_summary: s.summary }, entry(scope.role, 'executed', s.summary));
    } else {
      outcome = { ok: false, summary: `${channel} failed: ${r.error.code}`, jobId: null, errorCode: r.error.code, errorMessage: r.error.message };
      const set = { executed_at: this.now(), result_summary: r.error.message.slice(0, 500), error_code: r.error.code };
      // Failed in the handler (executing) or before the gate claimed it (approved): either way it is spent.
      if (!(await repo.moveApproval(id, 'executing', 'failed', set, entry(scope.role, 'failed', r.error.code)))) await repo.moveApproval(id, 'approved', 'failed', set, entry(scope.role, 'failed', r.error.code));
    }
    await this.publish(this.client(cluster), cluster, id);
    return { request: (await repo.approval(id))!, outcome };
  }

  async reject(input: { cluster: string; id: string; reason: string }): Promise<ApprovalRequest> {
    const { cluster, id } = input;
    const me = this.operator(cluster);
    const row = await this.pendingRow(cluster, id);
    if (row.requestedBy === me) throw new AppError('FORBIDDEN', `request ${id} is your own: withdraw it with approval.cancel instead`);
    return this.decide(cluster, id, 'rejected', me, input.reason);
  }

  async cancel(input: { cluster: string; id: string }): Promise<ApprovalRequest> {
    const { cluster, id } = input;
    const me = this.operator(cluster);
    const row = await this.pendingRow(cluster, id);
    if (row.requestedBy !== me) throw new AppError('FORBIDDEN', `only ${row.requestedBy}, who filed request ${id}, may withdraw it`);
    return this.decide(cluster, id, 'cancelled', me, null);
  }

  private async decide(cluster: string, id: string, to: 'rejected' | 'cancelled', by: string, note: string | null): Promise<ApprovalRequest> {
    const repo = this.repo(cluster);
    const at = this.now();
    if (!(await repo.moveApproval(id, 'pending', to, { decided_by: by, decided_at: at, decision_note: note }, entry(by, to, note, at)))) {
      throw new AppError('CONFLICT', `request ${id} was decided meanwhile`);
    }
    await this.publish(this.client(cluster), cluster, id);
    return (await repo.approval(id))!;
  }

  /** Sweep: expire stale pending requests (platform sign-in and the window's timer). */
  async sweep(cluster: string): Promise<void> {
    await this.expirePending(cluster, await this.repo(cluster).approvals());
  }
}
