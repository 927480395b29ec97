import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { NewClusterProfile } from '../../../src-main/store/cluster-profile-repo';
import { openStore, type Store } from '../../../src-main/store/store';
import { useTempDir } from './helpers';

const tmp = useTempDir();

function storeAt(times: string[]): Store {
  let i = 0;
  return openStore({ dir: tmp(), clock: () => times[Math.min(i++, times.length - 1)] ?? 'never' });
}

const prod: NewClusterProfile = {
  name: 'prod',
  contactPoints: ['10.0.0.1:9042', '[::1]:9142'],
  localDc: 'dc1',
  username: 'csm_admin',
  tls: { caFile: '/etc/csm/ca.pem', certFile: '/etc/csm/client.pem', keyFile: '/etc/csm/client.key' },
  sandbox: false,
};

describe('ClusterProfileRepo', () => {
  it('round-trips a profile, JSON columns included', () => {
    const store = storeAt(['2024-01-01T00:00:00.000Z']);
    try {
      const saved = store.clusterProfiles.insert(prod);
      expect(saved).toEqual({ ...prod, createdAt: '2024-01-01T00:00:00.000Z', updatedAt: '2024-01-01T00:00:00.000Z' });
      expect(store.clusterProfiles.get('prod')).toEqual(saved);
      expect(store.clusterProfiles.get('absent')).toBeUndefined();
    } finally {
      store.close();
    }
  });

  it('lists by name and keeps sandbox and tls: null', () => {
    const store = storeAt(['t']);
    try {
      store.clusterProfiles.insert({ ...prod, name: 'zeta' });
      store.clusterProfiles.insert({ ...prod, name: 'alpha', tls: null, sandbox: true });
      const list = store.clusterProfiles.list();
      expect(list.map((p) => p.name)).toEqual(['alpha', 'zeta']);
      expect(list[0]).toMatchObject({ tls: null, sandbox: true });
    } finally {
      store.close();
    }
  });

  it('uses timestamps given by the caller', () => {
    const store = storeAt(['clock']);
    try {
      const saved = store.clusterProfiles.insert({ ...prod, createdAt: '2020-01-01T00:00:00.000Z', updatedAt: '2020-01-02T00:00:00.000Z' });
      expect(saved).toMatchObject({ createdAt: '2020-01-01T00:00:00.000Z', updatedAt: '2020-01-02T00:00:00.000Z' });
    } finally {
      store.close();
    }
  });

  it('refuses a duplicate name with CONFLICT', () => {
    const store = storeAt(['t']);
    try {
      store.clusterProfiles.insert(prod);
      expect(() => store.clusterProfiles.insert(prod)).toThrow(expect.objectContaining({ code: 'CONFLICT' }));
    } finally {
      store.close();
    }
  });

  it('update replaces the fields, keeps created_at, and reports NOT_FOUND for an unknown name', () => {
    const store = storeAt(['2024-01-01T00:00:00.000Z', '2024-02-01T00:00:00.000Z']);
    try {
      store.clusterProfiles.insert(prod);
      const next = { ...prod, contactPoints: ['10.0.0.9:9042'], username: 'other', tls: null, sandbox: true, createdAt: 'ignored' };
      const updated = store.clusterProfiles.update(next);
      expect(updated).toEqual({ ...prod, contactPoints: ['10.0.0.9:9042'], username: 'other', tls: null, sandbox: true, createdAt: '2024-01-01T00:00:00.000Z', updatedAt: '2024-02-01T00:00:00.000Z' });
      expect(store.clusterProfiles.get('prod')).toEqual(updated);
      expect(() => store.clusterProfiles.update({ ...prod, name: 'ghost' })).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    } finally {
      store.close();
    }
  });

  it('delete reports whether something was removed', () => {
    const store = storeAt(['t']);
    try {
      store.clusterProfiles.insert(prod);
      expect(store.clusterProfiles.delete('prod')).toBe(true);
      expect(store.clusterProfiles.delete('prod')).toBe(false);
      expect(store.clusterProfiles.list()).toEqual([]);
    } finally {
      store.close();
    }
  });

  it('never writes a password that rides along on the input object', () => {
    const store = storeAt(['t']);
    const password = 'Pa55-word-that-must-not-be-stored-7f3a';
    try {
      store.clusterProfiles.insert({ ...prod, password } as NewClusterProfile);
      store.clusterProfiles.update({ ...prod, password } as NewClusterProfile);
      expect(JSON.stringify(store.clusterProfiles.get('prod'))).not.toContain(password);
      store.db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      store.close();
    }
    expect(readFileSync(store.path).includes(Buffer.from(password))).toBe(false);
  });

  it('reports a damaged JSON column as INTERNAL without echoing its content', () => {
    const store = storeAt(['t']);
    try {
      store.clusterProfiles.insert(prod);
      store.db.prepare(`UPDATE cluster_profiles SET tls = '{"caFile": 42, "secretish": "xyz"}' WHERE name = 'prod'`).run();
      let caught: unknown;
      try {
        store.clusterProfiles.get('prod');
      } catch (e) {
        caught = e;
      }
      expect(caught).toMatchObject({ code: 'INTERNAL', message: expect.stringContaining('cluster_profiles[prod].tls') });
      expect(String((caught as Error).message)).not.toContain('xyz');
    } finally {
      store.close();
    }
  });
});
