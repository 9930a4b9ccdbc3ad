import type { z } from 'zod';
import type { ErrorBody } from './errors.js';

/**
 * Turns a failed parse into the protocol's error: BAD_REQUEST naming the field, or TOO_LARGE
 * when a text field or free-form data is larger than its limit (a user who pasted too much is
 * told so plainly).
 */
export function errorFromIssues(issues: readonly z.core.$ZodIssue[]): ErrorBody {
  const first = issues[0];
  if (!first) return { code: 'BAD_REQUEST', message: 'invalid payload' };
  const field = first.path.length > 0 ? first.path.map(String).join('.') : 'payload';
  const tooLongText = first.code === 'too_big' && first.origin === 'string';
  // A custom check (e.g. free-form data over its budget) names its code in params.
  const tooLargeData = first.code === 'custom' && first.params?.['errorCode'] === 'TOO_LARGE';
  return {
    code: tooLongText || tooLargeData ? 'TOO_LARGE' : 'BAD_REQUEST',
    message: `${field}: ${first.message}`,
  };
}

export type ParseOutcome<T> = { ok: true; value: T } | { ok: false; error: ErrorBody };

export function parseWith<S extends z.ZodType>(schema: S, input: unknown): ParseOutcome<z.output<S>> {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, error: errorFromIssues(result.error.issues) };
}
