import type { AuditEventView } from '../../../src-shared/contract/audit';
import { timeline } from './format';

const W = 720;
const H = 64;
/** Slots always drawn, so a short burst shows as bars among empty hours, not one slab. */
const MIN_SLOTS = 24;

/**
 * Events per hour (or day) over the loaded events, as SVG bars: sizes are SVG attributes, not
 * style attributes (the CSP refuses those). Refused and failed events stack on top in red.
 */
export function Timeline({ events, total }: { events: readonly AuditEventView[]; total: number }) {
  const { unit, buckets } = timeline(events, 96, MIN_SLOTS);
  if (!buckets.length) return null;
  const peak = buckets.reduce((m, b) => Math.max(m, b.count), 1);
  const bw = W / buckets.length;
  const first = buckets[0]!;
  const last = buckets[buckets.length - 1]!;
  return (
    <figure className="audit-timeline" data-testid="audit-timeline" data-unit={unit} data-buckets={buckets.length}>
      <figcaption className="muted small">
        Events per {unit} (UTC) across the {events.length} loaded of {total} matching — {first.label} to {last.label}, peak {peak}
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-label={`Events per ${unit}: ${buckets.map((b) => `${b.label} ${b.count}`).join(', ')}`} className="audit-timeline-svg">
        {buckets.map((b, i) => {
          const h = (b.count / peak) * (H - 4);
          const hr = (b.refused / peak) * (H - 4);
          const x = i * bw + 0.5;
          const w = Math.max(1, bw - 1);
          return (
            <g key={b.start}>
              <title>{`${b.label}: ${b.count} events, ${b.refused} refused or failed`}</title>
              <rect className="audit-bar" x={x} y={H - h} width={w} height={h} />
              {b.refused ? <rect className="audit-bar-bad" x={x} y={H - hr} width={w} height={hr} /> : null}
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
