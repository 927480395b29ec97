import { AppError } from '../../../src-main/app/errors';
import type { ErrorCode } from '../../../src-shared/contract/core';

/** The AppError a synchronous call throws (fails the test if it returns or throws anything else). */
export function appErrorOf(fn: () => unknown): { code: ErrorCode; message: string } {
  try {
    fn();
  } catch (e) {
    if (e instanceof AppError) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected the call to throw an AppError');
}

/** The AppError a promise rejects with (fails the test if it resolves or rejects with anything else). */
export async function appErrorOfAsync(p: Promise<unknown>): Promise<{ code: ErrorCode; message: string }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected the call to reject with an AppError');
}
