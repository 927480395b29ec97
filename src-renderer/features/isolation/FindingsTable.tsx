import { Fragment, useEffect } from 'react';
import type { Finding, Severity } from '../../../src-shared/contract/isolation';
import { Badge, type Tone } from '../../ui/Badge';
import { useIsolation } from './store';

const TONE: Record<Severity, Tone> = { critical: 'danger', warning: 'warning', info: 'info' };

export function SeverityBadge({ severity }: { severity: Severity }) {
  return (
    <Badge tone={TONE[severity]} testId={`severity-${severity}`}>
      {severity}
    </Badge>
  );
}

function Evidence({ f }: { f: Finding }) {
  return (
    <div className="details" data-testid={`finding-evidence-${f.id}`}>
      <h3>Evidence</h3>
      {f.evidence.length === 0 ? <p className="muted">No grant chain: a setting of the cluster.</p> : null}
      <ul className="inline-list">
        {f.evidence.map((e, i) => (
          <li key={i}>
            {e.chain.length ? <code className="mono">{e.chain.join(' → ')}</code> : null} {e.text}
          </li>
        ))}
      </ul>
      {f.moreEvidence ? <p className="muted">… and {f.moreEvidence} more paths (export the report for all of them).</p> : null}
      <h3>Fix</h3>
      {f.fix.length ? (
        <pre className="mono" data-testid={`finding-fix-${f.id}`}>
          {f.fix.join('\n')}
        </pre>
      ) : null}
      {f.fixNote ? <p className="muted">{f.fixNote}</p> : null}
    </div>
  );
}

export function FindingsTable({ findings, onFix }: { findings: Finding[]; onFix(f: Finding): void }) {
  const open = useIsolation((s) => s.open);
  const toggle = useIsolation((s) => s.toggle);
  // An alert's "Show finding" opens a row: bring it into view and give it the focus.
  useEffect(() => {
    if (!open) return;
    const el = document.getElementById(`finding-row-${open}`);
    el?.scrollIntoView?.({ block: 'center' });
    document.getElementById(`finding-toggle-${open}`)?.focus();
  }, [open]);
  return (
    <div className="table-wrap">
      <table className="table" data-testid="isolation-findings">
        <caption className="sr-only">Isolation findings</caption>
        <thead>
          <tr>
            <th scope="col">Severity</th>
            <th scope="col">Finding</th>
            <th scope="col">Tenants</th>
            <th scope="col">Id</th>
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {findings.map((f) => (
            <Fragment key={f.id}>
              <tr id={`finding-row-${f.id}`} data-testid={`finding-${f.id}`}>
                <td>
                  <SeverityBadge severity={f.severity} />
                </td>
                <td>
                  <div>{f.title}</div>
                  <div className="muted small">{f.kind}</div>
                </td>
                <td>{f.global ? <span className="muted">all</span> : f.tenants.join(', ')}</td>
                <td className="mono">{f.id}</td>
                <td className="cell-actions">
                  <button type="button" className="btn btn-ghost btn-small" id={`finding-toggle-${f.id}`} aria-expanded={open === f.id} onClick={() => toggle(f.id)} data-testid={`finding-toggle-${f.id}`}>
                    Evidence
                  </button>
                  <button type="button" className="btn btn-small" disabled={f.fix.length === 0} title={f.fix.length === 0 ? (f.fixNote ?? 'manual fix') : undefined} onClick={() => onFix(f)} data-testid={`finding-apply-${f.id}`}>
                    Apply fix
                  </button>
                </td>
              </tr>
              {open === f.id ? (
                <tr>
                  <td colSpan={5}>
                    <Evidence f={f} />
                  </td>
                </tr>
              ) : null}
            </Fragment>
          ))}
        </tbody>
      </table>
    </div>
  );
}
