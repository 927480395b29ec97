import { useEffect, useRef } from 'react';
import type { WireError } from '../../../src-shared/contract/core';
import { Badge, YesNo } from '../../ui/Badge';
import { FormError } from '../../ui/Field';
import type { ChainProof } from './actions';
import { when } from './format';

function pretty(v: unknown): string {
  try {
    return JSON.stringify(v, null, 2) ?? 'null';
  } catch {
    return String(v);
  }
}

/**
 * One event and its chain proof: the canonical bytes that were hashed, the hash recomputed here
 * against the stored one, the link to the previous event, and the signature of its batch.
 */
export function EventDetail({ proof, error, loading, onClose }: { proof: ChainProof | null; error: WireError | null; loading: boolean; onClose(): void }) {
  const e = proof?.event;
  const ref = useRef<HTMLElement>(null);
  // Keyboard and screen-reader users land on the proof they asked for, not back in the table.
  useEffect(() => {
    if (e) ref.current?.focus();
  }, [e?.seq]);
  const sound = proof ? proof.hashMatches && proof.linkMatches && (proof.batch?.signatureValid ?? false) : false;
  return (
    <section ref={ref} tabIndex={-1} className="card audit-detail" aria-labelledby="audit-detail-title" data-testid="audit-event-detail" data-seq={e?.seq ?? ''}>
      <header className="card-header">
        <h3 id="audit-detail-title">{e ? `Event ${e.seq}` : 'Event'}</h3>
        <button type="button" className="btn btn-ghost btn-small" onClick={onClose} data-testid="audit-detail-close">
          Close
        </button>
      </header>
      {loading ? <p className="muted">Loading the chain proof…</p> : null}
      {error ? <FormError code={error.code} message={error.message} /> : null}
      {proof && e ? (
        <>
          <p data-testid="audit-proof-verdict">
            {sound ? <Badge tone="success">chain proof holds</Badge> : <Badge tone="danger">chain proof fails</Badge>}
          </p>
          <dl className="kv">
            <dt>Time</dt>
            <dd>{when(e.at)}</dd>
            <dt>Type</dt>
            <dd>
              {e.type} <span className="muted">({e.category}, {e.source})</span>
            </dd>
            <dt>User</dt>
            <dd>{e.user ?? '—'}</dd>
            <dt>Keyspace</dt>
            <dd>
              {e.keyspace ?? '—'}
              {e.scope ? `.${e.scope}` : ''}
            </dd>
            <dt>Outcome</dt>
            <dd>
              {e.outcome}
              {e.errorCode ? ` (${e.errorCode})` : ''}
            </dd>
            <dt>Origin</dt>
            <dd>{e.origin ?? '—'}</dd>
            <dt>Operation</dt>
            <dd className="mono break">{e.operation}</dd>
          </dl>
          <h4>Chain proof</h4>
          <dl className="kv" data-testid="audit-proof">
            <dt>Stored hash</dt>
            <dd className="mono break">{e.hash}</dd>
            <dt>Recomputed hash</dt>
            <dd className="mono break" data-testid="audit-proof-recomputed">
              {proof.recomputedHash}
            </dd>
            <dt>Hash matches</dt>
            <dd data-testid="audit-proof-hash">
              <YesNo value={proof.hashMatches} noTone="danger" />
            </dd>
            <dt>Previous event</dt>
            <dd className="mono break">{proof.previous ? `seq ${proof.previous.seq}: ${proof.previous.hash}` : 'none (first event of the stream or of the snapshot)'}</dd>
            <dt>Links to previous</dt>
            <dd data-testid="audit-proof-link">
              <YesNo value={proof.linkMatches} noTone="danger" /> <span className="muted small">prevHash {e.prevHash}</span>
            </dd>
            <dt>Batch signature</dt>
            <dd data-testid="audit-proof-signature">
              {proof.batch ? (
                <>
                  <YesNo value={proof.batch.signatureValid} noTone="danger" />{' '}
                  <span className="muted small">
                    batch {proof.batch.batch} (seq {proof.batch.firstSeq}–{proof.batch.lastSeq}) signed by <code className="mono break">{proof.batch.signer}</code>
                  </span>
                </>
              ) : (
                <Badge tone="warning">not in a signed batch yet</Badge>
              )}
            </dd>
          </dl>
          <h4>Canonical bytes (what was hashed)</h4>
          <pre className="mono audit-pre" data-testid="audit-proof-canonical">
            {proof.canonical}
          </pre>
          <h4>Detail</h4>
          <pre className="mono audit-pre">{pretty(e.detail)}</pre>
        </>
      ) : null}
    </section>
  );
}
