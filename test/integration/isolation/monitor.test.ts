import { spawn } from 'node:child_process';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventName, EventPayload } from '../../../src-shared/contract';
import type { IsolationAlert, MonitorStatus } from '../../../src-shared/contract/isolation';
import type { SecurityAlert } from '../../../src-shared/contract/tenants';
import type { LocalClient } from '../../../src-main/ipc/local-client';
import { localClient } from '../../../src-main/ipc/local-client';
import { findingId } from '../../../src-main/isolation/analyze';
import { createMonitor } from '../../../src-main/isolation/handlers';
import type { IsolationMonitor } from '../../../src-main/isolation/monitor';
import { IsolationService } from '../../../src-main/isolation/service';
import { driverClient, node, realServices, SUPERUSER, unique } from '../../support/cassandra';
import { REPO_ROOT } from '../../support/web-host';
import { platformConsole, provision, scrub, type Svc } from '../tenancy/support';

/**
 * Issue 6 item 2 on the real node: the monitor's schedule finds a violation planted behind the
 * console's back, alerts it once (event, status, local audit, security alert), stays quiet on the
 * next scan, resolves it after the REVOKE; a fix through the console re-scans by itself; a second
 * console shares the baseline; a node that goes away is an error in the status, not a crash.
 * The node is shared: every assertion looks at the findings of this file's own tenants.
 */
describe('isolation monitor on the real node', () => {
  let svc: Svc;
  let api: LocalClient;
  let cluster: string;
  let admin: cassandra.Client;
  const a = unique('ma');
  const b = unique('mb');
  const events: { name: EventName; payload: unknown }[] = [];

  const ok = <T>(r: { ok: true; value: T } | { ok: false; error: { code: string; message: string } }): T => {
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    return r.value;
  };
  const status = async (c: LocalClient = api): Promise<MonitorStatus> => ok(await c.call('isolation.status', { cluster }));
  const alertsOf = (s: MonitorStatus, finding: string): IsolationAlert[] => s.openAlerts.filter((x) => x.findingId === finding);
  const emitted = <E extends EventName>(name: E, pred: (p: EventPayload<E>) => boolean): EventPayload<E>[] => events.filter((e) => e.name === name && pred(e.payload as EventPayload<E>)).map((e) => e.payload as EventPayload<E>);
  /** Bounded poll: no timing is asserted, only that the condition comes true within a generous bound. */
  async function until<T>(what: string, probe: () => Promise<T | null | undefined | false> | T | null | undefined | false, ms = 60_000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = await probe();
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  beforeAll(async () => {
    ({ svc, api, cluster } = await platformConsole());
    svc.bus.subscribe((name, payload) => events.push({ name, payload }));
    admin = await driverClient();
    const sa = await provision(svc, api, cluster, a, 'boss', 'correct-horse-battery');
    const sb = await provision(svc, api, cluster, b, 'boss', 'correct-horse-battery');
    expect([sa.state, sb.state]).toEqual(['succeeded', 'succeeded']);
  }, 180_000);

  afterAll(async () => {
    await admin?.execute(`REVOKE SELECT ON KEYSPACE "tenant_${b}_data" FROM "tenant_${a}_admin"`).catch(() => undefined);
    await admin?.execute(`REVOKE MODIFY ON KEYSPACE "tenant_${a}_data" FROM "tenant_${b}_svc"`).catch(() => undefined);
    await admin?.execute(`REVOKE "tenant_${b}_auditor" FROM "tenant_${a}_u_boss"`).catch(() => undefined);
    await admin?.shutdown();
    await svc?.close();
    await scrub([a, b]);
  });

  it('a scheduled scan alerts a cross-tenant GRANT planted behind the console’s back — once; acknowledge; REVOKE resolves it', async () => {
    // A console whose schedule runs every 400 ms (injected; the channel's minimum stays a minute).
    const iso = new IsolationService({ connections: svc.connections, operatorOf: () => 'cassandra', signer: null });
    const monitor: IsolationMonitor = createMonitor({ host: 'web', connections: svc.connections, sessions: svc.sessions, bus: svc.bus, store: svc.store, logger: svc.logger, jobs: svc.jobs }, iso, { intervalMs: 400 });
    try {
      await monitor.request(cluster, 'sign-in'); // catch up with whatever the shared node holds; arms the timer
      const fid = findingId('cross-tenant-grant', `tenant_${a}_admin\u0000data/tenant_${b}_data`);
      const before = events.length;
      await admin.execute(`GRANT SELECT ON KEYSPACE "tenant_${b}_data" TO "tenant_${a}_admin"`);

      const raised = await until('the alert event', () => emitted('isolation.alert', (p) => p.findingId === fid)[0]);
      expect(raised).toMatchObject({ cluster, kind: 'cross-tenant-grant', severity: 'critical', tenants: [a, b].sort(), trigger: 'schedule', acknowledgedAt: null, resolvedAt: null });
      expect(events.slice(before).filter((e) => e.name === 'isolation.alert' && (e.payload as IsolationAlert).findingId === fid)).toHaveLength(1);
      const sec = emitted('security.alert', (p: SecurityAlert) => p.channel === 'isolation.monitor' && p.message.includes(fid));
      expect(sec).toHaveLength(1);
      expect(sec[0]).toMatchObject({ cluster, tenant: raised.tenants[0] });
      const audit = svc.store.localAudit.listRecent({ limit: 200 }).filter((e) => e.channel === 'isolation.monitor' && (e.input as { alertId?: string }).alertId === raised.id);
      expect(audit).toEqual([expect.objectContaining({ outcome: 'ok', operator: null, host: 'web', errorCode: null })]);
      expect(audit[0]!.input).toMatchObject({ event: 'alert', findingId: fid, kind: 'cross-tenant-grant' });

      let s = await status();
      expect(alertsOf(s, fid).map((x) => x.id)).toEqual([raised.id]);
      expect(s.byTenant[a]?.critical).toBeGreaterThanOrEqual(1);
      expect(s.unacknowledged).toBeGreaterThanOrEqual(1);

      // Two more scheduled scans see it again: no second alert.
      const seen = Date.parse(s.lastScan!.at);
      await until('two more scheduled scans', async () => {
        const now = await status();
        return now.lastScan && Date.parse(now.lastScan.at) > seen + 400 && now;
      });
      expect(emitted('isolation.alert', (p) => p.findingId === fid)).toHaveLength(1);
      expect(alertsOf(await status(), fid)).toHaveLength(1);

      // Acknowledge through the channel (this console's own monitor): who and when; twice is the same.
      const acked = ok(await api.call('isolation.acknowledge', { cluster, alertId: raised.id }));
      expect(acked).toMatchObject({ id: raised.id, acknowledgedBy: SUPERUSER.username });
      expect(ok(await api.call('isolation.acknowledge', { cluster, alertId: raised.id }))).toEqual(acked);
      const missing = await api.call('isolation.acknowledge', { cluster, alertId: '5f0c7b39-1d2e-4e0a-9b7e-3c4d5e6f7a8b' });
      expect(missing.ok ? null : missing.error.code).toBe('NOT_FOUND');
      s = await status();
      expect(alertsOf(s, fid)[0]).toMatchObject({ acknowledgedBy: SUPERUSER.username, resolvedAt: null });

      await admin.execute(`REVOKE SELECT ON KEYSPACE "tenant_${b}_data" FROM "tenant_${a}_admin"`);
      const resolved = await until('the resolution', () => emitted('isolation.alert', (p) => p.id === raised.id && p.resolvedAt !== null)[0]);
      expect(resolved).toMatchObject({ acknowledgedBy: SUPERUSER.username });
      expect(alertsOf(await status(), fid)).toEqual([]); // acknowledged and resolved: closed
    } finally {
      await monitor.close();
    }
  });

  it('a grant change made through the console (isolation.fix) re-scans by itself: trigger grant-change resolves the alert', async () => {
    await admin.execute(`GRANT MODIFY ON KEYSPACE "tenant_${a}_data" TO "tenant_${b}_svc"`);
    const fid = findingId('cross-tenant-grant', `tenant_${b}_svc\u0000data/tenant_${a}_data`);
    // An operator's own scan moves the baseline too: it raises the alert (trigger manual).
    const report = ok(await api.call('isolation.scan', { cluster, tenant: a }));
    expect(report.findings.some((f) => f.id === fid)).toBe(true);
    const raised = alertsOf(await status(), fid);
    expect(raised).toHaveLength(1);
    expect(raised[0]!.trigger).toBe('manual');

    const fixed = ok(await api.call('isolation.fix', { cluster, findingId: fid }));
    expect(fixed.resolved).toBe(true);
    const resolved = await until('the grant-change re-scan', () => emitted('isolation.alert', (p) => p.id === raised[0]!.id && p.resolvedAt !== null)[0]);
    expect(resolved.acknowledgedAt).toBeNull();
    const audit = svc.store.localAudit.listRecent({ limit: 200 }).find((e) => e.channel === 'isolation.monitor' && (e.input as { alertId?: string; event?: string }).alertId === raised[0]!.id && (e.input as { event?: string }).event === 'resolved');
    expect(audit?.input).toMatchObject({ trigger: 'grant-change' });
    // Resolved but unacknowledged stays open until someone looks.
    expect(alertsOf(await status(), fid)).toEqual([expect.objectContaining({ resolvedAt: expect.any(String), acknowledgedAt: null })]);
    ok(await api.call('isolation.acknowledge', { cluster, alertId: raised[0]!.id }));
    expect(alertsOf(await status(), fid)).toEqual([]);
  });

  it('csm: a grant change made by a one-shot CLI command still gets its re-scan (at close); status exits 1 with an unacknowledged alert; ack; schedule bounds', async () => {
    const csm = (args: string[]): Promise<{ code: number; stdout: string }> =>
      new Promise((done) => {
        const child = spawn(process.execPath, [join(REPO_ROOT, 'src-main/cli/csm.mjs'), ...args, '--data-dir', svc.dataDir], { env: { ...process.env, CSM_KEYCHAIN_SERVICE: svc.keychainService }, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.on('close', (code) => done({ code: code ?? -1, stdout }));
      });
    await admin.execute(`GRANT MODIFY ON KEYSPACE "tenant_${a}_data" TO "tenant_${b}_svc"`);
    const fid = findingId('cross-tenant-grant', `tenant_${b}_svc\u0000data/tenant_${a}_data`);
    ok(await api.call('isolation.scan', { cluster }));
    const raised = alertsOf(await status(), fid)[0]!;
    expect(raised.acknowledgedAt).toBeNull();

    const st = await csm(['isolation', 'status', '--cluster', cluster, '--json']);
    expect(st.code).toBe(1);
    const parsed = JSON.parse(st.stdout) as MonitorStatus;
    expect(alertsOf(parsed, fid).map((x) => x.id)).toEqual([raised.id]);
    expect(parsed.nextScanAt).toBeNull(); // the CLI schedules nothing

    const fix = await csm(['isolation', 'fix', fid, '--cluster', cluster, '--json']);
    expect(fix.code).toBe(0);
    // Nothing else of this file scans now: the resolution is the CLI process's own re-scan at close.
    const after = alertsOf(await status(), fid);
    expect(after).toEqual([expect.objectContaining({ id: raised.id, resolvedAt: expect.any(String) })]);
    const ack = await csm(['isolation', 'ack', raised.id, '--cluster', cluster, '--json']);
    expect(ack.code).toBe(0);
    expect(JSON.parse(ack.stdout)).toMatchObject({ id: raised.id, acknowledgedBy: SUPERUSER.username });
    expect(alertsOf(await status(), fid)).toEqual([]);
    const again = await csm(['isolation', 'status', '--cluster', cluster, '--json']);
    const s2 = JSON.parse(again.stdout) as MonitorStatus;
    expect(again.code).toBe(s2.unacknowledged > 0 ? 1 : 0); // other files' alerts on the shared node may remain
    expect((await csm(['isolation', 'schedule', '--cluster', cluster, '--every', '0', '--json'])).code).toBe(2);
    expect((await csm(['isolation', 'schedule', '--cluster', cluster, '--every', 'hourly', '--json'])).code).toBe(2);
    expect((await csm(['isolation', 'ack', '5f0c7b39-1d2e-4e0a-9b7e-3c4d5e6f7a8b', '--cluster', cluster, '--json'])).code).toBe(1);
  });

  it('a second console signing in shares the baseline: the violation the first one alerted is not alerted again', async () => {
    await admin.execute(`GRANT "tenant_${b}_auditor" TO "tenant_${a}_u_boss"`);
    const fid = findingId('cross-tenant-membership', `tenant_${a}_u_boss\u0000tenant_${b}_auditor`);
    ok(await api.call('isolation.scan', { cluster }));
    const first = alertsOf(await status(), fid);
    expect(first).toHaveLength(1);

    const other = await realServices('web', { keychainService: svc.keychainService });
    const seen: IsolationAlert[] = [];
    other.bus.subscribe((name, p) => name === 'isolation.alert' && seen.push(p as IsolationAlert));
    try {
      const api2 = localClient(other.router, { host: 'web' });
      ok(await api2.call('cluster.add', { name: cluster, contactPoints: [node().contactPoint], localDc: node().localDc, ...SUPERUSER }));
      ok(await api2.call('session.signIn', { cluster }));
      const s2 = await until('the second console’s sign-in scan', async () => {
        const s = await status(api2);
        return !s.scanning && s.lastError === null && s;
      });
      expect(seen.filter((x) => x.findingId === fid)).toEqual([]);
      expect(alertsOf(s2, fid).map((x) => x.id)).toEqual([first[0]!.id]);
    } finally {
      await other.close();
    }
    await admin.execute(`REVOKE "tenant_${b}_auditor" FROM "tenant_${a}_u_boss"`);
    ok(await api.call('isolation.scan', { cluster }));
    ok(await api.call('isolation.acknowledge', { cluster, alertId: first[0]!.id }));
  });

  it('a node that goes away and a cluster not signed in: the status carries the error, nothing crashes', async () => {
    // A private path to the shared node (a TCP relay), cut mid-session: the node itself is never touched.
    const sockets = new Set<Socket>();
    const relay: Server = createServer((inbound) => {
      const [host, port] = node().contactPoint.split(':');
      const out = connect(Number(port ?? 9042), host!);
      for (const s of [inbound, out]) (sockets.add(s), s.on('error', () => undefined), s.on('close', () => sockets.delete(s)));
      inbound.pipe(out).pipe(inbound);
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', () => r()));
    const port = (relay.address() as { port: number }).port;
    const far = `${cluster}-relay`;
    const iso = new IsolationService({ connections: svc.connections, operatorOf: () => 'cassandra', signer: null });
    const monitor = createMonitor({ host: 'web', connections: svc.connections, sessions: svc.sessions, bus: svc.bus, store: svc.store, logger: svc.logger, jobs: svc.jobs }, iso, { intervalMs: 60 * 60_000 });
    try {
      ok(await api.call('cluster.add', { name: far, contactPoints: [`127.0.0.1:${port}`], localDc: node().localDc, ...SUPERUSER }));
      ok(await api.call('session.signIn', { cluster: far }));
      await monitor.request(far, 'manual');
      expect((await monitor.status(far)).lastError).toBeNull();
      const cut = new Promise<void>((r) => relay.close(() => r()));
      sockets.forEach((s) => s.destroy());
      await cut;
      await monitor.request(far, 'schedule');
      const down = await monitor.status(far);
      expect(down.lastError).toMatchObject({ trigger: 'schedule' });
      expect(down.lastError!.code).toMatch(/UNAVAILABLE|TIMEOUT|INTERNAL/);
      expect(down.stale).toBe(true);

      await monitor.request('nowhere', 'manual'); // never signed in
      expect((await monitor.status('nowhere')).lastError).toMatchObject({ code: 'NOT_SIGNED_IN' });
      const refused = await api.call('isolation.status', { cluster: 'nowhere' });
      expect(refused.ok ? null : refused.error.code).toBe('NOT_SIGNED_IN');
      // The console still answers for the healthy cluster.
      expect((await status()).stale).toBe(false);
    } finally {
      await monitor.close();
      relay.close();
      sockets.forEach((s) => s.destroy());
      await api.call('session.signOut', { cluster: far });
    }
  });
});
