import { useAccess } from '../../features/access/store';
import { useAudit } from '../../features/audit/store';
import { useAvailability } from '../../features/availability/store';
import { useClusters } from '../../features/clusters/store';
import { useConfig } from '../../features/config/store';
import { useIsolation } from '../../features/isolation/store';
import { useJobs } from '../../features/jobs/store';
import { useMsp } from '../../features/msp/store';
import { usePki } from '../../features/pki/store';
import { usePortability } from '../../features/portability/store';
import { useResources } from '../../features/resources/store';
import { useTenants } from '../../features/tenants/store';
import { useUsers } from '../../features/users/store';
import { useAppInfo } from './appInfo';
import { useSession } from './session';
import { useTheme } from './theme';
import { useToasts } from './toasts';

export { useAccess, useAppInfo, useAudit, useAvailability, useClusters, useConfig, useIsolation, useJobs, useMsp, usePki, usePortability, useResources, useSession, useTenants, useTheme, useToasts, useUsers };

/** Between tests, and when the operator reloads the console state. */
export function resetAllStores(): void {
  useAccess.getState().reset();
  useAppInfo.getState().reset();
  useAudit.getState().reset();
  useAvailability.getState().reset();
  useClusters.getState().reset();
  useConfig.getState().reset();
  useIsolation.getState().reset();
  useJobs.getState().reset();
  useMsp.getState().reset();
  usePki.getState().reset();
  usePortability.getState().reset();
  useResources.getState().reset();
  useSession.getState().reset();
  useTenants.getState().reset();
  useTheme.getState().reset();
  useToasts.getState().reset();
  useUsers.getState().reset();
}
