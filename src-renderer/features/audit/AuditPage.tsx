import { useEffect, useState, type FormEvent } from 'react';
import type { OperatorScope } from '../../../src-shared/contract/clusters';
import { useClient } from '../../app/client';
import { useSession } from '../../app/stores/session';
import { Badge } from '../../ui/Badge';
import { loadSnapshots } from './actions';
import { IngestPanel } from './IngestPanel';
import { LiveTools } from './LiveTools';
import { Review } from './Review';
import { SnapshotsPanel } from './SnapshotsPanel';
import { sourceKey, useAudit, type ReviewSource } from './store';
import { VerificationView } from './Verification';
import './audit.css';

/** The streams an operator may read on one cluster: the platform stream and the tenants they audit. */
export function auditableStreams(s: OperatorScope): { platform: boolean; tenants: string[] } {
  const all = s.platform || s.auditor === 'all';
  const own = new Set([...s.tenantAdmin, ...(s.auditor === 'all' ? [] : s.auditor)]);
  const tenants = all ? [...new Set([...s.tenants, ...own])] : s.tenants.filter((t) => own.has(t)).concat([...own].filter((t) => !s.tenants.includes(t)));
  return { platform: all, tenants: [...new Set(tenants)].sort() };
}

function LiveChooser({ scopes }: { scopes: OperatorScope[] }) {
  const setSource = useAudit((s) => s.setSource);
  const source = useAudit((s) => s.source);
  const readable = scopes.map((s) => ({ cluster: s.cluster, ...auditableStreams(s) })).filter((c) => c.platform || c.tenants.length);
  const [cluster, setCluster] = useState(source?.kind === 'live' ? source.cluster : '');
  const chosen = readable.find((c) => c.cluster === cluster) ?? readable[0];
  const [stream, setStream] = useState(source?.kind === 'live' ? (source.tenant ?? '') : '');
  if (!chosen) {
    return (
      <p className="muted" data-testid="audit-live-none">
        Sign in to a cluster (<a href="#/clusters">Clusters</a>) as a platform operator, an auditor or a tenant admin to read its streams. Imported snapshots need no sign-in.
      </p>
    );
  }
  const options = [...(chosen.platform ? [''] : []), ...chosen.tenants];
  const pickedStream = options.includes(stream) ? stream : (options[0] ?? '');
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    setSource({ kind: 'live', cluster: chosen.cluster, tenant: pickedStream || null });
  };
  return (
    <form className="form-grid" onSubmit={submit} noValidate aria-label="Choose a live stream" data-testid="audit-live-form">
      <div className="field">
        <label htmlFor="audit-live-cluster">Cluster</label>
        <select id="audit-live-cluster" value={chosen.cluster} onChange={(e) => setCluster(e.target.value)} data-testid="audit-live-cluster">
          {readable.map((c) => (
            <option key={c.cluster} value={c.cluster}>
              {c.cluster}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="audit-live-stream">Stream</label>
        <select id="audit-live-stream" value={pickedStream} onChange={(e) => setStream(e.target.value)} data-testid="audit-live-stream">
          {options.map((t) => (
            <option key={t || 'platform'} value={t}>
              {t ? `tenant ${t}` : 'platform stream'}
            </option>
          ))}
        </select>
      </div>
      <div className="page-actions">
        <button type="submit" className="btn btn-primary" data-testid="audit-live-open">
          Review stream
        </button>
      </div>
    </form>
  );
}

function SourceReview({ source, scopes }: { source: ReviewSource; scopes: Record<string, OperatorScope> }) {
  const snapshot = useAudit((s) => (source.kind === 'snapshot' ? s.snapshots.find((x) => x.id === source.snapshotId) : undefined));
  const lastImport = useAudit((s) => s.lastImport);
  const [round, setRound] = useState(0);
  if (source.kind === 'live') {
    const scope = scopes[source.cluster];
    if (!scope) {
      return (
        <p className="muted" data-testid="audit-live-signed-out">
          Signed out of {source.cluster}: sign in again to review its stream.
        </p>
      );
    }
    const label = source.tenant ? `Events of tenant ${source.tenant} on ${source.cluster}` : `Platform events on ${source.cluster}`;
    return (
      <>
        <LiveTools key={sourceKey(source)} cluster={source.cluster} tenant={source.tenant} onSynced={() => setRound((n) => n + 1)} />
        <Review key={`${sourceKey(source)}#${round}`} source={source} label={label} />
      </>
    );
  }
  if (!snapshot) return null;
  const label = `Snapshot of ${snapshot.stream} (${snapshot.cluster}, exported ${snapshot.createdAt.slice(0, 10)})`;
  return (
    <>
      {lastImport?.id !== snapshot.id ? (
        <section className="card" aria-label="Verification of the reviewed snapshot">
          <VerificationView v={snapshot.verification} testId="audit-review-verdict" signerNote />
        </section>
      ) : null}
      <Review
        key={sourceKey(source)}
        source={source}
        label={label}
        actions={snapshot.verification.intact ? <Badge tone="success">INTACT</Badge> : <Badge tone="danger">TAMPERED — events below are as found in the file</Badge>}
      />
    </>
  );
}

/**
 * Audit screen (issue 9): review live streams of signed-in clusters or snapshots imported on
 * this machine (which need no network: the auditor's laptop case), import and verify snapshots,
 * and — for platform operators — ingest Cassandra's own audit logs.
 */
export function AuditPage() {
  const client = useClient();
  const scopes = useSession((s) => s.scopes);
  const source = useAudit((s) => s.source);
  const list = Object.values(scopes).sort((a, b) => a.cluster.localeCompare(b.cluster));
  const platform = list.filter((s) => s.platform).map((s) => s.cluster);
  useEffect(() => {
    void loadSnapshots(client);
  }, [client]);
  return (
    <div className="page" data-testid="audit-page">
      <header className="page-header">
        <div>
          <h1>Audit</h1>
          <p className="muted">Every stream is hash-chained and signed in batches with its tenant's audit key: an edited, deleted, inserted or reordered event is found with its position.</p>
        </div>
      </header>
      <div className="audit-sources">
        <section className="card" aria-labelledby="audit-live-title" data-testid="audit-live">
          <header className="card-header">
            <h2 id="audit-live-title">Live streams</h2>
          </header>
          <LiveChooser scopes={list} />
        </section>
        <SnapshotsPanel />
      </div>
      {source ? <SourceReview source={source} scopes={scopes} /> : <p className="muted" data-testid="audit-no-source">Choose a live stream or an imported snapshot to review its events.</p>}
      {platform.length ? <IngestPanel clusters={platform} /> : null}
    </div>
  );
}
