// Child process for rotation-kill.test.ts: rotates one tenant on the real stores and reports
// progress as JSON lines, pausing after each re-encryption batch so the parent can SIGKILL it
// mid-way. Not a test file; run as `node --import tsx rotate-child.ts` with KEYS_CHILD set.
import cassandra from 'cassandra-driver';
import { CassandraDataKeyStore, CassandraKekStore } from '../../../src-main/keys/cassandra-stores';
import { KeyService } from '../../../src-main/keys/hierarchy';
import { SqliteCacheStore } from '../../../src-main/keys/sqlite-cache';
import { KeytarSecretStore } from '../../../src-main/secrets/keytar-store';
import { openStore } from '../../../src-main/store';

interface ChildConfig {
  contactPoint: string;
  localDc: string;
  sysKs: string;
  tenant: string;
  service: string;
  dir: string;
  batchSize: number;
  pauseMs: number;
}

const cfg = JSON.parse(process.env['KEYS_CHILD'] ?? '{}') as ChildConfig;
const client = new cassandra.Client({
  contactPoints: [cfg.contactPoint],
  localDataCenter: cfg.localDc,
  credentials: { username: 'cassandra', password: 'cassandra' },
  monitorReporting: { enabled: false },
});
await client.connect();
const store = openStore({ dir: cfg.dir });
const keys = new KeyService({
  secrets: new KeytarSecretStore({ service: cfg.service }),
  keks: new CassandraKekStore(client, { keyspace: cfg.sysKs }),
  dataKeys: new CassandraDataKeyStore(() => client),
  cache: new SqliteCacheStore(store.db),
});
const sleeper = new Int32Array(new SharedArrayBuffer(4));
const report = await keys.rotate(cfg.tenant, {
  batchSize: cfg.batchSize,
  onProgress: (p) => {
    // Pipes are synchronous on Linux: the parent has the line before the pause starts.
    process.stdout.write(JSON.stringify(p) + '\n');
    if (p.phase === 'reencrypt' && p.done > 0) Atomics.wait(sleeper, 0, 0, cfg.pauseMs);
  },
});
process.stdout.write(JSON.stringify({ finished: true, report }) + '\n');
store.close();
await client.shutdown();
