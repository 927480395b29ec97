import { describe, expect, it } from 'vitest';
import { CQL_TYPE_PATTERN, DEFAULT_TEMPLATE, keyspaceSuffixSchema, tableDefSchema, templateFitsTenant, templateSchema, type Template } from '../../../src-shared/rules/templates';

const table = (over: Record<string, unknown> = {}) => ({
  name: 't',
  columns: [
    { name: 'id', type: 'uuid' },
    { name: 'at', type: 'timestamp' },
    { name: 'v', type: 'text' },
  ],
  partitionKey: ['id'],
  clusteringKey: ['at'],
  ...over,
});
const template = (over: Record<string, unknown> = {}) => ({ name: 'custom', replicationFactor: 3, keyspaces: [{ suffix: 'data', tables: [table()] }], ...over });

/** The messages of a failed parse (fails the test when the parse succeeds). */
function messages(schema: { safeParse(v: unknown): { success: boolean; error?: { issues: { message: string }[] } } }, value: unknown): string[] {
  const r = schema.safeParse(value);
  expect(r.success, 'expected the value to be rejected').toBe(false);
  return r.error!.issues.map((i) => i.message);
}

describe('DEFAULT_TEMPLATE', () => {
  it('parses to itself', () => {
    expect(templateSchema.parse(DEFAULT_TEMPLATE)).toEqual(DEFAULT_TEMPLATE);
    expect(DEFAULT_TEMPLATE.keyspaces.map((k) => k.suffix)).toEqual(['data']);
    expect(DEFAULT_TEMPLATE.replicationFactor).toBe(3);
  });

  it('fills defaults for a minimal template', () => {
    const t = templateSchema.parse({ name: 'min', replicationFactor: 1, keyspaces: [{ suffix: 'd' }] });
    expect(t).toEqual({ name: 'min', description: '', replicationFactor: 1, keyspaces: [{ suffix: 'd', tables: [] }], quotas: {}, policies: {}, features: {}, config: {} });
    expect(tableDefSchema.parse(table({ clusteringKey: undefined })).clusteringKey).toEqual([]);
  });
});

describe('templateSchema refusals', () => {
  it('refuses a keyspace suffix declared twice', () => {
    expect(messages(templateSchema, template({ keyspaces: [{ suffix: 'data' }, { suffix: 'data' }] }))).toContain('keyspace suffix data declared twice');
  });

  it('refuses a table declared twice in one keyspace (but allows the same name in two keyspaces)', () => {
    expect(messages(templateSchema, template({ keyspaces: [{ suffix: 'data', tables: [table(), table()] }] }))).toContain('keyspace data: table t declared twice');
    expect(templateSchema.safeParse(template({ keyspaces: [{ suffix: 'a', tables: [table()] }, { suffix: 'b', tables: [table()] }] })).success).toBe(true);
  });

  it('refuses a column declared twice', () => {
    const cols = [{ name: 'id', type: 'uuid' }, { name: 'at', type: 'timestamp' }, { name: 'id', type: 'text' }];
    expect(messages(tableDefSchema, table({ columns: cols }))).toContain('table t: column id declared twice');
  });

  it('refuses a key column that is not declared, or listed twice', () => {
    expect(messages(tableDefSchema, table({ partitionKey: ['nope'] }))).toContain('table t: key column nope is not a declared column');
    expect(messages(tableDefSchema, table({ clusteringKey: ['ghost'] }))).toContain('table t: key column ghost is not a declared column');
    expect(messages(tableDefSchema, table({ partitionKey: ['id'], clusteringKey: ['id'] }))).toContain('table t: a key column is listed twice');
    expect(messages(tableDefSchema, table({ partitionKey: [] }))).toHaveLength(1);
  });

  it('refuses a collection as a key column', () => {
    for (const type of ['list<int>', 'set<text>', 'map<text, int>']) {
      const t = table({ columns: [{ name: 'id', type }, { name: 'at', type: 'timestamp' }] });
      expect(messages(tableDefSchema, t), type).toContain('table t: key column id cannot be a collection');
    }
    // a collection outside the key is fine
    expect(tableDefSchema.safeParse(table({ columns: [{ name: 'id', type: 'uuid' }, { name: 'at', type: 'timestamp' }, { name: 'tags', type: 'set<text>' }] })).success).toBe(true);
  });

  it('reserves the console keyspace suffix csm', () => {
    expect(messages(templateSchema, template({ keyspaces: [{ suffix: 'csm' }] }))).toContain('keyspace suffix: "csm" is reserved for the console keyspace');
    expect(messages(keyspaceSuffixSchema, 'csm')).toHaveLength(1);
    expect(keyspaceSuffixSchema.safeParse('csm2').success).toBe(true);
  });

  it.each(['frozen<list<text>>', 'text; DROP KEYSPACE x', 'text; DROP', 'counter', 'TEXT', 'list<list<int>>', 'map<text>', 'varchar', 'duration', 'vector<float, 3>', 'text ', ' text', 'text\n', 'list<text>, PRIMARY KEY (x)) --', 'set<text)', 'tuple<int, int>', ''])(
    'refuses column type %j with a message',
    (type) => {
      expect(CQL_TYPE_PATTERN.test(type)).toBe(false);
      expect(messages(tableDefSchema, table({ columns: [{ name: 'id', type: 'uuid' }, { name: 'at', type: 'timestamp' }, { name: 'x', type }] }))).toContain('column type: a CQL simple type or list/set/map of them');
    },
  );

  it('accepts simple types and collections of them', () => {
    for (const type of ['text', 'bigint', 'timeuuid', 'blob', 'list<int>', 'set<uuid>', 'map<text,int>', 'map<text, int>']) expect(CQL_TYPE_PATTERN.test(type), type).toBe(true);
  });

  it('refuses hostile table, column and suffix names, and unknown fields', () => {
    expect(messages(tableDefSchema, table({ name: 't"; DROP' }))[0]).toMatch(/^table name:/);
    expect(messages(tableDefSchema, table({ columns: [{ name: 'Id', type: 'uuid' }] }))[0]).toMatch(/^column name:/);
    expect(messages(templateSchema, template({ keyspaces: [{ suffix: 'dаta' /* Cyrillic а */ }] }))[0]).toMatch(/^keyspace suffix:/);
    expect(messages(templateSchema, template({ keyspaces: [{ suffix: 's'.repeat(19) }] }))[0]).toMatch(/^keyspace suffix:/);
    expect(messages(tableDefSchema, table({ cql: 'DROP KEYSPACE x' })).length).toBeGreaterThan(0);
    expect(messages(templateSchema, template({ grants: ['ALL KEYSPACES'] })).length).toBeGreaterThan(0);
  });
});

describe('templateFitsTenant', () => {
  const withSuffix = (suffix: string): Template => templateSchema.parse(template({ keyspaces: [{ suffix: 'data' }, { suffix }] }));

  it('passes when every keyspace name fits in 48 characters', () => {
    expect(templateFitsTenant(DEFAULT_TEMPLATE, 'a'.repeat(30))).toBeNull();
    expect(templateFitsTenant(withSuffix('s'.repeat(10)), 'a'.repeat(30))).toBeNull(); // 7 + 30 + 1 + 10 = 48
  });

  it('names the keyspace and its length when a 30-character id meets a long suffix', () => {
    const id = 'a'.repeat(30);
    const msg = templateFitsTenant(withSuffix('s'.repeat(18)), id);
    expect(msg).toBe(`keyspace tenant_${id}_${'s'.repeat(18)} is 56 characters; Cassandra allows 48 (shorten the tenant id or the suffix)`);
    expect(templateFitsTenant(withSuffix('s'.repeat(11)), id)).toMatch(/ is 49 characters;/);
  });
});
