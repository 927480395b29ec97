import { AppError } from '../../app/errors';

/**
 * Row values of a bundle chunk: JSON with type tags, so every value the driver returned comes
 * back as a value a prepared INSERT binds to the same bytes (the driver accepts strings for
 * bigint, uuid/timeuuid, date, time, inet, varint and decimal, and a Buffer as the raw serialized
 * form of any type — used for duration). Only src-main/cassandra imports the driver, so the
 * decoder never builds driver classes; the tags keep the type so a reader can tell a Long from a
 * string. Anything the encoder does not know is refused at export (never silently stringified).
 *
 *   null/undefined → null          string, boolean, finite number → itself
 *   -0, NaN, ±Infinity → {$f}       bigint (JS) → {$n}          Buffer → {$b: base64}
 *   Date → {$t: epoch ms}           Array → {$a: [...]}         Set → {$s: [...]}
 *   Map → {$m: [[k, v], ...]}       plain object (UDT, map<text,…>) → {$o: {k: v}}
 *   Long → {$L}   Uuid → {$u}   TimeUuid → {$tu}   LocalDate → {$d}   LocalTime → {$tm}
 *   InetAddress → {$i}   BigDecimal → {$dec}   Integer (varint) → {$vi}
 *   Duration → {$dur: base64 of its serialized form}   Tuple → {$tup: [...]}
 *   Float32Array (vector) → {$v: [...]}
 */
export type Encoded = null | string | boolean | number | { [tag: string]: unknown };

type Ctor = { constructor?: { name?: string } };
const ctorName = (v: object): string => (v as Ctor).constructor?.name ?? 'Object';

export function encodeValue(v: unknown): Encoded {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      return Number.isFinite(v) && !Object.is(v, -0) ? v : { $f: Object.is(v, -0) ? '-0' : String(v) };
    case 'bigint':
      return { $n: v.toString() };
    case 'object':
      break;
    default:
      throw new AppError('BAD_INPUT', `bundle encoder: a ${typeof v} value cannot be exported`);
  }
  if (Buffer.isBuffer(v)) return { $b: v.toString('base64') };
  if (v instanceof Date) return { $t: v.getTime() };
  if (Array.isArray(v)) return { $a: v.map(encodeValue) };
  if (v instanceof Set) return { $s: [...v].map(encodeValue) };
  if (v instanceof Map) return { $m: [...v.entries()].map(([k, x]) => [encodeValue(k), encodeValue(x)]) };
  if (v instanceof Float32Array) return { $v: [...v] };
  const name = ctorName(v);
  const text = (): string => String(v);
  switch (name) {
    case 'Object': {
      const o = v as Record<string, unknown>;
      const out: Record<string, Encoded> = {};
      for (const k of Object.keys(o)) out[k] = encodeValue(o[k]);
      return { $o: out };
    }
    case 'Long':
      return { $L: text() };
    case 'Uuid':
      return { $u: text() };
    case 'TimeUuid':
      return { $tu: text() };
    case 'LocalDate':
      return { $d: text() };
    case 'LocalTime':
      return { $tm: text() };
    case 'InetAddress':
      return { $i: text() };
    case 'BigDecimal':
      return { $dec: text() };
    case 'Integer':
      return { $vi: text() };
    case 'Duration': {
      const d = v as { toBuffer?: () => Buffer };
      if (typeof d.toBuffer !== 'function') break;
      return { $dur: d.toBuffer().toString('base64') };
    }
    case 'Tuple': {
      const t = v as { elements?: unknown[] };
      if (!Array.isArray(t.elements)) break;
      return { $tup: t.elements.map(encodeValue) };
    }
    case 'Vector': {
      const t = v as { elements?: unknown[] } & Iterable<unknown>;
      return { $a: [...t].map(encodeValue) };
    }
    default:
      break;
  }
  throw new AppError('BAD_INPUT', `bundle encoder: values of type ${name} cannot be exported yet`);
}

/** A tuple as the driver's encoder reads one (`length` and `get(i)`), without the driver's class. */
export class BundleTuple {
  readonly length: number;
  constructor(readonly elements: unknown[]) {
    this.length = elements.length;
  }
  get(i: number): unknown {
    return this.elements[i];
  }
  values(): unknown[] {
    return [...this.elements];
  }
}

const bad = (what: string): never => {
  throw new AppError('BAD_INPUT', `bundle chunk: ${what}`);
};
const str = (x: unknown, tag: string): string => (typeof x === 'string' ? x : bad(`${tag} expects a string`));

/** Driver-ready value of an encoded one (bound as a prepared-statement parameter). */
export function decodeValue(e: unknown): unknown {
  if (e === null) return null;
  if (typeof e === 'string' || typeof e === 'boolean' || typeof e === 'number') return e;
  if (typeof e !== 'object' || Array.isArray(e)) return bad('unexpected JSON value');
  const keys = Object.keys(e as object);
  if (keys.length !== 1) return bad('a tagged value has exactly one tag');
  const tag = keys[0] as string;
  const x = (e as Record<string, unknown>)[tag];
  switch (tag) {
    case '$f': {
      const s = str(x, tag);
      if (s === '-0') return -0;
      if (s === 'NaN') return NaN;
      if (s === 'Infinity') return Infinity;
      if (s === '-Infinity') return -Infinity;
      return bad('bad float tag');
    }
    case '$n': {
      const t = str(x, tag);
      // BigInt('1.5') throws a SyntaxError: a bad integer text is the bundle's fault, said as such.
      if (!/^-?[0-9]{1,80}$/.test(t)) return bad('$n expects an integer');
      return BigInt(t);
    }
    case '$b':
      return Buffer.from(str(x, tag), 'base64');
    case '$t':
      return typeof x === 'number' ? new Date(x) : bad('$t expects a number');
    case '$a':
      return Array.isArray(x) ? x.map(decodeValue) : bad('$a expects an array');
    case '$s':
      return Array.isArray(x) ? x.map(decodeValue) : bad('$s expects an array');
    case '$m': {
      if (!Array.isArray(x)) return bad('$m expects an array');
      const m = new Map<unknown, unknown>();
      for (const pair of x) {
        if (!Array.isArray(pair) || pair.length !== 2) bad('$m expects pairs');
        m.set(decodeValue((pair as unknown[])[0]), decodeValue((pair as unknown[])[1]));
      }
      return m;
    }
    case '$o': {
      if (typeof x !== 'object' || x === null || Array.isArray(x)) return bad('$o expects an object');
      // A field named __proto__ would set the object's prototype instead of a field: refused
      // (a null-prototype object is not an option: the driver's map/UDT encoders call hasOwnProperty).
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(x)) {
        if (k === '__proto__') return bad('$o has a field named __proto__');
        out[k] = decodeValue(v);
      }
      return out;
    }
    case '$v':
      return Array.isArray(x) && x.every((n) => typeof n === 'number') ? Float32Array.from(x as number[]) : bad('$v expects numbers');
    case '$tup':
      return Array.isArray(x) ? new BundleTuple(x.map(decodeValue)) : bad('$tup expects an array');
    case '$dur':
      return Buffer.from(str(x, tag), 'base64');
    case '$L':
    case '$u':
    case '$tu':
    case '$d':
    case '$tm':
    case '$i':
    case '$dec':
    case '$vi':
      return str(x, tag);
    default:
      return bad(`unknown tag ${tag}`);
  }
}

/** A chunk's plaintext (before compression): column names once, rows as arrays in that order. */
export interface ChunkBody {
  columns: string[];
  rows: Encoded[][];
}

export function encodeRows(columns: readonly string[], rows: readonly Record<string, unknown>[]): ChunkBody {
  return { columns: [...columns], rows: rows.map((r) => columns.map((c) => encodeValue(r[c]))) };
}

export function decodeRows(body: unknown): Record<string, unknown>[] {
  if (typeof body !== 'object' || body === null) return bad('not an object');
  const { columns, rows } = body as { columns?: unknown; rows?: unknown };
  if (!Array.isArray(columns) || !columns.every((c) => typeof c === 'string')) return bad('columns missing');
  if (columns.includes('__proto__')) return bad('a column named __proto__');
  if (!Array.isArray(rows)) return bad('rows missing');
  return rows.map((r) => {
    if (!Array.isArray(r) || r.length !== columns.length) bad('a row does not match the columns');
    const out: Record<string, unknown> = {};
    columns.forEach((c: string, i) => {
      out[c] = decodeValue((r as unknown[])[i]);
    });
    return out;
  });
}
