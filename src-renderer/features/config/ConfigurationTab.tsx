import { useEffect, useState } from 'react';
import type { TemplatePreview } from '../../../src-shared/contract/config';
import { showValue } from '../../../src-shared/rules/tenant-config';
import type { FieldChange } from '../../../src-shared/rules/tenant-config';
import { useClient } from '../../app/client';
import { useSession } from '../../app/stores/session';
import { Badge } from '../../ui/Badge';
import { Dialog } from '../../ui/Dialog';
import { FormError, TextField } from '../../ui/Field';
import { listTemplates, loadConfig, loadDiff, previewTemplate, rollbackConfig, setTemplate } from './actions';
import { useCanEdit } from './PoliciesTab';
import { configKey, useConfig } from './store';

export function ChangesTable({ changes, testId }: { changes: FieldChange[]; testId?: string }) {
  if (changes.length === 0) return <p className="muted small" data-testid={testId}>No differences.</p>;
  return (
    <table className="table table-compact" data-testid={testId}>
      <thead>
        <tr>
          <th scope="col">Field</th>
          <th scope="col">Change</th>
          <th scope="col">Before</th>
          <th scope="col">After</th>
        </tr>
      </thead>
      <tbody>
        {changes.map((c) => (
          <tr key={c.path}>
            <td>
              <code className="mono">{c.path}</code>
            </td>
            <td>
              <Badge tone={c.kind === 'cleared' ? 'info' : c.kind === 'set' ? 'accent' : 'warning'}>{c.kind}</Badge>
            </td>
            <td>{c.kind === 'set' ? <span className="muted">inherited</span> : showValue(c.before)}</td>
            <td>{c.kind === 'cleared' ? <span className="muted">inherited</span> : showValue(c.after)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Configuration tab: effective fields with inherited/overridden badges, history, diff of any two versions, rollback. */
export function ConfigurationTab({ cluster, tenant }: { cluster: string; tenant: string }) {
  const client = useClient();
  const key = configKey(cluster, tenant);
  const view = useConfig((s) => s.views[key]);
  const history = useConfig((s) => s.histories[key]) ?? [];
  const diff = useConfig((s) => s.diffs[key]);
  const error = useConfig((s) => s.errors[key]);
  const canEdit = useCanEdit(cluster, tenant);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [rollback, setRollback] = useState<number | null>(null);
  const [changeTemplate, setChangeTemplate] = useState(false);
  // Re-basing a tenant on a template is the platform's call (config.setTemplate has platform scope).
  const platform = useSession((s) => s.scopes[cluster]?.platform === true);

  useEffect(() => {
    void loadConfig(client, cluster, tenant);
    useConfig.getState().setDiff(key, null);
  }, [client, cluster, tenant, key]);
  const versions = [...history.map((h) => h.version)];
  const pickFrom = from || String(versions[1] ?? 0);
  const pickTo = to || String(versions[0] ?? 0);

  return (
    <div className="tab-panel" data-testid="configuration-tab">
      {error ? <FormError code={error.code} message={error.message} /> : null}
      {view ? (
        <section className="card" aria-labelledby="effective-title">
          <header className="card-header">
            <h2 id="effective-title">Effective configuration</h2>
            <span className="muted small" data-testid="config-version">
              version {view.version} · template <span data-testid="config-template">{view.template.name ?? '(none)'}</span>
              {view.template.found ? '' : ' (not readable: built-in defaults)'}
            </span>
            {platform ? (
              <button type="button" className="btn btn-small" onClick={() => setChangeTemplate(true)} data-testid="config-change-template">
                Change template
              </button>
            ) : null}
          </header>
          {view.warnings.length ? (
            <ul className="warnings" data-testid="config-warnings">
              {view.warnings.map((w, i) => (
                <li key={i} className="warning warning-warning">
                  <code className="mono">{w.path}</code>: {w.message}
                </li>
              ))}
            </ul>
          ) : null}
          <div className="table-wrap">
            <table className="table table-compact" data-testid="config-fields">
              <thead>
                <tr>
                  <th scope="col">Field</th>
                  <th scope="col">Value</th>
                  <th scope="col">Origin</th>
                  <th scope="col">Template / default</th>
                </tr>
              </thead>
              <tbody>
                {view.fields.map((f) => (
                  <tr key={f.path} data-testid={`config-field-${f.path}`} data-origin={f.origin}>
                    <td>
                      {f.label} <code className="mono muted small">{f.path}</code>
                    </td>
                    <td>{showValue(f.value)}</td>
                    <td>{f.origin === 'overridden' ? <Badge tone="accent">overridden</Badge> : <Badge>inherited</Badge>}</td>
                    <td className="muted">
                      {showValue(f.inheritedValue)} <span className="small">({f.inheritedFrom})</span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : error ? null : (
        <p className="muted" aria-busy="true">
          Reading the configuration…
        </p>
      )}

      <section className="card" aria-labelledby="history-title">
        <header className="card-header">
          <h2 id="history-title">History</h2>
        </header>
        {history.length === 0 ? (
          <p className="muted small">No versions yet: every field is inherited from the template.</p>
        ) : (
          <div className="table-wrap">
            <table className="table table-compact" data-testid="config-history">
              <thead>
                <tr>
                  <th scope="col">Version</th>
                  <th scope="col">Author</th>
                  <th scope="col">Time</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Changes</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {history.map((h, i) => (
                  <tr key={h.version} data-testid={`config-history-v${h.version}`}>
                    <td>v{h.version}</td>
                    <td>
                      <code className="mono">{h.author}</code>
                    </td>
                    <td>{new Date(h.at).toLocaleString()}</td>
                    <td>{h.reason}</td>
                    <td>{h.changes.map((c) => c.path).join(', ') || '—'}</td>
                    <td className="cell-actions">
                      {canEdit && i > 0 ? (
                        <button type="button" className="btn btn-small" onClick={() => setRollback(h.version)} data-testid={`rollback-v${h.version}`}>
                          Roll back to v{h.version}
                        </button>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {history.length > 1 ? (
          <div className="filter-bar" data-testid="config-diff-form">
            <div className="field">
              <label htmlFor="diff-from">From</label>
              <select id="diff-from" value={pickFrom} onChange={(e) => setFrom(e.target.value)}>
                {[...versions, 0].map((v) => (
                  <option key={v} value={v}>
                    {v === 0 ? 'v0 (nothing overridden)' : `v${v}`}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="diff-to">To</label>
              <select id="diff-to" value={pickTo} onChange={(e) => setTo(e.target.value)}>
                {[...versions, 0].map((v) => (
                  <option key={v} value={v}>
                    {v === 0 ? 'v0 (nothing overridden)' : `v${v}`}
                  </option>
                ))}
              </select>
            </div>
            <button type="button" className="btn btn-small" onClick={() => void loadDiff(client, cluster, tenant, Number(pickFrom), Number(pickTo))} data-testid="config-diff">
              Compare
            </button>
          </div>
        ) : null}
        {diff ? (
          <div data-testid="config-diff-result">
            <h3>
              v{diff.from} → v{diff.to}
            </h3>
            <ChangesTable changes={diff.changes} testId="config-diff-table" />
          </div>
        ) : null}
      </section>
      {changeTemplate && view ? <TemplateDialog cluster={cluster} tenant={tenant} current={view.template.name} version={view.version} onClose={() => setChangeTemplate(false)} /> : null}
      {rollback !== null && view ? <RollbackDialog cluster={cluster} tenant={tenant} version={rollback} current={view.version} onClose={() => setRollback(null)} /> : null}
    </div>
  );
}

function RollbackDialog({ cluster, tenant, version, current, onClose }: { cluster: string; tenant: string; version: number; current: number; onClose(): void }) {
  const client = useClient();
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<{ code: string; message: string } | null>(null);
  const go = async (): Promise<void> => {
    setBusy(true);
    const r = await rollbackConfig(client, cluster, tenant, version, current, note);
    setBusy(false);
    if (r.ok) onClose();
    else setFailure({ code: r.code, message: r.message });
  };
  return (
    <Dialog title={`Roll back to v${version}?`} description={`A new version v${current + 1} is written with the content of v${version} (reason "rollback to v${version}"). Nothing is deleted.`} onClose={onClose} testId="rollback-dialog">
      <TextField label="Note" optional value={note} onChange={(e) => setNote(e.target.value)} maxLength={400} />
      {failure ? <FormError code={failure.code} message={failure.message} /> : null}
      <div className="dialog-actions">
        <button type="button" className="btn" onClick={onClose}>
          Cancel
        </button>
        <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void go()} data-testid="rollback-confirm">
          {busy ? 'Rolling back…' : `Roll back to v${version}`}
        </button>
      </div>
    </Dialog>
  );
}

/** Pick a template → preview the effective fields that change (nothing written) → apply with a reason. */
function TemplateDialog({ cluster, tenant, current, version, onClose }: { cluster: string; tenant: string; current: string | null; version: number; onClose(): void }) {
  const client = useClient();
  const [templates, setTemplates] = useState<string[] | null>(null);
  const [name, setName] = useState('');
  const [reason, setReason] = useState('');
  const [preview, setPreview] = useState<TemplatePreview | null>(null);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<{ code: string; message: string } | null>(null);
  useEffect(() => {
    void listTemplates(client, cluster).then(setTemplates);
  }, [client, cluster]);
  const pick = async (t: string): Promise<void> => {
    setName(t);
    setPreview(null);
    setFailure(null);
    if (!t) return;
    const r = await previewTemplate(client, cluster, tenant, t);
    if (r.ok) setPreview(r.preview);
    else setFailure({ code: r.code, message: r.message });
  };
  const go = async (): Promise<void> => {
    setBusy(true);
    const r = await setTemplate(client, cluster, tenant, name, reason.trim(), version);
    setBusy(false);
    if (r.ok) onClose();
    else setFailure({ code: r.code, message: r.message });
  };
  const blocked = !preview || preview.current || preview.problems.length > 0 || !reason.trim();
  return (
    <Dialog title="Change template" description={`${tenant} uses template ${current ?? '(none)'}. Inherited fields follow the new template; overridden fields keep their values. A new configuration version records the change.`} onClose={onClose} testId="template-dialog">
      <div className="field">
        <label htmlFor="config-template-pick">Template</label>
        <select id="config-template-pick" value={name} onChange={(e) => void pick(e.target.value)} data-testid="template-pick">
          <option value="">{templates === null ? 'Loading templates…' : 'Choose a template'}</option>
          {(templates ?? []).map((t) => (
            <option key={t} value={t}>
              {t}
              {t === current ? ' (current)' : ''}
            </option>
          ))}
        </select>
      </div>
      {preview ? (
        <div data-testid="template-preview">
          {preview.current ? <p className="muted small">Already uses {preview.to} and its defaults are current: nothing to change.</p> : null}
          {!preview.current && preview.changes.length === 0 ? <p className="muted small">No effective value changes (only the template name).</p> : null}
          {preview.changes.length ? (
            <table className="table table-compact" data-testid="template-preview-changes">
              <thead>
                <tr>
                  <th scope="col">Field</th>
                  <th scope="col">Now</th>
                  <th scope="col">After</th>
                </tr>
              </thead>
              <tbody>
                {preview.changes.map((c) => (
                  <tr key={c.path} data-path={c.path}>
                    <td>
                      <code className="mono">{c.path}</code>
                    </td>
                    <td>{showValue(c.before)}</td>
                    <td>{showValue(c.after)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
          {preview.shadowed.length ? (
            <p className="muted small" data-testid="template-preview-shadowed">
              Overridden, so unchanged: {preview.shadowed.map((c) => `${c.path} (template ${showValue(c.before)} → ${showValue(c.after)})`).join('; ')}
            </p>
          ) : null}
          {preview.problems.length ? (
            <ul className="warnings">
              {preview.problems.map((p) => (
                <li key={p.path} className="warning warning-critical">
                  <code className="mono">{p.path}</code>: {p.message}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      <TextField label="Reason" value={reason} onChange={(e) => setReason(e.target.value)} maxLength={400} data-testid="template-reason" />
      {failure ? <FormError code={failure.code} message={failure.message} /> : null}
      <div className="dialog-actions">
        <button type="button" className="btn" onClick={onClose}>
          Cancel
        </button>
        <button type="button" className="btn btn-primary" disabled={blocked || busy} onClick={() => void go()} data-testid="template-apply">
          {busy ? 'Applying…' : `Use template ${name || '…'}`}
        </button>
      </div>
    </Dialog>
  );
}
