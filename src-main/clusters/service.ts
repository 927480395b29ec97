import { access, constants, readFile } from 'node:fs/promises';
import type { ClusterProfile, ClusterTestReport, ParsedInput } from '../../src-shared/contract';
import { AppError } from '../app/errors';
import { fromDriverError } from '../cassandra/driver-errors';
import type { ConnectionManager, ConnectionSpec } from '../cassandra/connections';
import type { SecretStore } from '../secrets/types';
import type { ProfileRow, ProfileStore } from './ports';
import { gatherReport } from './report';

const passwordKey = (cluster: string): string => `cluster/${cluster}/password`;

async function checkTlsFiles(tls: ProfileRow['tls']): Promise<void> {
  if (!tls) return;
  const files: [string, string | undefined, RegExp][] = [
    ['CA certificate', tls.caFile, /-----BEGIN CERTIFICATE-----/],
    ['client certificate', tls.certFile, /-----BEGIN CERTIFICATE-----/],
    ['client key', tls.keyFile, /-----BEGIN (RSA |EC )?PRIVATE KEY-----/],
  ];
  for (const [label, file, marker] of files) {
    if (!file) continue;
    try {
      await access(file, constants.R_OK);
    } catch {
      throw new AppError('BAD_INPUT', `${label} file not readable: ${file}`);
    }
    const head = (await readFile(file)).subarray(0, 64 * 1024).toString('latin1');
    if (!marker.test(head)) throw new AppError('BAD_INPUT', `${label} file is not a PEM ${label}: ${file}`);
  }
}

/**
 * Cluster profiles: the profile row lives in SQLite, its password in the OS keychain
 * (MongoDB Compass' extractSecrets/mergeSecrets split). The secret is written first and the
 * row second, so a locked keychain leaves nothing half-written.
 */
export class ClusterService {
  constructor(
    private readonly deps: { profiles: ProfileStore; secrets: SecretStore; connections: ConnectionManager; now?: () => Date },
  ) {}

  private now(): string {
    return (this.deps.now?.() ?? new Date()).toISOString();
  }

  private async view(row: ProfileRow): Promise<ClusterProfile> {
    return { ...row, passwordStored: await this.deps.secrets.has(passwordKey(row.name)) };
  }

  async list(): Promise<ClusterProfile[]> {
    return Promise.all(this.deps.profiles.list().map((r) => this.view(r)));
  }

  get(name: string): ProfileRow {
    const row = this.deps.profiles.get(name);
    if (!row) throw new AppError('NOT_FOUND', `no cluster named ${name}`);
    return row;
  }

  async add(input: ParsedInput<'cluster.add'>, opts: { sandbox?: boolean } = {}): Promise<ClusterProfile> {
    if (this.deps.profiles.get(input.name)) throw new AppError('CONFLICT', `a cluster named ${input.name} is already registered`);
    const tls = input.tls ?? null;
    await checkTlsFiles(tls);
    const at = this.now();
    const row: ProfileRow = {
      name: input.name,
      contactPoints: input.contactPoints,
      localDc: input.localDc,
      username: input.username,
      tls,
      sandbox: opts.sandbox ?? false,
      createdAt: at,
      updatedAt: at,
    };
    await this.deps.secrets.set(passwordKey(row.name), input.password);
    try {
      this.deps.profiles.insert(row);
    } catch (err) {
      await this.deps.secrets.delete(passwordKey(row.name)).catch(() => false);
      throw err;
    }
    return this.view(row);
  }

  async update(input: ParsedInput<'cluster.update'>): Promise<ClusterProfile> {
    const current = this.get(input.name);
    const next: ProfileRow = {
      ...current,
      contactPoints: input.contactPoints ?? current.contactPoints,
      localDc: input.localDc ?? current.localDc,
      username: input.username ?? current.username,
      tls: input.tls === undefined ? current.tls : input.tls,
      updatedAt: this.now(),
    };
    await checkTlsFiles(next.tls);
    if (input.password !== undefined) await this.deps.secrets.set(passwordKey(next.name), input.password);
    this.deps.profiles.update(next);
    await this.deps.connections.closeCluster(next.name);
    return this.view(next);
  }

  async remove(name: string): Promise<{ removed: boolean }> {
    this.get(name);
    await this.deps.connections.closeCluster(name);
    // Keychain first: a profile row without a secret is harmless, a secret without a row is an orphan.
    await this.deps.secrets.delete(passwordKey(name));
    return { removed: this.deps.profiles.delete(name) };
  }

  /** Connection details with the stored password merged in (never returned to a client). */
  async spec(name: string, override?: { username?: string | undefined; password?: string | undefined }): Promise<ConnectionSpec> {
    const row = this.get(name);
    const password = override?.password ?? (await this.storedPassword(name));
    return {
      cluster: row.name,
      contactPoints: row.contactPoints,
      localDc: row.localDc,
      username: override?.username ?? row.username,
      password,
      tls: row.tls,
    };
  }

  private async storedPassword(name: string): Promise<string> {
    const stored = await this.deps.secrets.get(passwordKey(name));
    if (stored === null) {
      throw new AppError('AUTH_FAILED', `no password stored for cluster ${name}: run "csm cluster update ${name} --password-stdin" or sign in with a password`);
    }
    return stored;
  }

  async test(name: string): Promise<ClusterTestReport> {
    const started = Date.now();
    const client = await this.deps.connections.connect(await this.spec(name));
    try {
      return await gatherReport(client, name, started);
    } catch (err) {
      throw fromDriverError(err, `testing cluster ${name}`);
    } finally {
      await client.shutdown().catch(() => undefined);
    }
  }
}
