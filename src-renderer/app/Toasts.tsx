import { useEffect } from 'react';
import { useToasts, type Toast } from './stores/toasts';

/** Confirmations go away by themselves; failures stay until the operator dismisses them. */
export const SUCCESS_TOAST_MS = 5000;

function ToastItem({ toast }: { toast: Toast }) {
  const dismiss = useToasts((s) => s.dismiss);
  useEffect(() => {
    if (toast.kind === 'error') return;
    const t = setTimeout(() => dismiss(toast.id), SUCCESS_TOAST_MS);
    return () => clearTimeout(t);
  }, [toast.id, toast.kind, toast.count, dismiss]);

  return (
    <li className={`toast toast-${toast.kind}`} data-testid="toast" data-kind={toast.kind}>
      <div className="toast-body">
        {toast.code ? (
          <code className="error-code" data-testid="toast-code">
            {toast.code}
          </code>
        ) : (
          <span className="toast-ok" aria-hidden="true">
            ✓
          </span>
        )}
        <span className="toast-message" data-testid="toast-message">
          {toast.message}
        </span>
        {toast.count > 1 ? <span className="toast-count">×{toast.count}</span> : null}
      </div>
      {toast.code === 'APPROVAL_REQUIRED' ? (
        // The call was filed, not run: say where the second person decides.
        <a className="toast-link" href="#/access" data-testid="toast-approvals-link">
          Open Support &amp; approvals
        </a>
      ) : null}
      {toast.source ? <div className="toast-source mono">{toast.source}</div> : null}
      <button type="button" className="btn btn-ghost btn-icon toast-close" aria-label="Dismiss notification" onClick={() => dismiss(toast.id)}>
        <span aria-hidden="true">×</span>
      </button>
    </li>
  );
}

export function Toasts() {
  const toasts = useToasts((s) => s.toasts);
  return (
    <section className="toasts" aria-label="Notifications">
      <ol aria-live="polite" aria-relevant="additions text" className="toast-list" data-testid="toasts">
        {toasts.map((t) => (
          <ToastItem key={t.id} toast={t} />
        ))}
      </ol>
    </section>
  );
}
