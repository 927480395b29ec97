import { render } from '@testing-library/react';
import type { CsmBridge } from '../../../src-shared/bridge';
import type { ChannelInput, ChannelName, ChannelOutput, Result } from '../../../src-shared/contract';
import { App } from '../../../src-renderer/app/App';
import { createAppClient } from '../../../src-renderer/app/bridge';
import { ClientProvider } from '../../../src-renderer/app/client';
import type { ClusterProfile } from '../../../src-shared/contract/clusters';
import type { AppInfo } from '../../../src-shared/contract/app';

/**
 * A FAKE bridge for renderer unit tests: canned envelopes per channel, recorded calls,
 * and `emit` to push events. It proves UI logic only; the real transports are exercised
 * by the integration and end-to-end suites.
 */
type Handler<C extends ChannelName> = (input: ChannelInput<C>) => Result<ChannelOutput<C>> | Promise<Result<ChannelOutput<C>>>;
export type Handlers = { [C in ChannelName]?: Handler<C> };

export const ok = <T,>(value: T): Result<T> => ({ ok: true, value });
export const fail = (code: Extract<Result<never>, { ok: false }>['error']['code'], message: string): Result<never> => ({
  ok: false,
  error: { code, message },
});

export const APP_INFO: AppInfo = {
  version: '0.1.0-test',
  host: 'web',
  dataDir: '/tmp/csm-test',
  secretBackend: 'keychain',
  schemaVersion: 1,
  notices: [],
};

export function profile(name: string, extra: Partial<ClusterProfile> = {}): ClusterProfile {
  return {
    name,
    contactPoints: ['10.0.0.5:9042', '10.0.0.6:9042'],
    localDc: 'dc1',
    username: 'csm_admin',
    tls: null,
    sandbox: false,
    passwordStored: true,
    createdAt: '2024-01-01T00:00:00.000Z',
    updatedAt: '2024-01-01T00:00:00.000Z',
    ...extra,
  };
}

export function createFakeBridge(handlers: Handlers = {}) {
  const defaults: Handlers = {
    'app.info': () => ok(APP_INFO),
    'jobs.list': () => ok([]),
    'cluster.list': () => ok([]),
    'cluster.sandboxStatus': () => ok({ available: true, running: false, registered: false, contactPoint: null, reason: null }),
    'session.whoami': () => fail('NOT_SIGNED_IN', 'not signed in'),
    // Settings shows the key shares panel, which asks for the master key status.
    'keys.masterStatus': () => ok({ present: false, fingerprint: null }),
    'tenant.list': () => ok([]),
    'security.alerts': () => ok([]),
  };
  const all: Handlers = { ...defaults, ...handlers };
  const calls: { channel: string; input: unknown }[] = [];
  const listeners = new Map<string, Set<(p: unknown) => void>>();

  const bridge: CsmBridge = {
    host: 'web',
    async invoke(channel, input) {
      calls.push({ channel, input });
      const h = all[channel as ChannelName] as ((i: unknown) => Result<unknown> | Promise<Result<unknown>>) | undefined;
      if (!h) return fail('UNKNOWN_CHANNEL', `fake bridge: no handler for ${channel}`);
      return h(input);
    },
    on(event, listener) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener);
      return () => set.delete(listener);
    },
  };

  return {
    bridge,
    client: createAppClient(bridge),
    calls,
    callsTo: (channel: ChannelName) => calls.filter((c) => c.channel === channel),
    emit(event: string, payload: unknown) {
      for (const l of listeners.get(event) ?? []) l(payload);
    },
    listenerCount: (event: string) => listeners.get(event)?.size ?? 0,
  };
}

export type FakeBridge = ReturnType<typeof createFakeBridge>;

export function renderApp(fake: FakeBridge) {
  return render(
    <ClientProvider client={fake.client}>
      <App />
    </ClientProvider>,
  );
}
