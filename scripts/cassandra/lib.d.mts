// Types for the parts of lib.mjs that TypeScript callers (the test harness, the sandbox) use.
export interface NodeInfo {
  name: string;
  address: string;
  dc: string;
  running: boolean;
  pid: number | null;
  contactPoint: string;
  dataDir: string;
  auditLogPath: string;
  rssMB: number | null;
}
export interface NodeStatus {
  running: boolean;
  contactPoint: string;
  localDataCenter: string;
  dataDir: string;
  auditLogPaths: string[];
  pid: number | null;
  tls: boolean;
  nodes: NodeInfo[];
}
export interface StartOptions {
  /** Root of jars and node dirs (default CSM_CASSANDRA_HOME or <repo>/.cassandra). */
  home?: string;
  port?: number;
  dataDir?: string;
  secondDc?: boolean;
  tlsKey?: string;
  tlsCert?: string;
  tlsCa?: string;
  requireClientAuth?: boolean;
  log?: (line: string) => void;
}
export function start(opts?: StartOptions): Promise<NodeStatus & { startSeconds: number; alreadyRunning: boolean; rssMB: number | null }>;
export function stop(opts?: { home?: string; dataDir?: string; log?: (line: string) => void }): Promise<{ stopped: string[] }>;
export function status(opts?: { home?: string; dataDir?: string }): Promise<NodeStatus>;
