import { unacknowledgedCount, useIsolation } from '../features/isolation/store';
import { runningCount, useJobs } from '../features/jobs/store';
import { ROUTES, type RouteId } from './routes';

export function Nav({ current }: { current: RouteId }) {
  const running = useJobs((s) => runningCount(s.jobs));
  const alerts = useIsolation((s) => unacknowledgedCount(s.alerts));
  return (
    <nav className="app-nav" aria-label="Main">
      <ul>
        {ROUTES.map((r) => (
          <li key={r.id} className={r.id === 'about' ? 'nav-bottom' : undefined}>
            <a href={r.href} aria-current={r.id === current ? 'page' : undefined} data-testid={`nav-${r.id}`}>
              <span>{r.label}</span>
              {r.id === 'jobs' && running > 0 ? (
                <span className="nav-count" aria-label={`${running} running`}>
                  {running}
                </span>
              ) : null}
              {r.id === 'isolation' && alerts > 0 ? (
                <span className="nav-count" aria-label={`${alerts} unacknowledged isolation alert${alerts === 1 ? '' : 's'}`} data-testid="nav-isolation-alerts">
                  {alerts}
                </span>
              ) : null}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
