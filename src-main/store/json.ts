import { z } from 'zod';
import { AppError } from '../app/errors';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export const jsonValueSchema: z.ZodType<JsonValue> = z.json();

export function toJsonText(value: unknown, where: string): string {
  const text = JSON.stringify(value);
  if (text === undefined) throw new AppError('BAD_INPUT', `${where}: value cannot be stored as JSON`);
  return text;
}

/**
 * Parse a JSON column. A row that does not parse means the file was edited or damaged by
 * something other than this code; say where, never echo the content (it may be sensitive).
 */
export function parseJsonColumn<T>(text: string, schema: z.ZodType<T>, where: string): T {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new AppError('INTERNAL', `local cache: ${where} is not valid JSON`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new AppError('INTERNAL', `local cache: ${where} has an unexpected shape`);
  return parsed.data;
}

/** For plain text columns constrained to a set of values (state, outcome, …). */
export function parseEnumColumn<T extends string>(value: string, allowed: readonly T[], where: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new AppError('INTERNAL', `local cache: ${where} has an unexpected value`);
}
