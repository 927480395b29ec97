import type { TlsOptions } from '../../src-shared/contract';

/** What the cluster service needs from the local store: a profile row without any secret. */
export interface ProfileRow {
  name: string;
  contactPoints: string[];
  localDc: string;
  username: string;
  tls: TlsOptions | null;
  sandbox: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface ProfileStore {
  list(): ProfileRow[];
  get(name: string): ProfileRow | undefined;
  insert(row: ProfileRow): void;
  update(row: ProfileRow): void;
  delete(name: string): boolean;
}
