/**
 * Redaction used by the logger and the audit log. Keys are matched by name so a new
 * secret-bearing field is covered without registering it anywhere.
 */
const SECRET_KEY = /pass(word|phrase)?|secret|token|credential|private|^key$|keyPem|pkcs12|p12|cookie|authorization/i;
const URL_CREDENTIALS = /(\b[a-z][a-z0-9+.-]*:\/\/)([^/\s:@]+):([^/\s@]+)@/gi;
const PEM_PRIVATE = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g;

export const REDACTED = '[redacted]';

export function redactString(s: string): string {
  return s.replace(URL_CREDENTIALS, `$1${REDACTED}@`).replace(PEM_PRIVATE, REDACTED);
}

/** Longer strings (a logo's base64, a PEM bundle) are kept as their start and length: the log and audit stay readable. */
export const MAX_RECORDED_STRING = 4096;

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[deep]';
  if (typeof value === 'string') {
    const r = redactString(value);
    return r.length > MAX_RECORDED_STRING ? `${r.slice(0, 256)}…[${r.length} chars]` : r;
  }
  if (Array.isArray(value)) return value.slice(0, 100).map((v) => redact(v, depth + 1));
  if (value && typeof value === 'object') {
    if (value instanceof Error) return { name: value.name, message: redactString(value.message) };
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_KEY.test(k) ? (v === undefined || v === null ? v : REDACTED) : redact(v, depth + 1);
    }
    return out;
  }
  return value;
}
