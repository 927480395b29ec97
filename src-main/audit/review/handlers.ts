import type { Handlers } from '../../ipc/router';
import type { AuditParts } from '../types';
import { ReviewService } from './service';
import { SnapshotStore } from './snapshots';
import { SnapshotVault } from './vault';

type ReviewChannels =
  | 'audit.query' | 'audit.export' | 'audit.report' | 'audit.csv' | 'audit.import' | 'audit.snapshots' | 'audit.verifySnapshot'
  | 'audit.snapshotQuery' | 'audit.snapshotEvent' | 'audit.snapshotReport' | 'audit.snapshotCsv' | 'audit.removeSnapshot'
  | 'audit.filters' | 'audit.saveFilter' | 'audit.deleteFilter';

/** Review service wired to the console: the cache, the streams port, the keychain-derived snapshot key, the tenant's audit key. */
export function reviewService(parts: AuditParts): ReviewService {
  const { deps, streams, index } = parts;
  const vault = new SnapshotVault({ secrets: deps.secrets, connections: deps.connections, sessions: deps.sessions });
  return new ReviewService({
    db: index.db,
    cache: index.cache,
    streams,
    liveSource: (c) => index.liveSource(c),
    snapshots: new SnapshotStore(index.cache, vault),
    signer: (cluster, tenant) => async (data) => {
      const keys = deps.keys.for(cluster);
      const s = await keys.sign(tenant, data);
      const pub = await keys.signingPublicKey(tenant, s.keyVersion);
      return { keyVersion: s.keyVersion, signature: s.signature, publicKeyPem: pub.pem };
    },
    operatorOf: (c) => deps.sessions.scopeOf(c)?.role ?? null,
  });
}

/** Live query over the mirror, snapshots, reports, CSV, saved filters (review/ owner). */
export function reviewHandlers(parts: AuditParts, service: ReviewService = reviewService(parts)): Pick<Handlers, ReviewChannels> {
  const s = service;
  return {
    'audit.query': async (i) => s.query(i.cluster, i.tenant, i.filter),
    'audit.csv': async (i) => s.csv(i.cluster, i.tenant, i.filter, { out: i.out, overwrite: i.overwrite }),
    'audit.report': async (i) => s.report(i.cluster, i.tenant, { since: i.since, until: i.until }, { ...(i.out ? { out: i.out } : {}), overwrite: i.overwrite }),
    'audit.export': async (i) => s.export(i.cluster, i.tenant, { since: i.since, until: i.until }, { out: i.out, overwrite: i.overwrite }),
    'audit.import': async (i) => s.importFile(i.file),
    'audit.snapshots': async () => s.list(),
    'audit.verifySnapshot': async (i) => s.verifySnapshot(i),
    'audit.snapshotQuery': async (i) => s.snapshotQuery(i.snapshotId, i.filter),
    'audit.snapshotEvent': async (i) => s.snapshotEvent(i.snapshotId, i.seq),
    'audit.snapshotReport': async (i) => s.snapshotReport(i.snapshotId, { ...(i.out ? { out: i.out } : {}), overwrite: i.overwrite }),
    'audit.snapshotCsv': async (i) => s.snapshotCsv(i.snapshotId, i.filter, { out: i.out, overwrite: i.overwrite }),
    'audit.removeSnapshot': async (i) => s.removeSnapshot(i.snapshotId),
    'audit.filters': async () => s.filters(),
    'audit.saveFilter': async (i) => s.saveFilter(i.name, i.filter),
    'audit.deleteFilter': async (i) => s.deleteFilter(i.name),
  };
}
