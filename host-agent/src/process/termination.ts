// SIGINT/SIGTERM/SIGHUP: run the registered clean-ups (interrupted builds remove their temporary
// directories, a cancelled start stops its guest), then exit with 128 + signal number. Without
// clean-ups the agent exits at once.
import { constants } from 'node:os';

type Cleanup = () => Promise<void>;

const cleanups = new Set<Cleanup>();
let installed = false;
let terminating = false;

function install(): void {
  if (installed) return;
  installed = true;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      const code = 128 + (constants.signals[signal] ?? 15);
      if (terminating) return;
      terminating = true;
      void Promise.allSettled([...cleanups].map((cleanup) => cleanup())).then(() => process.exit(code));
    });
  }
}

/** Registers a clean-up for termination signals; returns its removal. */
export function onTermination(cleanup: Cleanup): () => void {
  install();
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

/**
 * Runs `work` so that a termination signal cancels it and the agent exits only once it has cleaned
 * up; the command itself then reports the cancellation and exits (1) before the signal's exit code.
 */
export async function cancelOnTermination<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const cancel = new AbortController();
  const running = work(cancel.signal);
  const removeHandler = onTermination(async () => {
    cancel.abort();
    await running.catch(() => undefined);
    // One turn of the event loop: the command's own error path (all promise callbacks) runs first.
    await new Promise((resolve) => setImmediate(resolve));
  });
  try {
    return await running;
  } finally {
    removeHandler();
  }
}
