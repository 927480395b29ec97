import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src-main/app/errors';
import { KeytarSecretStore, type KeytarApi } from '../../../src-main/secrets/keytar-store';

const SECRET = 'correct-horse-battery-staple-42';

/** A keytar whose every call fails with the given message (as libsecret reports it). */
function failing(message: string): () => Promise<KeytarApi> {
  const fail = (): Promise<never> => Promise.reject(new Error(message));
  return async () => ({ getPassword: fail, setPassword: fail, deletePassword: fail });
}

async function caught(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return e as AppError;
  }
  throw new Error('expected a rejection');
}

describe('KeytarSecretStore error mapping (fake keytar)', () => {
  it.each([
    'Cannot autolaunch D-Bus without X11 $DISPLAY',
    'The name org.freedesktop.secrets was not provided by any .service files',
    'Could not connect: No such file or directory',
    'Failed to connect to socket /run/user/0/bus: Connection refused',
  ])('maps %j to KEYCHAIN_UNAVAILABLE with a way out', async (msg) => {
    const store = new KeytarSecretStore({ service: 'csm-unit', load: failing(msg) });
    for (const op of [store.get('cluster/prod/password'), store.set('cluster/prod/password', SECRET), store.delete('cluster/prod/password')]) {
      const err = await caught(op);
      expect(err.code).toBe('KEYCHAIN_UNAVAILABLE');
      expect(err.message).toMatch(/GNOME Keyring or KWallet/);
      expect(err.message).toContain('CSM_SECRET_BACKEND=vault');
    }
  });

  it.each(['Cannot create an item in a locked collection', 'Collection is locked'])('maps %j to KEYCHAIN_LOCKED', async (msg) => {
    const store = new KeytarSecretStore({ service: 'csm-unit', load: failing(msg) });
    const err = await caught(store.set('cluster/prod/password', SECRET));
    expect(err.code).toBe('KEYCHAIN_LOCKED');
    expect(err.message).toMatch(/unlock your keyring/i);
  });

  it('maps a missing default keyring to KEYCHAIN_LOCKED with how to create one', async () => {
    const store = new KeytarSecretStore({
      load: failing('Object does not exist at path “/org/freedesktop/secrets/collection/login”'),
    });
    const err = await caught(store.set('cluster/prod/password', SECRET));
    expect(err.code).toBe('KEYCHAIN_LOCKED');
    expect(err.message).toMatch(/no default keyring/);
  });

  it('turns a module that will not load into KEYCHAIN_UNAVAILABLE, and retries the load later', async () => {
    let attempts = 0;
    const store = new KeytarSecretStore({
      load: async () => {
        attempts++;
        throw new Error('libsecret-1.so.0: cannot open shared object file: No such file or directory');
      },
    });
    const err = await caught(store.has('installation/master-key'));
    expect(err.code).toBe('KEYCHAIN_UNAVAILABLE');
    expect(err.message).toMatch(/could not be loaded.*libsecret/);
    await caught(store.get('installation/master-key'));
    expect(attempts).toBe(2);
  });

  it('never puts the secret into the error, even if the library echoes it', async () => {
    const store = new KeytarSecretStore({ load: failing(`weird failure while storing "${SECRET}"`) });
    const err = await caught(store.set('cluster/prod/password', SECRET));
    expect(err.message).not.toContain(SECRET);
    expect(String(err.stack)).not.toContain(SECRET);
    expect(JSON.stringify(err)).not.toContain(SECRET);
  });

  it('validates keys and values before touching the keychain', async () => {
    let loaded = false;
    const store = new KeytarSecretStore({
      load: async () => {
        loaded = true;
        throw new Error('should not load');
      },
    });
    expect((await caught(store.get('not/a/key'))).code).toBe('BAD_INPUT');
    expect((await caught(store.set('cluster/prod/password', ''))).code).toBe('BAD_INPUT');
    expect(loaded).toBe(false);
  });

  it('passes the service name and key through to keytar', async () => {
    const calls: string[] = [];
    const mem = new Map<string, string>();
    const store = new KeytarSecretStore({
      service: 'csm-unit-svc',
      load: async () => ({
        getPassword: async (s, a) => (calls.push(`get ${s} ${a}`), mem.get(a) ?? null),
        setPassword: async (s, a, p) => void (calls.push(`set ${s} ${a}`), mem.set(a, p)),
        deletePassword: async (s, a) => (calls.push(`del ${s} ${a}`), mem.delete(a)),
      }),
    });
    await store.set('tenant/acme/role-admin', SECRET);
    expect(await store.get('tenant/acme/role-admin')).toBe(SECRET);
    expect(await store.delete('tenant/acme/role-admin')).toBe(true);
    expect(calls).toEqual(['set csm-unit-svc tenant/acme/role-admin', 'get csm-unit-svc tenant/acme/role-admin', 'del csm-unit-svc tenant/acme/role-admin']);
    expect(store.describe()).toEqual({ backend: 'keychain', location: expect.stringContaining('"csm-unit-svc"') });
  });
});
