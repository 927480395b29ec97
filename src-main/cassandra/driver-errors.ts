import cassandra from 'cassandra-driver';
import { AppError } from '../app/errors';
import { redactString } from '../app/redact';

const { errors, types } = cassandra;
const codes = types.responseErrorCodes;

const TLS_HINT = /ssl|tls|certificate|handshake|EPROTO|self[- ]signed|unable to verify|alert/i;

function innerList(err: { innerErrors?: unknown }): unknown[] {
  const inner = err.innerErrors;
  if (!inner || typeof inner !== 'object') return [];
  return Object.values(inner as Record<string, unknown>);
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Translate a driver error into a stable code and an operator-facing message. Messages keep
 * Cassandra's own reason where it helps ("has no SELECT permission on <table …>") and drop
 * everything else: no stack, no contact-point list, never credentials.
 */
export function fromDriverError(err: unknown, what: string): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof errors.NoHostAvailableError) {
    const inner = innerList(err);
    if (inner.length > 0 && inner.every((e) => e instanceof errors.AuthenticationError || (e instanceof errors.ResponseError && e.code === codes.badCredentials))) {
      return new AppError('AUTH_FAILED', `${what}: Cassandra refused the credentials (wrong role name or password)`, { cause: err });
    }
    const tls = inner.map(messageOf).find((m) => TLS_HINT.test(m));
    if (tls !== undefined) {
      return new AppError('TLS_ERROR', `${what}: TLS handshake failed: ${describeTls(tls)}`, { cause: err });
    }
    return new AppError('UNAVAILABLE', `${what}: no Cassandra node answered (${inner.length || 'no'} contact point${inner.length === 1 ? '' : 's'} tried)`, { cause: err });
  }
  if (err instanceof errors.AuthenticationError) {
    return new AppError('AUTH_FAILED', `${what}: Cassandra refused the credentials`, { cause: err });
  }
  if (err instanceof errors.OperationTimedOutError) {
    return new AppError('TIMEOUT', `${what}: the node did not answer in time`, { cause: err });
  }
  if (err instanceof errors.ResponseError) {
    const reason = redactString(firstLine(err.message));
    switch (err.code) {
      case codes.unauthorized:
        return new AppError('UNAUTHORIZED_STATEMENT', `${what}: Cassandra refused: ${reason}`, { cause: err });
      case codes.badCredentials:
        return new AppError('AUTH_FAILED', `${what}: Cassandra refused the credentials`, { cause: err });
      case codes.alreadyExists:
        return new AppError('CONFLICT', `${what}: ${reason}`, { cause: err });
      case codes.unavailableException:
      case codes.overloaded:
      case codes.isBootstrapping:
        return new AppError('UNAVAILABLE', `${what}: not enough replicas available (${reason})`, { cause: err });
      case codes.readTimeout:
      case codes.writeTimeout:
        return new AppError('TIMEOUT', `${what}: replicas did not answer in time`, { cause: err });
      case codes.invalid:
      case codes.syntaxError:
      case codes.configError:
        return new AppError('BAD_INPUT', `${what}: Cassandra rejected the statement: ${reason}`, { cause: err });
      default:
        return new AppError('INTERNAL', `${what}: Cassandra error ${err.code.toString(16)}`, { cause: err });
    }
  }
  // A node that dies mid-request: the driver fails in-flight requests with a bare DriverError.
  if (err instanceof errors.DriverError && /socket was closed|connection (was )?closed|ECONNRESET|EPIPE/i.test(err.message)) {
    return new AppError('UNAVAILABLE', `${what}: the node closed the connection (it may have stopped)`, { cause: err });
  }
  if (err instanceof Error && /ECONNREFUSED|EHOSTUNREACH|ENOTFOUND|ETIMEDOUT/.test(err.message)) {
    return new AppError('UNAVAILABLE', `${what}: node unreachable`, { cause: err });
  }
  return new AppError('INTERNAL', `${what}: unexpected driver error`, { cause: err });
}

/** OpenSSL's reasons mean little to an operator; name the usual ones in plain words. */
function describeTls(message: string): string {
  if (/wrong version number|packet length too long/i.test(message)) return 'the node does not speak TLS on this port (client encryption off?)';
  if (/self[- ]signed|unable to (get|verify)|certificate verify failed|unknown ca/i.test(message)) return 'the node\'s certificate is not signed by the configured CA';
  if (/certificate required|bad certificate|handshake failure/i.test(message)) return 'the node refused the client certificate (missing, expired or from another CA)';
  if (/hostname|altnames|IP: .* is not in the cert/i.test(message)) return 'the node\'s certificate does not name this host';
  return redactString(firstLine(message));
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.slice(0, 300);
}
