import { useAppInfo } from './stores/appInfo';

/** Start-up problems (a corrupt cache moved aside, …) stay on top until closed: the operator must see them. */
export function Notices() {
  const info = useAppInfo((s) => s.info);
  const dismissed = useAppInfo((s) => s.dismissedNotices);
  const dismiss = useAppInfo((s) => s.dismissNotice);
  const shown = (info?.notices ?? []).map((n, i) => ({ ...n, i })).filter((n) => n.level !== 'info' && !dismissed.includes(n.i));
  if (shown.length === 0) return null;
  return (
    <ul className="banners" aria-label="Start-up notices" data-testid="notices">
      {shown.map((n) => (
        <li key={n.i} className={`banner banner-${n.level}`} role={n.level === 'error' ? 'alert' : 'status'}>
          <span className="banner-level">{n.level}</span>
          <span className="banner-message">{n.message}</span>
          <button type="button" className="btn btn-ghost btn-small" onClick={() => dismiss(n.i)}>
            Dismiss
          </button>
        </li>
      ))}
    </ul>
  );
}
