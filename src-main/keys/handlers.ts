import type { keyChannels } from '../../src-shared/contract/keys';
import type { Handlers } from '../ipc/router';
import type { ClusterKeys } from './registry';

export type KeyHandlers = Pick<Handlers, keyof typeof keyChannels>;

/** The handlers of the key channels (issue 4), over the per-cluster key services. */
export function keyHandlers(_deps: { keys: ClusterKeys }): KeyHandlers {
  return {};
}
