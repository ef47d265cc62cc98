// Zod issues in one line an admin can read: "field.path: message; ...".
import type { z } from 'zod';

export function describeSchemaIssues(error: z.ZodError, limit = 5): string {
  return error.issues
    .slice(0, limit)
    .map((issue) => `${issue.path.join('.') || 'value'}: ${issue.message}`)
    .join('; ');
}
