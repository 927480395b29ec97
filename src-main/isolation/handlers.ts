import type { isolationChannels } from '../../src-shared/contract/isolation';
import type { Handlers } from '../ipc/router';

export type IsolationHandlers = Pick<Handlers, keyof typeof isolationChannels>;

/** The handlers of the isolation channels (issue 6). */
export function isolationHandlers(_deps: Record<string, unknown>): IsolationHandlers {
  return {};
}
