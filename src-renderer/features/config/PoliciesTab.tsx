import { useEffect, useMemo, useState, type FormEvent } from 'react';
import type { ConfigView } from '../../../src-shared/contract/config';
import {
  applyOverrides,
  complianceIssues,
  FEATURE_NAME_PATTERN,
  fieldDef,
  FIELDS,
  getField,
  SECTION_LABELS,
  SECTIONS,
  showValue,
  type FieldDef,
  type FieldValue,
} from '../../../src-shared/rules/tenant-config';
import { useClient } from '../../app/client';
import { useSession } from '../../app/stores/session';
import { Badge } from '../../ui/Badge';
import { FormError } from '../../ui/Field';
import { loadConfig, saveConfig } from './actions';
import { configKey, useConfig } from './store';

/** Text of a field as the form edits it (numbers as typed, so "1e" shows an error instead of vanishing). */
const textOf = (v: FieldValue | undefined): string => (v === null || v === undefined ? '' : Array.isArray(v) ? v.join(',') : String(v));

/** The form's text back to a typed value; undefined = not a value of that kind (shown inline). */
function valueOf(def: FieldDef, text: string): FieldValue | undefined {
  if (def.kind === 'quota' && text.trim() === '') return null;
  if (def.kind === 'int' || def.kind === 'quota') return /^\d{1,9}$/.test(text.trim()) ? Number(text.trim()) : undefined;
  if (def.kind === 'bool') return text === 'true';
  if (def.kind === 'enum-list') return text === '' ? [] : text.split(',');
  return text;
}

export function useCanEdit(cluster: string, tenant: string): boolean {
  return useSession((s) => s.scopes[cluster]?.platform === true || (s.scopes[cluster]?.tenantAdmin ?? []).includes(tenant));
}

/** Policies tab: a typed form per section, validated inline with the same schema main applies. */
export function PoliciesTab({ cluster, tenant }: { cluster: string; tenant: string }) {
  const client = useClient();
  const key = configKey(cluster, tenant);
  const view = useConfig((s) => s.views[key]);
  const error = useConfig((s) => s.errors[key]);
  const canEdit = useCanEdit(cluster, tenant);

  useEffect(() => {
    void loadConfig(client, cluster, tenant);
  }, [client, cluster, tenant]);

  return (
    <div className="tab-panel" data-testid="policies-tab">
      {error ? <FormError code={error.code} message={error.message} /> : null}
      {view ? <PolicyForm view={view} canEdit={canEdit} /> : error ? null : <p className="muted" aria-busy="true">Reading the policies…</p>}
    </div>
  );
}

function PolicyForm({ view, canEdit }: { view: ConfigView; canEdit: boolean }) {
  const client = useClient();
  const [texts, setTexts] = useState<Record<string, string>>({});
  const [clear, setClear] = useState<string[]>([]);
  const [newFlag, setNewFlag] = useState('');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<{ code: string; message: string } | null>(null);
  useEffect(() => {
    setTexts({});
    setClear([]);
    setReason('');
    setFailure(null);
  }, [view.version, view.cluster, view.tenant]);

  const flags = Object.keys(view.effective.features).sort();
  const paths = [...FIELDS.map((d) => d.path), ...flags.map((f) => `features.${f}`), ...Object.keys(texts).filter((p) => p.startsWith('features.') && !flags.includes(p.slice(9)))];
  const set: Record<string, FieldValue> = {};
  const parseErrors: Record<string, string> = {};
  for (const [path, text] of Object.entries(texts)) {
    const def = fieldDef(path);
    if (!def) continue;
    const v = valueOf(def, text);
    if (v === undefined) parseErrors[path] = def.kind === 'quota' ? 'a whole number, or empty for no limit' : 'a whole number';
    else if (JSON.stringify(v) !== JSON.stringify(getField(view.effective, path))) set[path] = v;
  }
  const { effective, issues } = useMemo(() => {
    const kept = Object.fromEntries(Object.entries(view.overrides).filter(([p]) => !clear.includes(p)));
    return applyOverrides(baseOf(view), { ...kept, ...set });
  }, [view, JSON.stringify(set), clear.join()]);
  const touched = [...Object.keys(set), ...clear];
  const errors: Record<string, string> = { ...Object.fromEntries(issues.map((i) => [i.path, i.message])), ...parseErrors };
  for (const c of complianceIssues(effective, view.compliance)) if (touched.includes(c.path)) errors[c.path] = c.message;
  const changed = touched.length > 0;
  const invalid = Object.keys(errors).length > 0 || reason.trim() === '';

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (!canEdit || busy || invalid || !changed) return;
    setBusy(true);
    const r = await saveConfig(client, view.cluster, view.tenant, { set, clear, reason: reason.trim(), expectedVersion: view.version });
    setBusy(false);
    setFailure(r.ok ? null : { code: r.code, message: r.message });
  };
  const edit = (path: string, text: string): void => {
    setTexts({ ...texts, [path]: text });
    setClear(clear.filter((p) => p !== path));
  };
  const inherit = (path: string): void => {
    setTexts(Object.fromEntries(Object.entries(texts).filter(([p]) => p !== path)));
    setClear([...clear.filter((p) => p !== path), path]);
  };

  return (
    <form className="card" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="policies-title" data-testid="policies-form">
      <header className="card-header">
        <h2 id="policies-title">Policies</h2>
        <span className="muted small" data-testid="policies-version">
          version {view.version}
          {view.updatedBy ? ` · by ${view.updatedBy} at ${view.updatedAt}` : ' · everything inherited'} · template {view.template.name ?? '(none)'}
        </span>
      </header>
      {!canEdit ? <p className="muted small">Read-only: tenant admins and platform operators change policies.</p> : null}
      {SECTIONS.map((section) => (
        <fieldset className="form-fieldset" key={section} data-testid={`policy-section-${section}`}>
          <legend>{SECTION_LABELS[section]}</legend>
          <div className="form-grid">
            {paths
              .filter((p) => p.startsWith(`${section}.`))
              .map((path) => {
                const def = fieldDef(path)!;
                const overridden = Object.prototype.hasOwnProperty.call(view.overrides, path) && !clear.includes(path);
                const shownText = texts[path] ?? (clear.includes(path) ? textOf(getField(baseOf(view), path)) : textOf(getField(view.effective, path)));
                const inheritedValue = view.fields.find((f) => f.path === path)?.inheritedValue;
                return (
                  <PolicyField
                    key={path}
                    def={def}
                    text={shownText}
                    error={errors[path]}
                    disabled={!canEdit}
                    onChange={(t) => edit(path, t)}
                    badge={
                      overridden ? (
                        <>
                          <Badge tone="accent">overridden</Badge>{' '}
                          <span className="muted small">inherited: {showValue(inheritedValue)}</span>{' '}
                          {canEdit ? (
                            <button type="button" className="btn btn-ghost btn-small" onClick={() => inherit(path)} data-testid={`inherit-${path}`}>
                              Use inherited
                            </button>
                          ) : null}
                        </>
                      ) : (
                        <Badge>inherited</Badge>
                      )
                    }
                  />
                );
              })}
          </div>
          {section === 'features' && canEdit ? (
            <div className="form-grid">
              <div className={`field${newFlag && !FEATURE_NAME_PATTERN.test(newFlag) ? ' field-invalid' : ''}`}>
                <label htmlFor="new-flag">New feature flag</label>
                <input id="new-flag" value={newFlag} onChange={(e) => setNewFlag(e.target.value.trim())} autoComplete="off" spellCheck={false} data-testid="new-flag" />
                {newFlag && !FEATURE_NAME_PATTERN.test(newFlag) ? <p className="field-error">lower-case letters, digits, _ or .</p> : null}
              </div>
              <div className="field">
                <button
                  type="button"
                  className="btn btn-small"
                  disabled={!FEATURE_NAME_PATTERN.test(newFlag) || paths.includes(`features.${newFlag}`)}
                  onClick={() => {
                    edit(`features.${newFlag}`, 'true');
                    setNewFlag('');
                  }}
                >
                  Add flag (on)
                </button>
              </div>
            </div>
          ) : null}
        </fieldset>
      ))}
      {canEdit ? (
        <>
          <div className={`field${changed && reason.trim() === '' ? ' field-invalid' : ''}`}>
            <label htmlFor="policy-reason">Reason (kept with the version)</label>
            <input id="policy-reason" value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} autoComplete="off" data-testid="policy-reason" />
            {changed && reason.trim() === '' ? <p className="field-error">say why: it is recorded with the new version</p> : null}
          </div>
          {failure ? <FormError code={failure.code} message={failure.message} /> : null}
          <div className="card-actions">
            <span className="muted small">{changed ? `${touched.length} field${touched.length === 1 ? '' : 's'} changed` : 'no changes'}</span>
            <button type="submit" className="btn btn-primary" disabled={busy || invalid || !changed} data-testid="policies-save">
              {busy ? 'Saving…' : 'Save as new version'}
            </button>
          </div>
        </>
      ) : null}
    </form>
  );
}

/** What the fields inherit (template or built-in), from the view: the base an edit is checked against. */
export function baseOf(view: ConfigView): ConfigView['effective'] {
  const base = JSON.parse(JSON.stringify(view.effective)) as ConfigView['effective'];
  for (const f of view.fields) {
    const i = f.path.indexOf('.');
    const section = (base as unknown as Record<string, Record<string, unknown>>)[f.path.slice(0, i)]!;
    if (f.inheritedFrom === 'none') delete section[f.path.slice(i + 1)];
    else section[f.path.slice(i + 1)] = f.inheritedValue;
  }
  return base;
}

function PolicyField({ def, text, error, disabled, onChange, badge }: { def: FieldDef; text: string; error: string | undefined; disabled: boolean; onChange(t: string): void; badge: React.ReactNode }) {
  const id = `policy-${def.path.replace(/\./g, '-')}`;
  const errorId = `${id}-error`;
  const common = { id, disabled, 'aria-invalid': error ? true : undefined, 'aria-describedby': error ? errorId : undefined, 'data-testid': id } as const;
  let control: React.ReactNode;
  if (def.kind === 'bool') control = <input type="checkbox" {...common} checked={text === 'true'} onChange={(e) => onChange(String(e.target.checked))} />;
  else if (def.kind === 'enum')
    control = (
      <select {...common} value={text} onChange={(e) => onChange(e.target.value)}>
        {def.options!.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    );
  else if (def.kind === 'enum-list') {
    const on = text === '' ? [] : text.split(',');
    control = (
      <span className="inline-list" id={id} data-testid={id}>
        {def.options!.map((o) => (
          <label key={o} className="radio">
            <input type="checkbox" disabled={disabled} checked={on.includes(o)} onChange={(e) => onChange((e.target.checked ? [...on, o] : on.filter((x) => x !== o)).join(','))} /> {o}
          </label>
        ))}
      </span>
    );
  } else control = <input {...common} inputMode="numeric" value={text} placeholder={def.kind === 'quota' ? 'no limit' : undefined} onChange={(e) => onChange(e.target.value)} autoComplete="off" />;
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>
        {def.label} <code className="mono muted small">{def.path}</code>
      </label>
      {control}
      <div className="field-hint">{badge}</div>
      {error ? (
        <p className="field-error" id={errorId} data-testid={`${id}-error`}>
          {error}
        </p>
      ) : null}
    </div>
  );
}
