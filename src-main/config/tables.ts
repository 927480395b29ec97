import { tenantConsoleKeyspace } from '../../src-shared/rules/lifecycle';
import { tenantAdminRole } from '../../src-shared/rules/names';
import type { CqlClient } from '../cassandra/connections';
import { fromDriverError } from '../cassandra/driver-errors';
import { newRole, qualified } from '../cassandra/identifiers';
import { SYSTEM_KEYSPACE, waitForAgreement } from '../cassandra/system-schema';

/**
 * The config feature's tables live in the tenant's console keyspace `tenant_<id>_csm` (DESIGN §3):
 * Cassandra keeps one tenant's configuration from another, no row-level filter needed. Existing
 * tenants predate them, so a platform console creates them on demand (idempotent) and grants the
 * tenant's admin role MODIFY on the three tables an admin edits — not on config_template (the
 * platform's defaults), keys, audit or anything else in that keyspace.
 */
export const VERSIONS_TABLE = 'config_versions';
export const TEMPLATE_TABLE = 'config_template';
export const BRANDING_TABLE = 'branding';
export const INTEGRATIONS_TABLE = 'integrations';
const INFO_TABLE = 'tenant_info';
/** One partition per table: a tenant's whole history fits (versions are small), LWT serialises it. */
const PK = 'tenant';

// types.consistencies.localQuorum / localSerial (the driver's enum stays in src-main/cassandra/).
const Q = { prepare: true, consistency: 0x06 } as const;
const LWT = { prepare: true, consistency: 0x06, serialConsistency: 0x09 } as const;

const ADMIN_WRITABLE = [VERSIONS_TABLE, BRANDING_TABLE, INTEGRATIONS_TABLE];

function createStatements(ks: string): Record<string, string> {
  return {
    [VERSIONS_TABLE]: `CREATE TABLE IF NOT EXISTS ${qualified(ks, VERSIONS_TABLE)} (k text, version int, author text, at timestamp, reason text, document text, changes text, PRIMARY KEY (k, version)) WITH CLUSTERING ORDER BY (version DESC)`,
    [TEMPLATE_TABLE]: `CREATE TABLE IF NOT EXISTS ${qualified(ks, TEMPLATE_TABLE)} (k text PRIMARY KEY, name text, body text, synced_at timestamp)`,
    [BRANDING_TABLE]: `CREATE TABLE IF NOT EXISTS ${qualified(ks, BRANDING_TABLE)} (k text PRIMARY KEY, display_name text, primary_color text, accent_color text, logo blob, logo_type text, logo_width int, logo_height int, updated_by text, updated_at timestamp)`,
    [INTEGRATIONS_TABLE]: `CREATE TABLE IF NOT EXISTS ${qualified(ks, INTEGRATIONS_TABLE)} (name text PRIMARY KEY, kind text, endpoint text, updated_by text, updated_at timestamp)`,
  };
}

async function run<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw fromDriverError(e, what);
  }
}

const iso = (v: unknown): string | null => (v instanceof Date ? v.toISOString() : null);

export interface StoredVersion {
  version: number;
  author: string;
  at: string;
  reason: string;
  document: string;
  changes: string;
}

export interface StoredBranding {
  displayName: string | null;
  primaryColor: string | null;
  accentColor: string | null;
  logo: Buffer | null;
  logoType: string | null;
  logoWidth: number | null;
  logoHeight: number | null;
  updatedBy: string | null;
  updatedAt: string | null;
}

export interface StoredIntegration {
  name: string;
  kind: string;
  endpoint: string;
  updatedBy: string | null;
  updatedAt: string | null;
}

export class ConfigTables {
  /** Which of the feature's tables exist (one read of system_schema; anyone may read it). */
  async missing(client: CqlClient, tenant: string): Promise<string[]> {
    const ks = tenantConsoleKeyspace(tenant);
    const have = await run(`reading the tables of ${ks}`, async () =>
      new Set((await client.execute('SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?', [ks], { prepare: true })).rows.map((r) => String(r['table_name']))),
    );
    return Object.keys(createStatements(ks)).filter((t) => !have.has(t));
  }

  /**
   * Platform session: create what is missing and (re)grant MODIFY to the tenant's admin role.
   * The grant runs every time: a tenant deleted and provisioned again under the same id has a
   * fresh keyspace, and GRANT is idempotent.
   */
  async ensure(platform: CqlClient, tenant: string): Promise<void> {
    const ks = tenantConsoleKeyspace(tenant);
    const missing = await this.missing(platform, tenant);
    await run(`preparing the configuration tables of ${tenant}`, async () => {
      const stmts = createStatements(ks);
      for (const t of missing) await platform.execute(stmts[t]!);
      if (missing.length) await waitForAgreement(platform, `configuration tables of ${tenant}`);
      for (const t of ADMIN_WRITABLE) await platform.execute(`GRANT MODIFY ON TABLE ${qualified(ks, t)} TO ${newRole(tenantAdminRole(tenant))}`);
    });
  }

  async templateName(client: CqlClient, tenant: string): Promise<string | null> {
    const r = await run(`reading the template of ${tenant}`, async () => (await client.execute(`SELECT value FROM ${qualified(tenantConsoleKeyspace(tenant), INFO_TABLE)} WHERE key = ?`, ['template'], Q)).rows[0]);
    return r && typeof r['value'] === 'string' ? r['value'] : null;
  }

  /** Platform: the tenant's own copy of its template name (what a tenant-scoped console reads). */
  async putTemplateName(platform: CqlClient, tenant: string, name: string): Promise<void> {
    await run(`recording the template of ${tenant}`, () => platform.execute(`INSERT INTO ${qualified(tenantConsoleKeyspace(tenant), INFO_TABLE)} (key, value) VALUES (?, ?)`, ['template', name], Q));
  }

  /** Platform: the registry row's template and state (csm_system.tenants); null when there is no row. */
  async registryTemplate(platform: CqlClient, tenant: string): Promise<{ template: string; state: string } | null> {
    const r = await run(`reading the registry row of ${tenant}`, async () => (await platform.execute(`SELECT template, state FROM ${qualified(SYSTEM_KEYSPACE, 'tenants')} WHERE id = ?`, [tenant], Q)).rows[0]);
    return r ? { template: String(r['template'] ?? 'default'), state: String(r['state'] ?? '') } : null;
  }

  /** Platform: the registry's template column; false when the row is gone (LWT IF EXISTS). */
  async putRegistryTemplate(platform: CqlClient, tenant: string, name: string): Promise<boolean> {
    const rs = await run(`recording the template of ${tenant} in the registry`, () =>
      platform.execute(`UPDATE ${qualified(SYSTEM_KEYSPACE, 'tenants')} SET template = ?, updated_at = ? WHERE id = ? IF EXISTS`, [name, new Date(), tenant], LWT),
    );
    return rs.rows[0]?.['[applied]'] === true;
  }

  async templateSnapshot(client: CqlClient, tenant: string): Promise<{ name: string | null; body: string | null; syncedAt: string | null } | null> {
    const r = await run(`reading the template defaults of ${tenant}`, async () => (await client.execute(`SELECT name, body, synced_at FROM ${qualified(tenantConsoleKeyspace(tenant), TEMPLATE_TABLE)} WHERE k = ?`, [PK], Q)).rows[0]);
    return r ? { name: (r['name'] as string | null) ?? null, body: (r['body'] as string | null) ?? null, syncedAt: iso(r['synced_at']) } : null;
  }

  /** Platform: a copy of the template's defaults, so a tenant-scoped console (no csm_system access) inherits the same values. */
  async putTemplateSnapshot(client: CqlClient, tenant: string, name: string | null, body: string | null): Promise<void> {
    await run(`copying the template defaults of ${tenant}`, () => client.execute(`INSERT INTO ${qualified(tenantConsoleKeyspace(tenant), TEMPLATE_TABLE)} (k, name, body, synced_at) VALUES (?, ?, ?, ?)`, [PK, name, body, new Date()], Q));
  }

  async head(client: CqlClient, tenant: string): Promise<StoredVersion | null> {
    return (await this.versions(client, tenant, 1))[0] ?? null;
  }

  async versions(client: CqlClient, tenant: string, limit: number): Promise<StoredVersion[]> {
    const rs = await run(`reading the configuration history of ${tenant}`, () =>
      client.execute(`SELECT version, author, at, reason, document, changes FROM ${qualified(tenantConsoleKeyspace(tenant), VERSIONS_TABLE)} WHERE k = ? LIMIT ?`, [PK, limit], Q),
    );
    return rs.rows.map(versionOf);
  }

  async version(client: CqlClient, tenant: string, n: number): Promise<StoredVersion | null> {
    const r = await run(`reading configuration version ${n} of ${tenant}`, async () =>
      (await client.execute(`SELECT version, author, at, reason, document, changes FROM ${qualified(tenantConsoleKeyspace(tenant), VERSIONS_TABLE)} WHERE k = ? AND version = ?`, [PK, n], Q)).rows[0],
    );
    return r ? versionOf(r) : null;
  }

  /** LWT: exactly one console writes version N; false when another got there first. */
  async insertVersion(client: CqlClient, tenant: string, v: StoredVersion): Promise<boolean> {
    const rs = await run(`saving configuration version ${v.version} of ${tenant}`, () =>
      client.execute(
        `INSERT INTO ${qualified(tenantConsoleKeyspace(tenant), VERSIONS_TABLE)} (k, version, author, at, reason, document, changes) VALUES (?, ?, ?, ?, ?, ?, ?) IF NOT EXISTS`,
        [PK, v.version, v.author, new Date(v.at), v.reason, v.document, v.changes],
        LWT,
      ),
    );
    return rs.rows[0]?.['[applied]'] === true;
  }

  async branding(client: CqlClient, tenant: string): Promise<StoredBranding | null> {
    const r = await run(`reading the branding of ${tenant}`, async () => (await client.execute(`SELECT * FROM ${qualified(tenantConsoleKeyspace(tenant), BRANDING_TABLE)} WHERE k = ?`, [PK], Q)).rows[0]);
    if (!r) return null;
    const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);
    const s = (v: unknown): string | null => (typeof v === 'string' ? v : null);
    return {
      displayName: s(r['display_name']),
      primaryColor: s(r['primary_color']),
      accentColor: s(r['accent_color']),
      logo: Buffer.isBuffer(r['logo']) ? (r['logo'] as Buffer) : null,
      logoType: s(r['logo_type']),
      logoWidth: num(r['logo_width']),
      logoHeight: num(r['logo_height']),
      updatedBy: s(r['updated_by']),
      updatedAt: iso(r['updated_at']),
    };
  }

  async putBranding(client: CqlClient, tenant: string, b: Omit<StoredBranding, 'updatedAt'>): Promise<void> {
    await run(`saving the branding of ${tenant}`, () =>
      client.execute(
        `INSERT INTO ${qualified(tenantConsoleKeyspace(tenant), BRANDING_TABLE)} (k, display_name, primary_color, accent_color, logo, logo_type, logo_width, logo_height, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [PK, b.displayName, b.primaryColor, b.accentColor, b.logo, b.logoType, b.logoWidth, b.logoHeight, b.updatedBy, new Date()],
        Q,
      ),
    );
  }

  async integrations(client: CqlClient, tenant: string): Promise<StoredIntegration[]> {
    const rs = await run(`reading the integrations of ${tenant}`, () => client.execute(`SELECT name, kind, endpoint, updated_by, updated_at FROM ${qualified(tenantConsoleKeyspace(tenant), INTEGRATIONS_TABLE)}`, [], { ...Q, fetchSize: 500 }));
    return rs.rows
      .map((r) => ({ name: String(r['name']), kind: String(r['kind']), endpoint: String(r['endpoint'] ?? ''), updatedBy: (r['updated_by'] as string | null) ?? null, updatedAt: iso(r['updated_at']) }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async putIntegration(client: CqlClient, tenant: string, i: Omit<StoredIntegration, 'updatedAt'>): Promise<void> {
    await run(`saving integration ${i.name} of ${tenant}`, () =>
      client.execute(`INSERT INTO ${qualified(tenantConsoleKeyspace(tenant), INTEGRATIONS_TABLE)} (name, kind, endpoint, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)`, [i.name, i.kind, i.endpoint, i.updatedBy, new Date()], Q),
    );
  }

  /** true when a row was there. */
  async deleteIntegration(client: CqlClient, tenant: string, name: string): Promise<boolean> {
    const rs = await run(`removing integration ${name} of ${tenant}`, () => client.execute(`DELETE FROM ${qualified(tenantConsoleKeyspace(tenant), INTEGRATIONS_TABLE)} WHERE name = ? IF EXISTS`, [name], LWT));
    return rs.rows[0]?.['[applied]'] === true;
  }
}

function versionOf(r: Record<string, unknown>): StoredVersion {
  return {
    version: Number(r['version']),
    author: String(r['author'] ?? ''),
    at: iso(r['at']) ?? new Date(0).toISOString(),
    reason: String(r['reason'] ?? ''),
    document: String(r['document'] ?? '{}'),
    changes: String(r['changes'] ?? '[]'),
  };
}
