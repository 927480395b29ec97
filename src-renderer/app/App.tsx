import { useEffect, useRef, type ComponentType, type MouseEvent } from 'react';
import { AccessPage } from '../features/access/AccessPage';
import { MspPage } from '../features/msp/MspPage';
import { ClustersPage } from '../features/clusters/ClustersPage';
import { loadClusters } from '../features/clusters/actions';
import { subscribeIsolation } from '../features/isolation/actions';
import { IsolationPage } from '../features/isolation/IsolationPage';
import { AuditPage } from '../features/audit/AuditPage';
import { HealthPage } from '../features/availability/HealthPage';
import { BillingPage } from '../features/resources/BillingPage';
import { AnalyticsPage } from '../features/resources/AnalyticsPage';
import { MigrationsPage } from '../features/portability/MigrationsPage';
import { JobsPage } from '../features/jobs/JobsPage';
import { loadJobs, subscribeJobs } from '../features/jobs/actions';
import { AboutPage } from '../features/settings/AboutPage';
import { subscribeTenants } from '../features/tenants/actions';
import { SecurityAlertBanner, SecurityAlertsPage } from '../features/tenants/SecurityAlerts';
import { TenantsScreen } from '../features/tenants/TenantsPage';
import { SHELL_ID } from '../ui/Dialog';
import { loadAppInfo } from './actions';
import { useClient } from './client';
import { Header } from './Header';
import { Nav } from './Nav';
import { Notices } from './Notices';
import { routeFromHash, useHash, type RouteId } from './routes';
import { applyTheme, useTheme } from './stores/theme';
import { Toasts } from './Toasts';

const PAGES: Record<RouteId, ComponentType> = {
  clusters: ClustersPage,
  tenants: TenantsScreen,
  msp: MspPage,
  isolation: IsolationPage,
  audit: AuditPage,
  health: HealthPage,
  billing: BillingPage,
  analytics: AnalyticsPage,
  migrations: MigrationsPage,
  access: AccessPage,
  jobs: JobsPage,
  security: SecurityAlertsPage,
  about: AboutPage,
};

export function App() {
  const client = useClient();
  const hash = useHash();
  const route = routeFromHash(hash);
  const preference = useTheme((s) => s.preference);
  const mainRef = useRef<HTMLElement>(null);

  useEffect(() => applyTheme(preference), [preference]);

  useEffect(() => {
    // Subscribe before listing so no progress event falls between the two.
    const off = subscribeJobs(client);
    const offTenants = subscribeTenants(client);
    const offIsolation = subscribeIsolation(client);
    void loadAppInfo(client);
    void loadJobs(client);
    void loadClusters(client);
    return () => {
      off();
      offTenants();
      offIsolation();
    };
  }, [client]);

  // Move focus to the new page so keyboard and screen-reader users land on its heading.
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    mainRef.current?.focus();
  }, [hash]);

  const skip = (e: MouseEvent<HTMLAnchorElement>): void => {
    e.preventDefault(); // a #fragment would be read as a route
    mainRef.current?.focus();
  };

  const Page = PAGES[route];
  return (
    <>
      <div id={SHELL_ID} className="app">
        <a className="skip-link" href="#main-content" onClick={skip}>
          Skip to content
        </a>
        <Header />
        <Nav current={route} />
        <main id="main-content" ref={mainRef} tabIndex={-1} className="app-main">
          <Notices />
          <SecurityAlertBanner />
          <Page />
        </main>
      </div>
      <Toasts />
    </>
  );
}
