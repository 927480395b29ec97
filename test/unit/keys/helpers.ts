import { AppError } from '../../../src-main/app/errors';
import { SealedCache } from '../../../src-main/keys/cache';
import { KeyService, type KeyServiceDeps } from '../../../src-main/keys/hierarchy';
import { MemoryCacheStore, MemoryDataKeyStore, MemoryKekStore, MemorySecretStore } from '../../../src-main/keys/memory-stores';
import type { ErrorCode } from '../../../src-shared/contract/core';

export interface Console {
  keys: KeyService;
  secrets: MemorySecretStore;
  cache: SealedCache;
}

/** The shared "cluster" (KEK and data-key stores) and a local cache, as one installation sees them. */
export function world() {
  const keks = new MemoryKekStore();
  const dataKeys = new MemoryDataKeyStore();
  const cacheStore = new MemoryCacheStore();
  const consoleOn = (secrets = new MemorySecretStore(), over: Partial<KeyServiceDeps> = {}): Console => {
    const keys = new KeyService({ secrets, keks, dataKeys, cache: cacheStore, recordTtlMs: 0, ...over });
    return { keys, secrets, cache: new SealedCache(keys, cacheStore) };
  };
  return { keks, dataKeys, cacheStore, consoleOn };
}

/** The AppError code a promise rejects with (fails the test if it resolves or throws something else). */
export async function codeOf(p: Promise<unknown>): Promise<{ code: ErrorCode; message: string }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected the call to fail');
}

export function codeOfSync(fn: () => unknown): { code: ErrorCode; message: string } {
  try {
    fn();
  } catch (e) {
    if (e instanceof AppError) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected the call to fail');
}
