// One way to validate a protocol value: the outcome with the problems in one admin-readable line.
// A namespace import lets the agent bundle keep only the zod parts it uses (`{ z }` drags in every locale).
import type * as z from 'zod';

export type Checked<T> = { ok: true; value: T } | { ok: false; problem: string };

export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

export function checkWith<S extends z.ZodType>(schema: S, value: unknown): Checked<z.output<S>> {
  const parsed = schema.safeParse(value);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, problem: describeIssues(parsed.error) };
}
