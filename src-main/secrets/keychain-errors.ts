import { AppError } from '../app/errors';

const VAULT_HINT = 'or opt in to the encrypted file vault by starting the console with CSM_SECRET_BACKEND=vault';

// Message fragments seen from libsecret/GLib (Linux), Security.framework (macOS) and keytar itself.
const NO_SERVICE = [
  /autolaunch D-Bus/i,
  /org\.freedesktop\.secrets was not provided/i,
  /not provided by any \.service files/i,
  /Could not connect/i,
  /Failed to connect to socket/i,
  /Connection refused/i,
  /DBUS_SESSION_BUS_ADDRESS/i,
  /ServiceUnknown/i,
  /No such interface .*org\.freedesktop\.Secret/i,
];
const LOCKED = [/locked/i, /interaction (is )?not allowed/i, /user canceled/i, /prompt (was )?dismissed/i];
// gnome-keyring with no login keyring yet (first run without a desktop): nothing to store into.
const NO_COLLECTION = [/Object does not exist at path .*\/collection\//i, /No such (secret )?collection/i];

/** Keep the library's words (they help support) minus anything that could be the secret. */
function detail(err: unknown, secret?: string): string {
  let text = err instanceof Error ? err.message : String(err);
  if (secret) text = text.split(secret).join('[redacted]');
  return text.replace(/\s+/g, ' ').trim().slice(0, 200);
}

export type KeychainOp = 'read' | 'write' | 'delete' | 'load';

/**
 * Map a keytar/libsecret failure to an operator-facing AppError. There is no fallback to a
 * plaintext file: if the keychain cannot be used, the operator chooses the vault explicitly.
 */
export function keychainError(err: unknown, op: KeychainOp, secret?: string): AppError {
  if (err instanceof AppError) return err;
  const why = detail(err, secret);
  if (op === 'load') {
    return new AppError(
      'KEYCHAIN_UNAVAILABLE',
      `The OS keychain module could not be loaded (${why}). Install libsecret (Debian/Ubuntu: libsecret-1-0) and reinstall the console, ${VAULT_HINT}.`,
    );
  }
  if (NO_COLLECTION.some((r) => r.test(why))) {
    return new AppError(
      'KEYCHAIN_LOCKED',
      `The Secret Service has no default keyring to ${op} the secret (${why}). Create and unlock one: sign in to your desktop session, ` +
        `or on a headless host run "echo -n <password> | gnome-keyring-daemon --unlock --components=secrets", ${VAULT_HINT}.`,
    );
  }
  if (LOCKED.some((r) => r.test(why))) {
    return new AppError(
      'KEYCHAIN_LOCKED',
      `Your keyring is locked, so the secret could not be ${op === 'read' ? 'read' : op === 'write' ? 'stored' : 'removed'} (${why}). ` +
        'Unlock your keyring (log in to the desktop session, or open Passwords and Keys / KWallet and unlock it) and try again.',
    );
  }
  if (NO_SERVICE.some((r) => r.test(why))) {
    return new AppError(
      'KEYCHAIN_UNAVAILABLE',
      `The OS keychain is not reachable (${why}). Start a Secret Service in this session (GNOME Keyring or KWallet, with a D-Bus session bus), ${VAULT_HINT}.`,
    );
  }
  return new AppError('KEYCHAIN_UNAVAILABLE', `The OS keychain failed to ${op} a secret (${why}). Check that your keyring works, ${VAULT_HINT}.`);
}
