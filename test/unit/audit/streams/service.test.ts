import { describe, expect, it } from 'vitest';
import type { ModuleDeps } from '../../../../src-main/app/module-deps';
import { AuditStreamService, eventOfEntry } from '../../../../src-main/audit/streams/service';
import type { AuditEntry } from '../../../../src-main/ipc/router';

const entry = (over: Partial<AuditEntry> = {}): AuditEntry => ({
  at: '2026-01-01T00:00:00.000Z',
  host: 'cli',
  channel: 'user.lock',
  operator: 'cassandra',
  cluster: 'main',
  tenant: 'acme',
  input: { cluster: 'main', tenant: 'acme', name: 'bob', password: '[redacted]' },
  outcome: 'refused',
  errorCode: 'FORBIDDEN',
  ...over,
});

/** Fake deps: records which clusters the service asked for a session, and what it logged. */
function fakeDeps(scope: Record<string, unknown> | undefined) {
  const asked: string[] = [];
  const logs: [string, string][] = [];
  const log = (level: string) => (m: string) => void logs.push([level, m]);
  const deps = {
    host: 'cli',
    sessions: { scopeOf: () => scope, platformClusters: () => [] },
    connections: {
      operator: (c: string) => {
        asked.push(c);
        return null;
      },
    },
    store: { db: {} },
    logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
  } as unknown as ModuleDeps;
  return { deps, asked, logs };
}

describe('eventOfEntry', () => {
  it('keeps operator, tenant, channel, redacted input, outcome, error code, host and time', () => {
    expect(eventOfEntry(entry())).toEqual({
      at: '2026-01-01T00:00:00.000Z',
      source: 'console',
      type: 'user.lock',
      category: 'CONSOLE',
      user: 'cassandra',
      keyspace: null,
      scope: null,
      operation: 'user.lock tenant=acme → refused (FORBIDDEN)',
      outcome: 'refused',
      errorCode: 'FORBIDDEN',
      origin: 'cli',
      detail: { cluster: 'main', tenant: 'acme', input: { cluster: 'main', tenant: 'acme', name: 'bob', password: '[redacted]' } },
    });
  });

  it('survives inputs JSON cannot hold and caps large ones', () => {
    const loop: Record<string, unknown> = {};
    loop['self'] = loop;
    expect(eventOfEntry(entry({ input: loop })).detail).toMatchObject({ input: null });
    expect(eventOfEntry(entry({ input: { big: 'x'.repeat(40_000) } })).detail).toMatchObject({ input: { truncated: true } });
  });
});

describe('record', () => {
  it('never throws and ignores entries without a cluster or a session (local audit only)', async () => {
    const none = fakeDeps(undefined);
    const s = new AuditStreamService(none.deps);
    expect(() => s.record(entry({ cluster: null }))).not.toThrow();
    expect(() => s.record(entry())).not.toThrow(); // signed out of main
    await s.close();
    expect(none.asked).toEqual([]);
  });

  it('a csm_auditor console (no platform, no tenant of its own) writes nowhere but the local audit', async () => {
    const f = fakeDeps({ role: 'auditor', platform: false, tenantAdmin: [], auditor: 'all', tenants: [] });
    const s = new AuditStreamService(f.deps);
    s.record(entry());
    await s.close();
    expect(f.asked).toEqual([]);
  });

  it('a platform console queues, and on close tries to write; an unreachable stream is counted as lost, never thrown', async () => {
    const f = fakeDeps({ role: 'cassandra', platform: true, tenantAdmin: [], auditor: 'all', tenants: [] });
    const s = new AuditStreamService(f.deps);
    s.record(entry());
    s.record(entry({ tenant: null, channel: 'session.signIn' }));
    await s.close();
    expect(f.asked.length).toBeGreaterThan(0);
    expect(s.lost).toBe(2);
    expect(f.logs.some(([level, m]) => level === 'warn' && /platform stream/.test(m))).toBe(true); // the tenant event fell back to the platform stream first
  });
});
