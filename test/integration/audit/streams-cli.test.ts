import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Verification } from '../../../src-shared/contract/audit';
import { openStore } from '../../../src-main/store';
import { driverClient, node, SUPERUSER, unique } from '../../support/cassandra';
import { REPO_ROOT } from '../../support/web-host';
import { platformConsole, provision, scrub, type Svc } from '../tenancy/support';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The real `csm` binary, one process per command, on this run's installation keychain (its master key signs). */
function run(args: string[], stdin = ''): Promise<Run> {
  return new Promise((ok) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, CSM_KEYCHAIN_SERVICE: inject('installationKeychain') }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => ok({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin);
  });
}
const csm = (dir: string, args: string[], stdin = ''): Promise<Run> => run([join(REPO_ROOT, 'src-main/cli/csm.mjs'), ...args, '--data-dir', dir], stdin);
const json = <T = Record<string, unknown>>(r: Run): T => JSON.parse(r.stdout) as T;

/**
 * The CLI face of the streams (issue 9 items 1 and 5) through the real binary, and what a console
 * that dies loses: a CLI process flushes its queued events before it exits (services.close awaits
 * the audit module); a process killed before its flush (250 ms after the call) loses those events
 * from the stream — they remain only in that console's local audit log.
 */
describe('csm audit verify-stream | sync | prune | event on the real node', () => {
  let svc: Svc;
  let su: cassandra.Client;
  const t = unique('sc');
  const dir = mkdtempSync(join(tmpdir(), 'csm-audit-cli-'));
  const at = ['--cluster', 'main', '--tenant', t];

  beforeAll(async () => {
    let api, cluster;
    ({ svc, api, cluster } = await platformConsole());
    expect((await provision(svc, api, cluster, t)).state).toBe('succeeded');
    su = await driverClient();
    const added = await csm(dir, ['cluster', 'add', 'main', '--contact-point', node().contactPoint, '--dc', node().localDc, '--username', SUPERUSER.username, '--password-stdin', '--json'], `${SUPERUSER.password}\n`);
    expect(added.code, added.stderr).toBe(0);
  }, 240_000);

  afterAll(async () => {
    await su?.shutdown();
    await svc?.close();
    await scrub([t]);
  });

  it('a CLI mutation is in the stream when the process has exited; verify-stream, event, sync and prune answer with their exit codes', async () => {
    const pruned = await csm(dir, ['audit', 'prune', ...at, '--json']);
    expect(pruned.code, pruned.stdout + pruned.stderr).toBe(0);
    expect(json(pruned)).toMatchObject({ stream: `tenant:${t}`, pruned: 0, tombstoneSeq: null, retentionDays: 365 });
    // The prune call itself (a mutation) was flushed before that process exited.
    const types = (await su.execute(`SELECT event_type, origin FROM tenant_${t}_csm.audit_chain`)).rows.filter((r) => r['event_type'] !== null).map((r) => [r['event_type'], r['origin']]);
    expect(types).toContainEqual(['audit.prune', 'cli']);

    const v = await csm(dir, ['audit', 'verify-stream', ...at, '--json']);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    const ver = json<Verification>(v);
    expect(ver).toMatchObject({ stream: `tenant:${t}`, intact: true });
    const seq = ver.lastSeq!;

    const ev = await csm(dir, ['audit', 'event', ...at, '--seq', String(seq), '--json']);
    expect(ev.code, ev.stdout + ev.stderr).toBe(0);
    expect(json(ev)).toMatchObject({ hashMatches: true, linkMatches: true, batch: { signatureValid: true } });

    const bad = await csm(dir, ['audit', 'event', ...at, '--seq', '0', '--json']);
    expect([bad.code, json<{ error: { code: string } }>(bad).error.code]).toEqual([2, 'BAD_INPUT']);
    const missing = await csm(dir, ['audit', 'prune', '--cluster', 'main', '--json']);
    expect([missing.code, json<{ error: { code: string } }>(missing).error.code]).toEqual([2, 'BAD_INPUT']);

    const synced = await csm(dir, ['audit', 'sync', ...at, '--json']);
    expect(synced.code, synced.stderr).toBe(0);
    expect(json(synced)).toMatchObject({ stream: `tenant:${t}` });
    expect(json<{ lastSeq: number }>(synced).lastSeq).toBeGreaterThanOrEqual(seq);

    // Tampered: exit 1, and the text names the kind and the seq.
    await su.execute(`UPDATE tenant_${t}_csm.audit_chain SET operation = 'nothing happened' WHERE bucket = 0 AND seq = ?`, [seq], { prepare: true });
    const tampered = await csm(dir, ['audit', 'verify-stream', ...at]);
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toContain('TAMPERED');
    expect(tampered.stdout).toContain(`edited at seq ${seq}`);
  });

  it('a console killed before its flush loses the queued events from the stream; its local audit keeps them', async () => {
    const data = mkdtempSync(join(tmpdir(), 'csm-audit-kill-'));
    const script = join(data, 'kill.mts');
    // A console that makes one mutating call, then dies at once (no close, no flush).
    writeFileSync(
      script,
      `import { createServices } from ${JSON.stringify(join(REPO_ROOT, 'src-main/app/services.ts'))};
       import { localClient } from ${JSON.stringify(join(REPO_ROOT, 'src-main/ipc/local-client.ts'))};
       const s = await createServices({ host: 'cli', dataDir: ${JSON.stringify(data)}, keychainService: process.env.CSM_KEYCHAIN_SERVICE, secretBackend: 'keychain' });
       const api = localClient(s.router, { host: 'cli' });
       await api.call('cluster.add', { name: 'k', contactPoints: [${JSON.stringify(node().contactPoint)}], localDc: ${JSON.stringify(node().localDc)}, username: 'cassandra', password: 'cassandra' });
       await api.call('session.signIn', { cluster: 'k' });
       const r = await api.call('integration.remove', { cluster: 'k', tenant: ${JSON.stringify(t)}, name: 'killed-console' });
       process.stdout.write(JSON.stringify(r.ok ? 'ok' : r.error.code));
       process.exit(0);`,
    );
    const before = (await su.execute(`SELECT operation FROM tenant_${t}_csm.audit_chain`)).rows.filter((r) => String(r['operation'] ?? '').includes('integration.remove')).length;
    const r = await run(['--import', 'tsx', script]);
    expect(r.stdout, r.stderr).toBe('"NOT_FOUND"');
    await new Promise((res) => setTimeout(res, 1500));
    const after = (await su.execute(`SELECT operation FROM tenant_${t}_csm.audit_chain`)).rows.filter((r2) => String(r2['operation'] ?? '').includes('integration.remove')).length;
    expect(after).toBe(before); // lost from the stream
    const store = openStore({ dir: data });
    try {
      const local = store.db.prepare("SELECT channel, outcome FROM audit_local WHERE channel = 'integration.remove'").all();
      expect(local).toHaveLength(1); // kept in the local audit
    } finally {
      store.close();
    }
  });
});
