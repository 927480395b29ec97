import type { ReactNode } from 'react';

export type Tone = 'neutral' | 'info' | 'success' | 'warning' | 'danger' | 'accent';

export function Badge({ tone = 'neutral', children, testId }: { tone?: Tone; children: ReactNode; testId?: string }) {
  return (
    <span className={`badge badge-${tone}`} data-testid={testId}>
      {children}
    </span>
  );
}

/** Stable error code, always monospace so operators can quote it exactly. */
export function ErrorCode({ code }: { code: string }) {
  return (
    <code className="error-code" data-testid="error-code">
      {code}
    </code>
  );
}

export function YesNo({ value, yesTone = 'success', noTone = 'neutral' }: { value: boolean; yesTone?: Tone; noTone?: Tone }) {
  return <Badge tone={value ? yesTone : noTone}>{value ? 'yes' : 'no'}</Badge>;
}
