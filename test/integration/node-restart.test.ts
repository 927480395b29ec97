import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as cassandraNode from '../../scripts/cassandra/lib.mjs';
import { localClient, type LocalClient } from '../../src-main/ipc/local-client';
import { fromDriverError } from '../../src-main/cassandra/driver-errors';
import { node, realServices, SUPERUSER } from '../support/cassandra';

type Svc = Awaited<ReturnType<typeof realServices>>;

/** Dead means gone or a zombie: the node may be a child of the test runner, which reaps it late. */
async function waitForExit(): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (!(await cassandraNode.status()).running) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the Cassandra node is still running after SIGKILL');
}

/**
 * A node killed and restarted under an open console: queries fail with UNAVAILABLE while it is
 * down, and the same console (same sessions, no restart) works again once it is back.
 */
describe('an open console survives a killed and restarted node', () => {
  let svc: Svc;
  let api: LocalClient;

  beforeAll(async () => {
    svc = await realServices();
    api = localClient(svc.router, { host: 'cli' });
    const added = await api.call('cluster.add', { name: 'restart', contactPoints: [node().contactPoint], localDc: node().localDc, ...SUPERUSER });
    expect(added.ok).toBe(true);
    expect((await api.call('session.signIn', { cluster: 'restart' })).ok).toBe(true);
  });
  afterAll(async () => {
    // Whatever happened, leave the node up for the tests after this file.
    if (!(await cassandraNode.status()).running) await cassandraNode.start({});
    await svc.close();
  });

  it('fails clearly while the node is down and recovers without restarting the console', async () => {
    const session = svc.connections.operator('restart');
    expect(session).toBeDefined();
    const ping = () => session!.execute('SELECT release_version FROM system.local').then(() => 'ok', (e: unknown) => fromDriverError(e, 'ping').code);
    expect(await ping()).toBe('ok');

    // Killed, not stopped: no drain, no goodbye to the driver.
    const { pid } = await cassandraNode.status();
    expect(pid).toBeGreaterThan(0);
    process.kill(pid!, 'SIGKILL');
    await waitForExit();
    const down = await ping();
    expect(['UNAVAILABLE', 'TIMEOUT']).toContain(down);
    const tested = await api.call('cluster.test', { name: 'restart' });
    expect(tested.ok ? null : tested.error.code).toBe('UNAVAILABLE');

    await cassandraNode.start({ log: () => {} });
    // The driver reconnects on its own (exponential from 1 s, capped at 10 s).
    const deadline = Date.now() + 60_000;
    let back = await ping();
    while (back !== 'ok' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000));
      back = await ping();
    }
    expect(back).toBe('ok');
    expect(svc.connections.operator('restart')).toBe(session);
    const again = await api.call('session.whoami', { cluster: 'restart' });
    expect(again.ok && again.value.platform).toBe(true);
  });
});
