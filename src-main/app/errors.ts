import { ZodError } from 'zod';
import type { ErrorCode, WireError } from '../../src-shared/contract/core';

/** The only error type whose message may cross to a client: its text is written for the operator. */
export class AppError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

/** `field.path: reason; …` — enough to fix the input, nothing echoed back verbatim beyond the path. */
export function describeZodError(err: ZodError): string {
  const parts = err.issues.slice(0, 8).map((i) => {
    const path = i.path.length ? i.path.map(String).join('.') : 'input';
    return `${path}: ${i.message}`;
  });
  if (err.issues.length > 8) parts.push(`… ${err.issues.length - 8} more`);
  return parts.join('; ');
}

/**
 * Map anything thrown by a handler to the wire shape. Unknown errors become INTERNAL with a
 * reference the log carries, so a driver message with hosts or credentials never crosses.
 */
export function toWireError(err: unknown, ref: () => string): WireError {
  if (err instanceof AppError) return { code: err.code, message: err.message };
  if (err instanceof ZodError) return { code: 'BAD_INPUT', message: describeZodError(err) };
  return { code: 'INTERNAL', message: `internal error (reference ${ref()}); details are in the console log` };
}
