import type { Verification } from '../../../src-shared/contract/audit';
import { Badge } from '../../ui/Badge';
import { when } from './format';

/**
 * The verdict, first and big: INTACT, or exactly what was tampered with and where (kind, event
 * seq, batch, message). Signers are fingerprints of the keys that signed; a snapshot proves
 * itself only against a fingerprint obtained some other way, so the note says to compare it.
 */
export function VerificationView({ v, testId = 'verification', signerNote = false }: { v: Verification; testId?: string; signerNote?: boolean }) {
  return (
    <div className={`audit-verdict ${v.intact ? 'audit-verdict-ok' : 'audit-verdict-bad'}`} data-testid={testId} data-intact={v.intact ? 'true' : 'false'} role="status">
      <p className="audit-verdict-head">
        {v.intact ? (
          <Badge tone="success" testId={`${testId}-badge`}>
            INTACT
          </Badge>
        ) : (
          <Badge tone="danger" testId={`${testId}-badge`}>
            TAMPERED: {v.problems.length} problem{v.problems.length === 1 ? '' : 's'}
          </Badge>
        )}{' '}
        <span className="muted small">
          {v.stream} · {v.events} events in {v.batches} signed batches
          {v.firstSeq !== null ? ` · seq ${v.firstSeq}–${v.lastSeq ?? '?'}` : ''} · verified {when(v.verifiedAt)}
        </span>
      </p>
      {v.problems.length ? (
        <div className="table-wrap">
          <table className="table table-compact" data-testid={`${testId}-problems`}>
            <caption className="sr-only">Problems found by verification</caption>
            <thead>
              <tr>
                <th scope="col">Kind</th>
                <th scope="col">Event seq</th>
                <th scope="col">Batch</th>
                <th scope="col">What was found</th>
              </tr>
            </thead>
            <tbody>
              {v.problems.map((p, i) => (
                <tr key={`${p.kind}-${p.seq ?? 'x'}-${p.batch ?? 'x'}-${i}`} data-testid={`${testId}-problem`} data-kind={p.kind} data-seq={p.seq ?? ''}>
                  <td>
                    <Badge tone="danger">{p.kind}</Badge>
                  </td>
                  <td className="mono">{p.seq ?? '—'}</td>
                  <td className="mono">{p.batch ?? '—'}</td>
                  <td>{p.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <dl className="kv">
        <dt>Head hash</dt>
        <dd className="mono break" title={v.headHash ?? undefined}>
          {v.headHash ?? '—'}
        </dd>
        <dt>Signed by</dt>
        <dd data-testid={`${testId}-signers`}>
          {v.signers.length ? (
            v.signers.map((f) => (
              <code key={f} className="mono break audit-fingerprint" title={f}>
                {f}
              </code>
            ))
          ) : (
            <span className="muted">no signer</span>
          )}
          {signerNote ? <p className="muted small">A valid signature proves only that the holder of this key signed. Compare the fingerprint with the one the tenant published (by phone, in person, on paper) before you trust it.</p> : null}
        </dd>
      </dl>
    </div>
  );
}
