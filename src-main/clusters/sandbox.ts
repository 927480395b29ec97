import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClusterProfile } from '../../src-shared/contract';
import { AppError } from '../app/errors';
import type { JobRunner } from '../app/jobs';
import type { ConnectionManager, CqlClient } from '../cassandra/connections';
import { fromDriverError } from '../cassandra/driver-errors';
import { newRole, passwordLiteral } from '../cassandra/identifiers';
import type { ClusterService } from './service';

export const SANDBOX_CLUSTER = 'sandbox';
const SANDBOX_ROLE = 'csm_sandbox_admin';

interface NodeStatus {
  running: boolean;
  contactPoint: string | null;
}

function nodeScript(): string | null {
  const here = typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
  for (const up of ['../..', '../../..']) {
    const p = resolve(here, up, 'scripts', 'cassandra', 'node.mjs');
    if (existsSync(p)) return p;
  }
  return null;
}

/** Node to run the script with: inside Electron (RunAsNode fused off) it must be a real `node` on PATH. */
const nodeBinary = (): string => (process.versions['electron'] ? 'node' : process.execPath);

function runScript(args: string[], signal?: AbortSignal): Promise<{ code: number; stdout: string; stderr: string }> {
  const script = nodeScript();
  if (!script) return Promise.reject(new AppError('UNAVAILABLE', 'the sandbox scripts are not part of this installation'));
  return new Promise((ok, bad) => {
    const child = spawn(nodeBinary(), [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...(signal ? { signal } : {}) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (e) => bad(new AppError(signal?.aborted ? 'CANCELLED' : 'UNAVAILABLE', `cannot run the sandbox script: ${e.message}`)));
    child.on('close', (code) => ok({ code: code ?? 1, stdout, stderr }));
  });
}

/** Cassandra 5.0 refuses a second password change for a role within 5 s: wait it out once. */
async function alterPassword(client: CqlClient, role: string, password: string, signal: AbortSignal): Promise<void> {
  const stmt = `ALTER ROLE ${role} WITH PASSWORD = ${passwordLiteral(password)}`;
  try {
    await client.execute(stmt);
  } catch (err) {
    if (!/can only be changed every/i.test(err instanceof Error ? err.message : '') || signal.aborted) throw err;
    await new Promise((r) => setTimeout(r, 5200));
    await client.execute(stmt);
  }
}

/** The script prints either one (possibly pretty-printed) JSON document, or log lines then a JSON line. */
export function parseScriptJson<T>(out: string): T | null {
  const tryParse = (text: string): T | null => {
    try {
      return JSON.parse(text) as T;
    } catch {
      return null;
    }
  };
  const whole = tryParse(out.trim());
  if (whole !== null) return whole;
  const line = out.trim().split('\n').reverse().find((l) => l.startsWith('{'));
  return line ? tryParse(line) : null;
}

/**
 * The local sandbox node (issue 3, first run): the same script developers and CI use, started
 * on demand and registered as cluster "sandbox" with its own superuser and a random password
 * kept in the secret store. Labelled as a sandbox everywhere; never chosen by default.
 */
export class SandboxService {
  constructor(private readonly deps: { clusters: ClusterService; connections: ConnectionManager; jobs: JobRunner }) {}

  async status(): Promise<{ available: boolean; running: boolean; registered: boolean; contactPoint: string | null; reason: string | null }> {
    const registered = (await this.deps.clusters.list()).some((p) => p.name === SANDBOX_CLUSTER);
    if (!nodeScript()) return { available: false, running: false, registered, contactPoint: null, reason: 'the sandbox scripts are not part of this installation' };
    try {
      const r = await runScript(['status']);
      const s = parseScriptJson<NodeStatus>(r.stdout);
      if (!s) return { available: false, running: false, registered, contactPoint: null, reason: 'the sandbox status script gave no answer' };
      return { available: true, running: s.running, registered, contactPoint: s.contactPoint, reason: null };
    } catch (err) {
      return { available: false, running: false, registered, contactPoint: null, reason: err instanceof AppError ? err.message : 'node is not on PATH' };
    }
  }

  async start(): Promise<ClusterProfile> {
    return this.deps.jobs.run('sandbox.start', 'Start the local sandbox node', async (job) => {
      job.progress('starting the Cassandra node (first start fetches jars and takes a minute or two)', null);
      const r = await runScript(['start'], job.signal);
      const started = parseScriptJson<{ contactPoint: string }>(r.stdout);
      if (r.code !== 0 || !started) {
        throw new AppError('UNAVAILABLE', `the sandbox node did not start: ${r.stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 500)}`);
      }
      job.progress('creating the sandbox administrator role', 0.7);
      const password = randomBytes(24).toString('base64url');
      const client = await this.deps.connections.connect({
        cluster: SANDBOX_CLUSTER,
        contactPoints: [started.contactPoint],
        localDc: 'dc1',
        username: 'cassandra',
        password: 'cassandra',
        tls: null,
      });
      try {
        const role = newRole(SANDBOX_ROLE);
        const exists = (await client.execute('SELECT role FROM system_auth.roles WHERE role = ?', [SANDBOX_ROLE], { prepare: true })).rowLength > 0;
        if (!exists) {
          await client.execute(`CREATE ROLE ${role} WITH SUPERUSER = true AND LOGIN = true AND PASSWORD = ${passwordLiteral(password)}`);
        } else {
          await alterPassword(client, role, password, job.signal);
        }
      } catch (err) {
        throw fromDriverError(err, 'creating the sandbox administrator');
      } finally {
        await client.shutdown().catch(() => undefined);
      }
      job.progress('registering cluster "sandbox"', 0.9);
      const existing = (await this.deps.clusters.list()).find((p) => p.name === SANDBOX_CLUSTER);
      if (existing) {
        return this.deps.clusters.update({ name: SANDBOX_CLUSTER, contactPoints: [started.contactPoint], localDc: 'dc1', username: SANDBOX_ROLE, password });
      }
      return this.deps.clusters.add(
        { name: SANDBOX_CLUSTER, contactPoints: [started.contactPoint], localDc: 'dc1', username: SANDBOX_ROLE, password },
        { sandbox: true },
      );
    });
  }
}
