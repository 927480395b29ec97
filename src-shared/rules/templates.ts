import { z } from 'zod';
import { KEYSPACE_SUFFIX_PATTERN, TENANT_CONSOLE_SUFFIX } from './lifecycle';

/**
 * Tenant templates (issue 5 §4). Tables are declared, not written as CQL: the console generates
 * the CQL through its one identifier module, so a template can never smuggle a statement, a
 * grant or a keyspace outside the tenant. Pure, so the wizard validates what main validates.
 */

/** A user's part of `tenant_<id>_u_<user>`. */
export const tenantUserNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,31}$/, 'user name: a lower-case letter, then up to 31 lower-case letters, digits or _');

const SIMPLE_TYPES = ['ascii', 'bigint', 'blob', 'boolean', 'date', 'decimal', 'double', 'float', 'inet', 'int', 'smallint', 'text', 'time', 'timestamp', 'timeuuid', 'tinyint', 'uuid', 'varint'] as const;
const simple = `(?:${SIMPLE_TYPES.join('|')})`;
/** Simple types and frozen-free collections of simple types: enough for templates, nothing exotic. */
export const CQL_TYPE_PATTERN = new RegExp(`^(?:${simple}|list<${simple}>|set<${simple}>|map<${simple},\\s?${simple}>)$`);

const identSchema = (what: string) => z.string().regex(/^[a-z][a-z0-9_]{0,47}$/, `${what}: a lower-case letter, then lower-case letters, digits or _ (48 at most)`);
/**
 * Suffix of `tenant_<id>_<suffix>`; the console keyspace suffix is reserved. No `_`: tenant ids
 * may contain `_`, so a suffix with one could name another tenant's keyspace (tenant acme's
 * `x_data` and tenant acme_x's `data` would both be tenant_acme_x_data). Without it, a keyspace
 * name splits into tenant and suffix one way only (KEYSPACE_SUFFIX_PATTERN in lifecycle.ts).
 */
export const keyspaceSuffixSchema = z
  .string()
  .regex(KEYSPACE_SUFFIX_PATTERN, 'keyspace suffix: a lower-case letter, then up to 17 lower-case letters or digits (no _)')
  .refine((s) => s !== TENANT_CONSOLE_SUFFIX, `keyspace suffix: "${TENANT_CONSOLE_SUFFIX}" is reserved for the console keyspace`);

export const tableDefSchema = z
  .object({
    name: identSchema('table name'),
    columns: z.array(z.object({ name: identSchema('column name'), type: z.string().regex(CQL_TYPE_PATTERN, 'column type: a CQL simple type or list/set/map of them') }).strict()).min(1).max(64),
    partitionKey: z.array(z.string()).min(1).max(8),
    clusteringKey: z.array(z.string()).max(8).default([]),
  })
  .strict()
  .superRefine((t, ctx) => {
    const cols = new Set<string>();
    for (const c of t.columns) {
      if (cols.has(c.name)) ctx.addIssue({ code: 'custom', message: `table ${t.name}: column ${c.name} declared twice` });
      cols.add(c.name);
    }
    const keys = [...t.partitionKey, ...t.clusteringKey];
    for (const k of keys) if (!cols.has(k)) ctx.addIssue({ code: 'custom', message: `table ${t.name}: key column ${k} is not a declared column` });
    if (new Set(keys).size !== keys.length) ctx.addIssue({ code: 'custom', message: `table ${t.name}: a key column is listed twice` });
    for (const c of t.columns) {
      if (keys.includes(c.name) && /^(list|set|map)</.test(c.type)) ctx.addIssue({ code: 'custom', message: `table ${t.name}: key column ${c.name} cannot be a collection` });
    }
  });
export type TableDef = z.infer<typeof tableDefSchema>;

export const templateSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, 'template name: a lower-case letter, then up to 39 lower-case letters, digits, _ or -'),
    description: z.string().max(200).default(''),
    /** Replicas per data centre of the tenant's boundary (capped by the nodes there). */
    replicationFactor: z.number().int().min(1).max(9),
    keyspaces: z
      .array(z.object({ suffix: keyspaceSuffixSchema, tables: z.array(tableDefSchema).max(100).default([]) }).strict())
      .min(1)
      .max(8),
    quotas: z.record(z.string().regex(/^[a-z][a-z0-9_]{0,39}$/), z.number().int().min(0)).default({}),
    policies: z.record(z.string().regex(/^[a-z][a-z0-9_.]{0,63}$/), z.string().max(200)).default({}),
    features: z.record(z.string().regex(/^[a-z][a-z0-9_.]{0,63}$/), z.boolean()).default({}),
    /** The tenant's initial versioned configuration. */
    config: z.record(z.string().regex(/^[a-z][a-z0-9_.]{0,63}$/), z.string().max(1000)).default({}),
  })
  .strict()
  .superRefine((t, ctx) => {
    const seen = new Set<string>();
    for (const k of t.keyspaces) {
      if (seen.has(k.suffix)) ctx.addIssue({ code: 'custom', message: `keyspace suffix ${k.suffix} declared twice` });
      seen.add(k.suffix);
      const tables = new Set<string>();
      for (const tb of k.tables) {
        if (tables.has(tb.name)) ctx.addIssue({ code: 'custom', message: `keyspace ${k.suffix}: table ${tb.name} declared twice` });
        tables.add(tb.name);
      }
    }
  });
export type Template = z.infer<typeof templateSchema>;

/** The platform default: one data keyspace with an example table, sensible quotas and policies. */
export const DEFAULT_TEMPLATE: Template = {
  name: 'default',
  description: 'One data keyspace (tenant_<id>_data), replication 3 per data centre (capped by nodes)',
  replicationFactor: 3,
  keyspaces: [
    {
      suffix: 'data',
      tables: [
        {
          name: 'events',
          columns: [
            { name: 'bucket', type: 'text' },
            { name: 'at', type: 'timeuuid' },
            { name: 'payload', type: 'blob' },
          ],
          partitionKey: ['bucket'],
          clusteringKey: ['at'],
        },
      ],
    },
  ],
  quotas: { max_keyspaces: 4, max_tables: 50, max_storage_mb: 10240, max_users: 50 },
  policies: { 'password.min_length': '12', 'approval.required_for': 'delete' },
  features: { 'audit.sensitive_payloads': true, 'pki.enabled': true },
  config: { 'audit.retention_days': '365', 'session.idle_minutes': '30' },
};

/** Every keyspace suffix must fit under Cassandra's 48-character limit with this tenant id. */
export function templateFitsTenant(t: Template, tenantId: string): string | null {
  for (const k of t.keyspaces) {
    const name = `tenant_${tenantId}_${k.suffix}`;
    if (name.length > 48) return `keyspace ${name} is ${name.length} characters; Cassandra allows 48 (shorten the tenant id or the suffix)`;
  }
  return null;
}
