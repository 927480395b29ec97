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
  }
}

/**
 * One real node for the whole integration run (`npm test` usually started it already). A node
 * this setup starts, it also stops.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let started = false;
  let st = await node.status();
  if (!st.running) {
    await node.start({});
    started = true;
    st = await node.status();
  }
  project.provide('cassandra', { contactPoint: st.contactPoint, localDc: st.localDataCenter, dataDir: st.dataDir, auditLogPaths: st.auditLogPaths });
  return async () => {
    if (started) await node.stop({});
  };
}
