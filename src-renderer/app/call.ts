import type { CsmClient } from '../../src-shared/client';
import type { ChannelInput, ChannelName, ChannelOutput, Result } from '../../src-shared/contract';
import { useToasts } from './stores/toasts';

export interface CallOptions<T> {
  /** Confirmation toast on success. */
  success?: string | ((value: T) => string);
  /** Do not toast a failure (the caller shows it in place or it is expected, e.g. NOT_SIGNED_IN). */
  quiet?: boolean;
}

/**
 * Every call from a screen goes through here so that no `{ok:false}` is ever swallowed:
 * the failure is toasted with its code unless the caller explicitly shows it itself.
 */
export async function call<C extends ChannelName>(
  client: CsmClient,
  channel: C,
  input: ChannelInput<C>,
  opts: CallOptions<ChannelOutput<C>> = {},
): Promise<Result<ChannelOutput<C>>> {
  const r = await client.call(channel, input);
  const toasts = useToasts.getState();
  if (!r.ok) {
    if (!opts.quiet) toasts.error(r.error, channel);
  } else if (opts.success !== undefined) {
    toasts.success(typeof opts.success === 'function' ? opts.success(r.value) : opts.success, channel);
  }
  return r;
}
