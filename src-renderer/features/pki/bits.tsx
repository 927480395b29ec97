import { useState } from 'react';
import type { z } from 'zod';
import type { writtenFileSchema } from '../../../src-shared/contract/pki';
import type { CertificateInfo } from '../../../src-shared/contract/pki';
import { Badge, type Tone } from '../../ui/Badge';
import { FormError } from '../../ui/Field';
import type { Outcome } from './format';

export type WrittenFile = z.infer<typeof writtenFileSchema>;

export const STATUS_TONE: Record<CertificateInfo['status'], Tone> = { active: 'success', revoked: 'danger', expired: 'warning' };

export function StatusBadge({ status }: { status: CertificateInfo['status'] }) {
  return (
    <Badge tone={STATUS_TONE[status]} testId="cert-status">
      {status}
    </Badge>
  );
}

/** Files main wrote, with their SHA-256 so the operator can check what landed on disk. */
export function FilesWritten({ files, testId = 'cert-files' }: { files: readonly WrittenFile[]; testId?: string }) {
  if (!files.length) return <p className="muted small">No file written (no output path given).</p>;
  return (
    <div className="table-wrap">
      <table className="table table-compact" data-testid={testId}>
        <caption className="sr-only">Files written</caption>
        <thead>
          <tr>
            <th scope="col">File</th>
            <th scope="col">Kind</th>
            <th scope="col">Bytes</th>
            <th scope="col">SHA-256</th>
          </tr>
        </thead>
        <tbody>
          {files.map((f) => (
            <tr key={f.path} data-testid="cert-file" data-kind={f.kind}>
              <td className="mono break">{f.path}</td>
              <td>{f.kind}</td>
              <td className="nowrap">{f.bytes}</td>
              <td className="mono break small">{f.sha256}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A refused call or a filed approval request, shown where the operator is looking; the form above it is kept. */
export function OutcomeNote({ outcome }: { outcome: Outcome<unknown> | null }) {
  if (!outcome || outcome.kind === 'done') return null;
  if (outcome.kind === 'error') return <FormError code={outcome.error.code} message={outcome.error.message} />;
  return (
    <div className="notice notice-warning" role="status" data-testid="cert-approval" data-request={outcome.requestId ?? ''}>
      <p>
        <strong>Request filed{outcome.requestId ? <>, id <code className="mono">{outcome.requestId}</code></> : null}</strong>: the tenant&apos;s policy wants a second person, so nothing was issued yet.
      </p>
      <p className="small muted">{outcome.message}</p>
      <p>
        <a href="#/access" data-testid="cert-approval-link">
          Open Support &amp; approvals
        </a>
      </p>
    </div>
  );
}

/** PEM text (public: certificates and chains) with a copy button; copying may be refused by the browser. */
export function PemBlock({ pem, label, testId }: { pem: string; label: string; testId: string }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(pem);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  };
  return (
    <div className="pki-pem">
      <div className="pki-pem-actions">
        <button type="button" className="btn btn-small" onClick={() => void copy()} data-testid={`${testId}-copy`}>
          Copy {label}
        </button>
        <span role="status" className="small muted">
          {copied === 'yes' ? 'Copied.' : copied === 'failed' ? 'The browser refused the clipboard: select the text and copy it.' : ''}
        </span>
      </div>
      <pre className="pki-pem-text mono" tabIndex={0} aria-label={label} data-testid={testId}>
        {pem}
      </pre>
    </div>
  );
}

/** Small labelled select over a fixed list (keyboard native, labelled by its <label>). */
export function SelectField<T extends string>({ id, label, value, options, onChange, testId, hint }: { id: string; label: string; value: T; options: readonly { value: T; label: string; disabled?: boolean }[]; onChange(v: T): void; testId?: string; hint?: string }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value as T)} data-testid={testId} aria-describedby={hint ? `${id}-hint` : undefined}>
        {options.map((o) => (
          <option key={o.value} value={o.value} disabled={o.disabled}>
            {o.label}
          </option>
        ))}
      </select>
      {hint ? (
        <div id={`${id}-hint`} className="field-hint">
          {hint}
        </div>
      ) : null}
    </div>
  );
}
