import { describe, expect, it } from 'vitest';
import type { UsageSample } from '../../../../src-shared/contract/resources';
import { AppError } from '../../../../src-main/app/errors';
import type { ModuleDeps } from '../../../../src-main/app/module-deps';
import { meteringPart } from '../../../../src-main/resources/metering/handlers';
import { UsageCache } from '../../../../src-main/resources/metering/store';
import { openStore, type Store } from '../../../../src-main/store/store';
import { useTempDir } from '../../store/helpers';

const tmp = useTempDir('csm-usage-part-');

const logger = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

/** Just what the part touches; the cluster is a client whose every call fails as an unreachable node does. */
function deps(host: 'cli' | 'web', store: Store, platform: boolean): ModuleDeps {
  const down = {
    execute: async () => {
      throw new AppError('UNAVAILABLE', 'no Cassandra node answered');
    },
  };
  return {
    host,
    store,
    logger,
    bus: { emit: () => undefined },
    sessions: { scopeOf: () => ({ role: 'op', platform, tenantAdmin: [], auditor: [] }), platformClusters: () => (platform ? ['c1'] : []) },
    connections: { operator: () => down },
    tenants: { registry: () => ({ all: async () => down.execute(), get: async () => down.execute() }) },
  } as unknown as ModuleDeps;
}

const sample = (tenant: string, at: string): UsageSample => ({ tenant, at, trigger: 'schedule', figures: [{ metric: 'users', value: 4, unit: 'count', precision: 'exact', source: 'system_auth.roles', note: null }] });

describe('metering part', () => {
  it('schedules in a desktop or web console, never in the CLI', async () => {
    const store = openStore({ dir: tmp() });
    try {
      const cli = meteringPart(deps('cli', store, true));
      await cli.onSignIn?.('c1', true);
      expect(cli.scheduler.enabled).toBe(false);
      const web = meteringPart(deps('web', store, true));
      expect(web.scheduler.enabled).toBe(true);
      await web.onSignIn?.('c1', true);
      await web.close?.();
      expect(web.scheduler.enabled).toBe(false);
    } finally {
      store.close();
    }
  });

  it('answers latest and samples from the cache when the cluster is unreachable', async () => {
    const store = openStore({ dir: tmp() });
    try {
      const cache = new UsageCache(store.db);
      cache.put('c1', sample('acme', '2026-11-29T10:00:00.000Z'), null);
      cache.put('c1', sample('acme', '2026-11-29T11:00:00.000Z'), null);
      const part = meteringPart(deps('web', store, true));
      expect((await part.usage.latest('c1', 'acme'))?.at).toBe('2026-11-29T11:00:00.000Z');
      expect((await part.usage.samples('c1', 'acme', Date.parse('2026-11-29T10:30:00Z'), Date.parse('2026-11-29T12:00:00Z'))).map((s) => s.at)).toEqual(['2026-11-29T10:00:00.000Z', '2026-11-29T11:00:00.000Z']);
      // Collecting needs the cluster: the failure is the cluster's, not a made-up sample.
      await expect(part.usage.collect('c1', 'acme', 'manual')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      await part.close?.();
    } finally {
      store.close();
    }
  });
});
