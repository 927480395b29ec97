import { z } from 'zod';
import { AppError } from '../app/errors';
import type { CqlClient } from '../cassandra/connections';
import { fromDriverError } from '../cassandra/driver-errors';
import { keyspace, qualified } from '../cassandra/identifiers';
import { boundaryEntrySchema, type BoundaryEntry } from '../../src-shared/contract/compliance';
import { frameworkSchema, overridesSchema, type Framework, type Overrides } from '../../src-shared/rules/compliance';
import { tenantConsoleKeyspace } from '../../src-shared/rules/lifecycle';

/** What compliance keeps per tenant (csm_system.compliance_profiles, mirrored into tenant_<id>_csm.tenant_info). */
export interface StoredProfile {
  tenant: string;
  boundary: BoundaryEntry[] | null;
  frameworks: Framework[];
  overrides: Overrides;
  version: number;
  updatedBy: string | null;
  updatedAt: string | null;
}

export const emptyProfile = (tenant: string): StoredProfile => ({ tenant, boundary: null, frameworks: [], overrides: {}, version: 0, updatedBy: null, updatedAt: null });

const LOCAL_QUORUM = 0x06;
const LOCAL_SERIAL = 0x09;
const LWT = { prepare: true, consistency: LOCAL_QUORUM, serialConsistency: LOCAL_SERIAL } as const;
const Q = { prepare: true, consistency: LOCAL_QUORUM } as const;
// Built lazily: identifiers throw on bad names, and a module-level throw would break imports.
const TABLE = (): string => `${keyspace('csm_system')}.compliance_profiles`;
/** Key of the copy in the tenant's console keyspace (tenant admins and auditors cannot read csm_system). */
export const MIRROR_KEY = 'compliance.profile';

const storedSchema = z.object({
  boundary: z.array(boundaryEntrySchema).nullable(),
  frameworks: z.array(frameworkSchema),
  overrides: overridesSchema,
  version: z.number().int(),
  updatedBy: z.string().nullable(),
  updatedAt: z.string().nullable(),
});

function parseStored(tenant: string, raw: unknown, where: string): StoredProfile {
  const r = storedSchema.safeParse(raw);
  if (!r.success) throw new AppError('CONFLICT', `the compliance profile of ${tenant} stored in ${where} is not valid (${r.error.issues[0]?.path.join('.') ?? '?'}: ${r.error.issues[0]?.message ?? ''}); set it again with compliance set`);
  return { tenant, ...r.data } as StoredProfile;
}

function fromRow(tenant: string, r: Record<string, unknown>): StoredProfile {
  const map = (r['boundary'] ?? null) as Record<string, string> | null;
  const boundary = map && Object.keys(map).length ? Object.entries(map).map(([dc, region]) => ({ dc, region: String(region) })).sort((a, b) => a.dc.localeCompare(b.dc)) : null;
  let overrides: unknown = {};
  try {
    overrides = typeof r['overrides'] === 'string' ? JSON.parse(r['overrides'] as string) : {};
  } catch {
    overrides = null;
  }
  const fw = r['frameworks'];
  return parseStored(
    tenant,
    {
      boundary,
      frameworks: Array.isArray(fw) || fw instanceof Set ? [...(fw as Iterable<unknown>)].map(String).sort() : [],
      overrides,
      version: Number(r['version'] ?? 0),
      updatedBy: typeof r['updated_by'] === 'string' ? r['updated_by'] : null,
      updatedAt: r['updated_at'] instanceof Date ? (r['updated_at'] as Date).toISOString() : null,
    },
    'csm_system',
  );
}

async function run<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw fromDriverError(e, what);
  }
}

/** Reads and compare-and-set writes of csm_system.compliance_profiles, over a platform session. */
export class ProfileStore {
  constructor(private readonly client: CqlClient) {}

  get(tenant: string): Promise<StoredProfile | null> {
    return run(`reading the compliance profile of ${tenant}`, async () => {
      const r = (await this.client.execute(`SELECT boundary, frameworks, overrides, version, updated_by, updated_at FROM ${TABLE()} WHERE tenant_id = ?`, [tenant], Q)).rows[0];
      return r ? fromRow(tenant, r) : null;
    });
  }

  /** Every stored profile (the MSP dashboard's overview); a row that does not parse is skipped, not fatal. */
  all(): Promise<StoredProfile[]> {
    return run('reading compliance profiles', async () => {
      const out: StoredProfile[] = [];
      for await (const r of await this.client.execute(`SELECT tenant_id, boundary, frameworks, overrides, version, updated_by, updated_at FROM ${TABLE()}`, [], { ...Q, fetchSize: 5000 })) {
        try {
          out.push(fromRow(String(r['tenant_id']), r));
        } catch {
          /* an invalid row shows as such on compliance.get for that tenant */
        }
      }
      return out.sort((a, b) => a.tenant.localeCompare(b.tenant));
    });
  }

  /** Write the profile if the stored version is still `expected` (0 = no row yet); CONFLICT otherwise. */
  async put(p: StoredProfile, expected: number, by: string): Promise<StoredProfile> {
    const boundary = p.boundary ? Object.fromEntries(p.boundary.map((b) => [b.dc, b.region])) : null;
    const now = new Date();
    const next = expected + 1;
    const body = [boundary, p.frameworks, JSON.stringify(p.overrides), next, by, now];
    const rs = await run(`saving the compliance profile of ${p.tenant}`, () =>
      expected === 0
        ? this.client.execute(`INSERT INTO ${TABLE()} (boundary, frameworks, overrides, version, updated_by, updated_at, tenant_id) VALUES (?, ?, ?, ?, ?, ?, ?) IF NOT EXISTS`, [...body, p.tenant], LWT)
        : this.client.execute(`UPDATE ${TABLE()} SET boundary = ?, frameworks = ?, overrides = ?, version = ?, updated_by = ?, updated_at = ? WHERE tenant_id = ? IF version = ?`, [...body, p.tenant, expected], LWT),
    );
    if (rs.rows[0]?.['[applied]'] !== true) {
      const seen = rs.rows[0]?.['version'];
      throw new AppError('CONFLICT', `the compliance profile of ${p.tenant} was changed by someone else (now version ${seen ?? '?'}, you had ${expected}); read it again and retry`);
    }
    return { ...p, version: next, updatedBy: by, updatedAt: now.toISOString() };
  }
}

/** The tenant-readable copy (tenant_<id>_csm.tenant_info): written by the platform after each set. */
export async function writeMirror(session: CqlClient, p: StoredProfile): Promise<void> {
  const { tenant, ...body } = p;
  await run(`copying the compliance profile into ${tenantConsoleKeyspace(tenant)}`, () =>
    session.execute(`INSERT INTO ${qualified(tenantConsoleKeyspace(tenant), 'tenant_info')} (key, value) VALUES (?, ?)`, [MIRROR_KEY, JSON.stringify(body)], Q),
  );
}

export async function readMirror(session: CqlClient, tenant: string): Promise<StoredProfile | null> {
  const r = await run(`reading the compliance profile of ${tenant}`, async () => (await session.execute(`SELECT value FROM ${qualified(tenantConsoleKeyspace(tenant), 'tenant_info')} WHERE key = ?`, [MIRROR_KEY], Q)).rows[0]);
  if (!r) return null;
  let raw: unknown = null;
  try {
    raw = JSON.parse(String(r['value']));
  } catch {
    /* parseStored reports it */
  }
  return parseStored(tenant, raw, tenantConsoleKeyspace(tenant));
}

/** A csm_system table that does not exist yet (migration 4 not applied on this cluster) reads as "no profile". */
export function isMissingTable(e: unknown): boolean {
  return e instanceof Error && /unconfigured table/i.test(e.message);
}
