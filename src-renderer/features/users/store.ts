import { create } from 'zustand';
import type { TenantUser, UserRequest } from '../../../src-shared/contract/users';
import type { WireError } from '../../../src-shared/contract/core';
import type { PasswordPolicy } from '../../../src-shared/rules/password-policy';

export type Permission = { permission: string; resource: string; via: string };
/**
 * The password policy the dialogs check against live: the tenant's effective one (from
 * `config.show`), or the default with the reason it could not be read (main enforces the tenant's
 * own either way).
 */
export type PolicyView = { policy: PasswordPolicy; source: 'tenant' } | { policy: PasswordPolicy; source: 'default'; reason: string };
export const usersKey = (cluster: string, tenant: string): string => `${cluster}/${tenant}`;

interface UsersState {
  users: Record<string, TenantUser[]>;
  requests: Record<string, UserRequest[]>;
  errors: Record<string, WireError>;
  /** Who-can-do-what of the selected user, keyed by cluster/tenant/name. */
  permissions: Record<string, Permission[]>;
  policies: Record<string, PolicyView>;
  setUsers(key: string, users: TenantUser[]): void;
  setRequests(key: string, requests: UserRequest[]): void;
  setError(key: string, e: WireError | null): void;
  setPermissions(key: string, p: Permission[]): void;
  setPolicy(key: string, p: PolicyView): void;
  reset(): void;
}

/** One slice for tenant users; reset between tests like the others. */
export const useUsers = create<UsersState>()((set) => ({
  users: {},
  requests: {},
  errors: {},
  permissions: {},
  policies: {},
  setUsers: (key, users) => set((s) => ({ users: { ...s.users, [key]: users } })),
  setRequests: (key, requests) => set((s) => ({ requests: { ...s.requests, [key]: requests } })),
  setError: (key, e) =>
    set((s) => {
      const { [key]: _gone, ...rest } = s.errors;
      return { errors: e ? { ...rest, [key]: e } : rest };
    }),
  setPermissions: (key, p) => set((s) => ({ permissions: { ...s.permissions, [key]: p } })),
  setPolicy: (key, p) => set((s) => ({ policies: { ...s.policies, [key]: p } })),
  reset: () => set({ users: {}, requests: {}, errors: {}, permissions: {}, policies: {} }),
}));
