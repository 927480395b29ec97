import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { node, SUPERUSER, unique } from '../../../support/cassandra';
import { platformConsole, provision, scrub, type Svc } from '../../tenancy/support';
import { csmRunner, type CliRun } from '../../../support/cli';

type Run = CliRun;
const PW = 'correct-horse-battery';
/** Two installations, each with its own keychain (cluster secrets are keyed by cluster name). */
const keychains = new Map<string, string>();

function csm(dir: string, args: string[], stdin = ''): Promise<Run> {
  if (!keychains.has(dir)) keychains.set(dir, unique('csm-quota-cli'));
  const keychain = keychains.get(dir)!;
  return csmRunner(keychain)(dir, args, stdin);
}

/** `csm quota …` on the real node: a platform installation sets, raises and sweeps; a tenant admin's reads. */
describe('csm quota', () => {
  let svc: Svc;
  const t = unique('qc');
  const platformDir = mkdtempSync(join(tmpdir(), 'csm-quota-p-'));
  const tenantDir = mkdtempSync(join(tmpdir(), 'csm-quota-t-'));
  const T = ['--cluster', 'main', '--tenant', t];

  beforeAll(async () => {
    let api;
    let cluster: string;
    ({ svc, api, cluster } = await platformConsole());
    expect((await provision(svc, api, cluster, t, 'boss', PW)).state).toBe('succeeded');
    const p = await csm(platformDir, ['cluster', 'add', 'main', '--contact-point', node().contactPoint, '--dc', node().localDc, '--username', SUPERUSER.username, '--password-stdin', '--json'], `${SUPERUSER.password}\n`);
    expect(p.code, p.stderr).toBe(0);
    const q = await csm(tenantDir, ['cluster', 'add', 'main', '--contact-point', node().contactPoint, '--dc', node().localDc, '--username', `tenant_${t}_u_boss`, '--password-stdin', '--json'], `${PW}\n`);
    expect(q.code, q.stderr).toBe(0);
  }, 240_000);

  afterAll(async () => {
    await svc?.close();
    await scrub([t]);
  });

  it('set, raise, show and enforce with --json; bad input exits 2 with the reason', async () => {
    const set = await csm(platformDir, ['quota', 'set', ...T, '--resource', 'certificates', '--soft', '3', '--hard', '5', '--json']);
    expect(set.code, set.stderr + set.stdout).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({ resource: 'certificates', soft: 3, hard: 5, effectiveHard: 5 });
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const raise = await csm(platformDir, ['quota', 'raise', ...T, '--resource', 'certificates', '--hard', '8', '--until', until, '--json']);
    expect(raise.code, raise.stderr).toBe(0);
    expect(JSON.parse(raise.stdout)).toMatchObject({ raisedHard: 8, raisedUntil: until, effectiveHard: 8 });
    const enforce = await csm(platformDir, ['quota', 'enforce', '--cluster', 'main', '--tenant', t, '--json']);
    expect(enforce.code, enforce.stderr).toBe(0);
    expect(JSON.parse(enforce.stdout)).toEqual({ checked: 1, enforced: [], restored: [] });

    const neg = await csm(platformDir, ['quota', 'set', ...T, '--resource', 'users', '--hard', '-1', '--json']);
    expect(neg.code).toBe(2);
    expect(neg.stderr + neg.stdout).toMatch(/BAD_INPUT/);
    const inverted = await csm(platformDir, ['quota', 'set', ...T, '--resource', 'users', '--soft', '9', '--hard', '2', '--json']);
    expect(inverted.code).toBe(2);
    expect(inverted.stderr + inverted.stdout).toMatch(/soft limit 9 of users is above its hard limit 2/);
    const past = await csm(platformDir, ['quota', 'raise', ...T, '--resource', 'certificates', '--hard', '9', '--until', '2020-01-01T00:00:00Z', '--json']);
    expect(past.code).toBe(2);
    expect(past.stderr + past.stdout).toMatch(/not in the future/);
    const unknown = await csm(platformDir, ['quota', 'set', ...T, '--resource', 'cpus', '--hard', '1', '--json']);
    expect(unknown.code).toBe(2);
  }, 120_000);

  it("a tenant admin's CLI shows its own quotas (from its console keyspace) and cannot set them", async () => {
    const show = await csm(tenantDir, ['quota', 'show', ...T, '--json']);
    expect(show.code, show.stderr).toBe(0);
    const view = JSON.parse(show.stdout) as { rows: { resource: string; soft: number | null; effectiveHard: number | null }[]; events: { kind: string }[] };
    expect(view.rows.find((r) => r.resource === 'certificates')).toMatchObject({ soft: 3, effectiveHard: 8 });
    expect(view.events.map((e) => e.kind)).toContain('raised');
    const text = await csm(tenantDir, ['quota', 'show', ...T]);
    expect(text.stdout).toMatch(/certificates\s+\d+\s+3\s+5\s+8/);
    const set = await csm(tenantDir, ['quota', 'set', ...T, '--resource', 'certificates', '--hard', '50', '--json']);
    expect(set.code).toBe(1);
    expect(set.stderr + set.stdout).toMatch(/FORBIDDEN/);
  }, 60_000);
});
