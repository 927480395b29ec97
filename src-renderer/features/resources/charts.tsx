import type { QuotaRow, UsageSeries } from '../../../src-shared/contract/resources';
import { formatValue, metricLabel, seriesSummary } from './format';
import './resources.css';

const W = 300;
const H = 80;
const PAD = 4;

/**
 * One metric over time as an SVG line (attributes only: the CSP forbids style attributes). The
 * accessible name summarises it (min, max, latest); the exact points are in the table below it.
 */
export function SeriesChart({ series }: { series: UsageSeries }) {
  const label = metricLabel(series.metric);
  const sum = seriesSummary(series.points);
  const times = series.points.map((p) => Date.parse(p.at));
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const span = t1 - t0 || 1;
  const lo = sum ? Math.min(0, sum.min) : 0;
  const hi = sum ? (sum.max === lo ? lo + 1 : sum.max) : 1;
  const x = (t: number): number => (series.points.length === 1 ? W / 2 : PAD + ((t - t0) / span) * (W - 2 * PAD));
  const y = (v: number): number => H - PAD - ((v - lo) / (hi - lo)) * (H - 2 * PAD);
  // Gaps (null values) break the line rather than being drawn as zero.
  const runs: string[] = [];
  let cur: string[] = [];
  series.points.forEach((p, i) => {
    if (p.value === null) {
      if (cur.length) runs.push(cur.join(' '));
      cur = [];
    } else cur.push(`${x(times[i] as number).toFixed(1)},${y(p.value).toFixed(1)}`);
  });
  if (cur.length) runs.push(cur.join(' '));
  const aria = sum
    ? `${label} over ${sum.count} samples: min ${formatValue(sum.min, series.unit)}, max ${formatValue(sum.max, series.unit)}, latest ${formatValue(sum.latest, series.unit)}`
    : `${label}: no values sampled`;
  return (
    <figure className="res-series" data-testid={`usage-series-${series.metric}`}>
      <figcaption>
        <strong>{label}</strong> <span className="muted small">({series.precision})</span>
      </figcaption>
      <svg className="res-chart" viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-label={aria} data-testid={`usage-chart-${series.metric}`}>
        <line x1={PAD} y1={H - PAD} x2={W - PAD} y2={H - PAD} className="res-axis" />
        {runs.map((r, i) =>
          r.includes(' ') ? <polyline key={i} points={r} className="res-line" fill="none" /> : <circle key={i} cx={r.split(',')[0]} cy={r.split(',')[1]} r={2.5} className="res-dot" />,
        )}
      </svg>
      <details className="small">
        <summary>Values ({series.points.length})</summary>
        <div className="table-wrap">
          <table className="table table-compact" data-testid={`usage-table-${series.metric}`}>
            <caption className="sr-only">{label} samples</caption>
            <thead>
              <tr>
                <th scope="col">At</th>
                <th scope="col">Value</th>
              </tr>
            </thead>
            <tbody>
              {series.points.map((p) => (
                <tr key={p.at}>
                  <td className="mono small">{p.at}</td>
                  <td className="num">{formatValue(p.value, series.unit)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}

/**
 * Used against limits: the bar is the usage, ticks mark soft and effective hard (and the base
 * hard when a temporary raise lifts it). The scale is the largest of the figures, plus headroom.
 */
export function QuotaGauge({ row }: { row: QuotaRow }) {
  const used = row.used ?? 0;
  const marks = [row.soft, row.hard, row.effectiveHard].filter((v): v is number => v !== null);
  const top = Math.max(used, ...marks, 1) * 1.1;
  const gx = (v: number): number => (v / top) * W;
  const tone = row.state === 'ok' ? 'gauge-ok' : row.state === 'soft' ? 'gauge-soft' : 'gauge-over';
  const limits = [
    row.soft !== null ? `soft ${row.soft}` : null,
    row.effectiveHard !== null ? `hard ${row.effectiveHard}${row.raisedHard !== null && row.hard !== null && row.hard !== row.effectiveHard ? ` (raised from ${row.hard})` : ''}` : null,
  ].filter(Boolean);
  const aria = `${row.resource}: ${row.used === null ? 'usage unknown' : `${row.used} used`}${limits.length ? ` of ${limits.join(', ')}` : ', no limit'}; ${row.state}`;
  return (
    <svg className="res-gauge" viewBox={`0 0 ${W} 18`} preserveAspectRatio="none" role="img" aria-label={aria} data-testid={`quota-gauge-${row.resource}`}>
      <rect x={0} y={3} width={W} height={12} className="gauge-track" />
      <rect x={0} y={3} width={gx(used)} height={12} className={tone} data-testid="gauge-used" />
      {row.soft !== null ? <line x1={gx(row.soft)} x2={gx(row.soft)} y1={0} y2={18} className="gauge-soft-mark" data-testid="gauge-soft" /> : null}
      {row.hard !== null && row.hard !== row.effectiveHard ? <line x1={gx(row.hard)} x2={gx(row.hard)} y1={0} y2={18} className="gauge-base-mark" data-testid="gauge-base-hard" /> : null}
      {row.effectiveHard !== null ? <line x1={gx(row.effectiveHard)} x2={gx(row.effectiveHard)} y1={0} y2={18} className="gauge-hard-mark" data-testid="gauge-hard" /> : null}
    </svg>
  );
}

/** Horizontal bars (cost-centre totals and the like); the table next to it carries the exact figures. */
export function BarChart({ bars, label, testId }: { bars: readonly { key: string; label: string; value: number; text: string }[]; label: string; testId?: string }) {
  const max = Math.max(1, ...bars.map((b) => b.value));
  const rowH = 22;
  const h = Math.max(rowH, bars.length * rowH);
  const labelW = 110;
  return (
    <svg className="res-bars" viewBox={`0 0 ${W + labelW + 90} ${h}`} role="img" aria-label={`${label}: ${bars.map((b) => `${b.label} ${b.text}`).join('; ')}`} data-testid={testId}>
      {bars.map((b, i) => (
        <g key={b.key} data-testid="bar">
          <text x={labelW - 6} y={i * rowH + 15} textAnchor="end" className="res-bar-label">
            {b.label.length > 16 ? `${b.label.slice(0, 15)}…` : b.label}
          </text>
          <rect x={labelW} y={i * rowH + 4} width={Math.max(1, (b.value / max) * W)} height={rowH - 8} className="res-bar" />
          <text x={labelW + Math.max(1, (b.value / max) * W) + 4} y={i * rowH + 15} className="res-bar-label">
            {b.text}
          </text>
        </g>
      ))}
    </svg>
  );
}
