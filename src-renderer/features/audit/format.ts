import { AUDIT_CATEGORIES, AUDIT_OUTCOMES, AUDIT_SOURCES, type AuditEventView, type AuditFilter } from '../../../src-shared/contract/audit';

/** One page of events asked for at a time; older pages come with "Load older" (`nextBeforeSeq`). */
export const PAGE_SIZE = 500;

/**
 * The review filter as the form holds it: every field a string, '' meaning "any". Times are
 * `datetime-local` values (the reviewer's local time), turned into ISO instants for the channel.
 */
export interface FilterForm {
  since: string;
  until: string;
  type: string;
  category: string;
  source: string;
  user: string;
  keyspace: string;
  outcome: string;
  text: string;
}

export const EMPTY_FORM: FilterForm = { since: '', until: '', type: '', category: '', source: '', user: '', keyspace: '', outcome: '', text: '' };

export type FormErrors = Partial<Record<keyof FilterForm, string>>;

/** `2026-11-29T10:15` (local) → ISO instant; null when it is not a time. */
export function localToIso(local: string): string | null {
  const v = local.trim();
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/.test(v)) return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** ISO instant → `datetime-local` value in the reviewer's local time (minutes). */
export function isoToLocal(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

const oneOf = <T extends string>(list: readonly T[], v: string): v is T => (list as readonly string[]).includes(v);

/** The form → a channel filter (empty fields left out), or the field errors. */
export function formToFilter(f: FilterForm, limit = PAGE_SIZE): { filter: AuditFilter; errors: null } | { filter: null; errors: FormErrors } {
  const errors: FormErrors = {};
  const filter: AuditFilter = { limit };
  if (f.since.trim()) {
    const iso = localToIso(f.since);
    if (iso) filter.since = iso;
    else errors.since = 'since: a date and time';
  }
  if (f.until.trim()) {
    const iso = localToIso(f.until);
    if (iso) filter.until = iso;
    else errors.until = 'until: a date and time';
  }
  if (filter.since && filter.until && filter.since > filter.until) errors.until = 'until: after since';
  const text = (k: 'type' | 'user' | 'keyspace' | 'text', max: number): void => {
    const v = f[k].trim();
    if (!v) return;
    if (v.length > max) errors[k] = `${k}: at most ${max} characters`;
    else filter[k] = v;
  };
  text('type', 100);
  text('user', 200);
  text('keyspace', 200);
  text('text', 200);
  if (f.category) {
    if (oneOf(AUDIT_CATEGORIES, f.category)) filter.category = f.category;
    else errors.category = 'category: unknown';
  }
  if (f.source) {
    if (oneOf(AUDIT_SOURCES, f.source)) filter.source = f.source;
    else errors.source = 'source: unknown';
  }
  if (f.outcome) {
    if (oneOf(AUDIT_OUTCOMES, f.outcome)) filter.outcome = f.outcome;
    else errors.outcome = 'outcome: unknown';
  }
  return Object.keys(errors).length ? { filter: null, errors } : { filter, errors: null };
}

/** A saved filter back into the form. */
export function filterToForm(f: Partial<AuditFilter>): FilterForm {
  return {
    since: f.since ? isoToLocal(f.since) : '',
    until: f.until ? isoToLocal(f.until) : '',
    type: f.type ?? '',
    category: f.category ?? '',
    source: f.source ?? '',
    user: f.user ?? '',
    keyspace: f.keyspace ?? '',
    outcome: f.outcome ?? '',
    text: f.text ?? '',
  };
}

/** The filter without paging, for saving and for CSV (which writes every matching row up to its limit). */
export function withoutPaging(f: AuditFilter): AuditFilter {
  const { beforeSeq: _b, ...rest } = f;
  return rest;
}

/** The same rule the channels apply to file paths: absolute (POSIX or a Windows drive). */
export function pathError(p: string, what = 'path'): string | undefined {
  const v = p.trim();
  if (!v) return `${what}: required`;
  if (v.length > 4096) return `${what}: at most 4096 characters`;
  if (!(v.startsWith('/') || /^[A-Za-z]:[\\/]/.test(v))) return `${what}: an absolute path (starting with / or a drive letter)`;
  return undefined;
}

/** One absolute path per line; blank lines skipped. */
export function pathLines(text: string): { paths: string[]; error?: string } {
  const paths = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  for (const [i, p] of paths.entries()) {
    const e = pathError(p);
    if (e) return { paths, error: `line ${i + 1}: ${e}` };
  }
  return { paths };
}

/** `2026-11-29T09:01:11.123Z` → `2026-11-29 09:01:11Z`: UTC, as auditors compare with logs. */
export function when(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})/.exec(iso);
  return m ? `${m[1]} ${m[2]}Z` : iso;
}

export interface Bucket {
  /** Start of the bucket, ISO. */
  start: string;
  label: string;
  count: number;
  refused: number;
}

/**
 * Events per hour (when the loaded events span two days or less) or per day, in UTC, oldest
 * first, empty buckets included so gaps show; at most `max` buckets (the oldest are dropped),
 * at least `min` (earlier empty ones added, so one busy hour is not drawn as one wide slab).
 */
export function timeline(events: readonly Pick<AuditEventView, 'at' | 'outcome'>[], max = 96, minCount = 1): { unit: 'hour' | 'day'; buckets: Bucket[] } {
  // A loop, not Math.min(...): pages appended by "Load older" can exceed the argument limit.
  let min = Infinity;
  let maxT = -Infinity;
  for (const e of events) {
    const t = Date.parse(e.at);
    if (Number.isNaN(t)) continue;
    if (t < min) min = t;
    if (t > maxT) maxT = t;
  }
  if (min === Infinity) return { unit: 'hour', buckets: [] };
  const unit: 'hour' | 'day' = maxT - min <= 48 * 3600_000 ? 'hour' : 'day';
  const size = unit === 'hour' ? 3600_000 : 86400_000;
  const floor = (t: number): number => Math.floor(t / size) * size;
  const first = Math.min(Math.max(floor(min), floor(maxT) - (max - 1) * size), floor(maxT) - (Math.min(minCount, max) - 1) * size);
  const n = Math.floor((floor(maxT) - first) / size) + 1;
  const buckets: Bucket[] = Array.from({ length: n }, (_, i) => {
    const start = new Date(first + i * size).toISOString();
    return { start, label: unit === 'hour' ? `${start.slice(0, 10)} ${start.slice(11, 13)}:00Z` : start.slice(0, 10), count: 0, refused: 0 };
  });
  for (const e of events) {
    const t = Date.parse(e.at);
    if (Number.isNaN(t)) continue;
    const k = Math.floor((floor(t) - first) / size);
    const b = buckets[k];
    if (!b) continue;
    b.count++;
    if (e.outcome !== 'ok') b.refused++;
  }
  return { unit, buckets };
}

/** Shorten a long hex digest for a table cell; the full value stays in the title / detail. */
export const short = (hex: string, n = 16): string => (hex.length > n ? `${hex.slice(0, n)}…` : hex);
