// Runs a real Apache Cassandra 5.0 node (or a two-DC pair) from Maven Central jars.
// Plain Node ESM, built-ins only. The CLI lives in node.mjs; the test harness imports
// start/stop/status/fetch from here.
//
// Layout (CSM_CASSANDRA_HOME, default <repo>/.cassandra, git-ignored):
//   lib/                 cassandra-all + runtime deps (fetched with Maven via pom.xml)
//   node1/               data dir of node 1 (--data-dir overrides)
//     cassandra.yaml logback.xml cassandra-rackdc.properties [keystore.pem truststore.pem]
//     cassandra.pid node.json data/ logs/system.log logs/audit/audit.log logs/stdout.log tmp/
//   node2/               second DC node (--second-dc), sibling of node1
//
// API (all async; `log` receives human-readable progress lines, default: stderr):
//   start({ port?, dataDir?, tlsKey?, tlsCert?, tlsCa?, requireClientAuth?, secondDc?, timeoutMs?, home?, log? })
//     -> { running, contactPoint, localDataCenter, dataDir, auditLogPaths, pid, startSeconds,
//          alreadyRunning, rssMB, tls, nodes: [...] }      (idempotent; throws on failure)
//   stop({ dataDir?, home?, log? })   -> { stopped: [names], nodes: [...] }   (idempotent)
//   status({ dataDir?, home? })       -> { running, contactPoint, dataDir, auditLogPaths, pid, nodes: [...] }
//   fetch({ home?, log? })            -> { fetched, libDir, jar }
//
// Audit lines are the FileAuditLogger ones in logs/audit/audit.log ("... FileAuditLogger.java:NN -
// user:...|host:...|..."); the file also receives the one-off "AuditLogManager ... Audit logging
// is enabled." line because the whole org.apache.cassandra.audit logger is routed there.
//
// Node 2 listens on 127.0.0.2: on Linux the whole 127.0.0.0/8 block is routed to the
// loopback interface, so 127.0.0.2 works with no setup (macOS would need an lo0 alias).
// Both nodes share storage_port 7000 and the native port because they bind different IPs.
//
// Before node2 joins, system_auth is switched to NetworkTopologyStrategy {dc1: 1} so that all
// roles/permissions live on node1: node2 being down (or never started again) can then never
// break logins on node1. (With the stock SimpleStrategy RF 1, node2 would own part of the role
// table and a dead node2 makes node1 answer "Cannot achieve consistency level QUORUM".)

import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(HERE, '..', '..');
export const POM = path.join(HERE, 'pom.xml');

const START_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 30_000;
const SUPERUSER = { username: 'cassandra', password: 'cassandra' };

export class UsageError extends Error {}

// ---------------------------------------------------------------------------------------------
// Options

export function cassandraHome(opts = {}) {
  return path.resolve(opts.home || process.env.CSM_CASSANDRA_HOME || path.join(REPO_ROOT, '.cassandra'));
}

function envInt(name, dflt) {
  const v = process.env[name];
  return v === undefined || v === '' ? dflt : parsePort(v, name);
}

function defaultPort() {
  const env = process.env.CSM_CASSANDRA_PORT;
  if (env !== undefined && env !== '') return parsePort(env, 'CSM_CASSANDRA_PORT');
  return 9042;
}

function parsePort(v, what) {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`${what} must be a port number (1-65535), got '${v}'`);
  return n;
}

function resolveOptions(opts = {}) {
  const home = cassandraHome(opts);
  const dataDir = path.resolve(opts.dataDir || path.join(home, 'node1'));
  const port = opts.port !== undefined && opts.port !== null ? parsePort(opts.port, '--port') : defaultPort();
  const tlsGiven = [opts.tlsKey, opts.tlsCert, opts.tlsCa].filter(Boolean).length;
  if (tlsGiven !== 0 && tlsGiven !== 3) throw new UsageError('--tls-key, --tls-cert and --tls-ca must be given together');
  if (opts.requireClientAuth && tlsGiven === 0) throw new UsageError('--require-client-auth needs --tls-key/--tls-cert/--tls-ca');
  const tls = tlsGiven === 3
    ? {
        key: path.resolve(opts.tlsKey),
        cert: path.resolve(opts.tlsCert),
        ca: path.resolve(opts.tlsCa),
        requireClientAuth: !!opts.requireClientAuth,
      }
    : null;
  if (tls) for (const f of [tls.key, tls.cert, tls.ca]) if (!fs.existsSync(f)) throw new UsageError(`TLS file not found: ${f}`);
  return {
    home,
    libDir: path.join(home, 'lib'),
    dataDir,
    port,
    tls,
    secondDc: !!opts.secondDc,
    storagePort: envInt('CSM_CASSANDRA_STORAGE_PORT', 7000),
    jmxPort: envInt('CSM_CASSANDRA_JMX_PORT', null), // node1 = port, node2 = port + 1; unset = JMX off
    cds: process.env.CSM_CASSANDRA_CDS !== '0',
    timeoutMs: opts.timeoutMs ?? START_TIMEOUT_MS,
    log: opts.log || ((msg) => process.stderr.write(`${msg}\n`)),
  };
}

/** node2 lives next to node1: .cassandra/node1 -> .cassandra/node2, /x/data -> /x/data-node2. */
export function secondNodeDir(dataDir) {
  const base = path.basename(dataDir);
  const name = /node1$/.test(base) ? base.replace(/node1$/, 'node2') : `${base}-node2`;
  return path.join(path.dirname(dataDir), name);
}

function nodeDefs(o) {
  const mk = (name, address, dc, dir) => ({
    name, address, dc, rack: 'rack1', dir,
    pidFile: path.join(dir, 'cassandra.pid'),
    stateFile: path.join(dir, 'node.json'),
    logDir: path.join(dir, 'logs'),
    systemLog: path.join(dir, 'logs', 'system.log'),
    auditLog: path.join(dir, 'logs', 'audit', 'audit.log'),
    stdoutLog: path.join(dir, 'logs', 'stdout.log'),
    yaml: path.join(dir, 'cassandra.yaml'),
  });
  return [
    mk('node1', '127.0.0.1', 'dc1', o.dataDir),
    mk('node2', '127.0.0.2', 'dc2', secondNodeDir(o.dataDir)),
  ];
}

// ---------------------------------------------------------------------------------------------
// Jars

function findJar(libDir, re) {
  if (!fs.existsSync(libDir)) return null;
  const f = fs.readdirSync(libDir).find((n) => re.test(n));
  return f ? path.join(libDir, f) : null;
}

export async function fetch(opts = {}) {
  const o = resolveOptions(opts);
  const existing = findJar(o.libDir, /^cassandra-all-.*\.jar$/);
  if (existing) {
    o.log(`cassandra jars present: ${o.libDir} (${path.basename(existing)}, ${fs.readdirSync(o.libDir).length} jars)`);
    return { fetched: false, libDir: o.libDir, jar: existing };
  }
  // Copy into a scratch dir and rename at the end, so an interrupted download is never mistaken
  // for a complete lib/.
  const tmpLib = `${o.libDir}.partial-${process.pid}`;
  fs.rmSync(tmpLib, { recursive: true, force: true });
  fs.mkdirSync(tmpLib, { recursive: true });
  const args = ['-q', '-B', '-f', POM, 'dependency:copy-dependencies', `-DoutputDirectory=${tmpLib}`, '-DincludeScope=runtime'];
  o.log(`fetching Cassandra with Maven: mvn ${args.join(' ')}`);
  const t0 = Date.now();
  const r = spawnSync('mvn', args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (r.error) throw new Error(`cannot run mvn: ${r.error.message} (install Maven 3.8+)`);
  if (r.status !== 0 || !findJar(tmpLib, /^cassandra-all-.*\.jar$/)) {
    fs.rmSync(tmpLib, { recursive: true, force: true });
    throw new Error(`mvn failed (exit ${r.status}):\n${(r.stdout || '').slice(-4000)}${(r.stderr || '').slice(-4000)}`);
  }
  fs.rmSync(o.libDir, { recursive: true, force: true });
  fs.renameSync(tmpLib, o.libDir);
  const jar = findJar(o.libDir, /^cassandra-all-.*\.jar$/);
  o.log(`fetched ${fs.readdirSync(o.libDir).length} jars into ${o.libDir} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { fetched: true, libDir: o.libDir, jar };
}

// ---------------------------------------------------------------------------------------------
// Process helpers

function readPid(node) {
  try {
    const pid = Number(fs.readFileSync(node.pidFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** True when pid is alive AND is the CassandraDaemon started for this node dir (guards pid reuse). */
function isOurProcess(pid, node) {
  if (!pid) return false;
  try {
    const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (cmd) return cmd.includes('org.apache.cassandra.service.CassandraDaemon') && cmd.includes(node.yaml);
  } catch {
    // no /proc (non-Linux) or process gone
  }
  try {
    process.kill(pid, 0);
    return process.platform !== 'linux'; // on Linux /proc is authoritative
  } catch {
    return false;
  }
}

function isZombie(pid) {
  try {
    return /^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

function runningPid(node) {
  const pid = readPid(node);
  return pid && isOurProcess(pid, node) && !isZombie(pid) ? pid : null;
}

export function rssMB(pid) {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function tail(file, n = 40) {
  try {
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    return lines.slice(-n - 1).join('\n');
  } catch {
    return `(no ${file})`;
  }
}

function portOpen(host, port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (ok) => { s.destroy(); resolve(ok); };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

// ---------------------------------------------------------------------------------------------
// Driver (optional: the project's node_modules/cassandra-driver)

let driverCache;
function loadDriver() {
  if (driverCache !== undefined) return driverCache;
  try {
    driverCache = createRequire(path.join(REPO_ROOT, 'package.json'))('cassandra-driver');
  } catch {
    driverCache = null;
  }
  return driverCache;
}

function tlsClientOptions(state) {
  if (!state.tls) return undefined;
  // Probe client: trust the CA, present the node's own cert as client cert (works when the
  // cert has no EKU or includes clientAuth), skip host-name checks (the cert may name localhost).
  return {
    ca: [fs.readFileSync(state.tls.ca)],
    cert: fs.readFileSync(state.tls.cert),
    key: fs.readFileSync(state.tls.key),
    checkServerIdentity: () => undefined,
  };
}

/** One real CQL login as cassandra/cassandra. Resolves with system.local row, throws on failure. */
async function cqlLogin(node, state, query = 'SELECT release_version, data_center, rpc_address FROM system.local') {
  const cassandra = loadDriver();
  if (!cassandra) throw new Error('cassandra-driver not installed');
  const client = new cassandra.Client({
    contactPoints: [`${node.address}:${state.port}`],
    localDataCenter: node.dc,
    credentials: SUPERUSER,
    sslOptions: tlsClientOptions(state),
    socketOptions: { connectTimeout: 5000, readTimeout: 10000 },
    // Skip protocol negotiation: cassandra-driver 4.10 speaks v4 at most, and its v5->v4 downgrade
    // over TLS against Cassandra 5.0 crashes the driver ("The server replied with a wrong
    // streamId", then an uncaught TypeError in StreamIdStack.push).
    protocolOptions: { maxVersion: 4 },
    pooling: { warmup: false },
  });
  try {
    await client.connect();
    const rs = await client.execute(query);
    return rs.rows;
  } finally {
    await client.shutdown().catch(() => {});
  }
}

function readLog(node) {
  try {
    return fs.readFileSync(node.systemLog, 'utf8');
  } catch {
    return '';
  }
}

// ---------------------------------------------------------------------------------------------
// Config generation

function yamlStr(s) {
  return JSON.stringify(String(s)); // JSON strings are valid YAML double-quoted scalars
}

function writeConfig(node, o, seeds) {
  const d = path.join(node.dir, 'data');
  for (const sub of ['', 'data', 'commitlog', 'hints', 'saved_caches', 'cdc_raw']) fs.mkdirSync(path.join(d, sub), { recursive: true });
  fs.mkdirSync(path.join(node.logDir, 'audit'), { recursive: true });
  fs.mkdirSync(path.join(node.dir, 'tmp'), { recursive: true, mode: 0o755 });
  fs.mkdirSync(path.join(node.dir, 'triggers'), { recursive: true });

  let tlsBlock = '';
  if (o.tls) {
    const keyPem = fs.readFileSync(o.tls.key, 'utf8');
    // PEMBasedSslContextFactory wants an unencrypted PKCS#8 key ("BEGIN PRIVATE KEY").
    const pkcs8 = /-----BEGIN PRIVATE KEY-----/.test(keyPem)
      ? keyPem.match(/-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/)[0]
      : crypto.createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'pem' }).trim();
    const certs = fs.readFileSync(o.tls.cert, 'utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
    if (!certs) throw new UsageError(`no PEM certificate in ${o.tls.cert}`);
    const keystore = path.join(node.dir, 'keystore.pem');
    const truststore = path.join(node.dir, 'truststore.pem');
    fs.writeFileSync(keystore, `${pkcs8}\n${certs.join('\n')}\n`, { mode: 0o600 });
    fs.copyFileSync(o.tls.ca, truststore);
    tlsBlock = `
client_encryption_options:
  enabled: true
  optional: false
  ssl_context_factory:
    class_name: org.apache.cassandra.security.PEMBasedSslContextFactory
  keystore: ${yamlStr(keystore)}
  truststore: ${yamlStr(truststore)}
  require_client_auth: ${o.tls.requireClientAuth}
`;
  }

  const yaml = `# Generated by scripts/cassandra/lib.mjs - edits are overwritten on every start.
cluster_name: "CSM Test Cluster"
num_tokens: 16
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
endpoint_snitch: GossipingPropertyFileSnitch
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "${seeds}"
listen_address: ${node.address}
rpc_address: ${node.address}
storage_port: ${o.storagePort}
native_transport_port: ${o.port}
start_native_transport: true
auto_bootstrap: true

data_file_directories:
  - ${yamlStr(path.join(d, 'data'))}
commitlog_directory: ${yamlStr(path.join(d, 'commitlog'))}
hints_directory: ${yamlStr(path.join(d, 'hints'))}
saved_caches_directory: ${yamlStr(path.join(d, 'saved_caches'))}
cdc_raw_directory: ${yamlStr(path.join(d, 'cdc_raw'))}
commitlog_sync: periodic
commitlog_sync_period: 10000ms
commitlog_segment_size: 8MiB
auto_snapshot: false
snapshot_before_compaction: false
hinted_handoff_enabled: true
disk_optimization_strategy: ssd

authenticator:
  class_name: org.apache.cassandra.auth.PasswordAuthenticator
authorizer:
  class_name: org.apache.cassandra.auth.CassandraAuthorizer
role_manager:
  class_name: org.apache.cassandra.auth.CassandraRoleManager
network_authorizer:
  class_name: org.apache.cassandra.auth.CassandraNetworkAuthorizer
roles_validity: 0ms
permissions_validity: 0ms
credentials_validity: 0ms

audit_logging_options:
  enabled: true
  logger:
    - class_name: FileAuditLogger
${tlsBlock}`;
  fs.writeFileSync(node.yaml, yaml);

  fs.writeFileSync(path.join(node.dir, 'cassandra-rackdc.properties'), `dc=${node.dc}\nrack=${node.rack}\nprefer_local=true\n`);

  const x = (p) => p.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const pattern = '%-5level [%thread] %date{ISO8601} %F:%L - %msg%n';
  // The audit appender escapes the message: `\` → `\\`, LF → `\n`, CR → `\r`, and marks that with
  // ` -- ` instead of ` - `. FileAuditLogger logs statement text verbatim, so without this a
  // statement holding a newline plus a fake "INFO [...] FileAuditLogger.java:NN - user:…" line
  // would forge a record of another user; escaped, every record is exactly one line. The ingester
  // (src-main/audit/ingest/parse.ts) reads ` -- ` records as escaped and un-escapes them.
  const auditPattern = String.raw`%-5level [%thread] %date{ISO8601} %F:%L -- %replace(%replace(%replace(%msg){'\\', '\\\\'}){'\n', '\\n'}){'\r', '\\r'}%n`;
  const logback = `<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by scripts/cassandra/lib.mjs -->
<configuration scan="false" debug="false">
  <appender name="SYSTEMLOG" class="ch.qos.logback.core.rolling.RollingFileAppender">
    <filter class="ch.qos.logback.classic.filter.ThresholdFilter"><level>INFO</level></filter>
    <file>${x(node.systemLog)}</file>
    <rollingPolicy class="ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy">
      <fileNamePattern>${x(node.logDir)}/system.log.%d{yyyy-MM-dd}.%i.zip</fileNamePattern>
      <maxFileSize>50MB</maxFileSize>
      <maxHistory>7</maxHistory>
      <totalSizeCap>500MB</totalSizeCap>
    </rollingPolicy>
    <encoder><pattern>${pattern}</pattern></encoder>
  </appender>
  <appender name="AUDIT" class="ch.qos.logback.core.rolling.RollingFileAppender">
    <file>${x(node.auditLog)}</file>
    <rollingPolicy class="ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy">
      <fileNamePattern>${x(node.logDir)}/audit/audit.log.%d{yyyy-MM-dd}.%i.zip</fileNamePattern>
      <maxFileSize>50MB</maxFileSize>
      <maxHistory>7</maxHistory>
      <totalSizeCap>500MB</totalSizeCap>
    </rollingPolicy>
    <immediateFlush>true</immediateFlush>
    <encoder><pattern>${x(auditPattern)}</pattern></encoder>
  </appender>
  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
    <filter class="ch.qos.logback.classic.filter.ThresholdFilter"><level>WARN</level></filter>
    <encoder><pattern>${pattern}</pattern></encoder>
  </appender>
  <logger name="org.apache.cassandra.audit" additivity="false" level="INFO">
    <appender-ref ref="AUDIT"/>
  </logger>
  <root level="INFO">
    <appender-ref ref="SYSTEMLOG"/>
    <appender-ref ref="STDOUT"/>
  </root>
</configuration>
`;
  fs.writeFileSync(path.join(node.dir, 'logback.xml'), logback);
}

function cdsArgs(node, o) {
  // On by default (CSM_CASSANDRA_CDS=0 turns it off): a dynamic AppCDS archive of Cassandra's
  // classes in <home>/cds. The first start of node1 records it (the JVM writes it when it exits,
  // so the first stop takes ~2-3 s longer; stop() then renames it into place); later starts map
  // it: measured ~1-1.5 s faster start on 2 cores. A stale or mismatched archive is ignored by
  // the JVM (-Xshare:auto); the file name carries the Cassandra and Java versions.
  if (!o.cds) return [];
  const jar = findJar(o.libDir, /^cassandra-all-.*\.jar$/);
  const javaVer = (spawnSync('java', ['-version'], { encoding: 'utf8' }).stderr || '').match(/version "([^"]+)"/)?.[1] || 'unknown';
  const dir = path.join(o.home, 'cds');
  fs.mkdirSync(dir, { recursive: true });
  const archive = path.join(dir, `${path.basename(jar, '.jar')}-java${javaVer}.jsa`);
  const common = ['-XX:+UnlockDiagnosticVMOptions', '-XX:+AllowArchivingWithJavaAgent', '-Xlog:cds=off', '-Xlog:cds+dynamic=off'];
  if (fs.existsSync(archive)) return [...common, `-XX:SharedArchiveFile=${archive}`];
  if (node.name !== 'node1') return [];
  // Leftovers of JVMs that were not stopped through stop(): drop them after an hour.
  for (const f of fs.readdirSync(dir)) {
    const full = path.join(dir, f);
    if (f.startsWith(`${path.basename(archive)}.dump-`) && Date.now() - fs.statSync(full).mtimeMs > 3600_000) fs.rmSync(full, { force: true });
  }
  node.cdsDump = `${archive}.dump-${process.pid}-${Date.now()}`;
  return [...common, `-XX:ArchiveClassesAtExit=${node.cdsDump}`];
}

function jvmArgs(node, o) {
  const tmp = path.join(node.dir, 'tmp');
  const seed = node.name === 'node1';
  const jamm = findJar(o.libDir, /^jamm-.*\.jar$/);
  const url = (p) => `file://${p}`;
  return [
    // conf/jvm-server.options + conf/jvm17-server.options
    '-ea', '-da:net.openhft...',
    '-XX:+UseThreadPriorities', '-XX:+HeapDumpOnOutOfMemoryError', `-XX:HeapDumpPath=${node.dir}`,
    '-Xss256k', '-XX:+UseTLAB', '-XX:+ResizeTLAB', '-XX:+PerfDisableSharedMem',
    '-Djava.net.preferIPv4Stack=true',
    '-Xms1g', '-Xmx1g',
    '-XX:+UseG1GC', '-XX:+ParallelRefProcEnabled', '-XX:MaxTenuringThreshold=1', '-XX:G1HeapRegionSize=16m',
    '-XX:G1RSetUpdatingPauseTimePercent=5', '-XX:MaxGCPauseMillis=300', '-XX:InitiatingHeapOccupancyPercent=70',
    '-Djdk.attach.allowAttachSelf=true',
    '--add-exports', 'java.base/jdk.internal.misc=ALL-UNNAMED',
    '--add-exports', 'java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED',
    '--add-exports', 'java.management/com.sun.jmx.remote.security=ALL-UNNAMED',
    '--add-exports', 'java.rmi/sun.rmi.registry=ALL-UNNAMED',
    '--add-exports', 'java.rmi/sun.rmi.server=ALL-UNNAMED',
    '--add-exports', 'java.sql/java.sql=ALL-UNNAMED',
    '--add-exports', 'java.base/java.lang.ref=ALL-UNNAMED',
    '--add-exports', 'jdk.unsupported/sun.misc=ALL-UNNAMED',
    '--add-exports', 'jdk.attach/sun.tools.attach=ALL-UNNAMED',
    '--add-exports', 'jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED',
    '--add-opens', 'jdk.compiler/com.sun.tools.javac=ALL-UNNAMED',
    '--add-opens', 'java.base/java.lang.module=ALL-UNNAMED',
    '--add-opens', 'java.base/jdk.internal.loader=ALL-UNNAMED',
    '--add-opens', 'java.base/jdk.internal.ref=ALL-UNNAMED',
    '--add-opens', 'java.base/jdk.internal.reflect=ALL-UNNAMED',
    '--add-opens', 'java.base/jdk.internal.math=ALL-UNNAMED',
    '--add-opens', 'java.base/jdk.internal.module=ALL-UNNAMED',
    '--add-opens', 'java.base/jdk.internal.util.jar=ALL-UNNAMED',
    '--add-opens', 'jdk.management/com.sun.management.internal=ALL-UNNAMED',
    '--add-opens', 'java.base/sun.nio.ch=ALL-UNNAMED',
    '--add-opens', 'java.base/java.io=ALL-UNNAMED',
    '--add-opens', 'java.base/java.lang.reflect=ALL-UNNAMED',
    '--add-opens', 'java.base/java.lang=ALL-UNNAMED',
    '--add-opens', 'java.base/java.util=ALL-UNNAMED',
    '--add-opens', 'java.base/java.nio=ALL-UNNAMED',
    '-Dio.netty.tryReflectionSetAccessible=true', '-Dio.netty.allocator.useCacheForAllThreads=true',
    '-Dio.netty.allocator.maxOrder=11',
    ...(jamm ? [`-javaagent:${jamm}`] : []),
    // where things live
    `-Dcassandra.config=${url(node.yaml)}`,
    `-Dcassandra-rackdc.properties=${url(path.join(node.dir, 'cassandra-rackdc.properties'))}`,
    `-Dcassandra.storagedir=${path.join(node.dir, 'data')}`,
    `-Dcassandra.logdir=${node.logDir}`,
    `-Dlogback.configurationFile=${url(path.join(node.dir, 'logback.xml'))}`,
    '-Dcassandra-foreground=yes',
    `-Djava.io.tmpdir=${tmp}`, `-Djna.tmpdir=${tmp}`,
    `-Dcassandra.triggers_dir=${path.join(node.dir, 'triggers')}`,
    // fast test start (JMX stays off: no cassandra.jmx.*.port)
    '-Dcassandra.superuser_setup_delay_ms=0',
    '-Dcassandra.skip_wait_for_gossip_to_settle=0',
    '-Dcassandra.ring_delay_ms=1000',
    '-Dcassandra.auth_bcrypt_gensalt_log2_rounds=4',
    // No -Dcassandra.unsafesystem: with it, a node killed with SIGKILL restarts with schema
    // rows for a keyspace it then says "does not exist" (seen here); tests kill nodes on purpose.
    '-Dchronicle.analytics.disable=true',
    '-Dchronicle.announcer.disable=true',
    // A joining node must wait for the schema from the seed before it bootstraps; with the
    // short ring delay above it would otherwise bootstrap with no schema, stream nothing and
    // own token ranges without their data.
    ...(seed ? [] : ['-Dcassandra.schema_delay_ms=30000']),
    ...(o.jmxPort ? [`-Dcassandra.jmx.local.port=${o.jmxPort + (seed ? 0 : 1)}`] : []),
    ...cdsArgs(node, o),
    ...(process.env.CSM_CASSANDRA_JVM_OPTS ? process.env.CSM_CASSANDRA_JVM_OPTS.split(/\s+/).filter(Boolean) : []),
    '-cp', path.join(o.libDir, '*'),
    'org.apache.cassandra.service.CassandraDaemon',
  ];
}

// ---------------------------------------------------------------------------------------------
// Start

function nodeInfo(node, state, pid) {
  return {
    name: node.name,
    address: node.address,
    dc: node.dc,
    contactPoint: `${node.address}:${state.port}`,
    dataDir: node.dir,
    auditLogPath: node.auditLog,
    systemLogPath: node.systemLog,
    pid: pid ?? null,
    running: !!pid,
  };
}

/** Waits until a real CQL login works (or, without the driver, for the log lines). */
async function waitReady(node, state, child, t0, deadline, log) {
  let exited = null;
  child?.once('exit', (code, signal) => { exited = { code, signal }; });
  const pid = child ? child.pid : readPid(node);
  const useDriver = !!loadDriver();
  const logOnlyUntil = () => {
    const s = readLog(node);
    return s.includes('Starting listening for CQL clients');
  };
  let delay = 250;
  let lastErr = null;
  let lastNote = 0;
  while (Date.now() < deadline) {
    if (exited || !isOurProcess(pid, node) || isZombie(pid)) {
      if (!exited && child) await sleep(200); // let the 'exit' event deliver the exit code
      const how = exited ? `exit code ${exited.code}${exited.signal ? `, signal ${exited.signal}` : ''}` : 'process gone';
      throw new Error(
        `Cassandra ${node.name} (pid ${pid}) died during start-up (${how}).\n--- last 40 lines of ${node.systemLog} ---\n${tail(node.systemLog)}\n--- ${node.stdoutLog} ---\n${tail(node.stdoutLog, 20)}`,
      );
    }
    if (Date.now() - lastNote > 15000) {
      lastNote = Date.now();
      if (Date.now() - t0 > 5000) log(`  ${node.name}: waiting for CQL login... ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    }
    if (!(await portOpen(node.address, state.port))) {
      await sleep(500);
      continue;
    }
    if (useDriver) {
      try {
        const rows = await cqlLogin(node, state);
        return rows[0];
      } catch (e) {
        lastErr = e;
        if (process.env.CSM_CASSANDRA_DEBUG) log(`  ${node.name}: +${((Date.now() - t0) / 1000).toFixed(1)} s login failed: ${describeErr(e)}`);
        // With require_client_auth and a server cert that is not valid as a client cert, the
        // probe cannot log in: fall back to the log lines.
        if (state.tls?.requireClientAuth && /certificate|handshake|alert|ssl|tls|socket hang up|ECONNRESET/i.test(describeErr(e))) {
          const s = readLog(node);
          if (s.includes('Starting listening for CQL clients') && s.includes('Created default superuser role')) {
            log(`  ${node.name}: the probe cannot log in with the node cert as client cert (${describeErr(e).split('\n')[0].slice(0, 160)}); ready per log lines`);
            return null;
          }
        }
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 2000);
    } else {
      const s = readLog(node);
      if (logOnlyUntil() && (s.includes('Created default superuser role') || s.includes('Startup complete'))) return null;
      await sleep(500);
    }
  }
  throw new Error(
    `Cassandra ${node.name} not ready after ${((Date.now() - t0) / 1000).toFixed(0)} s` +
      (lastErr ? ` (last login error: ${describeErr(lastErr)})` : '') +
      `\n--- last 40 lines of ${node.systemLog} ---\n${tail(node.systemLog)}`,
  );
}

function describeErr(e) {
  if (!e) return '';
  let s = `${e.name || 'Error'}: ${e.message}`;
  if (e.innerErrors) {
    for (const [host, inner] of Object.entries(e.innerErrors)) s += ` [${host}: ${inner && inner.message}]`;
  }
  return s;
}

function loadState(node) {
  try {
    return JSON.parse(fs.readFileSync(node.stateFile, 'utf8'));
  } catch {
    return null;
  }
}

async function startNode(node, o, seeds, log) {
  const state = { port: o.port, tls: o.tls };
  const running = runningPid(node);
  if (running) {
    // Already up (or still starting): make sure it answers, then report.
    const prev = loadState(node) || {};
    const prevState = { port: prev.port ?? o.port, tls: prev.tls ?? null };
    if (prevState.port !== o.port || JSON.stringify(prevState.tls) !== JSON.stringify(o.tls)) {
      log(`  ${node.name}: already running (pid ${running}) with port ${prevState.port}${prevState.tls ? ' + TLS' : ''}; requested settings ignored (stop it first to change them)`);
    }
    const t0 = Date.now();
    await waitReady(node, prevState, null, t0, Date.now() + o.timeoutMs, log);
    log(`  ${node.name}: already running, pid ${running}, CQL login ok`);
    return { ...nodeInfo(node, prevState, running), alreadyRunning: true, startSeconds: prev.startSeconds ?? null, state: prevState };
  }
  try { fs.rmSync(node.pidFile, { force: true }); } catch {}

  // Something else on our ports? (another node from another data dir would otherwise be joined)
  for (const p of [o.port, o.storagePort]) {
    if (await portOpen(node.address, p, 500)) {
      throw new Error(`${node.address}:${p} is already in use by another process (not a node started by this script from ${node.dir}); stop it or use --port / CSM_CASSANDRA_STORAGE_PORT`);
    }
  }

  fs.mkdirSync(node.dir, { recursive: true });
  writeConfig(node, o, seeds);
  const fresh = !fs.existsSync(path.join(node.dir, 'data', 'data', 'system'));
  const out = fs.openSync(node.stdoutLog, 'a');
  fs.writeSync(out, `\n===== ${new Date().toISOString()} starting ${node.name} =====\n`);
  const t0 = Date.now();
  const child = spawn('java', jvmArgs(node, o), {
    cwd: node.dir,
    detached: true,
    stdio: ['ignore', out, out],
    env: { ...process.env, CASSANDRA_HOME: node.dir, CASSANDRA_CONF: node.dir },
  });
  fs.closeSync(out);
  const spawnErr = await new Promise((resolve) => {
    child.once('error', resolve);
    child.once('spawn', () => resolve(null));
  });
  if (spawnErr) throw new Error(`cannot start java: ${spawnErr.message} (Java 17 must be on PATH)`);
  child.unref();
  fs.writeFileSync(node.pidFile, `${child.pid}\n`);
  let readyRow = null;
  log(`  ${node.name}: java pid ${child.pid} on ${node.address}:${o.port} (${node.dc}), ${fresh ? 'fresh data dir' : 'existing data'} ${node.dir}`);
  try {
    readyRow = await waitReady(node, state, child, t0, t0 + o.timeoutMs, log);
  } catch (e) {
    // Do not leave a half-started JVM behind.
    if (isOurProcess(child.pid, node)) {
      try { process.kill(child.pid, 'SIGKILL'); } catch {}
    }
    try { fs.rmSync(node.pidFile, { force: true }); } catch {}
    throw e;
  }
  const startSeconds = Math.round((Date.now() - t0) / 100) / 10;
  fs.writeFileSync(node.stateFile, JSON.stringify({ port: o.port, tls: o.tls, storagePort: o.storagePort, address: node.address, dc: node.dc, pid: child.pid, startedAt: new Date(t0).toISOString(), startSeconds, fresh, cdsDump: node.cdsDump }, null, 2));
  log(`  ${node.name}: ${readyRow ? 'CQL login as cassandra ok' : 'ready'} after ${startSeconds} s`);
  return { ...nodeInfo(node, state, child.pid), alreadyRunning: false, startSeconds, state };
}

async function pinSystemAuthToDc1(node1, state, log) {
  const rows = await cqlLogin(node1, state, "SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = 'system_auth'");
  const repl = rows[0]?.replication || {};
  const keys = Object.keys(repl).filter((k) => k !== 'class');
  if (/NetworkTopologyStrategy$/.test(repl.class || '') && keys.length === 1 && keys[0] === 'dc1') return;
  await cqlLogin(node1, state, "ALTER KEYSPACE system_auth WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 1}");
  log(`  node1: system_auth replication ${JSON.stringify(repl)} -> {NetworkTopologyStrategy, dc1: 1}`);
}

async function waitForPeer(node1, state, peerAddress, peerDc, deadline, log) {
  let last;
  while (Date.now() < deadline) {
    try {
      const rows = await cqlLogin(node1, state, 'SELECT peer, data_center FROM system.peers');
      const row = rows.find((r) => String(r.peer) === peerAddress);
      if (row && row.data_center === peerDc) return row;
      last = `peers: ${JSON.stringify(rows.map((r) => [String(r.peer), r.data_center]))}`;
    } catch (e) {
      last = describeErr(e);
    }
    await sleep(1000);
  }
  throw new Error(`${peerAddress} (${peerDc}) never appeared in system.peers of node1 (${last})`);
}

export async function start(opts = {}) {
  const o = resolveOptions(opts);
  const log = o.log;
  await fetch({ ...opts, log: (m) => log(m) });
  const [n1, n2] = nodeDefs(o);
  const seeds = `${n1.address}:${o.storagePort}`;
  const nodes = [await startNode(n1, o, seeds, log)];
  const state = nodes[0].state;
  if (o.secondDc) {
    if (loadDriver()) await pinSystemAuthToDc1(n1, state, log);
    else log('  cassandra-driver missing: system_auth keeps SimpleStrategy (node1 logins need node2 up)');
    const info2 = await startNode(n2, { ...o, port: state.port, tls: state.tls }, seeds, log);
    if (!loadDriver()) {
      log('  node2: cassandra-driver missing, skipping the system.peers check');
    } else {
      const peer = await waitForPeer(n1, state, n2.address, n2.dc, Date.now() + 60_000, log);
      log(`  node2: visible in node1 system.peers as ${peer.peer} data_center=${peer.data_center}`);
    }
    nodes.push(info2);
  }
  const first = nodes[0];
  const result = {
    running: true,
    contactPoint: first.contactPoint,
    localDataCenter: first.dc,
    dataDir: first.dataDir,
    auditLogPaths: nodes.map((n) => n.auditLogPath),
    pid: first.pid,
    startSeconds: first.startSeconds,
    alreadyRunning: first.alreadyRunning,
    rssMB: rssMB(first.pid),
    tls: !!state.tls,
    nodes: nodes.map(({ state: _s, ...n }) => ({ ...n, rssMB: rssMB(n.pid) })),
  };
  return result;
}

// ---------------------------------------------------------------------------------------------
// Stop / status

function promoteCdsDump(node, killed) {
  const dump = loadState(node)?.cdsDump;
  if (!dump || !fs.existsSync(dump)) return;
  const final = dump.replace(/\.dump-[^/]*$/, '');
  if (!killed && fs.statSync(dump).size > 1 << 20 && !fs.existsSync(final)) fs.renameSync(dump, final);
  else fs.rmSync(dump, { force: true });
}

async function stopNode(node, log) {
  const pid = readPid(node);
  if (!pid || !isOurProcess(pid, node)) {
    if (fs.existsSync(node.pidFile)) {
      fs.rmSync(node.pidFile, { force: true });
      log(`  ${node.name}: not running (removed stale pid file)`);
    }
    return { name: node.name, stopped: false, wasRunning: false };
  }
  const t0 = Date.now();
  try { process.kill(pid, 'SIGTERM'); } catch {}
  let killed = false;
  // Verified above that pid is our JVM: from here on wait for the pid itself to vanish (while
  // exiting, /proc/PID/cmdline is already empty but the JVM still holds its ports and files).
  const alive = () => {
    try { process.kill(pid, 0); } catch { return false; }
    return !isZombie(pid);
  };
  while (alive()) {
    if (Date.now() - t0 > STOP_TIMEOUT_MS) {
      log(`  ${node.name}: still alive after ${STOP_TIMEOUT_MS / 1000} s, sending SIGKILL`);
      try { process.kill(pid, 'SIGKILL'); } catch {}
      killed = true;
      const t1 = Date.now();
      while (alive() && Date.now() - t1 < 10_000) await sleep(100);
      break;
    }
    await sleep(200);
  }
  fs.rmSync(node.pidFile, { force: true });
  promoteCdsDump(node, killed);
  const secs = Math.round((Date.now() - t0) / 100) / 10;
  log(`  ${node.name}: stopped pid ${pid} in ${secs} s${killed ? ' (SIGKILL)' : ''}`);
  return { name: node.name, stopped: true, wasRunning: true, pid, seconds: secs, killed };
}

export async function stop(opts = {}) {
  const o = resolveOptions(opts);
  const [n1, n2] = nodeDefs(o);
  // node2 first (it is the joiner), then node1; each gets its own 30 s budget.
  const results = [await stopNode(n2, o.log), await stopNode(n1, o.log)];
  if (!results.some((r) => r.wasRunning)) o.log('  no Cassandra node running');
  return { stopped: results.filter((r) => r.stopped).map((r) => r.name), nodes: results };
}

export async function status(opts = {}) {
  const o = resolveOptions({ ...opts, log: () => {} });
  const [n1, n2] = nodeDefs(o);
  const nodes = [];
  for (const node of [n1, n2]) {
    const pid = runningPid(node);
    const st = loadState(node);
    if (node === n2 && !pid && !st) continue; // never started
    const port = (pid && st?.port) || st?.port || o.port;
    nodes.push({ name: node.name, address: node.address, dc: node.dc, running: !!pid, pid: pid || null, contactPoint: `${node.address}:${port}`, dataDir: node.dir, auditLogPath: node.auditLog, rssMB: pid ? rssMB(pid) : null });
  }
  const first = nodes[0];
  const st1 = loadState(n1);
  return {
    running: first.running,
    contactPoint: first.contactPoint,
    localDataCenter: first.dc,
    dataDir: first.dataDir,
    auditLogPaths: nodes.map((n) => n.auditLogPath),
    pid: first.pid,
    tls: !!st1?.tls,
    nodes,
  };
}

// ---------------------------------------------------------------------------------------------
// CLI argument parsing (shared with node.mjs)

export function parseArgs(argv) {
  const [command, ...rest] = argv;
  const commands = ['start', 'stop', 'status', 'fetch'];
  if (!command || !commands.includes(command)) {
    throw new UsageError(command ? `unknown command '${command}'` : 'missing command');
  }
  const allowed = {
    start: ['--port', '--data-dir', '--tls-key', '--tls-cert', '--tls-ca', '--require-client-auth', '--second-dc', '--timeout'],
    stop: ['--data-dir'],
    status: ['--data-dir'],
    fetch: [],
  }[command];
  const valued = new Set(['--port', '--data-dir', '--tls-key', '--tls-cert', '--tls-ca', '--timeout']);
  const opts = {};
  for (let i = 0; i < rest.length; i++) {
    let arg = rest[i];
    let value;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    if (!allowed.includes(arg)) throw new UsageError(`unknown option '${arg}' for '${command}'`);
    if (valued.has(arg)) {
      if (value === undefined) {
        value = rest[++i];
        if (value === undefined || value.startsWith('--')) throw new UsageError(`option ${arg} needs a value`);
      }
      if (value === '') throw new UsageError(`option ${arg} needs a value`);
    } else if (value !== undefined) {
      throw new UsageError(`option ${arg} takes no value`);
    }
    switch (arg) {
      case '--port': opts.port = parsePort(value, '--port'); break;
      case '--data-dir': opts.dataDir = value; break;
      case '--tls-key': opts.tlsKey = value; break;
      case '--tls-cert': opts.tlsCert = value; break;
      case '--tls-ca': opts.tlsCa = value; break;
      case '--require-client-auth': opts.requireClientAuth = true; break;
      case '--second-dc': opts.secondDc = true; break;
      case '--timeout': {
        const s = Number(value);
        if (!Number.isFinite(s) || s <= 0) throw new UsageError(`--timeout must be a positive number of seconds, got '${value}'`);
        opts.timeoutMs = s * 1000;
        break;
      }
    }
  }
  return { command, opts };
}

export { fetch as fetchJars };
