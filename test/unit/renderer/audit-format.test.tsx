import { describe, expect, it } from 'vitest';
import { EMPTY_FORM, filterToForm, formToFilter, isoToLocal, localToIso, pathError, pathLines, timeline, when } from '../../../src-renderer/features/audit/format';

const at = (iso: string, outcome: 'ok' | 'refused' | 'error' = 'ok') => ({ at: iso, outcome });

describe('audit review helpers', () => {
  it('timeline: per hour within two days, empty hours kept so gaps show, refused counted apart', () => {
    const t = timeline([at('2026-11-29T08:10:00Z'), at('2026-11-29T08:50:00Z', 'refused'), at('2026-11-29T11:00:00Z')]);
    expect(t.unit).toBe('hour');
    expect(t.buckets.map((b) => [b.label, b.count, b.refused])).toEqual([
      ['2026-11-29 08:00Z', 2, 1],
      ['2026-11-29 09:00Z', 0, 0],
      ['2026-11-29 10:00Z', 0, 0],
      ['2026-11-29 11:00Z', 1, 0],
    ]);
  });

  it('timeline: per day beyond two days, capped to the newest buckets; nothing for no events', () => {
    const t = timeline([at('2026-01-01T00:00:00Z'), at('2026-11-29T23:59:59Z'), at('2026-11-28T12:00:00Z')], 5);
    expect(t.unit).toBe('day');
    expect(t.buckets.map((b) => b.label)).toEqual(['2026-11-25', '2026-11-26', '2026-11-27', '2026-11-28', '2026-11-29']);
    expect(t.buckets.reduce((n, b) => n + b.count, 0)).toBe(2); // the January event is outside the cap
    expect(timeline([]).buckets).toEqual([]);
    const padded = timeline([at('2026-11-29T08:10:00Z')], 96, 24);
    expect(padded.buckets).toHaveLength(24);
    expect(padded.buckets[0]!.label).toBe('2026-11-28 09:00Z');
    expect(padded.buckets.at(-1)).toMatchObject({ label: '2026-11-29 08:00Z', count: 1 });
  });

  it('form ↔ filter: empty fields left out, local times to ISO instants and back, bad values named', () => {
    expect(formToFilter(EMPTY_FORM, 50)).toEqual({ filter: { limit: 50 }, errors: null });
    const iso = localToIso('2026-11-29T10:15')!;
    expect(new Date(iso).getHours()).toBe(10);
    expect(isoToLocal(iso)).toBe('2026-11-29T10:15');
    expect(localToIso('yesterday')).toBeNull();
    const r = formToFilter({ ...EMPTY_FORM, since: 'soon', category: 'NOPE', text: 'x'.repeat(201) });
    expect(r.errors).toEqual({ since: 'since: a date and time', category: 'category: unknown', text: 'text: at most 200 characters' });
    const back = filterToForm({ limit: 10, type: 'LOGIN_ERROR', outcome: 'refused', since: iso });
    expect(back).toEqual({ ...EMPTY_FORM, type: 'LOGIN_ERROR', outcome: 'refused', since: '2026-11-29T10:15' });
  });

  it('paths: absolute POSIX or Windows drive only, one per line with the line named', () => {
    expect(pathError('/a/b')).toBeUndefined();
    expect(pathError('C:\\logs\\audit.log')).toBeUndefined();
    expect(pathError('logs/audit.log', 'file')).toBe('file: an absolute path (starting with / or a drive letter)');
    expect(pathError('  ')).toBe('path: required');
    expect(pathLines('/a\n\n  /b  \n')).toEqual({ paths: ['/a', '/b'] });
    expect(pathLines('/a\n./b').error).toBe('line 2: path: an absolute path (starting with / or a drive letter)');
    expect(when('2026-11-29T09:01:11.123Z')).toBe('2026-11-29 09:01:11Z');
  });
});
