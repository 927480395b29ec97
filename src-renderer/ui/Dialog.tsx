import { useEffect, useId, useRef, type KeyboardEvent, type ReactNode, type RefObject } from 'react';
import { createPortal } from 'react-dom';

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/** Element the shell is rendered into; made inert while a dialog is open so focus cannot leave. */
export const SHELL_ID = 'app-shell';

function focusables(node: HTMLElement): HTMLElement[] {
  return Array.from(node.querySelectorAll<HTMLElement>(FOCUSABLE));
}

export interface DialogProps {
  title: string;
  description?: ReactNode;
  onClose(): void;
  children: ReactNode;
  testId?: string;
  /** Focused on open; defaults to the first editable field, else the first focusable element. */
  initialFocus?: RefObject<HTMLElement | null>;
  size?: 'normal' | 'wide';
}

/**
 * Modal dialog: focus moves in, Tab cycles inside, Escape closes, the shell behind is
 * inert, and focus goes back to what opened it. Clicking the backdrop does not close it:
 * a half-filled form is not thrown away by a stray click.
 */
export function Dialog({ title, description, onClose, children, testId, initialFocus, size = 'normal' }: DialogProps) {
  const ref = useRef<HTMLDivElement>(null);
  const titleId = useId();
  const descId = useId();
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;

  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const shell = document.getElementById(SHELL_ID);
    shell?.setAttribute('inert', '');
    const node = ref.current;
    if (node) {
      const firstInput = node.querySelector<HTMLElement>(
        'input:not([disabled]):not([readonly]), textarea:not([disabled]):not([readonly]), select:not([disabled])',
      );
      (initialFocus?.current ?? firstInput ?? focusables(node)[0] ?? node).focus();
    }
    return () => {
      shell?.removeAttribute('inert');
      if (opener?.isConnected) opener.focus();
    };
    // Focus is placed once, on open; later renders must not pull it back.
  }, []);

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>): void => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      onCloseRef.current();
      return;
    }
    if (e.key !== 'Tab' || !ref.current) return;
    const items = focusables(ref.current);
    const first = items[0];
    const last = items[items.length - 1];
    if (!first || !last) {
      e.preventDefault();
      return;
    }
    const active = document.activeElement;
    if (e.shiftKey && (active === first || active === ref.current)) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && active === last) {
      e.preventDefault();
      first.focus();
    }
  };

  return createPortal(
    <div className="dialog-backdrop">
      <div
        ref={ref}
        className={`dialog dialog-${size}`}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        aria-describedby={description ? descId : undefined}
        tabIndex={-1}
        onKeyDown={onKeyDown}
        data-testid={testId}
      >
        <header className="dialog-header">
          <h2 id={titleId}>{title}</h2>
          <button type="button" className="btn btn-ghost btn-icon" aria-label="Close dialog" onClick={() => onCloseRef.current()}>
            <span aria-hidden="true">×</span>
          </button>
        </header>
        {description ? (
          <div id={descId} className="dialog-description">
            {description}
          </div>
        ) : null}
        <div className="dialog-body">{children}</div>
      </div>
    </div>,
    document.body,
  );
}
