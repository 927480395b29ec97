import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { AUDIT_CATEGORIES, AUDIT_OUTCOMES, AUDIT_SOURCES, type AuditEventView, type AuditFilter } from '../../../src-shared/contract/audit';
import type { WireError } from '../../../src-shared/contract/core';
import { useClient } from '../../app/client';
import { Badge, type Tone } from '../../ui/Badge';
import { FormError } from '../../ui/Field';
import { VirtualRows } from '../../ui/VirtualRows';
import { deleteFilter, loadFilters, loadProof, queryEvents, saveFilter, writeCsv, writeReport, type ChainProof, type ComplianceReport, type CsvResult } from './actions';
import { EventDetail } from './EventDetail';
import { EMPTY_FORM, filterToForm, formToFilter, PAGE_SIZE, pathError, when, withoutPaging, type FilterForm, type FormErrors } from './format';
import { useAudit, type ReviewSource } from './store';
import { Timeline } from './Timeline';
import './audit.css';

/** Must equal `.audit-row` height in audit.css. */
export const AUDIT_ROW_HEIGHT = 36;
/** CSV writes every matching event up to the channel's page limit. */
const CSV_LIMIT = 5000;

const OUTCOME_TONE: Record<AuditEventView['outcome'], Tone> = { ok: 'success', error: 'warning', refused: 'danger' };
const HEADERS = ['Seq', 'Time (UTC)', 'Type', 'Category', 'User', 'Keyspace', 'Outcome', 'Operation'];

interface PageState {
  events: AuditEventView[];
  total: number;
  capped: boolean;
  next: number | null;
  status: 'idle' | 'loading' | 'more' | 'ready' | 'error';
  error: WireError | null;
}

const EMPTY_PAGE: PageState = { events: [], total: 0, capped: false, next: null, status: 'idle', error: null };

function Select({ id, label, value, options, onChange, testId }: { id: string; label: string; value: string; options: readonly string[]; onChange(v: string): void; testId: string }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
        <option value="">any</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </div>
  );
}

function Input({ id, label, value, onChange, error, testId, type = 'text', hint }: { id: string; label: string; value: string; onChange(v: string): void; error?: string | undefined; testId: string; type?: string; hint?: string }) {
  const msgId = `${id}-msg`;
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <input id={id} type={type} value={value} onChange={(e) => onChange(e.target.value)} aria-invalid={error ? true : undefined} aria-describedby={error || hint ? msgId : undefined} autoComplete="off" spellCheck={false} data-testid={testId} />
      {error ? (
        <p id={msgId} className="field-error">
          {error}
        </p>
      ) : hint ? (
        <p id={msgId} className="field-hint">
          {hint}
        </p>
      ) : null}
    </div>
  );
}

function SavedFilters({ current, onApply }: { current: () => AuditFilter | null; onApply(f: AuditFilter): void }) {
  const client = useClient();
  const filters = useAudit((s) => s.filters);
  const [chosen, setChosen] = useState('');
  const [name, setName] = useState('');
  const [error, setError] = useState<WireError | null>(null);
  const [nameError, setNameError] = useState<string | undefined>();
  useEffect(() => {
    void loadFilters(client);
  }, [client]);
  const save = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const n = name.trim();
    if (!n || n.length > 80 || !/^[A-Za-z0-9 ._-]+$/.test(n)) {
      setNameError('name: 1–80 letters, digits, space, . _ -');
      return;
    }
    const f = current();
    if (!f) return; // the filter form shows its own errors
    setNameError(undefined);
    const r = await saveFilter(client, n, withoutPaging(f));
    if (r.ok) {
      setError(null);
      setName('');
      setChosen(r.value.name);
    } else setError(r.error);
  };
  const pick = (v: string): void => {
    setChosen(v);
    const f = filters.find((x) => x.name === v);
    if (f) onApply(f.filter);
  };
  return (
    <form className="audit-saved" onSubmit={(e) => void save(e)} noValidate aria-label="Saved filters" data-testid="audit-saved-filters">
      <div className="field">
        <label htmlFor="audit-saved-pick">Saved filter</label>
        <select id="audit-saved-pick" value={chosen} onChange={(e) => pick(e.target.value)} data-testid="audit-saved-pick">
          <option value="">—</option>
          {filters.map((f) => (
            <option key={f.name} value={f.name}>
              {f.name}
            </option>
          ))}
        </select>
      </div>
      <button
        type="button"
        className="btn btn-small"
        disabled={!chosen}
        onClick={() =>
          void deleteFilter(client, chosen).then((ok) => {
            if (ok) setChosen('');
          })
        }
        data-testid="audit-saved-delete"
      >
        Delete
      </button>
      <Input id="audit-saved-name" label="Save current filter as" value={name} onChange={setName} error={nameError} testId="audit-saved-name" />
      <button type="submit" className="btn btn-small" data-testid="audit-saved-save">
        Save filter
      </button>
      {error ? <FormError code={error.code} message={error.message} /> : null}
    </form>
  );
}

function OutputForm<T>({
  idBase,
  label,
  button,
  optional,
  run,
  done,
}: {
  idBase: string;
  label: string;
  button: string;
  optional?: boolean;
  run(out: string, overwrite: boolean): Promise<{ ok: true; value: T } | { ok: false; error: WireError }>;
  done(v: T): ReactNode;
}) {
  const [out, setOut] = useState('');
  const [overwrite, setOverwrite] = useState(false);
  const [fieldError, setFieldError] = useState<string | undefined>();
  const [error, setError] = useState<WireError | null>(null);
  const [result, setResult] = useState<T | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const fe = optional && !out.trim() ? undefined : pathError(out, 'output file');
    setFieldError(fe);
    if (fe || busy) return;
    setBusy(true);
    const r = await run(out.trim(), overwrite);
    setBusy(false);
    if (r.ok) {
      setResult(r.value);
      setError(null);
    } else {
      setError(r.error);
      setResult(null);
    }
  };
  return (
    <form className="audit-output" onSubmit={(e) => void submit(e)} noValidate aria-label={button} data-testid={`${idBase}-form`}>
      <Input id={`${idBase}-out`} label={label} value={out} onChange={setOut} error={fieldError} testId={`${idBase}-out`} hint={optional ? 'leave empty to download the HTML instead of writing a file' : undefined} />
      <label className="radio">
        <input type="checkbox" checked={overwrite} onChange={(e) => setOverwrite(e.target.checked)} data-testid={`${idBase}-overwrite`} /> Replace an existing file
      </label>
      <button type="submit" className="btn btn-small" disabled={busy} data-testid={`${idBase}-submit`}>
        {busy ? 'Writing…' : button}
      </button>
      {error ? <FormError code={error.code} message={error.message} /> : null}
      {result !== null ? <div data-testid={`${idBase}-result`}>{done(result)}</div> : null}
    </form>
  );
}

function downloadHtml(name: string, html: string): void {
  if (typeof URL.createObjectURL !== 'function') return;
  const url = URL.createObjectURL(new Blob([html], { type: 'text/html' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function Written({ path, sha256, extra }: { path: string; sha256: string; extra?: string }) {
  return (
    <dl className="kv">
      <dt>Written to</dt>
      <dd className="mono break" data-testid="written-path">
        {path}
      </dd>
      <dt>SHA-256</dt>
      <dd className="mono break" data-testid="written-sha256">
        {sha256}
      </dd>
      {extra ? (
        <>
          <dt>Size</dt>
          <dd>{extra}</dd>
        </>
      ) : null}
    </dl>
  );
}

/**
 * The review of one stream (a live one or an imported snapshot): filters and full-text search,
 * a timeline, the events table (windowed: pages can hold thousands), an event's chain proof,
 * saved filters, CSV and the compliance report. Remount it (key) to switch source.
 */
export function Review({ source, label, actions }: { source: ReviewSource; label: string; actions?: ReactNode }) {
  const client = useClient();
  const [form, setForm] = useState<FilterForm>(EMPTY_FORM);
  const [errors, setErrors] = useState<FormErrors>({});
  const [applied, setApplied] = useState<AuditFilter>({ limit: PAGE_SIZE });
  const [page, setPage] = useState<PageState>(EMPTY_PAGE);
  const [open, setOpen] = useState<number | null>(null);
  const [proof, setProof] = useState<{ proof: ChainProof | null; error: WireError | null; loading: boolean }>({ proof: null, error: null, loading: false });
  const request = useRef(0);

  const run = async (filter: AuditFilter, more = false): Promise<void> => {
    const n = ++request.current;
    setPage((p) => ({ ...(more ? p : EMPTY_PAGE), status: more ? 'more' : 'loading', error: null }));
    const r = await queryEvents(client, source, filter);
    if (n !== request.current) return; // a newer query has started
    if (!r.ok) {
      setPage((p) => ({ ...p, status: 'error', error: r.error }));
      return;
    }
    setPage((p) => ({
      events: more ? [...p.events, ...r.value.events] : r.value.events,
      total: r.value.total,
      capped: r.value.totalCapped,
      next: r.value.nextBeforeSeq,
      status: 'ready',
      error: null,
    }));
  };

  useEffect(() => {
    void run({ limit: PAGE_SIZE });
    // Once per source: the parent remounts this component (key) for another one.
  }, []);

  const parse = (): AuditFilter | null => {
    const r = formToFilter(form);
    setErrors(r.errors ?? {});
    return r.filter;
  };
  const apply = (e?: FormEvent): void => {
    e?.preventDefault();
    const f = parse();
    if (!f) return;
    setApplied(f);
    void run(f);
  };
  const applySaved = (f: AuditFilter): void => {
    const next = filterToForm(f);
    setForm(next);
    const r = formToFilter(next);
    setErrors(r.errors ?? {});
    if (r.filter) {
      setApplied(r.filter);
      void run(r.filter);
    }
  };
  const clear = (): void => {
    setForm(EMPTY_FORM);
    setErrors({});
    setApplied({ limit: PAGE_SIZE });
    void run({ limit: PAGE_SIZE });
  };
  const older = (): void => {
    if (page.next === null) return;
    void run({ ...applied, beforeSeq: page.next }, true);
  };
  const show = async (seq: number): Promise<void> => {
    setOpen(seq);
    setProof({ proof: null, error: null, loading: true });
    const r = await loadProof(client, source, seq);
    setProof(r.ok ? { proof: r.value, error: null, loading: false } : { proof: null, error: r.error, loading: false });
  };
  const set = (k: keyof FilterForm) => (v: string) => setForm((f) => ({ ...f, [k]: v }));
  const loading = page.status === 'loading';

  return (
    <section className="card audit-review" aria-label={label} data-testid="audit-review" data-source={source.kind} data-status={page.status}>
      <header className="card-header">
        <h2>{label}</h2>
        {actions}
      </header>
      <form className="audit-filters" onSubmit={apply} noValidate aria-label="Event filters" data-testid="audit-filters">
        <div className="audit-search">
          <Input id="audit-f-text" label="Search operations" type="search" value={form.text} onChange={set('text')} error={errors.text} testId="audit-f-text" hint="words in the operation, type, user or keyspace" />
        </div>
        <Input id="audit-f-since" label="Since (local time)" type="datetime-local" value={form.since} onChange={set('since')} error={errors.since} testId="audit-f-since" />
        <Input id="audit-f-until" label="Until (local time)" type="datetime-local" value={form.until} onChange={set('until')} error={errors.until} testId="audit-f-until" />
        <Input id="audit-f-type" label="Type" value={form.type} onChange={set('type')} error={errors.type} testId="audit-f-type" />
        <Select id="audit-f-category" label="Category" value={form.category} options={AUDIT_CATEGORIES} onChange={set('category')} testId="audit-f-category" />
        <Select id="audit-f-source" label="Source" value={form.source} options={AUDIT_SOURCES} onChange={set('source')} testId="audit-f-source" />
        <Input id="audit-f-user" label="User" value={form.user} onChange={set('user')} error={errors.user} testId="audit-f-user" />
        <Input id="audit-f-keyspace" label="Keyspace" value={form.keyspace} onChange={set('keyspace')} error={errors.keyspace} testId="audit-f-keyspace" />
        <Select id="audit-f-outcome" label="Outcome" value={form.outcome} options={AUDIT_OUTCOMES} onChange={set('outcome')} testId="audit-f-outcome" />
        <div className="page-actions">
          <button type="submit" className="btn btn-primary" disabled={loading} data-testid="audit-f-apply">
            {loading ? 'Searching…' : 'Search'}
          </button>
          <button type="button" className="btn" onClick={clear} data-testid="audit-f-clear">
            Clear
          </button>
        </div>
      </form>
      <SavedFilters current={parse} onApply={applySaved} />
      {page.error ? <FormError code={page.error.code} message={page.error.message} /> : null}
      <p className="muted" data-testid="audit-count" aria-live="polite">
        {page.status === 'loading'
          ? 'Loading…'
          : page.status === 'idle'
            ? ''
            : `${page.events.length} of ${page.total.toLocaleString('en')}${page.capped ? '+' : ''} matching events shown, newest first`}
      </p>
      <Timeline events={page.events} total={page.total} />
      <VirtualRows
        items={page.events}
        rowHeight={AUDIT_ROW_HEIGHT}
        label={`Events of ${label}`}
        testId="audit-events"
        rowKey={(e) => String(e.seq)}
        rowClassName="audit-row"
        rowAttrs={(e) => ({ 'data-testid': `audit-row-${e.seq}`, 'data-outcome': e.outcome, 'data-type': e.type, ...(open === e.seq ? { 'data-open': 'true' } : {}) })}
        fallbackHeight={480}
        empty={page.status === 'ready' ? <p className="vrows-empty muted">No event matches.</p> : null}
        header={
          <div role="row" className="vrows-row audit-row" aria-rowindex={1}>
            {HEADERS.map((h) => (
              <div key={h} role="columnheader" className="vcell">
                {h}
              </div>
            ))}
          </div>
        }
        renderRow={(e) => (
          <>
            <div role="cell" className="vcell">
              <button type="button" className="btn btn-ghost btn-small mono" onClick={() => void show(e.seq)} aria-label={`Event ${e.seq}: details and chain proof`} data-testid={`audit-open-${e.seq}`}>
                {e.seq}
              </button>
            </div>
            <div role="cell" className="vcell mono small">
              {when(e.at)}
            </div>
            <div role="cell" className="vcell" title={e.type}>
              {e.type}
            </div>
            <div role="cell" className="vcell small">
              {e.category}
            </div>
            <div role="cell" className="vcell" title={e.user ?? undefined}>
              {e.user ?? '—'}
            </div>
            <div role="cell" className="vcell" title={e.keyspace ?? undefined}>
              {e.keyspace ?? '—'}
            </div>
            <div role="cell" className="vcell">
              <Badge tone={OUTCOME_TONE[e.outcome]}>{e.outcome}</Badge>
            </div>
            <div role="cell" className="vcell mono small" title={e.operation}>
              {e.operation}
            </div>
          </>
        )}
      />
      {page.next !== null ? (
        <p>
          <button type="button" className="btn" onClick={older} disabled={page.status === 'more'} data-testid="audit-older">
            {page.status === 'more' ? 'Loading…' : `Load older events (before seq ${page.next})`}
          </button>
        </p>
      ) : null}
      {open !== null ? <EventDetail proof={proof.proof} error={proof.error} loading={proof.loading} onClose={() => setOpen(null)} /> : null}
      <div className="audit-outputs">
        <OutputForm<CsvResult>
          idBase="audit-csv"
          label="CSV file (absolute path)"
          button="Write CSV"
          run={(out, overwrite) => writeCsv(client, source, { ...withoutPaging(applied), limit: CSV_LIMIT }, out, overwrite)}
          done={(v) => <Written path={v.path} sha256={v.sha256} extra={`${v.rows} rows (the current filter, up to ${CSV_LIMIT.toLocaleString('en')})`} />}
        />
        <OutputForm<ComplianceReport>
          idBase="audit-report"
          label="Compliance report file (absolute path, .html)"
          button="Write compliance report"
          optional
          run={(out, overwrite) => writeReport(client, source, out, overwrite)}
          done={(v) => (
            <>
              {v.file ? <Written path={v.file.path} sha256={v.file.sha256} extra={`${v.file.bytes.toLocaleString('en')} bytes — open it in a browser and print to PDF`} /> : <p>Report generated at {when(v.generatedAt)}.</p>}
              <button type="button" className="btn btn-small" onClick={() => downloadHtml(`csm-audit-report-${v.stream.replace(/[^a-z0-9_-]/gi, '_')}.html`, v.html)} data-testid="audit-report-download">
                Download a copy
              </button>
            </>
          )}
        />
      </div>
    </section>
  );
}
