import type { Handlers } from '../../ipc/router';
import type { AuditParts } from '../types';
import { directoryOf } from './attribute';
import { ingestSources } from './ingest';
import { sqliteOffsets } from './offsets';
import { resolveSources } from './reader';

/** Individual security.alert events per run; more are summarized in one (the report lists them all). */
const ALERT_EVENTS_PER_RUN = 10;
/** Tenants whose console keyspace (and so stream) exists. */
const STREAM_STATES = new Set(['active', 'suspended']);

/**
 * audit.ingest (issue 9, item 2): Cassandra's FileAuditLogger output into the tenants' and the
 * platform's streams, as a job (job.progress drives the progress bar; jobs.cancel stops it at
 * the next line batch and the report says `cancelled`, keeping what was appended and where).
 */
export function ingestHandlers(parts: AuditParts): Pick<Handlers, 'audit.ingest'> {
  const { deps, streams } = parts;
  let offsets: ReturnType<typeof sqliteOffsets> | null = null;
  return {
    'audit.ingest': async ({ cluster, files, dirs }, ctx) => {
      // Bad paths fail here, before the job starts and before anything is appended.
      const sources = await resolveSources(files, dirs);
      const rows = await deps.tenants.registry(cluster).all();
      const directory = directoryOf(rows.filter((r) => STREAM_STATES.has(r.state)).map((r) => r.id));
      const operator = deps.sessions.scopeOf(cluster)?.role ?? null;
      offsets ??= sqliteOffsets(parts.index.cache);
      const store = offsets;
      const label = `Ingest ${sources.length} audit log file${sources.length === 1 ? '' : 's'} into ${cluster}`;
      return deps.jobs.run('audit.ingest', label, async (job) => {
        let shown = 0;
        let held = 0;
        const report = await ingestSources(sources, {
          cluster,
          streams,
          offsets: store,
          directory,
          signal: AbortSignal.any([job.signal, ctx.signal]),
          progress: (fraction, message) => job.progress('reading', fraction, message),
          tenantGone: async (tenant) => {
            const row = await deps.tenants.registry(cluster).get(tenant);
            return !row || !STREAM_STATES.has(row.state);
          },
          alert: (a) => {
            if (shown < ALERT_EVENTS_PER_RUN) {
              shown += 1;
              deps.bus.emit('security.alert', { at: a.at, channel: 'audit.ingest', operator, cluster, tenant: a.tenant, message: a.message });
            } else held += 1;
          },
        });
        if (held > 0) {
          deps.bus.emit('security.alert', { at: new Date().toISOString(), channel: 'audit.ingest', operator, cluster, tenant: null, message: `audit ingest (${cluster}): ${held} more alert${held === 1 ? '' : 's'} in the ingest report` });
        }
        const summary = `${report.linesRead} lines, ${report.ingested} events, ${report.duplicates} duplicates, ${report.malformed.count} malformed`;
        job.progress(report.cancelled ? 'cancelled' : 'done', report.cancelled ? null : 1, report.cancelled ? `cancelled: ${summary}; run again to resume` : summary);
        return report;
      });
    },
  };
}
