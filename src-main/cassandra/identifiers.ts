import { AppError } from '../app/errors';
import { CQL_NAME_MAX, CQL_NAME_PATTERN, TENANT_ID_PATTERN } from '../../src-shared/rules/names';

/**
 * The one module through which identifiers reach CQL (DESIGN §4). Values are always bound
 * parameters; names cannot be bound, so they are validated against a strict pattern here and
 * then double-quoted with inner quotes doubled — belt and braces.
 *
 * A branded string type makes "validated" visible to the compiler: statement builders take
 * `CqlIdent`, so an unvalidated string cannot be spliced in by accident.
 */
declare const brand: unique symbol;
export type CqlIdent = string & { readonly [brand]: 'CqlIdent' };

/** Role names we *read* from Cassandra may be anything; roles we *create* follow this. */
const CREATED_ROLE_PATTERN = /^[a-z][a-z0-9_]{0,127}$/;
/** Roles an operator signs in with or names: wider, but never quotes, whitespace or control characters. */
const EXISTING_ROLE_PATTERN = /^[A-Za-z0-9_.@-]{1,128}$/;

function quote(name: string): CqlIdent {
  return `"${name.replace(/"/g, '""')}"` as CqlIdent;
}

function reject(kind: string, name: string, why: string): never {
  // The offending text is shown JSON-escaped and cut short, so control characters or a
  // megabyte of input cannot spoof or flood the message.
  throw new AppError('BAD_INPUT', `invalid ${kind} name ${JSON.stringify(name.slice(0, 64))}: ${why}`);
}

export function keyspace(name: string): CqlIdent {
  if (typeof name !== 'string' || !CQL_NAME_PATTERN.test(name)) {
    reject('keyspace', String(name), `use a lower-case letter then lower-case letters, digits or _ (at most ${CQL_NAME_MAX})`);
  }
  return quote(name);
}

export function table(name: string): CqlIdent {
  if (typeof name !== 'string' || !CQL_NAME_PATTERN.test(name)) {
    reject('table', String(name), `use a lower-case letter then lower-case letters, digits or _ (at most ${CQL_NAME_MAX})`);
  }
  return quote(name);
}

/**
 * A table that already exists and was created by someone else (a tenant's own CQL): Cassandra
 * accepts quoted mixed-case names (`CREATE TABLE ks."Evil"`), up to 48 letters, digits or _.
 * For statements about such tables (GRANT/REVOKE found by a scan), never for tables we create.
 */
export function existingTable(name: string): CqlIdent {
  if (typeof name !== 'string' || !/^[A-Za-z0-9_]{1,48}$/.test(name)) {
    reject('table', String(name), 'only letters, digits and _ are accepted (at most 48)');
  }
  return quote(name);
}

/** Column names follow the same rule as table names. */
export function column(name: string): CqlIdent {
  if (typeof name !== 'string' || !CQL_NAME_PATTERN.test(name)) {
    reject('column', String(name), `use a lower-case letter then lower-case letters, digits or _ (at most ${CQL_NAME_MAX})`);
  }
  return quote(name);
}

/** `"ks"."table"` */
export function qualified(ks: string, tbl: string): CqlIdent {
  return `${keyspace(ks)}.${table(tbl)}` as CqlIdent;
}

/** A role the console creates (tenant roles, csm roles). */
export function newRole(name: string): CqlIdent {
  if (typeof name !== 'string' || !CREATED_ROLE_PATTERN.test(name)) {
    reject('role', String(name), 'use a lower-case letter then lower-case letters, digits or _ (at most 128)');
  }
  return quote(name);
}

/** A role that already exists (sign-in role, a role found by a scan). */
export function existingRole(name: string): CqlIdent {
  if (typeof name !== 'string' || !EXISTING_ROLE_PATTERN.test(name)) {
    reject('role', String(name), 'only letters, digits and _ . @ - are accepted (at most 128)');
  }
  return quote(name);
}

export function tenantId(id: string): string {
  if (typeof id !== 'string' || !TENANT_ID_PATTERN.test(id)) {
    reject('tenant', String(id), 'a lower-case letter, then 1–29 lower-case letters, digits or _');
  }
  return id;
}

/** Data-centre names appear as map keys in replication (bound values are not allowed there). */
export function dcLiteral(name: string): string {
  if (typeof name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(name)) {
    reject('data centre', String(name), 'letters, digits, _ . - only');
  }
  return `'${name}'`;
}

/**
 * Cassandra's grammar takes role passwords only as string literals (no bind marker), so this is
 * the one place a value is inlined: quotes doubled, control characters refused. Cassandra's
 * audit log masks the literal; our logs never see the statement text.
 */
export function passwordLiteral(password: string): string {
  if (typeof password !== 'string' || password.length === 0 || password.length > 512) {
    throw new AppError('BAD_INPUT', 'password must be 1–512 characters');
  }
  if (/[\u0000-\u001f\u007f-\u009f]/.test(password)) throw new AppError('BAD_INPUT', 'password must not contain control characters');
  return `'${password.replace(/'/g, "''")}'`;
}

/** What Cassandra's PasswordAuthenticator stores in system_auth.roles.salted_hash: a bcrypt hash. */
export const BCRYPT_HASH_PATTERN = /^\$2[abxy]?\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}$/;

/**
 * A role's stored password hash, inlined for `WITH HASHED PASSWORD` (Cassandra 5; no bind marker
 * there either). Only a well-formed bcrypt hash (cost 4–31, what Cassandra accepts) passes — its
 * alphabet has no quote, so nothing a bundle or a request row carries can end the literal. The
 * users module adds its own cost floor for hashes it makes (users/rules.ts checkedUserHash).
 */
export function hashedPasswordLiteral(hash: string): string {
  if (typeof hash !== 'string' || !BCRYPT_HASH_PATTERN.test(hash)) throw new AppError('BAD_INPUT', 'a password hash must be a bcrypt hash ($2a$NN$ and 53 characters of ./A-Za-z0-9)');
  return `'${hash}'`;
}
