import { createContext, useContext, type ReactNode } from 'react';
import type { CsmClient } from '../../src-shared/client';

const ClientContext = createContext<CsmClient | null>(null);

/** The root passes the real client; tests pass one built on a fake bridge. */
export function ClientProvider({ client, children }: { client: CsmClient; children: ReactNode }) {
  return <ClientContext.Provider value={client}>{children}</ClientContext.Provider>;
}

export function useClient(): CsmClient {
  const c = useContext(ClientContext);
  if (!c) throw new Error('useClient outside <ClientProvider>');
  return c;
}
