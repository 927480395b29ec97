import { randomBytes } from 'node:crypto';
import { forgetStaleTestKeys } from './stale-keys';
import type { TestProject } from 'vitest/node';
import * as node from '../../scripts/cassandra/lib.mjs';

export interface CassandraTestInfo {
  contactPoint: string;
  localDc: string;
  dataDir: string;
  auditLogPaths: string[];
}

declare module 'vitest' {
  export interface ProvidedContext {
    cassandra: CassandraTestInfo;
    /** One keychain service per run for the consoles that act as one installation (one master key). */
    installationKeychain: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let started = false;
  let st = await node.status();
  if (!st.running) {
    await node.start({});
    started = true;
    st = await node.status();
  }
  await forgetStaleTestKeys(st.contactPoint, st.localDataCenter);
  project.provide('installationKeychain', `csm-test-install-${randomBytes(4).toString('hex')}`);
  project.provide('cassandra', { contactPoint: st.contactPoint, localDc: st.localDataCenter, dataDir: st.dataDir, auditLogPaths: st.auditLogPaths });
  return async () => {
    if (started) await node.stop({});
  };
}
