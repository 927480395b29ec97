import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src-main/app/log';
import { ConnectionManager, type ConnectionSpec } from '../../src-main/cassandra/connections';
import { Cleanup, driverClient, node, unique } from '../support/cassandra';

/** Tenant-role sessions: opened lazily, bounded LRU, idle ones closed by the sweep. Real roles, real node. */
describe('connection manager with real tenant roles', () => {
  let admin: cassandra.Client;
  const cleanup = new Cleanup();
  const roles: string[] = [];
  const spec = (username: string): ConnectionSpec => ({
    cluster: 'local',
    contactPoints: [node().contactPoint],
    localDc: node().localDc,
    username,
    password: 'role-pw-1',
    tls: null,
  });

  beforeAll(async () => {
    admin = await driverClient();
    for (let i = 0; i < 3; i++) {
      const r = cleanup.role(unique(`tenant_lru${i}_svc`));
      await admin.execute(`CREATE ROLE "${r}" WITH LOGIN = true AND PASSWORD = 'role-pw-1'`);
      roles.push(r);
    }
  });
  afterAll(async () => {
    await cleanup.run(admin);
    await admin.shutdown();
  });

  it('reuses a session, evicts the least recently used past the bound, and closes idle ones', async () => {
    const cm = new ConnectionManager({ logger: silentLogger, maxTenantSessions: 2, tenantIdleMs: 60_000 });
    try {
      const a = await cm.tenantSession(spec(roles[0]!));
      expect(await cm.tenantSession(spec(roles[0]!))).toBe(a);
      const b = await cm.tenantSession(spec(roles[1]!));
      await cm.tenantSession(spec(roles[0]!)); // a is now the most recent
      await cm.tenantSession(spec(roles[2]!)); // evicts b
      expect(cm.tenantSessionCount()).toBe(2);
      await expect(b.execute('SELECT release_version FROM system.local')).rejects.toThrow();
      expect((await a.execute('SELECT release_version FROM system.local')).rowLength).toBe(1);
      // Each session really is the tenant's own role.
      const who = await a.execute('LIST ROLES OF "' + roles[0] + '"');
      expect(who.rows.map((r) => r['role'])).toContain(roles[0]);
      expect(await cm.closeIdle(Date.now() + 120_000)).toBe(2);
      expect(cm.tenantSessionCount()).toBe(0);
    } finally {
      await cm.closeAll();
    }
  });

  it('closing a role drops its sessions so nothing keeps using it', async () => {
    const cm = new ConnectionManager({ logger: silentLogger });
    try {
      const s = await cm.tenantSession(spec(roles[1]!));
      await cm.closeRole('local', roles[1]!);
      expect(cm.tenantSessionCount()).toBe(0);
      await expect(s.execute('SELECT release_version FROM system.local')).rejects.toThrow();
    } finally {
      await cm.closeAll();
    }
  });

  it('concurrent calls for one role share one connect: one client, none leaked', async () => {
    const cm = new ConnectionManager({ logger: silentLogger });
    const connect = vi.spyOn(cm, 'connect');
    try {
      const [a, b, c] = await Promise.all([cm.tenantSession(spec(roles[0]!)), cm.tenantSession(spec(roles[0]!)), cm.tenantSession(spec(roles[0]!))]);
      expect(b).toBe(a);
      expect(c).toBe(a);
      expect(connect).toHaveBeenCalledTimes(1);
      expect(cm.tenantSessionCount()).toBe(1);
      expect((await a.execute('SELECT release_version FROM system.local')).rowLength).toBe(1);
      // Another role still gets its own session.
      const other = await cm.tenantSession(spec(roles[1]!));
      expect(other).not.toBe(a);
      expect(connect).toHaveBeenCalledTimes(2);
    } finally {
      await cm.closeAll();
    }
  });

  it('a failed connect is shared by the callers waiting on it but not cached: the next call connects again', async () => {
    const cm = new ConnectionManager({ logger: silentLogger });
    const connect = vi.spyOn(cm, 'connect');
    try {
      const wrong = { ...spec(roles[2]!), password: 'wrong' };
      const both = await Promise.allSettled([cm.tenantSession(wrong), cm.tenantSession(wrong)]);
      expect(both.map((r) => (r.status === 'rejected' ? (r.reason as { code?: string }).code : 'ok'))).toEqual(['AUTH_FAILED', 'AUTH_FAILED']);
      expect(connect).toHaveBeenCalledTimes(1);
      const ok = await cm.tenantSession(spec(roles[2]!));
      expect(connect).toHaveBeenCalledTimes(2);
      expect((await ok.execute('SELECT release_version FROM system.local')).rowLength).toBe(1);
      expect(cm.tenantSessionCount()).toBe(1);
    } finally {
      await cm.closeAll();
    }
  });

  it('closing a role while its session is connecting: the session is shut down, refused, and not kept', async () => {
    const cm = new ConnectionManager({ logger: silentLogger });
    try {
      const pending = cm.tenantSession(spec(roles[1]!));
      await cm.closeRole('local', roles[1]!);
      await expect(pending).rejects.toMatchObject({ code: 'CANCELLED' });
      expect(cm.tenantSessionCount()).toBe(0);
      expect(cm.openTenantSession('local', roles[1]!)).toBeNull();
    } finally {
      await cm.closeAll();
    }
  });

  it('a wrong tenant password is AUTH_FAILED and nothing is cached', async () => {
    const cm = new ConnectionManager({ logger: silentLogger });
    try {
      await expect(cm.tenantSession({ ...spec(roles[2]!), password: 'wrong' })).rejects.toMatchObject({ code: 'AUTH_FAILED' });
      expect(cm.tenantSessionCount()).toBe(0);
    } finally {
      await cm.closeAll();
    }
  });
});
