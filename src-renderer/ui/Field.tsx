import { useId, type InputHTMLAttributes, type ReactNode, type Ref, type TextareaHTMLAttributes } from 'react';

interface FieldShell {
  label: string;
  hint?: ReactNode;
  error?: string | undefined;
  optional?: boolean;
}

function Wrap({
  id,
  label,
  hint,
  error,
  optional,
  hintId,
  errorId,
  children,
}: FieldShell & { id: string; hintId: string; errorId: string; children: ReactNode }) {
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>
        {label}
        {optional ? <span className="field-optional"> (optional)</span> : null}
      </label>
      {children}
      {hint && !error ? (
        <div id={hintId} className="field-hint">
          {hint}
        </div>
      ) : null}
      {error ? (
        <div id={errorId} className="field-error">
          {error}
        </div>
      ) : null}
    </div>
  );
}

function describedBy(hint: unknown, error: unknown, hintId: string, errorId: string): string | undefined {
  const ids = [hint && !error ? hintId : null, error ? errorId : null].filter(Boolean);
  return ids.length ? ids.join(' ') : undefined;
}

export function TextField({
  label,
  hint,
  error,
  optional,
  inputRef,
  ...input
}: FieldShell & InputHTMLAttributes<HTMLInputElement> & { inputRef?: Ref<HTMLInputElement> }) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  return (
    <Wrap id={id} label={label} hint={hint} error={error} optional={optional} hintId={hintId} errorId={errorId}>
      <input
        id={id}
        ref={inputRef}
        spellCheck={false}
        autoCapitalize="off"
        autoCorrect="off"
        {...input}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(hint, error, hintId, errorId)}
      />
    </Wrap>
  );
}

export function TextAreaField({ label, hint, error, optional, ...input }: FieldShell & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  return (
    <Wrap id={id} label={label} hint={hint} error={error} optional={optional} hintId={hintId} errorId={errorId}>
      <textarea
        id={id}
        spellCheck={false}
        autoCapitalize="off"
        autoCorrect="off"
        {...input}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(hint, error, hintId, errorId)}
      />
    </Wrap>
  );
}

/** A failure the server sent back, shown where the operator is looking. */
export function FormError({ code, message }: { code: string; message: string }) {
  return (
    <div className="form-error" role="alert" data-testid="form-error">
      <code className="error-code">{code}</code>
      <span>{message}</span>
    </div>
  );
}
