// What the views say when something failed: the action, where (host, guest), the core's own words,
// and what to try next, one wording per kind of failure.
import { VfleetCallError } from '../api/vfleetClient';

export interface Failure {
  /** "Could not start lab-1/web1". */
  title: string;
  message: string;
  hint: string;
}

export function describeFailure(action: string, error: unknown): Failure {
  if (error instanceof VfleetCallError) {
    const where = [error.error.host, error.error.guest].filter(Boolean).join('/');
    const title = `Could not ${action}${where && !action.includes(where) ? ` (${where})` : ''}`;
    const hint = {
      invalid: 'Nothing was changed. Correct the value and try again.',
      cancelled: 'It was cancelled; nothing more will run.',
      busy: 'Another change to this guest is running. Wait for it to finish (see Activity) and try again.',
      failed: error.error.host
        ? `Check ${error.error.host}'s connection and agent on its host page, then try again.`
        : 'Check the connection to the core and the hosts involved, then try again.',
    }[error.error.kind];
    return { title, message: error.message, hint };
  }
  return { title: `Could not ${action}`, message: error instanceof Error ? error.message : String(error), hint: 'Try again; if it keeps failing, reload the page.' };
}
