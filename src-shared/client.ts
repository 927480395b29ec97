import type { CsmBridge } from './bridge';
import type { ChannelInput, ChannelName, ChannelOutput, EventName, EventPayload, Result } from './contract';
import { events } from './contract';

/** Typed client over any bridge: the renderer and tests get channel/input/output types from the contract. */
export interface CsmClient {
  call<C extends ChannelName>(channel: C, input: ChannelInput<C>): Promise<Result<ChannelOutput<C>>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
}

export function createClient(bridge: CsmBridge): CsmClient {
  return {
    call: (channel, input) => bridge.invoke(channel, input) as Promise<Result<never>>,
    on: (event, listener) =>
      bridge.on(event, (raw) => {
        const parsed = events[event].payload.safeParse(raw);
        if (parsed.success) listener(parsed.data as EventPayload<typeof event>);
      }),
  };
}
