import { AppError } from '../../app/errors';
import { column, keyspace as ksIdent, newRole, qualified } from '../../cassandra/identifiers';
import { resourceClause } from '../../tenancy/cql';
import { CQL_NAME_PATTERN } from '../../../src-shared/rules/names';

/**
 * Table shapes and grant resources as the importer handles them. A bundle is input from outside:
 * its CREATE TABLE text is parsed into a shape (names checked, types checked against a small
 * grammar) and the statement the target runs is rebuilt from that shape through identifiers.ts,
 * never by string-replacing the exported CQL (a keyspace name inside a string literal or comment
 * must not become something else).
 */
export interface TableShape {
  table: string;
  columns: { name: string; type: string }[];
  partitionKey: string[];
  clustering: { name: string; order: 'ASC' | 'DESC' }[];
  statics: string[];
}

const SIMPLE = new Set(['ascii', 'bigint', 'blob', 'boolean', 'counter', 'date', 'decimal', 'double', 'duration', 'float', 'inet', 'int', 'smallint', 'text', 'varchar', 'time', 'timestamp', 'timeuuid', 'tinyint', 'uuid', 'varint']);

/** A CQL type from a bundle: simple types, collections, frozen and tuples of them (no UDTs: they would need CREATE TYPE). */
export function checkType(raw: string): string {
  const s = raw.trim().toLowerCase().replace(/\s+/g, ' ');
  let i = 0;
  const ws = (): void => {
    while (s[i] === ' ') i++;
  };
  const word = (): string => {
    ws();
    const m = /^[a-z]+/.exec(s.slice(i));
    if (!m) throw new AppError('BAD_INPUT', `unsupported column type ${JSON.stringify(raw.slice(0, 80))}`);
    i += m[0].length;
    return m[0];
  };
  const expect = (c: string): void => {
    ws();
    if (s[i] !== c) throw new AppError('BAD_INPUT', `unsupported column type ${JSON.stringify(raw.slice(0, 80))}`);
    i++;
  };
  const type = (depth: number): string => {
    if (depth > 4) throw new AppError('BAD_INPUT', `column type nested too deeply: ${JSON.stringify(raw.slice(0, 80))}`);
    const w = word();
    if (SIMPLE.has(w)) return w;
    const args = w === 'map' ? 2 : w === 'list' || w === 'set' || w === 'frozen' ? 1 : w === 'tuple' ? -1 : 0;
    if (args === 0) throw new AppError('BAD_INPUT', `unsupported column type ${JSON.stringify(raw.slice(0, 80))} (${w})`);
    expect('<');
    const parts = [type(depth + 1)];
    while (args !== 1) {
      ws();
      if (s[i] !== ',') break;
      i++;
      parts.push(type(depth + 1));
    }
    if (args > 0 && parts.length !== args) throw new AppError('BAD_INPUT', `unsupported column type ${JSON.stringify(raw.slice(0, 80))}`);
    expect('>');
    return `${w}<${parts.join(', ')}>`;
  };
  const out = type(0);
  ws();
  if (i !== s.length) throw new AppError('BAD_INPUT', `unsupported column type ${JSON.stringify(raw.slice(0, 80))}`);
  return out;
}

function name(raw: string, what: string): string {
  const n = raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1).replace(/""/g, '"') : raw.toLowerCase();
  if (!CQL_NAME_PATTERN.test(n)) throw new AppError('BAD_INPUT', `bundle: invalid ${what} name ${JSON.stringify(raw.slice(0, 64))}`);
  return n;
}

/** Split on commas at depth 0 (outside <> and ()). */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '<' || ch === '(') depth++;
    if (ch === '>' || ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/** Parse an exported `CREATE TABLE ks.t (…) [WITH …]` into a shape. Anything outside the subset is BAD_INPUT. */
export function parseCreateTable(cql: string): TableShape & { keyspace: string } {
  const text = cql.replace(/\s+/g, ' ').trim();
  const head = /^CREATE TABLE (?:IF NOT EXISTS )?("?[A-Za-z0-9_]+"?)\.("?[A-Za-z0-9_]+"?) ?\(/i.exec(text);
  if (!head) throw new AppError('BAD_INPUT', 'bundle: a table statement is not a CREATE TABLE');
  // The column list: up to the parenthesis matching the one the head opened.
  let depth = 1;
  let i = head[0].length;
  for (; i < text.length && depth > 0; i++) {
    if (text[i] === '(') depth++;
    if (text[i] === ')') depth--;
  }
  if (depth !== 0) throw new AppError('BAD_INPUT', 'bundle: unbalanced CREATE TABLE statement');
  const body = text.slice(head[0].length, i - 1);
  const rest = text.slice(i).trim().replace(/;$/, '').trim();
  const ks = name(head[1]!, 'keyspace');
  const table = name(head[2]!, 'table');
  const columns: TableShape['columns'] = [];
  const statics: string[] = [];
  let pk: string[] | null = null;
  let clusteringCols: string[] = [];
  for (const part of splitTop(body)) {
    const m = /^PRIMARY KEY ?\((.*)\)$/i.exec(part);
    if (m) {
      const keys = splitTop(m[1]!);
      const first = keys[0] ?? '';
      pk = first.startsWith('(') ? splitTop(first.slice(1, -1)).map((k) => name(k, 'column')) : [name(first, 'column')];
      clusteringCols = keys.slice(1).map((k) => name(k, 'column'));
      continue;
    }
    const c = /^("?[A-Za-z0-9_]+"?) (.+?)( STATIC)?( PRIMARY KEY)?$/i.exec(part);
    if (!c) throw new AppError('BAD_INPUT', `bundle: cannot read column definition ${JSON.stringify(part.slice(0, 80))} of ${table}`);
    const col = name(c[1]!, 'column');
    columns.push({ name: col, type: checkType(c[2]!) });
    if (c[3]) statics.push(col);
    if (c[4]) pk = [col];
  }
  if (!pk) throw new AppError('BAD_INPUT', `bundle: table ${table} has no primary key`);
  const orders = new Map<string, 'ASC' | 'DESC'>();
  const co = /CLUSTERING ORDER BY ?\(([^)]*)\)/i.exec(rest);
  if (co) {
    for (const p of splitTop(co[1]!)) {
      const m = /^("?[A-Za-z0-9_]+"?)(?: (ASC|DESC))?$/i.exec(p);
      if (!m) throw new AppError('BAD_INPUT', `bundle: cannot read the clustering order of ${table}`);
      orders.set(name(m[1]!, 'column'), (m[2]?.toUpperCase() as 'ASC' | 'DESC' | undefined) ?? 'ASC');
    }
  }
  const shape = { keyspace: ks, table, columns, partitionKey: pk, clustering: clusteringCols.map((n) => ({ name: n, order: orders.get(n) ?? 'ASC' })), statics };
  checkShape(shape);
  return shape;
}

/**
 * The shape from the manifest's column list (system_schema kinds, keys in order) — the structure
 * the exporter read — with the clustering order taken from its statement when it states one.
 */
export function shapeFromColumns(table: string, columns: readonly { name: string; type: string; kind: string }[], cql: string): TableShape {
  const t = name(table, 'table');
  const cols = columns.map((c) => ({ name: name(c.name, 'column'), type: checkType(c.type), kind: c.kind }));
  const bad = cols.find((c) => !['partition_key', 'clustering', 'regular', 'static'].includes(c.kind));
  if (bad) throw new AppError('BAD_INPUT', `bundle: column ${bad.name} of ${t} has kind ${JSON.stringify(String(bad.kind).slice(0, 20))}`);
  const orders = new Map<string, 'ASC' | 'DESC'>();
  const co = /CLUSTERING ORDER BY ?\(([^)]*)\)/i.exec(cql.replace(/\s+/g, ' '));
  if (co) {
    for (const p of splitTop(co[1]!)) {
      const m = /^("?[A-Za-z0-9_]+"?)(?: (ASC|DESC))?$/i.exec(p);
      if (m) orders.set(name(m[1]!, 'column'), (m[2]?.toUpperCase() as 'ASC' | 'DESC' | undefined) ?? 'ASC');
    }
  }
  const shape: TableShape = {
    table: t,
    columns: cols.map((c) => ({ name: c.name, type: c.type })),
    partitionKey: cols.filter((c) => c.kind === 'partition_key').map((c) => c.name),
    clustering: cols.filter((c) => c.kind === 'clustering').map((c) => ({ name: c.name, order: orders.get(c.name) ?? 'ASC' })),
    statics: cols.filter((c) => c.kind === 'static').map((c) => c.name),
  };
  checkShape(shape);
  return shape;
}

export function checkShape(s: TableShape): void {
  const cols = new Set(s.columns.map((c) => c.name));
  if (cols.size !== s.columns.length) throw new AppError('BAD_INPUT', `bundle: table ${s.table} declares a column twice`);
  for (const k of [...s.partitionKey, ...s.clustering.map((c) => c.name), ...s.statics]) {
    if (!cols.has(k)) throw new AppError('BAD_INPUT', `bundle: table ${s.table}: key column ${k} is not declared`);
  }
  if (s.partitionKey.length === 0) throw new AppError('BAD_INPUT', `bundle: table ${s.table} has no partition key`);
}

/** The statement the target runs: every name through identifiers.ts, types re-checked. */
export function createTableCql(ks: string, s: TableShape): string {
  checkShape(s);
  const statics = new Set(s.statics);
  const cols = s.columns.map((c) => `${column(c.name)} ${checkType(c.type)}${statics.has(c.name) ? ' STATIC' : ''}`);
  const key = [`(${s.partitionKey.map((k) => column(k)).join(', ')})`, ...s.clustering.map((c) => column(c.name))].join(', ');
  const order = s.clustering.length ? ` WITH CLUSTERING ORDER BY (${s.clustering.map((c) => `${column(c.name)} ${c.order === 'DESC' ? 'DESC' : 'ASC'}`).join(', ')})` : '';
  return `CREATE TABLE IF NOT EXISTS ${qualified(ks, s.table)} (${cols.join(', ')}, PRIMARY KEY (${key}))${order}`;
}

export function insertCql(ks: string, s: TableShape): string {
  return `INSERT INTO ${qualified(ks, s.table)} (${s.columns.map((c) => column(c.name)).join(', ')}) VALUES (${s.columns.map(() => '?').join(', ')})`;
}

export function truncateCql(ks: string, table: string): string {
  return `TRUNCATE TABLE ${qualified(ks, table)}`;
}

export function selectAllCql(ks: string, s: TableShape): string {
  return `SELECT ${s.columns.map((c) => column(c.name)).join(', ')} FROM ${qualified(ks, s.table)}`;
}

/**
 * Resources in either form Cassandra prints them: `LIST PERMISSIONS` (`<keyspace ks>`, `<table
 * ks.t>`, `<role r>`, `<all keyspaces>`) or system_auth.role_permissions (`data/ks`, `data/ks/t`,
 * `roles/r`, `data`). Normalised to the first form, which tenancy's resourceClause turns back into
 * GRANT syntax.
 */
export function normalizeResource(r: string): string {
  if (r.startsWith('<')) return r;
  const p = r.split('/');
  if (p[0] === 'data') {
    if (p.length === 1) return '<all keyspaces>';
    if (p.length === 2) return `<keyspace ${p[1]}>`;
    if (p.length === 3) return `<table ${p[1]}.${p[2]}>`;
  }
  if (p[0] === 'roles') return p.length === 1 ? '<all roles>' : `<role ${p.slice(1).join('/')}>`;
  return `<${r}>`;
}

const PERMS = new Set(['CREATE', 'ALTER', 'DROP', 'SELECT', 'MODIFY', 'AUTHORIZE', 'DESCRIBE', 'EXECUTE', 'UNMASK', 'SELECT_MASKED']);

export function grantCql(verb: 'GRANT' | 'REVOKE', permission: string, resource: string, role: string): string {
  const clause = resourceClause(resource);
  if (clause === null || !PERMS.has(permission)) throw new AppError('BAD_INPUT', `bundle: cannot ${verb.toLowerCase()} ${permission} on ${resource.slice(0, 80)}`);
  return `${verb} ${permission} ON ${clause} ${verb === 'GRANT' ? 'TO' : 'FROM'} ${newRole(role)}`;
}

export { ksIdent };
