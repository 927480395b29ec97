import type { CqlClient } from '../../cassandra/connections';
import { fromDriverError } from '../../cassandra/driver-errors';
import { CassandraKekStore } from '../../keys/cassandra-stores';
import { sealEnvelope } from '../../keys/envelope';
import type { KeyService } from '../../keys/hierarchy';
import type { KeyState } from '../../keys/ports';

/**
 * Carrying a tenant's KEK versions to the target installation (issue 11: keys "wrapped to the
 * target"). Used when the tenant keeps its id (migration to another cluster): the data keys, CA
 * key and signing key then come as rows of the console keyspace's data_keys table, wrapped under
 * these KEKs with envelopes bound to that same id, so they open unchanged. Under a new id those
 * envelopes would not open (their associated data names the source id): the new tenant keeps the
 * fresh keys its provisioning made.
 *
 * The wrapping matches KeyService.insertKek (purpose 'kek', master generation 1, context
 * `v<version>/<master fingerprint>`); this belongs in KeyService as an import method — until it
 * is there, the binding is repeated here and checked by a round trip through KeyService.status.
 */
const WRAP_KEK = 'kek';
const MASTER_GENERATION = 1;

export interface CarriedKek {
  version: number;
  key: Buffer;
  state: KeyState;
  createdAt: Date;
}

export async function carryKeks(client: CqlClient, keys: KeyService, tenant: string, keks: readonly CarriedKek[]): Promise<number[]> {
  const store = new CassandraKekStore(client);
  const master = await keys.master.obtain();
  const now = new Date();
  const live = keks.filter((k) => k.state !== 'destroyed');
  try {
    const existing = await store.list(tenant);
    for (const k of live) {
      const wrapped = sealEnvelope(master.key, { tenantId: tenant, purpose: WRAP_KEK, keyVersion: MASTER_GENERATION, context: `v${k.version}/${master.fingerprint}` }, k.key);
      const cur = existing.find((e) => e.version === k.version);
      if (!cur) {
        await store.insert({ tenantId: tenant, version: k.version, wrapped, masterFingerprint: master.fingerprint, state: k.state, createdAt: k.createdAt, retiredAt: k.state === 'retired' ? now : null });
      } else {
        await store.overwrite(tenant, k.version, wrapped);
        if (cur.state !== k.state) await store.setState(tenant, k.version, cur.state, k.state, now);
      }
    }
    // The provisioning's own KEK versions the source never had would wrap nothing: removed.
    for (const e of existing) if (!live.some((k) => k.version === e.version)) await store.delete(tenant, e.version);
  } catch (e) {
    throw fromDriverError(e, `storing the keys of ${tenant}`);
  }
  keys.forget(tenant);
  return live.map((k) => k.version).sort((a, b) => a - b);
}
