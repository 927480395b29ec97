import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
