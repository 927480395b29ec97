import { useEffect, useState } from 'react';
import type { UsageFigure } from '../../../src-shared/contract/resources';
import { useClient } from '../../app/client';
import { useSession } from '../../app/stores/session';
import { Badge, ErrorCode, type Tone } from '../../ui/Badge';
import { collectUsage, loadUsage } from './actions';
import { SeriesChart } from './charts';
import { formatValue, metricLabel } from './format';
import { tenantKey, useResources } from './store';
import './resources.css';

const PRECISION_TONE: Record<UsageFigure['precision'], Tone> = { exact: 'success', estimate: 'warning', unavailable: 'neutral' };

export function PrecisionBadge({ precision, source, note, testId }: { precision: UsageFigure['precision']; source: string; note: string | null; testId?: string }) {
  const title = `${precision} — source: ${source}${note ? ` (${note})` : ''}`;
  return (
    <span title={title} data-testid={testId} data-precision={precision}>
      <Badge tone={PRECISION_TONE[precision]}>{precision}</Badge>
      <span className="sr-only"> from {source}</span>
    </span>
  );
}

function Figure({ f }: { f: UsageFigure }) {
  return (
    <div className="res-figure" data-testid={`usage-figure-${f.metric}`} data-precision={f.precision} title={`source: ${f.source}${f.note ? ` — ${f.note}` : ''}`}>
      <div className="muted small">{metricLabel(f.metric)}</div>
      <div className="res-value" data-testid={`usage-value-${f.metric}`}>
        {formatValue(f.value, f.unit)}
      </div>
      <PrecisionBadge precision={f.precision} source={f.source} note={f.note} testId={`usage-precision-${f.metric}`} />
      {f.note ? <div className="muted small">{f.note}</div> : null}
    </div>
  );
}

/** Tenant → Usage (issue 10): the latest sample with each figure's precision and source, time series, collect now. */
export function UsageTab({ cluster, tenant }: { cluster: string; tenant: string }) {
  const client = useClient();
  const v = useResources((s) => s.usage[tenantKey(cluster, tenant)]);
  const err = useResources((s) => s.usageErrors[tenantKey(cluster, tenant)]);
  const platform = useSession((s) => s.scopes[cluster]?.platform ?? false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    void loadUsage(client, cluster, tenant);
    const off = client.on('usage.sampled', (e) => {
      if (e.cluster === cluster && e.tenant === tenant) void loadUsage(client, cluster, tenant);
    });
    return off;
  }, [client, cluster, tenant]);

  const collect = async (): Promise<void> => {
    setBusy(true);
    await collectUsage(client, cluster, tenant);
    setBusy(false);
  };

  return (
    <section className="card" aria-label="Usage" data-testid="usage-tab" data-cluster={cluster} data-tenant={tenant}>
      <div className="card-header">
        <h3>Usage</h3>
        <div className="card-actions">
          {platform ? (
            <button type="button" className="btn btn-primary btn-small" onClick={() => void collect()} disabled={busy} data-testid="usage-collect">
              {busy ? 'Collecting…' : 'Collect now'}
            </button>
          ) : null}
          <button type="button" className="btn btn-small" onClick={() => void loadUsage(client, cluster, tenant)} data-testid="usage-reload">
            Reload
          </button>
        </div>
      </div>
      {err ? (
        <p className="form-error" role="alert" data-testid="usage-error">
          <ErrorCode code={err.code} /> {err.message}
        </p>
      ) : null}
      {v ? (
        <>
          <p className="muted small" data-testid="usage-interval">
            {v.intervalS > 0 ? `Sampled every ${v.intervalS >= 60 && v.intervalS % 60 === 0 ? `${v.intervalS / 60} min` : `${v.intervalS} s`} by this console` : 'Not sampled on a schedule by this console'}
            {v.latest ? ` · latest sample ${v.latest.at} (${v.latest.trigger})` : ''}
          </p>
          <p className="muted small">Exact figures are counted (schema, roles, rows); estimates come from sampled virtual tables or size estimates; unavailable means the node does not expose it. Hover a figure for its source.</p>
          {v.latest ? (
            <div className="res-figures" data-testid="usage-figures">
              {v.latest.figures.map((f) => (
                <Figure key={f.metric} f={f} />
              ))}
            </div>
          ) : (
            <p className="empty-state" data-testid="usage-empty">
              No sample yet{platform ? ': Collect now takes one.' : '.'}
            </p>
          )}
          {v.series.some((s) => s.points.length) ? (
            <>
              <h4>Over time</h4>
              <div className="res-series-grid" data-testid="usage-series">
                {v.series
                  .filter((s) => s.points.length)
                  .map((s) => (
                    <SeriesChart key={s.metric} series={s} />
                  ))}
              </div>
            </>
          ) : null}
        </>
      ) : !err ? (
        <p className="muted" aria-busy="true">
          Loading usage…
        </p>
      ) : null}
    </section>
  );
}
