import type { Control } from '../../../src-shared/contract/compliance';
import { Badge, type Tone } from '../../ui/Badge';

const TONE: Record<Control['status'], Tone> = { pass: 'success', fail: 'danger', unknown: 'warning' };

/** Pass/fail per control with its evidence, where to look in the console, and the CLI that shows the same. */
export function ControlsTable({ controls }: { controls: Control[] }) {
  return (
    <div className="table-wrap">
      <table className="table" data-testid="compliance-controls">
        <caption className="sr-only">Compliance controls</caption>
        <thead>
          <tr>
            <th scope="col">Control</th>
            <th scope="col">Status</th>
            <th scope="col">Evidence</th>
            <th scope="col">See</th>
          </tr>
        </thead>
        <tbody>
          {controls.map((c) => (
            <tr key={c.id} data-testid={`control-${c.id}`}>
              <td>
                <div>{c.title}</div>
                <div className="muted small">{c.frameworks.length ? c.frameworks.join(', ') : 'baseline'}</div>
              </td>
              <td>
                <Badge tone={TONE[c.status]} testId={`control-status-${c.id}`}>
                  {c.status}
                </Badge>
              </td>
              <td>
                <ul className="cell-list small">
                  {c.evidence.map((e, i) => (
                    <li key={i}>{e}</li>
                  ))}
                </ul>
              </td>
              <td className="small">
                <a href={c.href}>Open</a>
                <div>
                  <code className="mono">{c.cli}</code>
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
