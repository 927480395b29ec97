import cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { fromDriverError } from '../../../src-main/cassandra/driver-errors';

const { errors, types } = cassandra;
const code = (e: unknown): string => fromDriverError(e, 'op').code;

describe('driver error mapping (the driver’s own error classes)', () => {
  it('maps each kind to a stable code', () => {
    expect(code(new errors.NoHostAvailableError({ '10.0.0.1:9042': new errors.AuthenticationError('Provided username x and/or password are incorrect') }))).toBe('AUTH_FAILED');
    expect(code(new errors.NoHostAvailableError({ h: new Error('ssl3_get_record:wrong version number') }))).toBe('TLS_ERROR');
    expect(code(new errors.NoHostAvailableError({ h: new Error('connect ECONNREFUSED 127.0.0.1:9042') }))).toBe('UNAVAILABLE');
    expect(code(new errors.NoHostAvailableError({}))).toBe('UNAVAILABLE');
    expect(code(new errors.ResponseError(types.responseErrorCodes.unauthorized, 'User x has no SELECT permission on <table a.b>'))).toBe('UNAUTHORIZED_STATEMENT');
    expect(code(new errors.ResponseError(types.responseErrorCodes.alreadyExists, 'exists'))).toBe('CONFLICT');
    expect(code(new errors.ResponseError(types.responseErrorCodes.readTimeout, 't'))).toBe('TIMEOUT');
    expect(code(new errors.ResponseError(types.responseErrorCodes.unavailableException, 'u'))).toBe('UNAVAILABLE');
    expect(code(new errors.ResponseError(types.responseErrorCodes.syntaxError, 's'))).toBe('BAD_INPUT');
    expect(code(new errors.OperationTimedOutError('timed out', '10.0.0.1:9042'))).toBe('TIMEOUT');
    expect(code(new errors.DriverInternalError('Socket was closed'))).toBe('UNAVAILABLE');
    expect(code(new Error('something else'))).toBe('INTERNAL');
  });

  it('never carries contact points or stack traces into the message', () => {
    const e = fromDriverError(new errors.NoHostAvailableError({ '10.9.8.7:9042': new Error('connect ECONNREFUSED 10.9.8.7:9042') }), 'signing in');
    expect(e.message).not.toMatch(/10\.9\.8\.7|at \w+ \(/);
    expect(fromDriverError(new Error('boom 10.9.8.7'), 'x').message).not.toContain('10.9.8.7');
  });

  it('keeps Cassandra’s own reason for a refused statement', () => {
    const e = fromDriverError(new errors.ResponseError(types.responseErrorCodes.unauthorized, 'User bob has no MODIFY permission on <table t_a.x> or any of its parents'), 'writing');
    expect(e.message).toMatch(/has no MODIFY permission on <table t_a\.x>/);
  });
});
