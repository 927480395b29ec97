import type { ConnectionManager } from '../cassandra/connections';
import type { ClusterService } from '../clusters/service';
import type { SessionService } from '../identity/sessions';
import type { ClusterKeys } from '../keys/registry';
import type { SecretStore } from '../secrets/types';
import type { Store } from '../store';
import type { TenantService } from '../tenancy/service';
import type { ApprovalPolicy } from '../access/ports';
import type { EventBus } from './events';
import type { JobRunner } from './jobs';
import type { Logger } from './log';
import type { InternalDispatch } from './module';
import type { HostKind } from '../ipc/router';

/** Everything the composition root can hand a feature module. Take what you need; never reach around it. */
export interface ModuleDeps {
  host: HostKind;
  connections: ConnectionManager;
  clusters: ClusterService;
  sessions: SessionService;
  tenants: TenantService;
  keys: ClusterKeys;
  secrets: SecretStore;
  store: Store;
  jobs: JobRunner;
  bus: EventBus;
  logger: Logger;
  /** Channel calls through the router (scope, gate, audit apply). Usable once createServices has returned. */
  dispatch: InternalDispatch;
  /** The compliance module's answer to "does this call need a second person" (wired by services.ts). */
  approvalPolicy: ApprovalPolicy;
}
