import { createHash } from 'node:crypto';
import type { JsonValue } from '../../store/json';
import type { NewAuditEvent } from '../types';

/**
 * What an event may hold before it is chained (review #5, #8):
 * - every string (fields, detail values and keys) is made well-formed UTF-16: a lone surrogate
 *   would be hashed as such but stored by the driver as U+FFFD, and the event would read as
 *   "edited" forever;
 * - every field is capped, so a few huge statements cannot make a commit exceed Cassandra's
 *   mutation or frame limits (the ingest would stall at the same offset forever). The operation
 *   keeps its first OPERATION_MAX_CHARS characters; its full length and sha256 go into detail.
 */
export const OPERATION_MAX_CHARS = 64 * 1024;
export const DETAIL_MAX_CHARS = 16 * 1024;
export const FIELD_MAX_CHARS: Record<'at' | 'type' | 'user' | 'keyspace' | 'scope' | 'errorCode' | 'origin', number> = {
  at: 64,
  type: 200,
  user: 512,
  keyspace: 256,
  scope: 1024,
  errorCode: 64,
  origin: 1024,
};

type WellFormed = { toWellFormed?: () => string };
/** A well-formed string (lone surrogates → U+FFFD), as the driver would store it. */
export function wellFormed(s: string): string {
  const f = (s as unknown as WellFormed).toWellFormed;
  if (f) return f.call(s);
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/** Cut at `max` UTF-16 units without splitting a surrogate pair. */
export function cap(s: string, max: number): string {
  if (s.length <= max) return s;
  let end = max;
  const c = s.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end -= 1;
  return s.slice(0, end);
}

const text = (s: string | null | undefined, max: number): string | null => (s === null || s === undefined ? null : cap(wellFormed(String(s)), max));

/** A JSON value with every string (and object key) well-formed; null for what JSON cannot hold. */
export function wellFormedJson(v: unknown, depth = 0): JsonValue {
  if (v === null || v === undefined) return null;
  if (depth > 64) return null;
  switch (typeof v) {
    case 'string':
      return wellFormed(v);
    case 'number':
      return Number.isFinite(v) ? v : null;
    case 'boolean':
      return v;
    case 'object': {
      if (Array.isArray(v)) return v.map((x) => wellFormedJson(x, depth + 1));
      if (Buffer.isBuffer(v) || v instanceof Uint8Array) return null;
      const out: Record<string, JsonValue> = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        if (x === undefined || typeof x === 'function' || typeof x === 'symbol' || typeof x === 'bigint') continue;
        out[wellFormed(k)] = wellFormedJson(x, depth + 1);
      }
      return out;
    }
    default:
      return null;
  }
}

/** Detail as stored: well-formed, and at most DETAIL_MAX_CHARS of JSON (else a marker with its size and digest). */
export function boundedDetail(v: unknown): JsonValue {
  let clean: JsonValue;
  let json: string;
  try {
    clean = wellFormedJson(JSON.parse(JSON.stringify(v ?? null) ?? 'null'));
    json = JSON.stringify(clean);
  } catch {
    return null;
  }
  if (json.length <= DETAIL_MAX_CHARS) return clean;
  const cut: { [k: string]: JsonValue } = { truncated: true, chars: json.length, sha256: createHash('sha256').update(json, 'utf8').digest('hex'), head: cap(json, 2048) };
  // An idempotency key survives the cut (streams/service.ts looks for it after a crash).
  const idem = clean !== null && typeof clean === 'object' && !Array.isArray(clean) ? (clean as { [k: string]: JsonValue })['idem'] : undefined;
  if (typeof idem === 'string' && idem.length <= 128) cut['idem'] = idem;
  return cut;
}

/** An event ready to chain: well-formed, capped; a cut operation is recorded in detail with its full length and digest. */
export function sanitizeEvent(e: Omit<NewAuditEvent, 'key'>): Omit<NewAuditEvent, 'key'> {
  const op = wellFormed(String(e.operation ?? ''));
  let detail = boundedDetail(e.detail);
  if (op.length > OPERATION_MAX_CHARS) {
    const cut = { chars: op.length, sha256: createHash('sha256').update(op, 'utf8').digest('hex'), keptChars: cap(op, OPERATION_MAX_CHARS).length };
    detail = detail !== null && typeof detail === 'object' && !Array.isArray(detail) ? { ...detail, operationTruncated: cut } : { value: detail, operationTruncated: cut };
  }
  return {
    at: text(e.at, FIELD_MAX_CHARS.at) ?? '',
    source: e.source,
    type: text(e.type, FIELD_MAX_CHARS.type) ?? '',
    category: e.category,
    user: text(e.user, FIELD_MAX_CHARS.user),
    keyspace: text(e.keyspace, FIELD_MAX_CHARS.keyspace),
    scope: text(e.scope, FIELD_MAX_CHARS.scope),
    operation: cap(op, OPERATION_MAX_CHARS),
    outcome: e.outcome,
    errorCode: text(e.errorCode, FIELD_MAX_CHARS.errorCode),
    origin: text(e.origin, FIELD_MAX_CHARS.origin),
    detail,
  };
}
