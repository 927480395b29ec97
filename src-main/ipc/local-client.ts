import type { ChannelName, ChannelOutput, Result } from '../../src-shared/contract';
import type { Caller, Router } from './router';

/**
 * In-process typed view of the router (CLI and tests): the same dispatch path as IPC and the
 * web host, with the output type of each channel. Input stays `unknown` on purpose: the router
 * parses it, and hostile-input tests must be able to send anything.
 */
export interface LocalClient {
  call<C extends ChannelName>(channel: C, input: unknown): Promise<Result<ChannelOutput<C>>>;
}

export function localClient(router: Router, caller: Caller): LocalClient {
  return { call: (channel, input) => router.dispatch(channel, input, caller) as Promise<Result<never>> };
}
