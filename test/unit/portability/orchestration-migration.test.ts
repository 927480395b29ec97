import { describe, expect, it } from 'vitest';
import { isOwnTenantRole } from '../../../src-main/portability/orchestration/maths';
import { foldFrozenGrants, MigrationRun, verifiedAllowingFreeze } from '../../../src-main/portability/orchestration/migration';
import { plan, world } from './orchestration-fakes';


describe('migration phase machine (fakes of the core, freeze, registry)', () => {
  it('copies, verifies, freezes for the final sync, switches, and decommissions the source only after verification', async () => {
    const w = world({ users: { u1: 'x' } });
    const ports = w.migrationPorts(plan);
    const out = await new MigrationRun(plan, ports).run();
    expect(out).toMatchObject({ state: 'succeeded', phase: 'done', error: null, resynced: false });
    expect(ports.phases).toEqual(['copy', 'verify', 'cutover', 'switch', 'cleanup', 'done']);
    // Order: the source is frozen and marked migrating before the final comparison; decommission is last.
    const at = (s: string) => w.log.findIndex((l) => l.startsWith(s));
    expect(at('state east/acme active→migrating')).toBeGreaterThan(at('import west'));
    expect(at('freeze east/acme')).toBeGreaterThan(at('state east/acme active→migrating'));
    expect(at('decommission east/acme')).toBeGreaterThan(at('freeze east/acme'));
    expect(w.tenant('east', 'acme')).toBeUndefined();
    const target = w.tenant('west', 'acme')!;
    expect(target.state).toBe('active');
    expect([...target.tables.get('orders')!]).toEqual([['a', '1'], ['b', '2']]);
    // The target keeps its own keychain entry although the source's decommissioning wiped the tenant's.
    expect(w.keychain.get('tenant/acme/service-password')).toBe('pw-of-west');
    // Bundles removed; the move recorded on both clusters.
    expect(w.files.size).toBe(0);
    expect(ports.moves).toContain('east:source:done:succeeded');
    expect(ports.moves).toContain('west:target:done:succeeded');
  });

  it('re-copies the data in the final sync only when a table changed after the copy', async () => {
    const w = world({ users: { u1: 'x' } });
    const ports = w.migrationPorts(plan, {
      afterPhase: async (phase) => {
        // A write that lands after the copy, before the cut-over pauses writes.
        if (phase === 'verify') w.write('east', 'acme', 'orders', 'c', '3');
      },
    });
    const out = await new MigrationRun(plan, ports).run();
    expect(out).toMatchObject({ state: 'succeeded', resynced: true });
    expect(w.log.filter((l) => l.startsWith('import west'))).toEqual(['import west', 'import west into-existing']);
    expect(w.tenant('west', 'acme')!.tables.get('orders')!.get('c')).toBe('3');
  });

  it('a write during the cut-over is refused: the freeze really pauses writes', async () => {
    const w = world({ users: { u1: 'x' } });
    let refused: unknown = null;
    const ports = w.migrationPorts(plan, {
      afterPhase: async (phase) => {
        if (phase !== 'cutover') return;
        try {
          w.write('east', 'acme', 'orders', 'late', 'x');
        } catch (e) {
          refused = e;
        }
      },
    });
    await new MigrationRun(plan, ports).run();
    expect(String(refused)).toMatch(/no MODIFY/);
  });

  it('abort at the cut-over: target dropped, writes thawed, source active with its data, grants and keychain entry as before', async () => {
    const w = world({ users: { u1: 'x' } });
    const src = w.tenant('east', 'acme')!;
    const before = { digest: w.digest(src), grants: w.grantsOf(src) };
    let run: MigrationRun | null = null;
    const ports = w.migrationPorts(plan, {
      afterPhase: async (phase) => {
        if (phase === 'cutover') run!.abort();
      },
    });
    run = new MigrationRun(plan, ports);
    const out = await run.run();
    expect(out).toMatchObject({ state: 'aborted', phase: 'cutover' });
    expect(w.tenant('west', 'acme')).toBeUndefined();
    expect(src.state).toBe('active');
    expect({ digest: w.digest(src), grants: w.grantsOf(src) }).toEqual(before);
    expect(w.frozen.size).toBe(0);
    expect(w.keychain.get('tenant/acme/service-password')).toBe('pw-of-east');
    expect(w.log).not.toContain('decommission east/acme');
    expect(w.files.size).toBe(0);
    // Writable again.
    w.write('east', 'acme', 'orders', 'after', 'ok');
    expect(ports.moves.at(-1)).toBe('west:target:cutover:aborted');
  });

  it.each(['copy', 'verify', 'switch'] as const)('abort after %s leaves the source untouched', async (at) => {
    const w = world({ users: { u1: 'x' } });
    const src = w.tenant('east', 'acme')!;
    const before = { digest: w.digest(src), grants: w.grantsOf(src) };
    let run: MigrationRun | null = null;
    run = new MigrationRun(plan, w.migrationPorts(plan, { afterPhase: async (p) => (p === at ? run!.abort() : undefined) }));
    const out = await run.run();
    expect(out.state).toBe('aborted');
    expect({ state: src.state, digest: w.digest(src), grants: w.grantsOf(src) }).toEqual({ state: 'active', ...before });
    expect(w.tenant('west', 'acme')).toBeUndefined();
  });

  it('an abort requested by another console (csm_system) is honoured at the next phase boundary', async () => {
    const w = world({ users: { u1: 'x' } });
    let asked = false;
    const ports = w.migrationPorts(plan, { abortRequested: async () => asked, afterPhase: async (p) => void (p === 'copy' ? (asked = true) : undefined) });
    const out = await new MigrationRun(plan, ports).run();
    expect(out).toMatchObject({ state: 'aborted', phase: 'copy' });
    expect(w.tenant('east', 'acme')!.state).toBe('active');
  });

  it('a failed verification rolls back like an abort and records the error; the source is never decommissioned', async () => {
    const w = world({ users: { u1: 'x' } });
    const ports = w.migrationPorts(plan, {
      afterPhase: async (p) => {
        // The copy is damaged behind the migration's back.
        if (p === 'copy') w.tenant('west', 'acme')!.tables.get('orders')!.delete('a');
      },
    });
    const out = await new MigrationRun(plan, ports).run();
    expect(out.state).toBe('failed');
    expect(out.phase).toBe('verify');
    expect(out.error).toMatch(/verification failed: content differs/);
    expect(w.log).not.toContain('decommission east/acme');
    expect(w.tenant('east', 'acme')!.state).toBe('active');
    expect(w.tenant('west', 'acme')).toBeUndefined();
    expect(ports.moves).toContain('east:source:verify:failed');
  });

  it('a failure during the import (copy phase) drops the half-made target', async () => {
    const w = world({ users: { u1: 'x' } });
    w.failImportAt = 1;
    const out = await new MigrationRun(plan, w.migrationPorts(plan)).run();
    expect(out).toMatchObject({ state: 'failed', phase: 'copy' });
    expect(out.error).toMatch(/import failed/);
    expect(w.log).toContain('drop west/acme');
  });

  it('abort is refused once the cleanup began', async () => {
    const w = world({ users: { u1: 'x' } });
    let run: MigrationRun | null = null;
    let refused: unknown = null;
    const ports = w.migrationPorts(plan, {
      decommission: async (cluster, tenant) => {
        try {
          run!.abort();
        } catch (e) {
          refused = e;
        }
        w.clusters.get(cluster)!.delete(tenant);
      },
    });
    run = new MigrationRun(plan, ports);
    const out = await run.run();
    expect(out.state).toBe('succeeded');
    expect(refused).toMatchObject({ code: 'CONFLICT' });
  });

  it('recover() rolls back a migration whose console died, from its recorded phase', async () => {
    const w = world({ users: { u1: 'x' } });
    // As a dead console left it: source frozen and migrating, target created.
    const ports = w.migrationPorts(plan);
    await ports.transition('east', 'acme', ['active'], 'migrating');
    await ports.freeze('east', 'acme');
    w.add('west', 'acme', {});
    const out = await new MigrationRun(plan, ports).recover('cutover');
    expect(out.state).toBe('aborted');
    expect(w.tenant('east', 'acme')!.state).toBe('active');
    expect(w.frozen.size).toBe(0);
    expect(w.tenant('west', 'acme')).toBeUndefined();
    await expect(new MigrationRun(plan, ports).recover('cleanup')).rejects.toMatchObject({ code: 'CONFLICT' });
  });
});

describe('security review: stale aborts, freeze gaps, live writes', () => {
  it('a roll-back never drops a target it did not create (a later move made it live): CONFLICT, kept', async () => {
    const w = world({ users: { u1: 'x' } });
    w.add('west', 'acme', { orders: { live: 'yes' } });
    const ports = w.migrationPorts(plan, { targetOwned: async () => 'acme on west was registered before migration op1 started' });
    const out = await new MigrationRun(plan, ports).recover('verify');
    expect(out.state).toBe('failed');
    expect(out.error).toMatch(/roll-back incomplete: dropping acme on west: kept: acme on west was registered before/);
    expect(w.tenant('west', 'acme')!.tables.get('orders')!.get('live')).toBe('yes');
    expect(w.log).not.toContain('drop west/acme');
  });

  it('recover() of a stale migration (a newer move recorded) is refused before touching anything', async () => {
    const w = world({ users: { u1: 'x' } });
    const ports = w.migrationPorts(plan, {
      guardRecovery: async () => {
        throw Object.assign(new Error('stale'), { code: 'CONFLICT' });
      },
    });
    await ports.freeze('east', 'acme');
    await expect(new MigrationRun(plan, ports).recover('cutover')).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(w.frozen.size).toBe(1);
    expect(w.log).not.toContain('thaw east/acme');
  });

  it('a freeze whose REVOKEs did not all apply fails the migration (rolled back); the permission cache is waited out otherwise', async () => {
    const w = world({ users: { u1: 'x' } });
    const base = w.migrationPorts(plan);
    const ports = w.migrationPorts(plan, { freeze: async (c, t) => ({ ...(await base.freeze(c, t)), failed: [{ role: 'tenant_acme_svc', resource: 'data/x', permission: 'MODIFY', error: 'timeout' }] as never }) });
    const out = await new MigrationRun(plan, ports).run();
    expect(out).toMatchObject({ state: 'failed', phase: 'cutover' });
    expect(out.error).toMatch(/write freeze of acme is incomplete/);
    expect(w.tenant('east', 'acme')!.state).toBe('active');
    expect(w.frozen.size).toBe(0);
    let settled = 0;
    const ok = await new MigrationRun(plan, world({ users: { u1: 'x' } }).migrationPorts(plan, { settleFreeze: async () => void settled++ })).run();
    expect(ok.state).toBe('succeeded');
    expect(settled).toBe(1);
  });

  it('the verify phase compares the copy with its bundle: a write at the still-writable source does not fail it', async () => {
    const w = world({ users: { u1: 'x' } });
    const ports = w.migrationPorts(plan, { afterPhase: async (p) => void (p === 'copy' ? w.write('east', 'acme', 'orders', 'z', '9') : undefined) });
    const out = await new MigrationRun(plan, ports).run();
    expect(out).toMatchObject({ state: 'succeeded', resynced: true });
    expect(w.tenant('west', 'acme')!.tables.get('orders')!.get('z')).toBe('9');
  });

  it('a write that slipped through the freeze after the final sync keeps the source (digests re-checked before cleanup)', async () => {
    const w = world({ users: { u1: 'x' } });
    const ports = w.migrationPorts(plan, { afterPhase: async (p) => void (p === 'switch' ? w.tenant('east', 'acme')!.tables.get('orders')!.set('slip', '1') : undefined) });
    const out = await new MigrationRun(plan, ports).run();
    expect(out.state).toBe('failed');
    expect(out.error).toMatch(/changed at the source after the final sync/);
    expect(w.log).not.toContain('decommission east/acme');
    expect(w.tenant('east', 'acme')!.tables.get('orders')!.get('slip')).toBe('1');
  });

  it('a certificate revoked in the console keyspace after the copy is carried over at cut-over (verbatim copy; no data table changed, so no data re-copy); else the source is kept', async () => {
    const w = world({ users: { u1: 'x' } });
    const consoles: Record<string, Record<string, string>> = { east: { pki_certs: 'c1:valid', audit_chain: 'h1' }, west: {} };
    const copied: string[][] = [];
    const mk = (copy: boolean) =>
      w.migrationPorts(plan, {
        consoleDigests: async (c) => ({ ...consoles[c] }),
        // The core's copy brings the console keyspace as it was at export time.
        afterPhase: async (p) => {
          if (p === 'copy') {
            consoles['west'] = { ...consoles['east']! };
            consoles['east'] = { pki_certs: 'c1:revoked', audit_chain: 'h2' };
          }
        },
        ...(copy
          ? {
              copyConsoleTables: async (t: string[]) => {
                copied.push(t);
                for (const x of t) consoles['west']![x] = consoles['east']![x]!;
              },
            }
          : {}),
      });
    const out = await new MigrationRun(plan, mk(true)).run();
    expect(out).toMatchObject({ state: 'succeeded', resynced: false });
    expect(copied).toEqual([['audit_chain', 'pki_certs']]);
    expect(consoles['west']).toEqual({ pki_certs: 'c1:revoked', audit_chain: 'h2' });

    const w2 = world({ users: { u1: 'x' } });
    consoles['east'] = { pki_certs: 'c1:valid' };
    consoles['west'] = {};
    const ports2 = w2.migrationPorts(plan, {
      consoleDigests: async (c) => ({ ...consoles[c] }),
      afterPhase: async (p) => {
        if (p === 'copy') {
          consoles['west'] = { ...consoles['east']! };
          consoles['east'] = { pki_certs: 'c1:revoked' };
        }
      },
    });
    const kept = await new MigrationRun(plan, ports2).run();
    expect(kept.state).toBe('failed');
    expect(kept.error).toMatch(/console keyspace differs from the source after the final sync: pki_certs/);
    expect(w2.log).not.toContain('decommission east/acme');
    expect(w2.tenant('east', 'acme')!.state).toBe('active');
  });

  it('roll-back drops only the tenant\'s own roles: not those of a tenant whose id extends it', () => {
    const named = new Set(['tenant_ab_admin', 'tenant_ab_auditor', 'tenant_ab_svc']);
    expect(isOwnTenantRole('ab', 'tenant_ab_u_alice', ['ab_u_x'], named)).toBe(true);
    expect(isOwnTenantRole('ab', 'tenant_ab_admin', ['ab_u_x'], named)).toBe(true);
    expect(isOwnTenantRole('ab', 'tenant_ab_u_x_admin', ['ab_u_x'], named)).toBe(false);
    expect(isOwnTenantRole('ab', 'tenant_ab_u_x_u_bob', ['ab_u_x'], named)).toBe(false);
    expect(isOwnTenantRole('ab', 'tenant_abc_admin', ['abc'], named)).toBe(false);
    expect(isOwnTenantRole('ab', 'tenant_ab_data_reader', [], named)).toBe(false);
  });
});

describe('verification while the source is frozen', () => {
  const base = { tables: [], grantsEqual: false, configEqual: true, certificates: { source: 0, target: 0 }, notes: [] };
  const frozen = { tenant: 'acme', reasons: ['migration' as const], revoked: [{ role: 'tenant_acme_admin', resource: '<keyspace tenant_acme_data>', permission: 'MODIFY' as const }], since: null };

  it('MODIFY present only at the target, exactly as revoked by the freeze, is expected', () => {
    const r = { ...base, ok: false, grants: [{ role: 'tenant_acme_admin', resource: 'data/tenant_acme_data', permissions: ['MODIFY'], side: 'target' as const }] };
    expect(verifiedAllowingFreeze(r, frozen)).toEqual({ ok: true, unexplained: [] });
  });

  it('any other difference is not', () => {
    const r = {
      ...base,
      ok: false,
      grants: [
        { role: 'tenant_acme_admin', resource: 'data/tenant_acme_other', permissions: ['MODIFY'], side: 'target' as const },
        { role: 'tenant_acme_admin', resource: 'data/tenant_acme_data', permissions: ['SELECT'], side: 'source' as const },
      ],
    };
    const v = verifiedAllowingFreeze(r, frozen);
    expect(v.ok).toBe(false);
    expect(v.unexplained).toHaveLength(2);
    expect(verifiedAllowingFreeze({ ...base, ok: false, grants: [{ role: 'tenant_acme_admin', resource: 'data/tenant_acme_data', permissions: ['MODIFY'], side: 'target' as const }] }, null).ok).toBe(false);
    // The tenant keeps its id: a certificate count that differs is not explained by the freeze.
    expect(verifiedAllowingFreeze({ ...base, ok: false, grants: [], certificates: { source: 3, target: 2 } }, frozen)).toEqual({ ok: false, unexplained: ['certificates: 3 at the source, 2 at the target'] });
  });

  it('the report shown folds what the freeze paused into the lines held on both sides; anything else stays a mismatch', () => {
    const r = {
      ...base,
      ok: false,
      notes: ['1 grant line(s) differ'],
      grants: [
        { role: 'tenant_acme_admin', resource: 'data/tenant_acme_data', permissions: ['SELECT'], side: 'both' as const },
        { role: 'tenant_acme_admin', resource: 'data/tenant_acme_data', permissions: ['MODIFY'], side: 'target' as const },
      ],
    };
    const f = foldFrozenGrants(r, frozen);
    expect(f.grants).toEqual([{ role: 'tenant_acme_admin', resource: 'data/tenant_acme_data', permissions: ['MODIFY', 'SELECT'], side: 'both' }]);
    expect(f.grantsEqual).toBe(true);
    expect(f.notes).toEqual([expect.stringMatching(/^1 permission \(MODIFY\/CREATE\) paused at the source by the cut-over freeze/)]);
    // A target-only line the freeze did not revoke is left as it is, and so is the note.
    const other = foldFrozenGrants({ ...r, grants: [...r.grants, { role: 'tenant_acme_admin', resource: 'data/tenant_acme_other', permissions: ['MODIFY'], side: 'target' as const }] }, frozen);
    expect(other.grantsEqual).toBe(false);
    expect(other.grants.filter((g) => g.side === 'target')).toEqual([{ role: 'tenant_acme_admin', resource: 'data/tenant_acme_other', permissions: ['MODIFY'], side: 'target' }]);
    expect(other.notes[0]).toBe('1 grant line(s) differ');
  });
});
