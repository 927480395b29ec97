/** Native <progress>: the browser exposes role=progressbar and its value; null means "unknown total". */
export function Progress({ fraction, label, testId }: { fraction: number | null; label: string; testId?: string }) {
  const pct = fraction === null ? null : Math.round(fraction * 100);
  return (
    <span className="progress">
      {fraction === null ? (
        <progress aria-label={label} data-testid={testId} />
      ) : (
        <progress aria-label={label} max={1} value={fraction} data-testid={testId} />
      )}
      <span className="progress-text">{pct === null ? '…' : `${pct}%`}</span>
    </span>
  );
}
