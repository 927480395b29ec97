import { useEffect, useState, type FormEvent } from 'react';
import { contract } from '../../../src-shared/contract';
import type { BoundaryEntry, ComplianceProfile } from '../../../src-shared/contract/compliance';
import { effectivePolicy, FRAMEWORKS, overrideProblems, POLICY_LABELS, presetPolicy, regionSchema, type Framework, type Overrides, type PolicyField } from '../../../src-shared/rules/compliance';
import { dcNameSchema } from '../../../src-shared/rules/names';
import { useClient } from '../../app/client';
import { Badge } from '../../ui/Badge';
import { FormError } from '../../ui/Field';
import { saveProfile } from './actions';

const APPROVABLE = Object.entries(contract)
  .filter(([, d]) => (d as { approvable?: boolean }).approvable === true)
  .map(([n]) => n)
  .sort();
const isApprovable = (ch: string): boolean => APPROVABLE.includes(ch);

const shown = (v: unknown): string => (v === null ? '—' : Array.isArray(v) ? v.join(', ') || '—' : typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v));

/** Boundary rows, framework checkboxes and the effective policy they give, field by field. */
export function ProfileEditor({ profile, canEdit }: { profile: ComplianceProfile; canEdit: boolean }) {
  const client = useClient();
  const [rows, setRows] = useState<BoundaryEntry[]>(profile.boundary ?? []);
  const [frameworks, setFrameworks] = useState<Framework[]>(profile.frameworks);
  const [retention, setRetention] = useState(profile.overrides.retentionYears?.toString() ?? '');
  const [extraApprovals, setExtraApprovals] = useState<string[]>(profile.overrides.approvalRequired ?? []);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);
  // A saved (or re-read) profile replaces the form.
  useEffect(() => {
    setRows(profile.boundary ?? []);
    setFrameworks(profile.frameworks);
    setRetention(profile.overrides.retentionYears?.toString() ?? '');
    setExtraApprovals(profile.overrides.approvalRequired ?? []);
    setError(null);
  }, [profile.version, profile.cluster, profile.tenant]);

  const demanded = presetPolicy(frameworks).policy.approvalRequired;
  const overrides: Overrides = { ...profile.overrides };
  delete overrides.retentionYears;
  delete overrides.approvalRequired;
  const retentionError = retention !== '' && !/^\d{1,3}$/.test(retention) ? 'a whole number of years' : null;
  if (retention !== '' && !retentionError) overrides.retentionYears = Number(retention);
  const extras = extraApprovals.filter((c) => !demanded.includes(c));
  if (extras.length) overrides.approvalRequired = [...new Set([...demanded, ...extras])].sort();
  const problems = overrideProblems(frameworks, overrides, isApprovable);
  const eff = effectivePolicy(frameworks, overrides);
  const rowErrors = rows.map((r) => ({ dc: dcNameSchema.safeParse(r.dc).success ? null : 'letters, digits, _ . -', region: regionSchema.safeParse(r.region).success ? null : 'a region label, e.g. eu-west-1' }));
  const invalid = Boolean(retentionError) || problems.length > 0 || rowErrors.some((e) => e.dc || e.region);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (!canEdit || busy || invalid) return;
    setBusy(true);
    const r = await saveProfile(client, profile.cluster, profile.tenant, { boundary: rows.length ? rows : null, frameworks, overrides, expectedVersion: profile.version });
    setBusy(false);
    setError(r.ok ? null : { code: r.code, message: r.message });
  };
  const setRow = (i: number, patch: Partial<BoundaryEntry>): void => setRows(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));

  return (
    <form className="card" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="compliance-profile-title" data-testid="compliance-profile">
      <header className="card-header">
        <h2 id="compliance-profile-title">Boundary and profile</h2>
        <span className="muted small">
          version {profile.version}
          {profile.updatedBy ? ` · set by ${profile.updatedBy} at ${profile.updatedAt}` : ' · never set'}
        </span>
      </header>
      {!canEdit ? <p className="muted small">Read-only: a platform operator sets the boundary and profile.</p> : null}

      <fieldset className="form-fieldset" data-testid="compliance-boundary">
        <legend>Allowed data centres</legend>
        {rows.length === 0 ? <p className="muted small">No boundary: the tenant may be placed in any data centre.</p> : null}
        {rows.map((r, i) => (
          <div className="form-grid" key={i}>
            <div className={`field${rowErrors[i]?.dc ? ' field-invalid' : ''}`}>
              <label htmlFor={`boundary-dc-${i}`}>Data centre</label>
              <input id={`boundary-dc-${i}`} value={r.dc} disabled={!canEdit} onChange={(e) => setRow(i, { dc: e.target.value.trim() })} aria-invalid={rowErrors[i]?.dc ? true : undefined} autoComplete="off" spellCheck={false} data-testid={`boundary-dc-${i}`} />
              {rowErrors[i]?.dc ? <p className="field-error">{rowErrors[i]!.dc}</p> : null}
            </div>
            <div className={`field${rowErrors[i]?.region ? ' field-invalid' : ''}`}>
              <label htmlFor={`boundary-region-${i}`}>Region</label>
              <input id={`boundary-region-${i}`} value={r.region} disabled={!canEdit} onChange={(e) => setRow(i, { region: e.target.value })} aria-invalid={rowErrors[i]?.region ? true : undefined} autoComplete="off" data-testid={`boundary-region-${i}`} />
              {rowErrors[i]?.region ? <p className="field-error">{rowErrors[i]!.region}</p> : null}
            </div>
            {canEdit ? (
              <div className="page-actions">
                <button type="button" className="btn btn-ghost btn-small" onClick={() => setRows(rows.filter((_, j) => j !== i))} aria-label={`Remove data centre ${r.dc || i + 1}`} data-testid={`boundary-remove-${i}`}>
                  Remove
                </button>
              </div>
            ) : null}
          </div>
        ))}
        {canEdit ? (
          <button type="button" className="btn btn-small" onClick={() => setRows([...rows, { dc: '', region: '' }])} data-testid="boundary-add">
            Add data centre
          </button>
        ) : null}
      </fieldset>

      <fieldset className="filter-group" data-testid="compliance-frameworks">
        <legend>Frameworks</legend>
        {FRAMEWORKS.map((f) => (
          <label key={f} className="filter-chip">
            <input type="checkbox" disabled={!canEdit} checked={frameworks.includes(f)} onChange={() => setFrameworks(frameworks.includes(f) ? frameworks.filter((x) => x !== f) : [...frameworks, f].sort())} data-testid={`framework-${f}`} />
            {f}
          </label>
        ))}
      </fieldset>

      <div className="form-grid">
        <div className={`field${retentionError ? ' field-invalid' : ''}`}>
          <label htmlFor="compliance-retention">
            Audit retention override (years) <span className="field-optional">(optional)</span>
          </label>
          <input id="compliance-retention" inputMode="numeric" value={retention} disabled={!canEdit} onChange={(e) => setRetention(e.target.value.trim())} aria-invalid={retentionError ? true : undefined} data-testid="compliance-retention" />
          {retentionError ? <p className="field-error">{retentionError}</p> : null}
        </div>
        <fieldset className="filter-group">
          <legend>Second person required for</legend>
          {APPROVABLE.map((ch) => (
            <label key={ch} className="filter-chip">
              <input
                type="checkbox"
                disabled={!canEdit || demanded.includes(ch)}
                checked={demanded.includes(ch) || extraApprovals.includes(ch)}
                onChange={() => setExtraApprovals(extraApprovals.includes(ch) ? extraApprovals.filter((x) => x !== ch) : [...extraApprovals, ch])}
                data-testid={`approval-${ch}`}
              />
              <code className="mono">{ch}</code>
            </label>
          ))}
        </fieldset>
      </div>

      <div className="table-wrap">
        <table className="table table-compact" data-testid="compliance-effective">
          <caption className="sr-only">Effective policy</caption>
          <thead>
            <tr>
              <th scope="col">Policy</th>
              <th scope="col">Value</th>
              <th scope="col">From</th>
              <th scope="col">Source</th>
            </tr>
          </thead>
          <tbody>
            {eff.fields.map((f) => (
              <tr key={f.field} data-testid={`effective-${f.field}`}>
                <td>{POLICY_LABELS[f.field as PolicyField]}</td>
                <td className="mono">{shown(f.value)}</td>
                <td>{f.origin === 'override' ? <Badge tone="accent">override</Badge> : f.origin === 'preset' ? <Badge tone="info">preset · {f.frameworks.join(', ')}</Badge> : <span className="muted">none</span>}</td>
                <td className="small">{f.sources.join(' · ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {problems.length ? (
        <ul className="form-error" role="alert" data-testid="compliance-problems">
          {problems.map((p, i) => (
            <li key={i}>
              {p.field}: {p.reason}
            </li>
          ))}
        </ul>
      ) : null}
      {error ? <FormError code={error.code} message={error.message} /> : null}
      {canEdit ? (
        <div className="page-actions">
          <button type="submit" className="btn btn-primary" disabled={busy || invalid} data-testid="compliance-save">
            {busy ? 'Saving…' : 'Save boundary and profile'}
          </button>
        </div>
      ) : null}
    </form>
  );
}
