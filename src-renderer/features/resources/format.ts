import type { QuotaResource, UsageMetric } from '../../../src-shared/contract/resources';

/**
 * Pure formatting and parsing for the resources screens (issue 10). Money never passes through a
 * float: amounts are integer minor units, parsed from and printed to decimal strings by digit
 * arithmetic.
 */

/** Minor-unit digits of a currency (EUR 2, JPY 0, KWD 3); 2 when the runtime does not know it. */
export function minorDigits(currency: string): number {
  try {
    const d = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits;
    return typeof d === 'number' && d >= 0 && d <= 4 ? d : 2;
  } catch {
    return 2;
  }
}

const group = (digits: string): string => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** "1,234.56 EUR" from 123456 minor units, exactly (no division). */
export function formatMoney(minor: number, currency: string): string {
  const d = minorDigits(currency);
  const neg = minor < 0;
  const s = String(Math.abs(Math.trunc(minor))).padStart(d + 1, '0');
  const whole = s.slice(0, s.length - d);
  const frac = d ? `.${s.slice(s.length - d)}` : '';
  return `${neg ? '-' : ''}${group(whole)}${frac} ${currency}`;
}

/** Minor units as the decimal string an editor shows ("12.34" for 1234 with 2 digits). */
export function minorToDecimal(minor: number, currency: string): string {
  const d = minorDigits(currency);
  const s = String(Math.trunc(minor)).padStart(d + 1, '0');
  return d ? `${s.slice(0, s.length - d)}.${s.slice(s.length - d)}` : s;
}

/**
 * "12.34" → 1234 minor units by string arithmetic (12.34 * 100 is 1233.9999999999998 as a float).
 * Accepts digits with an optional point and at most the currency's minor digits; refuses signs,
 * exponents, grouping and anything above Number.MAX_SAFE_INTEGER minor units.
 */
export function parseMoney(text: string, currency: string): { minor: number | null; error: string | null } {
  const d = minorDigits(currency);
  const t = text.trim();
  if (!t) return { minor: null, error: 'an amount' };
  const m = /^(\d+)(?:\.(\d*))?$/.exec(t);
  if (!m) return { minor: null, error: d ? `an amount such as 12.${'3456'.slice(0, d)}` : 'a whole amount such as 12' };
  const frac = m[2] ?? '';
  if (frac.length > d) return { minor: null, error: d ? `at most ${d} decimal place${d === 1 ? '' : 's'} for ${currency}` : `no decimals for ${currency}` };
  const minor = BigInt(m[1] ?? '0') * 10n ** BigInt(d) + BigInt(frac.padEnd(d, '0') || '0');
  if (minor > BigInt(Number.MAX_SAFE_INTEGER)) return { minor: null, error: 'too large' };
  return { minor: Number(minor), error: null };
}

export function currencyProblem(c: string): string | null {
  return /^[A-Z]{3}$/.test(c) ? null : 'an ISO 4217 code such as EUR';
}

const BYTE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];

/** Decimal (10^3) byte units, as billing counts GB = 10^9 bytes. */
export function formatBytes(n: number): string {
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1000 && i < BYTE_UNITS.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? String(Math.round(v)) : v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2)} ${BYTE_UNITS[i]}`;
}

/** A figure with its unit: bytes humanised, counts as integers, the rest to 2 places. */
export function formatValue(value: number | null, unit: string): string {
  if (value === null) return '—';
  if (unit === 'bytes' || unit === 'B') return formatBytes(value);
  const n = Number.isInteger(value) ? value.toLocaleString('en') : value.toLocaleString('en', { maximumFractionDigits: 2 });
  return unit && unit !== 'count' ? `${n} ${unit}` : n;
}

/** Labels of the known metrics; a metric added to the contract later shows under its own name. */
const METRIC_LABELS: Partial<Record<UsageMetric, string>> = {
  storage_bytes: 'Storage',
  keyspaces: 'Keyspaces',
  tables: 'Tables',
  users: 'Users',
  certificates: 'Active certificates',
  connections: 'Connections',
  reads: 'Reads',
  writes: 'Writes',
  read_latency_p99_ms: 'Read latency p99',
  write_latency_p99_ms: 'Write latency p99',
  console_ops: 'Console operations',
  requests: 'Requests',
};
export const metricLabel = (m: UsageMetric): string => METRIC_LABELS[m] ?? m;

export const RESOURCE_LABEL: Record<QuotaResource, string> = {
  users: 'Users',
  certificates: 'Certificates',
  keyspaces: 'Keyspaces',
  tables: 'Tables',
  'storage-gb': 'Storage (GB)',
  'ops-per-hour': 'Console operations per hour',
};

/** Bounds of the contract's `limit` (z.number().nonnegative().max(1e12)). */
export const LIMIT_MAX = 1e12;
export const GRACE_MAX_HOURS = 24 * 90;

/**
 * One limit field: empty → null (no limit), else a non-negative number within the contract's
 * bounds; counts are whole numbers, storage GB may have decimals.
 */
export function parseLimit(text: string, resource: QuotaResource): { value: number | null; error: string | null } {
  const t = text.trim();
  if (!t) return { value: null, error: null };
  const re = resource === 'storage-gb' ? /^\d+(\.\d+)?$/ : /^\d+$/;
  if (!re.test(t)) return { value: null, error: resource === 'storage-gb' ? 'a non-negative number of GB' : 'a whole non-negative number' };
  const n = Number(t);
  if (n > LIMIT_MAX) return { value: null, error: `at most ${LIMIT_MAX}` };
  return { value: n, error: null };
}

export function parseGrace(text: string): { value: number | null; error: string | null } {
  const t = text.trim();
  if (!t) return { value: null, error: null };
  if (!/^\d+(\.\d+)?$/.test(t)) return { value: null, error: 'hours, a non-negative number' };
  const n = Number(t);
  if (n > GRACE_MAX_HOURS) return { value: null, error: `at most ${GRACE_MAX_HOURS} hours (90 days)` };
  return { value: n, error: null };
}

export interface QuotaFormErrors {
  soft?: string;
  hard?: string;
  grace?: string;
}

/** The editor's checks, mirroring the contract and the service: bounds per field, then soft ≤ hard. */
export function quotaFormErrors(resource: QuotaResource, soft: string, hard: string, grace: string): { errors: QuotaFormErrors; values: { soft: number | null; hard: number | null; graceHours: number | null } } {
  const s = parseLimit(soft, resource);
  const h = parseLimit(hard, resource);
  const g = parseGrace(grace);
  const errors: QuotaFormErrors = {};
  if (s.error) errors.soft = s.error;
  if (h.error) errors.hard = h.error;
  if (g.error) errors.grace = g.error;
  if (!errors.soft && !errors.hard && s.value !== null && h.value !== null && s.value > h.value) errors.soft = `the soft limit (${s.value}) must not exceed the hard limit (${h.value})`;
  return { errors, values: { soft: s.value, hard: h.value, graceHours: g.value } };
}

/** A datetime-local value ("2026-11-29T14:00") read as local time → ISO with offset, or null. */
export function localToIso(v: string): string | null {
  if (!v) return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

/** An ISO 8601 instant with offset (what the channels take), or an error. */
export function isoProblem(v: string): string | null {
  const t = v.trim();
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(t) || Number.isNaN(Date.parse(t))) return 'an ISO 8601 time such as 2026-11-01T00:00:00Z';
  return null;
}

/** Min, max and latest of a series' non-null points: the chart's accessible summary. */
export function seriesSummary(points: readonly { at: string; value: number | null }[]): { min: number; max: number; latest: number; count: number } | null {
  const vals = points.map((p) => p.value).filter((v): v is number => v !== null);
  if (!vals.length) return null;
  return { min: Math.min(...vals), max: Math.max(...vals), latest: vals[vals.length - 1] as number, count: vals.length };
}

export const percent = (share: number): string => `${(share * 100).toFixed(1)} %`;
