import type { EventName, EventPayload } from '../../src-shared/contract';
import { events } from '../../src-shared/contract';

export type EventListener = <E extends EventName>(name: E, payload: EventPayload<E>) => void;

/** Main→client events. Payloads are parsed against the contract before they leave main. */
export class EventBus {
  private readonly listeners = new Set<EventListener>();
  subscribe(fn: EventListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
  emit<E extends EventName>(name: E, payload: EventPayload<E>): void {
    const parsed = events[name].payload.parse(payload) as EventPayload<E>;
    for (const fn of this.listeners) {
      try {
        fn(name, parsed);
      } catch {
        /* one broken subscriber (a closed window) must not stop the others */
      }
    }
  }
}
