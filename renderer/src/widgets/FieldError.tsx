// A form field's error message, and schema issues keyed by the field they are about.

/** The message under a field, when there is one; `id` for the field's aria-describedby. */
export function FieldError({ id, message }: { id?: string; message: string | undefined }) {
  return message ? <span id={id} className="field-error">{message}</span> : null;
}

/** Each schema issue under its field's key ("name", "interfaces.0.ip", "memoryHard"): the first one per field. */
export function issuesByField(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): Map<string, string> {
  const fields = new Map<string, string>();
  for (const issue of issues) {
    const key = issue.path.map(String).join('.');
    if (!fields.has(key)) fields.set(key, issue.message);
  }
  return fields;
}
