#!/usr/bin/env node
// CLI over ./lib.mjs: run a real Apache Cassandra 5.0 node from Maven Central jars.
//
//   node scripts/cassandra/node.mjs fetch
//   node scripts/cassandra/node.mjs start [--port 9042] [--data-dir DIR]
//        [--tls-key F --tls-cert F --tls-ca F [--require-client-auth]] [--second-dc] [--timeout SECONDS]
//   node scripts/cassandra/node.mjs stop   [--data-dir DIR]
//   node scripts/cassandra/node.mjs status [--data-dir DIR]
//
// Env: CSM_CASSANDRA_HOME (default <repo>/.cassandra), CSM_CASSANDRA_PORT (default 9042),
//      CSM_CASSANDRA_STORAGE_PORT (default 7000), CSM_CASSANDRA_JMX_PORT (unset = JMX off;
//      node2 uses +1), CSM_CASSANDRA_CDS=0 (no class-data-sharing archive),
//      CSM_CASSANDRA_JVM_OPTS (extra JVM flags, space separated), CSM_CASSANDRA_DEBUG=1.
// stdout carries only JSON (one line for start/stop, one document for status); humans read stderr.
// Exit codes: 0 ok, 1 failure, 2 bad usage.

import { parseArgs, UsageError, fetch, start, stop, status } from './lib.mjs';

const USAGE = `usage: node scripts/cassandra/node.mjs <command> [options]
  fetch                         download Cassandra jars with Maven into $CSM_CASSANDRA_HOME/lib
  start [--port N] [--data-dir DIR] [--tls-key F --tls-cert F --tls-ca F [--require-client-auth]]
        [--second-dc] [--timeout SECONDS]
  stop [--data-dir DIR]
  status [--data-dir DIR]`;

const log = (m) => process.stderr.write(`${m}\n`);

async function main() {
  let parsed;
  try {
    parsed = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (e instanceof UsageError) {
      log(`error: ${e.message}\n${USAGE}`);
      return 2;
    }
    throw e;
  }
  const { command, opts } = parsed;
  try {
    switch (command) {
      case 'fetch': {
        const r = await fetch({ ...opts, log });
        process.stdout.write(`${JSON.stringify(r)}\n`);
        return 0;
      }
      case 'start': {
        log(`starting Cassandra${opts.secondDc ? ' (two DCs)' : ''}...`);
        const r = await start({ ...opts, log });
        log(`Cassandra ${r.alreadyRunning ? 'already running' : 'up'}: ${r.contactPoint} (dc ${r.localDataCenter}${r.tls ? ', TLS' : ''}), pid ${r.pid}, RSS ${r.rssMB} MB` +
          (r.startSeconds != null ? `, start ${r.startSeconds} s` : ''));
        log(`  data dir: ${r.dataDir}`);
        for (const p of r.auditLogPaths) log(`  audit log: ${p}`);
        log('  login: cassandra / cassandra');
        process.stdout.write(`${JSON.stringify(r)}\n`);
        return 0;
      }
      case 'stop': {
        const r = await stop({ ...opts, log });
        process.stdout.write(`${JSON.stringify(r)}\n`);
        return 0;
      }
      case 'status': {
        const r = await status(opts);
        process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
        return 0;
      }
    }
  } catch (e) {
    if (e instanceof UsageError) {
      log(`error: ${e.message}\n${USAGE}`);
      return 2;
    }
    log(`error: ${e.message}`);
    return 1;
  }
  return 1;
}

process.exitCode = await main();
