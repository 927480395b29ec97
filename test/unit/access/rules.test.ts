import { describe, expect, it } from 'vitest';
import { APPROVAL_STATES, SUPPORT_STATES, type ApprovalRequest } from '../../../src-shared/contract/access';
import { contract } from '../../../src-shared/contract';
import { Approvals, claimProblem, sortApprovals } from '../../../src-main/access/approvals';
import type { ApprovalPolicy } from '../../../src-main/access/ports';
import { TenantAccessTables } from '../../../src-main/access/repo';
import {
  addMinutes,
  canMoveApproval,
  canMoveSupport,
  canonicalInput,
  carriesSecret,
  inputHash,
  minutesLeft,
  pendingDeadline,
  summarize,
  supportRoleName,
  supportSecretKey,
  sweepDecision,
  SUPPORT_ROLE_PATTERN,
} from '../../../src-main/access/rules';
import { secretKey } from '../../../src-main/secrets';
import type { CheckedCall } from '../../../src-main/ipc/router';
import type { ChannelName } from '../../../src-shared/contract';

describe('canonical input and its hash', () => {
  it('is independent of key order and of the cluster profile name, and changes with any value', () => {
    const a = { cluster: 'prod', tenant: 'acme', reason: 'unpaid' };
    const b = { reason: 'unpaid', tenant: 'acme', cluster: 'other-name' };
    expect(canonicalInput(a)).toBe('{"reason":"unpaid","tenant":"acme"}');
    expect(inputHash('tenant.suspend', a)).toBe(inputHash('tenant.suspend', b));
    expect(inputHash('tenant.suspend', a)).not.toBe(inputHash('tenant.resume', a));
    expect(inputHash('tenant.suspend', a)).not.toBe(inputHash('tenant.suspend', { ...a, reason: 'unpaid!' }));
    expect(inputHash('tenant.suspend', a)).not.toBe(inputHash('tenant.suspend', { ...a, tenant: 'acme2' }));
    // Nested objects are sorted too; undefined fields are the same as absent ones.
    expect(canonicalInput({ x: { b: 1, a: [{ d: 1, c: 2 }] }, y: undefined })).toBe('{"x":{"a":[{"c":2,"d":1}],"b":1}}');
    expect(inputHash('c.x', { a: 1 })).toMatch(/^[0-9a-f]{64}$/);
  });

  it('recognises a secret-bearing input the way the audit redaction does', () => {
    expect(carriesSecret({ tenant: 'acme', reason: 'x' })).toBe(false);
    expect(carriesSecret({ tenant: 'acme', adminPassword: 'hunter2-hunter2' })).toBe(true);
    expect(carriesSecret({ tenant: 'acme', nested: { token: 'abc' } })).toBe(true);
    expect(carriesSecret({ tenant: 'acme', url: 'https://u:pw@example.com/x' })).toBe(true);
  });

  it('a long input is no secret: a CSR over 4 KiB (which the logger shortens) may be filed; a private key inside one may not', () => {
    const body = 'MIIB'.padEnd(6000, 'A').replace(/(.{64})/g, '$1\n');
    const csrPem = `-----BEGIN CERTIFICATE REQUEST-----\n${body}\n-----END CERTIFICATE REQUEST-----\n`;
    expect(csrPem.length).toBeGreaterThan(4096);
    expect(carriesSecret({ tenant: 'acme', type: 'node', csrPem, overwrite: false })).toBe(false);
    expect(carriesSecret({ tenant: 'acme', sans: Array.from({ length: 150 }, (_, i) => `h${i}.example`) })).toBe(false);
    const keyPem = `-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\n`;
    expect(carriesSecret({ tenant: 'acme', csrPem: `${csrPem}${keyPem}` })).toBe(true);
    expect(carriesSecret({ tenant: 'acme', list: [{ deep: { privateKey: 'x'.repeat(5000) } }] })).toBe(true);
    expect(carriesSecret({ tenant: 'acme', password: null })).toBe(false);
  });

  it('no approvable channel of the contract declares a secret-bearing field', () => {
    const approvable = Object.entries(contract).filter(([, d]) => d.approvable);
    expect(approvable.map(([n]) => n).sort()).toEqual(['backup.restore', 'cert.issue', 'cert.renew', 'cert.signCsr', 'compliance.set', 'keys.rotate', 'tenant.delete', 'tenant.migrate', 'tenant.resume', 'tenant.suspend']);
    for (const [, d] of approvable) {
      const shape = (d.input as unknown as { shape?: Record<string, unknown> }).shape ?? {};
      expect(Object.keys(shape).filter((k) => carriesSecret({ [k]: 'v' }))).toEqual([]);
      expect(d.scope).not.toBe('local');
    }
  });
});

describe('state machines', () => {
  it('support: only the documented moves, terminal states stay terminal', () => {
    expect(canMoveSupport('pending', 'approved')).toBe(true);
    expect(canMoveSupport('pending', 'active')).toBe(false); // never without approval and activation
    expect(canMoveSupport('approved', 'activating')).toBe(true);
    expect(canMoveSupport('activating', 'active')).toBe(true);
    expect(canMoveSupport('activating', 'approved')).toBe(true); // a failed activation can be retried
    expect(canMoveSupport('active', 'revoked')).toBe(true);
    expect(canMoveSupport('active', 'expired')).toBe(false); // a window with a role is revoked, with a reason
    for (const end of ['rejected', 'revoked', 'expired'] as const) for (const to of SUPPORT_STATES) expect(canMoveSupport(end, to)).toBe(false);
  });

  it('approvals: approve before execute, one execution, terminal states stay terminal', () => {
    expect(canMoveApproval('pending', 'approved')).toBe(true);
    expect(canMoveApproval('pending', 'executing')).toBe(false);
    expect(canMoveApproval('approved', 'executing')).toBe(true);
    expect(canMoveApproval('executing', 'executed')).toBe(true);
    expect(canMoveApproval('executed', 'executing')).toBe(false);
    for (const end of ['executed', 'failed', 'rejected', 'expired', 'cancelled'] as const) for (const to of APPROVAL_STATES) expect(canMoveApproval(end, to)).toBe(false);
  });
});

describe('expiry', () => {
  const now = new Date('2030-01-01T12:00:00.000Z');
  it('computes window ends and the 72 h decision deadline', () => {
    expect(addMinutes(now, 90).toISOString()).toBe('2030-01-01T13:30:00.000Z');
    expect(pendingDeadline(now).toISOString()).toBe('2030-01-04T12:00:00.000Z');
    expect(minutesLeft('2030-01-01T12:10:30.000Z', now)).toBe(11);
    expect(minutesLeft('2030-01-01T11:00:00.000Z', now)).toBe(0);
    expect(minutesLeft(null, now)).toBeNull();
  });

  it('the sweep ends windows at or past expires_at, tenant revoke requests, and stale requests — nothing else', () => {
    const base = { expiresAt: null, decideBy: null, revokeRequestedBy: null };
    expect(sweepDecision({ ...base, state: 'active', expiresAt: '2030-01-01T12:00:00.000Z' }, now)).toEqual({ end: 'revoke', why: 'expired' });
    expect(sweepDecision({ ...base, state: 'active', expiresAt: '2030-01-01T12:00:01.000Z' }, now)).toBeNull();
    expect(sweepDecision({ ...base, state: 'activating', expiresAt: '2030-01-01T11:00:00.000Z' }, now)).toEqual({ end: 'revoke', why: 'expired' });
    expect(sweepDecision({ ...base, state: 'active', expiresAt: '2030-01-02T00:00:00.000Z', revokeRequestedBy: 'tenant_a_u_boss' }, now)).toEqual({ end: 'revoke', why: 'revoked by tenant admin tenant_a_u_boss' });
    expect(sweepDecision({ ...base, state: 'pending', decideBy: '2030-01-01T11:59:59.000Z' }, now)).toEqual({ end: 'expire', why: 'not decided or activated in time' });
    expect(sweepDecision({ ...base, state: 'approved', decideBy: '2030-01-02T00:00:00.000Z' }, now)).toBeNull();
    expect(sweepDecision({ ...base, state: 'revoked', expiresAt: '2029-01-01T00:00:00.000Z' }, now)).toBeNull();
    // A tenant that is no longer active: its open windows end, its undecided requests expire.
    expect(sweepDecision({ ...base, state: 'active', expiresAt: '2030-01-02T00:00:00.000Z' }, now, 'suspended')).toEqual({ end: 'revoke', why: 'tenant suspended' });
    expect(sweepDecision({ ...base, state: 'pending', decideBy: '2030-01-02T00:00:00.000Z' }, now, 'deleted')).toEqual({ end: 'expire', why: 'tenant deleted' });
    expect(sweepDecision({ ...base, state: 'rejected' }, now, 'suspended')).toBeNull();
  });
});

describe('names', () => {
  it('support roles and keychain keys follow the grammars', () => {
    expect(supportRoleName('acme', '0a1b2c3d')).toBe('tenant_acme_support_0a1b2c3d');
    expect(SUPPORT_ROLE_PATTERN.test(supportRoleName('acme'))).toBe(true);
    expect(() => supportRoleName('Acme"; DROP', '0a1b2c3d')).toThrow(/invalid tenant/);
    expect(() => supportRoleName('acme', 'zz')).toThrow(/8 hex/);
    expect(secretKey.parse(supportSecretKey('acme', '0123456789abcdef'))).toEqual({ kind: 'tenant', tenantId: 'acme', purpose: 'support-0123456789abcdef' });
  });

  it('summarises carried-out calls without their output', () => {
    expect(summarize('tenant.delete', { jobId: 'j1', tenant: {} })).toEqual({ summary: 'tenant.delete: job j1 started', jobId: 'j1' });
    expect(summarize('tenant.suspend', { id: 'acme', state: 'suspended' }).summary).toBe('tenant.suspend: tenant acme is suspended');
  });
});

const request = (over: Partial<ApprovalRequest> = {}): ApprovalRequest => {
  const input = { tenant: 'acme', reason: 'unpaid' };
  return {
    id: '0123456789abcdef',
    tenant: 'acme',
    channel: 'tenant.suspend',
    input: canonicalInput(input),
    inputHash: inputHash('tenant.suspend', input),
    requestedBy: 'alice',
    requestedAt: '2030-01-01T00:00:00.000Z',
    reason: 'unpaid',
    state: 'approved',
    expiresAt: '2030-01-04T00:00:00.000Z',
    decidedBy: 'bob',
    decidedAt: '2030-01-01T01:00:00.000Z',
    decisionNote: null,
    executedAt: null,
    resultSummary: null,
    errorCode: null,
    history: [],
    ...over,
  };
};

describe('claimProblem: what an approval id may carry out', () => {
  const call = { channel: 'tenant.suspend', tenant: 'acme', input: { cluster: 'any-name', tenant: 'acme', reason: 'unpaid' }, operator: 'bob' };
  it('lets exactly the approved call through, by its approver', () => {
    expect(claimProblem(request(), call, 'x')).toBeNull();
  });
  it('refuses everything else, each with its reason', () => {
    expect(claimProblem(null, call, 'x')).toMatch(/does not exist/);
    expect(claimProblem(request(), { ...call, channel: 'tenant.resume' }, 'x')).toMatch(/different call/);
    expect(claimProblem(request(), { ...call, tenant: 'other' }, 'x')).toMatch(/different call/);
    expect(claimProblem(request(), { ...call, input: { ...call.input, reason: 'changed' } }, 'x')).toMatch(/different call/);
    // A row whose stored input was edited no longer matches its own hash.
    expect(claimProblem(request({ input: '{"reason":"edited","tenant":"acme"}' }), call, 'x')).toMatch(/different call/);
    for (const state of ['pending', 'executing', 'executed', 'failed', 'rejected', 'expired', 'cancelled'] as const) expect(claimProblem(request({ state }), call, 'x')).toMatch(new RegExp(`is ${state}`));
    expect(claimProblem(request({ decidedBy: 'alice' }), call, 'x')).toMatch(/second person/);
    expect(claimProblem(request({ decidedBy: null }), call, 'x')).toMatch(/second person/);
    expect(claimProblem(request(), { ...call, operator: 'carol' }, 'x')).toMatch(/approver bob's console only/);
  });

  it('lists pending first, newest first within a group', () => {
    const list = sortApprovals([request({ id: 'a'.repeat(16), state: 'executed', requestedAt: '2030-01-03T00:00:00.000Z' }), request({ id: 'b'.repeat(16), state: 'pending', requestedAt: '2030-01-01T00:00:00.000Z' }), request({ id: 'c'.repeat(16), state: 'pending', requestedAt: '2030-01-02T00:00:00.000Z' })]);
    expect(list.map((r) => r.id[0])).toEqual(['c', 'b', 'a']);
  });
});

describe('the gate (in-memory ApprovalPolicy, no cluster signed in)', () => {
  const asked: string[] = [];
  const policy = (needs: boolean): ApprovalPolicy => ({
    async requiresApproval(_c, _t, channel) {
      asked.push(channel);
      return needs;
    },
  });
  const gate = (needs: boolean) =>
    new Approvals({ connections: { operator: () => undefined }, sessions: { scopeOf: () => undefined }, policy: policy(needs), dispatch: async () => ({ ok: true, value: null }), logger: { debug() {}, info() {}, warn() {}, error() {} } as never, tables: new TenantAccessTables() });
  const call = (channel: ChannelName, input: unknown, approval: string | null = null): CheckedCall => ({ channel, def: contract[channel], input, caller: { host: 'cli' }, operator: 'alice', cluster: 'prod', tenant: 'acme', approval });
  const codeOf = (p: Promise<unknown>) => p.then(() => 'passed', (e: { code: string }) => e.code);

  it('non-approvable channels pass without asking the policy; an approval id on them is refused', async () => {
    asked.length = 0;
    expect(await codeOf(gate(true).gate(call('support.request', { cluster: 'prod', tenant: 'acme' })))).toBe('passed');
    expect(asked).toEqual([]);
    expect(await codeOf(gate(true).gate(call('support.request', {}, '0123456789abcdef')))).toBe('BAD_INPUT');
  });

  it('approvable channels ask the policy: no → the call runs; yes → it is filed (here: refused for want of a session)', async () => {
    asked.length = 0;
    expect(await codeOf(gate(false).gate(call('tenant.suspend', { cluster: 'prod', tenant: 'acme' })))).toBe('passed');
    expect(await codeOf(gate(true).gate(call('tenant.suspend', { cluster: 'prod', tenant: 'acme' })))).toBe('NOT_SIGNED_IN');
    expect(asked).toEqual(['tenant.suspend', 'tenant.suspend']);
  });

  it('refuses to file a call whose input carries a secret, before anything is written', async () => {
    expect(await codeOf(gate(true).gate(call('tenant.suspend', { cluster: 'prod', tenant: 'acme', password: 'x' })))).toBe('BAD_INPUT');
  });

  it('an approval id skips the policy question and goes to the stored request (no session here: NOT_SIGNED_IN; the real checks are integration tests)', async () => {
    asked.length = 0;
    expect(await codeOf(gate(true).gate(call('tenant.suspend', { cluster: 'prod', tenant: 'acme' }, '0123456789abcdef')))).toBe('NOT_SIGNED_IN');
    expect(asked).toEqual([]);
  });
});
